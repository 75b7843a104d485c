//! Finding the line a definition's construct sits on, from its text: parsed values carry
//! no positions, and a warning should name the place (`template.yaml:57`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// 1-based line of the first mapping entry `key:` (YAML), `"key":` (JSON) or a
/// Terraform block / attribute `key` at or after line `from`.
pub fn key_line_from(text: &str, key: &str, from: u32) -> Option<u32> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find(|(_, line)| is_key(line, key))
        .map(|(i, _)| i as u32 + 1)
}

/// Every line's mapping key and where every line starts, indexed once so that looking up
/// the keys and names of thousands of resources does not rescan the template for each.
pub struct KeyIndex<'a> {
    text: &'a str,
    lines: HashMap<&'a str, Vec<u32>>,
    /// Byte offset of each line's start (line `n` starts at `starts[n - 1]`).
    starts: Vec<usize>,
    /// The lines holding a text looked for before, found by one scan each.
    found: RefCell<HashMap<String, Rc<[u32]>>>,
}

impl<'a> KeyIndex<'a> {
    pub fn new(text: &'a str) -> KeyIndex<'a> {
        let mut lines: HashMap<&'a str, Vec<u32>> = HashMap::new();
        let mut starts = Vec::new();
        let mut at = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            starts.push(at);
            at += line.len();
            let line = line.strip_suffix('\n').unwrap_or(line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some(key) = line_key(line) {
                lines.entry(key).or_default().push(i as u32 + 1);
            }
        }
        KeyIndex {
            text,
            lines,
            starts,
            found: RefCell::default(),
        }
    }

    /// The same answer as [`key_line_from`], without scanning.
    pub fn line_from(&self, key: &str, from: u32) -> Option<u32> {
        let found = self.lines.get(key)?;
        let at = found.partition_point(|l| *l < from);
        found.get(at).copied()
    }

    /// The same answer as [`find_line_from`]: the lines before `until` (the end of the
    /// construct, when known) are searched directly; past them, the lines holding
    /// `needle` are found once per needle and remembered.
    pub fn find_from(&self, needle: &str, from: u32, until: Option<u32>) -> Option<u32> {
        if needle.is_empty() || needle.contains(['\n', '\r']) {
            return find_line_from(self.text, needle, from);
        }
        let from = from.max(1);
        let end = until.filter(|u| *u > from);
        if let Some(end) = end {
            let start = self.offset(from);
            let stop = self.offset(end);
            let in_range = self.lines_of(&self.text[start..stop], needle, from).next();
            if in_range.is_some() {
                return in_range;
            }
        }
        let after = end.unwrap_or(from);
        let all = {
            let mut found = self.found.borrow_mut();
            Rc::clone(
                found
                    .entry(needle.to_string())
                    .or_insert_with(|| self.lines_of(self.text, needle, 1).collect()),
            )
        };
        all.get(all.partition_point(|l| *l < after)).copied()
    }

    /// Byte offset where 1-based line `line` starts (the text's end past the last).
    fn offset(&self, line: u32) -> usize {
        self.starts
            .get(line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The lines of `slice` (which starts at line `first`) holding `needle`, each once.
    fn lines_of<'s>(&'s self, slice: &'s str, needle: &'s str, first: u32) -> impl Iterator<Item = u32> + 's {
        let base = self.offset(first);
        let mut last = 0;
        slice.match_indices(needle).filter_map(move |(at, _)| {
            let line = self.starts.partition_point(|s| *s <= base + at) as u32;
            (line != last).then(|| {
                last = line;
                line
            })
        })
    }
}

/// The key a line defines (`key:`, `"key":`, `'key':`, `key =`), as [`is_key`] reads it.
fn line_key(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ");
    let (key, rest) = if let Some(r) = t.strip_prefix('"') {
        let end = r.find('"')?;
        (&r[..end], &r[end + 1..])
    } else if let Some(r) = t.strip_prefix('\'') {
        let end = r.find('\'')?;
        (&r[..end], &r[end + 1..])
    } else {
        let end = t.find([':', '='])?;
        (t[..end].trim_end(), &t[end..])
    };
    let rest = rest.trim_start();
    (rest.starts_with(':') || rest.starts_with('=')).then_some(key)
}

/// 1-based line of the first mapping entry `key:`.
pub fn key_line(text: &str, key: &str) -> Option<u32> {
    key_line_from(text, key, 1)
}

fn is_key(line: &str, key: &str) -> bool {
    let t = line.trim_start().trim_start_matches("- ");
    let rest = if let Some(r) = t.strip_prefix('"').and_then(|r| r.strip_prefix(key)) {
        r.strip_prefix('"')
    } else if let Some(r) = t.strip_prefix('\'').and_then(|r| r.strip_prefix(key)) {
        r.strip_prefix('\'')
    } else {
        t.strip_prefix(key)
    };
    rest.is_some_and(|r| r.trim_start().starts_with(':') || r.trim_start().starts_with('='))
}

/// 1-based line of the first occurrence of `needle`.
pub fn find_line(text: &str, needle: &str) -> Option<u32> {
    find_line_from(text, needle, 1)
}

/// 1-based line of the first occurrence of `needle` at or after line `from`.
pub fn find_line_from(text: &str, needle: &str, from: u32) -> Option<u32> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find(|(_, line)| line.contains(needle))
        .map(|(i, _)| i as u32 + 1)
}

/// 1-based line of the YAML tag `!tag` (not a longer tag it prefixes).
pub fn tag_line(text: &str, tag: &str) -> Option<u32> {
    let needle = format!("!{tag}");
    text.lines().enumerate().find_map(|(i, line)| {
        line.match_indices(&needle)
            .any(|(at, _)| {
                line[at + needle.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
            })
            .then_some(i as u32 + 1)
    })
}

/// 1-based line of a reference to `name` (`!Ref name`, `Ref: name`, `"Ref": "name"`,
/// `${name}`, `!GetAtt name.X`) at or after line `from`.
pub fn reference_line(text: &str, name: &str, from: u32) -> Option<u32> {
    let forms = [
        format!("!Ref {name}"),
        format!("Ref: {name}"),
        format!("\"Ref\": \"{name}\""),
        format!("${{{name}}}"),
        format!("${{{name}."),
        format!("!GetAtt {name}."),
        format!("\"{name}\","),
        format!("- {name}"),
    ];
    forms
        .iter()
        .filter_map(|f| find_line_from(text, f, from))
        .min()
        .or_else(|| find_line_from(text, name, from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_agrees_with_scanning() {
        let text =
            "Resources:\n  Orders:\n    Type: x\n  \"Queue\": {}\n  'Topic' : y\nlocals {\n  name = 1\n}\n  Orders:\n";
        let index = KeyIndex::new(text);
        for key in ["Resources", "Orders", "Type", "Queue", "Topic", "name", "missing"] {
            for from in 1..10 {
                assert_eq!(
                    index.line_from(key, from),
                    key_line_from(text, key, from),
                    "{key} from {from}"
                );
            }
        }
    }

    #[test]
    fn find_from_agrees_with_scanning() {
        let text = "Resources:\r\n  A:\n    Policies: [AWSLambdaBasicExecutionRole, x]\n  B:\n\n    P: x x\n  C:\n    Q: AWSLambdaBasicExecutionRole\nx";
        let index = KeyIndex::new(text);
        for needle in ["AWSLambdaBasicExecutionRole", "x", "Resources", "missing", "", "A:\n"] {
            for from in 0..11 {
                for until in [None, Some(0), Some(3), Some(4), Some(6), Some(20)] {
                    assert_eq!(
                        index.find_from(needle, from, until),
                        find_line_from(text, needle, from),
                        "{needle:?} from {from} until {until:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_tags_and_references() {
        let text =
            "Resources:\n  Orders:\n    Type: X\n  Api:\n    Properties:\n      T: !Ref Ordrs\n      U: !GetAtr A.B\n";
        assert_eq!(key_line(text, "Api"), Some(4));
        assert_eq!(key_line(text, "Ord"), None);
        assert_eq!(key_line_from(text, "Properties", 4), Some(5));
        assert_eq!(tag_line(text, "GetAtr"), Some(7));
        assert_eq!(tag_line(text, "Get"), None);
        assert_eq!(reference_line(text, "Ordrs", 4), Some(6));
        assert_eq!(key_line("{\n  \"Api\": {}\n}", "Api"), Some(2));
        assert_eq!(
            key_line("resource \"x\" \"y\" {\n  handler = \"a\"\n}", "handler"),
            Some(2)
        );
    }
}

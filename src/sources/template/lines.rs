//! Finding the line a definition's construct sits on, from its text: parsed values carry
//! no positions, and a warning should name the place (`template.yaml:57`).

/// 1-based line of the first mapping entry `key:` (YAML), `"key":` (JSON) or a
/// Terraform block / attribute `key` at or after line `from`.
pub fn key_line_from(text: &str, key: &str, from: u32) -> Option<u32> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find(|(_, line)| is_key(line, key))
        .map(|(i, _)| i as u32 + 1)
}

/// Every line's mapping key, indexed once so that looking up the keys of thousands of
/// resources does not rescan the template for each.
pub struct KeyIndex<'a> {
    lines: std::collections::HashMap<&'a str, Vec<u32>>,
}

impl<'a> KeyIndex<'a> {
    pub fn new(text: &'a str) -> KeyIndex<'a> {
        let mut lines: std::collections::HashMap<&'a str, Vec<u32>> = std::collections::HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if let Some(key) = line_key(line) {
                lines.entry(key).or_default().push(i as u32 + 1);
            }
        }
        KeyIndex { lines }
    }

    /// The same answer as [`key_line_from`], without scanning.
    pub fn line_from(&self, key: &str, from: u32) -> Option<u32> {
        let found = self.lines.get(key)?;
        let at = found.partition_point(|l| *l < from);
        found.get(at).copied()
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

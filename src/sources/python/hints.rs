//! Strings as the code builds them → [`Hint`]s: literals with their escapes, f-strings,
//! `+`, `%` and `.format` with a known template, `"/".join(...)`. Pieces the analysis
//! cannot know become unknown pieces, so `f"uploads/{user}/a.png"` keeps its prefix.

use tree_sitter::Node;

use crate::sources::{Hint, Piece};

use super::kinds as k;
use super::parse::{ParsedFile, named_children};
use super::value::{MAX_VALUES, Vals, Value};

/// A string literal split into text and `{...}` interpolations.
#[derive(Debug)]
pub enum Part<'t> {
    Text(String),
    Interp(Node<'t>),
}

/// The parts of a `string` or `concatenated_string` node.
pub fn string_parts<'t>(file: &ParsedFile, node: Node<'t>) -> Vec<Part<'t>> {
    let strings = if node.kind() == k::CONCATENATED_STRING {
        named_children(node)
    } else {
        vec![node]
    };
    let mut parts = Vec::new();
    for s in strings {
        let prefix = named_children(s)
            .into_iter()
            .find(|c| c.kind() == k::STRING_START)
            .map(|c| file.text(c).to_ascii_lowercase())
            .unwrap_or_default();
        let raw = prefix.contains('r');
        let fstring = prefix.contains('f');
        for c in named_children(s) {
            match c.kind() {
                k::STRING_CONTENT => {
                    let mut text = if raw {
                        file.text(c).to_string()
                    } else {
                        unescape(file.text(c))
                    };
                    if fstring {
                        text = text.replace("{{", "{").replace("}}", "}");
                    }
                    parts.push(Part::Text(text));
                }
                k::INTERPOLATION => parts.push(Part::Interp(c)),
                _ => {}
            }
        }
    }
    parts
}

/// Python escape sequences of a (non-raw) string body.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\n') => {}
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
            }
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
            }
            Some(other @ ('\\' | '\'' | '"')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Every concatenation of one hint from each segment (at most [`MAX_VALUES`]).
pub fn product(segments: &[Vec<Hint>]) -> Vec<Hint> {
    let mut acc: Vec<Hint> = vec![Hint { pieces: Vec::new() }];
    for seg in segments {
        let mut next = Vec::new();
        'outer: for a in &acc {
            for b in seg {
                if next.len() >= MAX_VALUES {
                    break 'outer;
                }
                let mut h = Hint::concat([a.clone(), b.clone()]);
                h.pieces.retain(|p| !matches!(p, Piece::Literal(s) if s.is_empty()));
                if !next.contains(&h) {
                    next.push(h);
                }
            }
        }
        acc = next;
    }
    acc
}

/// Wraps hints as string values.
pub fn strs(hints: Vec<Hint>) -> Vals {
    hints.into_iter().map(Value::Str).collect()
}

/// String hints of values used inside a string (numbers print as themselves).
pub fn piece_hints(vals: &Vals, what: &str) -> Vec<Hint> {
    let mut out: Vec<Hint> = Vec::new();
    for v in vals {
        let h = match v {
            Value::Str(h) => h.clone(),
            Value::Lit(s) => Hint::literal(s.clone()),
            Value::Unknown(why) if !why.is_empty() => Hint::unknown(why.clone()),
            _ => Hint::unknown(what),
        };
        if !out.contains(&h) {
            out.push(h);
        }
    }
    if out.is_empty() {
        out.push(Hint::unknown(what));
    }
    out
}

/// `a + b` on strings.
pub fn concat(a: &Vals, b: &Vals, what: &str) -> Vals {
    strs(product(&[piece_hints(a, what), piece_hints(b, what)]))
}

/// `template % args`: `%s`, `%d`, `%(name)s`, `%%`. Only a literal template is read.
pub fn percent_format(template: &Hint, positional: &[Vals], named: &[(String, Vals)], what: &str) -> Vals {
    let Some(fmt) = template.as_literal() else {
        return strs(vec![Hint::unknown(what)]);
    };
    let mut segments: Vec<Vec<Hint>> = Vec::new();
    let mut text = String::new();
    let mut next_arg = 0;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            text.push('%');
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            key = Some(chars.by_ref().take_while(|c| *c != ')').collect::<String>());
        }
        // Flags, width, precision, then the conversion letter.
        for c in chars.by_ref() {
            if c.is_ascii_alphabetic() {
                break;
            }
        }
        segments.push(vec![Hint::literal(std::mem::take(&mut text))]);
        let value = match key {
            Some(key) => named.iter().find(|(n, _)| *n == key).map(|(_, v)| v.clone()),
            None => {
                next_arg += 1;
                positional.get(next_arg - 1).cloned()
            }
        };
        segments.push(piece_hints(&value.unwrap_or_default(), what));
    }
    segments.push(vec![Hint::literal(text)]);
    strs(product(&segments))
}

/// `template.format(*positional, **named)`: `{}`, `{0}`, `{name}`, `{name:spec}`, `{{`.
pub fn brace_format(template: &Hint, positional: &[Vals], named: &[(String, Vals)], what: &str) -> Vals {
    let Some(fmt) = template.as_literal() else {
        return strs(vec![Hint::unknown(what)]);
    };
    let mut segments: Vec<Vec<Hint>> = Vec::new();
    let mut text = String::new();
    let mut auto = 0;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let name = field.split([':', '!']).next().unwrap_or("");
                segments.push(vec![Hint::literal(std::mem::take(&mut text))]);
                let value = if name.is_empty() {
                    auto += 1;
                    positional.get(auto - 1).cloned()
                } else if let Ok(i) = name.parse::<usize>() {
                    positional.get(i).cloned()
                } else {
                    named.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
                };
                segments.push(piece_hints(&value.unwrap_or_default(), what));
            }
            other => text.push(other),
        }
    }
    segments.push(vec![Hint::literal(text)]);
    strs(product(&segments))
}

/// `sep.join(items)` for a known list of items.
pub fn join(sep: &Vals, items: &[Vals], what: &str) -> Vals {
    let seps = piece_hints(sep, what);
    let mut out: Vals = Vec::new();
    for s in &seps {
        let mut segments = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                segments.push(vec![s.clone()]);
            }
            segments.push(piece_hints(item, what));
        }
        out.extend(strs(product(&segments)));
    }
    out.truncate(MAX_VALUES);
    out
}

/// A string method applied to known text (`.strip()`, `.lower()`); unknown text keeps
/// its hint (its unknown pieces already stand for anything).
pub fn string_method(hint: &Hint, method: &str, args: &[Option<String>]) -> Option<Hint> {
    let arg = |i: usize| args.get(i).cloned().flatten();
    let map = |f: &dyn Fn(&str) -> String| Hint {
        pieces: hint
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(s) => Piece::Literal(f(s)),
                other => other.clone(),
            })
            .collect(),
    };
    let lit = hint.as_literal();
    Some(match method {
        "lower" | "casefold" => map(&|s: &str| s.to_lowercase()),
        "upper" => map(&|s: &str| s.to_uppercase()),
        "strip" | "lstrip" | "rstrip" => match lit {
            Some(s) => {
                let set: Vec<char> = arg(0)
                    .map(|a| a.chars().collect())
                    .unwrap_or_else(|| vec![' ', '\n', '\t', '\r']);
                let t = match method {
                    "strip" => s.trim_matches(set.as_slice()),
                    "lstrip" => s.trim_start_matches(set.as_slice()),
                    _ => s.trim_end_matches(set.as_slice()),
                };
                Hint::literal(t)
            }
            None => hint.clone(),
        },
        "replace" => match (lit, arg(0), arg(1)) {
            (Some(s), Some(a), Some(b)) => Hint::literal(s.replace(&a, &b)),
            _ => hint.clone(),
        },
        "removeprefix" => match (lit, arg(0)) {
            (Some(s), Some(a)) => Hint::literal(s.strip_prefix(a.as_str()).unwrap_or(s)),
            _ => hint.clone(),
        },
        "removesuffix" => match (lit, arg(0)) {
            (Some(s), Some(a)) => Hint::literal(s.strip_suffix(a.as_str()).unwrap_or(s)),
            _ => hint.clone(),
        },
        "encode" | "decode" | "title" | "capitalize" => hint.clone(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Vals {
        vec![Value::Str(Hint::literal(v))]
    }

    fn shown(vals: &Vals) -> Vec<String> {
        vals.iter().map(|v| v.hint("?").display()).collect()
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\nb\\c\'d\x41\u00e9"), "a\nb\\c'dAé");
        assert_eq!(unescape(r"\d"), "\\d");
    }

    #[test]
    fn concatenation_keeps_pieces() {
        let env = vec![Value::Str(Hint::env("BUCKET"))];
        let v = concat(&env, &s("/raw"), "x");
        assert_eq!(shown(&v), ["${env:BUCKET}/raw"]);
        let two = vec![Value::Str(Hint::literal("a")), Value::Str(Hint::literal("b"))];
        assert_eq!(shown(&concat(&two, &s("-t"), "x")), ["a-t", "b-t"]);
    }

    #[test]
    fn percent_and_brace_formats() {
        let user = vec![Value::Unknown("user".into())];
        let v = percent_format(&Hint::literal("uploads/%s/%d.png"), &[user.clone(), s("7")], &[], "x");
        assert_eq!(shown(&v), ["uploads/*/7.png"]);
        let v = percent_format(
            &Hint::literal("%(stage)s-media 100%%"),
            &[],
            &[("stage".into(), s("prod"))],
            "x",
        );
        assert_eq!(shown(&v), ["prod-media 100%"]);
        let v = brace_format(
            &Hint::literal("{}-{name:>3}/{{x}}"),
            &[s("a")],
            &[("name".into(), user)],
            "x",
        );
        assert_eq!(shown(&v), ["a-*/{x}"]);
        let v = brace_format(&Hint::env("FMT"), &[], &[], "fmt");
        assert_eq!(shown(&v), ["*"]);
    }

    #[test]
    fn join_and_methods() {
        let v = join(&s("/"), &[s("a"), vec![Value::Unknown("k".into())], s("c")], "x");
        assert_eq!(shown(&v), ["a/*/c"]);
        assert_eq!(
            string_method(&Hint::literal(" a/ "), "strip", &[]).unwrap().display(),
            "a/"
        );
        assert_eq!(
            string_method(&Hint::literal("/a/"), "rstrip", &[Some("/".into())])
                .unwrap()
                .display(),
            "/a"
        );
        assert_eq!(string_method(&Hint::env("X"), "lower", &[]).unwrap(), Hint::env("X"));
        assert!(string_method(&Hint::literal("a"), "split", &[]).is_none());
    }

    #[test]
    fn product_is_bounded() {
        let many: Vec<Hint> = (0..20).map(|i| Hint::literal(i.to_string())).collect();
        assert_eq!(product(&[many.clone(), many]).len(), MAX_VALUES);
    }
}

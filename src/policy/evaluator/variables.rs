//! Policy variables in a Resource element: `${aws:username}`, `${aws:PrincipalTag/team}`,
//! the escapes `${*}` `${?}` `${$}`, and defaults (`${aws:username, 'nobody'}`).
//! Known variables are put in; an unknown one matches anything and marks the decision
//! as depending on the request's context.

use std::collections::BTreeMap;

use super::pattern::{Token, Tokens, tokens};

/// A pattern with its variables put in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub tokens: Tokens,
    /// A variable was not known: the match holds only for some request contexts.
    pub contextual: bool,
}

/// Replaces the variables of `text`. Only policies of version `2012-10-17` have
/// variables; in older ones `${...}` is literal text.
pub fn resolve(text: &str, variables_enabled: bool, known: &BTreeMap<String, String>) -> Resolved {
    if !variables_enabled || !text.contains("${") {
        return Resolved {
            tokens: tokens(text),
            contextual: false,
        };
    }
    let mut out = Vec::new();
    let mut contextual = false;
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.extend(tokens(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.extend(tokens(&rest[start..]));
            rest = "";
            break;
        };
        let inner = after[..end].trim();
        match inner {
            "*" => out.push(Token::Char('*')),
            "?" => out.push(Token::Char('?')),
            "$" => out.push(Token::Char('$')),
            _ => {
                let name = inner.split(',').next().unwrap_or(inner).trim();
                match lookup(known, name) {
                    Some(value) => out.extend(value.chars().map(Token::Char)),
                    None => {
                        out.push(Token::Star);
                        contextual = true;
                    }
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.extend(tokens(rest));
    Resolved {
        tokens: out,
        contextual,
    }
}

/// The text of a condition value with its variables put in (`${*}`-style escapes as
/// their character); `None` when one is not known.
pub fn substitute(text: &str, known: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => out.push_str(lookup(known, inner.split(',').next().unwrap_or(inner).trim())?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Variable names compare case-insensitively, as condition keys do.
fn lookup<'a>(known: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    known
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_escapes_and_versions() {
        let mut known = BTreeMap::new();
        known.insert("aws:PrincipalAccount".to_string(), "123456789012".to_string());
        let r = resolve("arn:aws:s3:::b/${aws:principalaccount}/*", true, &known);
        assert_eq!(r.tokens, tokens("arn:aws:s3:::b/123456789012/*"));
        assert!(!r.contextual);
        let r = resolve("arn:aws:s3:::b/${aws:username, 'x'}/*", true, &known);
        assert_eq!(r.tokens, tokens("arn:aws:s3:::b/*/*"));
        assert!(r.contextual);
        let r = resolve("a${*}b", true, &known);
        assert_eq!(r.tokens, vec![Token::Char('a'), Token::Char('*'), Token::Char('b')]);
        let r = resolve("a${*}b", false, &known);
        assert_eq!(r.tokens, tokens("a${*}b"));
    }
}

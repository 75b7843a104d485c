//! Reading YAML and JSON templates into JSON values, CloudFormation's short intrinsic
//! tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) rewritten to their long forms.

use std::path::Path;

use serde_json::{Map, Value, json};
use serde_norway::Value as Yaml;

use crate::diagnostics::Diagnostic;
use crate::sources::contained::{self, Refusal, Root};

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{path}: the file {refusal}: not read")]
    Read { path: String, refusal: Refusal },
    #[error("{path}: not valid YAML or JSON: {message}")]
    Parse {
        path: String,
        message: String,
        line: Option<u32>,
    },
}

impl TemplateError {
    /// The one-line `template-error` diagnostic, at the line of a syntax error.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            TemplateError::Read { path, refusal } => {
                super::template_error(Path::new(path), None, format!("the file {refusal}: not read"))
            }
            TemplateError::Parse { path, message, line } => {
                super::template_error(Path::new(path), *line, format!("not valid YAML or JSON: {message}"))
            }
        }
    }
}

/// A template read from disk: its text (for finding lines), its value, and the
/// problems found while reading it (unknown intrinsic tags).
#[derive(Debug)]
pub struct Loaded {
    pub text: String,
    pub value: Value,
    pub diagnostics: Vec<Diagnostic>,
}

/// CloudFormation's short-form tags (`!Ref`, `!GetAtt`...), and the condition functions.
const KNOWN_TAGS: &[&str] = &[
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "FindInMap",
    "ImportValue",
    "Base64",
    "Cidr",
    "GetAZs",
    "Equals",
    "And",
    "Or",
    "Not",
    "Length",
    "ToJsonString",
    "ForEach",
    "Transform",
];

/// Reads a template found at `path`, inside the repository it is in.
pub fn load(path: &Path) -> Result<Loaded, TemplateError> {
    load_in(&Root::of(path), path)
}

/// Reads a template that must be a regular file under `root`, at most
/// [`contained::MAX_BYTES`] long.
pub fn load_in(root: &Root, path: &Path) -> Result<Loaded, TemplateError> {
    let text = root
        .read_text(path, contained::MAX_BYTES)
        .map_err(|refusal| TemplateError::Read {
            path: path.display().to_string(),
            refusal,
        })?;
    let mut tags = Vec::new();
    let value = parse_tags(&text, &mut tags).map_err(|(message, line)| TemplateError::Parse {
        path: path.display().to_string(),
        message,
        line,
    })?;
    tags.sort();
    tags.dedup();
    let diagnostics = tags
        .iter()
        .map(|t| {
            let line = super::lines::tag_line(&text, t);
            super::template_error(
                path,
                line,
                format!("unknown intrinsic tag !{t}: not one of CloudFormation's short forms (!Ref, !GetAtt, !Sub...)"),
            )
        })
        .collect();
    Ok(Loaded {
        text,
        value,
        diagnostics,
    })
}

pub fn parse(text: &str) -> Result<Value, String> {
    parse_tags(text, &mut Vec::new()).map_err(|(m, _)| m)
}

/// Parses YAML or JSON; unknown tags are collected. A syntax error gives its message
/// and line.
fn parse_tags(text: &str, unknown: &mut Vec<String>) -> Result<Value, (String, Option<u32>)> {
    too_deep(text)?;
    let yaml: Yaml = serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line() as u32);
        let message = e.to_string();
        // The location goes into the diagnostic's place, not its message.
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        (message, line)
    })?;
    Ok(convert(yaml, 0, unknown))
}

const MAX_DEPTH: usize = 256;

/// Flow collections (`[[[...`) nested past this are refused before the YAML parser sees
/// them: its scanner takes time quadratic in their depth (it stops at 128 levels anyway).
const MAX_FLOW_DEPTH: usize = 1_000;

/// A syntax error when brackets outside quoted strings nest deeper than [`MAX_FLOW_DEPTH`].
fn too_deep(text: &str) -> Result<(), (String, Option<u32>)> {
    let (mut depth, mut line, mut quote) = (0usize, 1u32, None::<u8>);
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match (quote, b) {
            (_, b'\n') => line += 1,
            (Some(b'"'), b'\\') => {
                bytes.next();
            }
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err((format!("nested more than {MAX_FLOW_DEPTH} levels deep"), Some(line)));
                }
            }
            (None, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn convert(y: Yaml, depth: usize, unknown: &mut Vec<String>) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(|i| convert(i, depth + 1, unknown)).collect()),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    other => serde_norway::to_string(&other).unwrap_or_default().trim().to_string(),
                };
                out.insert(key, convert(v, depth + 1, unknown));
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            if !KNOWN_TAGS.contains(&tag) {
                unknown.push(tag.to_string());
            }
            let inner = convert(tagged.value, depth + 1, unknown);
            long_form(tag, inner)
        }
    }
}

fn long_form(tag: &str, inner: Value) -> Value {
    match tag {
        "Ref" => json!({ "Ref": inner }),
        "Condition" => json!({ "Condition": inner }),
        "GetAtt" => {
            // `!GetAtt A.B` is a string; the long form takes [A, B].
            let v = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((a, b)) => json!([a, b]),
                    None => json!([s]),
                },
                other => other,
            };
            json!({ "Fn::GetAtt": v })
        }
        other => {
            let mut m = Map::new();
            m.insert(format!("Fn::{other}"), inner);
            Value::Object(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeply_nested_flow_collections_are_refused_quickly() {
        let deep = format!("A: {}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&deep), Err("nested more than 1000 levels deep".to_string()));
        // Brackets inside quoted strings do not count.
        let quoted = format!("A: '{}'\nB: \"{}\"", "[".repeat(2_000), "{".repeat(2_000));
        assert!(parse(&quoted).is_ok());
    }

    #[test]
    fn short_tags_become_long_forms() {
        let v =
            parse("A: !Ref T\nB: !GetAtt Q.Arn\nC: !Sub '${AWS::StackName}-x'\nD: !Join ['-', [a, !Ref S]]\n").unwrap();
        assert_eq!(v["A"], json!({"Ref": "T"}));
        assert_eq!(v["B"], json!({"Fn::GetAtt": ["Q", "Arn"]}));
        assert_eq!(v["C"], json!({"Fn::Sub": "${AWS::StackName}-x"}));
        assert_eq!(v["D"], json!({"Fn::Join": ["-", ["a", {"Ref": "S"}]]}));
    }

    #[test]
    fn bad_yaml_is_an_error_not_a_panic() {
        assert!(parse("a: [unclosed").is_err());
        let (_, line) = parse_tags("a: 1\nb: [unclosed\nc: 2\n", &mut Vec::new()).unwrap_err();
        assert!(line.is_some_and(|l| l >= 2), "{line:?}");
    }

    #[test]
    fn unknown_tags_are_collected() {
        let mut tags = Vec::new();
        let v = parse_tags("A: !GetAtr Q.Arn\nB: !Ref X\n", &mut tags).unwrap();
        assert_eq!(tags, ["GetAtr"]);
        assert_eq!(v["B"], json!({"Ref": "X"}));
    }
}

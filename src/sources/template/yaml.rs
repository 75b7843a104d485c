//! Reading YAML and JSON templates into JSON values, CloudFormation's short intrinsic
//! tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) rewritten to their long forms.

use std::path::Path;

use serde_json::{Map, Value, json};
use serde_norway::Value as Yaml;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: not valid YAML or JSON: {message}")]
    Parse { path: String, message: String },
}

pub fn load(path: &Path) -> Result<Value, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text).map_err(|message| TemplateError::Parse {
        path: path.display().to_string(),
        message,
    })
}

pub fn parse(text: &str) -> Result<Value, String> {
    let yaml: Yaml = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    Ok(convert(yaml, 0))
}

const MAX_DEPTH: usize = 256;

fn convert(y: Yaml, depth: usize) -> Value {
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
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(|i| convert(i, depth + 1)).collect()),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    other => serde_norway::to_string(&other).unwrap_or_default().trim().to_string(),
                };
                out.insert(key, convert(v, depth + 1));
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let inner = convert(tagged.value, depth + 1);
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
    }
}

//! An IAM policy document in every shape IAM accepts: the document as an object or as
//! JSON text, `Statement` as one object or a list, each of `Action`/`NotAction` and
//! `Resource`/`NotResource` as one string or a list, with or without `Condition`.

use serde_json::Value;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`Resource` (the listed patterns) or `NotAction`/`NotResource` (everything
/// else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Listed(Vec<String>),
    Except(Vec<String>),
}

impl Clause {
    pub fn patterns(&self) -> &[String] {
        match self {
            Clause::Listed(p) | Clause::Except(p) => p,
        }
    }

    pub fn is_except(&self) -> bool {
        matches!(self, Clause::Except(_))
    }
}

/// One statement of an identity policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Clause,
    pub resource: Clause,
    /// The `Condition` block, kept as written; `condition.rs` evaluates it against a
    /// request context.
    pub condition: Option<Value>,
}

/// A named policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// How reports name it: `ShopFunctionsRole/shop-backoffice`, an ARN, a file name.
    pub name: String,
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

/// Why a document is not a policy IAM would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{policy}: not JSON: {message}")]
    NotJson { policy: String, message: String },
    #[error("{policy}: the document is not an object")]
    NotObject { policy: String },
    #[error("{policy}: no Statement")]
    NoStatement { policy: String },
    #[error("{policy}: statement {index}: {message}")]
    Statement {
        policy: String,
        index: usize,
        message: String,
    },
}

impl Policy {
    /// Parses a document given as JSON text.
    pub fn from_json(name: &str, text: &str) -> Result<Policy, ParseError> {
        let value: Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| ParseError::NotJson {
                policy: name.to_string(),
                message: e.to_string(),
            })?;
        Policy::parse(name, &value)
    }

    /// Parses a document given as a JSON value (or a JSON string holding one).
    pub fn parse(name: &str, doc: &Value) -> Result<Policy, ParseError> {
        if let Value::String(text) = doc {
            return Policy::from_json(name, text);
        }
        let obj = doc.as_object().ok_or_else(|| ParseError::NotObject {
            policy: name.to_string(),
        })?;
        let version = obj.get("Version").and_then(Value::as_str).map(String::from);
        let raw = obj.get("Statement").ok_or_else(|| ParseError::NoStatement {
            policy: name.to_string(),
        })?;
        let items: Vec<&Value> = match raw {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let statements = items
            .into_iter()
            .enumerate()
            .map(|(index, s)| {
                statement(s).map_err(|message| ParseError::Statement {
                    policy: name.to_string(),
                    index,
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            name: name.to_string(),
            version,
            statements,
        })
    }

    /// Policy variables exist only in version `2012-10-17` documents.
    pub fn has_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

fn statement(v: &Value) -> Result<Statement, String> {
    let obj = v.as_object().ok_or("not an object")?;
    let effect = match obj.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("Effect {other:?} is neither Allow nor Deny")),
        None => return Err("no Effect".into()),
    };
    let action = clause(obj, "Action", "NotAction")?;
    let resource = clause(obj, "Resource", "NotResource")?;
    let condition = obj.get("Condition").filter(|c| !c.is_null()).cloned();
    Ok(Statement {
        sid: obj.get("Sid").and_then(Value::as_str).map(String::from),
        effect,
        action,
        resource,
        condition,
    })
}

/// `Action`/`NotAction` or `Resource`/`NotResource`, each pattern once: a repeated one
/// (actions compared without case, as IAM does) is dropped, so a hostile statement of
/// one action listed a thousand times costs what one costs.
fn clause(obj: &serde_json::Map<String, Value>, listed: &str, except: &str) -> Result<Clause, String> {
    let fold = listed == "Action";
    match (obj.get(listed), obj.get(except)) {
        (Some(_), Some(_)) => Err(format!("both {listed} and {except}")),
        (Some(v), None) => strings(v, listed).map(|p| Clause::Listed(distinct(p, fold))),
        (None, Some(v)) => strings(v, except).map(|p| Clause::Except(distinct(p, fold))),
        (None, None) => Err(format!("neither {listed} nor {except}")),
    }
}

/// `patterns` without repeats, in their first order; `fold` compares them without case.
fn distinct(patterns: Vec<String>, fold: bool) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(patterns.len());
    patterns
        .into_iter()
        .filter(|p| seen.insert(if fold { p.to_ascii_lowercase() } else { p.clone() }))
        .collect()
}

fn strings(v: &Value, element: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(String::from)
                    .ok_or_else(|| format!("{element} holds a non-string value {i}"))
            })
            .collect(),
        other => Err(format!("{element} is {other}, not a string or a list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repeated_patterns_are_kept_once() {
        let p = Policy::parse(
            "p",
            &json!({"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "S3:getobject", "s3:PutObject", "s3:GetObject"],
                    "NotResource": ["arn:aws:s3:::b/K", "arn:aws:s3:::b/k", "arn:aws:s3:::b/K"]}}),
        )
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(
            s.action,
            Clause::Listed(vec!["s3:GetObject".into(), "s3:PutObject".into()])
        );
        assert_eq!(
            s.resource,
            Clause::Except(vec!["arn:aws:s3:::b/K".into(), "arn:aws:s3:::b/k".into()])
        );
    }

    #[test]
    fn every_legal_shape() {
        let one = Policy::parse(
            "p",
            &json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        )
        .unwrap();
        assert_eq!(one.statements.len(), 1);
        assert_eq!(one.statements[0].action, Clause::Listed(vec!["s3:GetObject".into()]));
        let text = r#"{"Statement": [{"Sid": "A", "Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b",
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#;
        let many = Policy::parse("p", &Value::String(text.into())).unwrap();
        let s = &many.statements[0];
        assert_eq!(s.sid.as_deref(), Some("A"));
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.action.is_except() && s.resource.is_except());
        assert!(s.condition.is_some());
        assert!(!many.has_variables());
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(matches!(Policy::from_json("p", "{"), Err(ParseError::NotJson { .. })));
        assert!(matches!(
            Policy::parse("p", &json!([])),
            Err(ParseError::NotObject { .. })
        ));
        assert!(matches!(
            Policy::parse("p", &json!({})),
            Err(ParseError::NoStatement { .. })
        ));
        let both = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "a:c", "Resource": "*"}]});
        assert!(matches!(
            Policy::parse("p", &both),
            Err(ParseError::Statement { index: 0, .. })
        ));
        let effect = json!({"Statement": [{"Effect": "allow", "Action": "a:b", "Resource": "*"}]});
        assert!(Policy::parse("p", &effect).is_err());
        let no_resource = json!({"Statement": [{"Effect": "Allow", "Action": "a:b"}]});
        assert!(Policy::parse("p", &no_resource).is_err());
    }
}

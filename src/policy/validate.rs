//! IAM's rules for a policy document, checked before anything is printed: known
//! actions, well-formed ARNs of a resource type the action takes, `*` only for actions
//! that take no resource, valid and unique Sids, the size limit, and condition blocks
//! (operators IAM knows, `service:name` keys, values present, no `*` where only
//! `StringLike` would read it as a wildcard).

use std::collections::BTreeSet;

use crate::catalog::Catalog;

use super::{ConditionBlock, PolicyDocument, glob, resource_type, size};

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "*",
];

/// One broken rule, said so a reader can find it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub statement: String,
    pub message: String,
}

/// Every rule `doc` breaks; empty when IAM would accept it and it grants nothing of the
/// wrong type.
pub fn validate(doc: &PolicyDocument, catalog: &Catalog) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |statement: &str, message: String| {
        out.push(Violation {
            statement: statement.to_string(),
            message,
        })
    };
    if doc.version != "2012-10-17" {
        push("", format!("Version is {}, not 2012-10-17", doc.version));
    }
    let len = doc.compact_len();
    if len > size::MANAGED_POLICY_LIMIT {
        push(
            "",
            format!(
                "{len} characters without whitespace, over the {} a managed policy may hold",
                size::MANAGED_POLICY_LIMIT
            ),
        );
    }
    let mut sids = BTreeSet::new();
    for (i, s) in doc.statements.iter().enumerate() {
        let name = s.sid.clone().unwrap_or_else(|| format!("statement {}", i + 1));
        if let Some(sid) = &s.sid {
            if sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                push(&name, format!("Sid {sid:?} is not ASCII letters and digits"));
            }
            if !sids.insert(sid.clone()) {
                push(&name, format!("Sid {sid} is used twice"));
            }
        }
        if s.effect != "Allow" && s.effect != "Deny" {
            push(&name, format!("Effect {} is neither Allow nor Deny", s.effect));
        }
        if s.actions.is_empty() || s.resources.is_empty() {
            push(&name, "a statement needs at least one action and one resource".into());
        }
        let mut actions: Vec<String> = Vec::new();
        for a in &s.actions {
            let expanded = expand(a, catalog);
            if expanded.is_empty() {
                push(&name, format!("{a} is no action the service catalog knows"));
            }
            actions.extend(expanded);
        }
        for problem in condition_problems(&s.condition) {
            push(&name, problem);
        }
        for r in &s.resources {
            if r != "*"
                && let Some(problem) = arn_syntax(r)
            {
                push(&name, format!("{r}: {problem}"));
                continue;
            }
            for a in &actions {
                let takes = resource_type::takes_resources(catalog, a);
                if r == "*" {
                    if !resource_type::star_allowed(catalog, a) {
                        push(&name, format!("{a} takes a resource type but is granted on *"));
                    }
                } else if !takes {
                    push(&name, format!("{a} takes no resource type; only * names its resource"));
                } else if resource_type::types_of_str(catalog, a, r).is_empty() {
                    push(&name, format!("{r} is no resource type {a} takes"));
                }
            }
        }
    }
    out
}

/// Condition operators IAM knows, without the `IfExists` suffix and set qualifiers.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Is `name` a condition operator IAM accepts (`ForAnyValue:StringLikeIfExists`)?
fn known_operator(name: &str) -> bool {
    let base = name
        .strip_prefix("ForAllValues:")
        .or_else(|| name.strip_prefix("ForAnyValue:"))
        .unwrap_or(name);
    let base = match base.strip_suffix("IfExists") {
        Some(b) if b != "Null" => b,
        _ => base,
    };
    OPERATORS.contains(&base)
}

/// A condition key's shape: `service:name` (`kms:ViaService`, `aws:PrincipalTag/team`).
fn key_problem(key: &str) -> Option<String> {
    let Some((service, name)) = key.split_once(':') else {
        return Some(format!("condition key {key:?} is not service:name"));
    };
    let service_ok = !service.is_empty() && service.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !service_ok || name.is_empty() || name.chars().any(char::is_whitespace) {
        return Some(format!("condition key {key:?} is not service:name"));
    }
    None
}

/// What IAM would refuse (or read other than meant) in a condition block.
fn condition_problems(block: &ConditionBlock) -> Vec<String> {
    let mut out = Vec::new();
    for (op, keys) in block {
        if !known_operator(op) {
            out.push(format!("{op} is no condition operator IAM knows"));
        }
        if keys.is_empty() {
            out.push(format!("{op} names no condition key"));
        }
        for (key, values) in keys {
            if let Some(p) = key_problem(key) {
                out.push(p);
            }
            if values.is_empty() {
                out.push(format!("{op} {key} has no value"));
            }
            let exact = op.trim_end_matches("IfExists").ends_with("StringEquals")
                || op.trim_end_matches("IfExists").ends_with("StringNotEquals");
            let base = op.rsplit(':').next().unwrap_or(op).trim_end_matches("IfExists");
            for v in values {
                if (base == "Bool" || base == "Null")
                    && !v.eq_ignore_ascii_case("true")
                    && !v.eq_ignore_ascii_case("false")
                {
                    out.push(format!("{op} {key} {v:?}: {base} takes true or false"));
                }
                if exact && v.contains(['*', '?']) {
                    let like = op.replace("Equals", "Like");
                    out.push(format!(
                        "{op} {key} {v:?}: {op} reads * and ? literally; a pattern needs {like}"
                    ));
                }
            }
        }
    }
    out
}

/// The catalog actions an action or action pattern names.
fn expand(action: &str, catalog: &Catalog) -> Vec<String> {
    let Some((prefix, name)) = action.split_once(':') else {
        return Vec::new();
    };
    if !name.contains(['*', '?']) {
        return catalog.canonical_action(action).into_iter().collect();
    }
    catalog
        .actions_of_prefix(&prefix.to_ascii_lowercase())
        .into_iter()
        .filter(|a| glob::action_matches(action, a))
        .collect()
}

/// What is wrong with an ARN's shape, if anything.
fn arn_syntax(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return Some("not an ARN (arn:partition:service:region:account:resource)".into());
    }
    if !PARTITIONS.contains(&parts[1]) {
        return Some(format!("unknown partition {}", parts[1]));
    }
    if parts[2].is_empty() {
        return Some("no service".into());
    }
    if parts[5].is_empty() {
        return Some("no resource part".into());
    }
    if !parts[3]
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-*?".contains(c))
    {
        return Some(format!("region {} is malformed", parts[3]));
    }
    if !parts[4].chars().all(|c| c.is_ascii_digit() || "*?".contains(c)) && parts[4] != "aws" {
        return Some(format!("account {} is not 12 digits", parts[4]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Statement;

    fn doc(actions: &[&str], resources: &[&str]) -> PolicyDocument {
        PolicyDocument::new(vec![Statement {
            sid: Some("Test".into()),
            effect: "Allow".into(),
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            condition: Default::default(),
        }])
    }

    fn with_condition(condition: &[(&str, &str, &[&str])]) -> PolicyDocument {
        let mut d = doc(&["kms:Decrypt"], &["arn:aws:kms:*:*:key/*"]);
        for (op, key, values) in condition {
            d.statements[0]
                .condition
                .entry(op.to_string())
                .or_default()
                .insert(key.to_string(), values.iter().map(|v| v.to_string()).collect());
        }
        d
    }

    #[test]
    fn condition_blocks() {
        let good = with_condition(&[
            ("StringEquals", "kms:ViaService", &["sqs.us-east-1.amazonaws.com"]),
            ("ForAnyValue:StringLikeIfExists", "aws:PrincipalTag/team", &["a*"]),
            ("Null", "aws:SourceArn", &["false"]),
            ("ArnLike", "aws:SourceArn", &["arn:aws:sqs:*:*:q"]),
        ]);
        assert_eq!(problems(&good), Vec::<String>::new());
        assert_eq!(
            problems(&with_condition(&[(
                "StringEquals",
                "kms:ViaService",
                &["sqs.*.amazonaws.com"]
            )])),
            [
                "StringEquals kms:ViaService \"sqs.*.amazonaws.com\": StringEquals reads * and ? literally; a pattern needs StringLike"
            ]
        );
        assert_eq!(
            problems(&with_condition(&[("StringEqual", "kms:ViaService", &["x"])])),
            ["StringEqual is no condition operator IAM knows"]
        );
        assert_eq!(
            problems(&with_condition(&[("NullIfExists", "kms:ViaService", &["true"])])),
            ["NullIfExists is no condition operator IAM knows"]
        );
        assert_eq!(
            problems(&with_condition(&[("StringLike", "ViaService", &["x"])])),
            ["condition key \"ViaService\" is not service:name"]
        );
        assert_eq!(
            problems(&with_condition(&[("StringLike", "kms:ViaService", &[])])),
            ["StringLike kms:ViaService has no value"]
        );
        assert_eq!(
            problems(&with_condition(&[("Bool", "aws:SecureTransport", &["yes"])])),
            ["Bool aws:SecureTransport \"yes\": Bool takes true or false"]
        );
    }

    fn problems(d: &PolicyDocument) -> Vec<String> {
        validate(d, Catalog::embedded())
            .into_iter()
            .map(|v| v.message)
            .collect()
    }

    #[test]
    fn a_good_policy_passes() {
        assert!(problems(&doc(&["s3:GetObject", "s3:PutObject"], &["arn:aws:s3:::b/in/*"])).is_empty());
        assert!(problems(&doc(&["xray:PutTraceSegments"], &["*"])).is_empty());
        assert!(problems(&doc(&["cloudwatch:PutMetricData"], &["*"])).is_empty());
        assert!(problems(&doc(&["s3:Get*"], &["arn:aws:s3:::b/*"])).len() > 1);
    }

    #[test]
    fn each_rule() {
        assert_eq!(
            problems(&doc(&["s3:GetObjekt"], &["arn:aws:s3:::b/*"])),
            ["s3:GetObjekt is no action the service catalog knows"]
        );
        assert_eq!(
            problems(&doc(&["s3:GetObject"], &["arn:aws:s3:::b"])),
            ["arn:aws:s3:::b is no resource type s3:GetObject takes"]
        );
        assert_eq!(
            problems(&doc(&["dynamodb:GetItem"], &["*"])),
            ["dynamodb:GetItem takes a resource type but is granted on *"]
        );
        assert_eq!(
            problems(&doc(&["s3:ListAllMyBuckets"], &["arn:aws:s3:::b"])),
            ["s3:ListAllMyBuckets takes no resource type; only * names its resource"]
        );
        assert_eq!(
            problems(&doc(&["s3:GetObject"], &["arn:aws:s3"])),
            ["arn:aws:s3: not an ARN (arn:partition:service:region:account:resource)"]
        );
        assert_eq!(
            problems(&doc(
                &["dynamodb:GetItem"],
                &["arn:aws:dynamodb:*:12345678901x:table/T"]
            )),
            ["arn:aws:dynamodb:*:12345678901x:table/T: account 12345678901x is not 12 digits"]
        );
        let mut bad_sid = doc(&["xray:PutTraceSegments"], &["*"]);
        bad_sid.statements[0].sid = Some("Bad-Sid".into());
        assert_eq!(problems(&bad_sid), ["Sid \"Bad-Sid\" is not ASCII letters and digits"]);
    }
}

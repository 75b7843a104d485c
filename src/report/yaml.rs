//! A small YAML writer for the template snippets (SAM, CloudFormation, Serverless):
//! block style, CloudFormation's short tags (`!Sub`, `!Ref`), strings quoted whenever a
//! plain scalar could be read as something else.

use crate::policy::{ConditionBlock, PolicyDocument, Statement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Str(String),
    /// `!Sub "..."`.
    Sub(String),
    /// `!Ref Name`.
    Ref(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A string that holds `${...}` substitutions becomes `!Sub`, any other a plain string.
    pub fn sub_or_str(s: &str) -> Node {
        if s.contains("${") {
            Node::Sub(s.to_string())
        } else {
            Node::Str(s.to_string())
        }
    }
}

/// A policy document as YAML, each resource through `resource`.
pub fn policy_document(doc: &PolicyDocument, resource: impl Fn(&str) -> Node) -> Node {
    Node::map([
        ("Version", Node::str(&doc.version)),
        ("Statement", statements(&doc.statements, resource)),
    ])
}

pub fn statements(statements: &[Statement], resource: impl Fn(&str) -> Node) -> Node {
    Node::List(
        statements
            .iter()
            .map(|s| {
                let mut m = Vec::new();
                if let Some(sid) = &s.sid {
                    m.push(("Sid".to_string(), Node::str(sid)));
                }
                m.push(("Effect".into(), Node::str(&s.effect)));
                m.push(("Action".into(), Node::List(s.actions.iter().map(Node::str).collect())));
                m.push((
                    "Resource".into(),
                    Node::List(s.resources.iter().map(|r| resource(r)).collect()),
                ));
                if !s.condition.is_empty() {
                    m.push(("Condition".into(), condition(&s.condition, &resource)));
                }
                Node::Map(m)
            })
            .collect(),
    )
}

/// A condition block: operator → key → values, each value through `value` (a `${`
/// in it makes it a `!Sub` in the template formats, as resources are).
pub fn condition(block: &ConditionBlock, value: impl Fn(&str) -> Node) -> Node {
    Node::Map(
        block
            .iter()
            .map(|(op, keys)| {
                let keys = keys
                    .iter()
                    .map(|(k, values)| (k.clone(), Node::List(values.iter().map(|v| value(v)).collect())))
                    .collect();
                (op.clone(), Node::Map(keys))
            })
            .collect(),
    )
}

/// The node as a YAML document body.
pub fn write(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Map(entries) => write_map(entries, 0, &mut out),
        Node::List(items) => write_list(items, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(entries: &[(String, Node)], indent: usize, out: &mut String) {
    for (k, v) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&key(k));
        out.push(':');
        block_value(v, indent, out);
    }
}

fn write_list(items: &[Node], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Node::Map(entries) if !entries.is_empty() => {
                // The first entry on the dash's line, the rest aligned under it.
                let mut first = String::new();
                write_map(&entries[..1], indent + 2, &mut first);
                out.push(' ');
                out.push_str(first.trim_start());
                write_map(&entries[1..], indent + 2, out);
            }
            Node::List(inner) if !inner.is_empty() => {
                out.push('\n');
                write_list(inner, indent + 2, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// What follows `key:`: a scalar on the line, or a nested block.
fn block_value(v: &Node, indent: usize, out: &mut String) {
    match v {
        Node::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(entries, indent + 2, out);
        }
        Node::List(items) if !items.is_empty() => {
            out.push('\n');
            write_list(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn inline(node: &Node) -> String {
    match node {
        Node::Str(s) => scalar(s),
        Node::Sub(s) => format!("!Sub {}", quoted(s)),
        Node::Ref(s) => format!("!Ref {}", scalar(s)),
        Node::List(_) => "[]".into(),
        Node::Map(_) => "{}".into(),
    }
}

/// A mapping key, plain when YAML reads it back as written (`kms:ViaService` too: a
/// colon not followed by a space is part of the key).
fn key(k: &str) -> String {
    let plain = k.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        || (k.starts_with(|c: char| c.is_ascii_alphabetic())
            && !k.ends_with(':')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c)));
    if plain && !k.is_empty() {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// A string as a plain scalar when YAML reads it back as the same string, else quoted.
pub fn scalar(s: &str) -> String {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"];
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || ":/_.*-?".contains(c))
        && !s.ends_with(':')
        && !WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain { s.to_string() } else { quoted(s) }
}

/// A double-quoted YAML scalar (JSON's string syntax is YAML's).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// `# ...` lines.
pub fn comment(lines: &[String]) -> String {
    lines.iter().map(|l| format!("# {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_block_yaml_that_reads_back() {
        let node = Node::map([
            ("Version", Node::str("2012-10-17")),
            (
                "Statement",
                Node::List(vec![Node::map([
                    ("Effect", Node::str("Allow")),
                    ("Action", Node::List(vec![Node::str("s3:GetObject")])),
                    (
                        "Resource",
                        Node::List(vec![Node::sub_or_str("arn:${AWS::Partition}:s3:::b/*"), Node::str("*")]),
                    ),
                ])]),
            ),
            ("Empty", Node::List(vec![])),
            ("Ref", Node::Ref("Thing".into())),
        ]);
        let text = write(&node);
        assert_eq!(
            text,
            "Version: \"2012-10-17\"\nStatement:\n  - Effect: Allow\n    Action:\n      - s3:GetObject\n    Resource:\n      - !Sub \"arn:${AWS::Partition}:s3:::b/*\"\n      - \"*\"\nEmpty: []\nRef: !Ref Thing\n"
        );
        let back: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back["Version"].as_str(), Some("2012-10-17"));
        assert_eq!(back["Statement"][0]["Action"][0].as_str(), Some("s3:GetObject"));
    }

    #[test]
    fn conditions_follow_the_resource_and_sub_like_it() {
        let mut s = Statement {
            sid: Some("KmsViaSqs".into()),
            effect: "Allow".into(),
            actions: vec!["kms:Decrypt".into()],
            resources: vec!["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/k".into()],
            condition: ConditionBlock::new(),
        };
        s.condition
            .entry("StringEquals".into())
            .or_default()
            .insert("kms:ViaService".into(), vec!["sqs.${AWS::Region}.amazonaws.com".into()]);
        let text = write(&statements(&[s], Node::sub_or_str));
        assert!(
            text.ends_with(
                "  Condition:\n    StringEquals:\n      kms:ViaService:\n        - !Sub \"sqs.${AWS::Region}.amazonaws.com\"\n"
            ),
            "{text}"
        );
        let back: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert!(matches!(
            &back[0]["Condition"]["StringEquals"]["kms:ViaService"][0],
            serde_norway::Value::Tagged(_)
        ));
    }

    #[test]
    fn scalars_that_would_change_meaning_are_quoted() {
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("*"), "\"*\"");
        assert_eq!(scalar("dynamodb:GetItem"), "dynamodb:GetItem");
        assert_eq!(scalar("arn:aws:s3:::b/*"), "arn:aws:s3:::b/*");
    }
}

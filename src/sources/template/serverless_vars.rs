//! Serverless Framework variables resolved offline: `${self:...}`, `${sls:stage}`,
//! `${opt:stage, 'dev'}` (fallbacks), `${aws:accountId}`, `${file(./x.yml):key}`, nested
//! variables. What only a deployment knows (`${env:...}`, `${ssm:...}`, `${cf:...}`,
//! `${opt:...}` without a fallback) becomes `*`, with a note that says why.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::sources::contained::{self, Refusal, Root};
use crate::sources::limits;

use super::cfn::Pseudo;

/// Variable sources the framework knows; `${AWS::Region}` of a `Fn::Sub` is not one.
const SOURCES: &[&str] = &[
    "self",
    "opt",
    "sls",
    "env",
    "file",
    "ssm",
    "cf",
    "s3",
    "aws",
    "param",
    "strToBool",
    "git",
    "sm",
];

const MAX_DEPTH: usize = 32;

pub struct Vars<'a> {
    /// The service file as parsed.
    pub config: &'a Value,
    /// The service folder, for `${file(...)}`.
    pub dir: &'a Path,
    pub pseudo: &'a Pseudo,
    /// The folder `${file(...)}` may read in (the repository).
    root: Root,
    notes: RefCell<BTreeSet<String>>,
    /// `${file(...)}` paths not read, with the reason: (path as written, reason).
    refused: RefCell<BTreeSet<(String, String)>>,
}

impl<'a> Vars<'a> {
    pub fn new(config: &'a Value, dir: &'a Path, pseudo: &'a Pseudo) -> Vars<'a> {
        Vars::within(config, dir, pseudo, Root::of(dir))
    }

    fn within(config: &'a Value, dir: &'a Path, pseudo: &'a Pseudo, root: Root) -> Vars<'a> {
        Vars {
            config,
            dir,
            pseudo,
            root,
            notes: RefCell::new(BTreeSet::new()),
            refused: RefCell::new(BTreeSet::new()),
        }
    }

    /// The `${file(...)}` paths that were not read since the last call, each with why
    /// (`is outside the repository`).
    pub fn take_refused(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.refused.borrow_mut()).into_iter().collect()
    }

    /// The reasons noted since the last call, joined.
    pub fn take_notes(&self) -> Option<String> {
        let notes = std::mem::take(&mut *self.notes.borrow_mut());
        (!notes.is_empty()).then(|| notes.into_iter().collect::<Vec<_>>().join("; "))
    }

    fn note(&self, why: String) {
        self.notes.borrow_mut().insert(why);
    }

    /// A value with every variable in it resolved.
    pub fn resolve(&self, v: &Value) -> Value {
        self.resolve_depth(v, 0)
    }

    fn resolve_depth(&self, v: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::String("*".into());
        }
        match v {
            Value::String(s) => self.string(s, depth),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.resolve_depth(i, depth + 1)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.resolve_depth(x, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A string with its variables replaced, innermost first; a string that is one
    /// variable takes that variable's value (an object, a list...).
    fn string(&self, text: &str, depth: usize) -> Value {
        let mut s = text.to_string();
        let mut limit = s.len();
        let mut rounds = 0;
        while let Some(start) = s[..limit].rfind("${") {
            rounds += 1;
            if rounds > 64 {
                break;
            }
            let Some(len) = s[start..].find('}') else {
                limit = start;
                continue;
            };
            let end = start + len + 1;
            let inner = s[start + 2..end - 1].to_string();
            let Some(value) = self.variable(&inner, depth) else {
                limit = start;
                continue;
            };
            if start == 0 && end == s.len() {
                return value;
            }
            let text = match &value {
                Value::String(v) => v.clone(),
                Value::Null => "*".into(),
                other => other.to_string(),
            };
            if !limits::fits(s.len() - (end - start) + text.len()) {
                return Value::String("*".into());
            }
            s.replace_range(start..end, &text);
            limit = start;
        }
        Value::String(s)
    }

    /// One `${...}`: `None` when it is not a framework variable (left as written).
    fn variable(&self, inner: &str, depth: usize) -> Option<Value> {
        if !limits::step() {
            return Some(Value::String("*".into()));
        }
        let candidates = split_fallbacks(inner);
        let first = candidates.first()?;
        if !is_variable(first) {
            return None;
        }
        for c in &candidates {
            if let Some(lit) = literal(c) {
                return Some(lit);
            }
            if let Some(v) = self.source(c, depth) {
                return Some(v);
            }
        }
        Some(Value::String("*".into()))
    }

    /// The value of `source:address`, `None` when not known offline.
    fn source(&self, expr: &str, depth: usize) -> Option<Value> {
        let (source, address) = match expr.split_once(':') {
            Some((s, a)) if !s.starts_with("file(") => (s.trim(), a.trim()),
            _ => (expr.trim(), ""),
        };
        if let Some(path) = source.strip_prefix("file(").and_then(|r| r.split(')').next()) {
            let address = expr.split_once("):").map(|(_, a)| a.trim()).unwrap_or("");
            return self.file(path.trim(), address, depth);
        }
        match source {
            "self" => {
                let found = lookup(self.config, address)?;
                Some(self.resolve_depth(found, depth + 1))
            }
            "sls" => match address {
                "stage" => Some(Value::String(self.stage(depth))),
                _ => {
                    self.note(format!("${{sls:{address}}} is known at deploy time"));
                    None
                }
            },
            "opt" => {
                self.note(format!("the --{address} option is given at deploy time"));
                None
            }
            "env" => {
                self.note(format!("the deploy environment's {address} is not known offline"));
                None
            }
            "aws" => {
                let v = match address {
                    "accountId" => self.pseudo.account.clone(),
                    "region" => self.pseudo.region.clone().or_else(|| self.provider_region(depth)),
                    _ => None,
                };
                if v.is_none() {
                    self.note(format!(
                        "${{aws:{address}}} is not known offline (pass --account/--region)"
                    ));
                }
                v.map(Value::String)
            }
            "strToBool" => Some(Value::Bool(address.trim() == "true")),
            other => {
                self.note(format!("${{{other}:{address}}} is read from AWS at deploy time"));
                None
            }
        }
    }

    /// `provider.stage` (itself maybe a variable), else the framework's default `dev`.
    pub fn stage(&self, depth: usize) -> String {
        if depth > MAX_DEPTH {
            return "*".into();
        }
        match self.config.pointer("/provider/stage") {
            Some(v) => match self.resolve_depth(v, depth + 1) {
                Value::String(s) => s,
                _ => "dev".into(),
            },
            None => "dev".into(),
        }
    }

    fn provider_region(&self, depth: usize) -> Option<String> {
        let v = self.config.pointer("/provider/region")?;
        match self.resolve_depth(v, depth + 1) {
            Value::String(s) if !s.contains('*') => Some(s),
            _ => None,
        }
    }

    /// `${file(./config.yml):key}`: a YAML or JSON file in the repository.
    fn file(&self, path: &str, address: &str, depth: usize) -> Option<Value> {
        let full = self.dir.join(path);
        if !limits::may_read() {
            return Some(Value::String("*".into()));
        }
        let text = match self.root.read_text(&full, contained::MAX_BYTES) {
            Ok(text) if !limits::charge_read(text.len()) => return Some(Value::String("*".into())),
            Ok(text) => text,
            Err(refusal @ (Refusal::Missing | Refusal::NotText | Refusal::Unreadable(_))) => {
                self.note(format!("{path} {refusal}"));
                return None;
            }
            Err(refusal) => {
                self.note(format!("${{file({path})}} was not read"));
                self.refused
                    .borrow_mut()
                    .insert((path.to_string(), refusal.to_string()));
                return None;
            }
        };
        let Ok(parsed) = super::yaml::parse(&text) else {
            self.note(format!("{path} is not a YAML or JSON file leastpriv can read"));
            return None;
        };
        let found = if address.is_empty() {
            &parsed
        } else {
            lookup(&parsed, address)?
        };
        let nested = Vars::within(
            &parsed,
            full.parent().unwrap_or(self.dir),
            self.pseudo,
            self.root.clone(),
        );
        let v = nested.resolve_depth(found, depth + 1);
        if let Some(n) = nested.take_notes() {
            self.note(n);
        }
        self.refused.borrow_mut().extend(nested.take_refused());
        Some(v)
    }
}

/// `a.b.c` (or `a.b[0]`) in a value.
fn lookup<'v>(root: &'v Value, address: &str) -> Option<&'v Value> {
    let mut cur = root;
    for part in address.split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => cur.get(part)?,
        };
    }
    Some(cur)
}

/// `opt:stage, 'dev'` → [`opt:stage`, `'dev'`]: commas inside quotes do not split.
fn split_fallbacks(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut parens = 0;
    for c in inner.chars() {
        match c {
            '\'' | '"' if quote.is_none() => {
                quote = Some(c);
                cur.push(c);
            }
            q if quote == Some(q) => {
                quote = None;
                cur.push(c);
            }
            '(' if quote.is_none() => {
                parens += 1;
                cur.push(c);
            }
            ')' if quote.is_none() => {
                parens -= 1;
                cur.push(c);
            }
            ',' if quote.is_none() && parens == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

fn is_variable(expr: &str) -> bool {
    let source = expr.split([':', '(']).next().unwrap_or("");
    SOURCES.contains(&source.trim())
}

/// A fallback that is a literal: `'dev'`, `"us-east-1"`, `10`, `true`.
fn literal(c: &str) -> Option<Value> {
    let c = c.trim();
    if c.len() >= 2 && (c.starts_with('\'') && c.ends_with('\'') || c.starts_with('"') && c.ends_with('"')) {
        return Some(Value::String(c[1..c.len() - 1].to_string()));
    }
    if let Ok(n) = c.parse::<i64>() {
        return Some(Value::from(n));
    }
    match c {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        "null" => Some(Value::Null),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_what_is_knowable() {
        let config = json!({
            "service": "shop",
            "provider": {"stage": "${opt:stage, 'prod'}", "region": "eu-west-1"},
            "custom": {"tables": {"prod": "orders-live"}, "table": "${self:custom.tables.${sls:stage}}"},
        });
        let pseudo = Pseudo::default();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("env.yml"),
            "prod:\n  BUCKET: media-${self:service}\nservice: s\n",
        )
        .unwrap();
        let v = Vars::new(&config, dir.path(), &pseudo);
        assert_eq!(v.resolve(&json!("${self:service}-${sls:stage}")), json!("shop-prod"));
        assert_eq!(v.resolve(&json!("${self:custom.table}")), json!("orders-live"));
        assert_eq!(v.resolve(&json!("${aws:region}")), json!("eu-west-1"));
        assert_eq!(
            v.resolve(&json!("${file(./env.yml):prod}")),
            json!({"BUCKET": "media-s"})
        );
        v.take_notes();
        assert_eq!(v.resolve(&json!("t-${env:SUFFIX}")), json!("t-*"));
        assert!(v.take_notes().unwrap().contains("SUFFIX"));
        assert_eq!(v.resolve(&json!("${ssm:/app/name, 'fallback'}")), json!("fallback"));
        assert_eq!(v.resolve(&json!("${AWS::Region}")), json!("${AWS::Region}"));
        assert_eq!(v.resolve(&json!("${aws:accountId}")), json!("*"));
    }

    #[test]
    fn files_out_of_the_repository_are_refused_unread() {
        let config = json!({"service": "shop"});
        let pseudo = Pseudo::default();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo/svc");
        std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(tmp.path().join("outside.yml"), "KEY: secret\n").unwrap();
        std::fs::write(dir.join("in.yml"), "KEY: ${file(../../outside.yml):KEY}\n").unwrap();
        let v = Vars::new(&config, &dir, &pseudo);
        for expr in [
            "${file(/etc/passwd)}",
            "${file(../../outside.yml):KEY}",
            "${file(/dev/zero)}",
            "${file(./in.yml):KEY}",
        ] {
            assert_eq!(v.resolve(&json!(expr)), json!("*"), "{expr}");
        }
        assert_eq!(
            v.take_refused(),
            [
                ("../../outside.yml".to_string(), "is outside the repository".to_string()),
                ("/dev/zero".to_string(), "is outside the repository".to_string()),
                ("/etc/passwd".to_string(), "is outside the repository".to_string()),
            ]
        );
        assert_eq!(v.resolve(&json!("${file(./missing.yml)}")), json!("*"));
        assert!(v.take_refused().is_empty());
    }
}

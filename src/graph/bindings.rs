//! Environment-variable bindings of one function: from its deployment definition, then
//! the user's `--env NAME=VALUE` (which wins); and the resolution rules a bound name
//! needs to become an ARN the way IAM matches it (a KMS key named by alias is matched
//! by its key ARN, which the alias does not tell).

use std::collections::BTreeMap;

use crate::evidence::{ResourcePattern, Seg};
use crate::sources::discover::FunctionSpec;

#[derive(Debug, Clone, Default)]
pub struct Bindings {
    values: BTreeMap<String, String>,
    /// Why a bound value is only partly known.
    unknowns: BTreeMap<String, String>,
}

impl Bindings {
    pub fn new(template: &BTreeMap<String, String>, overrides: &BTreeMap<String, String>) -> Bindings {
        let mut values = template.clone();
        values.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        Bindings {
            values,
            unknowns: BTreeMap::new(),
        }
    }

    /// A function's bindings with the reasons its definition gives for unknown parts;
    /// a variable the user sets is known.
    pub fn for_function(spec: &FunctionSpec, overrides: &BTreeMap<String, String>) -> Bindings {
        let mut b = Bindings::new(&spec.environment, overrides);
        b.unknowns = spec
            .env_unknowns
            .iter()
            .filter(|(k, _)| !overrides.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        b
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The pattern with every bound variable replaced by its value, and the ARN rules
    /// applied.
    pub fn resolve(&self, pattern: &ResourcePattern) -> ResourcePattern {
        let resolved = if pattern.env_vars().next().is_none() {
            pattern.clone()
        } else {
            pattern.resolve_env(|name| self.values.get(name).cloned())
        };
        kms_alias_to_key(pattern, resolved)
    }

    /// Why the resolved pattern still has unknown parts, one line per reason.
    pub fn notes(&self, pattern: &ResourcePattern) -> Vec<String> {
        let mut out = Vec::new();
        for var in pattern.env_vars() {
            if let (Some(value), Some(why)) = (self.values.get(var), self.unknowns.get(var)) {
                out.push(format!("{var} = {value}: {why}"));
            }
        }
        if let Some(alias) = kms_alias(pattern, &self.resolve_env_only(pattern)) {
            out.push(format!(
                "KMS key named by {alias}: IAM matches the key's ARN, which the alias does not tell; key/* is granted (pass the key id, or add a kms:RequestAlias condition)"
            ));
        }
        out
    }

    fn resolve_env_only(&self, pattern: &ResourcePattern) -> ResourcePattern {
        pattern.resolve_env(|name| self.values.get(name).cloned())
    }
}

/// Is this pattern built for a KMS key (`...:kms:...:key/${KeyId}`)?
fn is_kms_key(pattern: &ResourcePattern) -> bool {
    pattern
        .template
        .as_deref()
        .is_some_and(|t| t.contains(":kms:") && t.contains(":key/"))
}

/// The alias a KMS key pattern names instead of a key (`alias/orders`).
fn kms_alias(original: &ResourcePattern, resolved: &ResourcePattern) -> Option<String> {
    if !is_kms_key(original) {
        return None;
    }
    resolved.segs.iter().find_map(|s| match s {
        Seg::Lit(l) => l.find("alias/").map(|i| l[i..].to_string()),
        _ => None,
    })
}

/// `key/alias/orders` or a whole alias ARN → `key/*`: actions on a key are matched by
/// the key's ARN.
fn kms_alias_to_key(original: &ResourcePattern, resolved: ResourcePattern) -> ResourcePattern {
    if kms_alias(original, &resolved).is_none() {
        return resolved;
    }
    let mut segs = Vec::new();
    for s in resolved.segs {
        match s {
            Seg::Lit(l) if l.contains("alias/") => {
                let head = &l[..l.find("key/alias/").or_else(|| l.find("alias/")).unwrap_or(0)];
                segs.push(Seg::Lit(format!("{head}key/")));
                segs.push(Seg::Any);
                break;
            }
            other => segs.push(other),
        }
    }
    ResourcePattern {
        segs,
        template: resolved.template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{ArnContext, Transform, Unresolved};

    fn key_pattern(segs: Vec<Seg>) -> ResourcePattern {
        let mut p = ResourcePattern::from_template("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", |_| {
            Some(segs.clone())
        });
        p.template = Some("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}".into());
        p
    }

    #[test]
    fn kms_alias_becomes_any_key_with_a_note() {
        let b = Bindings::new(
            &BTreeMap::from([("KEY".into(), "alias/orders".into())]),
            &BTreeMap::new(),
        );
        let p = key_pattern(vec![Seg::Env("KEY".into(), Transform::Plain)]);
        let r = b.resolve(&p);
        assert_eq!(
            r.render(&ArnContext::default(), Unresolved::Star),
            "arn:aws:kms:*:*:key/*"
        );
        assert!(b.notes(&p)[0].contains("alias/orders"));
        let id = key_pattern(vec![Seg::Lit("1234abcd".into())]);
        assert_eq!(
            b.resolve(&id).render(&ArnContext::default(), Unresolved::Star),
            "arn:aws:kms:*:*:key/1234abcd"
        );
        assert!(b.notes(&id).is_empty());
    }

    #[test]
    fn unknown_parts_say_why() {
        let spec = FunctionSpec {
            environment: BTreeMap::from([("TABLE".into(), "*-orders".into())]),
            env_unknowns: BTreeMap::from([("TABLE".into(), "parameter Env has no default".into())]),
            ..FunctionSpec::default()
        };
        let b = Bindings::for_function(&spec, &BTreeMap::new());
        let p = ResourcePattern {
            segs: vec![
                Seg::Lit("arn:aws:dynamodb:*:*:table/".into()),
                Seg::Env("TABLE".into(), Transform::Plain),
            ],
            template: None,
        };
        assert_eq!(b.notes(&p), ["TABLE = *-orders: parameter Env has no default"]);
        let user = Bindings::for_function(&spec, &BTreeMap::from([("TABLE".into(), "orders".into())]));
        assert!(user.notes(&p).is_empty());
    }
}

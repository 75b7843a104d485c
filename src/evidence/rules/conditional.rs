//! Parameter-conditional actions: the reviewed table `service-catalog/conditional-actions.toml`
//! says which actions an operation needs only when the call passes a parameter
//! (`GetObject` with `VersionId` → `s3:GetObjectVersion`). Present → needed; hidden by
//! `**kwargs` / a spread → possible; absent → not granted.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::Catalog;
use crate::sources::{Hint, SdkCall};

use super::super::resource::{Seg, Transform, hint_segs};
use super::super::static_facts::patterns_for_action;
use super::{Outcome, RuleNeed};
use crate::evidence::ResourcePattern;

const TABLE: &str = include_str!("../../../service-catalog/conditional-actions.toml");

#[derive(Debug, Deserialize)]
pub struct Rule {
    pub id: String,
    pub service: String,
    pub operations: Vec<String>,
    pub when: Vec<String>,
    pub action: String,
    #[serde(default)]
    pub replaces: Option<String>,
    #[serde(default)]
    pub resource_member: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    pub why: String,
    pub source: String,
}

pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    // The table is reviewed data compiled in; its tests parse it.
    RULES.get_or_init(|| crate::catalog::reviewed::rules(TABLE))
}

/// Is the member passed: `Some(true)` present, `Some(false)` maybe (hidden parameters),
/// `None` absent.
fn presence(call: &SdkCall, member: &str) -> Option<bool> {
    if call.params.contains_key(member) {
        Some(true)
    } else if call.open_params {
        Some(false)
    } else {
        None
    }
}

fn key_resource(
    catalog: &Catalog,
    prefix: &str,
    resource_type: &str,
    hints: Option<&Vec<Hint>>,
) -> Vec<ResourcePattern> {
    let template = catalog
        .arn_formats(prefix, resource_type)
        .first()
        .cloned()
        .unwrap_or_else(|| "*".to_string());
    let Some(hints) = hints else {
        return vec![ResourcePattern::from_template(&template, |_| None)];
    };
    hints
        .iter()
        .map(|h| match h.as_literal() {
            Some(arn) if arn.starts_with("arn:") && !arn.contains(":alias/") => ResourcePattern::parse_arn(arn),
            // An alias or an unknown value: the key behind it is not known statically.
            Some(v) if v.starts_with("alias/") || v.contains(":alias/") => {
                ResourcePattern::from_template(&template, |_| None)
            }
            _ => {
                let segs: Vec<Seg> = hint_segs(h, Transform::Plain);
                ResourcePattern::from_template(&template, |_| Some(segs.clone()))
            }
        })
        .collect()
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    let (api, op) = catalog.operation(&call.service, &call.operation)?;
    let mut needs = Vec::new();
    let mut replaced: Vec<String> = Vec::new();
    for rule in rules()
        .iter()
        .filter(|r| r.service == call.service && r.operations.iter().any(|o| o == api))
    {
        let seen = rule
            .when
            .iter()
            .filter_map(|m| presence(call, m).map(|p| (m, p)))
            .collect::<BTreeMap<_, _>>();
        let Some(certain) = seen.values().copied().reduce(|a, b| a || b) else {
            continue;
        };
        let members: Vec<&str> = seen.keys().map(|m| m.as_str()).collect();
        let resources = match (&rule.resource_member, &rule.resource_type) {
            (Some(member), Some(ty)) => {
                let prefix = rule.action.split(':').next().unwrap_or("");
                key_resource(catalog, prefix, ty, call.params.get(member))
            }
            _ => {
                let primary = rule
                    .replaces
                    .clone()
                    .or_else(|| op.actions.first().cloned())
                    .unwrap_or_default();
                patterns_for_action(op, &primary, &call.params)
            }
        };
        let reason = if certain {
            format!("{api} passes {}: {} [{}]", members.join(", "), rule.why, rule.id)
        } else {
            format!(
                "{api} parameters are hidden and may include {}: {} [{}]",
                rule.when.join("/"),
                rule.why,
                rule.id
            )
        };
        if certain && let Some(r) = &rule.replaces {
            replaced.push(r.clone());
        }
        for resource in resources {
            needs.push(RuleNeed {
                action: rule.action.clone(),
                resource,
                reason: reason.clone(),
                possible: !certain,
            });
        }
    }
    if needs.is_empty() {
        return None;
    }
    if replaced.is_empty() {
        return Some(Outcome::Add(needs));
    }
    // The primary actions not replaced still apply.
    for action in op.actions.iter().filter(|a| !replaced.contains(a)) {
        for resource in patterns_for_action(op, action, &call.params) {
            needs.push(RuleNeed {
                action: action.clone(),
                resource,
                reason: format!("{api} is authorized as {action}"),
                possible: false,
            });
        }
    }
    Some(Outcome::Replace(needs))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::evidence::{ArnContext, Unresolved};

    fn call(service: &str, op: &str, params: &[(&str, Hint)], open: bool) -> SdkCall {
        let mut c = SdkCall::new(service, op, PathBuf::from("app.py"), 1, "c".into());
        for (k, v) in params {
            c.params.entry(k.to_string()).or_default().push(v.clone());
        }
        c.open_params = open;
        c
    }

    /// (action, resource, possible) of what the rule outcome grants.
    fn outcome(c: &SdkCall) -> (bool, Vec<(String, String, bool)>) {
        let catalog = Catalog::embedded();
        match apply(c, catalog) {
            None => (false, Vec::new()),
            Some(Outcome::Add(n)) => (false, render(n)),
            Some(Outcome::Replace(n)) => (true, render(n)),
        }
    }

    fn render(needs: Vec<RuleNeed>) -> Vec<(String, String, bool)> {
        let mut v: Vec<_> = needs
            .into_iter()
            .map(|n| {
                (
                    n.action,
                    n.resource.render(&ArnContext::default(), Unresolved::Visible),
                    n.possible,
                )
            })
            .collect();
        v.sort();
        v
    }

    fn obj() -> Vec<(&'static str, Hint)> {
        vec![("Bucket", Hint::literal("media")), ("Key", Hint::literal("a.png"))]
    }

    #[test]
    fn table_parses_and_names_real_actions() {
        let catalog = Catalog::embedded();
        assert!(rules().len() >= 10);
        let mut ids: Vec<&str> = rules().iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules().len(), "rule ids are unique");
        for r in rules() {
            assert!(catalog.iam_action(&r.action).is_some(), "{}: {} exists", r.id, r.action);
            if let Some(rep) = &r.replaces {
                assert!(catalog.iam_action(rep).is_some(), "{}: {rep} exists", r.id);
            }
            for op in &r.operations {
                assert!(
                    catalog.operation(&r.service, op).is_some(),
                    "{}: {}.{op} exists",
                    r.id,
                    r.service
                );
            }
        }
    }

    #[test]
    fn s3_read_object_version() {
        let mut p = obj();
        p.push(("VersionId", Hint::unknown("v")));
        let (replace, got) = outcome(&call("s3", "GetObject", &p, false));
        assert!(replace);
        assert_eq!(
            got,
            [("s3:GetObjectVersion".into(), "arn:aws:s3:::media/a.png".into(), false)]
        );
        assert_eq!(outcome(&call("s3", "HeadObject", &obj(), false)).1, []);
    }

    #[test]
    fn s3_version_rules_for_tags_acl_delete() {
        for (op, action) in [
            ("GetObjectTagging", "s3:GetObjectVersionTagging"),
            ("PutObjectTagging", "s3:PutObjectVersionTagging"),
            ("GetObjectAcl", "s3:GetObjectVersionAcl"),
            ("DeleteObject", "s3:DeleteObjectVersion"),
        ] {
            let mut p = obj();
            p.push(("VersionId", Hint::literal("3")));
            let (_, got) = outcome(&call("s3", op, &p, false));
            assert!(
                got.iter().any(|(a, _, possible)| a == action && !possible),
                "{op}: {got:?}"
            );
        }
    }

    #[test]
    fn s3_write_with_tags_acl_and_object_lock() {
        for (member, action) in [
            ("Tagging", "s3:PutObjectTagging"),
            ("ACL", "s3:PutObjectAcl"),
            ("GrantRead", "s3:PutObjectAcl"),
            ("ObjectLockLegalHoldStatus", "s3:PutObjectLegalHold"),
            ("ObjectLockMode", "s3:PutObjectRetention"),
        ] {
            let mut p = obj();
            p.push((member, Hint::literal("x")));
            let (replace, got) = outcome(&call("s3", "PutObject", &p, false));
            assert!(!replace, "{member} adds to PutObject");
            assert_eq!(
                got,
                [(action.to_string(), "arn:aws:s3:::media/a.png".to_string(), false)],
                "{member}"
            );
        }
    }

    #[test]
    fn hidden_parameters_make_it_possible_and_absent_ones_nothing() {
        let (_, got) = outcome(&call("s3", "PutObject", &obj(), true));
        assert!(got.iter().all(|(_, _, possible)| *possible));
        assert!(got.iter().any(|(a, _, _)| a == "s3:PutObjectTagging"));
        assert_eq!(outcome(&call("s3", "PutObject", &obj(), false)).1, []);
    }

    #[test]
    fn kms_keys_of_encrypted_writes() {
        let mut p = obj();
        p.push((
            "SSEKMSKeyId",
            Hint::literal("arn:aws:kms:us-east-1:111122223333:key/abcd"),
        ));
        let (_, got) = outcome(&call("s3", "PutObject", &p, false));
        assert_eq!(
            got,
            [(
                "kms:GenerateDataKey".into(),
                "arn:aws:kms:us-east-1:111122223333:key/abcd".into(),
                false
            )]
        );
        let mut p = obj();
        p.push(("SSEKMSKeyId", Hint::literal("alias/uploads")));
        let (_, got) = outcome(&call("s3", "CreateMultipartUpload", &p, false));
        let actions: Vec<&str> = got.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert!(
            got.iter().all(|(_, r, _)| r == "arn:aws:kms:*:*:key/*"),
            "an alias hides the key: {got:?}"
        );
        let (_, got) = outcome(&call(
            "secretsmanager",
            "CreateSecret",
            &[("KmsKeyId", Hint::env("KEY"))],
            false,
        ));
        assert_eq!(
            got,
            [(
                "kms:GenerateDataKey".into(),
                "arn:aws:kms:*:*:key/${env:KEY}".into(),
                false
            )]
        );
    }
}

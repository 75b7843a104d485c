//! What a change did (`diff --base REF`): the permissions each function needs now and
//! did not at REF, those it no longer needs, and the diff findings the change brought
//! in. Findings that were there before the change are left out.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::evidence::Evidence;

use super::FunctionPolicy;
use super::diff::{FunctionDiff, When, request_form};

/// A needed (action, resource) the change added or removed, with the evidence behind
/// it (the code lines now for an added one, at REF for a removed one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedPermission {
    pub action: String,
    pub resource: String,
    /// The condition it is needed under, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    pub evidence: Vec<Evidence>,
}

/// The needed permissions a change added and removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    pub added: Vec<ChangedPermission>,
    pub removed: Vec<ChangedPermission>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A needed permission as compared across the change: action, resource, condition.
type Key = (String, String, Option<When>);

fn pairs(p: &FunctionPolicy) -> BTreeSet<Key> {
    p.permissions
        .iter()
        .flat_map(|perm| {
            let when = When::of(perm, &p.arn);
            perm.resources
                .iter()
                .map(move |r| (perm.action.clone(), request_form(r), when.clone()))
        })
        .collect()
}

fn listed(policy: &FunctionPolicy, keep: &BTreeSet<Key>) -> Vec<ChangedPermission> {
    let mut out = Vec::new();
    for p in &policy.permissions {
        let when = When::of(p, &policy.arn);
        for r in &p.resources {
            if keep.contains(&(p.action.clone(), request_form(r), when.clone())) {
                out.push(ChangedPermission {
                    action: p.action.clone(),
                    resource: r.clone(),
                    when: when.clone(),
                    evidence: p.evidence.clone(),
                });
            }
        }
    }
    out
}

/// The needed permissions that differ between REF (`before`, `None` for a function
/// the change adds) and now (`after`, `None` for one it removes).
pub fn changes(before: Option<&FunctionPolicy>, after: Option<&FunctionPolicy>) -> Changes {
    let b = before.map(pairs).unwrap_or_default();
    let a = after.map(pairs).unwrap_or_default();
    let added: BTreeSet<_> = a.difference(&b).cloned().collect();
    let removed: BTreeSet<_> = b.difference(&a).cloned().collect();
    Changes {
        added: after.map(|p| listed(p, &added)).unwrap_or_default(),
        removed: before.map(|p| listed(p, &removed)).unwrap_or_default(),
    }
}

/// `after` with only the findings `before` did not have.
pub fn introduced(before: Option<&FunctionDiff>, mut after: FunctionDiff) -> FunctionDiff {
    let Some(before) = before else {
        return after;
    };
    after.missing.retain(|m| {
        !before
            .missing
            .iter()
            .any(|o| o.action == m.action && o.resource == m.resource && o.when == m.when)
    });
    after.excess.retain(|e| {
        !before.excess.iter().any(|o| {
            o.action == e.action && o.resource == e.resource && o.granted_by == e.granted_by && o.count == e.count
        })
    });
    after.broader.retain(|x| {
        !before
            .broader
            .iter()
            .any(|o| o.action == x.action && o.needed == x.needed && o.granted == x.granted && o.when == x.when)
    });
    after.conditional.retain(|c| {
        !before
            .conditional
            .iter()
            .any(|o| o.action == c.action && o.resource == c.resource && o.when == c.when)
    });
    after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{NeedCondition, Origin, ResourcePattern};
    use crate::policy::{Permission, PolicyDocument};

    fn policy(pairs: &[(&str, &str)]) -> FunctionPolicy {
        FunctionPolicy {
            permissions: pairs
                .iter()
                .map(|(a, r)| Permission {
                    action: a.to_string(),
                    resources: [r.to_string()].into_iter().collect(),
                    deployable: Default::default(),
                    sources: [Origin::Static].into_iter().collect(),
                    evidence: Vec::new(),
                    possible: None,
                    ..Default::default()
                })
                .collect(),
            possible: Vec::new(),
            policy: PolicyDocument::new(Vec::new()),
            deployable: PolicyDocument::new(Vec::new()),
            ..Default::default()
        }
    }

    #[test]
    fn added_and_removed_needs() {
        let before = policy(&[
            ("s3:GetObject", "arn:aws:s3:::b/*"),
            ("sns:Publish", "arn:aws:sns:*:*:t"),
        ]);
        let after = policy(&[
            ("s3:GetObject", "arn:aws:s3:::b/*"),
            ("sqs:SendMessage", "arn:aws:sqs:*:*:q"),
        ]);
        let c = changes(Some(&before), Some(&after));
        assert_eq!(c.added.len(), 1);
        assert_eq!(c.added[0].action, "sqs:SendMessage");
        assert_eq!(c.removed[0].action, "sns:Publish");
        let new = changes(None, Some(&after));
        assert_eq!(new.added.len(), 2);
        assert!(changes(Some(&after), Some(&after)).is_empty());
    }

    #[test]
    fn a_need_under_another_condition_is_a_change() {
        let via = |service: &str| {
            let mut p = policy(&[("kms:Decrypt", "arn:aws:kms:*:*:key/k")]);
            p.permissions[0].when = Some(NeedCondition {
                key: "kms:ViaService".into(),
                value: ResourcePattern::from_template(&format!("{service}.${{Region}}.amazonaws.com"), |_| None),
            });
            p
        };
        let (sqs, sns) = (via("sqs"), via("sns"));
        assert!(changes(Some(&sqs), Some(&via("sqs"))).is_empty());
        let c = changes(Some(&sqs), Some(&sns));
        assert_eq!(c.added.len(), 1);
        assert_eq!(
            c.added[0].when.as_ref().unwrap().to_string(),
            "kms:ViaService = sns.*.amazonaws.com"
        );
        assert_eq!(c.removed[0].when.as_ref().unwrap().value, "sqs.*.amazonaws.com");
    }
}

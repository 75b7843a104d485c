//! What a change did (`diff --base REF`): the permissions each function needs now and
//! did not at REF, those it no longer needs, and the diff findings the change brought
//! in. Findings that were there before the change are left out.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::evidence::Evidence;

use super::diff::{FunctionDiff, request_form};
use super::{FunctionPolicy, Permission};

/// A needed (action, resource) the change added or removed, with the evidence behind
/// it (the code lines now for an added one, at REF for a removed one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedPermission {
    pub action: String,
    pub resource: String,
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

fn pairs(p: &FunctionPolicy) -> BTreeSet<(String, String)> {
    p.permissions
        .iter()
        .flat_map(|perm| perm.resources.iter().map(|r| (perm.action.clone(), request_form(r))))
        .collect()
}

fn listed(perms: &[Permission], keep: &BTreeSet<(String, String)>) -> Vec<ChangedPermission> {
    let mut out = Vec::new();
    for p in perms {
        for r in &p.resources {
            if keep.contains(&(p.action.clone(), request_form(r))) {
                out.push(ChangedPermission {
                    action: p.action.clone(),
                    resource: r.clone(),
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
        added: after.map(|p| listed(&p.permissions, &added)).unwrap_or_default(),
        removed: before.map(|p| listed(&p.permissions, &removed)).unwrap_or_default(),
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
            .any(|o| o.action == m.action && o.resource == m.resource)
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
            .any(|o| o.action == x.action && o.needed == x.needed && o.granted == x.granted)
    });
    after.conditional.retain(|c| {
        !before
            .conditional
            .iter()
            .any(|o| o.action == c.action && o.resource == c.resource)
    });
    after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Origin;
    use crate::policy::PolicyDocument;

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
}

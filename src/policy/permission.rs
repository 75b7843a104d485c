//! One action a function needs, on every resource the evidence names, with all of it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::evidence::{Evidence, NeedCondition, Origin, ResourcePattern};

use super::ConditionBlock;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Permission {
    pub action: String,
    /// The condition all its grants hold under (`kms:ViaService` for a key a service
    /// uses on the function's behalf); one permission per (action, condition).
    #[serde(skip)]
    pub when: Option<NeedCondition>,
    /// `when` as the report writes it: IAM's condition block, empty when unconditional.
    #[serde(skip_serializing_if = "ConditionBlock::is_empty")]
    pub condition: ConditionBlock,
    /// Rendered for the report (unresolved env vars visible as `${env:NAME}`).
    pub resources: BTreeSet<String>,
    /// Rendered for deployable output (unresolved name parts as `*`).
    #[serde(skip)]
    pub deployable: BTreeSet<String>,
    /// Each resource with the evidence behind it.
    #[serde(skip)]
    pub grants: Vec<Grant>,
    pub sources: BTreeSet<Origin>,
    pub evidence: Vec<Evidence>,
    /// Why it is only possibly needed, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible: Option<String>,
    /// Granted because the repo's config accepts it, with the config's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
    /// For a permission only static evidence asks for, when CloudTrail was read: whether
    /// the trail could have shown it (`yes`, `no-data-events`, `not-logged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observable: Option<&'static str>,
}

/// One resource of a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Resolved through the bindings and fitted to the resource types the action takes.
    pub pattern: ResourcePattern,
    /// As the report shows it (`${env:NAME}` visible).
    pub shown: String,
    /// As deployable policy JSON writes it (`*` for what stays unknown).
    pub deployable: String,
    pub sources: BTreeSet<Origin>,
    /// Indices into the permission's `evidence`.
    pub evidence: Vec<usize>,
    /// How synthesis reshaped the evidence's resource, when it did.
    pub notes: Vec<String>,
}

impl Permission {
    pub fn new(action: &str) -> Permission {
        Permission {
            action: action.to_string(),
            when: None,
            condition: ConditionBlock::new(),
            resources: BTreeSet::new(),
            deployable: BTreeSet::new(),
            grants: Vec::new(),
            sources: BTreeSet::new(),
            evidence: Vec::new(),
            possible: None,
            accepted: None,
            observable: None,
        }
    }

    /// The evidence behind one grant.
    pub fn evidence_of<'a>(&'a self, grant: &'a Grant) -> impl Iterator<Item = &'a Evidence> + 'a {
        grant.evidence.iter().filter_map(|i| self.evidence.get(*i))
    }
}

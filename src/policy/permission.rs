//! One action a function needs, on every resource the evidence names, with all of it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::evidence::{Evidence, Origin};

#[derive(Debug, Clone, Serialize)]
pub struct Permission {
    pub action: String,
    /// Rendered for the report (unresolved env vars visible as `${env:NAME}`).
    pub resources: BTreeSet<String>,
    /// Rendered for deployable output (unresolved name parts as `*`).
    #[serde(skip)]
    pub deployable: BTreeSet<String>,
    pub sources: BTreeSet<Origin>,
    pub evidence: Vec<Evidence>,
    /// Why it is only possibly needed, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible: Option<String>,
}

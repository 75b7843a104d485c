//! Rules that change which actions a call needs beyond its operation's own action.
//! One rule per file, each with its why and its tests; `apply` runs them in order.

mod athena;
mod batch_tables;
mod bedrock_model;
pub mod conditional;
mod copy_source;
mod indirect_s3;
mod lambda_qualifier;
mod partiql;
pub mod session_resources;
mod transact;

use crate::catalog::Catalog;
use crate::sources::SdkCall;

use super::ResourcePattern;

/// What a rule decides for one call.
pub struct RuleNeed {
    pub action: String,
    pub resource: ResourcePattern,
    pub reason: String,
    /// Only possibly needed: the reason says on what it depends.
    pub possible: bool,
}

pub enum Outcome {
    /// The rule replaces the operation's default actions with these.
    Replace(Vec<RuleNeed>),
    /// The rule adds these to the default actions.
    Add(Vec<RuleNeed>),
}

type Rule = fn(&SdkCall, &Catalog) -> Option<Outcome>;

/// The registry: each rule's name and function.
pub const RULES: &[(&str, Rule)] = &[
    ("transact-items", transact::apply),
    ("batch-tables", batch_tables::apply),
    ("bedrock-model", bedrock_model::apply),
    ("conditional-actions", conditional::apply),
    ("lambda-qualifier", lambda_qualifier::apply),
    ("partiql-statement", partiql::apply),
    ("copy-source", copy_source::apply),
    ("indirect-s3-read", indirect_s3::apply),
    ("athena-caller-credentials", athena::apply),
];

/// Runs every rule on a call; `None` when none applies.
pub fn apply(call: &SdkCall, catalog: &Catalog) -> Vec<Outcome> {
    RULES.iter().filter_map(|(_, rule)| rule(call, catalog)).collect()
}

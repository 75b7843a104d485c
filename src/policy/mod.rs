//! Policy: per function, the minimal set of (action, resource) pairs, grouped into few
//! readable statements, fitted to the resource types each action takes, validated
//! against IAM's rules and split when too large; the evaluator and the diff.

pub mod change;
pub mod condition;
pub mod cover;
pub mod dialect;
pub mod diff;
pub mod document;
pub mod evaluator;
pub mod expand;
pub mod generalize;
pub mod glob;
pub mod merge;
pub mod observable;
pub mod permission;
pub mod resource_type;
pub mod sid;
pub mod size;
pub mod statements;
pub mod synthesis;
pub mod validate;
pub mod wildcards;

pub use dialect::Dialect;
pub use document::{ConditionBlock, PolicyDocument, Statement};
pub use permission::{Grant, Permission};
pub use synthesis::{
    AcceptedExtra, FunctionOptions, FunctionPolicy, Include, ResourceMapping, SynthesisOptions, synthesize,
};

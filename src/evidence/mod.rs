//! Evidence: normalised facts with provenance. Each fact says one function needs one
//! action on one resource, and why (a code line, trail records, or the platform).

pub mod foreign;
pub mod need;
pub mod observed;
pub mod platform;
pub mod resource;
pub mod rules;
pub mod static_facts;

pub use need::{Certainty, Evidence, Need, NeedCondition, Origin};
pub use resource::{ArnContext, ResourcePattern, Seg, Transform, Unresolved};

//! Policy: per function, the minimal set of (action, resource) pairs, grouped into few
//! readable statements.

pub mod document;
pub mod glob;
pub mod permission;
pub mod synthesis;

pub use document::{PolicyDocument, Statement};
pub use permission::Permission;
pub use synthesis::{FunctionPolicy, Include, SynthesisOptions, synthesize};

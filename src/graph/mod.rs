//! The resource graph: functions, the resources they reach, and what binds them.
//! It resolves a resource hint such as `${env:TABLE}` to a real name through the
//! bindings the deployment (or the user) gives each function.

pub mod bindings;
pub mod resource_graph;

pub use bindings::Bindings;
pub use resource_graph::{EdgeKind, NodeKind, ResourceGraph};

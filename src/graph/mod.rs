//! The resource graph: functions, roles, policies, resources, event sources and the
//! template definitions behind them. It resolves a resource hint such as `${env:TABLE}`
//! to a real name through the bindings the deployment (or the user) gives each
//! function, and answers which functions reach a resource and what a role can touch.

pub mod arn;
pub mod arn_index;
pub mod bindings;
pub mod build;
pub mod encryption;
pub mod queries;
pub mod resource_graph;

pub use bindings::Bindings;
pub use build::{FunctionInput, build};
pub use encryption::EncryptedResources;
pub use resource_graph::{Edge, EdgeKind, Node, NodeKind, ResourceGraph};

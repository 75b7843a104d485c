//! Reports: the rendered forms of a run's results.

pub mod cloudformation;
pub mod diff_json;
pub mod diff_markdown;
pub mod dot;
pub mod explain;
pub mod graph_json;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod policy_json;
pub mod sam;
pub mod sarif;
pub mod serverless;
pub mod terraform;
pub mod yaml;

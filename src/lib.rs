//! leastpriv: least-privilege IAM policies for serverless functions.
//!
//! The pipeline, one module per stage, imports flowing forward only:
//! `sources → evidence → graph → policy → report`. `catalog` and `diagnostics`
//! depend on no stage. See ARCHITECTURE.md.

pub mod catalog;
pub mod diagnostics;
pub mod evidence;
pub mod graph;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod sources;
pub mod wildcard;

//! Reports: the rendered forms of a run's results.

pub mod json;
pub mod policy_json;

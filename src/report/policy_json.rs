//! `--format policy`: the deployable IAM policy document of each function.

use serde_json::{Value, json};

use crate::pipeline::{FunctionResult, RunResult};

pub fn function_document(f: &FunctionResult) -> String {
    serde_json::to_string_pretty(&f.policy.deployable).unwrap_or_default()
}

/// One function: its document; several: `{name: document}`.
pub fn render(run: &RunResult) -> String {
    if let [one] = run.functions.as_slice() {
        return function_document(one);
    }
    let map: serde_json::Map<String, Value> = run
        .functions
        .iter()
        .map(|f| (f.spec.name.clone(), json!(f.policy.deployable)))
        .collect();
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
}

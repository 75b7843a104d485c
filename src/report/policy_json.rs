//! `--format policy`: the deployable IAM policy document of each function (several,
//! as a JSON array, when it is too large for one managed policy).

use serde_json::{Value, json};

use crate::pipeline::{FunctionResult, RunResult};

/// One document, or the array of documents a large policy is split into.
fn value(f: &FunctionResult) -> Value {
    match f.policy.parts.as_slice() {
        [one] => json!(one),
        [] => json!(f.policy.deployable),
        parts => json!(parts),
    }
}

/// A function's documents as `--out` writes them: (file name, text) each.
pub fn function_files(f: &FunctionResult, stem: &str) -> Vec<(String, String)> {
    match f.policy.parts.as_slice() {
        [] | [_] => vec![(
            format!("{stem}.policy.json"),
            serde_json::to_string_pretty(&value(f)).unwrap_or_default(),
        )],
        parts => parts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    format!("{stem}.{}.policy.json", i + 1),
                    serde_json::to_string_pretty(d).unwrap_or_default(),
                )
            })
            .collect(),
    }
}

/// One function: its document; several: `{name: document}`.
pub fn render(run: &RunResult) -> String {
    if let [one] = run.functions.as_slice() {
        return serde_json::to_string_pretty(&value(one)).unwrap_or_default();
    }
    let map: serde_json::Map<String, Value> = run.functions.iter().map(|f| (f.spec.name.clone(), value(f))).collect();
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
}

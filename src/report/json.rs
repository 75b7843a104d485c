//! The JSON report of `generate --format json` (DESIGN.md contract, version 1).

use serde_json::{Value, json};

use crate::pipeline::{FunctionResult, RunResult};

pub fn function_value(f: &FunctionResult) -> Value {
    let warnings: Vec<Value> = f
        .diagnostics
        .iter()
        .map(|d| {
            let mut w = json!({"message": d.message, "code": d.code});
            if let Some(file) = &d.file {
                w["file"] = json!(file.display().to_string());
            }
            if let Some(line) = d.line {
                w["line"] = json!(line);
            }
            w
        })
        .collect();
    let mut v = json!({
        "name": f.spec.name,
        "path": f.spec.path.display().to_string(),
        "language": f.spec.language.map(|l| l.as_str()),
        "role": f.spec.role,
        "policy": f.policy.policy,
        "permissions": f.policy.permissions,
        "warnings": warnings,
    });
    if !f.policy.possible.is_empty() {
        v["possible"] = json!(f.policy.possible);
    }
    if let Some(t) = &f.spec.declared_in {
        v["template"] = json!(t.display().to_string());
    }
    v
}

pub fn render(run: &RunResult) -> String {
    let mut v = json!({
        "version": 1,
        "functions": run.functions.iter().map(function_value).collect::<Vec<_>>(),
    });
    if !run.diagnostics.is_empty() {
        v["warnings"] = json!(run.diagnostics);
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

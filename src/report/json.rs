//! The JSON report of `generate --format json` (DESIGN.md contract, version 1).

use serde_json::{Value, json};

use crate::diagnostics::Diagnostic;
use crate::pipeline::{FunctionResult, RunResult};

/// A function's warnings: its analysis's and its policy's, sorted, each once.
pub fn warnings(f: &FunctionResult) -> Vec<&Diagnostic> {
    let mut all: Vec<&Diagnostic> = f.diagnostics.iter().chain(&f.policy.diagnostics).collect();
    all.sort();
    all.dedup();
    all
}

pub fn function_value(f: &FunctionResult) -> Value {
    let warnings: Vec<Value> = warnings(f)
        .into_iter()
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
    if !f.assumed_role_calls.is_empty() {
        // Their permissions belong to the role the code assumed, not to this function.
        v["assumed_role_calls"] = json!(f.assumed_role_calls);
    }
    if !f.policy.accepted.is_empty() {
        v["accepted"] = json!(f.policy.accepted);
    }
    if !f.policy.excluded.is_empty() {
        v["excluded"] = json!(f.policy.excluded);
    }
    if f.policy.parts.len() > 1 {
        // Too large for one managed policy: the deployable documents it is split into.
        v["policies"] = json!(f.policy.parts);
    }
    if let Some(t) = &f.spec.declared_in {
        v["template"] = json!(t.display().to_string());
    }
    if let Some(e) = &f.spec.entry {
        // The handler's file and name: only the code it reaches counts.
        v["entry"] = json!(e.display().to_string());
        if let Some(h) = &f.spec.handler {
            v["handler"] = json!(h);
        }
    }
    if let Some(o) = &f.cloudtrail {
        v["cloudtrail"] = json!(o);
    }
    v
}

fn config_value(run: &RunResult) -> Value {
    json!(run.config_file.as_ref().map(|p| p.display().to_string()))
}

/// One function's report as `--out` writes it: the function with the config it used.
pub fn function_file(run: &RunResult, f: &FunctionResult) -> Value {
    let mut v = function_value(f);
    v["config"] = config_value(run);
    v
}

pub fn render(run: &RunResult) -> String {
    let mut v = json!({
        "version": 1,
        "config": config_value(run),
        "functions": run.functions.iter().map(function_value).collect::<Vec<_>>(),
    });
    if !run.diagnostics.is_empty() {
        v["warnings"] = json!(run.diagnostics);
    }
    if let Some(c) = &run.cloudtrail {
        v["cloudtrail"] = json!(c);
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

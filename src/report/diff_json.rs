//! The JSON report of `diff --format json` (DESIGN.md contract, version 1):
//! `missing`, `excess` and `broader` per function, plus `conditional`, what today's
//! role was read from, and with `--base REF` the needed permissions the change added
//! and removed.

use serde_json::{Value, json};

use crate::diagnostics::Diagnostic;
use crate::policy::diff::FunctionDiff;

/// A whole diff run, as the reports render it.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// Where today's permissions came from: `template`, `iam` or the file given.
    pub current: String,
    /// The revision compared with, for `--base REF`.
    pub base: Option<String>,
    pub functions: Vec<FunctionDiff>,
    /// Diagnostics of the run that belong to no function.
    pub diagnostics: Vec<Diagnostic>,
}

impl DiffReport {
    pub fn missing(&self) -> usize {
        self.functions.iter().map(|f| f.missing.len()).sum()
    }

    pub fn excess(&self) -> usize {
        self.functions.iter().map(|f| f.excess.len()).sum()
    }

    pub fn broader(&self) -> usize {
        self.functions.iter().map(|f| f.broader.len()).sum()
    }
}

fn warning(d: &Diagnostic) -> Value {
    let mut w = json!({"message": d.message, "code": d.code});
    if let Some(file) = &d.file {
        w["file"] = json!(file.display().to_string());
    }
    if let Some(line) = d.line {
        w["line"] = json!(line);
    }
    w
}

pub fn function_value(f: &FunctionDiff) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    if !f.diagnostics.is_empty() {
        v["warnings"] = f.diagnostics.iter().map(warning).collect();
    }
    v
}

pub fn render(report: &DiffReport) -> String {
    let mut v = json!({
        "version": 1,
        "current": report.current,
    });
    if let Some(base) = &report.base {
        v["base"] = json!(base);
    }
    v["functions"] = report.functions.iter().map(function_value).collect();
    if !report.diagnostics.is_empty() {
        v["warnings"] = report.diagnostics.iter().map(warning).collect();
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

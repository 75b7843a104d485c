//! `diff --format sarif`: SARIF 2.1.0 for code-scanning annotations. Each missing
//! permission is a result at the SDK call's file and line, each excess or wildcard grant
//! a result at the template line that grants it, each broader grant a note. Rule ids are
//! the finding codes of docs/findings.md.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::diagnostics::codes;
use crate::evidence::Evidence;
use crate::policy::diff::{FunctionDiff, When};

use super::diff_json::DiffReport;

/// (code, level, short description, help).
const RULES: &[(&str, &str, &str, &str)] = &[
    (
        codes::MISSING_PERMISSION,
        "error",
        "A permission the code needs is not granted by the function's role.",
        "The call fails with AccessDenied. Add the action on the resource to the role, or check that the call is meant to be made.",
    ),
    (
        codes::EXCESS_PERMISSION,
        "warning",
        "The role grants an action the function never needs.",
        "Remove the action from the policy, or scope it to what the function uses.",
    ),
    (
        codes::WILDCARD_GRANT,
        "warning",
        "A wildcard action grants many actions the function never needs.",
        "Replace the wildcard with the actions the function needs (`leastpriv generate` lists them).",
    ),
    (
        codes::BROADER_GRANT,
        "note",
        "A needed action is granted on more resources than needed.",
        "Scope the Resource to the resources the function uses.",
    ),
    (
        codes::CONDITIONAL_GRANT,
        "note",
        "A needed action is granted only under a condition leastpriv cannot decide for the request.",
        "Check that the condition holds when the function runs.",
    ),
];

/// ` when kms:ViaService = sqs.*.amazonaws.com`, for a permission needed under it.
fn when_text(w: Option<&When>) -> String {
    w.map(|w| format!(" when {w}")).unwrap_or_default()
}

/// The condition in a fingerprint; nothing without one, so other fingerprints stay.
fn when_key(w: Option<&When>) -> String {
    w.map(|w| format!("|{}={}", w.key, w.value)).unwrap_or_default()
}

fn rule_index(code: &str) -> usize {
    RULES.iter().position(|(c, ..)| *c == code).unwrap_or(0)
}

fn uri(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}

fn location(file: &Path, line: Option<u32>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(file), "uriBaseId": "%SRCROOT%"}});
    if let Some(line) = line.filter(|l| *l > 0) {
        physical["region"] = json!({"startLine": line});
    }
    json!({"physicalLocation": physical})
}

fn result(code: &str, message: String, locations: Vec<Value>, key: String) -> Value {
    let (_, level, ..) = RULES[rule_index(code)];
    json!({
        "ruleId": code,
        "ruleIndex": rule_index(code),
        "level": level,
        "message": {"text": message},
        "locations": locations,
        "partialFingerprints": {"leastprivFinding/v1": key},
    })
}

/// Where the function is declared, for findings with no better place.
fn declared(f: &FunctionDiff) -> Vec<Value> {
    f.declared.iter().map(|(file, line)| location(file, *line)).collect()
}

fn function_results(f: &FunctionDiff, out: &mut Vec<Value>) {
    for m in &f.missing {
        let mut places = BTreeSet::new();
        for e in &m.evidence {
            if let Evidence::Static { file, line, .. } = e {
                places.insert((file.clone(), *line));
            }
        }
        let mut locations: Vec<Value> = places.iter().map(|(f, l)| location(f, Some(*l))).collect();
        if locations.is_empty() {
            locations = declared(f);
        }
        let why = match &m.denied_by {
            Some(d) => format!("it is denied by {d}"),
            None => "its role does not grant it".into(),
        };
        // The rule that added the action, when one did: a line that sends to a queue
        // says why it needs kms:GenerateDataKey.
        let because: BTreeSet<&str> = m
            .evidence
            .iter()
            .filter_map(|e| match e {
                Evidence::Static { reason: Some(r), .. } | Evidence::Platform { reason: r } => Some(r.as_str()),
                _ => None,
            })
            .collect();
        let because: String = because.into_iter().map(|r| format!(" Because: {r}.")).collect();
        out.push(result(
            codes::MISSING_PERMISSION,
            format!(
                "{} needs {} on {}{}: {why}.{because}",
                f.name,
                m.action,
                m.resource,
                when_text(m.when.as_ref())
            ),
            locations,
            format!("{}|{}|{}{}", f.name, m.action, m.resource, when_key(m.when.as_ref())),
        ));
    }
    for e in &f.excess {
        // A policy SAM attaches to the role it generates is written nowhere: point at
        // the function.
        let line = e.line.or_else(|| {
            f.declared
                .as_ref()
                .filter(|(file, _)| Some(file) == e.file.as_ref())
                .and_then(|(_, l)| *l)
        });
        let locations = match &e.file {
            Some(file) => vec![location(file, line)],
            None => declared(f),
        };
        let (code, message) = match e.count {
            Some(n) => (
                codes::WILDCARD_GRANT,
                format!(
                    "{} on {} ({}) grants {} {n} actions it never needs.",
                    e.action, e.resource, e.granted_by, f.name
                ),
            ),
            None => (
                codes::EXCESS_PERMISSION,
                format!(
                    "{} is granted {} on {} ({}) and never needs it.",
                    f.name, e.action, e.resource, e.granted_by
                ),
            ),
        };
        out.push(result(
            code,
            message,
            locations,
            format!("{}|{}|{}|{}", f.name, e.action, e.resource, e.granted_by),
        ));
    }
    for b in &f.broader {
        out.push(result(
            codes::BROADER_GRANT,
            format!(
                "{} needs {} on {}{} and is granted it on {} ({}).",
                f.name,
                b.action,
                b.needed,
                when_text(b.when.as_ref()),
                b.granted,
                b.granted_by
            ),
            declared(f),
            format!(
                "{}|{}|{}|{}{}",
                f.name,
                b.action,
                b.needed,
                b.granted,
                when_key(b.when.as_ref())
            ),
        ));
    }
    for c in &f.conditional {
        out.push(result(
            codes::CONDITIONAL_GRANT,
            format!(
                "{} is granted {} on {} only under a condition ({}){}.",
                f.name,
                c.action,
                c.resource,
                c.granted_by,
                match &c.when {
                    Some(w) => format!(" that cannot be decided for a request with {w}"),
                    None => String::new(),
                }
            ),
            declared(f),
            format!("{}|{}|{}{}", f.name, c.action, c.resource, when_key(c.when.as_ref())),
        ));
    }
}

pub fn render(report: &DiffReport) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(code, level, short, help)| {
            json!({
                "id": code,
                "name": code,
                "shortDescription": {"text": short},
                "help": {"text": help, "markdown": format!("{help}\n\nSee `docs/findings.md#{code}`.")},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &report.functions {
        function_results(f, &mut results);
    }
    let sarif = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "leastpriv",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_condition_a_permission_is_needed_under_is_said() {
        let v: Value =
            serde_json::from_str(&render(&super::super::diff_markdown::tests::through_another_service())).unwrap();
        let results = v["runs"][0]["results"].as_array().unwrap();
        let missing = &results[0];
        assert_eq!(
            missing["message"]["text"],
            "worker needs kms:Decrypt on arn:aws:kms:*:*:key/k when kms:ViaService = sqs.*.amazonaws.com: its role does not grant it."
        );
        assert_eq!(
            missing["partialFingerprints"]["leastprivFinding/v1"],
            "worker|kms:Decrypt|arn:aws:kms:*:*:key/k|kms:ViaService=sqs.*.amazonaws.com"
        );
        let conditional = results
            .iter()
            .find(|r| r["ruleId"] == codes::CONDITIONAL_GRANT)
            .unwrap();
        assert!(
            conditional["message"]["text"]
                .as_str()
                .unwrap()
                .ends_with("that cannot be decided for a request with kms:ViaService = s3.*.amazonaws.com."),
            "{conditional}"
        );
    }
}

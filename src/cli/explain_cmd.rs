//! `leastpriv explain FUNCTION [ACTION] [PATH]...`: the evidence behind each permission.

use anyhow::Result;
use leastpriv::catalog::Catalog;
use leastpriv::report::explain::{self, Query};

use super::ExitStatus;
use super::args::ExplainArgs;
use super::run::{print, warn};

/// An ACTION argument that is really a path (`explain OrdersApi examples/shop`).
fn looks_like_action(arg: &str) -> bool {
    arg.contains(':') && !arg.contains(['/', '\\']) && !std::path::Path::new(arg).exists()
}

pub fn run(args: &ExplainArgs) -> Result<ExitStatus> {
    let mut project = args.project.clone();
    let mut action = args.action.clone();
    if let Some(a) = &action
        && !looks_like_action(a)
    {
        project.paths.insert(0, a.into());
        action = None;
    }
    if let Some(a) = &action
        && !a.contains(['*', '?'])
        && Catalog::embedded().canonical_action(a).is_none()
    {
        warn(&format!(
            "error: {a} is no IAM action the service catalog knows (expected SERVICE:Action, e.g. s3:GetObject)"
        ));
        return Ok(ExitStatus::BadInput);
    }
    let mut config = super::generate_cmd::config(&project)?;
    super::generate_cmd::apply_policy_args(&mut config, &args.policy);
    let result = super::cloudtrail_args::run_with_progress(&config)?;
    for d in &result.diagnostics {
        warn(&d.one_line());
    }
    let matching: Vec<_> = result
        .functions
        .iter()
        .filter(|f| f.spec.name == args.function)
        .collect();
    if matching.is_empty() {
        let mut known: Vec<&str> = result.functions.iter().map(|f| f.spec.name.as_str()).collect();
        known.sort();
        known.dedup();
        let listed = if known.is_empty() {
            "no functions were found there".to_string()
        } else {
            format!("the functions are: {}", known.join(", "))
        };
        warn(&format!(
            "error: no function named {} in {}; {listed}",
            args.function,
            paths(&project)
        ));
        return Ok(ExitStatus::BadInput);
    }
    let q = Query {
        action: action.as_deref(),
    };
    let mut printed = Vec::new();
    for f in matching {
        match explain::render(&result, f, &q) {
            Some(text) => printed.push(text),
            None => printed.push(format!(
                "{} needs no {}: no code line, trail record or platform fact asks for it, and the config does not accept it",
                f.spec.name,
                action.as_deref().unwrap_or("permission")
            )),
        }
    }
    print(&printed.join("\n\n"));
    Ok(ExitStatus::Success)
}

fn paths(project: &super::args::ProjectArgs) -> String {
    if project.paths.is_empty() {
        return "the current folder".into();
    }
    project
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

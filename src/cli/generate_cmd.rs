//! `leastpriv generate`: the policy each function needs.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use leastpriv::evidence::ArnContext;
use leastpriv::pipeline::{self, Config};
use leastpriv::policy::SynthesisOptions;
use leastpriv::report;

use super::ExitStatus;
use super::args::{GenerateArgs, GenerateFormat, ProjectArgs};
use super::run::{print, warn};

pub fn config(project: &ProjectArgs) -> Result<Config> {
    let mut env = BTreeMap::new();
    for pair in &project.env {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--env {pair}: expected NAME=VALUE");
        };
        env.insert(k.to_string(), v.to_string());
    }
    if !project.cloudtrail.is_empty() {
        warn("warning: --cloudtrail is not read by this version yet; using static evidence only");
    }
    Ok(Config {
        paths: project.paths.clone(),
        env,
        synthesis: SynthesisOptions {
            arn: ArnContext {
                partition: project.partition.clone(),
                region: project.region.clone(),
                account: project.account.clone(),
            },
            ..SynthesisOptions::default()
        },
    })
}

pub fn run(args: &GenerateArgs) -> Result<ExitStatus> {
    let config = config(&args.project)?;
    let result = pipeline::run(&config)?;
    for d in &result.diagnostics {
        warn(&d.one_line());
    }
    for f in &result.functions {
        for d in &f.diagnostics {
            warn(&format!("{}: {}", f.spec.name, d.one_line()));
        }
    }
    if result.functions.is_empty() {
        warn("warning: no functions found (no template, and no source files in the given paths)");
    }
    match args.format {
        GenerateFormat::Json => emit(
            args,
            &report::json::render(&result),
            |f| {
                (
                    format!("{}.json", f.spec.name),
                    serde_json::to_string_pretty(&report::json::function_value(f)).unwrap_or_default(),
                )
            },
            &result,
        )?,
        GenerateFormat::Policy => emit(
            args,
            &report::policy_json::render(&result),
            |f| {
                (
                    format!("{}.policy.json", f.spec.name),
                    report::policy_json::function_document(f),
                )
            },
            &result,
        )?,
        other => {
            warn(&format!("--format {other:?} is not available yet in this version").to_lowercase());
            return Ok(ExitStatus::BadInput);
        }
    }
    Ok(ExitStatus::Success)
}

/// Prints the whole report, or with `--out DIR` writes one file per function.
fn emit(
    args: &GenerateArgs,
    whole: &str,
    per_function: impl Fn(&leastpriv::pipeline::FunctionResult) -> (String, String),
    result: &leastpriv::pipeline::RunResult,
) -> Result<()> {
    let Some(dir) = &args.out else {
        print(whole);
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the output folder", dir.display()))?;
    for f in &result.functions {
        let (name, text) = per_function(f);
        // Function names come from user files: keep the file inside --out.
        let safe: String = name
            .chars()
            .map(|c| if c == '/' || c == '\\' { '_' } else { c })
            .collect();
        let path = dir.join(safe);
        std::fs::write(&path, text + "\n").with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

//! `leastpriv generate`: the policy each function needs, in the format asked for; and the
//! resolution of what the user typed plus the repo's `leastpriv.toml` into a run's config
//! (shared by the commands that read a project).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use leastpriv::evidence::ArnContext;
use leastpriv::pipeline::{Config, FunctionResult, RunResult};
use leastpriv::policy::{AcceptedExtra, FunctionOptions, Include, ResourceMapping, SynthesisOptions};
use leastpriv::report;
use leastpriv::sources::config::{self as repo_config, IncludeSetting, RepoConfig};

use super::ExitStatus;
use super::args::{GenerateArgs, GenerateFormat, IncludeArg, PolicyArgs, ProjectArgs};
use super::run::{print, warn};

pub fn config(project: &ProjectArgs) -> Result<Config> {
    let mut env = BTreeMap::new();
    for pair in &project.env {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--env {pair}: expected NAME=VALUE");
        };
        env.insert(k.to_string(), v.to_string());
    }
    let cloudtrail = super::cloudtrail_args::config(project)?;
    let config_file = match &project.config {
        Some(p) => Some(p.clone()),
        None => repo_config::find(&project.paths),
    };
    let repo = match &config_file {
        Some(p) => repo_config::load(p)?,
        None => {
            if project.stage.is_some() {
                bail!("--stage: no leastpriv.toml found to take the stage from");
            }
            RepoConfig::default()
        }
    };
    let path = config_file.clone().unwrap_or_default();
    let stage = repo.stage(&path, project.stage.as_deref())?;
    let pick =
        |cli: &Option<String>, staged: Option<&Option<String>>| cli.clone().or_else(|| staged.and_then(|s| s.clone()));
    let mut synthesis = SynthesisOptions {
        arn: ArnContext {
            partition: pick(&project.partition, stage.map(|s| &s.partition)),
            region: pick(&project.region, stage.map(|s| &s.region)),
            account: pick(&project.account, stage.map(|s| &s.account)),
        },
        ..SynthesisOptions::default()
    };
    apply_repo_config(&mut synthesis, &repo, stage);
    let declared = repo.encrypted_definitions(&path);
    Ok(Config {
        paths: project.paths.clone(),
        env,
        synthesis,
        cloudtrail,
        config_file,
        declared,
    })
}

/// What `leastpriv.toml` says about policies, into the synthesis options.
fn apply_repo_config(opts: &mut SynthesisOptions, repo: &RepoConfig, stage: Option<&repo_config::Stage>) {
    opts.env = repo.env.clone();
    if let Some(s) = stage {
        opts.env.extend(s.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    opts.resources = repo
        .resources
        .iter()
        .map(|r| ResourceMapping {
            pattern: r.pattern.clone(),
            arns: r.arns.clone(),
        })
        .collect();
    opts.exclude_actions = repo.policy.exclude_actions.clone();
    if let Some(i) = repo.policy.include {
        opts.include = match i {
            IncludeSetting::CloudtrailOnly => Include::CloudtrailOnly,
            IncludeSetting::StaticOnly => Include::StaticOnly,
            IncludeSetting::Both => Include::Both,
        };
    }
    opts.include_possible = repo.policy.include_possible.unwrap_or(false);
    opts.allow_wildcards = repo.policy.allow_wildcards.unwrap_or(false);
    for (name, f) in &repo.functions {
        opts.functions.insert(
            name.clone(),
            FunctionOptions {
                env: f.env.clone(),
                exclude_actions: f.exclude_actions.clone(),
                accepted: Vec::new(),
            },
        );
    }
    for a in &repo.accept {
        let extra = AcceptedExtra {
            actions: a.actions.clone(),
            resources: a.resources.clone(),
            reason: a.reason.clone(),
        };
        if a.functions.is_empty() {
            opts.accepted.push(extra);
        } else {
            for name in &a.functions {
                opts.functions
                    .entry(name.clone())
                    .or_default()
                    .accepted
                    .push(extra.clone());
            }
        }
    }
}

/// The command line's policy flags, over the config's.
pub fn apply_policy_args(config: &mut Config, args: &PolicyArgs) {
    let opts = &mut config.synthesis;
    if let Some(i) = args.include {
        opts.include = match i {
            IncludeArg::CloudtrailOnly => Include::CloudtrailOnly,
            IncludeArg::StaticOnly => Include::StaticOnly,
            IncludeArg::Both => Include::Both,
        };
    }
    opts.include_possible |= args.include_possible;
    opts.allow_wildcards |= args.allow_wildcards;
    opts.exclude_actions.extend(args.exclude_actions.iter().cloned());
}

/// Prints the run's warnings on stderr, each function's with its name.
pub fn warn_all(result: &RunResult) {
    for d in &result.diagnostics {
        warn(&d.one_line());
    }
    for f in &result.functions {
        for d in report::json::warnings(f) {
            warn(&format!("{}: {}", f.spec.name, d.one_line()));
        }
    }
    if result.functions.is_empty() {
        warn("warning: no functions found (no template, and no source files in the given paths)");
    }
}

pub fn run(args: &GenerateArgs) -> Result<ExitStatus> {
    let mut config = config(&args.project)?;
    apply_policy_args(&mut config, &args.policy);
    if args.policy.include == Some(IncludeArg::CloudtrailOnly) && config.cloudtrail.sources.is_empty() {
        warn("warning: --include cloudtrail-only without --cloudtrail: only platform permissions remain");
    }
    let result = super::cloudtrail_args::run_with_progress(&config)?;
    warn_all(&result);
    let r = &result;
    match args.format {
        GenerateFormat::Json => emit(args, &report::json::render(r), r, |f, stem| {
            let v = report::json::function_file(r, f);
            vec![(
                format!("{stem}.json"),
                serde_json::to_string_pretty(&v).unwrap_or_default(),
            )]
        })?,
        GenerateFormat::Policy => emit(args, &report::policy_json::render(r), r, |f, stem| {
            report::policy_json::function_files(f, stem)
        })?,
        GenerateFormat::Sam => emit(args, &report::sam::render(r), r, |f, stem| {
            vec![(format!("{stem}.sam.yaml"), report::sam::function(r, f))]
        })?,
        GenerateFormat::Cloudformation => emit(args, &report::cloudformation::render(r), r, |f, stem| {
            vec![(format!("{stem}.cfn.yaml"), report::cloudformation::function(r, f))]
        })?,
        GenerateFormat::Terraform => emit(args, &report::terraform::render(r), r, |f, stem| {
            vec![(format!("{stem}.tf"), report::terraform::function(r, f))]
        })?,
        GenerateFormat::Serverless => emit(args, &report::serverless::render(r), r, |f, stem| {
            vec![(format!("{stem}.serverless.yml"), report::serverless::function(r, f))]
        })?,
        GenerateFormat::Markdown => emit(args, &report::markdown::render(r), r, |f, stem| {
            vec![(format!("{stem}.md"), report::markdown::function_page(r, f))]
        })?,
    }
    Ok(ExitStatus::Success)
}

/// Prints the whole report, or with `--out DIR` writes each function's files.
fn emit(
    args: &GenerateArgs,
    whole: &str,
    result: &RunResult,
    per_function: impl Fn(&FunctionResult, &str) -> Vec<(String, String)>,
) -> Result<()> {
    let Some(dir) = &args.out else {
        print(whole.trim_end());
        return Ok(());
    };
    let files: Vec<super::out_dir::OutFile> = result
        .functions
        .iter()
        .enumerate()
        .flat_map(|(index, f)| {
            // Function names come from user files: a safe stem, inside --out.
            per_function(f, &super::out_dir::stem(&f.spec.name))
                .into_iter()
                .map(move |(name, text)| super::out_dir::OutFile {
                    index,
                    function: f.spec.name.clone(),
                    name,
                    text,
                })
        })
        .collect();
    super::out_dir::write_all(dir, &files)?;
    Ok(())
}

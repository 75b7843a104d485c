//! `leastpriv diff`: what each function needs against the role it has today (from the
//! templates, live IAM or policy files), as Markdown, JSON or SARIF; with `--base REF`,
//! only what the change since REF did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use leastpriv::catalog::Catalog;
use leastpriv::diagnostics::{Diagnostic, codes};
use leastpriv::evidence::Evidence;
use leastpriv::pipeline::{self, Config, FunctionResult, RunResult};
use leastpriv::policy::change::{Changes, changes, introduced};
use leastpriv::policy::diff::{DiffOptions, FunctionDiff, Known, diff_function};
use leastpriv::policy::observable::TrailView;
use leastpriv::report::diff_json::DiffReport;
use leastpriv::report::{diff_json, diff_markdown, sarif};
use leastpriv::sources::current::file::PolicyFiles;
use leastpriv::sources::current::iam::{self, LiveTarget};
use leastpriv::sources::current::{CurrentRole, CurrentSource, template};
use leastpriv::sources::git_tree::{self, Tree};

use super::ExitStatus;
use super::args::{DiffArgs, DiffFormat, FailOn};
use super::run::{print, warn};

pub fn run(args: &DiffArgs) -> Result<ExitStatus> {
    let config = super::generate_cmd::config(&args.project)?;
    let source = CurrentSource::parse(args.current.as_deref());
    let files = match &source {
        CurrentSource::File(path) => Some(PolicyFiles::load(path)?),
        _ => None,
    };
    let result = super::cloudtrail_args::run_with_progress(&config)?;
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
    let current = Current {
        source: &source,
        files: files.as_ref(),
        region: args.project.region.as_deref(),
    };
    let roles = current.roles(&result)?;
    // What the trail read could show: a grant it could not have shown in use is marked
    // not observable, never judged unused from the trail's silence.
    let trail = TrailView {
        trail: !config.cloudtrail.sources.is_empty(),
        data_types: result
            .cloudtrail
            .as_ref()
            .map(|c| c.data_event_types())
            .unwrap_or_default(),
    };
    let opts = DiffOptions {
        cloudtrail: trail.trail,
        observability: &trail,
    };
    let now = diffs(&result, &roles, &opts);
    let functions = match &args.base {
        Some(base) => against_base(base, &config, &result, now, &current, &roles, &opts)?,
        None => now,
    };
    for f in &functions {
        for d in &f.diagnostics {
            warn(&d.one_line());
        }
    }
    let report = DiffReport {
        current: match &source {
            CurrentSource::Template => "template".into(),
            CurrentSource::Iam => "iam".into(),
            CurrentSource::File(p) => p.display().to_string(),
        },
        base: args.base.clone(),
        functions,
        // A definition that could not be read: the report says so, not only stderr.
        diagnostics: result
            .unreadable
            .iter()
            .map(|p| {
                Diagnostic::warning(
                    codes::TEMPLATE_ERROR,
                    "could not be read: its functions were not compared",
                )
                .at(p, None)
            })
            .collect(),
    };
    print(&match args.format {
        DiffFormat::Json => diff_json::render(&report),
        DiffFormat::Markdown => diff_markdown::render(&report),
        DiffFormat::Sarif => sarif::render(&report),
    });
    if let Some(first) = result.unreadable.first() {
        // The functions those definitions declare were not compared: a gate must not
        // pass on what it did not see.
        warn(&format!(
            "error: {} could not be read{}: its functions were not compared",
            first.display(),
            match result.unreadable.len() {
                1 => String::new(),
                n => format!(" (and {} other definitions)", n - 1),
            }
        ));
        return Ok(ExitStatus::BadInput);
    }
    let found = match args.fail_on {
        None => false,
        Some(FailOn::Missing) => report.missing() > 0,
        Some(FailOn::Excess) => report.excess() > 0,
        Some(FailOn::Any) => report.missing() + report.excess() + report.broader() > 0,
    };
    Ok(if found {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

/// Where today's roles come from.
struct Current<'a> {
    source: &'a CurrentSource,
    files: Option<&'a PolicyFiles>,
    region: Option<&'a str>,
}

impl Current<'_> {
    fn roles(&self, result: &RunResult) -> Result<BTreeMap<String, CurrentRole>> {
        Ok(match self.source {
            CurrentSource::Template => result
                .functions
                .iter()
                .map(|f| (f.spec.name.clone(), template::role(&f.spec)))
                .collect(),
            CurrentSource::File(_) => result
                .functions
                .iter()
                .map(|f| {
                    let role = self.files.map(|files| files.role(&f.spec.name)).unwrap_or_default();
                    (f.spec.name.clone(), role)
                })
                .collect(),
            CurrentSource::Iam => {
                let targets: Vec<LiveTarget> = result
                    .functions
                    .iter()
                    .map(|f| LiveTarget {
                        function: f.spec.name.clone(),
                        deployed: f
                            .spec
                            .deployment
                            .as_ref()
                            .map(|d| d.function_name.clone())
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| f.spec.name.clone()),
                        role_hint: f.spec.role.clone(),
                    })
                    .collect();
                iam::roles(&targets, self.region).context("--current iam")?
            }
        })
    }
}

fn diffs(result: &RunResult, roles: &BTreeMap<String, CurrentRole>, opts: &DiffOptions<'_>) -> Vec<FunctionDiff> {
    let catalog = Catalog::embedded();
    result
        .functions
        .iter()
        .map(|f| {
            let role = roles.get(&f.spec.name).cloned().unwrap_or_default();
            let mut d = diff_function(&f.spec.name, &f.policy, &role, catalog, opts);
            d.declared = f.spec.declared_in.clone().map(|file| (file, f.spec.line));
            d
        })
        .collect()
}

/// Only what the change since `base` did: needed permissions added and removed, and
/// the findings that were not there at `base`.
fn against_base(
    base: &str,
    config: &Config,
    now: &RunResult,
    now_diffs: Vec<FunctionDiff>,
    current: &Current<'_>,
    now_roles: &BTreeMap<String, CurrentRole>,
    opts: &DiffOptions<'_>,
) -> Result<Vec<FunctionDiff>> {
    let paths = if config.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        config.paths.clone()
    };
    let anchor = paths
        .first()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(PathBuf::from).unwrap_or_default()
            }
        })
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let tree = git_tree::checkout(&anchor, base)?;
    let cwd = std::env::current_dir().context("the current folder")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let mut before_config = config.clone();
    before_config.paths = paths
        .iter()
        .filter_map(|p| tree.map(p))
        .filter(|p| p.exists())
        .collect();
    // Trail evidence is the same at both ends; read it once.
    before_config.cloudtrail = Default::default();
    let mut before = if before_config.paths.is_empty() {
        None
    } else {
        Some(pipeline::run(&before_config).with_context(|| format!("--base {base}"))?)
    };
    if let Some(b) = &mut before {
        for f in &mut b.functions {
            unmap_function(f, &tree, &cwd);
        }
    }
    let before_functions: Vec<&FunctionResult> = before.iter().flat_map(|b| &b.functions).collect();
    let before_roles: BTreeMap<String, CurrentRole> = match current.source {
        CurrentSource::Template => before_functions
            .iter()
            .map(|f| (f.spec.name.clone(), template::role(&f.spec)))
            .collect(),
        // The live role and the policy files are the same at both ends.
        _ => now_roles.clone(),
    };
    let catalog = Catalog::embedded();
    let mut before_diffs: BTreeMap<String, (FunctionDiff, &FunctionResult)> = BTreeMap::new();
    for f in &before_functions {
        let role = before_roles.get(&f.spec.name).cloned().unwrap_or_default();
        let d = diff_function(&f.spec.name, &f.policy, &role, catalog, opts);
        before_diffs.insert(f.spec.name.clone(), (d, f));
    }
    let mut out = Vec::new();
    for (d, f) in now_diffs.into_iter().zip(&now.functions) {
        let prior = before_diffs.remove(&f.spec.name);
        let change = changes(prior.as_ref().map(|(_, p)| &p.policy), Some(&f.policy));
        let mut kept = introduced(prior.as_ref().map(|(d, _)| d), d);
        let unchanged =
            change.is_empty() && kept.missing.is_empty() && kept.excess.is_empty() && kept.broader.is_empty();
        if unchanged {
            continue;
        }
        kept.changes = Some(change);
        out.push(kept);
    }
    // Functions the change removed.
    for (name, (d, f)) in before_diffs {
        out.push(FunctionDiff {
            name,
            role: d.role,
            missing: Vec::new(),
            excess: Vec::new(),
            broader: Vec::new(),
            conditional: Vec::new(),
            permissions_boundary: None,
            current: Known::Complete,
            policies: Vec::new(),
            changes: Some(Changes {
                added: Vec::new(),
                removed: changes(Some(&f.policy), None).removed,
            }),
            needed: Vec::new(),
            declared: None,
            diagnostics: Vec::new(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    drop(tree);
    Ok(out)
}

/// Paths of a run on the copy of REF, as the working tree names them.
fn unmap_function(f: &mut FunctionResult, tree: &Tree, cwd: &Path) {
    for p in f.policy.permissions.iter_mut().chain(f.policy.possible.iter_mut()) {
        for e in &mut p.evidence {
            if let Evidence::Static { file, .. } = e {
                *file = tree.unmap(file, cwd);
            }
        }
    }
    if let Some(t) = &f.spec.declared_in {
        f.spec.declared_in = Some(tree.unmap(t, cwd));
    }
    for p in &mut f.spec.current_policies {
        if let Some(file) = &p.file {
            p.file = Some(tree.unmap(file, cwd));
        }
    }
}

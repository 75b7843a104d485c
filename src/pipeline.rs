//! The composition of the stages for one run: discover functions, analyse their code,
//! gather evidence, resolve it through the graph, synthesise policies.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

mod cloudtrail;

pub use cloudtrail::CloudtrailConfig;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::evidence::{Need, platform, static_facts};
use crate::graph::{self, Bindings, EncryptedResources, FunctionInput, ResourceGraph};
use crate::policy::{FunctionPolicy, SynthesisOptions, synthesize};
use crate::sources::discover::{self, Definition, DiscoverError, FunctionSpec};
use crate::sources::template::cfn::Pseudo;
use crate::sources::{CodeFacts, Language, javascript, python};

/// What a run needs, resolved from the command line and config.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub env: BTreeMap<String, String>,
    pub synthesis: SynthesisOptions,
    pub cloudtrail: CloudtrailConfig,
    /// The repo's `leastpriv.toml`, when one was read: every report names it.
    pub config_file: Option<PathBuf>,
    /// Declarations the config adds (resources encrypted with a customer managed key).
    pub declared: Vec<Definition>,
}

/// Everything leastpriv concluded about one function.
#[derive(Debug)]
pub struct FunctionResult {
    pub spec: FunctionSpec,
    pub needs: Vec<Need>,
    pub policy: FunctionPolicy,
    pub diagnostics: Vec<Diagnostic>,
    /// What CloudTrail attributed to it, when `--cloudtrail` was given.
    pub cloudtrail: Option<crate::evidence::observed::FunctionObserved>,
    /// Calls made with credentials the code obtained (an assumed role): not in its policy.
    pub assumed_role_calls: Vec<crate::evidence::foreign::AssumedRoleCall>,
}

#[derive(Debug)]
pub struct RunResult {
    pub functions: Vec<FunctionResult>,
    pub graph: ResourceGraph,
    /// Diagnostics that belong to no single function (templates, discovery).
    pub diagnostics: Vec<Diagnostic>,
    /// What the CloudTrail sources held and where it went, when `--cloudtrail` was given.
    pub cloudtrail: Option<crate::evidence::observed::CloudtrailSummary>,
    /// Definitions that could not be read at all ([`discover::Discovery::unreadable`]):
    /// the functions they declare are missing.
    pub unreadable: Vec<PathBuf>,
    /// The `leastpriv.toml` the run used.
    pub config_file: Option<PathBuf>,
}

/// Why a run could not be done (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(transparent)]
    Cloudtrail(#[from] crate::sources::cloudtrail::CloudtrailError),
}

pub fn run(config: &Config) -> Result<RunResult, RunError> {
    run_with_progress(config, &crate::sources::cloudtrail::NoProgress)
}

/// A run that reports CloudTrail reading progress (the CLI draws it on a terminal).
pub fn run_with_progress(
    config: &Config,
    progress: &dyn crate::sources::cloudtrail::Progress,
) -> Result<RunResult, RunError> {
    let catalog = Catalog::embedded();
    let mut specs = Vec::new();
    let mut definitions = Vec::new();
    let mut diagnostics = Vec::new();
    let mut unreadable = Vec::new();
    let pseudo = Pseudo {
        account: config.synthesis.arn.account.clone(),
        region: config.synthesis.arn.region.clone(),
        partition: config.synthesis.arn.partition.clone(),
    };
    let paths = if config.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        config.paths.clone()
    };
    for path in &paths {
        let found = discover::discover(path, &pseudo)?;
        specs.extend(found.functions);
        definitions.extend(found.definitions);
        diagnostics.extend(found.diagnostics);
        unreadable.extend(found.unreadable);
    }
    // The config's declarations inform the rules, not the graph of what templates declare.
    let encrypted = EncryptedResources::new(definitions.iter().chain(&config.declared));
    let mut functions: Vec<FunctionResult> = by_code(specs)
        .into_par_iter()
        .flat_map_iter(|((root, files), members)| {
            // Each function's facts become its needs as soon as its group is analysed:
            // the facts of the whole run are never held at once.
            let facts = analyse_code(&root, &files, &members, catalog);
            members
                .into_iter()
                .zip(facts)
                .map(|(spec, facts)| analyse(spec, facts, config, catalog, &encrypted))
                .collect::<Vec<_>>()
        })
        .collect();
    functions.sort_by(|a, b| a.spec.name.cmp(&b.spec.name).then(a.spec.path.cmp(&b.spec.path)));
    let observed = cloudtrail::apply(&mut functions, config, catalog, &encrypted, progress)?.map(|(summary, diags)| {
        diagnostics.extend(diags);
        summary
    });
    let graph = build_graph(&definitions, &functions);
    Ok(RunResult {
        functions,
        graph,
        diagnostics,
        cloudtrail: observed,
        config_file: config.config_file.clone(),
        unreadable,
    })
}

/// The folder a function's local imports resolve in (CodeUri, the service folder).
fn code_root(spec: &FunctionSpec) -> PathBuf {
    if spec.root.as_os_str().is_empty() {
        spec.path.parent().map(PathBuf::from).unwrap_or_default()
    } else {
        spec.root.clone()
    }
}

/// Functions grouped by the code they share (the same root and files): handlers of one
/// file (`users.create`, `users.remove`) are analysed together.
fn by_code(specs: Vec<FunctionSpec>) -> BTreeMap<(PathBuf, Vec<PathBuf>), Vec<FunctionSpec>> {
    let mut groups: BTreeMap<(PathBuf, Vec<PathBuf>), Vec<FunctionSpec>> = BTreeMap::new();
    for spec in specs {
        groups
            .entry((code_root(&spec), spec.files.clone()))
            .or_default()
            .push(spec);
    }
    groups
}

/// The code facts of functions sharing `files`, one per function in order: the files
/// are parsed once, and each handler keeps only the calls it reaches.
fn analyse_code(root: &Path, files: &[PathBuf], members: &[FunctionSpec], catalog: &Catalog) -> Vec<CodeFacts> {
    let handlers: Vec<Option<&str>> = members.iter().map(|s| s.handler.as_deref()).collect();
    let (py, js): (Vec<PathBuf>, Vec<PathBuf>) = files
        .iter()
        .cloned()
        .partition(|f| Language::from_path(f) == Some(Language::Python));
    let mut out = vec![CodeFacts::default(); members.len()];
    for (python, files) in [(true, py), (false, js)] {
        if files.is_empty() {
            continue;
        }
        let facts = if python {
            python::analyze_handlers(root, &files, &handlers, catalog)
        } else {
            javascript::analyze_handlers(root, &files, &handlers, catalog)
        };
        for (o, f) in out.iter_mut().zip(facts) {
            o.calls.extend(f.calls);
            o.diagnostics.extend(f.diagnostics);
            o.files.extend(f.files);
        }
    }
    out
}

fn analyse(
    spec: FunctionSpec,
    facts: CodeFacts,
    config: &Config,
    catalog: &Catalog,
    encrypted: &EncryptedResources,
) -> FunctionResult {
    let mut needs = Vec::new();
    let mut diagnostics = facts.diagnostics;
    for call in &facts.calls {
        static_facts::needs_of_call(call, catalog, &mut needs, &mut diagnostics);
    }
    let assumed_role_calls = crate::evidence::foreign::assumed_role_calls(&facts.calls, catalog);
    crate::evidence::rules::session_resources::inherit(&mut needs);
    if let Some(d) = &spec.deployment {
        needs.extend(platform::needs(d));
    }
    needs.sort();
    needs.dedup();
    let env = config.synthesis.env_for(&spec.name, &config.env);
    let bindings = Bindings::for_function(&spec, &env);
    let options = config.synthesis.for_function(&spec.name);
    let companions = encrypted.companions(&needs, &bindings, &options.arn, spec.stack.as_deref());
    needs.extend(companions);
    needs.sort();
    needs.dedup();
    for need in &needs {
        let resolved = bindings.resolve(&need.resource);
        for note in bindings.notes(&need.resource) {
            let d = Diagnostic::warning(codes::UNRESOLVED_RESOURCE, note);
            if !diagnostics.contains(&d) {
                diagnostics.push(d);
            }
        }
        for var in resolved.env_vars() {
            let d = Diagnostic::warning(
                codes::UNBOUND_ENV_VAR,
                format!("environment variable {var} names a resource no template binds; pass --env {var}=VALUE"),
            );
            if !diagnostics.iter().any(|x| x.code == d.code && x.message == d.message) {
                diagnostics.push(d);
            }
        }
    }
    diagnostics.sort();
    diagnostics.dedup();
    let policy = synthesize(&needs, &bindings, catalog, &options);
    FunctionResult {
        spec,
        needs,
        policy,
        diagnostics,
        cloudtrail: None,
        assumed_role_calls,
    }
}

/// The graph of the run: each function with the resources its policy grants.
fn build_graph(definitions: &[Definition], functions: &[FunctionResult]) -> ResourceGraph {
    let inputs: Vec<FunctionInput<'_>> = functions
        .iter()
        .map(|f| FunctionInput {
            spec: &f.spec,
            reaches: f
                .policy
                .permissions
                .iter()
                .map(|p| (p.action.clone(), p.resources.clone()))
                .collect(),
            code: f
                .needs
                .iter()
                .filter_map(|n| match &n.evidence {
                    crate::evidence::Evidence::Static { path, .. } => Some(path.iter().cloned()),
                    _ => None,
                })
                .flatten()
                .collect(),
        })
        .collect();
    graph::build(definitions, &inputs)
}

//! The composition of the stages for one run: discover functions, analyse their code,
//! gather evidence, resolve it through the graph, synthesise policies.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::evidence::{Need, platform, static_facts};
use crate::graph::{Bindings, EdgeKind, NodeKind, ResourceGraph};
use crate::policy::{FunctionPolicy, SynthesisOptions, synthesize};
use crate::sources::discover::{self, DiscoverError, FunctionSpec};
use crate::sources::template::cfn::Pseudo;
use crate::sources::{CodeFacts, Language, javascript, python};

/// What a run needs, resolved from the command line and config.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub env: BTreeMap<String, String>,
    pub synthesis: SynthesisOptions,
}

/// Everything leastpriv concluded about one function.
#[derive(Debug)]
pub struct FunctionResult {
    pub spec: FunctionSpec,
    pub needs: Vec<Need>,
    pub policy: FunctionPolicy,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct RunResult {
    pub functions: Vec<FunctionResult>,
    pub graph: ResourceGraph,
    /// Diagnostics that belong to no single function (templates, discovery).
    pub diagnostics: Vec<Diagnostic>,
}

pub fn run(config: &Config) -> Result<RunResult, DiscoverError> {
    let catalog = Catalog::embedded();
    let mut specs = Vec::new();
    let mut diagnostics = Vec::new();
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
        diagnostics.extend(found.diagnostics);
    }
    let mut functions: Vec<FunctionResult> = specs
        .into_par_iter()
        .map(|spec| analyse(spec, config, catalog))
        .collect();
    functions.sort_by(|a, b| a.spec.name.cmp(&b.spec.name).then(a.spec.path.cmp(&b.spec.path)));
    let graph = build_graph(&functions);
    Ok(RunResult {
        functions,
        graph,
        diagnostics,
    })
}

fn analyse(spec: FunctionSpec, config: &Config, catalog: &Catalog) -> FunctionResult {
    let root = if spec.path.is_dir() {
        spec.path.clone()
    } else {
        spec.path.parent().map(PathBuf::from).unwrap_or_default()
    };
    let mut facts = CodeFacts::default();
    let (py, js): (Vec<PathBuf>, Vec<PathBuf>) = spec
        .files
        .iter()
        .cloned()
        .partition(|f| Language::from_path(f) == Some(Language::Python));
    if !py.is_empty() {
        let f = python::analyze_function(&root, &py, catalog);
        facts.calls.extend(f.calls);
        facts.diagnostics.extend(f.diagnostics);
    }
    if !js.is_empty() {
        let f = javascript::analyze_function(&root, &js, catalog);
        facts.calls.extend(f.calls);
        facts.diagnostics.extend(f.diagnostics);
    }
    let mut needs = Vec::new();
    let mut diagnostics = facts.diagnostics;
    for call in &facts.calls {
        static_facts::needs_of_call(call, catalog, &mut needs, &mut diagnostics);
    }
    if let Some(d) = &spec.deployment {
        needs.extend(platform::needs(d));
    }
    needs.sort();
    needs.dedup();
    let bindings = Bindings::new(&spec.environment, &config.env);
    for need in &needs {
        let resolved = bindings.resolve(&need.resource);
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
    let policy = synthesize(&needs, &bindings, catalog, &config.synthesis);
    FunctionResult {
        spec,
        needs,
        policy,
        diagnostics,
    }
}

fn build_graph(functions: &[FunctionResult]) -> ResourceGraph {
    let mut graph = ResourceGraph::default();
    for f in functions {
        let fnode = graph.node(NodeKind::Function, &f.spec.name, None);
        if let Some(role) = &f.spec.role {
            let r = graph.node(NodeKind::Role, role, None);
            graph.connect(fnode, r, EdgeKind::AssumesRole, []);
        }
        for p in &f.policy.permissions {
            for res in &p.resources {
                let r = graph.node(NodeKind::Resource, res, None);
                graph.connect(fnode, r, EdgeKind::Calls, [p.action.clone()]);
            }
        }
    }
    graph
}

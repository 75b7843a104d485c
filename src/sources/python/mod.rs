//! Python analysis (boto3): every SDK call a function's modules can make, with the
//! resource names the code gives, from tree-sitter syntax trees.
//!
//! Stages: [`imports`] loads the modules reachable through local imports, [`scopes`]
//! indexes what each scope binds, [`bindings`] and [`eval`] resolve what names and
//! expressions hold, [`calls`] matches each call to the operations it issues (with
//! [`clients`], [`resource_api`] and [`transfers`]), [`reach`] decides what each
//! handler reaches: functions sharing files each keep only their own calls.

mod binder;
mod bindings;
mod builtins;
mod calls;
mod classes;
mod clients;
mod eval;
mod functions;
mod hints;
mod imports;
mod kinds;
mod op;
mod params;
mod parse;
mod powertools;
mod reach;
mod resource_api;
mod responses;
mod scopes;
mod transfers;
mod value;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::catalog::boto3_resources::Boto3Resources;
use crate::sources::CodeFacts;

use bindings::Env;
use scopes::Scopes;

/// Analyses one function's Python files (entry first when known); follows local imports
/// within `root`, never outside it. Every handler-shaped function of the entry counts.
pub fn analyze_function(root: &Path, files: &[PathBuf], catalog: &Catalog) -> CodeFacts {
    analyze_handlers(root, files, &[None], catalog)
        .pop()
        .unwrap_or_default()
}

/// Analyses the files once for several handlers that share them (`users.create`,
/// `users.remove`): one [`CodeFacts`] per handler, in order, each holding only the
/// calls its handler reaches (`None`: every handler-shaped function).
pub fn analyze_handlers(
    root: &Path,
    files: &[PathBuf],
    handlers: &[Option<&str>],
    catalog: &Catalog,
) -> Vec<CodeFacts> {
    let mut loading = Vec::new();
    let (parsed, modules) = imports::load(root, files, &mut loading);
    analyze_parsed(&parsed, &modules, files, handlers, catalog)
        .into_iter()
        .map(|mut f| {
            let mut diagnostics = loading.clone();
            diagnostics.append(&mut f.diagnostics);
            f.diagnostics = diagnostics;
            f
        })
        .collect()
}

/// Analyses one module given as text, named `handler.py` (the fuzz targets' entry point:
/// nothing is read from disk, no import is followed).
pub fn analyze_source(source: &str, catalog: &Catalog) -> CodeFacts {
    let Some(tree) = parse::parse_source(source) else {
        return CodeFacts::default();
    };
    let path = PathBuf::from("handler.py");
    let parsed = vec![parse::ParsedFile {
        path: path.clone(),
        source: source.to_string(),
        tree,
    }];
    let modules = imports::ModuleTable {
        files: [("handler".to_string(), 0)].into_iter().collect(),
        names: vec!["handler".to_string()],
        ..imports::ModuleTable::default()
    };
    analyze_parsed(&parsed, &modules, &[path], &[None], catalog)
        .pop()
        .unwrap_or_default()
}

fn analyze_parsed(
    parsed: &[parse::ParsedFile],
    modules: &imports::ModuleTable,
    files: &[PathBuf],
    handlers: &[Option<&str>],
    catalog: &Catalog,
) -> Vec<CodeFacts> {
    let mut scopes = Scopes::default();
    for (i, file) in parsed.iter().enumerate() {
        scopes.add_file(i, &modules.names[i], file);
    }
    let models = Boto3Resources::embedded();
    let shape = Env::new(parsed, modules, &scopes, catalog, models);
    let graph = reach::Graph::new(&shape);
    // Per handler: what it reaches, and the warnings deciding that gave.
    let reaches: Vec<(reach::Reach, Vec<crate::diagnostics::Diagnostic>)> = handlers
        .iter()
        .map(|h| {
            let entry = crate::sources::Entry::of(*h);
            let mut diags = Vec::new();
            let reach = match reach::entry_module(&shape, files, entry) {
                Some(module) => {
                    let roots = reach::roots(&shape, &graph, module, entry, &mut diags);
                    reach::reach(&shape, &graph, &roots, &mut diags)
                }
                None => reach::Reach::everything(),
            };
            (reach, diags)
        })
        .collect();
    // What any handler of these files reaches: code only a neighbour reaches is not this
    // function's; code no handler reaches is reported as unreachable.
    let any = {
        let mut roots = Vec::new();
        let mut ignored = Vec::new();
        for h in handlers
            .iter()
            .map(|h| crate::sources::Entry::of(*h))
            .chain([crate::sources::Entry::Handlers])
        {
            if let Some(module) = reach::entry_module(&shape, files, h) {
                roots.extend(reach::roots(&shape, &graph, module, h, &mut ignored));
            }
        }
        if roots.is_empty() {
            reach::Reach::everything()
        } else {
            reach::reach(&shape, &graph, &roots, &mut ignored)
        }
    };
    reaches
        .into_iter()
        .map(|(reach, diagnostics)| {
            let mut facts = CodeFacts {
                diagnostics,
                files: parsed.iter().map(|f| f.path.clone()).collect(),
                ..CodeFacts::default()
            };
            let env = Env::new(parsed, modules, &scopes, catalog, models).with_live(reach.scopes());
            calls::scan(&env, &reach, &any, catalog, &mut facts);
            facts
        })
        .collect()
}

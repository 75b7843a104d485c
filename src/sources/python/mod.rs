//! Python analysis (boto3): every SDK call a function's modules can make, with the
//! resource names the code gives, from tree-sitter syntax trees.
//!
//! Stages: [`imports`] loads the modules reachable through local imports, [`scopes`]
//! indexes what each scope binds, [`bindings`] and [`eval`] resolve what names and
//! expressions hold, [`calls`] matches each call to the operations it issues (with
//! [`clients`], [`resource_api`] and [`transfers`]), [`reach`] marks what the handler
//! cannot reach.

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
/// within `root`, never outside it.
pub fn analyze_function(root: &Path, files: &[PathBuf], catalog: &Catalog) -> CodeFacts {
    let mut facts = CodeFacts::default();
    let (parsed, modules) = imports::load(root, files, &mut facts.diagnostics);
    analyze_parsed(&parsed, &modules, files, catalog, &mut facts);
    facts
}

/// Analyses one module given as text, named `handler.py` (the fuzz targets' entry point:
/// nothing is read from disk, no import is followed).
pub fn analyze_source(source: &str, catalog: &Catalog) -> CodeFacts {
    let mut facts = CodeFacts::default();
    let Some(tree) = parse::parse_source(source) else {
        return facts;
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
    analyze_parsed(&parsed, &modules, &[path], catalog, &mut facts);
    facts
}

fn analyze_parsed(
    parsed: &[parse::ParsedFile],
    modules: &imports::ModuleTable,
    files: &[PathBuf],
    catalog: &Catalog,
    facts: &mut CodeFacts,
) {
    facts.files = parsed.iter().map(|f| f.path.clone()).collect();
    let mut scopes = Scopes::default();
    for (i, file) in parsed.iter().enumerate() {
        scopes.add_file(i, &modules.names[i], file);
    }
    let env = Env::new(parsed, modules, &scopes, catalog, Boto3Resources::embedded());
    let entry = reach::entry_module(&env, files);
    let unreachable = reach::unreachable(&env, entry);
    calls::scan(&env, &unreachable, catalog, facts);
}

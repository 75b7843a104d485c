//! JavaScript and TypeScript analysis (AWS SDK v2 and v3): the function's files and the
//! local modules they import are parsed, names are resolved across them, and every SDK
//! call becomes an [`SdkCall`](crate::sources::SdkCall); what cannot be known is a warning.
//!
//! Layout: `parse` (files → trees), `imports` (module graph), `exports` (what a module
//! exports), `bindings` + `declarations` (scopes: what a name is), `eval` + `functions`
//! (what an expression may be, calls followed with their arguments), `values` + `sdk`
//! (the value model and the SDK's exports), `hints` (strings → resource hints), `params`
//! (input objects), `calls` (call matching), `helpers` (uploads, presigners, paginators,
//! waiters, credential providers), `powertools` (Powertools parameters and idempotency),
//! `outputs` (names one call returns and the next passes), `reach` (helpers nothing calls).

mod bindings;
mod builtins;
mod calls;
mod declarations;
mod eval;
mod exports;
mod functions;
mod helpers;
mod hints;
mod imports;
mod outputs;
mod params;
mod parse;
mod powertools;
mod reach;
mod sdk;
mod syntax;
mod values;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use tree_sitter::Node;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{CodeFacts, SdkCall, walk};

use self::calls::Found;
use self::eval::Eval;
use self::imports::{Resolution, Specifier};
use self::parse::ParsedFile;
use self::values::{At, FileId, Sdk};

/// Most files one function's module graph may hold.
const MAX_FILES: usize = 2_000;

/// Analyses one function's JS/TS files (entry first when known); every export of the
/// entry files counts as a handler.
pub fn analyze_function(root: &Path, files: &[PathBuf], catalog: &Catalog) -> CodeFacts {
    analyze_handlers(root, files, &[None], catalog)
        .pop()
        .unwrap_or_default()
}

/// Analyses the files once for several handlers that share them (`users.create`,
/// `users.remove`): one [`CodeFacts`] per handler, in order, each holding only the
/// calls its handler reaches (`None`: every export of the entry files).
pub fn analyze_handlers(
    root: &Path,
    files: &[PathBuf],
    handlers: &[Option<&str>],
    catalog: &Catalog,
) -> Vec<CodeFacts> {
    let mut diagnostics = Vec::new();
    let (parsed, links, specs) = load(root, files, &mut diagnostics);
    let entries: Vec<FileId> = files
        .iter()
        .filter_map(|f| {
            let f = imports::normalize(f);
            parsed.iter().position(|p| p.path == f)
        })
        .collect();
    analyze_parsed(parsed, links, specs, diagnostics, &entries, handlers, catalog)
}

/// Analyses one module given as text, named `handler.ts` or `handler.js` by `typescript`
/// (the fuzz targets' entry point: nothing is read from disk, no import is followed).
pub fn analyze_source(source: &str, typescript: bool, catalog: &Catalog) -> CodeFacts {
    let mut diagnostics = Vec::new();
    let path = PathBuf::from(if typescript { "handler.ts" } else { "handler.js" });
    let Some(grammar) = parse::Grammar::for_path(&path) else {
        return CodeFacts::default();
    };
    let Some(file) = parse::parse_source(path, source.to_string(), grammar, &mut diagnostics) else {
        return CodeFacts {
            diagnostics,
            ..CodeFacts::default()
        };
    };
    let specs = vec![imports::specifiers(&file)];
    analyze_parsed(
        vec![file],
        vec![HashMap::new()],
        specs,
        diagnostics,
        &[0],
        &[None],
        catalog,
    )
    .pop()
    .unwrap_or_default()
}

fn analyze_parsed(
    parsed: Vec<ParsedFile>,
    links: Links,
    specs: Vec<Vec<Specifier>>,
    mut diagnostics: Vec<Diagnostic>,
    entries: &[FileId],
    handlers: &[Option<&str>],
    catalog: &Catalog,
) -> Vec<CodeFacts> {
    let paths: Vec<PathBuf> = parsed.iter().map(|f| f.path.clone()).collect();
    unknown_packages(&parsed, &specs, catalog, &mut diagnostics);

    let graph = reach::Graph::new(&parsed, &links);
    let mut ev = Eval::new(&parsed, links, catalog);
    let nodes: Vec<Vec<Node<'_>>> = parsed.iter().map(call_nodes).collect();
    ev.index_callsites(&nodes);

    let uses_v2 = specs
        .iter()
        .flatten()
        .any(|s| s.spec == "aws-sdk" || s.spec.starts_with("aws-sdk/"));
    let mut found = Found {
        uses_v2,
        ..Found::default()
    };
    let mut news = Vec::new();
    for (file, list) in nodes.iter().enumerate() {
        for node in list {
            let at = At::new(file, *node);
            calls::match_node(&ev, at, &mut found);
            if node.kind() == syntax::NEW_EXPRESSION {
                news.push(at);
            }
        }
    }
    calls::unsent_commands(&ev, &news, &mut found);

    // Per handler, only the calls it reaches; what only a neighbour reaches is dropped,
    // what no handler reaches is kept as unreachable.
    let entry_path = entries.first().map(|f| parsed[*f].path.clone()).unwrap_or_default();
    let mut ignored = Vec::new();
    let mut all_roots = graph.roots(entries, crate::sources::Entry::Handlers, &entry_path, &mut ignored);
    for h in handlers {
        all_roots.extend(graph.roots(entries, crate::sources::Entry::of(*h), &entry_path, &mut ignored));
    }
    let any = graph.reach(all_roots, &parsed, &mut ignored);
    // Where each warning points in the code, found once for every handler.
    let warning_places: Vec<Option<(FileId, usize)>> = found
        .diagnostics
        .iter()
        .map(|d| {
            let (path, line) = d.file.as_ref().zip(d.line)?;
            let file = parsed.iter().position(|p| &p.path == path)?;
            Some((file, parsed[file].line_start(line)?))
        })
        .collect();
    let found_calls = std::mem::take(&mut found.calls);
    let mut spare = Some(found_calls);
    let last = handlers.len().saturating_sub(1);
    handlers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            // The last handler takes the calls; the others copy them.
            let all_calls: Vec<SdkCall> = if i == last {
                spare.take().unwrap_or_default()
            } else {
                spare.clone().unwrap_or_default()
            };
            let mut diags = diagnostics.clone();
            let roots = graph.roots(entries, crate::sources::Entry::of(*h), &entry_path, &mut diags);
            let reach = graph.reach(roots, &parsed, &mut diags);
            // A warning about code only a neighbouring handler runs is not this one's.
            for (d, place) in found.diagnostics.iter().zip(&warning_places) {
                let neighbours = place.is_some_and(|(file, at)| {
                    graph.status(file, at, &reach, &any, &parsed) == reach::Status::Neighbour
                });
                if !neighbours {
                    diags.push(d.clone());
                }
            }
            let mut calls = Vec::new();
            for (mut call, (file, start, _)) in all_calls.into_iter().zip(&found.origins) {
                let status = graph.status(*file, *start, &reach, &any, &parsed);
                match status {
                    reach::Status::Live(path) => call.path = path,
                    reach::Status::Neighbour => continue,
                    reach::Status::Dead => call.unreachable = true,
                }
                calls.push(call);
            }
            diags.sort();
            diags.dedup();
            CodeFacts {
                calls: tidy(calls),
                diagnostics: diags,
                files: paths.clone(),
            }
        })
        .collect()
}

/// Per file: the local modules its specifiers name.
type Links = Vec<HashMap<String, FileId>>;

/// Parses the given files and every local module they import, breadth first.
fn load(
    root: &Path,
    files: &[PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<ParsedFile>, Links, Vec<Vec<Specifier>>) {
    let mut queue: VecDeque<PathBuf> = files.iter().map(|f| imports::normalize(f)).collect();
    let mut index: HashMap<PathBuf, FileId> = HashMap::new();
    let mut parsed: Vec<ParsedFile> = Vec::new();
    let mut pending: Vec<(FileId, String, PathBuf)> = Vec::new();
    let mut all_specs = Vec::new();
    while let Some(path) = queue.pop_front() {
        if index.contains_key(&path) || parsed.len() >= MAX_FILES || skipped(&path) {
            continue;
        }
        let Some(file) = parse::parse_file(&path, diagnostics) else {
            continue;
        };
        let id = parsed.len();
        index.insert(path.clone(), id);
        let specs = imports::specifiers(&file);
        for spec in &specs {
            if !imports::is_relative(&spec.spec) {
                continue;
            }
            match imports::resolve_relative(&path, &spec.spec, root) {
                Resolution::Local(target) => {
                    let target = imports::normalize(&target);
                    queue.push_back(target.clone());
                    pending.push((id, spec.spec.clone(), target));
                }
                Resolution::Outside => diagnostics.push(
                    Diagnostic::warning(
                        codes::UNREADABLE_FILE,
                        format!("`{}` is outside the function's folder: not analysed", spec.spec),
                    )
                    .at(&path, Some(spec.line)),
                ),
                Resolution::Missing => diagnostics.push(
                    Diagnostic::warning(
                        codes::UNREADABLE_FILE,
                        format!("local module `{}` not found", spec.spec),
                    )
                    .at(&path, Some(spec.line)),
                ),
            }
        }
        parsed.push(file);
        all_specs.push(specs);
    }
    let mut links = vec![HashMap::new(); parsed.len()];
    for (from, spec, target) in pending {
        if let Some(&to) = index.get(&target) {
            links[from].insert(spec, to);
        }
    }
    (parsed, links, all_specs)
}

/// Dependencies, declaration files and non-JS files are not the function's code.
fn skipped(path: &Path) -> bool {
    let in_dependencies = path
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(walk::is_skipped_dir));
    let declaration = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".d.ts"));
    in_dependencies || declaration || parse::Grammar::for_path(path).is_none()
}

/// Every call and `new` expression of a file, in source order.
fn call_nodes(file: &ParsedFile) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    syntax::walk(file.root(), |n, enter| {
        if enter && matches!(n.kind(), syntax::CALL_EXPRESSION | syntax::NEW_EXPRESSION) {
            out.push(n);
        }
        enter
    });
    out
}

/// `@aws-sdk/client-x` packages the catalog does not know.
fn unknown_packages(
    files: &[ParsedFile],
    specs: &[Vec<Specifier>],
    catalog: &Catalog,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (f, specs) in files.iter().zip(specs) {
        for spec in specs {
            if let Some(Sdk::UnknownService(pkg)) = sdk::package(&spec.spec, catalog) {
                diagnostics.push(
                    Diagnostic::warning(
                        codes::UNKNOWN_SERVICE,
                        format!("`{pkg}` is not a service the catalog knows; its calls are not analysed"),
                    )
                    .at(&f.path, Some(spec.line)),
                );
            }
        }
    }
}

/// Sorted by place, duplicates removed; a call seen both with and without foreign
/// credentials keeps the function's own (it may run with them).
fn tidy(calls: Vec<SdkCall>) -> Vec<SdkCall> {
    // One call per place: the chains that reach it differ only in how (a bundle's one
    // line reached from 40,000 functions keeps one chain, the shortest).
    let mut merged: BTreeMap<SdkCall, (bool, Vec<crate::sources::Hop>)> = BTreeMap::new();
    for mut c in calls {
        for hints in c.params.values_mut() {
            hints.sort();
            hints.dedup();
        }
        let foreign = c.foreign_credentials;
        c.foreign_credentials = false;
        let path = std::mem::take(&mut c.path);
        merged
            .entry(c)
            .and_modify(|(f, p)| {
                *f &= foreign;
                if (path.len(), &path) < (p.len(), &*p) {
                    *p = path.clone();
                }
            })
            .or_insert((foreign, path));
    }
    let mut out: Vec<SdkCall> = merged
        .into_iter()
        .map(|(mut c, (foreign, path))| {
            c.foreign_credentials = foreign;
            c.path = path;
            c
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.file, a.line, &a.call)
            .cmp(&(&b.file, b.line, &b.call))
            .then_with(|| a.cmp(b))
    });
    out
}

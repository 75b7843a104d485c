//! Reachability from one handler over the function's own modules: which function
//! bodies run when Lambda calls `file.name`. Every top-level statement is attributed to
//! what it defines (`export const create = ...`, `module.exports.remove = ...`,
//! `const handler = middy(impl)`, `app.get('/', h)` registers `h` on `app`); a name the
//! code uses reaches what defines it, in any of the function's files (by name: two
//! helpers of one name are both reached, which grants more, never less); a property
//! (`db.putUser`, `this.save`) reaches other modules' exports of that name, and the
//! methods of that name of the classes the handler reaches. Top-level code runs for
//! every handler. Each reached body keeps what reached
//! it, so a call's chain can be shown.
//!
//! [`attribution`] builds the graph from the syntax (who owns each top-level statement,
//! what each body uses); this module walks it for one handler.

mod attribution;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::parse::ParsedFile;
use super::syntax;
use super::values::FileId;
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{Entry, Hop};

/// Longest chain reported from a handler to a call.
const MAX_PATH: usize = 16;
/// Longest name indexed (longer identifiers are not names a handler uses).
const MAX_NAME: usize = 128;

/// What a top-level statement (or part of one) defines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// A module-level binding or an export (`create`, `default`).
    Name(String),
    /// A method, object member or prototype property (`save` of `repo.save`).
    Member(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A file's top-level code: runs for every handler.
    Top(FileId),
    /// A function body (by node id).
    Func(FileId, usize),
    /// A class (by node id): its constructor, field initialisers and heritage.
    Class(FileId, usize),
    /// What a file defines under one owner.
    Owned(FileId, Owner),
    /// A use of a name, anywhere.
    Name(String),
    /// A use of a property, from a file.
    Member(FileId, String),
}

/// A function body's place, for chains.
#[derive(Debug, Clone)]
struct FuncInfo {
    name: String,
    line: u32,
    start: usize,
    end: usize,
}

/// Where a function body is, for finding the one around a call.
#[derive(Debug, Clone)]
struct Span {
    start: usize,
    end: usize,
    id: usize,
    /// The index of the span around this one.
    parent: Option<usize>,
}

/// `x[name]()` with a name the code computes.
#[derive(Debug, Clone)]
struct Dynamic {
    file: FileId,
    line: u32,
    text: String,
    /// The modules whose exports may be chosen.
    modules: Vec<FileId>,
}

/// The reference graph of the function's files, built once per set of files.
#[derive(Debug, Default)]
pub struct Graph {
    edges: HashMap<Key, Vec<Key>>,
    funcs: BTreeMap<(FileId, usize), FuncInfo>,
    /// The line each owner's first part starts on (a handler's place in a chain).
    owner_lines: HashMap<(FileId, Owner), u32>,
    /// Owners each file defines.
    owners: BTreeMap<FileId, BTreeSet<Owner>>,
    /// Names each file exports.
    exported: HashMap<FileId, BTreeSet<String>>,
    /// Files defining each name / member.
    name_files: HashMap<String, Vec<FileId>>,
    member_files: HashMap<String, Vec<FileId>>,
    /// Names bound to a whole local module (`import * as m`, `const m = require("./m")`):
    /// file → name → the module's file.
    namespaces: HashMap<FileId, HashMap<String, FileId>>,
    /// Per file: the local modules its specifiers name.
    links: Vec<HashMap<String, FileId>>,
    dynamic: HashMap<Key, Vec<Dynamic>>,
    /// Function bodies by file, ordered by start.
    spans: HashMap<FileId, Vec<Span>>,
    /// Method name → (its class, its body): reached when both the class and a use of
    /// the name are.
    gated: HashMap<String, Vec<(Key, Key)>>,
    /// `export * from "./m"`: the modules each file re-exports whole.
    star_exports: HashMap<FileId, Vec<FileId>>,
    files: usize,
}

/// What one entry reaches.
#[derive(Debug, Default)]
pub struct Reach {
    /// Each reached key once, in the order reached, with the index of what reached it.
    keys: Vec<(Key, Option<u32>)>,
    index: HashMap<Key, u32>,
}

impl Reach {
    fn contains(&self, key: &Key) -> bool {
        self.index.contains_key(key)
    }

    /// What reached `key`, when something did (not a root).
    fn parent(&self, key: &Key) -> Option<&Key> {
        let i = *self.index.get(key)?;
        let p = self.keys[i as usize].1?;
        Some(&self.keys[p as usize].0)
    }

    /// Marks `key` reached from `parent`; its index when it is new.
    fn discover(&mut self, key: Key, parent: Option<u32>) -> Option<u32> {
        if self.index.contains_key(&key) {
            return None;
        }
        let i = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.index.insert(key.clone(), i);
        self.keys.push((key, parent));
        Some(i)
    }
}

/// Where a call sits with respect to one handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The handler reaches it, through these hops (empty for top-level code).
    Live(Vec<Hop>),
    /// Only another handler of the same files reaches it: not this function's.
    Neighbour,
    /// No handler reaches it.
    Dead,
}

impl Graph {
    pub fn new(files: &[ParsedFile], links: &[HashMap<String, FileId>]) -> Graph {
        let mut g = Graph {
            files: files.len(),
            links: links.to_vec(),
            ..Graph::default()
        };
        for (id, file) in files.iter().enumerate() {
            for stmt in syntax::named_children(file.root()) {
                g.statement(id, file, stmt);
            }
        }
        for (file, owners) in &g.owners {
            for o in owners {
                let (index, n) = match o {
                    Owner::Name(n) => (&mut g.name_files, n),
                    Owner::Member(n) => (&mut g.member_files, n),
                };
                index.entry(n.clone()).or_default().push(*file);
            }
        }
        for v in g.name_files.values_mut().chain(g.member_files.values_mut()) {
            v.sort_unstable();
            v.dedup();
        }
        g.index_spans();
        g
    }

    /// The code `entry` starts from in the entry files (`entries`, first the handler's
    /// file): every file's top-level code and the handler (or every export).
    pub fn roots(
        &self,
        entries: &[FileId],
        entry: Entry<'_>,
        path: &std::path::Path,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Key> {
        let mut out: Vec<Key> = (0..self.files).map(Key::Top).collect();
        // No handler named: every export of the entry files, with every method of the
        // classes and objects they define (anything may call them).
        let handlers = |out: &mut Vec<Key>| {
            for f in entries {
                let owners = self.owners.get(f).into_iter().flatten();
                match self.exported.get(f) {
                    Some(names) => {
                        out.extend(names.iter().map(|n| Key::Owned(*f, Owner::Name(n.clone()))));
                        let methods = self.gated.values().flatten().map(|(_, body)| body);
                        out.extend(methods.filter(|b| matches!(b, Key::Func(bf, _) if bf == f)).cloned());
                        out.extend(
                            owners
                                .filter(|o| matches!(o, Owner::Member(_)))
                                .map(|o| Key::Owned(*f, o.clone())),
                        );
                    }
                    // A script that exports nothing: all of it.
                    None => out.extend(owners.map(|o| Key::Owned(*f, o.clone()))),
                }
            }
        };
        match (entry, entries.first()) {
            (Entry::Symbol(name), Some(f)) => {
                let owner = Owner::Name(name.to_string());
                let starred: Vec<FileId> = self
                    .star_exports
                    .get(f)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|t| self.owners.get(t).is_some_and(|o| o.contains(&owner)))
                    .collect();
                if self.owners.get(f).is_some_and(|o| o.contains(&owner)) {
                    out.push(Key::Owned(*f, owner));
                } else if !starred.is_empty() {
                    out.extend(starred.into_iter().map(|t| Key::Owned(t, owner.clone())));
                } else if self.exported.get(f).is_some_and(|e| e.contains("default")) {
                    // `module.exports = handlers`: the member of what it exports.
                    out.push(Key::Owned(*f, Owner::Name("default".into())));
                    out.push(Key::Member(*f, name.to_string()));
                } else {
                    diags.push(
                        Diagnostic::warning(
                            codes::MISSING_HANDLER,
                            format!(
                                "handler `{}` is not exported by {}; every export of the file counts",
                                crate::sources::sdk_call::shown_name(name),
                                path.display()
                            ),
                        )
                        .at(path, None),
                    );
                    handlers(&mut out);
                }
            }
            _ => handlers(&mut out),
        }
        out
    }

    /// Everything `roots` reach; a computed member of the module's own exports or of a
    /// local module (`handlers[event.type]()`) reaches all of them, with a warning.
    pub fn reach(&self, roots: Vec<Key>, files: &[ParsedFile], diags: &mut Vec<Diagnostic>) -> Reach {
        // Breadth first, each key marked when first found: it keeps its shortest chain.
        let mut reach = Reach::default();
        let mut queue: VecDeque<u32> = roots.into_iter().filter_map(|r| reach.discover(r, None)).collect();
        // Methods whose name was used before their class was reached: class → (use, body).
        let mut waiting: HashMap<Key, Vec<(u32, Key)>> = HashMap::new();
        while let Some(at) = queue.pop_front() {
            let key = reach.keys[at as usize].0.clone();
            let mut next: Vec<Key> = self.edges.get(&key).cloned().unwrap_or_default();
            match &key {
                Key::Name(n) => {
                    for f in self.name_files.get(n).into_iter().flatten() {
                        next.push(Key::Owned(*f, Owner::Name(n.clone())));
                    }
                }
                Key::Member(from_file, n) => {
                    for f in self.member_files.get(n).into_iter().flatten() {
                        next.push(Key::Owned(*f, Owner::Member(n.clone())));
                    }
                    for (class, body) in self.gated.get(n).into_iter().flatten() {
                        if reach.contains(class) {
                            next.push(body.clone());
                        } else {
                            waiting.entry(class.clone()).or_default().push((at, body.clone()));
                        }
                    }
                    for f in self.name_files.get(n).into_iter().flatten().filter(|f| *f != from_file) {
                        next.push(Key::Owned(*f, Owner::Name(n.clone())));
                    }
                }
                Key::Class(..) => {
                    for (used, body) in waiting.remove(&key).unwrap_or_default() {
                        queue.extend(reach.discover(body, Some(used)));
                    }
                }
                _ => {}
            }
            for d in self.dynamic.get(&key).into_iter().flatten() {
                for f in &d.modules {
                    for name in self.exported.get(f).into_iter().flatten() {
                        next.push(Key::Owned(*f, Owner::Name(name.clone())));
                    }
                }
                let path = &files[d.file].path;
                diags.push(
                    Diagnostic::warning(
                        codes::DYNAMIC_DISPATCH,
                        format!(
                            "`{}`: the function is chosen at run time; every export of {} counts for this handler",
                            d.text,
                            d.modules
                                .iter()
                                .map(|m| files[*m].path.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .at(path, Some(d.line)),
                );
            }
            for n in next {
                queue.extend(reach.discover(n, Some(at)));
            }
        }
        reach
    }

    /// Where the call `node` of `file` sits for `reach`; `any` is what every handler of
    /// the same files reaches together.
    pub fn status(&self, file: FileId, at: usize, reach: &Reach, any: &Reach, files: &[ParsedFile]) -> Status {
        let Some(func) = self.enclosing_function(file, at) else {
            return Status::Live(Vec::new());
        };
        let key = Key::Func(file, func);
        if reach.contains(&key) {
            Status::Live(self.path(&key, reach, files))
        } else if any.contains(&key) {
            Status::Neighbour
        } else {
            Status::Dead
        }
    }

    /// The innermost function body around byte `at` of `file` (bodies nest, so it is
    /// the last one starting at or before `at` that holds it, or one around that).
    fn enclosing_function(&self, file: FileId, at: usize) -> Option<usize> {
        let spans = self.spans.get(&file)?;
        let mut i = spans.partition_point(|s| s.start <= at).checked_sub(1)?;
        loop {
            let s = &spans[i];
            if at < s.end {
                return Some(s.id);
            }
            i = s.parent?;
        }
    }

    /// Indexes function bodies by place, each with the body around it.
    fn index_spans(&mut self) {
        let mut by_file: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
        for ((file, id), info) in &self.funcs {
            by_file.entry(*file).or_default().push(Span {
                start: info.start,
                end: info.end,
                id: *id,
                parent: None,
            });
        }
        for spans in by_file.values_mut() {
            spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.id));
            let mut open: Vec<usize> = Vec::new();
            for i in 0..spans.len() {
                while open.last().is_some_and(|&o| spans[o].end <= spans[i].start) {
                    open.pop();
                }
                spans[i].parent = open.last().copied();
                open.push(i);
            }
        }
        self.spans = by_file.into_iter().collect();
    }

    fn path(&self, key: &Key, reach: &Reach, files: &[ParsedFile]) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut cur = Some(key.clone());
        let mut steps = 0;
        while let Some(k) = cur {
            steps += 1;
            if hops.len() >= MAX_PATH || steps > 4 * MAX_PATH {
                break;
            }
            let parent = reach.parent(&k).cloned();
            match &k {
                Key::Func(f, id) => {
                    if let Some(info) = self.funcs.get(&(*f, *id)) {
                        hops.push(Hop {
                            name: info.name.clone(),
                            file: files[*f].path.clone(),
                            line: info.line,
                        });
                    }
                }
                // The handler itself, when it is not a function of its own (`middy(impl)`).
                Key::Owned(f, o @ Owner::Name(name)) if parent.is_none() => {
                    let line = self.owner_lines.get(&(*f, o.clone())).copied().unwrap_or(1);
                    let duplicate = hops
                        .last()
                        .is_some_and(|h: &Hop| h.line == line && h.file == files[*f].path);
                    if !duplicate {
                        hops.push(Hop {
                            name: name.clone(),
                            file: files[*f].path.clone(),
                            line,
                        });
                    }
                }
                _ => {}
            }
            cur = parent;
        }
        hops.reverse();
        hops
    }
}

//! Dead helpers: named functions of a module that nothing refers to (not called, not
//! passed, not exported), directly or through other dead helpers. Calls inside them are
//! marked `unreachable`; they are still reported.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;

use tree_sitter::Node;

use super::bindings::DeclKind;
use super::eval::Eval;
use super::syntax::{self, *};
use super::values::FileId;

/// Byte ranges of dead functions, per file: outermost only, sorted, disjoint.
#[derive(Debug, Default)]
pub struct Dead {
    ranges: HashMap<FileId, Vec<Range<usize>>>,
}

impl Dead {
    /// Whether `node` sits inside one of the dead functions.
    pub fn contains(&self, file: FileId, node: Node<'_>) -> bool {
        let Some(ranges) = self.ranges.get(&file) else {
            return false;
        };
        let after = ranges.partition_point(|r| r.start <= node.start_byte());
        after > 0 && node.end_byte() <= ranges[after - 1].end
    }
}

/// The functions nothing reachable refers to.
pub fn dead_functions(ev: &Eval<'_>) -> Dead {
    let mut dead: HashMap<FileId, Vec<Range<usize>>> = HashMap::new();
    for (file, parsed) in ev.files.iter().enumerate() {
        let bindings = &ev.bindings[file];
        // Named functions not exported: decl index → function node.
        let mut candidates: HashMap<usize, Node<'_>> = HashMap::new();
        let mut by_node: HashMap<usize, usize> = HashMap::new();
        let mut idx = 0;
        while let Some(decl) = bindings.try_decl(idx) {
            let func = match &decl.kind {
                DeclKind::Function(n) if matches!(n.kind(), FUNCTION_DECLARATION | GENERATOR_FUNCTION_DECLARATION) => {
                    Some(*n)
                }
                DeclKind::Var { init: Some(init), path } if path.is_empty() => {
                    let inner = syntax::unwrap_expr(*init);
                    syntax::is_function(inner.kind()).then_some(inner)
                }
                _ => None,
            };
            if let Some(func) = func
                && !decl.exported
            {
                candidates.insert(idx, func);
                by_node.insert(func.id(), idx);
            }
            idx += 1;
        }
        if candidates.is_empty() {
            continue;
        }
        // Who refers to each candidate: `None` = code outside every candidate (a root).
        let mut referrers: BTreeMap<usize, Vec<Option<usize>>> = BTreeMap::new();
        let mut inside: Vec<(usize, usize)> = Vec::new(); // (function node id, decl index)
        syntax::walk(parsed.root(), |n, enter| {
            if !enter {
                if inside.last().is_some_and(|(id, _)| *id == n.id()) {
                    inside.pop();
                }
                return false;
            }
            if let Some(d) = by_node.get(&n.id()) {
                inside.push((n.id(), *d));
            }
            if matches!(n.kind(), IDENTIFIER | SHORTHAND_PROPERTY_IDENTIFIER) {
                for d in bindings.resolve(n, parsed.text(n)) {
                    if candidates.contains_key(&d) && bindings.decl(d).ident.id() != n.id() {
                        let from = inside.last().map(|(_, d)| *d);
                        referrers.entry(d).or_default().push(from);
                    }
                }
            }
            true
        });
        let mut live: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut edges: HashMap<usize, Vec<usize>> = HashMap::new();
        for (d, from) in &referrers {
            for f in from {
                match f {
                    None => {
                        if live.insert(*d) {
                            queue.push_back(*d);
                        }
                    }
                    Some(g) => edges.entry(*g).or_default().push(*d),
                }
            }
        }
        while let Some(l) = queue.pop_front() {
            for d in edges.get(&l).map(Vec::as_slice).unwrap_or(&[]) {
                if live.insert(*d) {
                    queue.push_back(*d);
                }
            }
        }
        let mut ranges: Vec<Range<usize>> = candidates
            .iter()
            .filter(|(d, _)| !live.contains(d))
            .map(|(_, f)| f.byte_range())
            .collect();
        ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        let mut outer: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            if outer.last().is_none_or(|o| r.start >= o.end) {
                outer.push(r);
            }
        }
        if !outer.is_empty() {
            dead.insert(file, outer);
        }
    }
    Dead { ranges: dead }
}

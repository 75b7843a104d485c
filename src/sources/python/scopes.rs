//! The syntactic index of a function's modules: every scope (module, function, lambda,
//! class), the names each binds and from what expression, parameters, returns, the
//! `self.x` attributes of classes, and the calls each scope makes. Purely syntactic:
//! what the names mean is [`super::bindings`]'s job.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use super::binder::Builder;
use super::imports::ImportBinding;
use super::parse::ParsedFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Positional,
    KeywordOnly,
    VarArgs,
    KwArgs,
}

#[derive(Debug, Clone)]
pub struct Param<'t> {
    pub name: String,
    pub default: Option<Node<'t>>,
    pub kind: ParamKind,
}

/// How a name gets a value.
#[derive(Debug, Clone)]
pub enum Binding<'t> {
    /// `x = expr`, `x := expr`.
    Expr(Node<'t>),
    /// `a, b = expr`: the element at this index path.
    Item(Node<'t>, Vec<usize>),
    /// `for x in expr`: an element of the iterable, then the index path.
    Iter(Node<'t>, Vec<usize>),
    /// `with expr as x`.
    With(Node<'t>),
    /// `x += expr`.
    AugAdd(Node<'t>),
    Param(usize),
    Import(ImportBinding),
    Def(ScopeId),
    /// `x[key] = value`: adds an entry to the dict `x` holds.
    SetItem(Node<'t>, Node<'t>),
    /// `x.append(v)` / `x.add(v)`: adds an element to the list `x` holds.
    Append(Node<'t>),
    /// `except E as x`, `*rest` and other values the analysis does not model.
    Unknown,
}

/// A binding and the scope its expression is evaluated in (a `global` assignment lives
/// in the module but is evaluated in its function).
#[derive(Debug, Clone)]
pub struct Bound<'t> {
    pub scope: ScopeId,
    pub binding: Binding<'t>,
}

#[derive(Debug)]
pub struct Scope<'t> {
    pub kind: ScopeKind,
    pub file: usize,
    pub module: String,
    pub parent: Option<ScopeId>,
    pub name: String,
    /// The line its `def`/`class`/`lambda` starts on (1 for a module).
    pub line: u32,
    pub names: BTreeMap<String, Vec<Bound<'t>>>,
    pub globals: BTreeSet<String>,
    pub params: Vec<Param<'t>>,
    pub returns: Vec<Node<'t>>,
    /// `yield x` (false) and `yield from x` (true).
    pub yields: Vec<(Node<'t>, bool)>,
    /// Last names of the decorators (`lru_cache`, `staticmethod`, `property`).
    pub decorators: Vec<String>,
    /// The class whose body defines this function.
    pub method_of: Option<ScopeId>,
    pub bases: Vec<Node<'t>>,
    /// Classes: `self.x = ...` assignments in their methods.
    pub self_attrs: BTreeMap<String, Vec<Bound<'t>>>,
    /// Classes: annotated class-level names in order (dataclass / NamedTuple fields).
    pub fields: Vec<String>,
    /// Calls made directly in this scope (not in nested ones), in source order.
    pub calls: Vec<Node<'t>>,
    /// Attribute reads (for resource attributes that load their resource).
    pub attributes: Vec<Node<'t>>,
    /// Iterables of `for` loops and comprehensions.
    pub iterables: Vec<Node<'t>>,
    /// Identifiers read in this scope (for reachability).
    pub refs: BTreeSet<String>,
    /// Attribute names read in this scope (`save` of `repo.save()`).
    pub attr_refs: BTreeSet<String>,
}

/// Every scope of every file.
#[derive(Debug, Default)]
pub struct Scopes<'t> {
    pub scopes: Vec<Scope<'t>>,
    /// Module name → its module scope.
    pub modules: BTreeMap<String, ScopeId>,
    /// Last name of the callee (`f` of `f(...)`, `put` of `x.put(...)`) → calls.
    pub calls_by_name: BTreeMap<String, Vec<(ScopeId, Node<'t>)>>,
    /// (file, node id) of each `def` / `lambda` / `class` → its scope.
    pub defs: BTreeMap<(usize, usize), ScopeId>,
}

impl<'t> Scopes<'t> {
    pub fn get(&self, id: ScopeId) -> &Scope<'t> {
        &self.scopes[id.0]
    }

    /// Indexes one file.
    pub fn add_file(&mut self, file_index: usize, module: &str, file: &'t ParsedFile) {
        let root = file.tree.root_node();
        let id = self.new_scope(ScopeKind::Module, file_index, module, None, root, module.to_string());
        self.modules.insert(module.to_string(), id);
        let mut builder = Builder::new(self, file);
        builder.walk(root, id);
    }

    pub(super) fn new_scope(
        &mut self,
        kind: ScopeKind,
        file: usize,
        module: &str,
        parent: Option<ScopeId>,
        node: Node<'t>,
        name: String,
    ) -> ScopeId {
        let id = ScopeId(self.scopes.len());
        self.defs.insert((file, node.id()), id);
        self.scopes.push(Scope {
            kind,
            file,
            module: module.to_string(),
            parent,
            name,
            line: u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX),
            names: BTreeMap::new(),
            globals: BTreeSet::new(),
            params: Vec::new(),
            returns: Vec::new(),
            yields: Vec::new(),
            decorators: Vec::new(),
            method_of: None,
            bases: Vec::new(),
            self_attrs: BTreeMap::new(),
            fields: Vec::new(),
            calls: Vec::new(),
            attributes: Vec::new(),
            iterables: Vec::new(),
            refs: BTreeSet::new(),
            attr_refs: BTreeSet::new(),
        });
        id
    }

    /// The name `self` has in a method (its first parameter), if it is one.
    pub fn self_name(&self, id: ScopeId) -> Option<&str> {
        let s = self.get(id);
        s.method_of?;
        if s.decorators.iter().any(|d| d == "staticmethod") {
            return None;
        }
        s.params
            .first()
            .filter(|p| p.kind == ParamKind::Positional)
            .map(|p| p.name.as_str())
    }
}

//! Name resolution: what each name may hold (a boto3 client of service X, a resource, a
//! string constant, a local function, a class instance), through scopes, imports between
//! the function's modules, parameters filled at call sites, `self.x` attributes, return
//! values of factory functions and `global` lazy initialisation.
//!
//! Evaluation is flow-insensitive (a name holds the union of what is assigned to it),
//! memoised, cycle-safe and bounded in depth and steps.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use tree_sitter::Node;

use crate::catalog::Catalog;
use crate::catalog::boto3_resources::Boto3Resources;

use super::hints;
use super::imports::{ModuleTable, Resolved};
use super::parse::ParsedFile;
use super::scopes::{Binding, Bound, ScopeId, ScopeKind, Scopes};
use super::value::{Vals, Value, extend, unknown};

/// Nested evaluations deeper than this give up (deeply nested expressions, long chains
/// of helpers): bounded recursion, no stack overflow.
pub const MAX_DEPTH: usize = 40;
/// Total evaluation steps per function before the analysis stops refining values.
pub const MAX_STEPS: usize = 400_000;

/// Parameter values of one evaluation of a function (a call with known arguments).
#[derive(Debug)]
pub struct Frame {
    pub func: ScopeId,
    pub params: BTreeMap<String, Vals>,
}

/// Where an expression is evaluated.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub scope: ScopeId,
    pub frame: Option<Rc<Frame>>,
}

impl Ctx {
    pub fn new(scope: ScopeId) -> Ctx {
        Ctx { scope, frame: None }
    }

    fn frame_for(&self, scope: ScopeId) -> Option<Rc<Frame>> {
        self.frame.clone().filter(|f| f.func == scope)
    }
}

/// The evaluated arguments of a call.
#[derive(Debug, Default, Clone)]
pub struct Args {
    pub positional: Vec<Vals>,
    pub keywords: Vec<(String, Vals)>,
    /// Values of `*x` splats.
    pub star: Vec<Vals>,
    /// Values of `**x` splats.
    pub double_star: Vec<Vals>,
}

impl Args {
    pub fn keyword(&self, name: &str) -> Option<&Vals> {
        self.keywords.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A positional argument, or the keyword of the same parameter.
    pub fn arg(&self, index: usize, name: &str) -> Option<&Vals> {
        self.keyword(name).or_else(|| self.positional.get(index))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Name(ScopeId, String, usize),
    Param(ScopeId, usize),
    Call(ScopeId),
    SelfAttr(ScopeId, String),
}

#[derive(Default)]
pub(super) struct State {
    depth: usize,
    steps: usize,
    cycles: usize,
    active: BTreeSet<Key>,
    names: BTreeMap<(ScopeId, String), Vals>,
    pub(super) params: BTreeMap<(ScopeId, usize), Vals>,
    pub(super) returns: BTreeMap<(ScopeId, Vec<Vals>), Vals>,
}

/// The evaluator over one function's modules.
pub struct Env<'t> {
    pub files: &'t [ParsedFile],
    pub modules: &'t ModuleTable,
    pub scopes: &'t Scopes<'t>,
    pub catalog: &'t Catalog,
    pub models: &'t Boto3Resources,
    pub(super) state: RefCell<State>,
    /// The scopes the handler reaches (`None`: all): only their call sites fill a
    /// helper's parameters, so a neighbour handler's arguments stay its own.
    live: Option<std::collections::BTreeSet<ScopeId>>,
}

impl<'t> Env<'t> {
    pub fn new(
        files: &'t [ParsedFile],
        modules: &'t ModuleTable,
        scopes: &'t Scopes<'t>,
        catalog: &'t Catalog,
        models: &'t Boto3Resources,
    ) -> Env<'t> {
        Env {
            files,
            modules,
            scopes,
            catalog,
            models,
            state: RefCell::new(State::default()),
            live: None,
        }
    }

    pub fn with_live(mut self, live: Option<std::collections::BTreeSet<ScopeId>>) -> Env<'t> {
        self.live = live;
        self
    }

    /// Whether code in `scope` runs for the handler being analysed.
    pub fn is_live(&self, scope: ScopeId) -> bool {
        self.live.as_ref().is_none_or(|l| l.contains(&scope))
    }

    pub fn file_of(&self, scope: ScopeId) -> &'t ParsedFile {
        &self.files[self.scopes.get(scope).file]
    }

    pub fn text(&self, scope: ScopeId, node: Node<'t>) -> &'t str {
        self.file_of(scope).text(node)
    }

    /// Enters a nested evaluation; `false` when past the depth or step budget.
    pub fn descend(&self) -> bool {
        let mut st = self.state.borrow_mut();
        st.steps += 1;
        if st.depth >= MAX_DEPTH || st.steps > MAX_STEPS {
            return false;
        }
        st.depth += 1;
        true
    }

    pub fn ascend(&self) {
        self.state.borrow_mut().depth -= 1;
    }

    /// Starts computing `key`: `None` on a cycle, else the cycle count to compare at the end.
    pub(super) fn enter(&self, key: &Key) -> Option<usize> {
        let mut st = self.state.borrow_mut();
        if !st.active.insert(key.clone()) {
            st.cycles += 1;
            return None;
        }
        Some(st.cycles)
    }

    /// Ends computing `key`; whether its result is complete (no cycle cut it short).
    pub(super) fn leave(&self, key: &Key, cycles_before: usize) -> bool {
        let mut st = self.state.borrow_mut();
        st.active.remove(key);
        st.cycles == cycles_before && st.steps <= MAX_STEPS
    }

    /// What `name` holds where `ctx` reads it.
    pub fn lookup(&self, name: &str, ctx: &Ctx) -> Vals {
        let mut cur = Some(ctx.scope);
        let mut innermost = true;
        while let Some(id) = cur {
            let s = self.scopes.get(id);
            // A class body's names are not visible from the methods inside it.
            if s.kind == ScopeKind::Class && !innermost {
                cur = s.parent;
                continue;
            }
            if s.kind == ScopeKind::Function && s.globals.contains(name) {
                cur = self.scopes.modules.get(&s.module).copied();
                innermost = false;
                continue;
            }
            if s.names.contains_key(name) {
                return self.scope_name(id, name, ctx.frame_for(id));
            }
            if s.kind == ScopeKind::Module {
                if let Some(v) = self.wildcard(&s.module, name, 0) {
                    return v;
                }
                break;
            }
            innermost = false;
            cur = s.parent;
        }
        vec![Value::Ext(name.to_string())]
    }

    /// A name bound in one scope.
    pub fn scope_name(&self, home: ScopeId, name: &str, frame: Option<Rc<Frame>>) -> Vals {
        let Some(bounds) = self.scopes.get(home).names.get(name) else {
            return unknown(name);
        };
        let frame_id = frame.as_ref().map(|f| Rc::as_ptr(f) as usize).unwrap_or(0);
        let cache_key = (home, name.to_string());
        if frame.is_none()
            && let Some(v) = self.state.borrow().names.get(&cache_key)
        {
            return v.clone();
        }
        let key = Key::Name(home, name.to_string(), frame_id);
        let Some(before) = self.enter(&key) else {
            return unknown(name);
        };
        let vals = self.bounds(name, bounds, &frame);
        if self.leave(&key, before) && frame.is_none() {
            self.state.borrow_mut().names.insert(cache_key, vals.clone());
        }
        vals
    }

    /// The union of a name's bindings, with the entries and elements added to it later.
    pub(super) fn bounds(&self, name: &str, bounds: &[Bound<'t>], frame: &Option<Rc<Frame>>) -> Vals {
        let mut base: Vals = Vec::new();
        for b in bounds {
            if !matches!(
                b.binding,
                Binding::AugAdd(_) | Binding::SetItem(..) | Binding::Append(_)
            ) {
                extend(&mut base, self.binding(name, b, frame));
            }
        }
        for b in bounds {
            let ctx = Ctx {
                scope: b.scope,
                frame: frame.clone().filter(|f| f.func == b.scope),
            };
            match &b.binding {
                Binding::AugAdd(rhs) => {
                    let rhs = self.eval(*rhs, &ctx);
                    let strings: Vals = base.iter().filter(|v| matches!(v, Value::Str(_))).cloned().collect();
                    if !strings.is_empty() {
                        extend(&mut base, hints::concat(&strings, &rhs, name));
                    }
                }
                Binding::SetItem(key, value) => {
                    let (key, value) = (self.eval(*key, &ctx), self.eval(*value, &ctx));
                    add_entry(&mut base, key, value);
                }
                Binding::Append(value) => {
                    let value = self.eval(*value, &ctx);
                    add_element(&mut base, value);
                }
                _ => {}
            }
        }
        base
    }

    pub(super) fn binding(&self, name: &str, b: &Bound<'t>, frame: &Option<Rc<Frame>>) -> Vals {
        let ctx = Ctx {
            scope: b.scope,
            frame: frame.clone().filter(|f| f.func == b.scope),
        };
        match &b.binding {
            Binding::Expr(n) => self.eval(*n, &ctx),
            Binding::Item(n, path) => self.destructure(self.eval(*n, &ctx), path),
            Binding::Iter(n, path) => {
                let elements = self.iterate(&self.eval(*n, &ctx));
                self.destructure(elements, path)
            }
            Binding::With(n) => self.eval(*n, &ctx),
            Binding::Param(i) => match &ctx.frame {
                Some(f) => f.params.get(name).cloned().unwrap_or_else(|| unknown(name)),
                None => self.param_values(b.scope, *i),
            },
            Binding::Import(imp) => {
                let module = &self.scopes.get(b.scope).module;
                match self.modules.resolve(module, &imp.target) {
                    Resolved::Module(m) => vec![Value::Module(m)],
                    Resolved::Name(m, n) => self.module_attr(&m, &n),
                    Resolved::External(d) => vec![Value::Ext(d)],
                }
            }
            Binding::Def(s) => match self.scopes.get(*s).kind {
                ScopeKind::Class => vec![Value::Class(*s)],
                _ => vec![Value::Func(*s)],
            },
            Binding::AugAdd(_) | Binding::SetItem(..) | Binding::Append(_) | Binding::Unknown => unknown(name),
        }
    }

    /// `module.name`: a submodule or a top-level name of a local module.
    pub fn module_attr(&self, module: &str, name: &str) -> Vals {
        let sub = if module.is_empty() {
            name.to_string()
        } else {
            format!("{module}.{name}")
        };
        if let Some(&scope) = self.scopes.modules.get(module)
            && self.scopes.get(scope).names.contains_key(name)
        {
            return self.scope_name(scope, name, None);
        }
        if self.modules.is_module(&sub) {
            return vec![Value::Module(sub)];
        }
        self.wildcard(module, name, 0)
            .unwrap_or_else(|| unknown(format!("{module}.{name}")))
    }

    /// A name that `from m import *` brings into `module`.
    fn wildcard(&self, module: &str, name: &str, depth: usize) -> Option<Vals> {
        let scope = *self.scopes.modules.get(module)?;
        if depth > 4 {
            return None;
        }
        for b in self.scopes.get(scope).names.get("*")? {
            let Binding::Import(imp) = &b.binding else { continue };
            if let Resolved::Module(m) | Resolved::Name(m, _) = self.modules.resolve(module, &imp.target) {
                let target = if self.modules.is_module(&m) { m } else { continue };
                if let Some(&s) = self.scopes.modules.get(&target)
                    && self.scopes.get(s).names.contains_key(name)
                {
                    return Some(self.scope_name(s, name, None));
                }
                if let Some(v) = self.wildcard(&target, name, depth + 1) {
                    return Some(v);
                }
            }
        }
        None
    }
}

/// `d[key] = value` on every dict value of `base` (a dict is created when none is known).
fn add_entry(base: &mut Vals, key: Vals, value: Vals) {
    let mut found = false;
    for v in base.iter_mut() {
        if let Value::Dict(entries, _) = v {
            entries.push((key.clone(), value.clone()));
            found = true;
        }
    }
    if !found {
        base.push(Value::Dict(vec![(key, value)], true));
    }
}

/// `l.append(value)` on every list value of `base` (appends describe the list fully:
/// a loop appends the same kinds of element again).
fn add_element(base: &mut Vals, value: Vals) {
    let mut found = false;
    for v in base.iter_mut() {
        if let Value::List(elements, _) = v {
            elements.push(value.clone());
            found = true;
        }
    }
    if !found {
        base.push(Value::List(vec![value], true));
    }
}

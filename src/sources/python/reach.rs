//! Reachability from the handler: the scopes that run when Lambda calls one handler
//! (its function, what it names, the top-level code of every module imported on the
//! way), each with the scope it was reached from, so a call's chain can be shown.
//! Names resolve by name across the function's modules: a helper of the same name in
//! two modules is reached in both, which only ever grants more, never less.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use tree_sitter::Node;

use super::bindings::Env;
use super::imports::Resolved;
use super::kinds as k;
use super::parse::{line_of, named_children};
use super::scopes::{Binding, ScopeId, ScopeKind};
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{Entry, Hop};

/// Names Lambda handlers are conventionally given.
const HANDLER_NAMES: &[&str] = &["handler", "lambda_handler", "main"];

/// Decorators that register the function with something that runs it later (a router,
/// a task queue): the function goes with the code that defines it. Every other
/// decorator wraps (Powertools' `capture_lambda_handler`, `lru_cache`): the function
/// runs only where it is called.
const REGISTRATIONS: &[&str] = &[
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "api_route",
    "websocket",
    "resolver",
    "register",
    "task",
    "subscribe",
    "listener",
    "listen",
    "on",
    "schedule",
    "lambda_function",
    "authorizer",
    "exception_handler",
    "not_found",
    "middleware",
    "command",
    "handle",
];

/// Longest chain reported from a handler to a call.
const MAX_PATH: usize = 16;

/// The scopes one entry reaches.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// No entry module is known: every scope counts.
    everything: bool,
    /// Reached scope → the scope that reached it (`None` for a root).
    from: BTreeMap<ScopeId, Option<ScopeId>>,
}

impl Reach {
    pub fn everything() -> Reach {
        Reach {
            everything: true,
            from: BTreeMap::new(),
        }
    }

    pub fn contains(&self, id: ScopeId) -> bool {
        self.everything || self.from.contains_key(&id)
    }

    /// The scopes reached, or `None` when every scope is.
    pub fn scopes(&self) -> Option<BTreeSet<ScopeId>> {
        (!self.everything).then(|| self.from.keys().copied().collect())
    }

    /// Whether everything counts (no entry known).
    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// The chain from a root to `id`, root first.
    pub fn path(&self, env: &Env<'_>, id: ScopeId) -> Vec<Hop> {
        let mut chain = Vec::new();
        let mut cur = Some(id);
        while let Some(s) = cur {
            if chain.len() >= MAX_PATH || chain.contains(&s) {
                break;
            }
            chain.push(s);
            cur = self.from.get(&s).copied().flatten();
        }
        chain.reverse();
        chain.into_iter().map(|s| hop(env, s)).collect()
    }
}

fn hop(env: &Env<'_>, id: ScopeId) -> Hop {
    let s = env.scopes.get(id);
    let name = match (s.kind, s.method_of) {
        (ScopeKind::Module, _) => format!("<module {}>", s.module),
        (_, Some(class)) => format!("{}.{}", env.scopes.get(class).name, s.name),
        _ => s.name.clone(),
    };
    Hop {
        name,
        file: env.files[s.file].path.clone(),
        line: s.line,
    }
}

/// Whether a module-level function looks like a Lambda handler: `(event, context)`.
fn is_handler(env: &Env<'_>, f: ScopeId) -> bool {
    let s = env.scopes.get(f);
    let params: Vec<&str> = s.params.iter().map(|p| p.name.trim_start_matches('_')).collect();
    matches!(params.as_slice(), [e, c] if e.ends_with("event") && (c.ends_with("context") || *c == "ctx"))
        || (HANDLER_NAMES.contains(&s.name.as_str()) && s.params.len() == 2)
}

fn module_functions(env: &Env<'_>, module: ScopeId) -> Vec<ScopeId> {
    let mut out = Vec::new();
    for bounds in env.scopes.get(module).names.values() {
        for b in bounds {
            if let Binding::Def(s) = b.binding
                && env.scopes.get(s).kind == ScopeKind::Function
                && env.scopes.get(s).parent == Some(module)
            {
                out.push(s);
            }
        }
    }
    out
}

/// The module holding the handler: the first given file that defines `symbol`, or with
/// no symbol the first that defines a handler-shaped function.
pub fn entry_module(env: &Env<'_>, files: &[PathBuf], entry: Entry<'_>) -> Option<ScopeId> {
    let modules = files.iter().filter_map(|path| {
        let i = env.files.iter().position(|f| &f.path == path)?;
        env.scopes.modules.get(&env.modules.names[i]).copied()
    });
    let mut first = None;
    for module in modules {
        first.get_or_insert(module);
        let found = match entry {
            Entry::Symbol(name) => env.scopes.get(module).names.contains_key(name),
            Entry::Handlers => module_functions(env, module).into_iter().any(|f| is_handler(env, f)),
        };
        if found {
            return Some(module);
        }
    }
    // A named handler not found: its file is still the entry (the caller warns).
    matches!(entry, Entry::Symbol(_)).then_some(first).flatten()
}

/// What reachability needs to know about the function's scopes, computed once and
/// shared by every handler of the same files.
pub struct Graph {
    /// Non-module scopes by name.
    by_name: BTreeMap<String, Vec<ScopeId>>,
    /// Scope → its direct children.
    children: BTreeMap<ScopeId, Vec<ScopeId>>,
    /// Local functions that register what they decorate (they store their argument).
    registering: BTreeSet<String>,
}

impl Graph {
    pub fn new(env: &Env<'_>) -> Graph {
        let mut by_name: BTreeMap<String, Vec<ScopeId>> = BTreeMap::new();
        let mut children: BTreeMap<ScopeId, Vec<ScopeId>> = BTreeMap::new();
        for (i, s) in env.scopes.scopes.iter().enumerate() {
            if s.kind != ScopeKind::Module {
                by_name.entry(s.name.clone()).or_default().push(ScopeId(i));
            }
            if let Some(p) = s.parent {
                children.entry(p).or_default().push(ScopeId(i));
            }
        }
        // Scopes that add to a container, wherever the container lives.
        let storing: BTreeSet<ScopeId> = env
            .scopes
            .scopes
            .iter()
            .flat_map(|s| s.names.values().flatten())
            .filter(|b| matches!(b.binding, Binding::SetItem(..) | Binding::Append(_)))
            .map(|b| b.scope)
            .collect();
        let mut registering = BTreeSet::new();
        for (i, s) in env.scopes.scopes.iter().enumerate() {
            if s.kind == ScopeKind::Function && stores_values(&children, &storing, ScopeId(i)) {
                registering.insert(s.name.clone());
            }
        }
        Graph {
            by_name,
            children,
            registering,
        }
    }

    fn named(&self, name: &str) -> impl Iterator<Item = ScopeId> + '_ {
        self.by_name.get(name).into_iter().flatten().copied()
    }

    fn is_registration(&self, decorator: &str) -> bool {
        REGISTRATIONS.contains(&decorator) || decorator.starts_with("on_") || self.registering.contains(decorator)
    }
}

/// Whether a function (or a function nested in it) adds values to a container
/// (`REGISTRY[name] = f`, `handlers.append(f)`): a decorator that does registers.
fn stores_values(children: &BTreeMap<ScopeId, Vec<ScopeId>>, storing: &BTreeSet<ScopeId>, f: ScopeId) -> bool {
    let mut stack = vec![f];
    let mut seen = 0;
    while let Some(s) = stack.pop() {
        seen += 1;
        if seen > 64 {
            break;
        }
        if storing.contains(&s) {
            return true;
        }
        stack.extend(children.get(&s).into_iter().flatten().copied());
    }
    false
}

/// The scopes an entry starts from: the entry module's top-level code and the handler.
/// A named handler the module does not define is a warning, and every handler-shaped
/// function counts instead (never fewer permissions than the code may need).
pub fn roots(
    env: &Env<'_>,
    graph: &Graph,
    module: ScopeId,
    entry: Entry<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ScopeId> {
    let mut out = vec![module];
    let m = env.scopes.get(module);
    let all_handlers = || {
        module_functions(env, module)
            .into_iter()
            .filter(|f| is_handler(env, *f))
    };
    let Entry::Symbol(name) = entry else {
        out.extend(all_handlers());
        return out;
    };
    let Some(bounds) = m.names.get(name) else {
        let path = &env.files[m.file].path;
        diags.push(
            Diagnostic::warning(
                codes::MISSING_HANDLER,
                format!(
                    "handler `{}` is not defined in {}; every handler-shaped function of the file counts",
                    crate::sources::sdk_call::shown_name(name),
                    path.display()
                ),
            )
            .at(path, None),
        );
        out.extend(all_handlers());
        return out;
    };
    for b in bounds {
        match &b.binding {
            Binding::Def(s) => out.push(*s),
            Binding::Import(imp) => {
                let target = imp.target.name.as_deref().unwrap_or(&imp.local);
                out.extend(graph.named(target));
            }
            // `handler = wrap(create)`, `handler = Mangum(app)`: what the value names.
            Binding::Expr(node) | Binding::Item(node, _) | Binding::With(node) | Binding::AugAdd(node) => {
                let file = &env.files[m.file];
                for ident in identifiers(*node) {
                    out.extend(graph.named(file.text(ident)));
                }
            }
            _ => {}
        }
    }
    out
}

fn identifiers(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if out.len() > 256 {
            break;
        }
        if n.kind() == k::IDENTIFIER {
            out.push(n);
        }
        stack.extend(named_children(n));
    }
    out
}

/// Everything `roots` reach; `diags` gets a warning where the reachable set cannot be
/// decided (`getattr(module, name)` with a computed name) and the whole module is taken.
pub fn reach(env: &Env<'_>, graph: &Graph, roots: &[ScopeId], diags: &mut Vec<Diagnostic>) -> Reach {
    let mut from: BTreeMap<ScopeId, Option<ScopeId>> = BTreeMap::new();
    // Breadth first: each scope keeps its shortest chain from a root.
    let mut queue: VecDeque<(ScopeId, Option<ScopeId>)> = roots.iter().map(|r| (*r, None)).collect();
    while let Some((id, parent)) = queue.pop_front() {
        if from.contains_key(&id) {
            continue;
        }
        from.insert(id, parent);
        let s = env.scopes.get(id);
        let via = Some(id);
        let mut next: Vec<ScopeId> = Vec::new();
        for name in &s.refs {
            next.extend(graph.named(name));
        }
        // `x.name`: a method of any class, or a function of another module (`db.save`);
        // never a function of this scope's own module by that name (`event.get` does
        // not run the module's `get` handler).
        for name in &s.attr_refs {
            next.extend(graph.named(name).filter(|t| {
                let target = env.scopes.get(*t);
                target.method_of.is_some()
                    || target.module != s.module
                    || target
                        .parent
                        .is_some_and(|p| env.scopes.get(p).kind != ScopeKind::Module)
            }));
        }
        // Imported modules run their top level.
        for b in s.names.values().flatten() {
            if let Binding::Import(imp) = &b.binding {
                let (Resolved::Module(m) | Resolved::Name(m, _)) = env.modules.resolve(&s.module, &imp.target) else {
                    continue;
                };
                let mut parts: Vec<&str> = m.split('.').collect();
                while !parts.is_empty() {
                    next.extend(env.scopes.modules.get(&parts.join(".")).copied());
                    parts.pop();
                }
            }
        }
        // A reached class may run any of its methods and those of its bases; lambdas
        // and registered functions go with the code that defines them.
        if s.kind == ScopeKind::Class {
            let file = &env.files[s.file];
            for base in &s.bases {
                let text = file.text(*base);
                next.extend(graph.named(text.rsplit('.').next().unwrap_or(text)));
            }
        }
        for &child in graph.children.get(&id).into_iter().flatten() {
            let c = env.scopes.get(child);
            let follows = s.kind == ScopeKind::Class
                || c.name == "<lambda>"
                || c.decorators.iter().any(|d| graph.is_registration(d));
            if follows {
                next.push(child);
            }
        }
        next.extend(dynamic_targets(env, graph, id, diags));
        queue.extend(next.into_iter().map(|n| (n, via)));
    }
    Reach {
        everything: false,
        from,
    }
}

/// `getattr(module, name)` with a name the code computes: every function of that module
/// (or of the scope's own module) may run.
fn dynamic_targets(env: &Env<'_>, graph: &Graph, id: ScopeId, diags: &mut Vec<Diagnostic>) -> Vec<ScopeId> {
    let s = env.scopes.get(id);
    let file = &env.files[s.file];
    let mut out = Vec::new();
    for &call in &s.calls {
        let Some(callee) = call.child_by_field_name("function") else {
            continue;
        };
        if file.text(callee) != "getattr" {
            continue;
        }
        let args: Vec<Node<'_>> = call
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.kind() != k::COMMENT)
            .collect();
        let (Some(target), Some(name)) = (args.first(), args.get(1)) else {
            continue;
        };
        if name.kind() == k::STRING {
            continue;
        }
        let target = file.text(*target);
        // `getattr(sys.modules[__name__], name)`: this module; a local module by name;
        // anything else (a client, an object) is not a choice among local functions.
        let module = if target.replace(' ', "") == "sys.modules[__name__]" {
            env.scopes.modules.get(&s.module).copied()
        } else {
            module_named(env, id, target)
        };
        let Some(module) = module else { continue };
        let targets: Vec<ScopeId> = graph
            .children
            .get(&module)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| env.scopes.get(*c).kind != ScopeKind::Module)
            .collect();
        if targets.is_empty() {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                codes::DYNAMIC_DISPATCH,
                format!(
                    "`{}`: the function is chosen at run time; every function of module {} counts for this handler",
                    crate::sources::sdk_call::shown_name(file.text(call)),
                    env.scopes.get(module).module
                ),
            )
            .at(&file.path, Some(line_of(call))),
        );
        out.extend(targets);
    }
    out
}

/// The local module a name in scope `id` is bound to by an import, if any.
fn module_named(env: &Env<'_>, id: ScopeId, name: &str) -> Option<ScopeId> {
    let mut cur = Some(id);
    while let Some(s) = cur {
        let scope = env.scopes.get(s);
        for b in scope.names.get(name).into_iter().flatten() {
            if let Binding::Import(imp) = &b.binding
                && let Resolved::Module(m) = env.modules.resolve(&scope.module, &imp.target)
            {
                return env.scopes.modules.get(&m).copied();
            }
        }
        cur = scope.parent;
    }
    None
}

//! Best-effort reachability from the handler: which functions the entry module's
//! top-level code and handler can reach through the names they use. Calls in code
//! nothing reaches are still reported, marked `unreachable`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::bindings::Env;
use super::imports::Resolved;
use super::scopes::{Binding, ScopeId, ScopeKind};

/// Names Lambda handlers are conventionally given.
const HANDLER_NAMES: &[&str] = &["handler", "lambda_handler", "main"];

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

/// The module holding the handler: the first given file that defines one.
pub fn entry_module(env: &Env<'_>, files: &[PathBuf]) -> Option<ScopeId> {
    for path in files {
        let Some(i) = env.files.iter().position(|f| &f.path == path) else {
            continue;
        };
        let Some(&module) = env.scopes.modules.get(&env.modules.names[i]) else {
            continue;
        };
        if module_functions(env, module).into_iter().any(|f| is_handler(env, f)) {
            return Some(module);
        }
    }
    None
}

/// Scopes nothing reachable from the entry uses; empty when the entry is unknown.
pub fn unreachable(env: &Env<'_>, entry: Option<ScopeId>) -> BTreeSet<ScopeId> {
    let Some(entry) = entry else { return BTreeSet::new() };
    let scopes = &env.scopes.scopes;
    let mut by_name: BTreeMap<&str, Vec<ScopeId>> = BTreeMap::new();
    for (i, s) in scopes.iter().enumerate() {
        if s.kind != ScopeKind::Module {
            by_name.entry(s.name.as_str()).or_default().push(ScopeId(i));
        }
    }
    let handlers: Vec<ScopeId> = module_functions(env, entry)
        .into_iter()
        .filter(|f| is_handler(env, *f))
        .collect();
    let mut reached: BTreeSet<ScopeId> = BTreeSet::new();
    let mut queue: Vec<ScopeId> = vec![entry];
    queue.extend(handlers);
    while let Some(id) = queue.pop() {
        if !reached.insert(id) {
            continue;
        }
        let s = env.scopes.get(id);
        for name in &s.refs {
            queue.extend(by_name.get(name.as_str()).into_iter().flatten().copied());
        }
        // Imported modules run their top level.
        for bounds in s.names.values() {
            for b in bounds {
                if let Binding::Import(imp) = &b.binding {
                    let (Resolved::Module(m) | Resolved::Name(m, _)) = env.modules.resolve(&s.module, &imp.target)
                    else {
                        continue;
                    };
                    let mut parts: Vec<&str> = m.split('.').collect();
                    while !parts.is_empty() {
                        queue.extend(env.scopes.modules.get(&parts.join(".")).copied());
                        parts.pop();
                    }
                }
            }
        }
        // A reached class may run any of its methods; lambdas and decorated (registered)
        // functions go with the code that defines them.
        for (i, child) in scopes.iter().enumerate() {
            if child.parent != Some(id) {
                continue;
            }
            let follows = s.kind == ScopeKind::Class || child.name == "<lambda>" || !child.decorators.is_empty();
            if follows {
                queue.push(ScopeId(i));
            }
        }
    }
    (0..scopes.len())
        .map(ScopeId)
        .filter(|id| !reached.contains(id))
        .collect()
}

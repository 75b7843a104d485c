//! Local functions: their parameters filled from every call site (a client passed into
//! a helper in another module), arguments matched to parameters as Python does, and
//! return values evaluated per call (factories, `lru_cache`d client builders, generators).

use std::collections::BTreeMap;
use std::rc::Rc;

use tree_sitter::Node;

use super::bindings::{Args, Ctx, Env, Frame, Key};
use super::kinds as k;
use super::parse::named_children;
use super::scopes::{ParamKind, ScopeId};
use super::value::{Vals, Value, extend, unknown};

/// Call sites examined per function when filling its parameters.
const MAX_CALL_SITES: usize = 64;
/// Calls that run their first argument with the others: (name, over iterables).
const CALLBACK_RUNNERS: &[(&str, bool)] = &[
    ("map", true),
    ("imap", true),
    ("imap_unordered", true),
    ("submit", false),
    ("apply_async", false),
];
/// Keywords of the runners themselves, not of the callback.
const CALLBACK_KEYWORDS: &[&str] = &["timeout", "chunksize", "callback", "error_callback"];

impl<'t> Env<'t> {
    /// Parameter `index` of `func` over every call site (context-insensitive).
    pub fn param_values(&self, func: ScopeId, index: usize) -> Vals {
        let f = self.scopes.get(func);
        let Some(param) = f.params.get(index) else {
            return unknown("parameter");
        };
        if index == 0
            && let Some(class) = f.method_of
        {
            if f.decorators.iter().any(|d| d == "classmethod") {
                return vec![Value::Class(class)];
            }
            if self.scopes.self_name(func).is_some() {
                return vec![Value::Instance(class)];
            }
        }
        if let Some(v) = self.state.borrow().params.get(&(func, index)) {
            return v.clone();
        }
        let key = Key::Param(func, index);
        let Some(before) = self.enter(&key) else {
            return unknown(&param.name);
        };
        let mut out: Vals = Vec::new();
        let mut matched = false;
        for (site_scope, call) in self.call_sites(func) {
            let ctx = Ctx::new(site_scope);
            let Some(callee) = call.child_by_field_name("function") else {
                continue;
            };
            let mut args: Option<Args> = None;
            for v in self.eval(callee, &ctx) {
                let self_value = match &v {
                    Value::Func(s) if *s == func => None,
                    Value::Class(c) if self.method(*c, "__init__") == Some(func) => Some(Value::Instance(*c)),
                    Value::Method(recv, m) => match recv.as_ref() {
                        Value::Instance(c) | Value::Class(c) if self.method(*c, m) == Some(func) => {
                            Some((**recv).clone())
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                let args = args.get_or_insert_with(|| self.args(call, &ctx));
                let bound = self.bind_args(func, args, self_value);
                if let Some(v) = bound.get(&param.name) {
                    matched = true;
                    extend(&mut out, v.iter().cloned());
                }
            }
        }
        for (site_scope, call, spread) in self.callback_sites(func) {
            let ctx = Ctx::new(site_scope);
            let mut args = self.args(call, &ctx);
            if args.positional.is_empty() {
                continue;
            }
            args.positional.remove(0);
            if spread {
                // `map(f, xs, ys)`: each call takes one element of each iterable.
                args.positional = args.positional.iter().map(|v| self.iterate(v)).collect();
            }
            args.keywords.retain(|(k, _)| !CALLBACK_KEYWORDS.contains(&k.as_str()));
            if let Some(v) = self.bind_args(func, &args, None).get(&param.name) {
                matched = true;
                extend(&mut out, v.iter().cloned());
            }
        }
        if !matched {
            out = match param.default {
                Some(d) => self.eval(d, &Ctx::new(f.parent.unwrap_or(func))),
                None => unknown(&param.name),
            };
        }
        if self.leave(&key, before) {
            self.state.borrow_mut().params.insert((func, index), out.clone());
        }
        out
    }

    /// Calls that may call `func` (by the callee's last name).
    fn call_sites(&self, func: ScopeId) -> Vec<(ScopeId, Node<'t>)> {
        let f = self.scopes.get(func);
        let mut names = vec![f.name.as_str()];
        if f.name == "__init__"
            && let Some(class) = f.method_of
        {
            names.push(self.scopes.get(class).name.as_str());
        }
        let mut out = Vec::new();
        for n in names {
            out.extend(
                self.scopes
                    .calls_by_name
                    .get(n)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|(scope, _)| self.is_live(*scope)),
            );
        }
        out.truncate(MAX_CALL_SITES);
        out
    }

    /// Calls that run `func` as a callback with the rest of their arguments:
    /// `executor.submit(f, a)`, `pool.apply_async(f, a)` (spread = false) or over
    /// iterables: `map(f, xs)`, `executor.map(f, xs)` (spread = true).
    fn callback_sites(&self, func: ScopeId) -> Vec<(ScopeId, Node<'t>, bool)> {
        let name = &self.scopes.get(func).name;
        let mut out = Vec::new();
        for (runner, spread) in CALLBACK_RUNNERS {
            for (scope, call) in self.scopes.calls_by_name.get(*runner).into_iter().flatten() {
                if !self.is_live(*scope) {
                    continue;
                }
                let first = call
                    .child_by_field_name("arguments")
                    .and_then(|a| named_children(a).into_iter().find(|c| c.kind() != k::COMMENT));
                let Some(first) = first else { continue };
                let text = self.text(*scope, first);
                if text.rsplit('.').next() != Some(name.as_str()) {
                    continue;
                }
                if self.eval(first, &Ctx::new(*scope)).contains(&Value::Func(func)) {
                    out.push((*scope, *call, *spread));
                }
            }
        }
        out.truncate(MAX_CALL_SITES);
        out
    }

    /// Matches arguments to parameters as Python does.
    pub fn bind_args(&self, func: ScopeId, args: &Args, self_value: Option<Value>) -> BTreeMap<String, Vals> {
        let f = self.scopes.get(func);
        let shift = usize::from(self_value.is_some());
        let mut out = BTreeMap::new();
        let opaque = !args.star.is_empty() || !args.double_star.is_empty();
        for (i, p) in f.params.iter().enumerate() {
            let value: Option<Vals> = if i == 0 && shift == 1 {
                self_value.clone().map(|v| vec![v])
            } else {
                match p.kind {
                    ParamKind::Positional | ParamKind::KeywordOnly => {
                        let by_pos = if p.kind == ParamKind::Positional {
                            args.positional.get(i - shift)
                        } else {
                            None
                        };
                        args.keyword(&p.name)
                            .or(by_pos)
                            .cloned()
                            .or_else(|| self.splatted(args, &p.name))
                    }
                    ParamKind::VarArgs => {
                        let rest = args.positional.iter().skip(i - shift).cloned().collect();
                        Some(vec![Value::List(rest, !args.star.is_empty())])
                    }
                    ParamKind::KwArgs => {
                        let named: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
                        let entries = args
                            .keywords
                            .iter()
                            .filter(|(n, _)| !named.contains(&n.as_str()))
                            .map(|(n, v)| (vec![Value::Str(crate::sources::Hint::literal(n.clone()))], v.clone()))
                            .collect();
                        Some(vec![Value::Dict(entries, !args.double_star.is_empty())])
                    }
                }
            };
            let value = value.or_else(|| {
                if opaque {
                    Some(unknown(&p.name))
                } else {
                    p.default.map(|d| self.eval(d, &Ctx::new(f.parent.unwrap_or(func))))
                }
            });
            out.insert(p.name.clone(), value.unwrap_or_else(|| unknown(&p.name)));
        }
        out
    }

    /// A keyword argument passed inside `**dict`.
    fn splatted(&self, args: &Args, name: &str) -> Option<Vals> {
        let mut out = Vec::new();
        for d in &args.double_star {
            for v in d {
                if let Value::Dict(entries, _) = v {
                    for (key, val) in entries {
                        if key
                            .iter()
                            .any(|k| matches!(k, Value::Str(h) if h.as_literal() == Some(name)))
                        {
                            extend(&mut out, val.iter().cloned());
                        }
                    }
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// Evaluates a call of a local function with these arguments.
    pub fn call_local(&self, func: ScopeId, args: &Args, self_value: Option<Value>) -> Vals {
        let params = self.bind_args(func, args, self_value);
        let f = self.scopes.get(func);
        let cache_key = (
            func,
            f.params
                .iter()
                .map(|p| params.get(&p.name).cloned().unwrap_or_default())
                .collect(),
        );
        if let Some(v) = self.state.borrow().returns.get(&cache_key) {
            return v.clone();
        }
        let key = Key::Call(func);
        let Some(before) = self.enter(&key) else {
            return unknown(format!("{}()", f.name));
        };
        let ctx = Ctx {
            scope: func,
            frame: Some(Rc::new(Frame { func, params })),
        };
        let mut out: Vals = Vec::new();
        if f.yields.is_empty() {
            for r in &f.returns {
                extend(&mut out, self.eval(*r, &ctx));
            }
            if out.is_empty() {
                out.push(Value::NoneVal);
            }
        } else {
            let mut elements: Vals = Vec::new();
            for (y, from) in &f.yields {
                let v = self.eval(*y, &ctx);
                extend(&mut elements, if *from { self.iterate(&v) } else { v });
            }
            out.push(Value::List(vec![elements], true));
        }
        if self.leave(&key, before) {
            self.state.borrow_mut().returns.insert(cache_key, out.clone());
        }
        out
    }

    /// Evaluates the arguments of a call node.
    pub fn args(&self, call: Node<'t>, ctx: &Ctx) -> Args {
        let mut args = Args::default();
        let Some(list) = call.child_by_field_name("arguments") else {
            return args;
        };
        if list.kind() != k::ARGUMENT_LIST {
            // `f(x for x in y)`: one generator argument.
            args.positional.push(self.eval(list, ctx));
            return args;
        }
        for a in named_children(list) {
            match a.kind() {
                k::KEYWORD_ARGUMENT => {
                    let (Some(n), Some(v)) = (a.child_by_field_name("name"), a.child_by_field_name("value")) else {
                        continue;
                    };
                    args.keywords
                        .push((self.text(ctx.scope, n).to_string(), self.eval(v, ctx)));
                }
                k::LIST_SPLAT => {
                    if let Some(v) = a.named_child(0) {
                        args.star.push(self.eval(v, ctx));
                    }
                }
                k::DICTIONARY_SPLAT => {
                    if let Some(v) = a.named_child(0) {
                        args.double_star.push(self.eval(v, ctx));
                    }
                }
                k::COMMENT => {}
                _ => args.positional.push(self.eval(a, ctx)),
            }
        }
        args
    }
}

//! Expression evaluation: literals, strings, containers, attributes, subscripts,
//! iteration, and the dispatch of a call to what its callee is (a local function, a
//! class, a boto3 factory, a client or resource method, a builtin).

use tree_sitter::Node;

use crate::diagnostics::codes;

use super::bindings::{Args, Ctx, Env};
use super::hints::{self, Part};
use super::kinds as k;
use super::op::Outcome;
use super::parse::named_children;
use super::value::{Vals, Value, extend, push, unknown};
use super::{builtins, clients, powertools, resource_api, responses};

/// Elements of a literal list or dict the analysis keeps.
const MAX_ELEMENTS: usize = 64;

/// Reasons too vague to show: the expression text replaces them.
const GENERIC_REASONS: &[&str] = &["item", "call", "dict value", "element", "environment variable"];

/// Expression text shortened for messages and unknown pieces.
pub fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        one_line.chars().take(37).collect::<String>() + "..."
    } else {
        one_line
    }
}

impl<'t> Env<'t> {
    /// What an expression may evaluate to.
    pub fn eval(&self, node: Node<'t>, ctx: &Ctx) -> Vals {
        if !self.descend() {
            return unknown(short(self.text(ctx.scope, node)));
        }
        let mut v = self.eval_node(node, ctx);
        self.ascend();
        // Name what stays unknown after the expression that computes it.
        for x in v.iter_mut() {
            if let Value::Unknown(why) = x
                && GENERIC_REASONS.contains(&why.as_str())
            {
                *why = short(self.text(ctx.scope, node));
            }
        }
        v
    }

    fn eval_node(&self, node: Node<'t>, ctx: &Ctx) -> Vals {
        let text = || short(self.text(ctx.scope, node));
        let child = |i| node.named_child(i);
        match node.kind() {
            k::IDENTIFIER => self.lookup(self.text(ctx.scope, node), ctx),
            k::ATTRIBUTE => {
                let (Some(obj), Some(attr)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return unknown(text());
                };
                let name = self.text(ctx.scope, attr);
                let mut out = Vec::new();
                for v in self.eval(obj, ctx) {
                    extend(&mut out, self.attr(&v, name));
                }
                out
            }
            k::CALL => self.call_outcome(node, ctx).value,
            k::SUBSCRIPT => {
                let (Some(value), Some(key)) =
                    (node.child_by_field_name("value"), node.child_by_field_name("subscript"))
                else {
                    return unknown(text());
                };
                let key = self.eval(key, ctx);
                let mut out = Vec::new();
                for v in self.eval(value, ctx) {
                    extend(&mut out, self.index(&v, &key));
                }
                out
            }
            k::STRING | k::CONCATENATED_STRING => self.string(node, ctx),
            k::INTEGER | k::FLOAT | k::TRUE | k::FALSE => vec![Value::Lit(self.text(ctx.scope, node).to_string())],
            k::NONE => vec![Value::NoneVal],
            k::BINARY_OPERATOR => self.binary(node, ctx),
            k::BOOLEAN_OPERATOR => {
                let (Some(l), Some(r)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
                    return unknown(text());
                };
                let is_or = node.child_by_field_name("operator").is_some_and(|o| o.kind() == "or");
                let mut out = if is_or { self.eval(l, ctx) } else { Vec::new() };
                out.retain(|v| !matches!(v, Value::NoneVal));
                extend(&mut out, self.eval(r, ctx));
                out
            }
            k::CONDITIONAL_EXPRESSION => {
                let mut out = child(0).map(|n| self.eval(n, ctx)).unwrap_or_default();
                extend(&mut out, child(2).map(|n| self.eval(n, ctx)).unwrap_or_default());
                out
            }
            k::PARENTHESIZED_EXPRESSION | k::AWAIT => {
                child(0).map(|n| self.eval(n, ctx)).unwrap_or_else(|| unknown(text()))
            }
            k::NAMED_EXPRESSION => node
                .child_by_field_name("value")
                .map(|n| self.eval(n, ctx))
                .unwrap_or_else(|| unknown(text())),
            k::DICTIONARY => self.dict(node, ctx),
            kind if k::is_sequence(kind) => {
                let mut elements = Vec::new();
                let mut open = false;
                for c in named_children(node) {
                    // A long literal table (generated data) says nothing more past this.
                    if elements.len() >= MAX_ELEMENTS {
                        open = true;
                        break;
                    }
                    match c.kind() {
                        k::LIST_SPLAT => {
                            let inner = c.named_child(0).map(|n| self.eval(n, ctx)).unwrap_or_default();
                            elements.push(self.iterate(&inner));
                            open = true;
                        }
                        k::COMMENT => {}
                        _ => elements.push(self.eval(c, ctx)),
                    }
                }
                vec![Value::List(elements, open)]
            }
            k::DICTIONARY_COMPREHENSION => {
                let body = node.child_by_field_name("body");
                let key = body
                    .and_then(|b| b.child_by_field_name("key"))
                    .map(|n| self.eval(n, ctx));
                let value = body
                    .and_then(|b| b.child_by_field_name("value"))
                    .map(|n| self.eval(n, ctx));
                vec![Value::Dict(
                    vec![(key.unwrap_or_default(), value.unwrap_or_default())],
                    true,
                )]
            }
            kind if k::is_comprehension(kind) => {
                let body = node
                    .child_by_field_name("body")
                    .map(|n| self.eval(n, ctx))
                    .unwrap_or_default();
                vec![Value::List(vec![body], true)]
            }
            k::LAMBDA => match self.scopes.defs.get(&(self.scopes.get(ctx.scope).file, node.id())) {
                Some(s) => vec![Value::Func(*s)],
                None => unknown("lambda"),
            },
            _ => unknown(text()),
        }
    }

    fn string(&self, node: Node<'t>, ctx: &Ctx) -> Vals {
        let mut segments = Vec::new();
        for part in hints::string_parts(self.file_of(ctx.scope), node) {
            match part {
                Part::Text(t) => segments.push(vec![crate::sources::Hint::literal(t)]),
                Part::Interp(i) => {
                    let expr = i.child_by_field_name("expression").unwrap_or(i);
                    let what = short(self.text(ctx.scope, expr));
                    segments.push(hints::piece_hints(&self.eval(expr, ctx), &what));
                }
            }
        }
        hints::strs(hints::product(&segments))
    }

    fn binary(&self, node: Node<'t>, ctx: &Ctx) -> Vals {
        let what = short(self.text(ctx.scope, node));
        let (Some(l), Some(r)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return unknown(what);
        };
        let op = node.child_by_field_name("operator").map(|o| o.kind()).unwrap_or("");
        let (left, right) = (self.eval(l, ctx), self.eval(r, ctx));
        let is_str = |vals: &Vals| vals.iter().any(|v| matches!(v, Value::Str(_)));
        match op {
            "+" if is_str(&left) || is_str(&right) => hints::concat(&left, &right, &what),
            "+" => {
                let mut elements = Vec::new();
                let mut open = false;
                for v in left.iter().chain(&right) {
                    match v {
                        Value::List(e, o) => {
                            elements.extend(e.iter().cloned());
                            open |= *o;
                        }
                        _ => open = true,
                    }
                }
                if elements.is_empty() {
                    unknown(what)
                } else {
                    vec![Value::List(elements, open)]
                }
            }
            // `[client] * n`: the same elements, repeated.
            "*" if left.iter().chain(&right).any(|v| matches!(v, Value::List(..))) => left
                .into_iter()
                .chain(right)
                .filter(|v| matches!(v, Value::List(..)))
                .collect(),
            "%" => {
                let (positional, named) = format_args(&right);
                let mut out = Vec::new();
                for v in &left {
                    if let Value::Str(h) = v {
                        extend(&mut out, hints::percent_format(h, &positional, &named, &what));
                    }
                }
                if out.is_empty() { unknown(what) } else { out }
            }
            _ => unknown(what),
        }
    }

    fn dict(&self, node: Node<'t>, ctx: &Ctx) -> Vals {
        let mut entries = Vec::new();
        let mut open = false;
        for c in named_children(node) {
            if entries.len() >= MAX_ELEMENTS {
                open = true;
                break;
            }
            match c.kind() {
                k::PAIR => {
                    let key = c
                        .child_by_field_name("key")
                        .map(|n| self.eval(n, ctx))
                        .unwrap_or_default();
                    let value = c
                        .child_by_field_name("value")
                        .map(|n| self.eval(n, ctx))
                        .unwrap_or_default();
                    entries.push((key, value));
                }
                k::DICTIONARY_SPLAT => {
                    let inner = c.named_child(0).map(|n| self.eval(n, ctx)).unwrap_or_default();
                    let mut merged = false;
                    for v in inner {
                        if let Value::Dict(e, o) = v {
                            entries.extend(e);
                            open |= o;
                            merged = true;
                        }
                    }
                    open |= !merged;
                }
                _ => {}
            }
        }
        vec![Value::Dict(entries, open)]
    }

    /// `value.name`.
    pub fn attr(&self, v: &Value, name: &str) -> Vals {
        match v {
            Value::Ext(d) => vec![Value::Ext(format!("{d}.{name}"))],
            Value::Module(m) => self.module_attr(m, name),
            Value::Instance(c) => self.instance_attr(*c, name, v),
            Value::Class(c) => match self.method(*c, name) {
                Some(f) => vec![Value::Func(f)],
                None => self.instance_attr(*c, name, v),
            },
            Value::Res(r) => resource_api::attr(self, r, name),
            Value::Meta(inner) => clients::meta_attr(inner, name),
            Value::Client(_) if name == "meta" => vec![Value::Meta(Box::new(v.clone()))],
            Value::Client(_) if name == "exceptions" => unknown("client.exceptions"),
            Value::Client(_)
            | Value::Session(_)
            | Value::Paginator(..)
            | Value::Waiter(..)
            | Value::BatchWriter(_)
            | Value::Collection(_)
            | Value::Str(_)
            | Value::Dict(..)
            | Value::List(..)
            | Value::Response(_)
            | Value::Provider(_) => vec![Value::Method(Box::new(v.clone()), name.to_string())],
            Value::ForeignSecret => vec![Value::ForeignSecret],
            _ => unknown(name),
        }
    }

    /// `value[key]`.
    pub fn index(&self, v: &Value, key: &Vals) -> Vals {
        let literal = key.iter().find_map(|k| match k {
            Value::Str(h) => h.as_literal().map(str::to_string),
            Value::Lit(s) => Some(s.clone()),
            _ => None,
        });
        match v {
            Value::Ext(d) if d == "os.environ" => builtins::env_var(key),
            Value::Dict(entries, open) => dict_get(entries, *open, key),
            Value::List(elements, _) => {
                let i = literal.and_then(|s| s.parse::<i64>().ok());
                match i {
                    Some(i) if i >= 0 && (i as usize) < elements.len() => elements[i as usize].clone(),
                    Some(-1) if !elements.is_empty() => elements[elements.len() - 1].clone(),
                    _ => elements.iter().flatten().cloned().collect(),
                }
            }
            Value::Response(r) => {
                let segment = match &literal {
                    Some(s) if s.parse::<i64>().is_err() => s.clone(),
                    _ => "[]".into(),
                };
                responses::step(r, &segment)
            }
            Value::ForeignSecret => vec![Value::ForeignSecret],
            _ => unknown("item"),
        }
    }

    /// The elements iterating over a value yields.
    pub fn iterate(&self, vals: &Vals) -> Vals {
        let mut out = Vec::new();
        for v in vals {
            match v {
                Value::List(elements, _) => {
                    for e in elements {
                        extend(&mut out, e.iter().cloned());
                    }
                }
                Value::Dict(entries, _) => {
                    for (key, _) in entries {
                        extend(&mut out, key.iter().cloned());
                    }
                }
                Value::Response(r) => extend(&mut out, responses::step(r, "[]")),
                Value::Collection(c) => extend(&mut out, resource_api::items(self, c)),
                _ => push(&mut out, Value::Unknown("element".into())),
            }
        }
        out
    }

    /// The part of a value an unpacking target at `path` receives.
    pub fn destructure(&self, mut vals: Vals, path: &[usize]) -> Vals {
        for &i in path {
            let mut next = Vec::new();
            for v in &vals {
                match v {
                    Value::List(elements, _) if i < elements.len() => extend(&mut next, elements[i].iter().cloned()),
                    _ => push(&mut next, Value::Unknown("item".into())),
                }
            }
            vals = next;
        }
        vals
    }

    /// Evaluates a call: its value, the operations it issues and its warnings.
    pub fn call_outcome(&self, node: Node<'t>, ctx: &Ctx) -> Outcome {
        let what = short(self.text(ctx.scope, node));
        let Some(callee) = node.child_by_field_name("function") else {
            return Outcome::value(unknown(what));
        };
        if !self.descend() {
            return Outcome::value(unknown(what));
        }
        let callees = self.eval(callee, ctx);
        let args = self.args(node, ctx);
        let mut out = Outcome::default();
        for c in &callees {
            self.apply(c, &args, ctx, &mut out);
        }
        self.ascend();
        if out.value.is_empty() {
            out.value = unknown(what);
        }
        out
    }

    /// Calls one callee value.
    pub fn apply(&self, callee: &Value, args: &Args, ctx: &Ctx, out: &mut Outcome) {
        match callee {
            Value::Func(f) => extend(&mut out.value, self.call_local(*f, args, None)),
            Value::Class(c) => push(&mut out.value, Value::Instance(*c)),
            Value::Method(recv, m) => self.apply_method(recv, m, args, ctx, out),
            Value::Ext(name) if clients::is_factory(name) => clients::factory(self, name, args, out),
            Value::Ext(name) if powertools::is_powertools(name) => powertools::call(name, args, out),
            Value::Ext(name) => extend(&mut out.value, builtins::call(self, name, args)),
            Value::Dynamic(recv) => {
                let what = match recv.as_ref() {
                    Value::Client(c) => format!("{} client", c.service.as_deref().unwrap_or("an unknown")),
                    Value::Res(r) => format!("{} resource", r.service),
                    _ => "an SDK object".into(),
                };
                out.warnings.push((
                    codes::UNRESOLVED_SDK_CALL,
                    format!("dynamic SDK call: method name not known statically (getattr on {what})"),
                ));
                push(&mut out.value, Value::Unknown("dynamic call".into()));
            }
            _ => push(&mut out.value, Value::Unknown("call".into())),
        }
    }

    fn apply_method(&self, recv: &Value, m: &str, args: &Args, ctx: &Ctx, out: &mut Outcome) {
        match recv {
            Value::Instance(c) | Value::Class(c) => {
                if let Some(f) = self.method(*c, m) {
                    let decorators = &self.scopes.get(f).decorators;
                    let self_value = if decorators.iter().any(|d| d == "staticmethod") {
                        None
                    } else if decorators.iter().any(|d| d == "classmethod") {
                        Some(Value::Class(*c))
                    } else if matches!(recv, Value::Instance(_)) {
                        Some(recv.clone())
                    } else {
                        None
                    };
                    extend(&mut out.value, self.call_local(f, args, self_value));
                    return;
                }
                // An attribute holding something callable (`self.factory()`).
                for v in self.instance_attr(*c, m, recv) {
                    if !matches!(v, Value::Unknown(_)) && self.descend() {
                        self.apply(&v, args, ctx, out);
                        self.ascend();
                    }
                }
            }
            Value::Client(_) | Value::Session(_) | Value::Paginator(..) | Value::Waiter(..) => {
                clients::method(self, recv, m, args, out)
            }
            Value::Res(_) | Value::Collection(_) | Value::BatchWriter(_) => {
                resource_api::method(self, recv, m, args, out)
            }
            Value::Provider(p) => powertools::method(p, m, args, out),
            _ => extend(&mut out.value, builtins::method(recv, m, args)),
        }
    }
}

/// `d[key]` / `d.get(key)`: the values of the entries whose key may equal `key`.
pub fn dict_get(entries: &[(Vals, Vals)], open: bool, key: &Vals) -> Vals {
    let wanted: Vec<&str> = key
        .iter()
        .filter_map(|k| match k {
            Value::Str(h) => h.as_literal(),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut exact = false;
    for (k, v) in entries {
        let literal_keys: Vec<&str> = k
            .iter()
            .filter_map(|x| match x {
                Value::Str(h) => h.as_literal(),
                _ => None,
            })
            .collect();
        let hit = literal_keys.iter().any(|l| wanted.contains(l));
        exact |= hit;
        // An entry with a computed key may be the one asked for.
        if wanted.is_empty() || hit || literal_keys.len() < k.len() {
            extend(&mut out, v.iter().cloned());
        }
    }
    if out.is_empty() || (open && !exact) {
        push(&mut out, Value::Unknown("dict value".into()));
    }
    out
}

/// The arguments of `template % args`: a tuple's elements or a dict's entries.
fn format_args(right: &Vals) -> (Vec<Vals>, Vec<(String, Vals)>) {
    for v in right {
        match v {
            Value::List(elements, _) => return (elements.clone(), Vec::new()),
            Value::Dict(entries, _) => {
                let named = entries
                    .iter()
                    .filter_map(|(k, v)| {
                        k.iter().find_map(|x| match x {
                            Value::Str(h) => h.as_literal().map(|s| (s.to_string(), v.clone())),
                            _ => None,
                        })
                    })
                    .collect();
                return (Vec::new(), named);
            }
            _ => {}
        }
    }
    (vec![right.clone()], Vec::new())
}

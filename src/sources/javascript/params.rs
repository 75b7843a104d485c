//! A call's input object → the parameters it passes: each member with its hints (nested
//! members as `Outer.Inner`, members of array items as `List[].Member`), whether members
//! are hidden (a spread or a variable object not known statically), the tables of a
//! DynamoDB batch and the elements of a transaction.

use std::collections::BTreeMap;

use crate::sources::{Element, Hint};

use super::eval::Eval;
use super::hints;
use super::syntax::{self, *};
use super::values::{At, Value};

/// Nesting levels recorded below a top-level member.
const MAX_NESTING: usize = 2;

/// Members that carry data, not resource names: their insides are not recorded.
const DATA_MEMBERS: &[&str] = &[
    "Attributes",
    "Body",
    "Content",
    "ExclusiveStartKey",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "Item",
    "Key",
    "Keys",
    "Message",
    "MessageAttributes",
    "MessageSystemAttributes",
    "Metadata",
    "Payload",
    "RequestItems",
    "TransactItems",
];

/// Whether the insides of member `name` (`Outer.Inner`, `List[].Member`) are recorded.
fn descends(name: &str) -> bool {
    let last = name.rsplit(['.', ']']).find(|s| !s.is_empty()).unwrap_or(name);
    !DATA_MEMBERS.contains(&last)
}

/// The parameters of one call.
#[derive(Debug, Default)]
pub struct Params {
    pub params: BTreeMap<String, Vec<Hint>>,
    pub open: bool,
    pub elements: Vec<Element>,
    /// Why members are hidden, for a warning.
    pub hidden: Option<String>,
}

impl Params {
    pub fn add(&mut self, name: String, hints: Vec<Hint>) {
        let entry = self.params.entry(name).or_default();
        for h in hints {
            if !entry.contains(&h) {
                entry.push(h);
            }
        }
    }
}

/// What the operation takes from the input: which member names the call's context.
struct Ctx<'a> {
    service: &'a str,
    operation: &'a str,
}

/// Parameters from the input expression `input` (and a v2 client's bound `params`).
pub fn extract<'t>(
    ev: &Eval<'t>,
    input: Option<At<'t>>,
    bound: Option<At<'t>>,
    service: &str,
    operation: &str,
) -> Params {
    match input {
        Some(input) => from_values(ev, &ev.eval(input), &hints::why(ev, input), bound, service, operation),
        None => from_values(ev, &[], "", bound, service, operation),
    }
}

/// Parameters from the values the input may be (`why` names it in warnings); no values
/// means the call passes no input.
pub fn from_values<'t>(
    ev: &Eval<'t>,
    values: &[Value<'t>],
    why: &str,
    bound: Option<At<'t>>,
    service: &str,
    operation: &str,
) -> Params {
    let ctx = Ctx { service, operation };
    let mut out = Params::default();
    if let Some(bound) = bound {
        // A v2 client's bound `params` apply where the call does not pass the member.
        let mut defaults = Params::default();
        collect_object(ev, bound, "", 0, &ctx, &mut defaults);
        let explicit = from_values(ev, values, why, None, service, operation);
        out = explicit;
        for (name, hints) in defaults.params {
            out.params.entry(name).or_insert(hints);
        }
        return out;
    }
    if values.is_empty() {
        return out;
    }
    let mut any_object = false;
    for v in values {
        match v {
            Value::Object(obj) => {
                any_object = true;
                collect_object(ev, *obj, "", 0, &ctx, &mut out);
            }
            Value::Lit(s) if s == "undefined" || s == "null" => {}
            _ => out.open = true,
        }
    }
    if !any_object {
        out.hidden = Some(format!("parameters `{why}` not known statically"));
    }
    dynamodb_specifics(ev, values, &ctx, &mut out);
    out
}

/// Members of one object literal, under `prefix`.
fn collect_object<'t>(ev: &Eval<'t>, obj: At<'t>, prefix: &str, depth: usize, ctx: &Ctx<'_>, out: &mut Params) {
    let source = &ev.file(obj.file).source;
    for part in syntax::named_children(obj.node) {
        match part.kind() {
            PAIR => {
                let (Some(key), Some(value)) = (part.child_by_field_name("key"), part.child_by_field_name("value"))
                else {
                    continue;
                };
                let names = match syntax::property_name(key, source) {
                    Some(name) => vec![name],
                    None => ev.computed_key(obj.with(key)),
                };
                if names.is_empty() && prefix.is_empty() {
                    out.open = true;
                    out.hidden
                        .get_or_insert_with(|| format!("computed member `{}`", syntax::short(key, source, 40)));
                }
                for name in names.into_iter().filter(|n| prefix.is_empty() || looks_like_member(n)) {
                    member(ev, obj.with(value), &format!("{prefix}{name}"), depth, ctx, out);
                }
            }
            SHORTHAND_PROPERTY_IDENTIFIER => {
                let name = syntax::text(part, source);
                member(ev, obj.with(part), &format!("{prefix}{name}"), depth, ctx, out);
            }
            SPREAD_ELEMENT => {
                let Some(inner) = syntax::named_children(part).first().copied() else {
                    continue;
                };
                let mut known = false;
                for v in ev.eval(obj.with(inner)) {
                    match v {
                        Value::Object(o) if depth < 4 => {
                            known = true;
                            collect_object(ev, o, prefix, depth + 1, ctx, out);
                        }
                        _ => {}
                    }
                }
                if !known && prefix.is_empty() {
                    out.open = true;
                    out.hidden.get_or_insert_with(|| {
                        format!("spread `...{}` not known statically", hints::why(ev, obj.with(inner)))
                    });
                }
            }
            _ => {}
        }
    }
    for (name, value) in ev.bindings[obj.file].extras(obj.node) {
        if prefix.is_empty() || looks_like_member(name) {
            member(ev, obj.with(*value), &format!("{prefix}{name}"), depth, ctx, out);
        }
    }
}

/// API member names start with a letter (`:v` and `#n` placeholders, `1` indexes do not).
fn looks_like_member(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// One member: its hints, then its nested members.
fn member<'t>(ev: &Eval<'t>, value: At<'t>, name: &str, depth: usize, ctx: &Ctx<'_>, out: &mut Params) {
    let values = ev.eval(value);
    out.add(
        name.to_string(),
        hints::param_hints(&values, &hints::why(ev, value), ctx.service, ctx.operation),
    );
    if depth >= MAX_NESTING || !descends(name) {
        return;
    }
    for v in &values {
        match v {
            Value::Object(o) => collect_object(ev, *o, &format!("{name}."), depth + 1, ctx, out),
            Value::List { items, .. } => {
                for item in items {
                    if let Value::Object(o) = item {
                        collect_object(ev, *o, &format!("{name}[]."), depth + 1, ctx, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// DynamoDB batches name tables by key; transactions list typed elements.
fn dynamodb_specifics<'t>(ev: &Eval<'t>, input: &[Value<'t>], ctx: &Ctx<'_>, out: &mut Params) {
    if ctx.service != "dynamodb" {
        return;
    }
    match ctx.operation {
        "BatchGetItem" | "BatchWriteItem" => {
            let items = ev.member(input, "RequestItems");
            let mut tables = Vec::new();
            for v in &items {
                match v {
                    Value::Object(o) => tables.extend(table_keys(ev, *o)),
                    Value::Sdk(super::values::Sdk::Result { service, operation, .. })
                        if service == ctx.service && operation == ctx.operation => {}
                    _ => tables.push(Hint::unknown("RequestItems")),
                }
            }
            if !tables.is_empty() {
                out.add("TableName".into(), tables);
            }
        }
        "TransactWriteItems" | "TransactGetItems" => {
            let items = ev.member(input, "TransactItems");
            let elements = ev.elements(&items);
            for el in &elements {
                let Value::Object(o) = el else {
                    out.hidden
                        .get_or_insert_with(|| "transaction items not known statically".into());
                    continue;
                };
                for part in syntax::named_children(o.node) {
                    if part.kind() != PAIR {
                        continue;
                    }
                    let source = &ev.file(o.file).source;
                    let kind = part
                        .child_by_field_name("key")
                        .and_then(|k| syntax::property_name(k, source));
                    let (Some(kind), Some(value)) = (kind, part.child_by_field_name("value")) else {
                        continue;
                    };
                    let mut inner = Params::default();
                    for v in ev.eval(o.with(value)) {
                        if let Value::Object(io) = v {
                            collect_object(ev, io, "", 1, ctx, &mut inner);
                        }
                    }
                    let element = Element {
                        kind,
                        params: inner.params,
                    };
                    if !out.elements.contains(&element) {
                        out.elements.push(element);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The table names an object literal keyed by table has.
fn table_keys<'t>(ev: &Eval<'t>, obj: At<'t>) -> Vec<Hint> {
    let source = &ev.file(obj.file).source;
    let mut out = Vec::new();
    for part in syntax::named_children(obj.node) {
        match part.kind() {
            PAIR => {
                let Some(key) = part.child_by_field_name("key") else {
                    continue;
                };
                match syntax::property_name(key, source) {
                    Some(name) => out.push(Hint::literal(name)),
                    None => {
                        let inner = syntax::named_children(key).first().copied();
                        match inner {
                            Some(expr) => out.extend(hints::hints(ev, obj.with(expr))),
                            None => out.push(Hint::unknown("RequestItems key")),
                        }
                    }
                }
            }
            SHORTHAND_PROPERTY_IDENTIFIER => out.push(Hint::literal(syntax::text(part, source))),
            SPREAD_ELEMENT => {
                let Some(inner) = syntax::named_children(part).first().copied() else {
                    continue;
                };
                for v in ev.eval(obj.with(inner)) {
                    match v {
                        Value::Object(o) => out.extend(table_keys(ev, o)),
                        _ => out.push(Hint::unknown(hints::why(ev, obj.with(inner)))),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

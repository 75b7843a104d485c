//! boto3's resource API (`dynamodb.Table("Orders").put_item(...)`, `s3.Object(b, k).get()`,
//! `bucket.objects.filter(Prefix=p).delete()`, `queue.send_message(...)`) → the client
//! operations it issues, driven by boto3's own resource models
//! ([`Boto3Resources`](crate::catalog::boto3_resources::Boto3Resources)): actions,
//! sub-resources (`has`), collections (`hasMany`) and their batch actions, waiters,
//! `load()` and lazily loaded attributes, plus the methods boto3 injects (transfers,
//! `batch_writer`).

use std::collections::BTreeMap;

use crate::catalog::boto3_resources::{Param, ResourceDef, Target};
use crate::catalog::helpers::{BOTO3_BATCH_WRITER, BOTO3_INJECTED_LOADS};
use crate::catalog::names::snake_case;
use crate::diagnostics::codes;
use crate::sources::{Hint, Via};

use super::bindings::{Args, Env};
use super::op::{Op, Outcome};
use super::params::Request;
use super::responses;
use super::transfers;
use super::value::{Collection, Res, Response, Vals, Value, hints_of, push, unknown};

/// Collection methods that start the listing (and return a collection).
const COLLECTION_METHODS: &[&str] = &["all", "filter", "limit", "page_size", "pages", "iterator"];

fn def<'e>(env: &'e Env<'_>, r: &Res) -> Option<&'e ResourceDef> {
    env.models.service(&r.service)?.def(r.rtype.as_deref())
}

/// `resource.name` without a call.
pub fn attr(env: &Env<'_>, r: &Res, name: &str) -> Vals {
    if name == "meta" {
        return vec![Value::Meta(Box::new(Value::Res(r.clone())))];
    }
    let Some(d) = def(env, r) else { return unknown(name) };
    if r.rtype.is_some()
        && let Some(i) = d.identifier(name)
    {
        let id = &d.identifiers[i].name;
        let hints = r
            .ids
            .get(id)
            .cloned()
            .unwrap_or_else(|| vec![Hint::unknown(id.clone())]);
        return hints.into_iter().map(Value::Str).collect();
    }
    if let Some((key, _)) = d.collection(name) {
        let c = Collection {
            parent: r.clone(),
            name: key.to_string(),
            started: false,
            params: BTreeMap::new(),
        };
        return vec![Value::Collection(c)];
    }
    vec![Value::Method(Box::new(Value::Res(r.clone())), name.to_string())]
}

/// The operation reading `resource.name` issues when it is a lazily loaded attribute
/// (`obj.content_length` → HeadObject), if it is one.
pub fn lazy_load(env: &Env<'_>, r: &Res, name: &str) -> Option<Op> {
    let d = def(env, r)?;
    r.rtype.as_ref()?;
    let known = name == "meta"
        || name.starts_with('_')
        || d.identifier(name).is_some()
        || d.collection(name).is_some()
        || d.sub_resource(name).is_some()
        || d.action(name).is_some()
        || d.waiter(name).is_some()
        || matches!(name, "load" | "reload" | "get_available_subresources")
        || crate::catalog::helpers::boto3_transfer(name).is_some()
        || name == BOTO3_BATCH_WRITER.2;
    if known {
        return None;
    }
    let load = d.load.as_ref()?;
    Some(
        request_op(
            r,
            &load.request.operation,
            &load.request.params,
            &Args::default(),
            Via::Direct,
        )
        .0,
    )
}

/// A method called on a resource, collection or batch writer.
pub fn method(env: &Env<'_>, recv: &Value, m: &str, args: &Args, out: &mut Outcome) {
    match recv {
        Value::Res(r) => resource_method(env, r, m, args, out),
        Value::Collection(c) => collection_method(env, c, m, args, out),
        // The writes of a batch writer go out as the BatchWriteItem recorded at its creation.
        Value::BatchWriter(_) => push(&mut out.value, Value::NoneVal),
        _ => push(&mut out.value, Value::Unknown(format!(".{m}()"))),
    }
}

fn resource_method(env: &Env<'_>, r: &Res, m: &str, args: &Args, out: &mut Outcome) {
    let Some(d) = def(env, r) else {
        push(&mut out.value, Value::Unknown(format!(".{m}()")));
        return;
    };
    let rtype = r.rtype.as_deref().unwrap_or("service resource");
    if let Some(target) = env
        .models
        .service(&r.service)
        .and_then(|s| s.sub_resource(r.rtype.as_deref(), m))
    {
        push(&mut out.value, Value::Res(sub_resource(env, r, &target, args)));
        return;
    }
    if transfers::resource_method(r, m, args, out) {
        return;
    }
    let (svc, table, method_name, operation) = BOTO3_BATCH_WRITER;
    if r.service == svc && r.rtype.as_deref() == Some(table) && m == method_name {
        let mut op = Op::new(svc, operation, r.creds);
        op.params.insert("TableName".into(), id_hints(r, "Name"));
        op.via = Via::Helper(m.to_string());
        out.ops.push(op);
        push(&mut out.value, Value::BatchWriter(r.clone()));
        return;
    }
    if matches!(m, "load" | "reload") {
        let injected = BOTO3_INJECTED_LOADS
            .iter()
            .find(|(s, t, _)| *s == r.service && Some(*t) == r.rtype.as_deref());
        let op = match (injected, &d.load) {
            (Some((_, "ObjectSummary", op)), _) => {
                let mut o = Op::new(&r.service, op, r.creds);
                o.params.insert("Bucket".into(), id_hints(r, "BucketName"));
                o.params.insert("Key".into(), id_hints(r, "Key"));
                Some(o)
            }
            (Some((_, _, op)), _) => Some(Op::new(&r.service, op, r.creds)),
            (None, Some(load)) => {
                Some(request_op(r, &load.request.operation, &load.request.params, args, Via::Direct).0)
            }
            (None, None) => None,
        };
        out.ops.extend(op);
        push(&mut out.value, Value::NoneVal);
        return;
    }
    if let Some((_, action)) = d.action(m) {
        let (op, params) = request_op(r, &action.request.operation, &action.request.params, args, Via::Direct);
        let operation = op.operation.clone();
        out.ops.push(op);
        match &action.resource {
            Some(target) => {
                let ids = target_ids(env, r, target, args, Some((&operation, &params)));
                let res = Res {
                    service: r.service.clone(),
                    rtype: Some(target.resource_type.clone()),
                    ids,
                    creds: r.creds,
                };
                push(&mut out.value, Value::Res(res));
            }
            None => push(
                &mut out.value,
                Value::Response(Response {
                    service: r.service.clone(),
                    operation: operation.clone(),
                    params,
                    path: String::new(),
                    credentials: false,
                }),
            ),
        }
        return;
    }
    if let Some(w) = d.waiter(m) {
        match env.catalog.waiter(&r.service, &w.waiter_name) {
            Some(operation) => out.ops.push(request_op(r, operation, &w.params, args, Via::Waiter).0),
            None => out.warnings.push((
                codes::UNKNOWN_OPERATION,
                format!("{} has no waiter {}", r.service, w.waiter_name),
            )),
        }
        push(&mut out.value, Value::NoneVal);
        return;
    }
    if m == "get_available_subresources" {
        push(&mut out.value, Value::Unknown(m.into()));
        return;
    }
    out.warnings.push((
        codes::UNKNOWN_OPERATION,
        format!("{} {rtype} has no method `{m}`", r.service),
    ));
    push(&mut out.value, Value::Unknown(format!(".{m}()")));
}

fn collection_method(env: &Env<'_>, c: &Collection, m: &str, args: &Args, out: &mut Outcome) {
    let Some(d) = def(env, &c.parent) else { return };
    let Some((_, many)) = d.collection(&snake_case(&c.name)) else {
        return;
    };
    if COLLECTION_METHODS.contains(&m) {
        let mut next = c.clone();
        if m == "filter" {
            let req = super::params::request(&args.keywords, &args.double_star);
            next.params.extend(req.params);
        }
        if !c.started {
            out.ops
                .push(list_op(c, &next.params, &many.request.operation, &many.request.params));
        }
        next.started = true;
        push(&mut out.value, Value::Collection(next));
        return;
    }
    let item_type = &many.resource.resource_type;
    let batch = env
        .models
        .service(&c.parent.service)
        .and_then(|s| s.def(Some(item_type)))
        .and_then(|item| item.batch_action(m));
    let Some((_, action)) = batch else {
        out.warnings.push((
            codes::UNKNOWN_OPERATION,
            format!("{} collection has no method `{m}`", c.name),
        ));
        push(&mut out.value, Value::Unknown(format!(".{m}()")));
        return;
    };
    // A batch action lists the collection, then acts on each page of items.
    if !c.started {
        out.ops
            .push(list_op(c, &c.params, &many.request.operation, &many.request.params));
    }
    for item in items(env, c) {
        if let Value::Res(r) = item {
            out.ops
                .push(request_op(&r, &action.request.operation, &action.request.params, args, Via::Direct).0);
        }
    }
    push(&mut out.value, Value::Unknown(format!(".{m}()")));
}

/// The listing request of a collection.
fn list_op(c: &Collection, filters: &BTreeMap<String, Vec<Hint>>, operation: &str, params: &[Param]) -> Op {
    let (mut op, _) = request_op(&c.parent, operation, params, &Args::default(), Via::Direct);
    for (k, v) in filters {
        op.params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    op
}

/// The resources iterating over a collection yields.
pub fn items(env: &Env<'_>, c: &Collection) -> Vals {
    let Some(many) = def(env, &c.parent).and_then(|d| d.collection(&snake_case(&c.name)).map(|(_, m)| m)) else {
        return unknown("item");
    };
    let (op, _) = request_op(
        &c.parent,
        &many.request.operation,
        &many.request.params,
        &Args::default(),
        Via::Direct,
    );
    let mut params = op.params;
    for (k, v) in &c.params {
        params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let ids = target_ids(
        env,
        &c.parent,
        &many.resource,
        &Args::default(),
        Some((&op.operation, &params)),
    );
    let res = Res {
        service: c.parent.service.clone(),
        rtype: Some(many.resource.resource_type.clone()),
        ids,
        creds: c.parent.creds,
    };
    vec![Value::Res(res)]
}

fn id_hints(r: &Res, id: &str) -> Vec<Hint> {
    r.ids
        .get(id)
        .cloned()
        .unwrap_or_else(|| vec![Hint::unknown(id.to_string())])
}

/// A request of `operation` on resource `r`: its identifier-filled members, then the
/// call's keyword arguments.
fn request_op(r: &Res, operation: &str, params: &[Param], args: &Args, via: Via) -> (Op, BTreeMap<String, Vec<Hint>>) {
    let mut req = Request::default();
    for p in params {
        let target = p.target.replace("[]", "");
        let hints = match p.source.as_str() {
            "identifier" => id_hints(r, p.name.as_deref().unwrap_or("")),
            "string" | "integer" | "boolean" => {
                let v = p
                    .value
                    .as_ref()
                    .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
                vec![v.map(Hint::literal).unwrap_or_else(|| Hint::unknown(target.clone()))]
            }
            _ => vec![Hint::unknown(target.clone())],
        };
        req.params.insert(target, hints);
    }
    for (name, vals) in &args.keywords {
        req.add(name, vals);
    }
    for d in &args.double_star {
        req.add_splat(d);
    }
    let mut op = Op::new(&r.service, operation, r.creds);
    op.params = req.params.clone();
    op.elements = req.elements;
    op.open_params = req.open;
    op.via = via;
    (op, req.params)
}

/// `parent.Name(args)`: a sub-resource whose identifiers come from the parent and the
/// arguments.
fn sub_resource(env: &Env<'_>, parent: &Res, target: &Target, args: &Args) -> Res {
    let ids = target_ids(env, parent, target, args, None);
    Res {
        service: parent.service.clone(),
        rtype: Some(target.resource_type.clone()),
        ids,
        creds: parent.creds,
    }
}

/// The identifiers of a resource a reference, action or collection yields.
fn target_ids(
    env: &Env<'_>,
    parent: &Res,
    target: &Target,
    args: &Args,
    request: Option<(&str, &BTreeMap<String, Vec<Hint>>)>,
) -> BTreeMap<String, Vec<Hint>> {
    let mut ids = BTreeMap::new();
    let mut next_positional = 0;
    for p in &target.identifiers {
        let hints: Vec<Hint> = match p.source.as_str() {
            "identifier" => id_hints(parent, p.name.as_deref().unwrap_or("")),
            "input" => {
                let by_name = args.keyword(&snake_case(&p.target)).or_else(|| args.keyword(&p.target));
                let v: Option<&Vals> = by_name.or_else(|| {
                    next_positional += 1;
                    args.positional.get(next_positional - 1)
                });
                v.map(|v| hints_of(v, &p.target))
                    .unwrap_or_else(|| vec![Hint::unknown(p.target.clone())])
            }
            "requestParameter" => {
                let path = p.path.as_deref().unwrap_or("");
                request
                    .and_then(|(_, params)| params.get(path).cloned())
                    .unwrap_or_else(|| vec![Hint::unknown(path.to_string())])
            }
            "response" => {
                let path = p.path.as_deref().unwrap_or("");
                request
                    .and_then(|(op, params)| responses::derive(&parent.service, op, path, params))
                    .unwrap_or_else(|| vec![Hint::unknown(p.target.clone())])
            }
            _ => vec![Hint::unknown(p.target.clone())],
        };
        ids.insert(p.target.clone(), hints);
    }
    let _ = env;
    ids
}

//! boto3's S3 managed transfers (`upload_file`, `download_fileobj`, `copy`... on the
//! client, `Bucket` and `Object`) → the operations each issues, and presigned URLs /
//! posts → the signed operation (`via = Presign`). The tables live in
//! `catalog::helpers`.

use std::collections::BTreeMap;

use crate::catalog::helpers::{BOTO3_PRESIGNERS, BOTO3_TRANSFER_RESOURCES, Helper, boto3_transfer};
use crate::diagnostics::codes;
use crate::sources::{Hint, Via};

use super::bindings::{Args, Env};
use super::op::{Op, Outcome};
use super::params::Request;
use super::value::{Client, Creds, Res, Value, push};

/// Arguments of a transfer that are local files or streams, not request members.
const LOCAL_ARGS: &[&str] = &["Filename", "Fileobj"];

/// A managed transfer or presigner called on a client; `false` when `m` is neither.
pub fn client_method(env: &Env<'_>, c: &Client, service: &str, m: &str, args: &Args, out: &mut Outcome) -> bool {
    if let Some((_, fixed)) = BOTO3_PRESIGNERS.iter().find(|(name, _)| *name == m) {
        presign(env, c, service, m, *fixed, args, out);
        return true;
    }
    match boto3_transfer(m).filter(|h| h.service == service) {
        Some(h) => {
            transfer(h, BTreeMap::new(), c.creds, args, out);
            true
        }
        None => false,
    }
}

/// A managed transfer called on a `Bucket` or `Object` resource; `false` otherwise.
pub fn resource_method(r: &Res, m: &str, args: &Args, out: &mut Outcome) -> bool {
    let Some(rtype) = r.rtype.as_deref() else { return false };
    let Some((_, _, fills)) = BOTO3_TRANSFER_RESOURCES
        .iter()
        .find(|(s, t, _)| *s == r.service && *t == rtype)
    else {
        return false;
    };
    let Some(h) = boto3_transfer(m) else { return false };
    let fixed = fills
        .iter()
        .map(|(member, id)| {
            let hints = r
                .ids
                .get(*id)
                .cloned()
                .unwrap_or_else(|| vec![Hint::unknown(id.to_string())]);
            (member.to_string(), hints)
        })
        .collect();
    transfer(h, fixed, r.creds, args, out);
    true
}

/// The operations one managed transfer issues.
fn transfer(h: &Helper, fixed: BTreeMap<String, Vec<Hint>>, creds: Creds, args: &Args, out: &mut Outcome) {
    let mut req = Request {
        params: fixed,
        ..Request::default()
    };
    let free: Vec<&str> = h
        .args
        .iter()
        .copied()
        .filter(|a| !req.params.contains_key(*a))
        .collect();
    for (i, name) in free.iter().enumerate() {
        if let Some(v) = args.arg(i, name) {
            req.add(name, v);
        }
    }
    // ExtraArgs members go into the request (ACL, Tagging, VersionId, SSE...).
    if let Some(extra) = args.arg(free.len(), "ExtraArgs") {
        req.add_splat(extra);
    }
    req.params.retain(|k, _| !LOCAL_ARGS.contains(&k.as_str()));
    let ops = h
        .operations
        .iter()
        .map(|o| (o, false))
        .chain(h.possible.iter().map(|o| (o, true)));
    for (operation, possible) in ops {
        let mut op = Op::new(h.service, operation, creds);
        op.params = req.params.clone();
        op.open_params = req.open || !args.double_star.is_empty();
        op.via = Via::Helper(h.method.to_string());
        op.possible = possible;
        out.ops.push(op);
    }
    push(&mut out.value, Value::NoneVal);
}

/// `generate_presigned_url("get_object", Params={...})`, `generate_presigned_post(b, k)`.
fn presign(env: &Env<'_>, c: &Client, service: &str, m: &str, fixed: Option<&str>, args: &Args, out: &mut Outcome) {
    push(&mut out.value, Value::Str(Hint::unknown("presigned URL")));
    let operation = match fixed {
        Some(op) => Some(op.to_string()),
        None => {
            let names: Vec<String> = args
                .arg(0, "ClientMethod")
                .into_iter()
                .flatten()
                .filter_map(|v| match v {
                    Value::Str(h) => h.as_literal().map(str::to_string),
                    _ => None,
                })
                .collect();
            names
                .first()
                .and_then(|n| env.catalog.operation(service, n).map(|(api, _)| api.to_string()))
        }
    };
    let Some(operation) = operation else {
        out.warnings.push((
            codes::UNRESOLVED_SDK_CALL,
            format!("{m}: the signed {service} operation is not known statically"),
        ));
        return;
    };
    let mut req = Request::default();
    if fixed.is_some() {
        for (i, name) in ["Bucket", "Key"].iter().enumerate() {
            if let Some(v) = args.arg(i, name) {
                req.add(name, v);
            }
        }
    } else if let Some(params) = args.arg(1, "Params") {
        req.add_splat(params);
    }
    let mut op = Op::new(service, &operation, c.creds);
    op.params = req.params;
    op.elements = req.elements;
    op.open_params = req.open;
    op.via = Via::Presign;
    out.ops.push(op);
}

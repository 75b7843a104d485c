//! boto3 clients: the factories (`boto3.client`, `boto3.resource`, `Session(...)`,
//! `session.client`, botocore's `create_client`), the credentials they sign with, and
//! what a client method issues: an operation, a paginator, a waiter, a managed transfer
//! or a presigned URL.

use crate::diagnostics::codes;
use crate::sources::Via;

use super::bindings::{Args, Env};
use super::op::{Op, Outcome};
use super::params::request;
use super::responses;
use super::transfers;
use super::value::{Client, Creds, Res, Response, Vals, Value, push, unknown};

/// The credential arguments of a client or session.
const CREDENTIAL_ARGS: &[&str] = &["aws_access_key_id", "aws_secret_access_key", "aws_session_token"];
/// Environment variables that hold the function's own credentials.
const OWN_CREDENTIAL_ENV: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/// Whether a dotted external name is a boto3/botocore factory this module models.
pub fn is_factory(name: &str) -> bool {
    matches!(
        name,
        "boto3.client"
            | "boto3.resource"
            | "boto3.Session"
            | "boto3.session.Session"
            | "boto3._get_default_session"
            | "botocore.session.Session"
            | "botocore.session.get_session"
            | "aioboto3.Session"
    )
}

/// The credentials a client or session built with these arguments signs with.
fn creds_of(args: &Args, base: Creds) -> Creds {
    let mut creds = base;
    for name in CREDENTIAL_ARGS {
        let Some(vals) = args.keyword(name) else { continue };
        let own = vals.iter().all(|v| match v {
            Value::Str(h) => matches!(h.pieces.as_slice(), [crate::sources::Piece::Env(e)] if OWN_CREDENTIAL_ENV.contains(&e.as_str())),
            Value::NoneVal => true,
            _ => false,
        });
        creds.foreign |= !own;
    }
    creds
}

/// `boto3.client(...)`, `boto3.resource(...)`, `boto3.Session(...)`.
pub fn factory(env: &Env<'_>, name: &str, args: &Args, out: &mut Outcome) {
    match name {
        "boto3.client" => make(env, args, Creds::default(), false, out),
        "boto3.resource" => make(env, args, Creds::default(), true, out),
        _ => push(&mut out.value, Value::Session(creds_of(args, Creds::default()))),
    }
}

/// A client (or service resource) for the service the arguments name.
fn make(env: &Env<'_>, args: &Args, base: Creds, resource: bool, out: &mut Outcome) {
    let creds = creds_of(args, base);
    let kind = if resource { "resource" } else { "client" };
    let Some(service) = args.arg(0, "service_name") else {
        out.warnings.push((
            codes::UNKNOWN_SERVICE,
            format!("boto3 {kind} created without a service name"),
        ));
        push(&mut out.value, Value::Client(Client { service: None, creds }));
        return;
    };
    for v in service {
        let literal = match v {
            Value::Str(h) => h.as_literal(),
            _ => None,
        };
        let Some(svc) = literal else {
            out.warnings.push((
                codes::UNKNOWN_SERVICE,
                format!(
                    "boto3 {kind} whose service is computed at run time ({}): its calls cannot be resolved",
                    describe(&v.hint("service"))
                ),
            ));
            push(&mut out.value, Value::Client(Client { service: None, creds }));
            continue;
        };
        if env.catalog.service(svc).is_none() {
            out.warnings.push((
                codes::UNKNOWN_SERVICE,
                format!("`{svc}` is not a service the catalog knows"),
            ));
        }
        if resource {
            if env.models.service(svc).is_some() {
                let res = Res {
                    service: svc.to_string(),
                    rtype: None,
                    ids: Default::default(),
                    creds,
                };
                push(&mut out.value, Value::Res(res));
            } else {
                out.warnings
                    .push((codes::UNKNOWN_SERVICE, format!("boto3 has no resource API for `{svc}`")));
            }
        } else {
            push(
                &mut out.value,
                Value::Client(Client {
                    service: Some(svc.to_string()),
                    creds,
                }),
            );
        }
    }
}

/// `client.meta.client`, `resource.meta.client`.
pub fn meta_attr(inner: &Value, name: &str) -> Vals {
    match (inner, name) {
        (Value::Res(r), "client") => vec![Value::Client(Client {
            service: Some(r.service.clone()),
            creds: r.creds,
        })],
        _ => unknown(format!("meta.{name}")),
    }
}

/// A method of a session, client, paginator or waiter.
pub fn method(env: &Env<'_>, recv: &Value, m: &str, args: &Args, out: &mut Outcome) {
    match recv {
        Value::Session(creds) => match m {
            "client" | "create_client" => make(env, args, *creds, false, out),
            "resource" => make(env, args, *creds, true, out),
            _ => push(&mut out.value, Value::Unknown(format!("session.{m}"))),
        },
        Value::Client(c) => client_method(env, c, m, args, out),
        Value::Paginator(c, op) if matches!(m, "paginate") => {
            issue(c, op, args, Via::Paginator, &["PaginationConfig"], out);
        }
        Value::Waiter(c, op) if m == "wait" => {
            issue(c, op, args, Via::Waiter, &["WaiterConfig"], out);
            out.value = vec![Value::NoneVal];
        }
        _ => push(&mut out.value, Value::Unknown(format!(".{m}()"))),
    }
}

/// Records `op` issued on client `c` with the call's keyword arguments.
pub fn issue(c: &Client, op: &str, args: &Args, via: Via, drop: &[&str], out: &mut Outcome) {
    let Some(service) = &c.service else { return };
    let mut req = request(&args.keywords, &args.double_star);
    req.params
        .retain(|k, _| !drop.iter().any(|d| k == d || k.starts_with(&format!("{d}."))));
    let response = Response {
        service: service.clone(),
        operation: op.to_string(),
        params: req.params.clone(),
        path: String::new(),
        credentials: responses::issues_credentials(service, op),
    };
    let mut o = Op::new(service, op, c.creds);
    o.params = req.params;
    o.elements = req.elements;
    o.open_params = req.open;
    o.via = via.clone();
    // A paginator yields pages, each a whole response.
    let value = if via == Via::Paginator {
        Value::List(vec![vec![Value::Response(response)]], true)
    } else {
        Value::Response(response)
    };
    out.ops.push(o);
    push(&mut out.value, value);
}

fn literal_arg(args: &Args, index: usize, name: &str) -> Option<String> {
    args.arg(index, name)?.iter().find_map(|v| match v {
        Value::Str(h) => h.as_literal().map(str::to_string),
        _ => None,
    })
}

fn client_method(env: &Env<'_>, c: &Client, m: &str, args: &Args, out: &mut Outcome) {
    let Some(service) = c.service.as_deref() else {
        out.warnings.push((
            codes::UNRESOLVED_SDK_CALL,
            format!("`{m}` called on a client whose service is not known statically"),
        ));
        push(&mut out.value, Value::Unknown(format!(".{m}()")));
        return;
    };
    match m {
        "get_paginator" | "get_waiter" => {
            let paginator = m == "get_paginator";
            let Some(name) = literal_arg(args, 0, if paginator { "operation_name" } else { "waiter_name" }) else {
                let what = if paginator { "paginator" } else { "waiter" };
                out.warnings.push((
                    codes::UNRESOLVED_SDK_CALL,
                    format!("{service} {what} name not known statically"),
                ));
                push(&mut out.value, Value::Unknown(m.into()));
                return;
            };
            let op = if paginator {
                env.catalog
                    .paginator(service, &name)
                    .or_else(|| env.catalog.operation(service, &name).map(|(api, _)| api))
            } else {
                env.catalog.waiter(service, &name)
            };
            match op {
                Some(op) if paginator => push(&mut out.value, Value::Paginator(c.clone(), op.to_string())),
                Some(op) => push(&mut out.value, Value::Waiter(c.clone(), op.to_string())),
                None => {
                    let what = if paginator { "paginator" } else { "waiter" };
                    out.warnings
                        .push((codes::UNKNOWN_OPERATION, format!("{service} has no {what} `{name}`")));
                    push(&mut out.value, Value::Unknown(m.into()));
                }
            }
        }
        "can_paginate" | "close" | "get_waiter_names" | "get_available_paginators" => {
            push(&mut out.value, Value::Unknown(m.into()))
        }
        "generate_db_auth_token" => {
            out.warnings.push((
                codes::UNRESOLVED_SDK_CALL,
                "generate_db_auth_token: connecting with the token needs rds-db:connect on the database user, which the analysis does not derive".into(),
            ));
            push(&mut out.value, Value::Unknown(m.into()));
        }
        _ if transfers::client_method(env, c, service, m, args, out) => {}
        _ => match env.catalog.operation(service, m) {
            Some((api, _)) => issue(c, api, args, Via::Direct, &[], out),
            None if env.catalog.sdk_service(service).is_some() => {
                out.warnings.push((
                    codes::UNKNOWN_OPERATION,
                    format!("{service} client has no operation `{m}`"),
                ));
                push(&mut out.value, Value::Unknown(m.into()));
            }
            None => extend_unknown(out, m),
        },
    }
}

fn extend_unknown(out: &mut Outcome, m: &str) {
    push(&mut out.value, Value::Unknown(format!(".{m}()")));
}

/// A hint with its unknown pieces named: `{event["service"]}`.
fn describe(h: &crate::sources::Hint) -> String {
    h.pieces
        .iter()
        .map(|p| match p {
            crate::sources::Piece::Literal(s) => s.clone(),
            crate::sources::Piece::Env(e) => format!("${{env:{e}}}"),
            crate::sources::Piece::Unknown(r) => format!("{{{r}}}"),
        })
        .collect()
}

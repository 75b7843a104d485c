//! SDK helpers that are not one API call: lib-storage `Upload` and v2 `s3.upload()` /
//! `ManagedUpload` (managed uploads), presigned URLs (v3 `getSignedUrl`, v2
//! `getSignedUrl[Promise]`, `createPresignedPost`), v3 `paginateX` and `waitUntilX`, v2
//! `waitFor`.

use crate::catalog::helpers;
use crate::diagnostics::codes;
use crate::sources::{Hint, Via};

use super::calls::{Emit, Found, emit, receiver_text};
use super::eval::Eval;
use super::params::{self, Params};
use super::syntax;
use super::values::{At, Client, Sdk, Value};

/// Issues a managed upload's operations with one set of parameters.
fn managed_upload<'t>(
    ev: &Eval<'t>,
    found: &mut Found,
    line_at: At<'t>,
    (helper, call): (&str, &str),
    foreign: bool,
    mut p: Params,
    tags: bool,
) {
    if tags {
        p.add("Tagging".into(), vec![Hint::unknown("tags")]);
    }
    let via = Via::Helper(helper.to_string());
    for (ops, possible) in [
        (helpers::MANAGED_UPLOAD_OPERATIONS, false),
        (helpers::MANAGED_UPLOAD_POSSIBLE, true),
    ] {
        for op in ops {
            let e = Emit {
                service: "s3",
                operation: op,
                via: via.clone(),
                foreign,
                possible,
                call: call.to_string(),
            };
            emit(ev, found, line_at, e, &mut p);
        }
    }
    if tags {
        // A multipart upload applies tags afterwards with PutObjectTagging.
        let e = Emit {
            service: "s3",
            operation: "PutObjectTagging",
            via,
            foreign,
            possible: true,
            call: call.to_string(),
        };
        emit(ev, found, line_at, e, &mut p);
    }
}

/// Whether any of `values` is a client with credentials of another principal (and none
/// is one without).
fn foreign_of(values: &[Value<'_>]) -> bool {
    let clients: Vec<&Client<'_>> = values.iter().filter_map(Value::client).collect();
    !clients.is_empty() && clients.iter().all(|c| c.foreign)
}

/// `new Upload({ client, params, tags })` / `new AWS.S3.ManagedUpload({ params, service })`.
pub fn upload<'t>(ev: &Eval<'t>, at: At<'t>, v2: bool, found: &mut Found) {
    let args = ev.args(at.node);
    let options = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let client = ev.member(&options, if v2 { "service" } else { "client" });
    let input = ev.member(&options, "params");
    let why = args
        .first()
        .map(|a| format!("{}.params", syntax::short(*a, &ev.file(at.file).source, 30)))
        .unwrap_or_default();
    let input = if input.is_empty() { vec![Value::Unknown] } else { input };
    let p = params::from_values(ev, &input, &why, None, "s3", "PutObject");
    let tags = ev.member(&options, "tags").iter().any(|v| !matches!(v, Value::Unknown));
    let names = if v2 {
        ("s3.ManagedUpload", "new AWS.S3.ManagedUpload")
    } else {
        ("lib-storage Upload", "new Upload")
    };
    managed_upload(ev, found, at, names, foreign_of(&client), p, tags);
}

/// v2 `s3.upload(params, options, callback)`.
pub fn managed_upload_v2<'t>(ev: &Eval<'t>, at: At<'t>, prop: At<'t>, client: &Client<'t>, found: &mut Found) {
    let args = ev.args(at.node);
    let input = args.first().map(|a| at.with(*a));
    let p = params::extract(ev, input, client.bound, "s3", "PutObject");
    let options = args.get(1).map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let tags = ev.member(&options, "tags").iter().any(|v| !matches!(v, Value::Unknown));
    let call = format!(
        "{}.upload",
        receiver_text(ev, at.with(syntax::unwrap_expr(callee_object(at))))
    );
    managed_upload(ev, found, prop, ("s3.upload", &call), client.foreign, p, tags);
}

fn callee_object(at: At<'_>) -> tree_sitter::Node<'_> {
    at.node
        .child_by_field_name("function")
        .map(syntax::unwrap_expr)
        .and_then(|f| f.child_by_field_name("object"))
        .unwrap_or(at.node)
}

/// v3 `getSignedUrl(client, command, options)`.
pub fn presign_v3<'t>(ev: &Eval<'t>, at: At<'t>, found: &mut Found) {
    let args = ev.args(at.node);
    let client = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let commands = args.get(1).map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let mut any = false;
    for v in &commands {
        let Value::Sdk(Sdk::Command {
            command,
            input,
            at: cmd_at,
        }) = v
        else {
            continue;
        };
        any = true;
        found.consumed.insert(cmd_at.key());
        let Some(operation) = &command.operation else { continue };
        let mut p = params::extract(ev, *input, None, &command.service, operation);
        let call = format!("getSignedUrl({})", command.class);
        let e = Emit {
            service: &command.service,
            operation,
            via: Via::Presign,
            foreign: foreign_of(&client),
            possible: false,
            call,
        };
        emit(ev, found, at, e, &mut p);
    }
    if !any {
        found.warn(
            ev,
            at,
            codes::UNRESOLVED_SDK_CALL,
            "getSignedUrl(...): the signed command is not known statically; its permission cannot be derived".into(),
        );
    }
}

/// v2 `s3.getSignedUrl("getObject", params)` / `getSignedUrlPromise`.
pub fn presign_v2<'t>(ev: &Eval<'t>, at: At<'t>, prop: At<'t>, client: &Client<'t>, name: &str, found: &mut Found) {
    let args = ev.args(at.node);
    let ops = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let recv = receiver_text(ev, at.with(syntax::unwrap_expr(callee_object(at))));
    let mut any = false;
    for v in &ops {
        let Some(op_name) = (if let Value::Str(h) = v { h.as_literal() } else { None }) else {
            continue;
        };
        let Some((operation, _)) = ev.catalog.operation(&client.service, op_name) else {
            found.warn(
                ev,
                prop,
                codes::UNKNOWN_OPERATION,
                format!(
                    "`{recv}.{name}(\"{op_name}\")`: not an operation of {} the catalog knows",
                    client.service
                ),
            );
            any = true;
            continue;
        };
        any = true;
        let input = args
            .get(1)
            .filter(|a| !syntax::is_function(a.kind()))
            .map(|a| at.with(*a));
        let mut p = params::extract(ev, input, client.bound, &client.service, operation);
        let call = format!("{recv}.{name}({op_name})");
        let e = Emit {
            service: &client.service,
            operation,
            via: Via::Presign,
            foreign: client.foreign,
            possible: false,
            call,
        };
        emit(ev, found, prop, e, &mut p);
    }
    if !any {
        found.warn(
            ev,
            prop,
            codes::UNRESOLVED_SDK_CALL,
            format!("`{recv}.{name}(...)`: the signed operation is not known statically"),
        );
    }
}

/// `createPresignedPost`: a browser form POST, authorized as PutObject with this role.
fn presigned_post<'t>(
    ev: &Eval<'t>,
    found: &mut Found,
    line_at: At<'t>,
    input: Option<At<'t>>,
    client: Option<&Client<'t>>,
    call: String,
) {
    let mut p = params::extract(ev, input, client.and_then(|c| c.bound), "s3", "PutObject");
    if !p.params.contains_key("Key")
        && let Some(key) = p
            .params
            .get("Fields.key")
            .or_else(|| p.params.get("Fields.Key"))
            .cloned()
    {
        p.params.insert("Key".into(), key);
    }
    let foreign = client.is_some_and(|c| c.foreign);
    let e = Emit {
        service: "s3",
        operation: "PutObject",
        via: Via::Presign,
        foreign,
        possible: false,
        call,
    };
    emit(ev, found, line_at, e, &mut p);
}

/// v2 `s3.createPresignedPost(params, callback)`.
pub fn presigned_post_v2<'t>(ev: &Eval<'t>, at: At<'t>, prop: At<'t>, client: &Client<'t>, found: &mut Found) {
    let input = ev
        .args(at.node)
        .first()
        .filter(|a| !syntax::is_function(a.kind()))
        .map(|a| at.with(*a));
    let call = format!(
        "{}.createPresignedPost",
        receiver_text(ev, at.with(syntax::unwrap_expr(callee_object(at))))
    );
    presigned_post(ev, found, prop, input, Some(client), call);
}

/// v3 `createPresignedPost(client, params)` from `@aws-sdk/s3-presigned-post`.
pub fn presigned_post_v3<'t>(ev: &Eval<'t>, at: At<'t>, found: &mut Found) {
    let args = ev.args(at.node);
    let clients = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let client = clients.iter().find_map(Value::client);
    presigned_post(
        ev,
        found,
        at,
        args.get(1).map(|a| at.with(*a)),
        client,
        "createPresignedPost".into(),
    );
}

/// v3 `paginateX({ client }, input)`: the paged operation, once per page.
pub fn paginate<'t>(ev: &Eval<'t>, at: At<'t>, service: &str, operation: Option<&str>, name: &str, found: &mut Found) {
    helper_with_config(ev, at, service, operation, name, Via::Paginator, found);
}

/// v3 `waitUntilX({ client }, input)`: the polled operation.
pub fn wait_v3<'t>(ev: &Eval<'t>, at: At<'t>, service: &str, operation: Option<&str>, name: &str, found: &mut Found) {
    helper_with_config(ev, at, service, operation, name, Via::Waiter, found);
}

fn helper_with_config<'t>(
    ev: &Eval<'t>,
    at: At<'t>,
    service: &str,
    operation: Option<&str>,
    name: &str,
    via: Via,
    found: &mut Found,
) {
    let Some(operation) = operation else {
        let what = if via == Via::Waiter { "waiter" } else { "paginator" };
        found.warn(
            ev,
            at,
            codes::UNKNOWN_OPERATION,
            format!("`{name}`: not a {what} of {service} the catalog knows"),
        );
        return;
    };
    let args = ev.args(at.node);
    let config = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let client = ev.member(&config, "client");
    let mut p = params::extract(ev, args.get(1).map(|a| at.with(*a)), None, service, operation);
    let e = Emit {
        service,
        operation,
        via,
        foreign: foreign_of(&client),
        possible: false,
        call: name.to_string(),
    };
    emit(ev, found, at, e, &mut p);
}

/// v2 `client.waitFor("objectExists", params, callback)`.
pub fn waiter_v2<'t>(ev: &Eval<'t>, at: At<'t>, prop: At<'t>, client: &Client<'t>, found: &mut Found) {
    let args = ev.args(at.node);
    let names = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let recv = receiver_text(ev, at.with(syntax::unwrap_expr(callee_object(at))));
    let mut any = false;
    for v in &names {
        let Some(waiter) = (if let Value::Str(h) = v { h.as_literal() } else { None }) else {
            continue;
        };
        any = true;
        let Some(operation) = ev.catalog.waiter(&client.service, waiter) else {
            found.warn(
                ev,
                prop,
                codes::UNKNOWN_OPERATION,
                format!(
                    "`{recv}.waitFor(\"{waiter}\")`: not a waiter of {} the catalog knows",
                    client.service
                ),
            );
            continue;
        };
        let input = args
            .get(1)
            .filter(|a| !syntax::is_function(a.kind()))
            .map(|a| at.with(*a));
        let mut p = params::extract(ev, input, client.bound, &client.service, operation);
        let call = format!("{recv}.waitFor({waiter})");
        let e = Emit {
            service: &client.service,
            operation,
            via: Via::Waiter,
            foreign: client.foreign,
            possible: false,
            call,
        };
        emit(ev, found, prop, e, &mut p);
    }
    if !any {
        found.warn(
            ev,
            prop,
            codes::UNRESOLVED_SDK_CALL,
            format!("`{recv}.waitFor(...)`: the waiter is not known statically"),
        );
    }
}

/// A credential provider that assumes a role with the function's own credentials:
/// v3 `fromTemporaryCredentials({ params })`, v2 `new AWS.TemporaryCredentials(params)`
/// and `new AWS.ChainableTemporaryCredentials({ params })` call STS AssumeRole.
pub fn assume_role_provider<'t>(ev: &Eval<'t>, at: At<'t>, name: &str, found: &mut Found) {
    let input_in_params = match name {
        "fromTemporaryCredentials" | "ChainableTemporaryCredentials" => true,
        "TemporaryCredentials" => false,
        _ => return,
    };
    let args = ev.args(at.node);
    let options = args.first().map(|a| ev.eval(at.with(*a))).unwrap_or_default();
    let input = if input_in_params {
        ev.member(&options, "params")
    } else {
        options
    };
    let why = args
        .first()
        .map(|a| syntax::short(*a, &ev.file(at.file).source, 30))
        .unwrap_or_default();
    let input = if input.is_empty() { vec![Value::Unknown] } else { input };
    let mut p = params::from_values(ev, &input, &why, None, "sts", "AssumeRole");
    let call = if name.starts_with("from") {
        name.to_string()
    } else {
        format!("new AWS.{name}")
    };
    let e = Emit {
        service: "sts",
        operation: "AssumeRole",
        via: Via::Helper(name.to_string()),
        foreign: false,
        possible: false,
        call,
    };
    emit(ev, found, at, e, &mut p);
}

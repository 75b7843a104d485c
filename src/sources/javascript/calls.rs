//! Call matching: which calls and `new` expressions are SDK calls, turned into
//! [`SdkCall`]s, and the warnings for what cannot be known (`client[method]()`, a command
//! chosen at run time, an unknown service or operation).

use std::collections::HashSet;

use crate::catalog::helpers;
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{SdkCall, Via};

use super::eval::Eval;
use super::helpers as js_helpers;
use super::params::{self, Params};
use super::sdk;
use super::syntax::{self, *};
use super::values::{At, Client, ClientKind, Command, FileId, Sdk, Value};

/// Longest receiver text kept in a call's `call` field.
const MAX_RECEIVER: usize = 40;

/// v2 `AWS.*` members that are not services.
const V2_NOT_SERVICES: &[&str] = &[
    "Config",
    "Endpoint",
    "HttpRequest",
    "HttpResponse",
    "Request",
    "Response",
    "Service",
    "Signers",
    "MetadataService",
    "EventListeners",
    "SequentialExecutor",
    "NodeHttpClient",
    "XHRClient",
    "ParamValidator",
    "Token",
    "CredentialProviderChain",
    "IniLoader",
];

/// What matching found so far.
#[derive(Default)]
pub struct Found {
    pub calls: Vec<SdkCall>,
    pub diagnostics: Vec<Diagnostic>,
    /// `new XCommand` nodes that were sent or signed.
    pub consumed: HashSet<(FileId, usize)>,
    /// The function's files use SDK v2 (`aws-sdk`): `.promise()` means a request.
    pub uses_v2: bool,
    /// Where each of `calls` is in the code: (file, start byte, end byte), to decide per
    /// handler whether it runs (see `reach`).
    pub origins: Vec<(FileId, usize, usize)>,
}

impl Found {
    pub fn warn<'t>(&mut self, ev: &Eval<'t>, at: At<'t>, code: &'static str, message: String) {
        let d = Diagnostic::warning(code, message).at(ev.file(at.file).path.clone(), Some(syntax::line(at.node)));
        self.diagnostics.push(d);
    }
}

/// One SDK call about to be recorded.
pub struct Emit<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub via: Via,
    pub foreign: bool,
    pub possible: bool,
    pub call: String,
}

/// Records a call located at `line_at`.
pub fn emit<'t>(ev: &Eval<'t>, found: &mut Found, line_at: At<'t>, e: Emit<'_>, params: &mut Params) {
    let path = ev.file(line_at.file).path.clone();
    let mut c = SdkCall::new(e.service, e.operation, path, syntax::line(line_at.node), e.call.clone());
    c.params = params.params.clone();
    c.open_params = params.open;
    c.elements = params.elements.clone();
    c.via = e.via;
    c.foreign_credentials = e.foreign;
    c.possible = e.possible;
    if let Some(hidden) = params.hidden.take() {
        found.warn(
            ev,
            line_at,
            codes::HIDDEN_PARAMETERS,
            format!("{}: {hidden}; resources it names are not known", e.call),
        );
    }
    if e.foreign {
        found.warn(
            ev,
            line_at,
            codes::FOREIGN_CREDENTIALS,
            format!(
                "{} runs with credentials the code obtains (an assumed role), not the function's role",
                e.call
            ),
        );
    }
    found.calls.push(c);
    found
        .origins
        .push((line_at.file, line_at.node.start_byte(), line_at.node.end_byte()));
}

/// Matches one call or `new` node.
pub fn match_node<'t>(ev: &Eval<'t>, at: At<'t>, found: &mut Found) {
    match at.node.kind() {
        CALL_EXPRESSION => match_call(ev, at, found),
        NEW_EXPRESSION => match_new(ev, at, found),
        _ => {}
    }
}

fn match_call<'t>(ev: &Eval<'t>, at: At<'t>, found: &mut Found) {
    let Some(callee) = at.node.child_by_field_name("function").map(syntax::unwrap_expr) else {
        return;
    };
    match callee.kind() {
        MEMBER_EXPRESSION => {
            let (Some(object), Some(prop)) = (
                callee.child_by_field_name("object"),
                callee.child_by_field_name("property"),
            ) else {
                return;
            };
            let receivers = ev.eval(at.with(object));
            let name = ev.text(at.with(prop)).to_string();
            member_call(ev, at, at.with(object), at.with(prop), &[name], &receivers, found);
        }
        SUBSCRIPT_EXPRESSION => {
            let (Some(object), Some(index)) = (
                callee.child_by_field_name("object"),
                callee.child_by_field_name("index"),
            ) else {
                return;
            };
            let receivers = ev.eval(at.with(object));
            let keys = ev.eval(at.with(index));
            let names: Vec<String> = keys
                .iter()
                .filter_map(|k| {
                    if let Value::Str(h) = k {
                        h.as_literal().map(str::to_string)
                    } else {
                        None
                    }
                })
                .collect();
            let sdk_receiver = receivers.iter().any(|r| matches!(r, Value::Sdk(_)));
            if sdk_receiver && names.len() < keys.len() {
                found.warn(
                    ev,
                    at,
                    codes::UNRESOLVED_SDK_CALL,
                    format!(
                        "dynamic SDK call `{}`: method name not known statically; its permission cannot be derived",
                        syntax::short(callee, &ev.file(at.file).source, 60)
                    ),
                );
            }
            member_call(ev, at, at.with(object), at.with(index), &names, &receivers, found);
        }
        _ => {
            for v in ev.eval(at.with(callee)) {
                match v {
                    // `const get = promisify(s3.getObject.bind(s3)); get(params)`.
                    Value::Sdk(Sdk::Method { client, name }) => {
                        if name == "send" {
                            send(ev, at, at.with(callee), at.with(callee), &[&client], found);
                        } else {
                            client_method(ev, at, at.with(callee), at.with(callee), &client, &name, found);
                        }
                    }
                    Value::Sdk(s) => sdk_function(ev, at, &s, found),
                    _ => {}
                }
            }
        }
    }
}

/// `receiver.name(...)` for each possible method name.
fn member_call<'t>(
    ev: &Eval<'t>,
    at: At<'t>,
    object: At<'t>,
    prop: At<'t>,
    names: &[String],
    receivers: &[Value<'t>],
    found: &mut Found,
) {
    let mut clients: Vec<&Client<'t>> = Vec::new();
    for c in receivers.iter().filter_map(Value::client) {
        if !clients.contains(&c) {
            clients.push(c);
        }
    }
    for name in names {
        if name == "send" {
            send(ev, at, object, prop, &clients, found);
            continue;
        }
        for client in &clients {
            client_method(ev, at, object, prop, client, name, found);
        }
        if clients.is_empty() {
            for r in receivers {
                if let Value::Sdk(s) = r
                    && let Value::Sdk(f) = sdk::member(s, name, ev.catalog)
                {
                    sdk_function(ev, at, &f, found);
                }
            }
            if name == "promise" && found.uses_v2 {
                unknown_v2_request(ev, object, receivers, found);
            }
        }
    }
}

/// `client.send(command)`.
fn send<'t>(ev: &Eval<'t>, at: At<'t>, object: At<'t>, prop: At<'t>, clients: &[&Client<'t>], found: &mut Found) {
    let first = ev
        .args(at.node)
        .first()
        .map(|a| ev.eval(at.with(*a)))
        .unwrap_or_default();
    let commands: Vec<(&Command, &Option<At<'t>>, &At<'t>)> = first
        .iter()
        .filter_map(|v| match v {
            Value::Sdk(Sdk::Command { command, input, at }) => Some((command, input, at)),
            _ => None,
        })
        .collect();
    if commands.is_empty() {
        if !clients.is_empty() {
            found.warn(
                ev,
                at,
                codes::UNRESOLVED_SDK_CALL,
                format!(
                    "`{}.send(...)`: the command is not known statically; its permission cannot be derived",
                    receiver_text(ev, object)
                ),
            );
        }
        return;
    }
    let foreign = !clients.is_empty() && clients.iter().all(|c| c.foreign);
    for (command, input, cmd_at) in commands {
        found.consumed.insert(cmd_at.key());
        let Some(operation) = &command.operation else { continue };
        let via = if command.lib {
            Via::Helper("lib-dynamodb".into())
        } else {
            Via::Direct
        };
        let mut p = params::extract(ev, *input, None, &command.service, operation);
        let call = format!("{}.send({})", receiver_text(ev, object), command.class);
        let e = Emit {
            service: &command.service,
            operation,
            via,
            foreign,
            possible: false,
            call,
        };
        emit(ev, found, prop, e, &mut p);
    }
}

/// `client.name(params)` on a v2 client, an aggregated v3 client or a document client.
fn client_method<'t>(
    ev: &Eval<'t>,
    at: At<'t>,
    object: At<'t>,
    prop: At<'t>,
    client: &Client<'t>,
    name: &str,
    found: &mut Found,
) {
    if sdk::is_plain_client_method(client.kind, name) {
        return;
    }
    let args = ev.args(at.node);
    let recv = receiver_text(ev, object);
    let v2ish = matches!(client.kind, ClientKind::V2 | ClientKind::V3Aggregate);
    if v2ish && client.service == "s3" {
        match name {
            "upload" if client.kind == ClientKind::V2 => {
                return js_helpers::managed_upload_v2(ev, at, prop, client, found);
            }
            "getSignedUrl" | "getSignedUrlPromise" => return js_helpers::presign_v2(ev, at, prop, client, name, found),
            "createPresignedPost" => return js_helpers::presigned_post_v2(ev, at, prop, client, found),
            _ => {}
        }
    }
    if client.kind == ClientKind::V2 && name == "waitFor" {
        return js_helpers::waiter_v2(ev, at, prop, client, found);
    }
    let (operation, via) = match client.kind {
        ClientKind::V2 | ClientKind::V3Aggregate => (
            ev.catalog
                .operation(&client.service, name)
                .map(|(api, _)| api.to_string()),
            Via::Direct,
        ),
        ClientKind::DocumentV2 => (
            helpers::document_client_operation(name).map(str::to_string),
            Via::Helper("DocumentClient".into()),
        ),
        ClientKind::DocumentV3Full => (
            helpers::document_client_operation(name).map(str::to_string),
            Via::Helper("lib-dynamodb".into()),
        ),
        ClientKind::V3 | ClientKind::DocumentV3 => {
            let op = if client.kind == ClientKind::V3 {
                ev.catalog
                    .operation(&client.service, name)
                    .map(|(api, _)| api.to_string())
            } else {
                helpers::document_client_operation(name).map(str::to_string)
            };
            if op.is_some() {
                found.warn(
                    ev,
                    prop,
                    codes::UNCERTAIN_ACTION,
                    format!(
                        "`{recv}.{name}`: a bare v3 client has no operation methods (send a command, or use the aggregated client); recorded as the operation it names"
                    ),
                );
            }
            (
                op,
                if client.kind == ClientKind::V3 {
                    Via::Direct
                } else {
                    Via::Helper("lib-dynamodb".into())
                },
            )
        }
    };
    let Some(operation) = operation else {
        found.warn(
            ev,
            prop,
            codes::UNKNOWN_OPERATION,
            format!(
                "`{recv}.{name}`: `{name}` is not an operation of {} the catalog knows",
                client.service
            ),
        );
        return;
    };
    // A v2 callback may be the only argument.
    let input = args
        .first()
        .filter(|a| !syntax::is_function(a.kind()))
        .map(|a| at.with(*a));
    let mut p = params::extract(ev, input, client.bound, &client.service, &operation);
    // A method called through a variable (`const get = promisify(s3.getObject.bind(s3))`).
    let call = if object.node.id() == prop.node.id() {
        format!("{recv}→{name}")
    } else {
        format!("{recv}.{name}")
    };
    let e = Emit {
        service: &client.service,
        operation: &operation,
        via,
        foreign: client.foreign,
        possible: false,
        call,
    };
    emit(ev, found, prop, e, &mut p);
}

/// A call of an SDK function: presigner, paginator, waiter.
fn sdk_function<'t>(ev: &Eval<'t>, at: At<'t>, f: &Sdk<'t>, found: &mut Found) {
    match f {
        Sdk::GetSignedUrl => js_helpers::presign_v3(ev, at, found),
        Sdk::CreatePresignedPost => js_helpers::presigned_post_v3(ev, at, found),
        Sdk::Paginator {
            service,
            operation,
            name,
            ..
        } => {
            js_helpers::paginate(ev, at, service, operation.as_deref(), name, found);
        }
        Sdk::Waiter {
            service,
            operation,
            name,
        } => js_helpers::wait_v3(ev, at, service, operation.as_deref(), name, found),
        Sdk::AssumingCredentialsFn(name) => js_helpers::assume_role_provider(ev, at, name, found),
        Sdk::PowertoolsFn(name) => super::powertools::call(ev, at, name, None, found),
        Sdk::PowertoolsMethod {
            class,
            name,
            at: provider,
        } => {
            super::powertools::call(ev, at, &format!("{class}.{name}"), Some(*provider), found);
        }
        _ => {}
    }
}

fn match_new<'t>(ev: &Eval<'t>, at: At<'t>, found: &mut Found) {
    let Some(ctor) = at.node.child_by_field_name("constructor") else {
        return;
    };
    for v in ev.eval(at.with(ctor)) {
        match v {
            Value::Sdk(Sdk::UploadClass) => js_helpers::upload(ev, at, false, found),
            Value::Sdk(Sdk::PowertoolsClass(class)) => super::powertools::call(ev, at, &class, None, found),
            Value::Sdk(Sdk::V2AssumingCredentialsClass(name)) => js_helpers::assume_role_provider(ev, at, &name, found),
            Value::Sdk(Sdk::V2ManagedUploadClass) => js_helpers::upload(ev, at, true, found),
            Value::Sdk(Sdk::V2Member(name))
                if name.starts_with(char::is_uppercase)
                    && !name.ends_with("Credentials")
                    && !V2_NOT_SERVICES.contains(&name.as_str()) =>
            {
                found.warn(
                    ev,
                    at,
                    codes::UNKNOWN_SERVICE,
                    format!("`AWS.{name}` is not a service the catalog knows; its calls are not analysed"),
                );
            }
            Value::Sdk(Sdk::CommandClass(command)) if command.operation.is_none() => found.warn(
                ev,
                at,
                codes::UNKNOWN_OPERATION,
                format!(
                    "`{}` is not an operation of {} the catalog knows",
                    command.class, command.service
                ),
            ),
            _ => {}
        }
    }
}

/// Commands built but never seen sent or signed are still calls (sent somewhere the
/// analysis did not follow).
pub fn unsent_commands<'t>(ev: &Eval<'t>, news: &[At<'t>], found: &mut Found) {
    for at in news {
        if found.consumed.contains(&at.key()) {
            continue;
        }
        let Some(ctor) = at.node.child_by_field_name("constructor") else {
            continue;
        };
        for v in ev.eval(at.with(ctor)) {
            let Value::Sdk(Sdk::CommandClass(command)) = v else {
                continue;
            };
            let Some(operation) = &command.operation else { continue };
            let input = ev.args(at.node).first().map(|a| at.with(*a));
            let mut p = params::extract(ev, input, None, &command.service, operation);
            let via = if command.lib {
                Via::Helper("lib-dynamodb".into())
            } else {
                Via::Direct
            };
            let call = format!("new {}", command.class);
            let e = Emit {
                service: &command.service,
                operation,
                via,
                foreign: false,
                possible: false,
                call,
            };
            emit(ev, found, *at, e, &mut p);
        }
    }
}

/// `x.m(...).promise()` where `x` is nothing known: a v2 request on an unknown client.
fn unknown_v2_request<'t>(ev: &Eval<'t>, object: At<'t>, receivers: &[Value<'t>], found: &mut Found) {
    if receivers.iter().any(|r| *r != Value::Unknown) {
        return;
    }
    let inner = syntax::unwrap_expr(object.node);
    if inner.kind() != CALL_EXPRESSION {
        return;
    }
    let Some(callee) = inner.child_by_field_name("function").map(syntax::unwrap_expr) else {
        return;
    };
    if callee.kind() != MEMBER_EXPRESSION {
        return;
    }
    let Some(client) = callee.child_by_field_name("object") else {
        return;
    };
    if ev.eval(object.with(client)).iter().all(|v| *v == Value::Unknown) {
        found.warn(
            ev,
            object.with(inner),
            codes::UNRESOLVED_SDK_CALL,
            format!(
                "`{}(...).promise()` looks like an SDK v2 request on a client not known statically",
                syntax::short(callee, &ev.file(object.file).source, 60)
            ),
        );
    }
}

/// The receiver as written, shortened.
pub fn receiver_text<'t>(ev: &Eval<'t>, object: At<'t>) -> String {
    syntax::short(object.node, &ev.file(object.file).source, MAX_RECEIVER)
}

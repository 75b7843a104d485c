//! Call matching: every call (and every lazily loaded resource attribute) in every scope
//! is evaluated once; what it issues becomes an [`SdkCall`] placed at its line, and what
//! the analysis cannot resolve becomes a located warning.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use tree_sitter::Node;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{CodeFacts, SdkCall};

use super::bindings::{Ctx, Env};
use super::eval::short;
use super::kinds as k;
use super::op::Op;
use super::parse::line_of;
use super::reach::Reach;
use super::resource_api;
use super::scopes::ScopeId;
use super::value::Value;

/// Services whose operation names, called on a receiver the analysis cannot identify,
/// are reported as possible SDK calls rather than ignored.
const COMMON_SERVICES: &[&str] = &[
    "s3",
    "dynamodb",
    "sqs",
    "sns",
    "lambda",
    "secretsmanager",
    "ssm",
    "kinesis",
    "firehose",
    "events",
    "stepfunctions",
    "kms",
    "sts",
    "ses",
    "sesv2",
    "cloudwatch",
    "logs",
];

/// Snake-case operation names of the common services (and resource-API item methods).
fn common_operation_names(catalog: &Catalog) -> &'static BTreeSet<String> {
    static NAMES: OnceLock<BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out = BTreeSet::new();
        for svc in COMMON_SERVICES {
            if let Some(sdk) = catalog.sdk_service(svc) {
                out.extend(sdk.operations.keys().map(|op| crate::catalog::names::snake_case(op)));
            }
        }
        out
    })
}

/// The callee as written, with nested arguments elided: `s3.Bucket(...).upload_file`.
fn call_text(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' | '[' => {
                if depth == 0 {
                    out.push(c);
                    out.push_str("...");
                }
                depth += 1;
            }
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    out.push(c);
                }
            }
            c if depth == 0 && !c.is_whitespace() => out.push(c),
            _ => {}
        }
    }
    // Long chains keep their end, where the method is.
    const MAX: usize = 56;
    let mut cut = out.as_str();
    while cut.chars().count() > MAX {
        match cut.find('.') {
            Some(i) => cut = &cut[i + 1..],
            None => break,
        }
    }
    if cut.len() < out.len() {
        format!("…{cut}")
    } else {
        out
    }
}

/// Finds every SDK call of the code `reach` holds; code only another handler of the
/// same files reaches (in `any` but not in `reach`) is skipped, code no handler reaches
/// is reported `unreachable`.
pub fn scan(env: &Env<'_>, reach: &Reach, any: &Reach, catalog: &Catalog, facts: &mut CodeFacts) {
    let mut calls: Vec<SdkCall> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for (i, scope) in env.scopes.scopes.iter().enumerate() {
        let id = ScopeId(i);
        let file = &env.files[scope.file];
        let reached = reach.contains(id);
        if !reached && any.contains(id) {
            continue;
        }
        let place = Place {
            file: &file.path,
            unreachable: !reached,
            path: if reached && !reach.is_everything() {
                reach.path(env, id)
            } else {
                Vec::new()
            },
        };
        let ctx = Ctx::new(id);
        for &node in &scope.calls {
            let Some(callee) = node.child_by_field_name("function") else {
                continue;
            };
            let text = call_text(file.text(callee));
            let mut outcome = env.call_outcome(node, &ctx);
            // Another alternative of the receiver resolved the call: not a missing operation.
            let resolved = !outcome.ops.is_empty()
                || outcome
                    .value
                    .iter()
                    .any(|v| matches!(v, Value::Paginator(..) | Value::Waiter(..) | Value::Res(_)));
            if resolved {
                outcome.warnings.retain(|(code, _)| *code != codes::UNKNOWN_OPERATION);
            }
            for op in outcome.ops {
                place.emit(op, node, &text, catalog, &mut calls, &mut diags);
            }
            for (code, message) in outcome.warnings {
                diags.push(Diagnostic::warning(code, format!("{text}: {message}")).at(&file.path, Some(line_of(node))));
            }
            unresolved_receiver(env, &ctx, callee, &text, catalog, &mut diags);
        }
        for &node in &scope.attributes {
            if is_call_or_target(node) {
                continue;
            }
            let (Some(obj), Some(attr)) = (
                node.child_by_field_name("object"),
                node.child_by_field_name("attribute"),
            ) else {
                continue;
            };
            let name = file.text(attr);
            for v in env.eval(obj, &ctx) {
                if let Value::Res(r) = v
                    && let Some(op) = resource_api::lazy_load(env, &r, name)
                {
                    place.emit(op, node, &call_text(file.text(node)), catalog, &mut calls, &mut diags);
                }
            }
        }
    }
    // One call per place, with its shortest chain.
    calls.sort_by(|a, b| {
        a.cmp_place(b)
            .then(a.path.len().cmp(&b.path.len()))
            .then_with(|| a.path.cmp(&b.path))
    });
    calls.dedup_by(|a, b| a.cmp_place(b).is_eq());
    diags.sort();
    diags.dedup();
    facts.calls.extend(calls);
    facts.diagnostics.extend(diags);
}

struct Place<'p> {
    file: &'p std::path::Path,
    unreachable: bool,
    path: Vec<crate::sources::Hop>,
}

impl Place<'_> {
    fn emit(
        &self,
        op: Op,
        node: Node<'_>,
        text: &str,
        catalog: &Catalog,
        calls: &mut Vec<SdkCall>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let line = line_of(node);
        let mut call = SdkCall::new(
            &op.service,
            &op.operation,
            self.file.to_path_buf(),
            line,
            text.to_string(),
        );
        call.params = op.params;
        call.elements = op.elements;
        call.open_params = op.open_params;
        call.via = op.via;
        call.possible = op.possible;
        call.foreign_credentials = op.creds.foreign;
        call.unreachable = self.unreachable;
        call.path = self.path.clone();
        if call.open_params
            && let Some((_, spec)) = catalog.operation(&call.service, &call.operation)
            && !spec.resources.is_empty()
            && spec.resources.iter().all(|r| {
                !r.from.iter().any(|m| call.params.contains_key(m))
                    && !r.arn_member.as_ref().is_some_and(|m| call.params.contains_key(m))
            })
        {
            diags.push(
                Diagnostic::warning(
                    codes::HIDDEN_PARAMETERS,
                    format!(
                        "{}: the resource is passed in parameters the analysis cannot see",
                        call.call
                    ),
                )
                .at(self.file, Some(line)),
            );
        }
        calls.push(call);
    }
}

/// `x.attr(...)` (the callee of a call) or `x.attr = ...` (an assignment target).
fn is_call_or_target(node: Node<'_>) -> bool {
    let Some(parent) = node.parent() else { return false };
    match parent.kind() {
        k::CALL => parent.child_by_field_name("function") == Some(node),
        k::ASSIGNMENT | k::AUGMENTED_ASSIGNMENT => parent.child_by_field_name("left") == Some(node),
        _ => false,
    }
}

/// `x.put_object(...)` on an `x` nothing identifies: an SDK call may hide there.
fn unresolved_receiver(
    env: &Env<'_>,
    ctx: &Ctx,
    callee: Node<'_>,
    text: &str,
    catalog: &Catalog,
    diags: &mut Vec<Diagnostic>,
) {
    if callee.kind() != k::ATTRIBUTE {
        return;
    }
    let (Some(obj), Some(attr)) = (
        callee.child_by_field_name("object"),
        callee.child_by_field_name("attribute"),
    ) else {
        return;
    };
    let name = env.text(ctx.scope, attr);
    if !name.contains('_') || !common_operation_names(catalog).contains(name) {
        return;
    }
    let receiver = env.eval(obj, ctx);
    // Unknown values, or a name defined nowhere the analysis can see (a builtin name
    // would have a dot-free name too, but has no SDK methods).
    if receiver
        .iter()
        .all(|v| matches!(v, Value::Unknown(_)) || matches!(v, Value::Ext(n) if !n.contains('.')))
    {
        let file = env.file_of(ctx.scope);
        diags.push(
            Diagnostic::warning(
                codes::UNRESOLVED_SDK_CALL,
                format!(
                    "{text}: looks like an SDK call, but what `{}` is cannot be resolved",
                    short(file.text(obj))
                ),
            )
            .at(&file.path, Some(line_of(callee))),
        );
    }
}

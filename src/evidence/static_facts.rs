//! Static evidence: what each SDK call found in the code needs, through the catalog.

use std::collections::BTreeMap;

use crate::catalog::{Basis, Catalog, Operation, ResourceRef};
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::{Hint, SdkCall, Via};

use super::resource::{Seg, Transform, hint_segs};
use super::rules::{self, Outcome, RuleNeed};
use super::{Certainty, Evidence, Need, Origin, ResourcePattern};

/// At most this many resource combinations per call (a loop over a long list).
const MAX_COMBINATIONS: usize = 64;

/// The needs of one call, with the diagnostics it raises.
pub fn needs_of_call(call: &SdkCall, catalog: &Catalog, out: &mut Vec<Need>, diags: &mut Vec<Diagnostic>) {
    if call.foreign_credentials {
        diags.push(
            Diagnostic::warning(
                codes::FOREIGN_CREDENTIALS,
                format!(
                    "{} runs with credentials the code obtained (an assumed role): its permission belongs to that role, not this function",
                    call.call
                ),
            )
            .at(&call.file, Some(call.line)),
        );
        return;
    }
    for (name, hints) in &call.params {
        if hints.iter().any(Hint::is_too_long) {
            diags.push(
                Diagnostic::warning(
                    codes::EVALUATION_LIMIT,
                    format!(
                        "{}: parameter {name} is built past {} bytes (a string doubled over and over): replaced by *",
                        call.call,
                        crate::sources::limits::MAX_VALUE_BYTES
                    ),
                )
                .at(&call.file, Some(call.line)),
            );
        }
    }
    let Some((api, op)) = catalog.operation(&call.service, &call.operation) else {
        diags.push(
            Diagnostic::warning(
                codes::UNKNOWN_OPERATION,
                format!("{}: {} has no operation {}", call.call, call.service, call.operation),
            )
            .at(&call.file, Some(call.line)),
        );
        return;
    };
    if op.basis == Basis::Unknown {
        diags.push(
            Diagnostic::warning(
                codes::UNCERTAIN_ACTION,
                format!(
                    "{}.{api}: the IAM action is not known with confidence; granting {}",
                    call.service,
                    op.actions.join(", ")
                ),
            )
            .at(&call.file, Some(call.line)),
        );
    }
    let operation = format!("{}.{api}", call.service);
    // Code the handler does not reach is reported, not granted.
    let certainty = if call.unreachable {
        Certainty::Possible(format!("{} is in code the handler does not reach", call.operation))
    } else if call.possible {
        Certainty::Possible(possible_reason(call))
    } else {
        Certainty::Needed
    };
    let evidence = |reason: Option<String>| Evidence::Static {
        file: call.file.clone(),
        line: call.line,
        call: call.call.clone(),
        operation: operation.clone(),
        unreachable: call.unreachable,
        path: crate::evidence::need::Chain(call.path.clone()),
        reason,
    };

    let mut replaced = false;
    let mut extra: Vec<RuleNeed> = Vec::new();
    for outcome in rules::apply(call, catalog) {
        match outcome {
            Outcome::Replace(needs) => {
                replaced = true;
                extra.extend(needs);
            }
            Outcome::Add(needs) => extra.extend(needs),
        }
    }
    if !replaced {
        for action in &op.actions {
            for resource in patterns_for_action(op, action, &call.params) {
                out.push(Need {
                    action: action.clone(),
                    resource,
                    condition: None,
                    origin: Origin::Static,
                    certainty: certainty.clone(),
                    evidence: evidence(presign_reason(call)),
                });
            }
        }
    }
    for need in extra {
        let certainty = if need.possible {
            Certainty::Possible(need.reason.clone())
        } else {
            certainty.clone()
        };
        out.push(Need {
            action: need.action,
            resource: need.resource,
            condition: None,
            origin: Origin::Static,
            certainty,
            evidence: evidence(Some(need.reason)),
        });
    }
    if call.open_params && !op.resources.is_empty() && op.resources.iter().all(|r| !has_any(&call.params, r)) {
        diags.push(
            Diagnostic::warning(
                codes::HIDDEN_PARAMETERS,
                format!(
                    "{}: the resource is passed in parameters the analysis cannot see",
                    call.call
                ),
            )
            .at(&call.file, Some(call.line)),
        );
    }
}

fn possible_reason(call: &SdkCall) -> String {
    match &call.via {
        Via::Helper(name) => format!("{name} issues {} only on some paths", call.operation),
        _ => format!("{} is issued only on some paths", call.operation),
    }
}

fn presign_reason(call: &SdkCall) -> Option<String> {
    (call.via == Via::Presign).then(|| {
        format!(
            "presigned URL for {}: it is executed with this function's credentials",
            call.operation
        )
    })
}

fn has_any(params: &BTreeMap<String, Vec<Hint>>, r: &ResourceRef) -> bool {
    r.from.iter().any(|m| params.contains_key(m)) || r.arn_member.as_ref().is_some_and(|m| params.contains_key(m))
}

/// The resource patterns an action of an operation touches, given the call's parameters.
pub fn patterns_for_action(op: &Operation, action: &str, params: &BTreeMap<String, Vec<Hint>>) -> Vec<ResourcePattern> {
    let refs: Vec<&ResourceRef> = op.resources.iter().filter(|r| r.action == action).collect();
    if refs.is_empty() {
        return vec![ResourcePattern::star()];
    }
    // Prefer resource types whose naming members the call passes; among them the most
    // specific (an index over its table when IndexName is passed).
    let covered = |r: &ResourceRef| {
        r.arn_member.as_ref().is_some_and(|m| params.contains_key(m))
            || (!r.from.is_empty() && r.from.iter().all(|m| params.contains_key(m)))
    };
    let mut chosen: Vec<&ResourceRef> = refs.iter().copied().filter(|r| covered(r)).collect();
    if chosen.is_empty() {
        let min = refs.iter().map(|r| r.from.len()).min().unwrap_or(0);
        chosen = refs.iter().copied().filter(|r| r.from.len() == min).take(1).collect();
    } else {
        // Every covered resource type is authorized (SES SendEmail: the identity and the
        // configuration set), except one whose members are a strict subset of another's
        // (a table when the call targets its index).
        let all = chosen.clone();
        chosen.retain(|r| {
            !all.iter()
                .any(|o| o.from.len() > r.from.len() && r.from.iter().all(|m| o.from.contains(m)))
        });
        chosen.dedup_by(|a, b| a.resource_type == b.resource_type);
    }
    let mut out = Vec::new();
    for r in chosen {
        out.extend(fill_resource(r, params));
    }
    out.sort();
    out.dedup();
    out
}

/// Fills one resource template with every combination of the call's hint values.
pub fn fill_resource(r: &ResourceRef, params: &BTreeMap<String, Vec<Hint>>) -> Vec<ResourcePattern> {
    if let Some(member) = &r.arn_member
        && let Some(hints) = params.get(member)
        && !r.from.iter().any(|m| m != member && params.contains_key(m))
    {
        return hints.iter().map(|h| whole_arn(h, &r.arn)).collect::<Vec<_>>();
    }
    // Each template variable's candidate values, then their product. A variable is filled
    // from its member; else from a member of a list element with the variable's name
    // (`Entries[].EventBusName`); else the service's default (PutEvents → `default`).
    let mut vars: Vec<(String, Vec<Vec<Seg>>)> = Vec::new();
    for var in template_vars(&r.arn) {
        let transform = transform_of(r.transforms.get(&var).map(String::as_str));
        let hints = r
            .vars
            .get(&var)
            .and_then(|m| params.get(m))
            .or_else(|| nested_member(params, &var));
        let values = match (hints, r.defaults.get(&var)) {
            (Some(hs), _) => {
                // A value that is itself a whole ARN replaces the template.
                if let [h] = hs.as_slice()
                    && h.as_literal().is_some_and(|l| l.starts_with("arn:"))
                {
                    return vec![whole_arn(h, &r.arn)];
                }
                hs.iter().map(|h| hint_segs(h, transform)).collect()
            }
            (None, Some(default)) => vec![vec![Seg::Lit(default.clone())]],
            (None, None) => vec![vec![Seg::Any]],
        };
        vars.push((var, values));
    }
    let mut combos: Vec<BTreeMap<&str, Vec<Seg>>> = vec![BTreeMap::new()];
    for (var, values) in &vars {
        let mut next = Vec::new();
        for combo in &combos {
            for v in values {
                if next.len() >= MAX_COMBINATIONS {
                    break;
                }
                let mut c = combo.clone();
                c.insert(var.as_str(), v.clone());
                next.push(c);
            }
        }
        combos = next;
    }
    combos
        .into_iter()
        .map(|combo| ResourcePattern::from_template(&r.arn, |var| combo.get(var).cloned()))
        .collect()
}

/// The name variables of an ARN template (not Partition, Region, Account).
fn template_vars(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !matches!(var, "Partition" | "Region" | "Account") && !out.iter().any(|v| v == var) {
            out.push(var.to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

/// Hints of a nested member named `name` (`Entries.EventBusName`, `Entries[].EventBusName`).
fn nested_member<'a>(params: &'a BTreeMap<String, Vec<Hint>>, name: &str) -> Option<&'a Vec<Hint>> {
    params
        .iter()
        .find(|(k, _)| k.rsplit(['.', ']']).next() == Some(name) && k.contains('.'))
        .map(|(_, v)| v)
}

fn whole_arn(hint: &Hint, template: &str) -> ResourcePattern {
    if let Some(lit) = hint.as_literal() {
        return ResourcePattern::parse_arn(lit);
    }
    if let [crate::sources::Piece::Env(name)] = hint.pieces.as_slice() {
        return ResourcePattern {
            segs: vec![Seg::Env(name.clone(), Transform::WholeArn)],
            template: Some(template.into()),
        };
    }
    // A partly known ARN (`arn:aws:sns:${region}:...:orders`): keep what is known.
    let segs = hint_segs(hint, Transform::Plain);
    if matches!(segs.first(), Some(Seg::Lit(s)) if s.starts_with("arn:")) {
        return ResourcePattern {
            segs,
            template: Some(template.into()),
        };
    }
    ResourcePattern::from_template(template, |_| None)
}

/// The catalog's transform chain (`each|strip_leading_slash`) as the one that shapes
/// the value; `each` is implicit (every hint of a list member fills its own ARN), and
/// `name_or_arn` / `function_name` / `key_id` need nothing beyond the whole-ARN rule.
fn transform_of(name: Option<&str>) -> Transform {
    let mut out = Transform::Plain;
    for step in name.unwrap_or("").split('|') {
        out = match step {
            "queue_url" => Transform::QueueUrl,
            "strip_leading_slash" => Transform::StripLeadingSlash,
            "secret_id" => Transform::SecretId,
            _ => out,
        };
    }
    out
}

/// Needs of an action of another operation of the same service, for rules that map
/// parts of a request to other actions (a transaction's items).
pub fn needs_via_operation(
    catalog: &Catalog,
    service: &str,
    operation: &str,
    params: &BTreeMap<String, Vec<Hint>>,
) -> Vec<(String, ResourcePattern)> {
    let Some((_, op)) = catalog.operation(service, operation) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for action in &op.actions {
        for r in patterns_for_action(op, action, params) {
            out.push((action.clone(), r));
        }
    }
    out
}

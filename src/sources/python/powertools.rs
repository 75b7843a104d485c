//! aws-lambda-powertools utilities that call AWS themselves: `parameters.get_parameter`,
//! `get_secret`, `get_app_config`, the providers (`SSMProvider().get(...)`,
//! `DynamoDBProvider(table_name=...)`) and the idempotency persistence layer → the
//! operations they issue. The table is `catalog::helpers::POWERTOOLS_CALLS`.

use std::collections::BTreeMap;

use crate::catalog::helpers::{POWERTOOLS_CALLS, PowertoolsCall, powertools_call};
use crate::sources::{Hint, Via};

use super::bindings::Args;
use super::op::{Op, Outcome};
use super::value::{Creds, Provider, Value, hints_of, push};

/// Whether a dotted external name belongs to powertools.
pub fn is_powertools(name: &str) -> bool {
    name.starts_with("aws_lambda_powertools.")
}

/// The input members a call's arguments fill.
fn members(spec: &PowertoolsCall, args: &Args) -> BTreeMap<String, Vec<Hint>> {
    let mut out = BTreeMap::new();
    for (arg, position, member) in spec.args {
        let Some(vals) = args.arg(*position, arg) else { continue };
        // `get_parameters_by_name(parameters={"/a": {...}})`: the names are the keys.
        let mut hints = Vec::new();
        for v in vals {
            match v {
                Value::Dict(entries, _) => entries.iter().for_each(|(k, _)| hints.extend(hints_of(k, member))),
                Value::List(elements, _) => elements.iter().for_each(|e| hints.extend(hints_of(e, member))),
                other => hints.extend(hints_of(&vec![other.clone()], member)),
            }
        }
        hints.dedup();
        out.insert(member.to_string(), hints);
    }
    out
}

fn issue(spec: &PowertoolsCall, params: &BTreeMap<String, Vec<Hint>>, out: &mut Outcome) {
    for operation in spec.operations {
        let mut op = Op::new(spec.service, operation, Creds::default());
        op.params = params.clone();
        op.via = Via::Helper(format!("powertools {}", spec.name));
        out.ops.push(op);
    }
}

/// A call of a powertools function or class.
pub fn call(name: &str, args: &Args, out: &mut Outcome) {
    let last = name.rsplit('.').next().unwrap_or(name);
    let spec = powertools_call(last);
    let params = spec.map(|s| members(s, args)).unwrap_or_default();
    if let Some(spec) = spec {
        issue(spec, &params, out);
    }
    let is_provider = POWERTOOLS_CALLS
        .iter()
        .any(|c| c.name.strip_prefix(last).is_some_and(|m| m.starts_with('.')));
    if is_provider {
        push(
            &mut out.value,
            Value::Provider(Provider {
                class: last.to_string(),
                config: params,
            }),
        );
    } else {
        push(&mut out.value, Value::Unknown(format!("{last}()")));
    }
}

/// A method of a powertools provider.
pub fn method(p: &Provider, m: &str, args: &Args, out: &mut Outcome) {
    match powertools_call(&format!("{}.{m}", p.class)) {
        Some(spec) => {
            let mut params = p.config.clone();
            params.extend(members(spec, args));
            issue(spec, &params, out);
            push(&mut out.value, Value::Unknown(format!("{}.{m}()", p.class)));
        }
        None => push(&mut out.value, Value::Unknown(format!(".{m}()"))),
    }
}

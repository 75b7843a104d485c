//! Powertools for AWS Lambda (TypeScript): the parameters utility (`getParameter`,
//! `getSecret`, `getAppConfig`, the `SSMProvider`/`SecretsProvider`/`AppConfigProvider`/
//! `DynamoDBProvider` classes) and the idempotency `DynamoDBPersistenceLayer` call AWS
//! with the function's credentials. Example: `getParameter('/app/url')` → SSM GetParameter
//! with `Name` `/app/url`.

use crate::catalog::helpers::{self, PowertoolsJsCall};
use crate::sources::Via;

use super::calls::{Emit, Found, emit};
use super::eval::Eval;
use super::hints;
use super::params::Params;
use super::values::{At, Sdk, Value};

/// The value a Powertools package export is.
pub fn member<'t>(name: &str) -> Sdk<'t> {
    let prefix = format!("{name}.");
    let is_class = name.starts_with(char::is_uppercase)
        && helpers::POWERTOOLS_JS_CALLS
            .iter()
            .any(|c| c.name == name || c.name.starts_with(&prefix));
    if is_class {
        Sdk::PowertoolsClass(name.to_string())
    } else if helpers::powertools_js_call(name).is_some() {
        Sdk::PowertoolsFn(name.to_string())
    } else {
        Sdk::Powertools
    }
}

/// A call of a Powertools function, provider method (`provider` = the `new` that built the
/// provider) or constructor, at `at`.
pub fn call<'t>(ev: &Eval<'t>, at: At<'t>, name: &str, provider: Option<At<'t>>, found: &mut Found) {
    let Some(spec) = helpers::powertools_js_call(name) else {
        return;
    };
    if spec.operations.is_empty() {
        return;
    }
    let mut p = Params::default();
    fill(ev, at, spec, &mut p);
    if let Some(provider) = provider {
        let class = name.split('.').next().unwrap_or(name);
        if let Some(ctor) = helpers::powertools_js_call(class) {
            fill(ev, provider, ctor, &mut p);
        }
    }
    for op in spec.operations {
        let e = Emit {
            service: spec.service,
            operation: op,
            via: Via::Helper(format!("powertools {name}")),
            foreign: false,
            possible: false,
            call: name.to_string(),
        };
        emit(ev, found, at, e, &mut p);
    }
}

/// Members from a call's (or constructor's) positional and options arguments.
fn fill<'t>(ev: &Eval<'t>, at: At<'t>, spec: &PowertoolsJsCall, p: &mut Params) {
    let args = ev.args(at.node);
    for (pos, member) in spec.args {
        if let Some(arg) = args.get(*pos) {
            p.add((*member).to_string(), hints::hints(ev, at.with(*arg)));
        }
    }
    if let Some((pos, keys)) = spec.options
        && let Some(arg) = args.get(pos)
    {
        let options = ev.eval(at.with(*arg));
        for (key, member) in keys {
            let values = ev.member(&options, key);
            if values.iter().any(|v| *v != Value::Unknown) {
                p.add((*member).to_string(), hints::hints_of(&values, key));
            }
        }
    }
}

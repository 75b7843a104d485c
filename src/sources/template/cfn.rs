//! Functions declared in an AWS SAM or CloudFormation template (CDK's synthesized
//! templates included): code location, handler, environment and role.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, codes};
use crate::sources::discover::{Deployment, FunctionSpec};
use crate::sources::{Language, walk};

use super::intrinsics::Scope;

pub const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";
pub const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

/// Account, region and partition the user gave, for evaluating pseudo parameters.
#[derive(Debug, Clone, Default)]
pub struct Pseudo {
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
}

/// Reads the functions of one parsed template.
pub fn functions(template_path: &Path, template: &Value, pseudo: &Pseudo) -> (Vec<FunctionSpec>, Vec<Diagnostic>) {
    let base = template_path.parent().unwrap_or(Path::new("."));
    let sam = super::samconfig::read(base).unwrap_or_default();
    let scope = Scope {
        template,
        account: pseudo.account.as_deref(),
        // The region a function runs in is not pinned by samconfig's default; only the
        // user's --region fills ARNs.
        region: pseudo.region.as_deref(),
        partition: pseudo.partition.as_deref(),
        stack_name: sam.stack_name.as_deref(),
        parameters: Some(&sam.parameters),
    };
    let globals = template.pointer("/Globals/Function").cloned().unwrap_or(Value::Null);
    let mut specs = Vec::new();
    let mut diags = Vec::new();
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        diags.push(
            Diagnostic::warning(codes::TEMPLATE_ERROR, "the template has no Resources section").at(template_path, None),
        );
        return (specs, diags);
    };
    for (id, res) in resources {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        if ty != SERVERLESS_FUNCTION && ty != LAMBDA_FUNCTION {
            continue;
        }
        let props = res.get("Properties").cloned().unwrap_or(Value::Null);
        let prop = |name: &str| -> Option<Value> {
            props.get(name).cloned().or_else(|| {
                (ty == SERVERLESS_FUNCTION)
                    .then(|| globals.get(name).cloned())
                    .flatten()
            })
        };
        let handler = prop("Handler").and_then(|v| scope.eval(&v));
        let runtime = prop("Runtime").and_then(|v| scope.eval(&v)).unwrap_or_default();
        // Normalised so `CodeUri: src/orders/` and `./src/orders` name the same folder.
        let code_dir =
            code_location(ty, res, &props, &globals, &scope).map(|p| base.join(p).components().collect::<PathBuf>());
        let mut environment = BTreeMap::new();
        // Globals apply to SAM functions only.
        let global_vars = if ty == SERVERLESS_FUNCTION {
            globals.pointer("/Environment/Variables")
        } else {
            None
        };
        for source in [global_vars, props.pointer("/Environment/Variables")] {
            let Some(vars) = source.and_then(Value::as_object) else {
                continue;
            };
            for (k, v) in vars {
                if let Some(s) = scope.eval(v) {
                    environment.insert(k.clone(), s);
                }
            }
        }
        let role = match props.get("Role") {
            Some(r) => scope.eval(r),
            // SAM creates `<LogicalId>Role` when no Role is given.
            None if ty == SERVERLESS_FUNCTION => Some(format!(
                "arn:{}:iam::{}:role/*{id}Role*",
                pseudo.partition.as_deref().unwrap_or("aws"),
                pseudo.account.as_deref().unwrap_or("*")
            )),
            None => None,
        };
        let Some(dir) = code_dir else {
            diags.push(
                Diagnostic::warning(
                    codes::MISSING_HANDLER,
                    format!("{id}: its code is not in the repository (inline or S3 code); skipped"),
                )
                .at(template_path, None),
            );
            continue;
        };
        if !dir.exists() {
            diags.push(
                Diagnostic::warning(
                    codes::MISSING_HANDLER,
                    format!("{id}: code folder {} does not exist", dir.display()),
                )
                .at(template_path, None),
            );
            continue;
        }
        let mut files = if dir.is_file() {
            vec![dir.clone()]
        } else {
            walk::source_files(&dir)
        };
        let entry = handler.as_deref().and_then(|h| entry_file(&dir, h, &runtime));
        match &entry {
            Some(e) => {
                files.retain(|f| f != e);
                files.insert(0, e.clone());
            }
            None => {
                if let Some(h) = &handler {
                    diags.push(
                        Diagnostic::warning(
                            codes::MISSING_HANDLER,
                            format!(
                                "{id}: no source file for handler {h} in {}; analysing the whole folder",
                                dir.display()
                            ),
                        )
                        .at(template_path, None),
                    );
                }
            }
        }
        let language = files
            .first()
            .and_then(|f| Language::from_path(f))
            .or_else(|| language_of_runtime(&runtime));
        specs.push(FunctionSpec {
            name: id.clone(),
            path: dir,
            language,
            entry,
            files,
            role,
            declared_in: Some(template_path.to_path_buf()),
            environment,
            deployment: Some(deployment(id, ty, res, &props, &globals, &scope)),
        });
    }
    (specs, diags)
}

fn code_location(ty: &str, res: &Value, props: &Value, globals: &Value, scope: &Scope) -> Option<PathBuf> {
    if ty == SERVERLESS_FUNCTION {
        if props.get("InlineCode").is_some() {
            return None;
        }
        let uri = props.get("CodeUri").or_else(|| globals.get("CodeUri"));
        return match uri {
            Some(v @ Value::String(_)) => scope.eval(v).map(PathBuf::from),
            Some(_) => None,
            None => Some(PathBuf::from(".")),
        };
    }
    // CDK records the asset folder beside the synthesized template.
    if let Some(asset) = res.pointer("/Metadata/aws:asset:path").and_then(Value::as_str) {
        return Some(PathBuf::from(asset));
    }
    match props.get("Code") {
        Some(Value::String(s)) => Some(PathBuf::from(s)),
        _ => None,
    }
}

/// `app.handler` → `app.py`; `src/index.handler` → `src/index.{js,mjs,cjs,ts}`.
fn entry_file(dir: &Path, handler: &str, runtime: &str) -> Option<PathBuf> {
    if dir.is_file() {
        return Some(dir.to_path_buf());
    }
    let module = handler.rsplit_once('.').map(|(m, _)| m).unwrap_or(handler);
    let exts: &[&str] = if runtime.starts_with("python") {
        &["py"]
    } else if runtime.starts_with("nodejs") {
        &["js", "mjs", "cjs", "ts", "mts", "cts"]
    } else {
        &["py", "js", "mjs", "cjs", "ts", "mts", "cts"]
    };
    let candidates = [module.to_string(), module.replace('.', "/")];
    for m in &candidates {
        for ext in exts {
            let p = dir.join(format!("{m}.{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    // A compiled handler (`dist/index.handler`) whose source is TypeScript elsewhere.
    let stem = Path::new(module).file_name()?.to_str()?;
    ["ts", "mts", "js", "mjs"]
        .iter()
        .map(|ext| dir.join("src").join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

fn language_of_runtime(runtime: &str) -> Option<Language> {
    if runtime.starts_with("python") {
        Some(Language::Python)
    } else if runtime.starts_with("nodejs") {
        Some(Language::Javascript)
    } else {
        None
    }
}

/// The platform facts of one function resource.
fn deployment(id: &str, ty: &str, res: &Value, props: &Value, globals: &Value, scope: &Scope) -> Deployment {
    let global = |name: &str| {
        if ty == SERVERLESS_FUNCTION {
            globals.get(name)
        } else {
            None
        }
    };
    let function_name = props
        .get("FunctionName")
        .and_then(|v| scope.eval(v))
        // Generated names are `<stack>-<LogicalId>-<suffix>`.
        .unwrap_or_else(|| match scope.stack_name {
            Some(stack) => format!("{stack}-{id}-*"),
            None => format!("*{id}*"),
        });
    let tracing = props
        .get("Tracing")
        .or_else(|| global("Tracing"))
        .and_then(|v| scope.eval(v))
        .is_some_and(|t| t == "Active")
        || props.pointer("/TracingConfig/Mode").and_then(Value::as_str) == Some("Active");
    let vpc = props
        .get("VpcConfig")
        .or_else(|| global("VpcConfig"))
        .is_some_and(|v| !v.is_null());
    let log_group_declared = scope
        .template
        .get("Resources")
        .and_then(Value::as_object)
        .is_some_and(|rs| {
            rs.values().any(|r| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::Logs::LogGroup")
                    && r.pointer("/Properties/LogGroupName")
                        .and_then(|v| scope.eval(v))
                        .is_some_and(|n| n.contains(id) || n.ends_with(&function_name))
            })
        })
        || props.pointer("/LoggingConfig/LogGroup").is_some();
    let mut event_sources = Vec::new();
    let mut triggers = Vec::new();
    if let Some(events) = props.get("Events").and_then(Value::as_object) {
        for (name, ev) in events {
            let kind = ev.get("Type").and_then(Value::as_str).unwrap_or("");
            let arn = |key: &str| ev.pointer(&format!("/Properties/{key}")).and_then(|v| scope.eval(v));
            match kind {
                "SQS" => event_sources.push(("sqs".into(), arn("Queue").map(queue_arn).unwrap_or_else(|| "*".into()))),
                "Kinesis" => event_sources.push(("kinesis".into(), arn("Stream").unwrap_or_else(|| "*".into()))),
                "DynamoDB" => {
                    event_sources.push(("dynamodb-stream".into(), arn("Stream").unwrap_or_else(|| "*".into())))
                }
                "MSK" | "SelfManagedKafka" => {
                    event_sources.push(("kafka".into(), arn("Stream").unwrap_or_else(|| "*".into())))
                }
                "MQ" => event_sources.push(("mq".into(), arn("Broker").unwrap_or_else(|| "*".into()))),
                _ => triggers.push((kind.to_string(), name.clone())),
            }
        }
    }
    let mut destinations = Vec::new();
    if let Some(t) = props
        .get("DeadLetterQueue")
        .and_then(|d| d.get("TargetArn"))
        .and_then(|v| scope.eval(v))
    {
        destinations.push(t);
    }
    if let Some(t) = props.pointer("/DeadLetterConfig/TargetArn").and_then(|v| scope.eval(v)) {
        destinations.push(t);
    }
    for path in [
        "/EventInvokeConfig/DestinationConfig/OnFailure/Destination",
        "/EventInvokeConfig/DestinationConfig/OnSuccess/Destination",
    ] {
        if let Some(t) = props.pointer(path).and_then(|v| scope.eval(v)) {
            destinations.push(t);
        }
    }
    let _ = res;
    Deployment {
        function_name,
        log_group_declared,
        tracing,
        vpc,
        event_sources,
        destinations,
        triggers,
    }
}

/// An event source given as a queue URL (`!Ref Queue`) or ARN, as an ARN.
fn queue_arn(v: String) -> String {
    if v.starts_with("arn:") {
        return v;
    }
    // https://sqs.<region>.amazonaws.com/<account>/<name>
    let parts: Vec<&str> = v.trim_start_matches("https://").split('/').collect();
    match parts.as_slice() {
        [host, account, name] => {
            let region = host
                .strip_prefix("sqs.")
                .and_then(|h| h.split('.').next())
                .unwrap_or("*");
            format!("arn:aws:sqs:{region}:{account}:{name}")
        }
        _ => v,
    }
}

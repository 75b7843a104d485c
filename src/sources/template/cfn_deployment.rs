//! The platform facts of one CloudFormation/SAM function: its deployed name, log group,
//! tracing, VPC, event source mappings (SAM `Events` and `AWS::Lambda::EventSourceMapping`
//! resources), triggers (SAM events, permissions, rules, subscriptions, bucket
//! notifications), dead-letter and on-failure destinations, and the environment's key.
//! What points at what is indexed once per template ([`Wiring`]), so that reading
//! thousands of functions does not rescan every resource for each.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::sources::discover::{Deployment, Trigger, event_source_kind};

use super::cfn::{LAMBDA_FUNCTION, SERVERLESS_FUNCTION};
use super::intrinsics::{Scope, references};

/// Which resources of a template point at which function or role, found in one pass.
#[derive(Debug, Default)]
pub struct Wiring<'a> {
    /// Function id → the resources whose wiring properties name it, in template order.
    pointing: HashMap<String, Vec<(&'a str, &'a Value)>>,
    /// The ids `AWS::Logs::LogGroup` names refer to, and the names as far as known.
    log_group_refs: HashSet<String>,
    log_group_names: Vec<String>,
    /// Role id → the `AWS::IAM::Policy`, `ManagedPolicy` and `RolePolicy` resources that
    /// name it (`Roles`, `RoleName`), in template order.
    attached: HashMap<String, Vec<(&'a str, &'a Value)>>,
}

impl<'a> Wiring<'a> {
    /// Indexes the template of `scope` (notes its evaluation leaves are the caller's to take).
    pub fn new(scope: &Scope<'a>) -> Wiring<'a> {
        let mut w = Wiring::default();
        let Some(resources) = scope.template.get("Resources").and_then(Value::as_object) else {
            return w;
        };
        for (rid, r) in resources {
            let props = r.get("Properties").unwrap_or(&Value::Null);
            let mut names = Vec::new();
            let mut refer = |v: Option<&Value>| {
                if let Some(v) = v {
                    references(v, &mut names, 0);
                }
            };
            let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
            match ty {
                "AWS::Lambda::EventSourceMapping" | "AWS::Lambda::Permission" | "AWS::Lambda::EventInvokeConfig" => {
                    refer(props.get("FunctionName"));
                }
                "AWS::Events::Rule" => {
                    for t in props.get("Targets").and_then(Value::as_array).into_iter().flatten() {
                        refer(t.get("Arn"));
                    }
                }
                "AWS::SNS::Subscription" => refer(props.get("Endpoint")),
                "AWS::S3::Bucket" => {
                    for c in props
                        .pointer("/NotificationConfiguration/LambdaConfigurations")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        refer(c.get("Function"));
                    }
                }
                "AWS::Logs::LogGroup" => {
                    if let Some(v) = props.get("LogGroupName") {
                        references(v, &mut names, 0);
                        w.log_group_refs.extend(names.drain(..));
                        w.log_group_names.extend(scope.eval(v));
                    }
                }
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy" => {
                    refer(props.get("Roles"));
                    refer(props.get("RoleName"));
                    names.sort();
                    names.dedup();
                    for n in names.drain(..) {
                        w.attached.entry(n).or_default().push((rid.as_str(), r));
                    }
                }
                _ => {}
            }
            names.sort();
            names.dedup();
            for n in names {
                w.pointing.entry(n).or_default().push((rid.as_str(), r));
            }
        }
        w
    }

    /// The resources whose wiring properties name `id`.
    fn pointing(&self, id: &str) -> &[(&'a str, &'a Value)] {
        self.pointing.get(id).map_or(&[], Vec::as_slice)
    }

    /// The policy resources that name role `id`, in template order.
    pub fn attached(&self, id: &str) -> &[(&'a str, &'a Value)] {
        self.attached.get(id).map_or(&[], Vec::as_slice)
    }

    /// Whether a log group of the template is the function's: its name refers to the
    /// function, holds its id, or ends with its name.
    fn log_group_declared(&self, id: &str, function_name: &str) -> bool {
        self.log_group_refs.contains(id)
            || self
                .log_group_names
                .iter()
                .any(|n| n.contains(id) || n.ends_with(function_name))
    }
}

/// The platform facts of function `id`.
pub fn deployment(
    id: &str,
    ty: &str,
    props: &Value,
    globals: &Value,
    scope: &Scope<'_>,
    wiring: &Wiring<'_>,
) -> Deployment {
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
    let log_group_declared =
        wiring.log_group_declared(id, &function_name) || props.pointer("/LoggingConfig/LogGroup").is_some();
    let mut d = Deployment {
        function_name,
        log_group_declared,
        tracing,
        vpc,
        kms_key: props
            .get("KmsKeyArn")
            .or_else(|| global("KmsKeyArn"))
            .and_then(|v| scope.eval(v)),
        ..Deployment::default()
    };
    if let Some(events) = props.get("Events").and_then(Value::as_object) {
        for (name, ev) in events {
            sam_event(name, ev, scope, &mut d);
        }
    }
    for path in ["/DeadLetterQueue/TargetArn", "/DeadLetterConfig/TargetArn"] {
        d.destinations.extend(props.pointer(path).and_then(|v| scope.eval(v)));
    }
    for path in [
        "/EventInvokeConfig/DestinationConfig/OnFailure/Destination",
        "/EventInvokeConfig/DestinationConfig/OnSuccess/Destination",
    ] {
        d.destinations.extend(props.pointer(path).and_then(|v| scope.eval(v)));
    }
    if ty == LAMBDA_FUNCTION || ty == SERVERLESS_FUNCTION {
        wire(id, scope, wiring, &mut d);
    }
    d.triggers.sort();
    d.triggers.dedup();
    d
}

/// One SAM event: a polled event source, or a trigger.
fn sam_event(name: &str, ev: &Value, scope: &Scope<'_>, d: &mut Deployment) {
    let kind = ev.get("Type").and_then(Value::as_str).unwrap_or("");
    let prop = |key: &str| ev.pointer(&format!("/Properties/{key}")).and_then(|v| scope.eval(v));
    let mut poll = |k: &str, arn: String| {
        d.event_sources.push((k.into(), arn.clone()));
        d.triggers.push(Trigger {
            kind: kind.into(),
            name: name.into(),
            source: Some(arn),
        });
    };
    match kind {
        "SQS" => poll("sqs", prop("Queue").map(queue_arn).unwrap_or_else(|| "*".into())),
        "Kinesis" => poll("kinesis", prop("Stream").unwrap_or_else(|| "*".into())),
        "DynamoDB" => poll("dynamodb-stream", prop("Stream").unwrap_or_else(|| "*".into())),
        "MSK" | "SelfManagedKafka" => poll("kafka", prop("Stream").unwrap_or_else(|| "*".into())),
        "MQ" => poll("mq", prop("Broker").unwrap_or_else(|| "*".into())),
        _ => {
            let source = match kind {
                "SNS" => prop("Topic"),
                "S3" => prop("Bucket").map(|b| format!("arn:{}:s3:::{b}", scope.partition.unwrap_or("aws"))),
                "Cognito" => prop("UserPool"),
                "EventBridgeRule" | "CloudWatchEvent" => prop("EventBusName"),
                "CloudWatchLogs" => prop("LogGroupName"),
                _ => None,
            };
            let label = match (prop("Method"), prop("Path")) {
                (Some(m), Some(p)) => format!("{} {p}", m.to_uppercase()),
                _ => prop("Schedule")
                    .or_else(|| prop("ScheduleExpression"))
                    .unwrap_or_else(|| name.to_string()),
            };
            d.triggers.push(Trigger {
                kind: kind.into(),
                name: label,
                source,
            });
        }
    }
}

/// Event sources and triggers declared as resources of their own that point at the
/// function (what CDK and plain CloudFormation write).
fn wire(id: &str, scope: &Scope<'_>, wiring: &Wiring<'_>, d: &mut Deployment) {
    let names = |v: Option<&Value>| {
        let mut out = Vec::new();
        if let Some(v) = v {
            references(v, &mut out, 0);
        }
        out
    };
    let points_here = |v: Option<&Value>| names(v).iter().any(|n| n == id);
    for &(rid, r) in wiring.pointing(id) {
        let rid = &rid.to_string();
        let props = r.get("Properties").unwrap_or(&Value::Null);
        let get = |k: &str| props.get(k);
        match r.get("Type").and_then(Value::as_str).unwrap_or("") {
            "AWS::Lambda::EventSourceMapping" if points_here(get("FunctionName")) => {
                let Some(arn) = get("EventSourceArn").and_then(|v| scope.eval(v)) else {
                    continue;
                };
                let kind = event_source_kind(&arn).unwrap_or("mq");
                d.event_sources.push((kind.into(), arn.clone()));
                d.triggers.push(Trigger {
                    kind: kind.to_uppercase(),
                    name: rid.clone(),
                    source: Some(arn),
                });
            }
            "AWS::Lambda::Permission" if points_here(get("FunctionName")) => {
                let principal = get("Principal").and_then(|v| scope.eval(v)).unwrap_or_default();
                d.triggers.push(Trigger {
                    kind: principal.split('.').next().unwrap_or("invoke").to_string(),
                    name: rid.clone(),
                    source: get("SourceArn").and_then(|v| scope.eval(v)),
                });
            }
            "AWS::Events::Rule" => {
                let targets = get("Targets").and_then(Value::as_array).cloned().unwrap_or_default();
                if targets.iter().any(|t| points_here(t.get("Arn"))) {
                    d.triggers.push(Trigger {
                        kind: "EventBridgeRule".into(),
                        name: get("ScheduleExpression")
                            .and_then(|v| scope.eval(v))
                            .unwrap_or_else(|| rid.clone()),
                        source: scope.eval(&serde_json::json!({"Fn::GetAtt": [rid, "Arn"]})),
                    });
                }
            }
            "AWS::SNS::Subscription" if points_here(get("Endpoint")) => d.triggers.push(Trigger {
                kind: "SNS".into(),
                name: rid.clone(),
                source: get("TopicArn").and_then(|v| scope.eval(v)),
            }),
            "AWS::S3::Bucket" => {
                let configs = props
                    .pointer("/NotificationConfiguration/LambdaConfigurations")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if configs.iter().any(|c| points_here(c.get("Function"))) {
                    d.triggers.push(Trigger {
                        kind: "S3".into(),
                        name: rid.clone(),
                        source: scope.eval(&serde_json::json!({"Fn::GetAtt": [rid, "Arn"]})),
                    });
                }
            }
            "AWS::Lambda::EventInvokeConfig" if points_here(get("FunctionName")) => {
                for path in [
                    "/DestinationConfig/OnFailure/Destination",
                    "/DestinationConfig/OnSuccess/Destination",
                ] {
                    d.destinations.extend(props.pointer(path).and_then(|v| scope.eval(v)));
                }
            }
            _ => {}
        }
    }
}

/// An event source given as a queue URL (`!Ref Queue`) or ARN, as an ARN.
pub fn queue_arn(v: String) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cdk_style_wiring() {
        let t = json!({"Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"TracingConfig": {"Mode": "Active"}}},
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
            "Map": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "Fn"}, "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}}},
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 hour)",
                "Targets": [{"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}, "Id": "t"}]}}
        }});
        let scope = Scope {
            template: &t,
            ..Scope::default()
        };
        let d = deployment(
            "Fn",
            LAMBDA_FUNCTION,
            &t["Resources"]["Fn"]["Properties"],
            &Value::Null,
            &scope,
            &Wiring::new(&scope),
        );
        assert!(d.tracing);
        assert_eq!(
            d.event_sources,
            [("sqs".to_string(), "arn:aws:sqs:*:*:jobs".to_string())]
        );
        assert!(
            d.triggers
                .iter()
                .any(|t| t.kind == "EventBridgeRule" && t.name == "rate(1 hour)")
        );
        assert_eq!(
            queue_arn("https://sqs.eu-west-1.amazonaws.com/1/q".into()),
            "arn:aws:sqs:eu-west-1:1:q"
        );
    }
}

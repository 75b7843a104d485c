//! Serverless Framework function events: `sqs`, `stream` (DynamoDB and Kinesis),
//! `kafka`/`msk`/`activemq`/`rabbitmq` become event source mappings the function's role
//! polls with; `http`, `httpApi`, `schedule`, `s3`, `sns`, `eventBridge` and the rest are
//! triggers for the graph.

use serde_json::Value;

use crate::sources::discover::{Deployment, Trigger};

use super::cfn_deployment::queue_arn;
use super::intrinsics::Scope;

/// Reads a function's `events` list into `d`.
pub fn read(events: &Value, scope: &Scope<'_>, d: &mut Deployment) {
    for ev in events.as_array().into_iter().flatten() {
        let Some((kind, spec)) = ev.as_object().and_then(|m| m.iter().next()) else {
            continue;
        };
        let str_or = |key: &str| -> Option<String> {
            match spec {
                Value::Object(m) => m.get(key).and_then(|v| scope.eval(v)),
                other => scope.eval(other),
            }
        };
        let trigger = |name: String, source: Option<String>| Trigger {
            kind: kind.clone(),
            name,
            source,
        };
        match kind.as_str() {
            "sqs" => {
                let arn = str_or("arn").map(queue_arn).unwrap_or_else(|| "*".into());
                d.event_sources.push(("sqs".into(), arn.clone()));
                d.triggers.push(trigger("sqs".into(), Some(arn)));
            }
            "stream" => {
                let arn = str_or("arn").unwrap_or_else(|| "*".into());
                let declared = spec.get("type").and_then(Value::as_str).unwrap_or("");
                let k = if declared == "kinesis" || arn.contains(":kinesis:") {
                    "kinesis"
                } else {
                    "dynamodb-stream"
                };
                d.event_sources.push((k.into(), arn.clone()));
                d.triggers.push(trigger(k.into(), Some(arn)));
            }
            "kafka" | "msk" => {
                let arn = str_or("arn").unwrap_or_else(|| "*".into());
                d.event_sources.push(("kafka".into(), arn.clone()));
                d.triggers.push(trigger("kafka".into(), Some(arn)));
            }
            "activemq" | "rabbitmq" => {
                let arn = str_or("arn").unwrap_or_else(|| "*".into());
                d.event_sources.push(("mq".into(), arn.clone()));
                d.triggers.push(trigger(kind.clone(), Some(arn)));
            }
            "http" | "httpApi" => {
                let label = match spec {
                    Value::String(s) => s.clone(),
                    Value::Object(m) => {
                        let method = m.get("method").and_then(Value::as_str).unwrap_or("ANY").to_uppercase();
                        let path = m.get("path").and_then(Value::as_str).unwrap_or("/");
                        let path = if path.starts_with('/') {
                            path.to_string()
                        } else {
                            format!("/{path}")
                        };
                        format!("{method} {path}")
                    }
                    _ => kind.clone(),
                };
                d.triggers.push(trigger(label, None));
            }
            "s3" => {
                let bucket = str_or("bucket");
                d.triggers.push(trigger(
                    bucket.clone().unwrap_or_else(|| "s3".into()),
                    bucket.map(|b| format!("arn:{}:s3:::{b}", scope.partition.unwrap_or("aws"))),
                ));
            }
            "sns" => {
                let given = match spec {
                    Value::Object(m) => m.get("arn").or_else(|| m.get("topicName")).and_then(|v| scope.eval(v)),
                    other => scope.eval(other),
                };
                let arn = given.map(|name| {
                    if name.starts_with("arn:") {
                        name
                    } else {
                        format!(
                            "arn:{}:sns:{}:{}:{name}",
                            scope.partition.unwrap_or("aws"),
                            scope.region.unwrap_or("*"),
                            scope.account.unwrap_or("*")
                        )
                    }
                });
                d.triggers.push(trigger("sns".into(), arn));
            }
            "schedule" => {
                let rate = match spec {
                    Value::Object(m) => m.get("rate").map(|r| match r {
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
                        other => other.as_str().unwrap_or("").to_string(),
                    }),
                    other => other.as_str().map(String::from),
                };
                d.triggers
                    .push(trigger(rate.unwrap_or_else(|| "schedule".into()), None));
            }
            "eventBridge" => {
                let bus = str_or("eventBus").filter(|b| b.starts_with("arn:"));
                let name = str_or("schedule").unwrap_or_else(|| "rule".into());
                d.triggers.push(trigger(name, bus));
            }
            _ => d.triggers.push(trigger(kind.clone(), None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pollers_and_triggers() {
        let t = json!({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}}}});
        let scope = Scope {
            template: &t,
            ..Scope::default()
        };
        let mut d = Deployment::default();
        read(
            &json!([
                {"sqs": {"arn": {"Fn::GetAtt": ["Jobs", "Arn"]}}},
                {"stream": {"type": "dynamodb", "arn": "arn:aws:dynamodb:*:*:table/t/stream/x"}},
                {"httpApi": {"method": "post", "path": "/orders"}},
                {"http": "GET users"},
                {"schedule": "rate(1 hour)"},
                {"sns": "alerts"}
            ]),
            &scope,
            &mut d,
        );
        assert_eq!(d.event_sources[0], ("sqs".into(), "arn:aws:sqs:*:*:jobs".into()));
        assert_eq!(d.event_sources[1].0, "dynamodb-stream");
        let names: Vec<&str> = d.triggers.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&"POST /orders") && names.contains(&"GET users") && names.contains(&"rate(1 hour)"));
        assert!(
            d.triggers
                .iter()
                .any(|t| t.source.as_deref() == Some("arn:aws:sns:*:*:alerts"))
        );
    }
}

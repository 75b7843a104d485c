//! Platform evidence: permissions the deployment itself implies, whatever the code does.
//! One rule per deployment fact: the function's log group, X-Ray for active tracing,
//! ENI actions for a function in a VPC, event source mappings the Lambda service polls
//! with the function's role, dead-letter / on-failure destinations, and the customer
//! managed key of an encrypted environment.

use crate::sources::discover::Deployment;

use super::{Certainty, Evidence, Need, Origin, ResourcePattern};

fn need(action: &str, resource: &str, reason: &str) -> Need {
    Need {
        action: action.to_string(),
        resource: ResourcePattern::parse_arn(resource),
        condition: None,
        origin: Origin::Platform,
        certainty: Certainty::Needed,
        evidence: Evidence::Platform {
            reason: reason.to_string(),
        },
    }
}

/// `arn:${Partition}:...` spelled with the partition the ARN context fills later.
fn arn(service: &str, rest: &str) -> ResourcePattern {
    ResourcePattern::from_template(
        &format!("arn:${{Partition}}:{service}:${{Region}}:${{Account}}:{rest}"),
        |_| None,
    )
}

pub fn needs(d: &Deployment) -> Vec<Need> {
    let mut out = Vec::new();
    let log_group = format!("log-group:/aws/lambda/{}", d.function_name);
    let logs = |action: &str, rest: &str, reason: &str| Need {
        resource: arn("logs", rest),
        ..need(action, "*", reason)
    };
    if !d.log_group_declared {
        out.push(logs(
            "logs:CreateLogGroup",
            &log_group,
            "Lambda creates the function's log group on first run",
        ));
    }
    let streams = format!("{log_group}:*");
    out.push(logs(
        "logs:CreateLogStream",
        &streams,
        "Lambda writes the function's logs",
    ));
    out.push(logs("logs:PutLogEvents", &streams, "Lambda writes the function's logs"));
    if d.tracing {
        for a in ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] {
            out.push(need(a, "*", "active tracing sends X-Ray segments"));
        }
    }
    if d.vpc {
        for a in [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        ] {
            out.push(need(a, "*", "a function in a VPC attaches network interfaces"));
        }
    }
    for (kind, source) in &d.event_sources {
        let actions: &[&str] = match kind.as_str() {
            "sqs" => &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "kinesis" => &[
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:ListShards",
            ],
            "dynamodb-stream" => &[
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:DescribeStream",
                "dynamodb:ListStreams",
            ],
            _ => &[],
        };
        for a in actions {
            out.push(need(
                a,
                source,
                &format!("the {kind} event source mapping polls with the function's role"),
            ));
        }
    }
    for dest in &d.destinations {
        let action = if dest.contains(":sqs:") {
            "sqs:SendMessage"
        } else if dest.contains(":sns:") {
            "sns:Publish"
        } else if dest.contains(":lambda:") {
            "lambda:InvokeFunction"
        } else if dest.contains(":events:") {
            "events:PutEvents"
        } else {
            continue;
        };
        out.push(need(
            action,
            dest,
            "failed invocations are sent to the dead-letter or on-failure destination",
        ));
    }
    if let Some(key) = &d.kms_key {
        out.push(need(
            "kms:Decrypt",
            key,
            "the environment is encrypted with a customer managed KMS key",
        ));
    }
    out
}

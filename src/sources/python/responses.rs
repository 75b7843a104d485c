//! Responses and the resource names they carry back: a value read out of a response is
//! unknown in general, but some are fixed by the request (`GetQueueUrl(QueueName=q)` →
//! the URL of queue `q`; `DescribeTable(TableName=t)` → `t`'s stream ARN; the keys a
//! `ListObjectsV2(Prefix=p)` lists start with `p`). One reviewed table of those.

use std::collections::BTreeMap;

use crate::sources::Hint;

use super::value::{Response, Vals, Value};

type Params = BTreeMap<String, Vec<Hint>>;

/// One response member whose value the request determines.
struct Derived {
    service: &'static str,
    operations: &'static [&'static str],
    /// Path into the response (`Contents[].Key`).
    path: &'static str,
    build: fn(&Params) -> Vec<Hint>,
}

/// Operations whose response holds credentials: clients built from them sign as
/// another principal.
const CREDENTIAL_OPERATIONS: &[(&str, &str)] = &[
    ("sts", "AssumeRole"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "AssumeRoleWithSAML"),
    ("sts", "GetFederationToken"),
    ("sts", "GetSessionToken"),
    ("cognito-identity", "GetCredentialsForIdentity"),
    ("sso", "GetRoleCredentials"),
];

const DERIVED: &[Derived] = &[
    Derived {
        service: "sqs",
        operations: &["GetQueueUrl", "CreateQueue"],
        path: "QueueUrl",
        build: queue_url,
    },
    Derived {
        service: "sqs",
        operations: &["ListQueues"],
        path: "QueueUrls[]",
        build: listed_queue_url,
    },
    Derived {
        service: "dynamodb",
        operations: &["DescribeTable"],
        path: "Table.LatestStreamArn",
        build: stream_arn,
    },
    Derived {
        service: "dynamodb",
        operations: &["CreateTable", "UpdateTable"],
        path: "TableDescription.LatestStreamArn",
        build: stream_arn,
    },
    Derived {
        service: "dynamodb",
        operations: &["DescribeTable"],
        path: "Table.TableName",
        build: table_name,
    },
    Derived {
        service: "dynamodb",
        operations: &["DescribeTable"],
        path: "Table.TableArn",
        build: table_arn,
    },
    Derived {
        service: "s3",
        operations: &["ListObjects", "ListObjectsV2"],
        path: "Contents[].Key",
        build: listed_key,
    },
    Derived {
        service: "s3",
        operations: &["ListObjects", "ListObjectsV2"],
        path: "CommonPrefixes[].Prefix",
        build: listed_key,
    },
    Derived {
        service: "s3",
        operations: &["ListObjectVersions"],
        path: "Versions[].Key",
        build: listed_key,
    },
    Derived {
        service: "sns",
        operations: &["CreateTopic"],
        path: "TopicArn",
        build: topic_arn,
    },
    Derived {
        service: "ssm",
        operations: &["GetParametersByPath"],
        path: "Parameters[].Name",
        build: parameter_under_path,
    },
    Derived {
        service: "ssm",
        operations: &["GetParameter"],
        path: "Parameter.Name",
        build: parameter_name,
    },
    Derived {
        service: "secretsmanager",
        operations: &["GetSecretValue", "DescribeSecret"],
        path: "Name",
        build: secret_name,
    },
];

fn param(params: &Params, name: &str) -> Vec<Hint> {
    params
        .get(name)
        .cloned()
        .unwrap_or_else(|| vec![Hint::unknown(name.to_string())])
}

fn prefixed(prefix: Hint, names: Vec<Hint>) -> Vec<Hint> {
    names.into_iter().map(|n| Hint::concat([prefix.clone(), n])).collect()
}

/// `https://sqs.<region>.amazonaws.com/<account>/<QueueName>`.
fn queue_url(p: &Params) -> Vec<Hint> {
    prefixed(
        Hint::literal("https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/"),
        param(p, "QueueName"),
    )
}

fn listed_queue_url(p: &Params) -> Vec<Hint> {
    let names = p
        .get("QueueNamePrefix")
        .map(|hs| {
            hs.iter()
                .map(|h| Hint::concat([h.clone(), Hint::unknown("queue")]))
                .collect()
        })
        .unwrap_or_else(|| vec![Hint::unknown("queue")]);
    prefixed(
        Hint::literal("https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/"),
        names,
    )
}

/// `arn:<partition>:<service>:<region>:<account>:` with the unknown parts unknown.
fn arn_head(service: &str) -> Hint {
    Hint::concat([
        Hint::literal("arn:"),
        Hint::unknown("partition"),
        Hint::literal(format!(":{service}:")),
        Hint::unknown("region"),
        Hint::literal(":"),
        Hint::unknown("account"),
        Hint::literal(":"),
    ])
}

fn table_arn(p: &Params) -> Vec<Hint> {
    let head = Hint::concat([arn_head("dynamodb"), Hint::literal("table/")]);
    prefixed(head, param(p, "TableName"))
}

fn stream_arn(p: &Params) -> Vec<Hint> {
    table_arn(p)
        .into_iter()
        .map(|t| Hint::concat([t, Hint::literal("/stream/"), Hint::unknown("stream label")]))
        .collect()
}

fn table_name(p: &Params) -> Vec<Hint> {
    param(p, "TableName")
}

fn listed_key(p: &Params) -> Vec<Hint> {
    match p.get("Prefix") {
        Some(prefixes) => prefixes
            .iter()
            .map(|h| Hint::concat([h.clone(), Hint::unknown("key")]))
            .collect(),
        None => vec![Hint::unknown("key")],
    }
}

fn topic_arn(p: &Params) -> Vec<Hint> {
    prefixed(arn_head("sns"), param(p, "Name"))
}

fn parameter_under_path(p: &Params) -> Vec<Hint> {
    param(p, "Path")
        .into_iter()
        .map(|h| Hint::concat([h, Hint::literal("/"), Hint::unknown("name")]))
        .collect()
}

fn parameter_name(p: &Params) -> Vec<Hint> {
    param(p, "Name")
}

fn secret_name(p: &Params) -> Vec<Hint> {
    param(p, "SecretId")
}

/// Whether an operation's response carries credentials.
pub fn issues_credentials(service: &str, operation: &str) -> bool {
    CREDENTIAL_OPERATIONS
        .iter()
        .any(|(s, o)| *s == service && *o == operation)
}

/// A response member determined by the request, if the table knows it.
pub fn derive(service: &str, operation: &str, path: &str, params: &Params) -> Option<Vec<Hint>> {
    let d = DERIVED
        .iter()
        .find(|d| d.service == service && d.path == path && d.operations.contains(&operation))?;
    Some((d.build)(params))
}

/// `response[segment]` (`[]` for an element of a list).
pub fn step(r: &Response, segment: &str) -> Vals {
    let path = match (r.path.is_empty(), segment) {
        (true, s) => s.to_string(),
        (false, "[]") => format!("{}[]", r.path),
        (false, s) => format!("{}.{s}", r.path),
    };
    if r.credentials && path.starts_with("Credentials") {
        return vec![Value::ForeignSecret];
    }
    if let Some(hints) = derive(&r.service, &r.operation, &path, &r.params) {
        return hints.into_iter().map(Value::Str).collect();
    }
    vec![Value::Response(Response { path, ..r.clone() })]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(service: &str, operation: &str, params: &[(&str, Hint)]) -> Response {
        Response {
            service: service.into(),
            operation: operation.into(),
            params: params.iter().map(|(k, v)| (k.to_string(), vec![v.clone()])).collect(),
            path: String::new(),
            credentials: issues_credentials(service, operation),
        }
    }

    fn shown(vals: &Vals) -> Vec<String> {
        vals.iter().map(|v| v.hint("?").display()).collect()
    }

    #[test]
    fn queue_url_from_its_name() {
        let r = response("sqs", "GetQueueUrl", &[("QueueName", Hint::literal("jobs"))]);
        assert_eq!(
            shown(&step(&r, "QueueUrl")),
            ["https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/jobs"]
        );
    }

    #[test]
    fn listed_keys_keep_the_prefix() {
        let r = response("s3", "ListObjectsV2", &[("Prefix", Hint::literal("daily/"))]);
        let Value::Response(contents) = &step(&r, "Contents")[0] else {
            panic!()
        };
        let Value::Response(item) = &step(contents, "[]")[0] else {
            panic!()
        };
        assert_eq!(shown(&step(item, "Key")), ["daily/*"]);
    }

    #[test]
    fn stream_arn_and_credentials() {
        let r = response("dynamodb", "DescribeTable", &[("TableName", Hint::literal("Orders"))]);
        let Value::Response(table) = &step(&r, "Table")[0] else {
            panic!()
        };
        assert_eq!(
            shown(&step(table, "LatestStreamArn")),
            ["arn:*:dynamodb:*:*:table/Orders/stream/*"]
        );
        let r = response("sts", "AssumeRole", &[]);
        assert_eq!(step(&r, "Credentials"), vec![Value::ForeignSecret]);
    }
}

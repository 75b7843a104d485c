//! KMS actions a service performs with the function's credentials on resources encrypted
//! with a customer managed key: granted on the key, under `kms:ViaService`, with the
//! resource and the key's declaration named in the evidence.

mod common;

use common::{json, leastpriv_in, stderr, stdout, write_tree};

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const APP: &str = r#"import boto3

sqs = boto3.client("sqs")
s3 = boto3.client("s3")
QUEUE = "https://sqs.us-east-1.amazonaws.com/111122223333/orders"


def handler(event, context):
    sqs.send_message(QueueUrl=QUEUE, MessageBody="x")
    for m in sqs.receive_message(QueueUrl=QUEUE).get("Messages", []):
        s3.put_object(Bucket="acme-feeds", Key="in/" + m["MessageId"], Body=m["Body"])
    s3.upload_file("/tmp/big.csv", "plain-bucket", "big.csv")
"#;

fn config(key: &str) -> String {
    format!(
        "[[encrypted]]\nresources = [\"arn:aws:sqs:us-east-1:111122223333:orders\", \"arn:aws:s3:::acme-feeds\"]\nkey = \"{key}\"\n"
    )
}

#[test]
fn config_declared_keys_bring_conditioned_kms_grants() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("leastpriv.toml", &config(KEY)), ("worker/app.py", APP)]);
    let out = leastpriv_in(dir.path(), &["generate", ".", "--format", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    snapshot!("kms", "config_declared_policy", stdout(&out));

    let report = json(&leastpriv_in(dir.path(), &["generate", ".", "--format", "json"]));
    let kms: Vec<String> = report["functions"][0]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"].as_str().unwrap().starts_with("kms:"))
        .map(|p| {
            let reasons: Vec<&str> = p["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["reason"].as_str())
                .collect();
            format!(
                "{} {} {}\n  {}",
                p["action"].as_str().unwrap(),
                p["resources"],
                p["condition"],
                reasons.join("\n  ")
            )
        })
        .collect();
    snapshot!("kms", "config_declared_permissions", kms.join("\n"));
}

#[test]
fn a_key_that_is_no_key_arn_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[("leastpriv.toml", &config("alias/orders")), ("worker/app.py", APP)],
    );
    let out = leastpriv_in(dir.path(), &["generate", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("leastpriv.toml: [[encrypted]] key = \"alias/orders\": expected a KMS key ARN"),
        "{err}"
    );
}

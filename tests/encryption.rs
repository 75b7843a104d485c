//! Customer managed KMS keys read from deployment definitions, end to end: the
//! `encrypted-sam` and `encrypted-terraform` apps (and a Serverless service's
//! CloudFormation `resources`), checked through `graph --format json` (the `encryption`
//! of resource nodes) and through discovery's definitions (property and line).

mod common;

use common::{leastpriv, repo};

use std::collections::BTreeMap;

use leastpriv::sources::discover::{self, EncryptionKey};
use leastpriv::sources::template::cfn::Pseudo;
use serde_json::Value;

const THEIRS: &str = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b";

fn app(name: &str) -> String {
    format!("tests/fixtures/apps/{name}")
}

/// `graph PATH --format json ARGS`: each resource node's encryption, by ARN.
fn encryption_by_arn(path: &str, extra: &[&str]) -> BTreeMap<String, Option<String>> {
    let mut args = vec!["graph", path, "--format", "json"];
    args.extend(extra);
    let out = leastpriv(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "resource")
        .map(|n| {
            (
                n["arn"].as_str().unwrap_or_default().to_string(),
                n.get("encryption").and_then(Value::as_str).map(String::from),
            )
        })
        .collect()
}

/// Discovery's definitions: their encryption, by id.
fn keys_by_id(path: &str) -> BTreeMap<String, Option<EncryptionKey>> {
    let found = discover::discover(&repo().join(path), &Pseudo::default()).unwrap();
    found.definitions.into_iter().map(|d| (d.id, d.encryption)).collect()
}

/// The 1-based line of the first `needle` after `after` in a file.
fn line_in(path: &str, after: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let start = text.find(after).unwrap();
    let at = start + text[start..].find(needle).unwrap();
    text[..at].matches('\n').count() as u32 + 1
}

fn key<'a>(keys: &'a BTreeMap<String, Option<EncryptionKey>>, id: &str) -> &'a EncryptionKey {
    keys[id]
        .as_ref()
        .unwrap_or_else(|| panic!("{id} is encrypted with a customer managed key"))
}

#[test]
fn sam_app_resources_name_their_keys() {
    let g = encryption_by_arn(&app("encrypted-sam"), &[]);
    let any = Some("arn:aws:kms:*:*:key/*".to_string());
    assert_eq!(g["arn:aws:sqs:*:*:vault-jobs"], any);
    assert_eq!(g["arn:aws:dynamodb:*:*:table/vault-records"], any, "an alias: any key");
    assert_eq!(g["arn:aws:s3:::vault-archive"], any);
    assert_eq!(
        g["arn:aws:secretsmanager:*:*:secret:vault/api-token-??????"].as_deref(),
        Some(THEIRS),
        "the key ARN samconfig's parameter_overrides give"
    );
    assert_eq!(g["arn:aws:sns:*:*:vault-alerts"], None, "alias/aws/sns is AWS managed");

    let g = encryption_by_arn(
        &app("encrypted-sam"),
        &["--account", "123456789012", "--region", "eu-west-1"],
    );
    assert_eq!(
        g["arn:aws:sqs:eu-west-1:123456789012:vault-jobs"].as_deref(),
        Some("arn:aws:kms:eu-west-1:123456789012:key/*")
    );

    let template = format!("{}/template.yaml", app("encrypted-sam"));
    let k = keys_by_id(&app("encrypted-sam"));
    for (id, property) in [
        ("JobsQueue", "KmsMasterKeyId"),
        ("RecordsTable", "KMSMasterKeyId"),
        ("ArchiveBucket", "KMSMasterKeyID"),
        ("ApiSecret", "KmsKeyId"),
    ] {
        let e = key(&k, id);
        assert_eq!(e.property, property, "{id}");
        assert_eq!(e.line, Some(line_in(&template, &format!("  {id}:"), property)), "{id}");
    }
    assert_eq!(k["AlertsTopic"], None);
}

#[test]
fn terraform_app_resources_name_their_keys() {
    let g = encryption_by_arn(&app("encrypted-terraform"), &[]);
    let any = Some("arn:aws:kms:*:*:key/*".to_string());
    assert_eq!(g["arn:aws:sqs:*:*:vault-prod-jobs"], any);
    assert_eq!(g["arn:aws:dynamodb:*:*:table/vault-prod-records"], any);
    assert_eq!(
        g["arn:aws:s3:::vault-prod-archive"], any,
        "through its encryption configuration"
    );
    assert_eq!(g["arn:aws:ssm:*:*:parameter/vault-prod/salt"], any);
    assert_eq!(
        g["arn:aws:secretsmanager:*:*:secret:vault-prod/api-token-??????"].as_deref(),
        Some(THEIRS),
        "the key ARN terraform.tfvars gives"
    );
    assert_eq!(
        g["arn:aws:sns:*:*:vault-prod-alerts"], None,
        "alias/aws/sns is AWS managed"
    );

    let main = format!("{}/main.tf", app("encrypted-terraform"));
    let k = keys_by_id(&app("encrypted-terraform"));
    for (id, block, property) in [
        ("aws_sqs_queue.jobs", "\"aws_sqs_queue\" \"jobs\"", "kms_master_key_id"),
        (
            "aws_dynamodb_table.records",
            "\"aws_dynamodb_table\" \"records\"",
            "kms_key_arn",
        ),
        (
            "aws_s3_bucket.archive",
            "\"aws_s3_bucket_server_side_encryption_configuration\" \"archive\"",
            "kms_master_key_id",
        ),
        ("aws_secretsmanager_secret.api_token", "\"api_token\"", "kms_key_id"),
        ("aws_ssm_parameter.salt", "\"aws_ssm_parameter\" \"salt\"", "key_id"),
    ] {
        let e = key(&k, id);
        assert_eq!(e.property, property, "{id}");
        assert_eq!(e.line, Some(line_in(&main, block, property)), "{id}");
    }
    assert_eq!(k["aws_sns_topic.alerts"], None);
}

#[test]
fn serverless_resources_are_read_as_cloudformation() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        r#"service: vault
provider:
  name: aws
  runtime: python3.12
  kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/for-environment-variables-only
functions:
  store:
    handler: app.handler
resources:
  Resources:
    Key:
      Type: AWS::KMS::Key
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${self:service}-jobs
        KmsMasterKeyId: !GetAtt Key.Arn
    Alerts:
      Type: AWS::SNS::Topic
      Properties:
        KmsMasterKeyId: alias/aws/sns
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .unwrap();
    let found = discover::discover(dir.path(), &Pseudo::default()).unwrap();
    let k: BTreeMap<String, Option<EncryptionKey>> =
        found.definitions.into_iter().map(|d| (d.id, d.encryption)).collect();
    assert_eq!(key(&k, "Jobs").arn, "arn:aws:kms:*:*:key/*");
    // The line of the property that names the key, not of its resource.
    assert_eq!(key(&k, "Jobs").line, Some(17));
    // The function's own template names the key by its logical id.
    assert_eq!(key(&k, "Jobs").logical_id.as_deref(), Some("Key"));
    assert_eq!(k["Alerts"], None);
    assert_eq!(k["Key"], None);
}

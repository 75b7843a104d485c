//! The customer managed KMS key a Terraform resource names for its encryption: a
//! queue's or topic's `kms_master_key_id`, a stream's `kms_key_id`, a table's
//! `server_side_encryption`, a secret's `kms_key_id`, a SecureString parameter's
//! `key_id`, a bucket's default encryption (inline, or the
//! `aws_s3_bucket_server_side_encryption_configuration` that names the bucket).
//! Classified by [`encryption`](super::encryption).

use std::collections::BTreeMap;

use hcl::expr::TraversalOperator;
use hcl::{Block, Body, Expression};
use serde_json::Value;

use crate::sources::discover::EncryptionKey;

use super::encryption::{KeyPlace, customer_managed_key};
use super::terraform::{Item, attr_in};
use super::terraform_eval::{self, Eval};

const S3_ENCRYPTION: &str = "aws_s3_bucket_server_side_encryption_configuration";

/// The keys of one module's resources, by address (`aws_sqs_queue.jobs`).
pub fn keys(ev: &Eval<'_>) -> BTreeMap<String, EncryptionKey> {
    let module = ev.module();
    let mut out = BTreeMap::new();
    // A bucket's own (legacy inline) setting first; a separate configuration wins.
    let mut configurations = Vec::new();
    for (addr, item) in &module.resources {
        let ty = addr.split('.').next().unwrap_or("");
        if ty == S3_ENCRYPTION {
            configurations.push(item);
            continue;
        }
        let Some((property, expr)) = key_expression(ev, ty, item) else {
            continue;
        };
        if let Some(arn) = key_arn(ev, expr) {
            out.insert(
                addr.clone(),
                EncryptionKey {
                    arn,
                    property: property.to_string(),
                    line: item.attr_line(property).or(item.line),
                    logical_id: None,
                },
            );
        }
    }
    ev.take_notes();
    for config in configurations {
        let Some(bucket) = bucket_of(ev, config) else {
            continue;
        };
        let found = bucket_default(ev, config.block.body(), "rule").and_then(|expr| key_arn(ev, expr));
        let same_file = module.resources.get(&bucket).is_some_and(|b| b.file == config.file);
        match found {
            Some(arn) => {
                let property = "kms_master_key_id";
                let line = if same_file {
                    config.attr_line(property).or(config.line)
                } else {
                    None
                };
                out.insert(
                    bucket,
                    EncryptionKey {
                        arn,
                        property: property.to_string(),
                        line,
                        logical_id: None,
                    },
                );
            }
            // SSE-S3, or the AWS managed `aws/s3`.
            None => {
                out.remove(&bucket);
            }
        }
    }
    ev.take_notes();
    out
}

/// The attribute that names the key of a resource of type `ty`, when its settings use
/// KMS.
fn key_expression<'a>(ev: &Eval<'_>, ty: &str, item: &'a Item) -> Option<(&'static str, &'a Expression)> {
    let attr = |name: &'static str| item.attr(name).map(|e| (name, e));
    match ty {
        "aws_sqs_queue" | "aws_sns_topic" => attr("kms_master_key_id"),
        "aws_secretsmanager_secret" => attr("kms_key_id"),
        "aws_kinesis_stream" if is(ev, item.attr("encryption_type"), "KMS") => attr("kms_key_id"),
        // Enabled without a key: the AWS managed `aws/dynamodb`.
        "aws_dynamodb_table" if is(ev, item.attr("server_side_encryption.enabled"), "true") => item
            .attr("server_side_encryption.kms_key_arn")
            .map(|e| ("kms_key_arn", e)),
        // Without `key_id`: the AWS managed `aws/ssm`.
        "aws_ssm_parameter" if is(ev, item.attr("type"), "SecureString") => attr("key_id"),
        "aws_s3_bucket" => {
            let config = item.blocks("server_side_encryption_configuration").next()?;
            bucket_default(ev, config.body(), "rule").map(|e| ("kms_master_key_id", e))
        }
        _ => None,
    }
}

/// The `kms_master_key_id` of the first `rule` whose default encryption is KMS.
fn bucket_default<'a>(ev: &Eval<'_>, body: &'a Body, rule: &str) -> Option<&'a Expression> {
    body.blocks()
        .filter(|b| b.identifier() == rule)
        .flat_map(|r| r.body().blocks())
        .filter(|d: &&Block| d.identifier() == "apply_server_side_encryption_by_default")
        .filter(|d| {
            let algorithm = attr_in(d.body(), "sse_algorithm");
            is(ev, algorithm, "aws:kms") || is(ev, algorithm, "aws:kms:dsse")
        })
        .find_map(|d| attr_in(d.body(), "kms_master_key_id"))
}

/// The bucket an encryption configuration applies to: the `aws_s3_bucket` its `bucket`
/// refers to, or the one with that name.
fn bucket_of(ev: &Eval<'_>, config: &Item) -> Option<String> {
    let module = ev.module();
    let expr = config.attr("bucket")?;
    let mut refs = Vec::new();
    terraform_eval::references(expr, &mut refs);
    if let Some(r) = refs
        .into_iter()
        .find(|r| r.starts_with("aws_s3_bucket.") && module.resources.contains_key(r))
    {
        return Some(r);
    }
    let name = ev.string(expr).filter(|n| !n.contains('*'))?;
    module.resources.iter().find_map(|(addr, item)| {
        (addr.starts_with("aws_s3_bucket.") && item.attr("bucket").and_then(|b| ev.string(b)).as_deref() == Some(&name))
            .then(|| addr.clone())
    })
}

/// The ARN pattern of the customer managed key an expression names; `None` for `null`
/// or an AWS managed key.
fn key_arn(ev: &Eval<'_>, expr: &Expression) -> Option<String> {
    let value = match looked_up_key(ev, expr) {
        Some(v) => v,
        None => ev.eval(expr),
    };
    let text = match value {
        Value::Null => return None,
        Value::String(s) => Some(s),
        _ => None,
    };
    let p = &ev.project.pseudo;
    let place = KeyPlace {
        partition: p.partition.as_deref(),
        region: p.region.as_deref(),
        account: p.account.as_deref(),
    };
    customer_managed_key(text.as_deref(), &place)
}

/// `data.aws_kms_key.k.arn` is the key its `key_id` names, `data.aws_kms_alias.a.*` the
/// alias its `name` names (`alias/aws/s3` included): what the data source looks up.
fn looked_up_key(ev: &Eval<'_>, expr: &Expression) -> Option<Value> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    if root.as_str() != "data" {
        return None;
    }
    let names: Vec<&str> = t
        .operators
        .iter()
        .map_while(|o| match o {
            TraversalOperator::GetAttr(i) => Some(i.as_str()),
            _ => None,
        })
        .collect();
    let (ty, name) = (names.first()?, names.get(1)?);
    let attr = match *ty {
        "aws_kms_key" => "key_id",
        "aws_kms_alias" => "name",
        _ => return None,
    };
    let item = ev.module().data.get(&format!("{ty}.{name}"))?;
    Some(item.attr(attr).map(|e| ev.eval(e)).unwrap_or(Value::String("*".into())))
}

/// Does the expression evaluate to `expected` (case-insensitive; `true` for a boolean)?
fn is(ev: &Eval<'_>, e: Option<&Expression>, expected: &str) -> bool {
    match e.map(|e| ev.eval(e)) {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(expected),
        Some(Value::Bool(b)) => b.to_string() == expected,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::sources::discover::{Discovery, EncryptionKey};
    use crate::sources::template::cfn::Pseudo;
    use crate::sources::template::terraform;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    const MAIN: &str = r#"
variable "queue_key" {
  default = null
}

resource "aws_kms_key" "k" {}

resource "aws_kms_alias" "a" {
  name          = "alias/shop"
  target_key_id = aws_kms_key.k.key_id
}

data "aws_kms_key" "by_id" {
  key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
}

data "aws_kms_key" "s3" {
  key_id = "alias/aws/s3"
}

data "aws_kms_alias" "ssm" {
  name = "alias/aws/ssm"
}

resource "aws_sqs_queue" "by_key_arn" {
  name              = "a"
  kms_master_key_id = aws_kms_key.k.arn
}

resource "aws_sqs_queue" "by_alias_name" {
  name              = "b"
  kms_master_key_id = aws_kms_alias.a.name
}

resource "aws_sqs_queue" "aws_managed" {
  name              = "c"
  kms_master_key_id = "alias/aws/sqs"
}

resource "aws_sqs_queue" "by_data_key" {
  name              = "d"
  kms_master_key_id = data.aws_kms_key.by_id.arn
}

resource "aws_sqs_queue" "sqs_managed" {
  name                    = "e"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "null_key" {
  name              = "f"
  kms_master_key_id = var.queue_key
}

resource "aws_sns_topic" "by_alias_arn" {
  name              = "t"
  kms_master_key_id = aws_kms_alias.a.arn
}

resource "aws_sns_topic" "aws_managed" {
  name              = "u"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_kinesis_stream" "kms" {
  name            = "s"
  encryption_type = "KMS"
  kms_key_id      = aws_kms_key.k.id
}

resource "aws_kinesis_stream" "none" {
  name            = "s2"
  encryption_type = "NONE"
  kms_key_id      = aws_kms_key.k.id
}

resource "aws_s3_bucket" "cmk" {
  bucket = "cmk-bucket"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "cmk" {
  bucket = aws_s3_bucket.cmk.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.k.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket" "by_name" {
  bucket = "named-bucket"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "by_name" {
  bucket = "named-bucket"
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms:dsse"
      kms_master_key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
}

resource "aws_s3_bucket" "aws_managed" {
  bucket = "managed-bucket"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "aws_managed" {
  bucket = aws_s3_bucket.aws_managed.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket" "data_managed" {
  bucket = "data-managed-bucket"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_managed" {
  bucket = aws_s3_bucket.data_managed.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = data.aws_kms_key.s3.arn
    }
  }
}

resource "aws_s3_bucket" "legacy" {
  bucket = "legacy-bucket"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = "arn:aws:kms:us-east-2:444455556666:alias/shared"
      }
    }
  }
}

resource "aws_s3_bucket" "legacy_aes" {
  bucket = "legacy-aes-bucket"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}

resource "aws_dynamodb_table" "cmk" {
  name     = "orders"
  hash_key = "id"
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.k.arn
  }
}

resource "aws_dynamodb_table" "aws_managed" {
  name     = "orders2"
  hash_key = "id"
  server_side_encryption {
    enabled = true
  }
}

resource "aws_secretsmanager_secret" "cmk" {
  name       = "api-key"
  kms_key_id = aws_kms_key.k.key_id
}

resource "aws_secretsmanager_secret" "aws_managed" {
  name = "plain"
}

resource "aws_ssm_parameter" "cmk" {
  name   = "/shop/token"
  type   = "SecureString"
  value  = "x"
  key_id = aws_kms_alias.a.arn
}

resource "aws_ssm_parameter" "aws_managed" {
  name  = "/shop/default-key"
  type  = "SecureString"
  value = "x"
}

resource "aws_ssm_parameter" "data_alias" {
  name   = "/shop/data-alias"
  type   = "SecureString"
  value  = "x"
  key_id = data.aws_kms_alias.ssm.target_key_arn
}

resource "aws_ssm_parameter" "plain" {
  name   = "/shop/plain"
  type   = "String"
  value  = "x"
  key_id = aws_kms_key.k.arn
}
"#;

    fn keys(pseudo: &Pseudo) -> BTreeMap<String, (Option<EncryptionKey>, Option<String>)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
        let mut found = Discovery::default();
        terraform::read(dir.path(), pseudo, &mut found);
        found
            .definitions
            .into_iter()
            .map(|d| (d.id, (d.encryption, d.arn)))
            .collect()
    }

    fn line_of(needle: &str, after: &str) -> u32 {
        let start = MAIN.find(after).unwrap();
        let at = start + MAIN[start..].find(needle).unwrap();
        MAIN[..at].matches('\n').count() as u32 + 1
    }

    #[test]
    fn every_resource_type_and_key_reference() {
        let pseudo = Pseudo {
            account: Some("123456789012".into()),
            region: Some("eu-west-1".into()),
            partition: None,
        };
        let k = keys(&pseudo);
        let arn = |id: &str| k[id].0.as_ref().map(|e| e.arn.clone());
        let any = Some("arn:aws:kms:eu-west-1:123456789012:key/*".to_string());
        let own = Some(format!("arn:aws:kms:eu-west-1:123456789012:key/{ID}"));
        for id in [
            "aws_sqs_queue.by_key_arn",
            "aws_sqs_queue.by_alias_name",
            "aws_sns_topic.by_alias_arn",
            "aws_kinesis_stream.kms",
            "aws_s3_bucket.cmk",
            "aws_dynamodb_table.cmk",
            "aws_secretsmanager_secret.cmk",
            "aws_ssm_parameter.cmk",
        ] {
            assert_eq!(arn(id), any, "{id}");
        }
        assert_eq!(arn("aws_sqs_queue.by_data_key"), own);
        assert_eq!(arn("aws_s3_bucket.by_name"), own);
        assert_eq!(
            arn("aws_s3_bucket.legacy").as_deref(),
            Some("arn:aws:kms:us-east-2:444455556666:key/*")
        );
        for id in [
            "aws_sqs_queue.aws_managed",
            "aws_sqs_queue.sqs_managed",
            "aws_sqs_queue.null_key",
            "aws_sns_topic.aws_managed",
            "aws_kinesis_stream.none",
            "aws_s3_bucket.aws_managed",
            "aws_s3_bucket.data_managed",
            "aws_s3_bucket.legacy_aes",
            "aws_dynamodb_table.aws_managed",
            "aws_secretsmanager_secret.aws_managed",
            "aws_ssm_parameter.aws_managed",
            "aws_ssm_parameter.data_alias",
            "aws_ssm_parameter.plain",
            "aws_kms_key.k",
            "aws_kms_alias.a",
        ] {
            assert_eq!(arn(id), None, "{id}");
        }
        // Parameters are definitions with their ARN.
        assert_eq!(
            k["aws_ssm_parameter.cmk"].1.as_deref(),
            Some("arn:aws:ssm:eu-west-1:123456789012:parameter/shop/token")
        );
        // The property and its line.
        let at = |id: &str| k[id].0.clone().unwrap();
        let q = at("aws_sqs_queue.by_key_arn");
        assert_eq!(q.property, "kms_master_key_id");
        assert_eq!(q.line, Some(line_of("kms_master_key_id", "\"by_key_arn\"")));
        let t = at("aws_dynamodb_table.cmk");
        assert_eq!(t.property, "kms_key_arn");
        assert_eq!(t.line, Some(line_of("kms_key_arn", "\"aws_dynamodb_table\" \"cmk\"")));
        let b = at("aws_s3_bucket.cmk");
        assert_eq!(
            b.line,
            Some(line_of(
                "kms_master_key_id",
                "\"aws_s3_bucket_server_side_encryption_configuration\" \"cmk\""
            ))
        );
        let p = at("aws_ssm_parameter.cmk");
        assert_eq!(
            (p.property.as_str(), p.line),
            ("key_id", Some(line_of("key_id", "\"/shop/token\"")))
        );
    }

    #[test]
    fn unknown_account_and_region_are_stars() {
        let k = keys(&Pseudo::default());
        let arn = |id: &str| k[id].0.as_ref().map(|e| e.arn.clone());
        assert_eq!(
            arn("aws_sqs_queue.by_key_arn").as_deref(),
            Some("arn:aws:kms:*:*:key/*")
        );
        assert_eq!(arn("aws_s3_bucket.by_name"), Some(format!("arn:aws:kms:*:*:key/{ID}")));
    }
}

//! The customer managed KMS key a CloudFormation (SAM, CDK, Serverless `resources`)
//! resource names for its encryption: a queue's or topic's `KmsMasterKeyId`, a stream's
//! `StreamEncryption`, a bucket's default `BucketEncryption`, a table's
//! `SSESpecification`, a secret's `KmsKeyId`. Classified by [`encryption`](super::encryption).

use serde_json::Value;

use crate::sources::discover::Definition;

use super::encryption::{KeyPlace, customer_managed_key};
use super::intrinsics::Scope;
use super::lines::KeyIndex;

/// The property paths (outermost first) that name a key.
const PATHS: &[&[&str]] = &[
    &["KmsMasterKeyId"],
    &["KmsKeyId"],
    &["StreamEncryption", "KeyId"],
    &["SSESpecification", "KMSMasterKeyId"],
    &[
        "BucketEncryption",
        "ServerSideEncryptionConfiguration",
        "ServerSideEncryptionByDefault",
        "KMSMasterKeyID",
    ],
];

/// The logical id of the `AWS::KMS::Key` a key property refers to in the same template
/// (`!Ref K`, `!GetAtt K.Arn`), read from the property as written.
pub fn own_key(props: &Value, path: &[&str], scope: &Scope<'_>) -> Option<String> {
    fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
        match path.split_first() {
            None => Some(v),
            Some((first, rest)) => match v {
                Value::Array(items) => items.iter().find_map(|i| at(i, path)),
                _ => at(v.get(*first)?, rest),
            },
        }
    }
    let raw = at(props, path)?;
    let id = match (raw.get("Ref"), raw.get("Fn::GetAtt")) {
        (Some(Value::String(id)), _) => id.as_str(),
        (_, Some(Value::Array(a))) if a.get(1).and_then(Value::as_str) == Some("Arn") => a.first()?.as_str()?,
        (_, Some(Value::String(s))) => s.strip_suffix(".Arn")?,
        _ => return None,
    };
    (scope.resource_type(id) == Some("AWS::KMS::Key")).then(|| id.to_string())
}

/// The property path (outermost first) that names the key, and the key's ARN pattern;
/// `None` when the resource is not encrypted with a customer managed key.
pub fn key(ty: &str, props: &Value, scope: &Scope<'_>) -> Option<(&'static [&'static str], String)> {
    // A property as written, intrinsics evaluated (`*` where unknown); absent when it is
    // `AWS::NoValue`.
    let tree = |name: &str| {
        props
            .get(name)
            .filter(|v| v.get("Ref").and_then(Value::as_str) != Some("AWS::NoValue"))
            .map(|v| scope.eval_tree(v))
    };
    let (path, value): (&'static [&'static str], Value) = match ty {
        "AWS::SQS::Queue" | "AWS::SNS::Topic" => (PATHS[0], tree("KmsMasterKeyId")?),
        "AWS::SecretsManager::Secret" => (PATHS[1], tree("KmsKeyId")?),
        "AWS::Kinesis::Stream" => {
            let e = tree("StreamEncryption")?;
            if !is(e.get("EncryptionType"), "KMS") {
                return None;
            }
            (PATHS[2], e.get("KeyId")?.clone())
        }
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => {
            let e = tree("SSESpecification")?;
            // Without a key id, an enabled table uses the AWS managed `aws/dynamodb`.
            if !is(e.get("SSEEnabled"), "true") || e.get("SSEType").is_some_and(|t| !is(Some(t), "KMS")) {
                return None;
            }
            (PATHS[3], e.get("KMSMasterKeyId")?.clone())
        }
        "AWS::S3::Bucket" => {
            let e = tree("BucketEncryption")?;
            // `aws:kms` without a key id is the AWS managed `aws/s3`.
            let value = e
                .get("ServerSideEncryptionConfiguration")?
                .as_array()?
                .iter()
                .filter_map(|rule| rule.get("ServerSideEncryptionByDefault"))
                .filter(|d| is(d.get("SSEAlgorithm"), "aws:kms") || is(d.get("SSEAlgorithm"), "aws:kms:dsse"))
                .find_map(|d| d.get("KMSMasterKeyID"))?
                .clone();
            (PATHS[4], value)
        }
        _ => return None,
    };
    let text = match &value {
        Value::Null => return None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let place = KeyPlace {
        partition: scope.partition,
        region: scope.region,
        account: scope.account,
    };
    customer_managed_key(text.as_deref(), &place).map(|arn| (path, arn))
}

/// Moves a definition's key from its resource's line to its property's: `starts` are
/// the sorted lines where the template's resources start.
pub fn locate(def: &mut Definition, keys: &KeyIndex<'_>, starts: &[u32]) {
    if let (Some(enc), Some(from)) = (&mut def.encryption, def.line) {
        let until = starts.get(starts.partition_point(|s| *s <= from)).copied();
        enc.line = Some(line(keys, path_of(&enc.property), from, until));
    }
}

/// The property path whose innermost key is `property` (as [`key`] names it).
fn path_of(property: &str) -> &'static [&'static str] {
    PATHS
        .iter()
        .find(|p| p.last() == Some(&property))
        .copied()
        .unwrap_or(&[])
}

/// The line of the innermost key of `path` written between the resource's line `from`
/// and the next resource's `until` (a flow mapping puts the inner keys on their parent's
/// line); `from` when none is found there.
fn line(keys: &KeyIndex<'_>, path: &[&str], from: u32, until: Option<u32>) -> u32 {
    path.iter()
        .rev()
        .find_map(|k| keys.line_from(k, from).filter(|l| until.is_none_or(|u| *l < u)))
        .unwrap_or(from)
}

fn is(v: Option<&Value>, expected: &str) -> bool {
    match v {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(expected),
        Some(Value::Bool(b)) => b.to_string() == expected,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::sources::discover::{Discovery, EncryptionKey};
    use crate::sources::template::cfn::{self, Pseudo, Stack};
    use crate::sources::template::yaml;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    /// Each resource's key, read the way discovery reads a template.
    fn keys(text: &str, pseudo: &Pseudo, parameters: &[(&str, &str)]) -> BTreeMap<String, Option<EncryptionKey>> {
        let template = yaml::parse(text).unwrap();
        let stack = Stack {
            path: Path::new("/nonexistent-leastpriv-test/template.yaml"),
            text,
            template: &template,
            pseudo,
            stack_name: Some("shop".into()),
            parameters: Some(parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            depth: 0,
            root: None,
            above: Vec::new(),
        };
        let mut found = Discovery::default();
        cfn::read(&stack, &mut found);
        found.definitions.into_iter().map(|d| (d.id, d.encryption)).collect()
    }

    fn arn(k: &Option<EncryptionKey>) -> Option<&str> {
        k.as_ref().map(|k| k.arn.as_str())
    }

    const YAML: &str = r#"Parameters:
  TableKey:
    Type: String
    Default: mrk-1234abcd12ab34cd56ef1234567890ab
  BucketKeyId:
    Type: String
  HasKey:
    Type: String
Conditions:
  UseKey: !Equals [!Ref HasKey, "yes"]
Resources:
  Key:
    Type: AWS::KMS::Key
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/shop
      TargetKeyId: !Ref Key
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !GetAtt Key.Arn
  QueueByRef:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
  QueueByAlias:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref KeyAlias
  QueueSqsManaged:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
  QueueMaybe:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !If [UseKey, !GetAtt Key.Arn, !Ref AWS::NoValue]
  QueueNoValue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref AWS::NoValue
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
  TopicCmk:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: arn:aws:kms:us-east-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      StreamEncryption: {EncryptionType: KMS, KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab}
  StreamManaged:
    Type: AWS::Kinesis::Stream
    Properties:
      StreamEncryption:
        EncryptionType: KMS
        KeyId: alias/aws/kinesis
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - BucketKeyEnabled: true
            ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms:dsse
              KMSMasterKeyID: !Sub arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${BucketKeyId}
  BucketAwsManaged:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
  BucketSseS3:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
              KMSMasterKeyID: !GetAtt Key.Arn
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      SSESpecification:
        SSEEnabled: true
        SSEType: KMS
        KMSMasterKeyId: !Ref TableKey
  TableAwsManaged:
    Type: AWS::DynamoDB::Table
    Properties:
      SSESpecification:
        SSEEnabled: true
  TableDisabled:
    Type: AWS::DynamoDB::Table
    Properties:
      SSESpecification:
        SSEEnabled: false
        KMSMasterKeyId: !Ref Key
  SimpleTable:
    Type: AWS::Serverless::SimpleTable
    Properties:
      SSESpecification:
        SSEEnabled: true
        KMSMasterKeyId: alias/shop
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: !Ref KeyAlias
  SecretAwsManaged:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: plain
  Parameter:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: x
"#;

    #[test]
    fn yaml_short_tags_and_every_resource_type() {
        let pseudo = Pseudo {
            account: Some("123456789012".into()),
            region: Some("eu-west-1".into()),
            partition: None,
        };
        let k = keys(YAML, &pseudo, &[("BucketKeyId", ID)]);
        let any = Some("arn:aws:kms:eu-west-1:123456789012:key/*");
        for id in [
            "Queue",
            "QueueByRef",
            "QueueByAlias",
            "QueueMaybe",
            "Secret",
            "SimpleTable",
        ] {
            assert_eq!(arn(&k[id]), any, "{id}");
        }
        for id in [
            "QueueSqsManaged",
            "QueueNoValue",
            "Topic",
            "StreamManaged",
            "BucketAwsManaged",
            "BucketSseS3",
            "TableAwsManaged",
            "TableDisabled",
            "SecretAwsManaged",
            "Parameter",
            "Key",
            "KeyAlias",
        ] {
            assert_eq!(k[id], None, "{id}");
        }
        assert_eq!(
            arn(&k["TopicCmk"]),
            Some("arn:aws:kms:us-east-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        );
        let own = format!("arn:aws:kms:eu-west-1:123456789012:key/{ID}");
        assert_eq!(arn(&k["Stream"]), Some(own.as_str()));
        assert_eq!(arn(&k["Bucket"]), Some(own.as_str()));
        assert_eq!(
            arn(&k["Table"]),
            Some("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab")
        );
        // The property and its line.
        let line_of = |needle: &str, after: &str| {
            let start = YAML.find(after).unwrap();
            let at = start + YAML[start..].find(needle).unwrap();
            YAML[..at].matches('\n').count() as u32 + 1
        };
        let queue = k["Queue"].as_ref().unwrap();
        assert_eq!(queue.property, "KmsMasterKeyId");
        assert_eq!(queue.line, Some(line_of("KmsMasterKeyId", "  Queue:")));
        let bucket = k["Bucket"].as_ref().unwrap();
        assert_eq!(bucket.property, "KMSMasterKeyID");
        assert_eq!(bucket.line, Some(line_of("KMSMasterKeyID", "  Bucket:")));
        let table = k["Table"].as_ref().unwrap();
        assert_eq!(table.line, Some(line_of("KMSMasterKeyId", "  Table:")));
        // A flow mapping: the key id is on its parent's line.
        let stream = k["Stream"].as_ref().unwrap();
        assert_eq!(stream.property, "KeyId");
        assert_eq!(stream.line, Some(line_of("StreamEncryption", "  Stream:")));
    }

    #[test]
    fn unknown_account_and_region_are_stars() {
        let k = keys(YAML, &Pseudo::default(), &[]);
        assert_eq!(arn(&k["Queue"]), Some("arn:aws:kms:*:*:key/*"));
        assert_eq!(arn(&k["Stream"]), Some(format!("arn:aws:kms:*:*:key/{ID}").as_str()));
        // A parameter with no value: the key id is unknown.
        assert_eq!(arn(&k["Bucket"]), Some("arn:aws:kms:*:*:key/*"));
    }

    #[test]
    fn parameter_overrides_are_classified_like_literals() {
        let pseudo = Pseudo::default();
        let k = keys(YAML, &pseudo, &[("TableKey", "alias/aws/dynamodb")]);
        assert_eq!(k["Table"], None);
        let k = keys(YAML, &pseudo, &[("TableKey", "alias/orders")]);
        assert_eq!(arn(&k["Table"]), Some("arn:aws:kms:*:*:key/*"));
        let given = format!("arn:aws:kms:eu-central-1:123456789012:key/{ID}");
        let k = keys(YAML, &pseudo, &[("TableKey", &given)]);
        assert_eq!(arn(&k["Table"]), Some(given.as_str()));
    }

    #[test]
    fn cdk_json_get_att_of_a_key() {
        let json = r#"{
 "Resources": {
  "OrdersKey5C3A2F1B": {
   "Type": "AWS::KMS::Key",
   "Properties": {"EnableKeyRotation": true}
  },
  "OrdersQueue2E8B4C91": {
   "Type": "AWS::SQS::Queue",
   "Properties": {
    "KmsMasterKeyId": {
     "Fn::GetAtt": [
      "OrdersKey5C3A2F1B",
      "Arn"
     ]
    }
   }
  },
  "ReceiptsTopic9A1D": {
   "Type": "AWS::SNS::Topic",
   "Properties": {
    "KmsMasterKeyId": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":alias/aws/sns"]]}
   }
  }
 }
}"#;
        let pseudo = Pseudo {
            partition: Some("aws-us-gov".into()),
            ..Pseudo::default()
        };
        let k = keys(json, &pseudo, &[]);
        let queue = k["OrdersQueue2E8B4C91"].as_ref().unwrap();
        assert_eq!(queue.arn, "arn:aws-us-gov:kms:*:*:key/*");
        assert_eq!(queue.line, Some(10));
        assert_eq!(k["ReceiptsTopic9A1D"], None);
    }
}

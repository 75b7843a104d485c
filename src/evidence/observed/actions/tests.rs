//! The events whose name is not the IAM action, one test each.

use super::*;
use crate::sources::cloudtrail::record::parse_value;

/// Maps one record given as JSON (fields merged over a Lambda-session skeleton).
fn map(fields: &str) -> Outcome {
    let json = format!(
        r#"{{"userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/r/f","accountId":"123456789012"}},
        "eventTime":"2026-11-02T10:00:00Z","awsRegion":"us-east-1","recipientAccountId":"123456789012",{fields}}}"#
    );
    let mut out = None;
    parse_value(json.as_bytes(), &mut |r| {
        let params: Value = r
            .request_parameters
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or(Value::Null);
        out = Some(map_record(&r, &params, Catalog::embedded()));
    });
    out.expect("the test record parses")
}

fn pairs(o: Outcome) -> Vec<String> {
    match o {
        Outcome::Actions(v) => v
            .into_iter()
            .map(|m| format!("{}{} {}", if m.denied { "DENIED " } else { "" }, m.action, m.resource))
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

#[test]
fn list_objects_v2_and_head_calls_are_list_bucket_and_get_object() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"ListObjects","requestParameters":{"bucketName":"logs","list-type":"2","prefix":"raw/"}"#
        )),
        ["s3:ListBucket arn:aws:s3:::logs"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"HeadBucket","requestParameters":{"bucketName":"logs"}"#
        )),
        ["s3:ListBucket arn:aws:s3:::logs"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"HeadObject","requestParameters":{"bucketName":"media","key":"in/a/b.png"}"#
        )),
        ["s3:GetObject arn:aws:s3:::media/in/*"]
    );
}

#[test]
fn multipart_steps_are_put_object() {
    for name in ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"] {
        let f = format!(
            r#""eventSource":"s3.amazonaws.com","eventName":"{name}","requestParameters":{{"bucketName":"b","key":"compacted/x.gz"}}"#
        );
        assert_eq!(pairs(map(&f)), ["s3:PutObject arn:aws:s3:::b/compacted/*"], "{name}");
    }
}

#[test]
fn copy_object_reads_its_source_and_writes_its_destination() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"CopyObject","requestParameters":{"bucketName":"quarantine","key":"posts/1/a.jpg","x-amz-copy-source":"public/posts/1/a.jpg"}"#
        )),
        [
            "s3:GetObject arn:aws:s3:::public/posts/*",
            "s3:PutObject arn:aws:s3:::quarantine/posts/*"
        ]
    );
}

#[test]
fn delete_objects_is_delete_object_under_the_listed_prefix() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"DeleteObjects","requestParameters":{"bucketName":"logs","delete":""},
            "resources":[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::logs/"},{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs"}]"#
        )),
        ["s3:DeleteObject arn:aws:s3:::logs/*"]
    );
}

#[test]
fn transact_write_items_needs_one_action_per_item_kind() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"dynamodb.amazonaws.com","eventName":"TransactWriteItems","requestParameters":{"requestItems":[
            {"operation":"ConditionCheck","tableName":"Customers"},{"operation":"Update","tableName":"Inventory"},{"operation":"Put","tableName":"Reservations"}]}"#
        )),
        [
            "dynamodb:ConditionCheckItem arn:aws:dynamodb:us-east-1:123456789012:table/Customers",
            "dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/Reservations",
            "dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/Inventory",
        ]
    );
}

#[test]
fn a_denial_naming_its_action_is_exactly_that_need() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"dynamodb.amazonaws.com","eventName":"TransactWriteItems","errorCode":"AccessDenied",
            "errorMessage":"User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Products because no identity-based policy allows the dynamodb:UpdateItem action",
            "requestParameters":{"requestItems":[{"operation":"Put","tableName":"Orders"},{"operation":"Update","tableName":"Products"}]}"#
        )),
        ["DENIED dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/Products"]
    );
    // S3 says only "Access Denied": the call's own action is the denied one.
    assert_eq!(
        pairs(map(
            r#""eventSource":"s3.amazonaws.com","eventName":"PutObject","errorCode":"AccessDenied","errorMessage":"Access Denied",
            "requestParameters":{"bucketName":"reports","key":"2026/x.csv"}"#
        )),
        ["DENIED s3:PutObject arn:aws:s3:::reports/2026/*"]
    );
    // Other errors are authorised calls.
    assert_eq!(
        pairs(map(
            r#""eventSource":"dynamodb.amazonaws.com","eventName":"PutItem","errorCode":"ConditionalCheckFailedException","requestParameters":{"tableName":"Orders"}"#
        )),
        ["dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/Orders"]
    );
}

#[test]
fn batch_calls_are_their_single_actions() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"sqs.amazonaws.com","eventName":"SendMessageBatch","requestParameters":{"queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/retries"}"#
        )),
        ["sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:retries"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"sqs.amazonaws.com","eventName":"DeleteMessageBatch","requestParameters":{"queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/dlq"}"#
        )),
        ["sqs:DeleteMessage arn:aws:sqs:us-east-1:123456789012:dlq"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"sns.amazonaws.com","eventName":"PublishBatch","requestParameters":{"topicArn":"arn:aws:sns:us-east-1:123456789012:alerts"}"#
        )),
        ["sns:Publish arn:aws:sns:us-east-1:123456789012:alerts"]
    );
}

#[test]
fn lambda_invoke_and_api_version_suffixes() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"lambda.amazonaws.com","eventName":"Invoke","requestParameters":{"functionName":"arn:aws:lambda:us-east-1:123456789012:function:indexer"}"#
        )),
        ["lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:indexer"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"lambda.amazonaws.com","eventName":"GetFunctionConfiguration20150331v2","requestParameters":{"functionName":"orders-api"}"#
        )),
        ["lambda:GetFunctionConfiguration arn:aws:lambda:us-east-1:123456789012:function:orders-api"]
    );
    assert_eq!(strip_api_version("UpdateFunctionCode20150331v2"), "UpdateFunctionCode");
    assert_eq!(strip_api_version("CreateFunction20150331"), "CreateFunction");
    assert_eq!(strip_api_version("ListObjectsV2"), "ListObjectsV2");
    assert_eq!(strip_api_version("PutRecords"), "PutRecords");
}

#[test]
fn converse_is_invoke_model_on_the_foundation_model() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"bedrock.amazonaws.com","eventName":"Converse","requestParameters":{"modelId":"anthropic.claude-3-5-haiku-20241022-v1:0"}"#
        )),
        ["bedrock:InvokeModel arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]
    );
}

#[test]
fn get_caller_identity_needs_nothing_and_unknown_events_say_so() {
    assert_eq!(
        map(r#""eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity""#),
        Outcome::Permissionless
    );
    assert_eq!(
        map(r#""eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin""#),
        Outcome::Unmapped
    );
}

#[test]
fn monitoring_is_cloudwatch_and_streams_are_dynamodb() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"monitoring.amazonaws.com","eventName":"DescribeAlarms""#
        )),
        ["cloudwatch:DescribeAlarms arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"]
    );
    assert_eq!(
        pairs(map(
            r#""eventSource":"dynamodb.amazonaws.com","eventName":"GetRecords","requestParameters":{"shardIterator":"x"},
            "resources":[{"type":"AWS::DynamoDB::Stream","ARN":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-10-14T09:12:44.301"}]"#
        )),
        ["dynamodb:GetRecords arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/*"]
    );
}

#[test]
fn query_on_an_index_needs_the_index_arn() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"dynamodb.amazonaws.com","eventName":"Query","requestParameters":{"tableName":"Orders","indexName":"by-day"},
            "resources":[{"type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}]"#
        )),
        ["dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/by-day"]
    );
}

#[test]
fn ec2_instances_come_from_resources_or_stay_open() {
    assert_eq!(
        pairs(map(
            r#""eventSource":"ec2.amazonaws.com","eventName":"StopInstances","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0a1"}]}}"#
        )),
        ["ec2:StopInstances arn:aws:ec2:us-east-1:123456789012:instance/*"]
    );
}

#[test]
fn generalised_names() {
    assert_eq!(generalise("arn:aws:s3:::b/a/b/c.txt"), "arn:aws:s3:::b/a/*");
    assert_eq!(generalise("arn:aws:s3:::b/c.txt"), "arn:aws:s3:::b/*");
    assert_eq!(generalise("arn:aws:s3:::b"), "arn:aws:s3:::b");
    assert_eq!(
        generalise("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:log-stream:2026/11/02/[$LATEST]abc"),
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:log-stream:*"
    );
}

#[test]
fn a_forged_name_widens_nothing() {
    // A wildcard or whitespace where AWS logs a bucket or table name.
    for params in [
        r#""requestParameters":{"bucketName":"*","key":"a.txt"}"#,
        r#""requestParameters":{"bucketName":"orders ","key":"a.txt"}"#,
        r#""requestParameters":{"bucketName":"ord?rs","key":"a.txt"}"#,
    ] {
        let fields = format!(r#""eventSource":"s3.amazonaws.com","eventName":"GetObject",{params}"#);
        assert_eq!(map(&fields), Outcome::Unmapped, "{params}");
    }
    // A key may hold a `*`: it is folded to the bucket's objects anyway.
    let fields = r#""eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"orders","key":"a*b.txt"}"#;
    assert!(matches!(map(fields), Outcome::Actions(_)));
}

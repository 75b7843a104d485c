//! Unit tests of resource types: glob intersection, fitting, reshaping.

use super::*;

fn cat() -> &'static Catalog {
    Catalog::embedded()
}

fn ctx() -> ArnContext {
    ArnContext::default()
}

fn render(f: &Fitted) -> Vec<String> {
    f.patterns.iter().map(|p| p.to_string()).collect()
}

#[test]
fn glob_intersection() {
    let s = tokens_of_str;
    assert!(intersects(
        &s("arn:aws:s3:::b/*"),
        &tokens_of_format("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    ));
    assert!(!intersects(
        &s("arn:aws:s3:::b/*"),
        &tokens_of_format("arn:${Partition}:s3:::${BucketName}")
    ));
    assert!(!intersects(
        &s("arn:aws:s3:::b"),
        &tokens_of_format("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    ));
    assert!(intersects(
        &s("*"),
        &tokens_of_format("arn:${Partition}:s3:::${BucketName}")
    ));
    assert!(intersects(
        &s("arn:aws:logs:*:*:log-group:/aws/lambda/x:*"),
        &tokens_of_format(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}"
        )
    ));
    assert!(intersects(&s("a?c"), &s("abc")));
    assert!(!intersects(&s("a?c"), &s("ac")));
    assert!(intersects(&s("a*"), &s("*b")));
}

#[test]
fn object_actions_on_a_bucket_get_its_objects() {
    let p = ResourcePattern::parse_arn("arn:aws:s3:::invoices");
    let f = fit(cat(), "s3:GetObject", &p, &ctx());
    assert_eq!(render(&f), ["arn:aws:s3:::invoices/*"]);
    assert!(f.note.is_some() && !f.mismatch);
}

#[test]
fn bucket_actions_on_objects_get_the_bucket() {
    let p = ResourcePattern::parse_arn("arn:aws:s3:::invoices/2026/a.pdf");
    let f = fit(cat(), "s3:ListBucket", &p, &ctx());
    assert_eq!(render(&f), ["arn:aws:s3:::invoices"]);
    let kept = fit(cat(), "s3:GetObject", &p, &ctx());
    assert_eq!(kept, Fitted::kept(&p));
}

#[test]
fn unresolved_bucket_variable_is_a_name() {
    let p = ResourcePattern {
        segs: vec![
            Seg::Lit("arn:aws:s3:::".into()),
            Seg::Env("BUCKET".into(), Transform::Plain),
        ],
        template: None,
    };
    let f = fit(cat(), "s3:PutObject", &p, &ctx());
    assert_eq!(render(&f), ["arn:aws:s3:::${env:BUCKET}/*"]);
}

#[test]
fn actions_without_resource_types_get_star_only() {
    let p = ResourcePattern::parse_arn("arn:aws:s3:::b");
    let f = fit(cat(), "s3:ListAllMyBuckets", &p, &ctx());
    assert_eq!(render(&f), ["*"]);
    let star = fit(cat(), "xray:PutTraceSegments", &ResourcePattern::star(), &ctx());
    assert_eq!(star, Fitted::kept(&ResourcePattern::star()));
}

#[test]
fn star_for_an_action_with_types_becomes_its_formats() {
    let f = fit(cat(), "ec2:CreateNetworkInterface", &ResourcePattern::star(), &ctx());
    assert_eq!(
        render(&f),
        [
            "arn:aws:ec2:*:*:network-interface/*",
            "arn:aws:ec2:*:*:security-group/*",
            "arn:aws:ec2:*:*:subnet/*"
        ]
    );
}

#[test]
fn log_streams_under_a_group_pattern_fit() {
    let p = crate::evidence::ResourcePattern::from_template(
        "arn:${Partition}:logs:${Region}:${Account}:log-group:/aws/lambda/shop-*:*",
        |_| None,
    );
    assert_eq!(fit(cat(), "logs:PutLogEvents", &p, &ctx()), Fitted::kept(&p));
}

#[test]
fn star_stays_for_actions_whose_types_are_all_optional() {
    let f = fit(cat(), "cloudwatch:PutMetricData", &ResourcePattern::star(), &ctx());
    assert_eq!(render(&f), ["*"]);
}

#[test]
fn table_to_stream() {
    let p = ResourcePattern::parse_arn("arn:aws:dynamodb:us-east-1:123456789012:table/Orders");
    let f = fit(cat(), "dynamodb:GetRecords", &p, &ctx());
    assert_eq!(
        render(&f),
        ["arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/*"]
    );
}

#[test]
fn unrelated_type_is_a_mismatch() {
    let p = ResourcePattern::parse_arn("arn:aws:sns:us-east-1:1:topic");
    let f = fit(cat(), "sqs:SendMessage", &p, &ctx());
    assert!(f.mismatch);
    assert_eq!(render(&f), ["arn:aws:sqs:*:*:*"]);
}

#[test]
fn an_index_arn_for_a_table_action_becomes_its_table() {
    let p = ResourcePattern::parse_arn("arn:aws:dynamodb:*:*:table/Orders/index/ByCustomer");
    assert_eq!(fit(cat(), "dynamodb:Query", &p, &ctx()), Fitted::kept(&p));
    let f = fit(cat(), "dynamodb:PutItem", &p, &ctx());
    assert_eq!(render(&f), ["arn:aws:dynamodb:*:*:table/Orders"]);
}

#[test]
fn types_of_policy_strings() {
    let t = types_of_str(cat(), "s3:GetObject", "arn:aws:s3:::b/*");
    assert_eq!(t.into_iter().collect::<Vec<_>>(), ["object"]);
    assert!(types_of_str(cat(), "s3:GetObject", "arn:aws:s3:::b").is_empty());
}

/// Found by the property test: a `*` region let a table ARN pass for a stream whose
/// label ends in `:table/orders`.
#[test]
fn a_star_region_does_not_reach_into_the_name() {
    let p = ResourcePattern::parse_arn("arn:aws:dynamodb:*:*:table/orders");
    let f = fit(cat(), "dynamodb:GetRecords", &p, &ctx());
    assert_eq!(render(&f), ["arn:aws:dynamodb:*:*:table/orders/stream/*"]);
    assert!(!str_fits_format(
        "arn:aws:dynamodb:*:*:table/orders",
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}"
    ));
}

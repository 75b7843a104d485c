//! Unit tests of the diff: missing, excess (literal and wildcard grants), broader.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::*;
use crate::evidence::Origin;
use crate::policy::PolicyDocument;

fn need(action: &str, resources: &[&str], origin: Origin) -> Permission {
    Permission {
        action: action.into(),
        resources: resources.iter().map(|r| r.to_string()).collect(),
        deployable: BTreeSet::new(),
        sources: [origin].into_iter().collect(),
        evidence: vec![Evidence::Static {
            file: "app.py".into(),
            line: 3,
            call: "x".into(),
            operation: "x.Y".into(),
            unreachable: false,
            path: Default::default(),
            reason: None,
        }],
        possible: None,
        ..Default::default()
    }
}

fn needs(permissions: Vec<Permission>) -> FunctionPolicy {
    FunctionPolicy {
        permissions,
        possible: Vec::new(),
        policy: PolicyDocument::new(Vec::new()),
        deployable: PolicyDocument::new(Vec::new()),
        ..Default::default()
    }
}

fn role(docs: Vec<(&str, Value)>) -> CurrentRole {
    CurrentRole {
        role: Some("arn:aws:iam::1:role/r".into()),
        policies: docs
            .into_iter()
            .map(|(name, document)| CurrentDocument {
                name: name.into(),
                kind: DocumentKind::Inline,
                document,
                file: None,
                line: None,
            })
            .collect(),
        boundary: None,
        complete: true,
        diagnostics: Vec::new(),
    }
}

fn run(n: FunctionPolicy, r: CurrentRole) -> FunctionDiff {
    let opts = DiffOptions {
        cloudtrail: false,
        observability: &NotKnown,
    };
    diff_function("f", &n, &r, Catalog::embedded(), &opts)
}

fn stmt(action: Value, resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource}]})
}

#[test]
fn a_need_no_statement_grants_is_missing() {
    let d = run(
        needs(vec![
            need(
                "dynamodb:BatchWriteItem",
                &["arn:aws:dynamodb:*:*:table/p"],
                Origin::Static,
            ),
            need("dynamodb:Scan", &["arn:aws:dynamodb:*:*:table/p"], Origin::Static),
        ]),
        role(vec![(
            "write",
            stmt(
                json!(["dynamodb:PutItem", "dynamodb:BatchWriteItem"]),
                json!("arn:aws:dynamodb:us-east-1:123456789012:table/p"),
            ),
        )]),
    );
    assert_eq!(d.missing.len(), 1);
    assert_eq!(d.missing[0].action, "dynamodb:Scan");
    assert_eq!(d.missing[0].evidence.len(), 1);
    // PutItem is granted and never needed.
    assert_eq!(d.excess.len(), 1);
    assert_eq!(d.excess[0].action, "dynamodb:PutItem");
    assert_eq!(d.excess[0].granted_by, "write/S");
    assert_eq!(d.excess[0].count, None);
    assert!(d.broader.is_empty());
}

#[test]
fn a_wildcard_grant_is_reported_once_with_its_count() {
    let d = run(
        needs(vec![need("sqs:SendMessage", &["arn:aws:sqs:*:*:q"], Origin::Static)]),
        role(vec![("queues", stmt(json!("sqs:*"), json!("*")))]),
    );
    assert_eq!(d.excess.len(), 1, "{:?}", d.excess);
    let e = &d.excess[0];
    assert_eq!((e.action.as_str(), e.resource.as_str()), ("sqs:*", "*"));
    let all = expand::actions("sqs:*", Catalog::embedded()).len();
    assert_eq!(e.count, Some(all - 1));
    assert_eq!(e.needed, vec!["sqs:SendMessage".to_string()]);
    assert_eq!(d.broader.len(), 1);
    assert_eq!(d.broader[0].granted, "*");
    assert_eq!(d.broader[0].needed, "arn:aws:sqs:*:*:q");
}

#[test]
fn grants_that_cannot_apply_to_their_resource_are_not_excess() {
    // S3ReadPolicy's shape: bucket actions on the object ARN grant nothing there.
    let d = run(
        needs(vec![need("s3:GetObject", &["arn:aws:s3:::b/*"], Origin::Static)]),
        role(vec![(
            "S3ReadPolicy",
            stmt(
                json!(["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]),
                json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]),
            ),
        )]),
    );
    let seen: Vec<String> = d
        .excess
        .iter()
        .map(|e| format!("{} {}", e.action, e.resource))
        .collect();
    assert_eq!(
        seen,
        vec!["s3:ListBucket arn:aws:s3:::b", "s3:GetBucketLocation arn:aws:s3:::b"]
    );
    assert!(d.missing.is_empty() && d.broader.is_empty());
}

#[test]
fn static_only_needs_are_never_proposed_for_removal() {
    let d = run(
        needs(vec![need("s3:PutObject", &["arn:aws:s3:::b/k"], Origin::Static)]),
        role(vec![("p", stmt(json!("s3:PutObject"), json!("arn:aws:s3:::b/k")))]),
    );
    assert!(d.is_clean(), "{d:?}");
    let mut n = needs(Vec::new());
    n.possible = vec![need("s3:AbortMultipartUpload", &["arn:aws:s3:::b/k"], Origin::Static)];
    let d = run(n, role(vec![("p", stmt(json!("s3:AbortMultipartUpload"), json!("*")))]));
    assert!(
        d.excess.is_empty(),
        "a possibly needed action is not excess: {:?}",
        d.excess
    );
}

#[test]
fn explicit_denies_and_conditions_are_said() {
    let deny =
        json!({"Statement": [{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]});
    let cond = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}}]});
    let d = run(
        needs(vec![
            need("s3:DeleteObject", &["arn:aws:s3:::b/k"], Origin::Static),
            need("s3:GetObject", &["arn:aws:s3:::b/k"], Origin::Static),
        ]),
        role(vec![
            ("all", stmt(json!("s3:DeleteObject"), json!("*"))),
            ("deny", deny),
            ("cond", cond),
        ]),
    );
    assert_eq!(d.missing[0].denied_by.as_deref(), Some("deny/NoDelete"));
    assert_eq!(d.conditional.len(), 1);
    assert_eq!(d.conditional[0].granted_by, "cond/statement 1");
}

#[test]
fn unknown_environment_names_are_requests_for_any_name() {
    assert_eq!(
        request_form("arn:aws:dynamodb:*:*:table/${env:TABLE}"),
        "arn:aws:dynamodb:*:*:table/*"
    );
    // A key the template creates is known by its logical id only once deployed.
    assert_eq!(
        request_form("arn:aws:kms:*:*:key/${OrdersKey}"),
        "arn:aws:kms:*:*:key/*"
    );
    let d = run(
        needs(vec![need(
            "dynamodb:GetItem",
            &["arn:aws:dynamodb:*:*:table/${env:TABLE}"],
            Origin::Static,
        )]),
        role(vec![(
            "p",
            stmt(json!("dynamodb:GetItem"), json!("arn:aws:dynamodb:*:*:table/orders")),
        )]),
    );
    assert_eq!(d.missing.len(), 1, "one table granted does not cover every name");
}

#[test]
fn an_unreadable_role_is_reported_not_compared() {
    let mut r = role(Vec::new());
    r.complete = false;
    let d = run(needs(vec![need("s3:GetObject", &["*"], Origin::Static)]), r);
    assert_eq!(d.current, Known::Unknown);
    assert!(d.missing.is_empty());
    let d = run(
        needs(vec![]),
        role(vec![(
            "bad",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}),
        )]),
    );
    assert_eq!(d.diagnostics[0].code, codes::INVALID_POLICY);
}

/// `kms:Decrypt` on a key, needed through a service (`kms:ViaService`), region unknown
/// unless `region` is given.
fn via_service(service: &str, region: Option<&str>) -> FunctionPolicy {
    let mut p = need("kms:Decrypt", &["arn:aws:kms:*:*:key/k"], Origin::Platform);
    p.when = Some(crate::evidence::NeedCondition {
        key: "kms:ViaService".into(),
        value: crate::evidence::ResourcePattern::from_template(&format!("{service}.${{Region}}.amazonaws.com"), |_| {
            None
        }),
    });
    let mut n = needs(vec![p]);
    n.arn.region = region.map(String::from);
    n
}

fn kms_grant(condition: Option<Value>) -> Value {
    let mut s = json!({"Sid": "Kms", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    json!({"Version": "2012-10-17", "Statement": [s]})
}

#[test]
fn a_grant_without_condition_covers_a_need_with_one() {
    let d = run(via_service("sqs", None), role(vec![("kms", kms_grant(None))]));
    assert!(d.missing.is_empty() && d.conditional.is_empty(), "{d:?}");
    assert!(d.excess.is_empty(), "{:?}", d.excess);
    assert_eq!(d.broader.len(), 1);
    assert_eq!(
        d.broader[0].when.as_ref().unwrap().to_string(),
        "kms:ViaService = sqs.*.amazonaws.com"
    );
}

#[test]
fn a_grant_through_the_same_service_covers_a_need_through_it() {
    let like = json!({"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}});
    let d = run(via_service("sqs", None), role(vec![("kms", kms_grant(Some(like)))]));
    assert!(d.missing.is_empty() && d.conditional.is_empty(), "{d:?}");
    assert!(
        d.excess.is_empty(),
        "a conditional grant a conditional need uses: {:?}",
        d.excess
    );
    // With the region known, the exact endpoint matches it.
    let exact = json!({"StringEquals": {"kms:ViaService": ["sqs.eu-west-1.amazonaws.com"]}});
    let d = run(
        via_service("sqs", Some("eu-west-1")),
        role(vec![("kms", kms_grant(Some(exact.clone())))]),
    );
    assert!(d.missing.is_empty() && d.conditional.is_empty(), "{d:?}");
    // Region not known: the exact endpoint holds only if the function runs there.
    let d = run(via_service("sqs", None), role(vec![("kms", kms_grant(Some(exact)))]));
    assert_eq!(d.conditional.len(), 1, "{d:?}");
    assert!(d.missing.is_empty());
}

#[test]
fn a_grant_through_another_service_leaves_the_need_missing_and_is_excess() {
    let sns = json!({"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}});
    let d = run(via_service("sqs", None), role(vec![("kms", kms_grant(Some(sns)))]));
    assert_eq!(d.missing.len(), 1, "{d:?}");
    let m = &d.missing[0];
    assert_eq!(m.when.as_ref().unwrap().value, "sqs.*.amazonaws.com");
    assert!(d.conditional.is_empty());
    assert_eq!(d.excess.len(), 1, "nothing asks through SNS: {:?}", d.excess);
    assert_eq!(d.excess[0].granted_by, "kms/Kms");
    let json = serde_json::to_value(&d.missing[0]).unwrap();
    assert_eq!(
        json["when"],
        json!({"key": "kms:ViaService", "value": "sqs.*.amazonaws.com"})
    );
}

#[test]
fn a_condition_the_need_cannot_decide_stays_conditional() {
    let tag = json!({"StringEquals": {"aws:ResourceTag/env": "prod"}});
    let d = run(via_service("sqs", None), role(vec![("kms", kms_grant(Some(tag)))]));
    assert_eq!(d.conditional.len(), 1, "{d:?}");
    assert_eq!(d.conditional[0].granted_by, "kms/Kms");
    assert!(d.conditional[0].when.is_some());
    assert!(d.missing.is_empty() && d.excess.is_empty());
}

#[test]
fn what_the_config_accepts_is_not_excess() {
    let table = "arn:aws:dynamodb:*:*:table/p";
    let granted = role(vec![(
        "p",
        stmt(json!(["dynamodb:GetItem", "dynamodb:DescribeTable"]), json!(table)),
    )]);
    let mut n = needs(vec![need("dynamodb:GetItem", &[table], Origin::Static)]);
    let before = run(n.clone(), granted.clone());
    assert_eq!(
        before.excess.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["dynamodb:DescribeTable"]
    );
    let mut accepted = need("dynamodb:DescribeTable", &[table], Origin::Platform);
    accepted.accepted = Some("the health check reads the table's status".into());
    n.accepted.push(accepted);
    let after = run(n, granted);
    assert!(after.excess.is_empty(), "{:?}", after.excess);
    assert!(after.missing.is_empty());
}

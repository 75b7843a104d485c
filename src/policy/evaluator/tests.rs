//! One test per IAM evaluation rule the evaluator follows.

use serde_json::{Value, json};

use super::*;

fn policy(name: &str, doc: Value) -> Policy {
    Policy::parse(name, &doc).unwrap()
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn eval(docs: Vec<Value>) -> Evaluator {
    Evaluator::new(
        docs.into_iter()
            .enumerate()
            .map(|(i, d)| policy(&format!("p{i}"), d))
            .collect(),
    )
}

fn allowed(e: &Evaluator, action: &str, resource: &str) -> bool {
    e.decide(action, resource).is_allowed()
}

#[test]
fn nothing_is_allowed_without_an_allow() {
    let e = eval(vec![]);
    assert_eq!(e.decide("s3:GetObject", "arn:aws:s3:::b/k"), Decision::ImplicitDeny);
    let e = eval(vec![allow(json!("s3:PutObject"), json!("*"))]);
    assert_eq!(e.decide("s3:GetObject", "arn:aws:s3:::b/k"), Decision::ImplicitDeny);
}

#[test]
fn an_allow_names_its_statement() {
    let e = eval(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/*"))]);
    let d = e.decide("s3:GetObject", "arn:aws:s3:::b/k");
    assert_eq!(
        d,
        Decision::Allowed {
            by: StatementRef {
                policy: "p0".into(),
                index: 0,
                sid: Some("A".into())
            },
            conditional: false
        }
    );
    if let Decision::Allowed { by, .. } = d {
        assert_eq!(by.to_string(), "p0/A");
    }
}

#[test]
fn an_explicit_deny_beats_any_allow_in_any_policy() {
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"}]});
    let e = eval(vec![allow(json!("*"), json!("*")), deny]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::b/secret/x"),
        Decision::ExplicitDeny { by } if by.to_string() == "p1/statement 1"
    ));
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::b/public/x"));
}

#[test]
fn action_wildcards_and_case() {
    let e = eval(vec![allow(json!(["s3:Get*", "sqs:?eceiveMessage"]), json!("*"))]);
    assert!(allowed(&e, "s3:GetObject", "*"));
    assert!(allowed(&e, "S3:getobjectversion", "*"));
    assert!(allowed(&e, "sqs:ReceiveMessage", "*"));
    assert!(!allowed(&e, "s3:PutObject", "*"));
    // A prefix is matched whole: `s3:` does not take in `s3-object-lambda:`.
    assert!(!allowed(&e, "s3-object-lambda:GetObject", "*"));
}

#[test]
fn resources_are_case_sensitive_with_wildcards() {
    let e = eval(vec![allow(
        json!("s3:GetObject"),
        json!(["arn:aws:s3:::Bucket/*", "arn:aws:s3:::logs-20??/*"]),
    )]);
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::Bucket/a/b"));
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::bucket/a"));
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::logs-2026/x"));
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::logs-202/x"));
}

#[test]
fn not_action_allows_everything_else() {
    let doc =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
    let e = eval(vec![doc]);
    assert!(allowed(&e, "s3:DeleteBucket", "arn:aws:s3:::b"));
    assert!(!allowed(&e, "iam:CreateUser", "*"));
    // NotAction in a Deny denies everything else.
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]});
    let e = eval(vec![allow(json!("*"), json!("*")), deny]);
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert!(matches!(
        e.decide("s3:PutObject", "arn:aws:s3:::b/k"),
        Decision::ExplicitDeny { .. }
    ));
}

#[test]
fn not_resource_allows_everything_else() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::private/*"}]});
    let e = eval(vec![doc]);
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::public/k"));
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::private/k"));
    // An unknown key in the bucket may fall in the excluded part: not allowed.
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::*/k"));
    let g = e.grants("s3:GetObject", "arn:aws:s3:::public/k");
    assert_eq!(g[0].resource.to_string(), "* except arn:aws:s3:::private/*");
}

#[test]
fn a_deny_applies_when_it_can_match_part_of_an_unknown_resource() {
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"}]});
    let e = eval(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/*")), deny]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::b/*"),
        Decision::ExplicitDeny { .. }
    ));
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::b/public/*"));
}

#[test]
fn an_allow_must_cover_every_resource_an_unknown_name_can_be() {
    let e = eval(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/in/*"))]);
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::b/in/*.json"));
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::b/*"));
    // Unknown region and account are the function's own.
    let e = eval(vec![allow(
        json!("dynamodb:GetItem"),
        json!("arn:aws:dynamodb:us-east-1:123456789012:table/Orders"),
    )]);
    assert!(allowed(&e, "dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Orders"));
    assert!(!allowed(&e, "dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/*"));
}

#[test]
fn conditions_are_reported_not_evaluated() {
    let cond = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}}}]});
    let e = eval(vec![cond.clone()]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed { conditional: true, .. }
    ));
    // An unconditional allow elsewhere makes the answer unconditional.
    let e = eval(vec![cond, allow(json!("s3:GetObject"), json!("*"))]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed { conditional: false, .. }
    ));
    // A conditional deny makes an allow conditional; it never turns into a deny.
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]});
    let e = eval(vec![allow(json!("s3:GetObject"), json!("*")), deny.clone()]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed { conditional: true, .. }
    ));
    let e = eval(vec![deny]);
    assert_eq!(e.decide("s3:GetObject", "arn:aws:s3:::b/k"), Decision::ImplicitDeny);
}

#[test]
fn policy_variables_are_put_in_when_known() {
    let doc = allow(json!("s3:GetObject"), json!("arn:aws:s3:::home/${aws:username}/*"));
    let e = eval(vec![doc.clone()]).with_variable("aws:username", "alice");
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::home/alice/notes"));
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::home/bob/notes"));
    // Unknown: it may match, depending on who calls.
    let e = eval(vec![doc]);
    assert!(matches!(
        e.decide("s3:GetObject", "arn:aws:s3:::home/bob/notes"),
        Decision::Allowed { conditional: true, .. }
    ));
}

#[test]
fn variables_exist_only_in_version_2012_10_17() {
    let old = json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::home/${aws:username}/*"}]});
    let e = eval(vec![old]).with_variable("aws:username", "alice");
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::home/alice/notes"));
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/notes"));
    // `${*}` is a literal asterisk, not a wildcard.
    let lit = allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/${*}"));
    let e = eval(vec![lit]);
    assert!(!allowed(&e, "s3:GetObject", "arn:aws:s3:::b/anything"));
}

#[test]
fn a_permissions_boundary_limits_the_identity_policies() {
    let e = eval(vec![allow(json!("s3:*"), json!("*"))]).with_boundary(vec![policy(
        "boundary",
        allow(json!(["s3:GetObject", "s3:PutObject"]), json!("*")),
    )]);
    assert!(allowed(&e, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_eq!(e.decide("s3:DeleteObject", "arn:aws:s3:::b/k"), Decision::ImplicitDeny);
    // The boundary alone grants nothing.
    let e = eval(vec![]).with_boundary(vec![policy("boundary", allow(json!("*"), json!("*")))]);
    assert_eq!(e.decide("s3:GetObject", "*"), Decision::ImplicitDeny);
    // Its denies count.
    let deny =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]});
    let e = eval(vec![allow(json!("*"), json!("*"))])
        .with_boundary(vec![policy("b0", allow(json!("*"), json!("*"))), policy("b1", deny)]);
    assert!(matches!(
        e.decide("s3:PutObject", "arn:aws:s3:::b/k"),
        Decision::ExplicitDeny { .. }
    ));
}

#[test]
fn resources_without_an_arn_need_a_star() {
    // Actions with no resource type are requested on `*`.
    let e = eval(vec![allow(json!("xray:PutTraceSegments"), json!("arn:aws:xray:*:*:*"))]);
    assert!(!allowed(&e, "xray:PutTraceSegments", "*"));
    let e = eval(vec![allow(json!("xray:PutTraceSegments"), json!("*"))]);
    assert!(allowed(&e, "xray:PutTraceSegments", "*"));
}

#[test]
fn grants_list_every_allowing_statement() {
    let e = eval(vec![
        allow(json!("dynamodb:*"), json!("*")),
        allow(json!("dynamodb:GetItem"), json!("arn:aws:dynamodb:*:*:table/Orders")),
    ]);
    let g = e.grants("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Orders");
    let seen: Vec<String> = g.iter().map(|g| format!("{} {}", g.by, g.resource)).collect();
    assert_eq!(seen, vec!["p0/A *", "p1/A arn:aws:dynamodb:*:*:table/Orders"]);
}

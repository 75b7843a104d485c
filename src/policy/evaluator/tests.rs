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
fn conditions_without_a_context_are_reported_not_evaluated() {
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

fn allow_when(condition: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "C", "Effect": "Allow", "Action": "kms:Decrypt",
        "Resource": "*", "Condition": condition}]})
}

/// The decision for `kms:Decrypt` on a key, with a context.
fn decide_kms(condition: Value, ctx: &RequestContext) -> Decision {
    eval(vec![allow_when(condition)]).decide_with("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", ctx)
}

fn via(service: &str) -> RequestContext {
    RequestContext::new().with("kms:ViaService", service)
}

fn unconditional(d: &Decision) -> bool {
    matches!(d, Decision::Allowed { conditional: false, .. })
}

fn conditional(d: &Decision) -> bool {
    matches!(d, Decision::Allowed { conditional: true, .. })
}

#[test]
fn a_condition_on_a_key_the_context_holds_is_evaluated() {
    let c = json!({"StringEquals": {"kms:ViaService": ["sqs.us-east-1.amazonaws.com", "sns.us-east-1.amazonaws.com"]}});
    assert!(unconditional(&decide_kms(
        c.clone(),
        &via("sqs.us-east-1.amazonaws.com")
    )));
    assert_eq!(
        decide_kms(c.clone(), &via("s3.us-east-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    // Condition keys compare case-insensitively.
    let ctx = RequestContext::new().with("KMS:VIASERVICE", "sqs.us-east-1.amazonaws.com");
    assert!(unconditional(&decide_kms(c, &ctx)));
}

#[test]
fn a_condition_on_a_key_the_context_lacks_stays_conditional() {
    let c = json!({"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}});
    let ctx = RequestContext::new().with("aws:SourceAccount", "123456789012");
    assert!(conditional(&decide_kms(c.clone(), &ctx)));
    // Both keys must hold: the known one failing decides.
    let both = json!({"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com", "aws:SourceAccount": "999"}});
    assert_eq!(decide_kms(both, &ctx), Decision::ImplicitDeny);
    // Operators not evaluated leave it open too.
    let n = json!({"NumericLessThan": {"kms:ViaService": "3"}});
    assert!(conditional(&decide_kms(n, &via("sqs.us-east-1.amazonaws.com"))));
}

#[test]
fn string_not_equals_and_ignore_case() {
    let not =
        json!({"StringNotEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com", "sns.us-east-1.amazonaws.com"]}});
    assert!(unconditional(&decide_kms(
        not.clone(),
        &via("sqs.us-east-1.amazonaws.com")
    )));
    assert_eq!(
        decide_kms(not, &via("sns.us-east-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    let exact = json!({"StringEquals": {"kms:ViaService": "SQS.us-east-1.amazonaws.com"}});
    assert_eq!(
        decide_kms(exact, &via("sqs.us-east-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    let ic = json!({"StringEqualsIgnoreCase": {"kms:ViaService": "SQS.us-east-1.amazonaws.com"}});
    assert!(unconditional(&decide_kms(
        ic.clone(),
        &via("sqs.us-east-1.amazonaws.com")
    )));
    let not_ic = json!({"StringNotEqualsIgnoreCase": {"kms:ViaService": "SQS.us-east-1.amazonaws.com"}});
    assert_eq!(
        decide_kms(not_ic, &via("sqs.us-east-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
}

#[test]
fn string_like_and_not_like_take_wildcards() {
    let like = json!({"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}});
    assert!(unconditional(&decide_kms(
        like.clone(),
        &via("sqs.eu-west-1.amazonaws.com")
    )));
    assert_eq!(
        decide_kms(like, &via("sns.eu-west-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    let not_like = json!({"StringNotLike": {"kms:ViaService": "s3.*"}});
    assert!(unconditional(&decide_kms(
        not_like.clone(),
        &via("sqs.eu-west-1.amazonaws.com")
    )));
    assert_eq!(
        decide_kms(not_like, &via("s3.eu-west-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    // In StringEquals an asterisk is an asterisk.
    let eq = json!({"StringEquals": {"kms:ViaService": "sqs.*.amazonaws.com"}});
    assert_eq!(
        decide_kms(eq, &via("sqs.eu-west-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
}

#[test]
fn request_values_with_unknown_parts_compare_as_patterns() {
    // The region is not known: `sqs.*.amazonaws.com` is any region's endpoint.
    let ctx = via("sqs.*.amazonaws.com");
    let like = json!({"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}});
    assert!(unconditional(&decide_kms(like, &ctx)));
    // One region named: it holds only if the function runs there.
    let one = json!({"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}});
    assert!(conditional(&decide_kms(one, &ctx)));
    // Another service: it holds for no region.
    let sns = json!({"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}});
    assert_eq!(decide_kms(sns, &ctx), Decision::ImplicitDeny);
    let sns_like = json!({"StringLike": {"kms:ViaService": "sns.*.amazonaws.com"}});
    assert_eq!(decide_kms(sns_like, &ctx), Decision::ImplicitDeny);
}

#[test]
fn arn_operators_compare_segment_by_segment() {
    let ctx = RequestContext::new().with("aws:SourceArn", "arn:aws:sqs:us-east-1:123456789012:orders");
    let like = json!({"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:123456789012:*"}});
    assert!(unconditional(&decide_kms(like, &ctx)));
    let equals = json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sqs:us-east-1:123456789012:payments"}});
    assert_eq!(decide_kms(equals, &ctx), Decision::ImplicitDeny);
    let not = json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sqs:*:*:orders"}});
    assert_eq!(decide_kms(not, &ctx), Decision::ImplicitDeny);
    // A wildcard does not cross a colon into the next segment.
    let across = json!({"ArnLike": {"aws:SourceArn": "arn:aws:sqs:us-east-1:*:*:orders"}});
    assert_eq!(decide_kms(across, &ctx), Decision::ImplicitDeny);
}

#[test]
fn bool_compares_true_and_false() {
    let secure = RequestContext::new().with("aws:SecureTransport", "true");
    let c = json!({"Bool": {"aws:SecureTransport": "true"}});
    assert!(unconditional(&decide_kms(c.clone(), &secure)));
    let plain = RequestContext::new().with("aws:SecureTransport", "false");
    assert_eq!(decide_kms(c, &plain), Decision::ImplicitDeny);
    // JSON booleans are their text.
    let b = json!({"Bool": {"aws:SecureTransport": true}});
    assert!(unconditional(&decide_kms(b, &secure)));
}

#[test]
fn null_asks_whether_the_key_is_present() {
    let present = via("sqs.us-east-1.amazonaws.com");
    let absent = RequestContext::new().without("kms:ViaService");
    let must_lack = json!({"Null": {"kms:ViaService": "true"}});
    assert_eq!(decide_kms(must_lack.clone(), &present), Decision::ImplicitDeny);
    assert!(unconditional(&decide_kms(must_lack.clone(), &absent)));
    assert!(conditional(&decide_kms(must_lack, &RequestContext::new())));
    let must_have = json!({"Null": {"kms:ViaService": "false"}});
    assert!(unconditional(&decide_kms(must_have, &present)));
}

#[test]
fn if_exists_holds_when_the_key_is_absent() {
    let c = json!({"StringEqualsIfExists": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}});
    let absent = RequestContext::new().without("kms:ViaService");
    assert!(unconditional(&decide_kms(c.clone(), &absent)));
    assert_eq!(
        decide_kms(c.clone(), &via("sns.us-east-1.amazonaws.com")),
        Decision::ImplicitDeny
    );
    assert!(unconditional(&decide_kms(c, &via("sqs.us-east-1.amazonaws.com"))));
    // Without IfExists an absent key fails a positive operator and passes a negated one.
    let eq = json!({"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}});
    assert_eq!(decide_kms(eq, &absent), Decision::ImplicitDeny);
    let ne = json!({"StringNotEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}});
    assert!(unconditional(&decide_kms(ne, &absent)));
}

#[test]
fn set_qualifiers_take_every_or_any_request_value() {
    let tags = RequestContext::new()
        .with("aws:TagKeys", "team")
        .with("aws:TagKeys", "cost");
    let all = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost", "env"]}});
    assert!(unconditional(&decide_kms(all, &tags)));
    let all_fails = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}});
    assert_eq!(decide_kms(all_fails, &tags), Decision::ImplicitDeny);
    let any = json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost"]}});
    assert!(unconditional(&decide_kms(any, &tags)));
    let none = RequestContext::new().without("aws:TagKeys");
    let any = json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost"]}});
    assert_eq!(decide_kms(any, &none), Decision::ImplicitDeny);
}

#[test]
fn a_deny_whose_condition_holds_denies_and_one_that_fails_does_not() {
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Sid": "D", "Effect": "Deny", "Action": "kms:*", "Resource": "*",
        "Condition": {"StringNotLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}}]});
    let e = eval(vec![allow(json!("kms:Decrypt"), json!("*")), deny]);
    let key = "arn:aws:kms:us-east-1:1:key/k";
    assert!(matches!(
        e.decide_with("kms:Decrypt", key, &via("s3.us-east-1.amazonaws.com")),
        Decision::ExplicitDeny { .. }
    ));
    assert!(unconditional(&e.decide_with(
        "kms:Decrypt",
        key,
        &via("sqs.us-east-1.amazonaws.com")
    )));
    assert!(conditional(&e.decide("kms:Decrypt", key)));
}

#[test]
fn condition_values_take_known_policy_variables() {
    let c = json!({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}});
    let ctx = RequestContext::new().with("aws:SourceAccount", "123456789012");
    let e = eval(vec![allow_when(c)]);
    let key = "arn:aws:kms:us-east-1:1:key/k";
    assert!(conditional(&e.decide_with("kms:Decrypt", key, &ctx)));
    let e = e.with_variable("aws:PrincipalAccount", "123456789012");
    assert!(unconditional(&e.decide_with("kms:Decrypt", key, &ctx)));
}

#[test]
fn grants_leave_out_statements_whose_condition_fails() {
    let sqs = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Sqs", "Effect": "Allow", "Action": "kms:Decrypt",
        "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}}]});
    let sns = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Sns", "Effect": "Allow", "Action": "kms:Decrypt",
        "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "sns.*.amazonaws.com"}}}]});
    let e = eval(vec![sqs, sns]);
    let g = e.grants_with("kms:Decrypt", "arn:aws:kms:*:*:key/k", &via("sqs.*.amazonaws.com"));
    let seen: Vec<(String, bool)> = g.iter().map(|g| (g.by.to_string(), g.conditional)).collect();
    assert_eq!(seen, vec![("p0/Sqs".to_string(), false)]);
    assert_eq!(e.grants("kms:Decrypt", "arn:aws:kms:*:*:key/k").len(), 2);
}

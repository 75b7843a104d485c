//! Property tests of synthesis over random evidence sets, checked with the IAM evaluator
//! and the catalog (`policy::expand`), not with synthesis's own matching:
//! - a policy never grants an action on a resource type the action does not take, and
//!   `*` only to actions a request may name no resource for (no type, or only optional
//!   ones);
//! - it never loses a permission the evidence asks for: every ARN a counted need names,
//!   of a type its action takes, is allowed;
//! - a need that holds under a condition (`kms:ViaService`) is allowed outright for a
//!   request carrying that condition's value;
//! - every document is valid and within the managed-policy size limit.

use proptest::prelude::*;

use super::*;
use crate::evidence::NeedCondition;
use crate::evidence::{Seg, Transform};
use crate::policy::evaluator::pattern::tokens;
use crate::policy::evaluator::{Decision, Evaluator, Policy, RequestContext};
use crate::policy::expand;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:GetRecords",
    "sqs:SendMessage",
    "sns:Publish",
    "logs:CreateLogGroup",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "ec2:CreateNetworkInterface",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "lambda:InvokeFunction",
    "states:StartExecution",
];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["orders", "media", "shop-prod", "a", "x1"]).prop_map(String::from)
}

fn region() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["*", "us-east-1", "eu-west-1"]).prop_map(String::from)
}

fn account() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["*", "123456789012"]).prop_map(String::from)
}

/// A literal ARN of one of many types, some with wildcards.
fn literal_arn() -> impl Strategy<Value = String> {
    (0..12usize, name(), name(), region(), account()).prop_map(|(kind, n, m, r, a)| match kind {
        0 => format!("arn:aws:s3:::{n}"),
        1 => format!("arn:aws:s3:::{n}/{m}/*"),
        2 => format!("arn:aws:s3:::{n}/{m}.json"),
        3 => format!("arn:aws:dynamodb:{r}:{a}:table/{n}"),
        4 => format!("arn:aws:dynamodb:{r}:{a}:table/{n}/index/{m}"),
        5 => format!("arn:aws:dynamodb:{r}:{a}:table/{n}/stream/2026-01-01T00:00:00.000"),
        6 => format!("arn:aws:sqs:{r}:{a}:{n}"),
        7 => format!("arn:aws:sns:{r}:{a}:{n}"),
        8 => format!("arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{n}:*"),
        9 => format!("arn:aws:secretsmanager:{r}:{a}:secret:{n}-??????"),
        10 => format!("arn:aws:lambda:{r}:{a}:function:{n}"),
        _ => format!("arn:aws:kms:{r}:{a}:key/{n}"),
    })
}

fn resource() -> impl Strategy<Value = ResourcePattern> {
    prop_oneof![
        1 => Just(ResourcePattern::star()),
        5 => literal_arn().prop_map(|a| ResourcePattern::parse_arn(&a)),
        1 => name().prop_map(|_| ResourcePattern::from_template(
            "arn:${Partition}:s3:::${BucketName}",
            |_| Some(vec![Seg::Env("BUCKET".into(), Transform::Plain)]),
        )),
        1 => name().prop_map(|n| ResourcePattern::from_template(
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
            move |_| Some(vec![Seg::Lit(format!("{n}-")), Seg::Env("STAGE".into(), Transform::Plain)]),
        )),
    ]
}

/// Mostly none; sometimes the endpoint of a service using a key for the caller.
fn condition() -> impl Strategy<Value = Option<NeedCondition>> {
    prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(vec!["sqs.${Region}.amazonaws.com", "s3.eu-west-1.amazonaws.com", "sns.${Region}.amazonaws.com"])
            .prop_map(|v| Some(NeedCondition {
                key: "kms:ViaService".into(),
                value: ResourcePattern::from_template(v, |_| None),
            })),
    ]
}

fn need() -> impl Strategy<Value = Need> {
    (
        prop::sample::select(ACTIONS.to_vec()),
        resource(),
        0..3usize,
        any::<bool>(),
        1..50u64,
        condition(),
    )
        .prop_map(|(action, resource, origin, possible, count, condition)| {
            let (origin, evidence) = match origin {
                0 => (
                    Origin::Static,
                    Evidence::Static {
                        file: "app.py".into(),
                        line: count as u32,
                        call: "c".into(),
                        operation: "s.Op".into(),
                        unreachable: false,
                        path: Default::default(),
                        reason: None,
                    },
                ),
                1 => (
                    Origin::Cloudtrail,
                    Evidence::Cloudtrail {
                        count,
                        first_seen: "2026-10-01T00:00:00Z".into(),
                        last_seen: "2026-11-01T00:00:00Z".into(),
                        denied: false,
                        example_event_id: None,
                    },
                ),
                _ => (Origin::Platform, Evidence::Platform { reason: "p".into() }),
            };
            Need {
                action: action.to_string(),
                resource,
                condition,
                origin,
                certainty: if possible {
                    Certainty::Possible("some paths".into())
                } else {
                    Certainty::Needed
                },
                evidence,
            }
        })
}

fn options() -> impl Strategy<Value = SynthesisOptions> {
    (
        0..3usize,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::sample::select(ACTIONS.to_vec())),
    )
        .prop_map(
            |(include, include_possible, allow_wildcards, exclude)| SynthesisOptions {
                include: [Include::Both, Include::StaticOnly, Include::CloudtrailOnly][include],
                include_possible,
                allow_wildcards,
                exclude_actions: exclude.into_iter().map(String::from).collect(),
                ..Default::default()
            },
        )
}

/// Every `*`, `?` and unknown part of a pattern made concrete.
fn concrete(p: &ResourcePattern) -> String {
    let ctx = ArnContext {
        partition: Some("aws".into()),
        region: Some("us-east-1".into()),
        account: Some("123456789012".into()),
    };
    p.render(&ctx, Unresolved::Star).replace('*', "zz9").replace('?', "q")
}

fn evaluator(f: &FunctionPolicy) -> Evaluator {
    let policies = f
        .parts
        .iter()
        .enumerate()
        .map(|(i, d)| Policy::parse(&format!("part{i}"), &serde_json::to_value(d).unwrap()).unwrap())
        .collect();
    Evaluator::new(policies)
}

proptest! {
    // 64 cases in a test run; PROPTEST_CASES=N for a longer search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn policies_are_valid_typed_and_lose_nothing(
        needs in prop::collection::vec(need(), 0..25),
        opts in options(),
    ) {
        let catalog = Catalog::embedded();
        let f = synthesize(&needs, &Bindings::default(), catalog, &opts);
        prop_assert!(!f.diagnostics.iter().any(|d| d.code == codes::INVALID_POLICY), "{:?}", f.diagnostics);
        for part in &f.parts {
            prop_assert!(part.compact_len() <= size::MANAGED_POLICY_LIMIT);
            prop_assert!(validate::validate(part, catalog).is_empty());
            for s in &part.statements {
                for a in s.actions.iter().flat_map(|a| expand::actions(a, catalog)) {
                    let info = catalog.iam_action(&a).unwrap();
                    // `*` only where a request may name no resource: no type, or only
                    // optional ones.
                    let star_ok = info.resources.iter().all(|r| !r.required);
                    for r in &s.resources {
                        if r == "*" {
                            prop_assert!(star_ok, "{} takes a resource type but is granted on *", a);
                        } else {
                            prop_assert!(expand::applies_to(&a, &tokens(r), catalog), "{} on {}", a, r);
                        }
                    }
                }
            }
        }
        let eval = evaluator(&f);
        for n in &needs {
            let counted = match opts.include {
                Include::Both => true,
                Include::StaticOnly => n.origin != Origin::Cloudtrail,
                Include::CloudtrailOnly => n.origin != Origin::Static,
            };
            let wanted = opts.include_possible || n.certainty == Certainty::Needed;
            if !counted || !wanted || opts.exclude_actions.contains(&n.action) {
                continue;
            }
            let granted_somewhere = f.parts.iter().flat_map(|p| &p.statements).any(|s| {
                s.actions.iter().any(|a| glob::action_matches(a, &n.action))
            });
            prop_assert!(granted_somewhere, "{} is granted nowhere", n.action);
            if n.resource.is_star() {
                continue;
            }
            let arn = concrete(&n.resource);
            if !expand::applies_to(&n.action, &tokens(&arn), catalog) {
                continue;
            }
            if let Some(c) = &n.condition {
                let context = RequestContext::new().with(&c.key, &concrete(&c.value));
                let d = eval.decide_with(&n.action, &arn, &context);
                prop_assert!(
                    matches!(d, Decision::Allowed { conditional: false, .. }),
                    "{} on {} via {} is {:?} by {}",
                    n.action,
                    arn,
                    concrete(&c.value),
                    d,
                    serde_json::to_string(&f.parts).unwrap()
                );
            } else {
                prop_assert!(
                    eval.decide(&n.action, &arn).is_allowed(),
                    "{} on {} (from {}) is not allowed by {}",
                    n.action,
                    arn,
                    n.resource,
                    serde_json::to_string(&f.parts).unwrap()
                );
            }
        }
    }
}

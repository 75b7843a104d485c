//! Unit tests of synthesis: merging, options, config, validation and size.

use std::collections::BTreeMap;

use super::*;
use crate::evidence::{Seg, Transform};

fn static_need(action: &str, arn: &str, line: u32) -> Need {
    Need {
        action: action.into(),
        resource: if arn == "*" {
            ResourcePattern::star()
        } else {
            ResourcePattern::parse_arn(arn)
        },
        condition: None,
        origin: Origin::Static,
        certainty: Certainty::Needed,
        evidence: Evidence::Static {
            file: "app.py".into(),
            line,
            call: "client.call".into(),
            operation: "svc.Op".into(),
            unreachable: false,
            path: Default::default(),
            reason: None,
        },
    }
}

fn trail_need(action: &str, arn: &str, count: u64, last: &str) -> Need {
    Need {
        action: action.into(),
        resource: ResourcePattern::parse_arn(arn),
        condition: None,
        origin: Origin::Cloudtrail,
        certainty: Certainty::Needed,
        evidence: Evidence::Cloudtrail {
            count,
            first_seen: "2026-10-01T00:00:00Z".into(),
            last_seen: last.into(),
            denied: false,
            example_event_id: Some(format!("ev-{count}")),
        },
    }
}

fn run(needs: &[Need], opts: &SynthesisOptions) -> FunctionPolicy {
    synthesize(needs, &Bindings::default(), Catalog::embedded(), opts)
}

fn pairs(doc: &PolicyDocument) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &doc.statements {
        for a in &s.actions {
            for r in &s.resources {
                out.push((a.clone(), r.clone()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn one_permission_per_action_and_resource_across_sources() {
    let needs = [
        static_need("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/Orders", 12),
        trail_need(
            "dynamodb:PutItem",
            "arn:aws:dynamodb:*:*:table/Orders",
            10,
            "2026-11-01T00:00:00Z",
        ),
        trail_need(
            "dynamodb:PutItem",
            "arn:aws:dynamodb:*:*:table/Orders",
            5,
            "2026-11-02T00:00:00Z",
        ),
    ];
    let f = run(&needs, &SynthesisOptions::default());
    assert_eq!(f.permissions.len(), 1);
    let p = &f.permissions[0];
    assert_eq!(p.grants.len(), 1);
    assert_eq!(p.sources, [Origin::Static, Origin::Cloudtrail].into_iter().collect());
    // The trail records of one resource are one aggregate.
    let trail: Vec<&Evidence> = p
        .evidence
        .iter()
        .filter(|e| matches!(e, Evidence::Cloudtrail { .. }))
        .collect();
    assert_eq!(trail.len(), 1);
    let Evidence::Cloudtrail {
        count,
        last_seen,
        example_event_id,
        ..
    } = trail[0]
    else {
        unreachable!()
    };
    assert_eq!(*count, 15);
    assert_eq!(last_seen, "2026-11-02T00:00:00Z");
    assert_eq!(example_event_id.as_deref(), Some("ev-10"));
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
}

#[test]
fn s3_actions_land_on_the_resource_types_they_take() {
    let needs = [
        static_need("s3:GetObject", "arn:aws:s3:::media", 1),
        static_need("s3:ListBucket", "arn:aws:s3:::media/uploads/*", 2),
        static_need("s3:ListAllMyBuckets", "arn:aws:s3:::media", 3),
    ];
    let f = run(&needs, &SynthesisOptions::default());
    assert_eq!(
        pairs(&f.deployable),
        [
            ("s3:GetObject".to_string(), "arn:aws:s3:::media/*".to_string()),
            ("s3:ListAllMyBuckets".to_string(), "*".to_string()),
            ("s3:ListBucket".to_string(), "arn:aws:s3:::media".to_string()),
        ]
    );
    let get = &f.permissions[0];
    assert!(get.grants[0].notes[0].contains("reshaped"), "{:?}", get.grants[0].notes);
}

#[test]
fn include_and_exclude() {
    let needs = [
        static_need("sqs:SendMessage", "arn:aws:sqs:*:*:q", 1),
        trail_need(
            "sns:Publish",
            "arn:aws:sns:us-east-1:123456789012:t",
            3,
            "2026-11-01T00:00:00Z",
        ),
    ];
    let only = |include| {
        let f = run(
            &needs,
            &SynthesisOptions {
                include,
                ..Default::default()
            },
        );
        f.permissions.iter().map(|p| p.action.clone()).collect::<Vec<_>>()
    };
    assert_eq!(only(Include::Both), ["sns:Publish", "sqs:SendMessage"]);
    assert_eq!(only(Include::StaticOnly), ["sqs:SendMessage"]);
    assert_eq!(only(Include::CloudtrailOnly), ["sns:Publish"]);
    let f = run(
        &needs,
        &SynthesisOptions {
            exclude_actions: vec!["SNS:*".into()],
            ..Default::default()
        },
    );
    assert_eq!(f.permissions.len(), 1);
    assert_eq!(f.excluded.iter().collect::<Vec<_>>(), ["sns:Publish"]);
}

#[test]
fn possible_actions_are_reported_and_granted_on_request() {
    let mut maybe = static_need("s3:PutObjectAcl", "arn:aws:s3:::b/*", 4);
    maybe.certainty = Certainty::Possible("ACL passed on some paths".into());
    let needs = [static_need("s3:PutObject", "arn:aws:s3:::b/*", 4), maybe];
    let f = run(&needs, &SynthesisOptions::default());
    assert_eq!(f.permissions.len(), 1);
    assert_eq!(f.possible.len(), 1);
    assert_eq!(f.possible[0].possible.as_deref(), Some("ACL passed on some paths"));
    let g = run(
        &needs,
        &SynthesisOptions {
            include_possible: true,
            ..Default::default()
        },
    );
    assert_eq!(g.permissions.len(), 2);
    assert!(g.possible.is_empty());
    assert_eq!(
        g.permissions[1].possible.as_deref(),
        Some("ACL passed on some paths"),
        "a granted possible action still says why it is only possible"
    );
}

#[test]
fn a_needed_resource_is_not_also_possible() {
    let mut maybe = static_need("s3:GetObject", "arn:aws:s3:::b/in/*", 4);
    maybe.certainty = Certainty::Possible("some paths".into());
    let f = run(
        &[static_need("s3:GetObject", "arn:aws:s3:::b/*", 3), maybe],
        &SynthesisOptions::default(),
    );
    assert!(f.possible.is_empty());
}

#[test]
fn trail_object_keys_fold_into_their_prefix() {
    let needs = [
        trail_need("s3:GetObject", "arn:aws:s3:::inv/in/a.pdf", 1, "2026-11-01T00:00:00Z"),
        trail_need("s3:GetObject", "arn:aws:s3:::inv/in/b.pdf", 2, "2026-11-02T00:00:00Z"),
    ];
    let f = run(&needs, &SynthesisOptions::default());
    assert_eq!(
        f.permissions[0].resources.iter().collect::<Vec<_>>(),
        ["arn:aws:s3:::inv/in/*"]
    );
    assert_eq!(f.permissions[0].evidence.len(), 1);
}

#[test]
fn unknown_actions_are_left_out_with_a_warning() {
    let f = run(
        &[static_need("s3:GetObjekt", "arn:aws:s3:::b/*", 9)],
        &SynthesisOptions::default(),
    );
    assert!(f.permissions.is_empty());
    assert_eq!(f.diagnostics.len(), 1);
    assert_eq!(f.diagnostics[0].code, codes::UNKNOWN_ACTION);
    assert_eq!(f.diagnostics[0].line, Some(9));
}

#[test]
fn config_maps_resources_and_accepts_extras() {
    let needs = [static_need(
        "dynamodb:GetItem",
        "arn:aws:dynamodb:*:*:table/orders-*",
        2,
    )];
    let opts = SynthesisOptions {
        resources: vec![ResourceMapping {
            pattern: "arn:aws:dynamodb:*:*:table/orders-*".into(),
            arns: vec![
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders-eu".into(),
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders-us".into(),
            ],
        }],
        accepted: vec![AcceptedExtra {
            actions: vec!["dynamodb:DescribeTable".into()],
            resources: vec!["arn:aws:dynamodb:us-east-1:123456789012:table/orders-eu".into()],
            reason: "health check".into(),
        }],
        ..Default::default()
    };
    let f = run(&needs, &opts);
    assert_eq!(f.permissions[0].resources.len(), 2);
    assert_eq!(f.accepted.len(), 1);
    assert_eq!(f.accepted[0].accepted.as_deref(), Some("health check"));
    assert!(pairs(&f.deployable).contains(&(
        "dynamodb:DescribeTable".to_string(),
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders-eu".to_string()
    )));
}

#[test]
fn per_function_options() {
    let mut opts = SynthesisOptions {
        env: BTreeMap::from([
            ("T".to_string(), "config".to_string()),
            ("U".to_string(), "u".to_string()),
        ]),
        ..Default::default()
    };
    opts.functions.insert(
        "Fn".into(),
        FunctionOptions {
            env: BTreeMap::from([("T".to_string(), "orders".to_string())]),
            exclude_actions: vec!["xray:*".into()],
            accepted: Vec::new(),
        },
    );
    let f = opts.for_function("Fn");
    assert_eq!(f.exclude_actions, ["xray:*"]);
    assert!(opts.for_function("Other").exclude_actions.is_empty());
    let base = BTreeMap::from([("T".to_string(), "cli".to_string())]);
    assert_eq!(opts.env_for("Fn", &base)["T"], "cli", "the command line wins");
    assert_eq!(
        opts.env_for("Fn", &BTreeMap::new())["T"],
        "orders",
        "the function's own over the config's"
    );
    assert_eq!(opts.env_for("Other", &BTreeMap::new())["T"], "config");
    assert_eq!(opts.env_for("Fn", &BTreeMap::new())["U"], "u");
}

#[test]
fn unresolved_names_stay_visible_in_the_report_and_star_in_deployable() {
    let need = Need {
        resource: ResourcePattern::from_template(
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
            |_| Some(vec![Seg::Env("TABLE".into(), Transform::Plain)]),
        ),
        ..static_need("dynamodb:PutItem", "*", 1)
    };
    let f = run(&[need], &SynthesisOptions::default());
    assert_eq!(pairs(&f.policy)[0].1, "arn:aws:dynamodb:*:*:table/${env:TABLE}");
    assert_eq!(pairs(&f.deployable)[0].1, "arn:aws:dynamodb:*:*:table/*");
    assert_eq!(
        f.document(Dialect::CloudFormation).statements[0].resources,
        ["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${EnvTable}"]
    );
}

#[test]
fn large_policies_are_split_and_say_so() {
    let needs: Vec<Need> = (0..200)
        .map(|i| {
            static_need(
                "dynamodb:GetItem",
                &format!("arn:aws:dynamodb:*:*:table/orders-table-number-{i}"),
                i,
            )
        })
        .collect();
    let f = run(&needs, &SynthesisOptions::default());
    assert!(f.parts.len() > 1);
    assert!(f.parts.iter().all(|p| p.compact_len() <= size::MANAGED_POLICY_LIMIT));
    assert!(f.diagnostics.iter().any(|d| d.code == codes::POLICY_SPLIT));
    assert!(
        !f.diagnostics.iter().any(|d| d.code == codes::INVALID_POLICY),
        "{:?}",
        f.diagnostics
    );
}

#[test]
fn wildcards_fold_only_on_request() {
    let svc = Catalog::embedded().iam_service("sqs").unwrap();
    let needs: Vec<Need> = svc
        .actions
        .keys()
        .filter(|k| k.starts_with("Get"))
        .map(|k| static_need(&format!("sqs:{k}"), "arn:aws:sqs:*:*:q", 1))
        .collect();
    let plain = run(&needs, &SynthesisOptions::default());
    assert!(plain.deployable.statements[0].actions.len() > 1);
    let folded = run(
        &needs,
        &SynthesisOptions {
            allow_wildcards: true,
            ..Default::default()
        },
    );
    assert_eq!(folded.deployable.statements[0].actions, ["sqs:Get*"]);
    assert!(folded.diagnostics.is_empty(), "{:?}", folded.diagnostics);
}

#[test]
fn trail_resources_join_the_code_grant_that_covers_them() {
    let needs = [
        static_need("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Orders", 7),
        trail_need(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
            27,
            "2026-11-11T00:00:00Z",
        ),
        trail_need(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Other",
            1,
            "2026-11-11T00:00:00Z",
        ),
    ];
    let f = run(&needs, &SynthesisOptions::default());
    let p = &f.permissions[0];
    let shown: Vec<&str> = p.grants.iter().map(|g| g.shown.as_str()).collect();
    assert_eq!(
        shown,
        [
            "arn:aws:dynamodb:*:*:table/Orders",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Other"
        ]
    );
    let orders = &p.grants[0];
    assert_eq!(
        orders.sources,
        [Origin::Static, Origin::Cloudtrail].into_iter().collect()
    );
    assert_eq!(p.evidence_of(orders).count(), 2);
}

fn via(need: Need, service: &str) -> Need {
    Need {
        condition: Some(crate::evidence::NeedCondition {
            key: "kms:ViaService".into(),
            value: ResourcePattern::from_template(&format!("{service}.${{Region}}.amazonaws.com"), |_| None),
        }),
        ..need
    }
}

#[test]
fn conditions_keep_grants_apart_and_join_only_what_is_exact() {
    let key = "arn:aws:kms:*:*:key/*";
    let needs = [
        via(static_need("kms:Decrypt", key, 1), "sqs"),
        via(static_need("kms:GenerateDataKey", key, 1), "sqs"),
        via(static_need("kms:Decrypt", key, 2), "sns"),
        via(static_need("kms:GenerateDataKey", key, 2), "sns"),
        static_need("kms:Decrypt", "arn:aws:kms:*:*:key/direct", 3),
    ];
    let f = run(&needs, &SynthesisOptions::default());
    // One permission per (action, condition).
    let perms: Vec<(String, String)> = f
        .permissions
        .iter()
        .map(|p| (p.action.clone(), serde_json::to_string(&p.condition).unwrap()))
        .collect();
    assert_eq!(
        perms,
        [
            ("kms:Decrypt".to_string(), "{}".to_string()),
            (
                "kms:Decrypt".to_string(),
                r#"{"StringLike":{"kms:ViaService":["sns.*.amazonaws.com"]}}"#.to_string()
            ),
            (
                "kms:Decrypt".to_string(),
                r#"{"StringLike":{"kms:ViaService":["sqs.*.amazonaws.com"]}}"#.to_string()
            ),
            (
                "kms:GenerateDataKey".to_string(),
                r#"{"StringLike":{"kms:ViaService":["sns.*.amazonaws.com"]}}"#.to_string()
            ),
            (
                "kms:GenerateDataKey".to_string(),
                r#"{"StringLike":{"kms:ViaService":["sqs.*.amazonaws.com"]}}"#.to_string()
            ),
        ]
    );
    let doc = serde_json::to_value(&f.deployable).unwrap();
    assert_eq!(
        doc["Statement"],
        serde_json::json!([
            {"Sid": "DecryptDirectKey", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": ["arn:aws:kms:*:*:key/direct"]},
            {"Sid": "WriteAnyKeyViaSnsSqs", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": [key],
             "Condition": {"StringLike": {"kms:ViaService": ["sns.*.amazonaws.com", "sqs.*.amazonaws.com"]}}},
        ])
    );
    // Templates write the region slot, and then the value is exact.
    let cfn = serde_json::to_value(f.document(Dialect::CloudFormation)).unwrap();
    assert_eq!(
        cfn["Statement"][1]["Condition"],
        serde_json::json!({"StringEquals": {"kms:ViaService": ["sns.${AWS::Region}.amazonaws.com", "sqs.${AWS::Region}.amazonaws.com"]}})
    );
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
}

#[test]
fn an_unconditional_grant_covers_conditional_ones_never_the_reverse() {
    let key = "arn:aws:kms:*:*:key/*";
    let f = run(
        &[
            via(static_need("kms:Decrypt", "arn:aws:kms:*:*:key/abc", 1), "sqs"),
            static_need("kms:Decrypt", key, 2),
        ],
        &SynthesisOptions::default(),
    );
    assert_eq!(f.deployable.statements.len(), 1);
    assert!(f.deployable.statements[0].condition.is_empty());
    let f = run(
        &[
            via(static_need("kms:Decrypt", key, 1), "sqs"),
            static_need("kms:Decrypt", "arn:aws:kms:*:*:key/abc", 2),
        ],
        &SynthesisOptions::default(),
    );
    assert_eq!(f.deployable.statements.len(), 2);
}

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::catalog::Catalog;

fn definition(id: &str, arn: &str, key: Option<&str>) -> Definition {
    Definition {
        id: id.into(),
        kind: "test".into(),
        arn: Some(arn.into()),
        file: PathBuf::from("template.yaml"),
        encryption: key.map(|k| EncryptionKey {
            arn: k.into(),
            property: "KmsMasterKeyId".into(),
            line: Some(12),
            logical_id: None,
        }),
        ..Definition::default()
    }
}

fn static_need(action: &str, arn: &str, operation: &str) -> Need {
    Need {
        action: action.into(),
        resource: ResourcePattern::parse_arn(arn),
        condition: None,
        origin: Origin::Static,
        certainty: Certainty::Needed,
        evidence: Evidence::Static {
            file: PathBuf::from("app.py"),
            line: 7,
            call: "client.call".into(),
            operation: operation.into(),
            unreachable: false,
            path: Default::default(),
            reason: None,
        },
    }
}

fn trail_need(action: &str, arn: &str) -> Need {
    Need {
        evidence: Evidence::Cloudtrail {
            count: 3,
            first_seen: String::new(),
            last_seen: String::new(),
            denied: false,
            example_event_id: None,
        },
        origin: Origin::Cloudtrail,
        ..static_need(action, arn, "")
    }
}

fn bindings() -> Bindings {
    Bindings::new(&BTreeMap::new(), &BTreeMap::new())
}

/// (action, key as deployable policy JSON writes it, kms:ViaService value, possible?)
fn run(defs: &[Definition], needs: &[Need], ctx: &ArnContext) -> Vec<(String, String, String, bool)> {
    EncryptedResources::new(defs)
        .companions(needs, &bindings(), ctx, None)
        .into_iter()
        .map(|n| {
            let c = n.condition.expect("companions carry kms:ViaService");
            assert_eq!(c.key, "kms:ViaService");
            (
                n.action,
                n.resource.render(ctx, Unresolved::Star),
                c.value.render(ctx, Unresolved::Star),
                matches!(n.certainty, Certainty::Possible(_)),
            )
        })
        .collect()
}

const KEY: &str = "arn:aws:kms:*:*:key/*";

#[test]
fn the_table_parses_and_names_real_actions() {
    let catalog = Catalog::embedded();
    assert!(rules().len() >= 12, "kms-companions.toml did not parse");
    let mut ids = std::collections::BTreeSet::new();
    for r in rules() {
        assert!(ids.insert(&r.id), "duplicate id {}", r.id);
        assert!(r.source.starts_with("https://docs.aws.amazon.com/"), "{}: source", r.id);
        for a in r.actions.iter().chain(&r.kms) {
            assert_eq!(
                catalog.canonical_action(a).as_deref(),
                Some(a.as_str()),
                "{}: {a}",
                r.id
            );
        }
        assert!(r.kms.iter().all(|k| k.starts_with("kms:")), "{}", r.id);
    }
}

#[test]
fn sqs_producer_gets_data_key_and_decrypt_via_sqs() {
    let defs = [definition("Orders", "arn:aws:sqs:*:*:orders", Some(KEY))];
    let got = run(
        &defs,
        &[static_need(
            "sqs:SendMessage",
            "arn:aws:sqs:*:*:orders",
            "sqs.SendMessage",
        )],
        &ArnContext::default(),
    );
    assert_eq!(
        got,
        [
            ("kms:Decrypt".into(), KEY.into(), "sqs.*.amazonaws.com".into(), false),
            (
                "kms:GenerateDataKey".into(),
                KEY.into(),
                "sqs.*.amazonaws.com".into(),
                false
            ),
        ]
    );
}

#[test]
fn consumer_only_decrypts_and_the_reason_names_the_key_property() {
    let defs = [definition("Orders", "arn:aws:sqs:*:*:orders", Some(KEY))];
    let needs = EncryptedResources::new(&defs).companions(
        &[static_need(
            "sqs:ReceiveMessage",
            "arn:aws:sqs:*:*:orders",
            "sqs.ReceiveMessage",
        )],
        &bindings(),
        &ArnContext::default(),
        None,
    );
    assert_eq!(needs.len(), 1);
    assert_eq!(needs[0].action, "kms:Decrypt");
    let Evidence::Static {
        reason: Some(r), line, ..
    } = &needs[0].evidence
    else {
        panic!("static evidence with a reason: {:?}", needs[0].evidence);
    };
    assert_eq!(*line, 7, "the companion points at the call");
    assert!(
        r.contains("Orders") && r.contains("KmsMasterKeyId at template.yaml:12"),
        "{r}"
    );
}

#[test]
fn unencrypted_and_unrelated_resources_bring_nothing() {
    let defs = [
        definition("Plain", "arn:aws:sqs:*:*:plain", None),
        definition("Orders", "arn:aws:sqs:*:*:orders", Some(KEY)),
    ];
    let ctx = ArnContext::default();
    assert!(
        run(
            &defs,
            &[static_need(
                "sqs:SendMessage",
                "arn:aws:sqs:*:*:plain",
                "sqs.SendMessage"
            )],
            &ctx
        )
        .is_empty()
    );
    // A call no rule names (the queue's attributes) needs no key.
    assert!(
        run(
            &defs,
            &[static_need(
                "sqs:GetQueueAttributes",
                "arn:aws:sqs:*:*:orders",
                "sqs.GetQueueAttributes"
            )],
            &ctx
        )
        .is_empty()
    );
    // The same queue with its region and account left open is that queue.
    let defs = [definition(
        "Orders",
        "arn:aws:sqs:us-east-1:111122223333:orders",
        Some(KEY),
    )];
    assert_eq!(
        run(
            &defs,
            &[static_need(
                "sqs:ReceiveMessage",
                "arn:aws:sqs:*:*:orders",
                "sqs.ReceiveMessage"
            )],
            &ctx
        )
        .len(),
        1
    );
    // A wildcard reach belongs to no one declaration.
    assert!(
        run(
            &defs,
            &[static_need("sqs:SendMessage", "arn:aws:sqs:*:*:*", "sqs.SendMessage")],
            &ctx
        )
        .is_empty()
    );
}

#[test]
fn s3_objects_of_an_encrypted_bucket_and_multipart_uploads() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let defs = [definition("Media", "arn:aws:s3:::media", Some(key))];
    let ctx = ArnContext::default();
    // The key names the region S3 serves the bucket from.
    let via = "s3.us-east-1.amazonaws.com".to_string();
    assert_eq!(
        run(
            &defs,
            &[static_need("s3:GetObject", "arn:aws:s3:::media/*", "s3.GetObject")],
            &ctx
        ),
        [("kms:Decrypt".into(), key.into(), via.clone(), false)]
    );
    assert_eq!(
        run(
            &defs,
            &[static_need("s3:PutObject", "arn:aws:s3:::media/in/*", "s3.PutObject")],
            &ctx
        ),
        [("kms:GenerateDataKey".into(), key.into(), via.clone(), false)]
    );
    assert_eq!(
        run(
            &defs,
            &[static_need(
                "s3:PutObject",
                "arn:aws:s3:::media/*",
                "s3.CreateMultipartUpload"
            )],
            &ctx
        ),
        [
            ("kms:Decrypt".into(), key.into(), via.clone(), false),
            ("kms:GenerateDataKey".into(), key.into(), via.clone(), false),
        ]
    );
    // The trail does not tell a multipart upload from a PutObject: Decrypt is possible.
    assert_eq!(
        run(&defs, &[trail_need("s3:PutObject", "arn:aws:s3:::media/a.txt")], &ctx),
        [
            ("kms:Decrypt".into(), key.into(), via.clone(), true),
            ("kms:GenerateDataKey".into(), key.into(), via, false),
        ]
    );
}

#[test]
fn the_region_comes_from_the_resource_then_the_stack() {
    let defs = [definition("Orders", "arn:aws:dynamodb:*:*:table/orders", Some(KEY))];
    let need = static_need(
        "dynamodb:Query",
        "arn:aws:dynamodb:eu-west-1:*:table/orders/index/by-date",
        "dynamodb.Query",
    );
    let got = run(&defs, std::slice::from_ref(&need), &ArnContext::default());
    assert_eq!(
        got,
        [(
            "kms:Decrypt".into(),
            KEY.into(),
            "dynamodb.eu-west-1.amazonaws.com".into(),
            false
        )]
    );
    let ctx = ArnContext {
        region: Some("us-west-2".into()),
        account: Some("111122223333".into()),
        partition: None,
    };
    let need = static_need(
        "dynamodb:GetItem",
        "arn:aws:dynamodb:*:*:table/orders",
        "dynamodb.GetItem",
    );
    let got = run(&defs, &[need], &ctx);
    assert_eq!(
        got,
        [(
            "kms:Decrypt".into(),
            "arn:aws:kms:us-west-2:111122223333:key/*".into(),
            "dynamodb.us-west-2.amazonaws.com".into(),
            false
        )]
    );
}

#[test]
fn every_service_of_the_table() {
    let ctx = ArnContext::default();
    let cases = [
        (
            "arn:aws:sns:*:*:receipts",
            "sns:Publish",
            "sns.Publish",
            vec!["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        (
            "arn:aws:kinesis:*:*:stream/clicks",
            "kinesis:PutRecords",
            "kinesis.PutRecords",
            vec!["kms:GenerateDataKey"],
        ),
        (
            "arn:aws:kinesis:*:*:stream/clicks",
            "kinesis:GetRecords",
            "kinesis.GetRecords",
            vec!["kms:Decrypt"],
        ),
        (
            "arn:aws:secretsmanager:*:*:secret:db-*",
            "secretsmanager:GetSecretValue",
            "secretsmanager.GetSecretValue",
            vec!["kms:Decrypt"],
        ),
        (
            "arn:aws:secretsmanager:*:*:secret:db-*",
            "secretsmanager:PutSecretValue",
            "secretsmanager.PutSecretValue",
            vec!["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        (
            "arn:aws:ssm:*:*:parameter/app/token",
            "ssm:GetParameter",
            "ssm.GetParameter",
            vec!["kms:Decrypt"],
        ),
        (
            "arn:aws:ssm:*:*:parameter/app/token",
            "ssm:PutParameter",
            "ssm.PutParameter",
            vec!["kms:Encrypt"],
        ),
    ];
    for (arn, action, op, want) in cases {
        let defs = [definition("R", arn, Some(KEY))];
        let reached = arn.replace("db-*", "db-??????");
        let got: Vec<String> = run(&defs, &[static_need(action, &reached, op)], &ctx)
            .into_iter()
            .map(|(a, _, via, _)| {
                assert!(via.starts_with(action.split(':').next().unwrap()), "{via}");
                a
            })
            .collect();
        assert_eq!(got, want, "{action}");
    }
}

#[test]
fn a_key_of_the_functions_own_template_is_named_by_its_logical_id() {
    let mut def = definition("Orders", "arn:aws:sqs:*:*:orders", Some(KEY));
    def.stack = Some("shop".into());
    def.encryption.as_mut().unwrap().logical_id = Some("OrdersKey".into());
    let encrypted = EncryptedResources::new([&def]);
    let need = static_need("sqs:ReceiveMessage", "arn:aws:sqs:*:*:orders", "sqs.ReceiveMessage");
    let ctx = ArnContext::default();
    let key_of = |stack: Option<&str>| {
        let got = encrypted.companions(std::slice::from_ref(&need), &bindings(), &ctx, stack);
        assert_eq!(got.len(), 1);
        let k = &got[0].resource;
        (k.render(&ctx, Unresolved::Visible), k.render(&ctx, Unresolved::Star))
    };
    assert_eq!(
        key_of(Some("shop")),
        ("arn:aws:kms:*:*:key/${OrdersKey}".to_string(), KEY.to_string())
    );
    // Another stack's template cannot name it.
    assert_eq!(key_of(Some("billing")), (KEY.to_string(), KEY.to_string()));
}

#[test]
fn the_index_finds_what_comparing_with_every_declaration_finds() {
    let declared = [
        "arn:aws:sqs:*:*:orders",
        "arn:aws:sqs:us-east-1:111122223333:orders",
        "arn:aws:sqs:us-east-1:111122223333:billing",
        "arn:aws:s3:::media",
        "arn:aws:s3:::media-archive",
        "arn:aws:dynamodb:*:*:table/orders",
        "arn:aws:dynamodb:eu-west-1:1:table/audit",
        "arn:aws:sqs:*:*:tenant-*",
        "arn:aws:secretsmanager:*:*:secret:db-*",
        "arn:aws:ssm:*:*:parameter/app/token",
    ];
    let reached = [
        "arn:aws:sqs:*:*:orders",
        "arn:aws:sqs:us-east-1:111122223333:orders",
        "arn:aws:sqs:eu-west-1:999:orders",
        "arn:aws:sqs:*:*:billing",
        "arn:aws:sqs:*:*:tenant-42",
        "arn:aws:sqs:*:*:*",
        "arn:aws:s3:::media/*",
        "arn:aws:s3:::media/in/a.txt",
        "arn:aws:s3:::media-archive/x",
        "arn:aws:s3:::med*",
        "arn:aws:dynamodb:*:*:table/orders/index/*",
        "arn:aws:dynamodb:us-east-1:1:table/orders/stream/2026",
        "arn:aws:dynamodb:*:*:table/audit",
        "arn:aws:secretsmanager:*:*:secret:db-??????",
        "arn:aws:ssm:*:*:parameter/app/token",
        "arn:aws:ssm:*:*:parameter/app",
    ];
    let defs: Vec<Definition> = declared
        .iter()
        .enumerate()
        .map(|(i, a)| definition(&format!("R{i}"), a, Some(KEY)))
        .collect();
    let index = EncryptedResources::new(&defs);
    for r in reached {
        let scan: Vec<&str> = index
            .all
            .iter()
            .filter(|e| reaches(r, &e.arn))
            .map(|e| e.id.as_str())
            .collect();
        let fast: Vec<&str> = index
            .candidates(r)
            .into_iter()
            .filter(|e| reaches(r, &e.arn))
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(fast, scan, "{r}");
    }
}

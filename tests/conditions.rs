//! Conditioned statements end to end: a function whose KMS key SQS and SNS use on its
//! behalf (`kms:ViaService`), synthesised from hand-built needs and rendered in every
//! format (snapshots in `snapshots/report/`), read back, linted with parliament and
//! checked with our evaluator given the request's context.

use std::process::Command;

use leastpriv::catalog::Catalog;
use leastpriv::pipeline;
use leastpriv::policy::evaluator::{Evaluator, Policy};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON ({e}): {text}"))
}

fn yaml(text: &str) -> serde_norway::Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("YAML ({e}): {text}"))
}

/// A string of a template snippet, or the body of its `!Sub`.
fn resource_text(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        serde_norway::Value::Tagged(t) => {
            assert_eq!(t.tag.to_string(), "!Sub");
            t.value.as_str().unwrap().to_string()
        }
        other => panic!("value {other:?}"),
    }
}

fn hcl_strings(expr: &hcl::Expression) -> Vec<String> {
    match expr {
        hcl::Expression::Array(items) => items.iter().flat_map(hcl_strings).collect(),
        hcl::Expression::String(s) => vec![s.clone()],
        other => panic!("not a string: {other:?}"),
    }
}

/// A function that reads an SQS queue encrypted with a customer managed key and
/// publishes to an SNS topic under the same key: `kms:Decrypt` through SQS and
/// `kms:GenerateDataKey` through SNS, each granted with `kms:ViaService`.
fn conditioned_run(region: Option<&str>) -> pipeline::RunResult {
    use leastpriv::evidence::{ArnContext, Certainty, Evidence, Need, NeedCondition, Origin, ResourcePattern};
    use leastpriv::graph::Bindings;
    use leastpriv::policy::{SynthesisOptions, synthesize};
    use leastpriv::sources::discover::FunctionSpec;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let need = |action: &str, resource: ResourcePattern, condition: Option<&str>, reason: &str| Need {
        action: action.into(),
        resource,
        condition: condition.map(|service| NeedCondition {
            key: "kms:ViaService".into(),
            value: ResourcePattern::from_template(&format!("{service}.${{Region}}.amazonaws.com"), |_| None),
        }),
        origin: Origin::Platform,
        certainty: Certainty::Needed,
        evidence: Evidence::Platform { reason: reason.into() },
    };
    let queue = ResourcePattern::from_template("arn:${Partition}:sqs:${Region}:${Account}:orders", |_| None);
    let topic = ResourcePattern::from_template("arn:${Partition}:sns:${Region}:${Account}:shipped", |_| None);
    let needs = vec![
        need("sqs:ReceiveMessage", queue.clone(), None, "SQS event source orders"),
        need("sqs:DeleteMessage", queue, None, "SQS event source orders"),
        need("sns:Publish", topic, None, "publishes to shipped"),
        need(
            "kms:Decrypt",
            ResourcePattern::literal(KEY),
            Some("sqs"),
            "the queue orders is encrypted with this key: SQS decrypts for the function",
        ),
        need(
            "kms:GenerateDataKey",
            ResourcePattern::literal(KEY),
            Some("sns"),
            "the topic shipped is encrypted with this key: SNS encrypts for the function",
        ),
    ];
    let opts = SynthesisOptions {
        arn: ArnContext {
            region: region.map(String::from),
            ..ArnContext::default()
        },
        ..SynthesisOptions::default()
    };
    let policy = synthesize(&needs, &Bindings::default(), Catalog::embedded(), &opts);
    pipeline::RunResult {
        functions: vec![pipeline::FunctionResult {
            spec: FunctionSpec {
                name: "orders-worker".into(),
                path: "src/worker".into(),
                root: "src/worker".into(),
                ..FunctionSpec::default()
            },
            needs,
            policy,
            diagnostics: Vec::new(),
            cloudtrail: None,
            assumed_role_calls: Vec::new(),
        }],
        graph: Default::default(),
        diagnostics: Vec::new(),
        cloudtrail: None,
        config_file: None,
        unreadable: Vec::new(),
    }
}

macro_rules! report_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/report"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

/// A conditioned statement in every format: IAM's `Condition` in policy JSON, the
/// template formats (`!Sub` where the value names the region), Terraform's `condition`
/// blocks, the Markdown and `explain` "when", and the JSON report's `condition`.
#[test]
fn a_conditioned_statement_in_every_format() {
    use leastpriv::report::{
        cloudformation, explain, json as json_report, markdown, policy_json, sam, serverless, terraform,
    };
    let run = conditioned_run(None);
    let f = &run.functions[0];
    assert_eq!(f.policy.diagnostics, vec![], "the policy passes our checks");
    let rendered = [
        ("policy", policy_json::render(&run)),
        ("sam", sam::render(&run)),
        ("cloudformation", cloudformation::render(&run)),
        ("serverless", serverless::render(&run)),
        ("terraform", terraform::render(&run)),
        ("markdown", markdown::render(&run)),
        ("json", json_report::render(&run)),
        (
            "explain",
            explain::render(&run, f, &explain::Query { action: None }).unwrap(),
        ),
    ];
    for (format, text) in &rendered {
        report_snapshot!(format!("conditioned_{format}"), text.as_str());
    }

    // Policy JSON: one statement per service, the region unknown so `StringLike`.
    let policy = json(&rendered[0].1);
    let conditions: Vec<&Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.get("Condition"))
        .collect();
    assert_eq!(conditions.len(), 2, "{policy}");
    assert!(
        conditions
            .iter()
            .any(|c| c["StringLike"]["kms:ViaService"] == serde_json::json!(["sqs.*.amazonaws.com"])),
        "{policy}"
    );
    // The evaluator, given the request's context, allows each permission unconditionally.
    let policies = vec![Policy::parse("p", &policy).unwrap()];
    let eval = Evaluator::new(policies);
    for p in f.policy.granted() {
        let ctx = match &p.when {
            Some(w) => leastpriv::policy::evaluator::RequestContext::new().with(
                &w.key,
                &leastpriv::policy::dialect::render(&w.value, &f.policy.arn, leastpriv::policy::Dialect::Deployable),
            ),
            None => Default::default(),
        };
        for g in &p.grants {
            let d = eval.decide_with(&p.action, &g.deployable, &ctx);
            assert!(
                matches!(
                    d,
                    leastpriv::policy::evaluator::Decision::Allowed { conditional: false, .. }
                ),
                "{} on {}: {d:?}",
                p.action,
                g.deployable
            );
        }
    }

    // SAM/CloudFormation/Serverless: the value as `!Sub` with the region pseudo parameter.
    for (format, text) in &rendered[1..4] {
        let v = yaml(text);
        let statements = match *format {
            "sam" => v["Resources"]["OrdersWorker"]["Properties"]["Policies"][0]["Statement"].clone(),
            "cloudformation" => {
                v["Resources"]["OrdersWorkerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].clone()
            }
            _ => v["provider"]["iam"]["role"]["statements"].clone(),
        };
        let mut values: Vec<String> = statements
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s.get("Condition"))
            .flat_map(|c| {
                c.as_mapping()
                    .unwrap()
                    .values()
                    .flat_map(|keys| keys["kms:ViaService"].as_sequence().unwrap().iter().map(resource_text))
                    .collect::<Vec<_>>()
            })
            .collect();
        values.sort();
        assert_eq!(
            values,
            ["sns.${AWS::Region}.amazonaws.com", "sqs.${AWS::Region}.amazonaws.com"],
            "{format}: {text}"
        );
    }

    // Terraform: `condition` blocks that read back.
    let body: hcl::Body = hcl::from_str(&rendered[4].1).unwrap();
    let data = body.blocks().next().unwrap();
    let tests: Vec<Vec<String>> = data
        .body()
        .blocks()
        .flat_map(|s| s.body().blocks().filter(|b| b.identifier() == "condition"))
        .map(|c| {
            ["test", "variable", "values"]
                .iter()
                .flat_map(|k| hcl_strings(c.body().attributes().find(|a| a.key() == *k).unwrap().expr()))
                .collect()
        })
        .collect();
    assert!(
        tests.contains(&vec![
            "StringLike".to_string(),
            "kms:ViaService".to_string(),
            "sqs.*.amazonaws.com".to_string()
        ]),
        "{tests:?}"
    );
    assert!(
        rendered[5].1.contains("when `kms:ViaService = sqs.*.amazonaws.com`"),
        "{}",
        rendered[5].1
    );
    assert!(
        rendered[7]
            .1
            .contains("when        kms:ViaService = sqs.*.amazonaws.com"),
        "{}",
        rendered[7].1
    );

    // A known region: the exact endpoint, `StringEquals`.
    let known = conditioned_run(Some("eu-west-1"));
    let text = policy_json::render(&known);
    assert!(text.contains("\"StringEquals\""), "{text}");
    assert!(text.contains("sqs.eu-west-1.amazonaws.com"), "{text}");
    assert!(!text.contains("sqs.*"), "{text}");
}

/// parliament (PyPI, pinned in .ci/run) finds nothing in the conditioned policies.
#[test]
#[allow(clippy::print_stdout)] // the reason for a skip
fn conditioned_policies_pass_parliament() {
    let probe = Command::new("python3").args(["-c", "import parliament"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("skipped: parliament is not installed (python3 -m pip install 'parliament==1.6.4')");
        return;
    }
    for region in [None, Some("eu-west-1")] {
        let policy = leastpriv::report::policy_json::render(&conditioned_run(region));
        let script = r#"
import sys
from parliament import analyze_policy_string
policy = analyze_policy_string(sys.stdin.read(), include_community_auditors=True)
for f in policy.findings:
    print(f"{f.severity} {f.issue} {f.detail}")
sys.exit(1 if policy.findings else 0)
"#;
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(policy.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "parliament findings ({region:?}):\n{}\n{policy}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

/// `leastpriv generate tests/fixtures/apps/encrypted-sam --format FORMAT`.
fn generate_encrypted(format: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_leastpriv"))
        .args(["generate", "tests/fixtures/apps/encrypted-sam", "--format", format])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the leastpriv binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The SAM snippet grants, statement by statement, as many resources as policy JSON:
/// a statement under one `kms:ViaService` value takes no key of another's.
#[test]
fn template_statements_keep_to_their_condition() {
    let policy = json(&generate_encrypted("policy"));
    let sam = yaml(&generate_encrypted("sam"));
    let want: Vec<(String, usize)> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["Sid"].as_str().unwrap().to_string(),
                s["Resource"].as_array().unwrap().len(),
            )
        })
        .collect();
    let got: Vec<(String, usize)> = sam["Resources"]["VaultFunction"]["Properties"]["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["Sid"].as_str().unwrap().to_string(),
                s["Resource"].as_sequence().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

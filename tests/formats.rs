//! Output formats end to end: every format of `generate` snapshot-tested on the example
//! app and the deployment-definition apps; the policy JSON through a real linter
//! (parliament) and our own IAM checks; SAM/CloudFormation/Serverless YAML and Terraform
//! HCL read back; `--out`; size splits; `leastpriv.toml`; `explain`.

mod common;

use common::{leastpriv, repo, stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::Command;

use leastpriv::catalog::Catalog;
use leastpriv::pipeline::{self, Config};
use leastpriv::policy::evaluator::{Evaluator, Policy};
use leastpriv::policy::validate;
use serde_json::Value;

const APPS: &[(&str, &str)] = &[
    ("shop", "examples/shop"),
    ("plain", "examples/plain"),
    ("sam", "tests/fixtures/apps/sam"),
    ("cdk", "tests/fixtures/apps/cdk"),
    ("serverless", "tests/fixtures/apps/serverless"),
    ("terraform", "tests/fixtures/apps/terraform"),
];

const FORMATS: &[&str] = &[
    "json",
    "policy",
    "sam",
    "cloudformation",
    "terraform",
    "serverless",
    "markdown",
];

const CONFIGURED: &str = "tests/fixtures/formats/configured";

fn ok(args: &[&str]) -> String {
    let o = leastpriv(args);
    assert!(o.status.success(), "leastpriv {args:?} failed: {}", stderr(&o));
    stdout(&o)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON ({e}): {text}"))
}

#[test]
fn every_format_of_every_app() {
    for (app, path) in APPS {
        for format in FORMATS {
            let out = ok(&["generate", path, "--format", format]);
            snapshot!("formats", format!("{app}_{format}"), out);
        }
    }
}

#[test]
fn config_file_in_every_format() {
    for format in FORMATS {
        let out = ok(&["generate", CONFIGURED, "--format", format]);
        if *format != "policy" {
            assert!(
                out.contains("tests/fixtures/formats/configured/leastpriv.toml"),
                "--format {format} names the config: {out}"
            );
        }
        snapshot!("formats", format!("configured_{format}"), out);
    }
}

/// Every deployable document of every app, written with `--out`.
fn policy_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (app, path) in APPS.iter().chain(&[("configured", CONFIGURED)]) {
        let out = dir.join(app);
        ok(&["generate", path, "--format", "policy", "--out", out.to_str().unwrap()]);
        for e in std::fs::read_dir(&out).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    files
}

/// parliament (PyPI, pinned in .ci/run) finds nothing in any generated policy.
#[test]
#[allow(clippy::print_stdout)] // the reason for a skip
fn policies_pass_parliament() {
    let probe = Command::new("python3").args(["-c", "import parliament"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!(
            "skipped: parliament is not installed (python3 -m pip install 'parliament==1.6.4'); our own checks still run in policies_pass_our_checks"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = policy_files(dir.path());
    let script = r#"
import json, sys
from parliament import analyze_policy_string
bad = 0
for path in sys.argv[1:]:
    policy = analyze_policy_string(open(path).read(), include_community_auditors=True)
    for f in policy.findings:
        bad += 1
        print(f"{path}: {f.severity} {f.issue} {f.detail}")
sys.exit(1 if bad else 0)
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    assert!(o.status.success(), "parliament findings:\n{}{}", stdout(&o), stderr(&o));
}

/// Our own IAM checks and the evaluator agree with every generated document: valid,
/// typed, within the size limit, and allowing each permission it was made for.
#[test]
fn policies_pass_our_checks() {
    let catalog = Catalog::embedded();
    for (_, path) in APPS {
        let config = Config {
            paths: vec![repo().join(path)],
            ..Config::default()
        };
        let run = pipeline::run(&config).unwrap();
        for f in &run.functions {
            let policies: Vec<Policy> = f
                .policy
                .parts
                .iter()
                .map(|d| {
                    let v = serde_json::to_value(d).unwrap();
                    assert_eq!(validate::validate(d, catalog), vec![], "{}: {v}", f.spec.name);
                    Policy::parse(&f.spec.name, &v).unwrap()
                })
                .collect();
            let eval = Evaluator::new(policies);
            for p in f.policy.granted() {
                // A permission needed under a condition, asked with the condition's value.
                let ctx = match &p.when {
                    Some(w) => leastpriv::policy::evaluator::RequestContext::new().with(
                        &w.key,
                        &leastpriv::policy::dialect::render(
                            &w.value,
                            &f.policy.arn,
                            leastpriv::policy::Dialect::Deployable,
                        ),
                    ),
                    None => Default::default(),
                };
                for g in &p.grants {
                    assert!(
                        eval.decide_with(&p.action, &g.deployable, &ctx).is_allowed(),
                        "{}: {} on {}",
                        f.spec.name,
                        p.action,
                        g.deployable
                    );
                }
            }
        }
    }
}

fn yaml(text: &str) -> serde_norway::Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("YAML ({e}): {text}"))
}

/// A resource of a template snippet: a string, or `!Sub` of one.
fn resource_text(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        serde_norway::Value::Tagged(t) => {
            assert_eq!(t.tag.to_string(), "!Sub");
            t.value.as_str().unwrap().to_string()
        }
        other => panic!("resource {other:?}"),
    }
}

#[test]
fn template_formats_read_back() {
    let policy = json(&ok(&["generate", "examples/shop", "--format", "policy"]));
    let sam = yaml(&ok(&["generate", "examples/shop", "--format", "sam"]));
    let cfn = yaml(&ok(&["generate", "examples/shop", "--format", "cloudformation"]));
    let sls = yaml(&ok(&["generate", "examples/shop", "--format", "serverless"]));
    for (name, doc) in policy.as_object().unwrap() {
        let want: Vec<(String, Vec<String>, usize)> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["Sid"].as_str().unwrap().to_string(),
                    s["Action"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string())
                        .collect(),
                    s["Resource"].as_array().unwrap().len(),
                )
            })
            .collect();
        let from_yaml = |statements: &serde_norway::Value| -> Vec<(String, Vec<String>, usize)> {
            statements
                .as_sequence()
                .unwrap()
                .iter()
                .map(|s| {
                    for r in s["Resource"].as_sequence().unwrap() {
                        let text = resource_text(r);
                        assert!(text == "*" || text.starts_with("arn:"), "{text}");
                    }
                    (
                        s["Sid"].as_str().unwrap().to_string(),
                        s["Action"]
                            .as_sequence()
                            .unwrap()
                            .iter()
                            .map(|a| a.as_str().unwrap().to_string())
                            .collect(),
                        s["Resource"].as_sequence().unwrap().len(),
                    )
                })
                .collect()
        };
        let sam_fn = &sam["Resources"][name.as_str()];
        assert_eq!(sam_fn["Type"].as_str(), Some("AWS::Serverless::Function"));
        assert_eq!(
            from_yaml(&sam_fn["Properties"]["Policies"][0]["Statement"]),
            want,
            "{name}"
        );
        let role = &cfn["Resources"][format!("{name}Role").as_str()];
        assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"));
        assert_eq!(
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"].as_str(),
            Some("lambda.amazonaws.com")
        );
        assert_eq!(
            from_yaml(&role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]),
            want,
            "{name}"
        );
        let per_fn = &sls["functions"][name.as_str()]["iamRoleStatements"];
        assert_eq!(from_yaml(per_fn), want, "{name}");
    }
}

#[test]
fn unresolved_names_become_parameters_never_a_bare_star() {
    let sam = yaml(&ok(&["generate", "examples/plain", "--format", "sam"]));
    let params = sam["Parameters"].as_mapping().unwrap();
    assert!(params.contains_key("EnvThumbnailBucket"), "{params:?}");
    let statements = &sam["Resources"]["Thumbnailer"]["Properties"]["Policies"][0]["Statement"];
    let resources: Vec<String> = statements
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|s| s["Resource"].as_sequence().unwrap().iter().map(resource_text))
        .collect();
    assert!(
        resources.iter().any(|r| r.contains("${EnvThumbnailBucket}")),
        "{resources:?}"
    );
    let policy = ok(&["generate", "examples/plain/thumbnailer", "--format", "policy"]);
    assert!(policy.contains("arn:aws:s3:::*/thumbs/*.jpg"), "{policy}");
    assert!(!policy.contains("${env:"), "{policy}");
}

fn hcl_strings(expr: &hcl::Expression) -> Vec<String> {
    match expr {
        hcl::Expression::Array(items) => items.iter().flat_map(hcl_strings).collect(),
        hcl::Expression::String(s) => vec![s.clone()],
        hcl::Expression::TemplateExpr(t) => vec![t.to_string()],
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn terraform_parses_back_with_hcl() {
    for (_, path) in APPS {
        let policy = json(&ok(&["generate", path, "--format", "policy"]));
        let docs: Vec<(String, Value)> = match policy.as_object() {
            Some(m) if !m.contains_key("Version") => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => vec![(String::new(), policy.clone())],
        };
        let tf = ok(&["generate", path, "--format", "terraform"]);
        let body: hcl::Body = hcl::from_str(&tf).unwrap_or_else(|e| panic!("{path}: HCL ({e}):\n{tf}"));
        let blocks: Vec<&hcl::Block> = body.blocks().collect();
        assert_eq!(blocks.len(), docs.len(), "{path}");
        for (block, (_, doc)) in blocks.iter().zip(&docs) {
            assert_eq!(block.identifier(), "data");
            assert_eq!(block.labels()[0].as_str(), "aws_iam_policy_document");
            let statements: Vec<&hcl::Block> = block.body().blocks().collect();
            let want = doc["Statement"].as_array().unwrap();
            assert_eq!(statements.len(), want.len(), "{path}");
            for (s, w) in statements.iter().zip(want) {
                let attr = |k: &str| {
                    s.body()
                        .attributes()
                        .find(|a| a.key() == k)
                        .map(|a| hcl_strings(a.expr()))
                        .unwrap_or_default()
                };
                let strings = |v: &Value| -> Vec<String> {
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap().to_string())
                        .collect()
                };
                assert_eq!(attr("sid"), [w["Sid"].as_str().unwrap()]);
                assert_eq!(attr("effect"), ["Allow"]);
                assert_eq!(attr("actions"), strings(&w["Action"]));
                assert_eq!(attr("resources"), strings(&w["Resource"]));
            }
        }
    }
}

#[test]
fn out_writes_each_functions_files_in_each_format() {
    let dir = tempfile::tempdir().unwrap();
    let expected: &[(&str, &str)] = &[
        ("json", "OrdersApi.json"),
        ("policy", "OrdersApi.policy.json"),
        ("sam", "OrdersApi.sam.yaml"),
        ("cloudformation", "OrdersApi.cfn.yaml"),
        ("terraform", "OrdersApi.tf"),
        ("serverless", "OrdersApi.serverless.yml"),
        ("markdown", "OrdersApi.md"),
    ];
    for (format, file) in expected {
        let out = dir.path().join(format);
        let o = leastpriv(&[
            "generate",
            "examples/shop",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 5, "{format}: {names:?}");
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        match *format {
            "json" => assert_eq!(json(&text)["name"], "OrdersApi"),
            "policy" => assert_eq!(json(&text)["Version"], "2012-10-17"),
            "terraform" => {
                let _: hcl::Body = hcl::from_str(&text).unwrap();
            }
            "markdown" => assert!(text.starts_with("## OrdersApi")),
            _ => {
                let v = yaml(&text);
                assert!(v.as_mapping().is_some_and(|m| !m.is_empty()), "{text}");
            }
        }
        if *format == "serverless" {
            assert!(yaml(&text)["provider"]["iam"]["role"]["statements"].is_sequence());
        }
    }
}

/// A function whose policy is larger than one managed policy may hold.
fn large_app(dir: &Path) -> PathBuf {
    let f = dir.join("bulk");
    std::fs::create_dir_all(&f).unwrap();
    let mut code = String::from("import boto3\n\nddb = boto3.client(\"dynamodb\")\n\n\ndef handler(event, context):\n");
    for i in 0..160 {
        code.push_str(&format!(
            "    ddb.get_item(TableName=\"warehouse-inventory-table-number-{i}\", Key={{}})\n"
        ));
    }
    std::fs::write(f.join("app.py"), code).unwrap();
    f
}

#[test]
fn a_policy_too_large_is_split_into_managed_policies() {
    let dir = tempfile::tempdir().unwrap();
    let app = large_app(dir.path());
    let app = app.to_str().unwrap();
    let o = leastpriv(&["generate", app, "--format", "policy"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("[policy-split]"), "{}", stderr(&o));
    let parts = json(&stdout(&o));
    let parts = parts.as_array().expect("several documents");
    assert!(parts.len() >= 2);
    let mut tables = 0;
    for p in parts {
        let compact = serde_json::to_string(p).unwrap();
        assert!(compact.len() <= 6_144, "{}", compact.len());
        tables += p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Resource"].as_array().unwrap().len())
            .sum::<usize>();
    }
    assert_eq!(tables, 160, "no permission lost in the split");
    // The templates' `!Sub` bodies are longer than the ARNs they become, so they may
    // take more managed policies than the policy JSON; each is referenced.
    let managed = |v: &serde_norway::Value| {
        v["Resources"]
            .as_mapping()
            .unwrap()
            .values()
            .filter(|r| r["Type"].as_str() == Some("AWS::IAM::ManagedPolicy"))
            .count()
    };
    let sam = yaml(&ok(&["generate", app, "--format", "sam"]));
    assert_eq!(
        sam["Resources"]["BulkPolicy1"]["Type"].as_str(),
        Some("AWS::IAM::ManagedPolicy")
    );
    let refs = sam["Resources"]["Bulk"]["Properties"]["Policies"]
        .as_sequence()
        .unwrap();
    assert!(refs.len() >= parts.len());
    assert_eq!(refs.len(), managed(&sam));
    let cfn = yaml(&ok(&["generate", app, "--format", "cloudformation"]));
    let arns = cfn["Resources"]["BulkRole"]["Properties"]["ManagedPolicyArns"]
        .as_sequence()
        .unwrap();
    assert_eq!(arns.len(), managed(&cfn));
    assert!(arns.len() >= 2);
    let tf: hcl::Body = hcl::from_str(&ok(&["generate", app, "--format", "terraform"])).unwrap();
    assert_eq!(tf.blocks().count(), parts.len());
    let report = json(&ok(&["generate", app, "--format", "json"]));
    assert_eq!(
        report["functions"][0]["policies"].as_array().unwrap().len(),
        parts.len()
    );
    let out = dir.path().join("out");
    ok(&["generate", app, "--format", "policy", "--out", out.to_str().unwrap()]);
    assert!(out.join("bulk.1.policy.json").is_file() && out.join("bulk.2.policy.json").is_file());
}

#[test]
fn config_resolves_stage_resources_extras_and_exclusions() {
    let report = json(&ok(&["generate", CONFIGURED, "--format", "json"]));
    assert_eq!(report["config"], "tests/fixtures/formats/configured/leastpriv.toml");
    let f = &report["functions"][0];
    let policy = f["policy"].to_string();
    assert!(
        policy.contains("arn:aws:dynamodb:eu-west-1:123456789012:table/orders\""),
        "{policy}"
    );
    assert!(
        policy.contains("table/tenant-acme") && policy.contains("table/tenant-globex"),
        "{policy}"
    );
    assert!(!policy.contains("xray:"), "{policy}");
    assert_eq!(f["excluded"], serde_json::json!(["xray:PutTraceSegments"]));
    assert_eq!(f["accepted"][0]["action"], "dynamodb:DescribeTable");
    assert_eq!(
        f["accepted"][0]["accepted"],
        "the health check reads the table's status"
    );

    let dev = json(&ok(&["generate", CONFIGURED, "--format", "json", "--stage", "dev"]));
    let policy = dev["functions"][0]["policy"].to_string();
    assert!(
        policy.contains("arn:aws:dynamodb:eu-west-1:210987654321:table/orders-dev"),
        "{policy}"
    );
    let cli = json(&ok(&[
        "generate",
        CONFIGURED,
        "--format",
        "json",
        "--account",
        "111111111111",
        "--env",
        "TABLE_NAME=cli",
    ]));
    let policy = cli["functions"][0]["policy"].to_string();
    assert!(
        policy.contains("arn:aws:dynamodb:eu-west-1:111111111111:table/cli"),
        "the command line wins: {policy}"
    );

    let o = leastpriv(&["generate", CONFIGURED, "--stage", "qa"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("stage qa is not defined (stages: dev, prod)"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("leastpriv.toml");
    std::fs::write(&bad, "[policy]\nexclude_action = [\"xray:*\"]\n").unwrap();
    let o = leastpriv(&["generate", CONFIGURED, "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("exclude_action"), "{}", stderr(&o));
}

#[test]
fn policy_flags() {
    let actions = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["generate", "examples/shop", "--format", "json"];
        all.extend_from_slice(args);
        let v = json(&ok(&all));
        let f = v["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "OrdersApi")
            .unwrap()
            .clone();
        f["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["action"].as_str().unwrap().to_string())
            .collect()
    };
    let all = actions(&[]);
    assert!(all.iter().any(|a| a.starts_with("xray:")), "{all:?}");
    let fewer = actions(&["--exclude-action", "xray:*", "--exclude-action", "logs:CreateLogGroup"]);
    assert!(
        !fewer
            .iter()
            .any(|a| a.starts_with("xray:") || a == "logs:CreateLogGroup"),
        "{fewer:?}"
    );
    assert_eq!(fewer.len(), all.len() - 3);
    let trail = actions(&["--include", "cloudtrail-only"]);
    assert!(
        trail.iter().all(|a| a.starts_with("logs:") || a.starts_with("xray:")),
        "{trail:?}"
    );
    let with_trail = actions(&["--cloudtrail", "examples/shop/cloudtrail", "--include", "static-only"]);
    assert_eq!(with_trail, all);
    let o = leastpriv(&[
        "generate",
        "examples/shop",
        "--format",
        "policy",
        "--allow-wildcards",
        "--include-possible",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("[invalid-policy]"), "{}", stderr(&o));
}

#[test]
fn explain_shows_the_evidence_behind_each_permission() {
    snapshot!(
        "formats",
        "explain_orders_api",
        ok(&["explain", "OrdersApi", "examples/shop"])
    );
    snapshot!("formats", "explain_configured", ok(&["explain", "orders", CONFIGURED]));
    let one = ok(&["explain", "OrdersApi", "sqs:SendMessage", "examples/shop"]);
    assert!(
        one.contains("sqs:SendMessage on arn:aws:sqs:*:*:shop-prod-fulfillment"),
        "{one}"
    );
    assert!(one.contains("examples/shop/src/orders/app.py:"), "{one}");
    assert!(!one.contains("dynamodb:"), "{one}");
    let trail = ok(&[
        "explain",
        "OrdersApi",
        "dynamodb:*",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
    ]);
    assert!(trail.contains("[static, cloudtrail]"), "{trail}");
    assert!(
        trail.contains("cloudtrail ") && trail.contains(", e.g. event "),
        "{trail}"
    );
    let platform = ok(&["explain", "OrdersApi", "logs:PutLogEvents", "examples/shop"]);
    assert!(
        platform.contains("platform    Lambda writes the function's logs"),
        "{platform}"
    );
    let none = ok(&["explain", "OrdersApi", "s3:DeleteBucket", "examples/shop"]);
    assert!(none.starts_with("OrdersApi needs no s3:DeleteBucket"), "{none}");
}

#[test]
fn explain_says_clearly_what_it_cannot_explain() {
    let o = leastpriv(&["explain", "NoSuchFunction", "examples/shop"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "no function named NoSuchFunction in examples/shop; the functions are: CatalogSync, FulfillmentWorker"
        ),
        "{}",
        stderr(&o)
    );
    let o = leastpriv(&["explain", "OrdersApi", "s3:GetObjekt", "examples/shop"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("s3:GetObjekt is no IAM action"), "{}", stderr(&o));
}

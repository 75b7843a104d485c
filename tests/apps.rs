//! Deployment definitions end to end: a SAM app (nested stack, layer, shared code), a CDK
//! `cdk.out`, a Serverless Framework service and a Terraform project (local module),
//! each with an over-broad current role. Snapshots of the generated policies and of the
//! graph JSON; checks of what must and must not be granted; templates with errors.

mod common;

use std::process::Command;

use common::{leastpriv, repo, stderr, stdout};
use leastpriv::sources::discover::{self, PolicyKind};
use leastpriv::sources::template::cfn::Pseudo;
use serde_json::Value;

const APPS: &[&str] = &[
    "sam",
    "cdk",
    "serverless",
    "terraform",
    "encrypted-sam",
    "encrypted-terraform",
];

fn app(name: &str) -> String {
    format!("tests/fixtures/apps/{name}")
}

fn json_of(args: &[&str]) -> Value {
    let out = leastpriv(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&out)))
}

/// Every (action, resource) a function's deployable policy grants.
fn grants(policies: &Value, function: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in policies[function]["Statement"].as_array().unwrap_or(&Vec::new()) {
        for a in s["Action"].as_array().unwrap() {
            for r in s["Resource"].as_array().unwrap() {
                out.push((a.as_str().unwrap().to_string(), r.as_str().unwrap().to_string()));
            }
        }
    }
    out
}

fn grants_action(policies: &Value, function: &str, action: &str) -> Vec<String> {
    grants(policies, function)
        .into_iter()
        .filter(|(a, _)| a == action)
        .map(|(_, r)| r)
        .collect()
}

#[test]
fn policies_and_graphs_of_every_app() {
    for name in APPS {
        let path = app(name);
        let policies = leastpriv(&["generate", &path, "--format", "policy"]);
        assert!(policies.status.success(), "{name}: {}", stderr(&policies));
        snapshot!("apps", format!("{name}_policies"), stdout(&policies));
        let graph = leastpriv(&["graph", &path, "--format", "json"]);
        assert!(graph.status.success(), "{name}: {}", stderr(&graph));
        snapshot!("apps", format!("{name}_graph"), stdout(&graph));
        let g: Value = serde_json::from_slice(&graph.stdout).unwrap();
        for n in g["nodes"].as_array().unwrap() {
            for key in ["id", "kind", "name", "arn"] {
                assert!(n.get(key).is_some(), "{name}: node has {key}: {n}");
            }
        }
        for e in g["edges"].as_array().unwrap() {
            for key in ["from", "to", "kind", "actions"] {
                assert!(e.get(key).is_some(), "{name}: edge has {key}: {e}");
            }
        }
    }
}

#[test]
fn sam_app_scopes_shared_code_layers_and_nested_stacks() {
    let p = json_of(&["generate", &app("sam"), "--format", "policy"]);
    let table = "arn:aws:dynamodb:*:*:table/inventory-prod-items";
    assert_eq!(grants_action(&p, "ApiFunction", "dynamodb:PutItem"), [table]);
    // The shared storage module is imported by the worker only.
    // ... and Athena writes the worker's query results under the reports bucket.
    assert_eq!(
        grants_action(&p, "StockWorker", "s3:PutObject"),
        [
            "arn:aws:s3:::inventory-prod-reports/athena/*",
            "arn:aws:s3:::inventory-prod-reports/snapshots/*.json"
        ]
    );
    assert!(
        grants_action(&p, "StockWorker", "glue:GetTable").contains(&"arn:aws:glue:*:*:table/inventory/*".to_string())
    );
    assert!(grants_action(&p, "ApiFunction", "s3:PutObject").is_empty());
    // The layer's code is the API function's.
    assert!(!grants_action(&p, "ApiFunction", "cloudwatch:PutMetricData").is_empty());
    assert!(grants_action(&p, "StockWorker", "cloudwatch:PutMetricData").is_empty());
    // Nothing imports the mailer.
    for f in p.as_object().unwrap().keys() {
        assert!(grants_action(&p, f, "ses:SendEmail").is_empty(), "{f}");
    }
    // The nested stack's parameter is the parent's table.
    assert_eq!(grants_action(&p, "AuditFunction", "dynamodb:Scan"), [table]);
    assert_eq!(
        grants_action(&p, "Notifier", "ssm:GetParameter"),
        ["arn:aws:ssm:*:*:parameter/prod/inventory/api-key"]
    );
    assert_eq!(
        grants_action(&p, "Notifier", "secretsmanager:GetSecretValue"),
        ["arn:aws:secretsmanager:*:*:secret:inventory/stock-provider-??????"]
    );
    assert_eq!(
        grants_action(&p, "StockWorker", "sqs:ReceiveMessage"),
        ["arn:aws:sqs:*:*:inventory-prod-item-events"]
    );
}

#[test]
fn account_and_region_fill_the_placeholders() {
    let p = json_of(&[
        "generate",
        &app("sam"),
        "--format",
        "policy",
        "--account",
        "123456789012",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(
        grants_action(&p, "ApiFunction", "dynamodb:GetItem"),
        ["arn:aws:dynamodb:eu-west-1:123456789012:table/inventory-prod-items"]
    );
    assert_eq!(
        grants_action(&p, "ApiFunction", "sqs:SendMessage"),
        ["arn:aws:sqs:eu-west-1:123456789012:inventory-prod-item-events"]
    );
}

#[test]
fn cdk_assets_are_read_from_their_source_folders() {
    let report = json_of(&["generate", &app("cdk"), "--format", "json"]);
    let paths: Vec<&str> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "tests/fixtures/apps/cdk/lambda/jobs",
            "tests/fixtures/apps/cdk/lambda/orders"
        ]
    );
    let p = json_of(&["generate", &app("cdk"), "--format", "policy"]);
    assert_eq!(
        grants_action(&p, "JobsWorker2E6D8F10", "s3:PutObject"),
        ["arn:aws:s3:::inventory-cdk-archive/jobs/*.json"]
    );
    // A generated table name: the stack and logical id are known, the suffix is not.
    assert_eq!(
        grants_action(&p, "OrdersHandler4B8E2C61", "dynamodb:PutItem"),
        ["arn:aws:dynamodb:*:*:table/InventoryCdkStack-OrdersTable0E2A1B3C-*"]
    );
    assert!(grants_action(&p, "JobsWorker2E6D8F10", "sns:Publish").is_empty());
}

#[test]
fn serverless_service_resolves_variables_and_layers() {
    let out = leastpriv(&["generate", &app("serverless"), "--format", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        grants_action(&p, "createOrder", "sqs:SendMessage"),
        ["arn:aws:sqs:*:*:orders-service-prod-shipments"]
    );
    assert_eq!(
        grants_action(&p, "shipOrder", "s3:GetObject"),
        ["arn:aws:s3:::acme-prod-receipts/templates/receipt.html"]
    );
    assert!(grants_action(&p, "createOrder", "s3:PutObject").is_empty());
    // `${env:EXPORT_BUCKET}` is unknown: `*` for the bucket only (covering the archive's).
    assert_eq!(
        grants_action(&p, "orderStream", "s3:PutObject"),
        ["arn:aws:s3:::*/orders/*.json"]
    );
    let found = discover::discover(&repo().join(app("serverless")), &Pseudo::default()).unwrap();
    let stream = found.functions.iter().find(|f| f.name == "orderStream").unwrap();
    assert_eq!(
        stream.environment["ARCHIVE_BUCKET"], "orders-archive",
        "the fallback of ${{env:...}}"
    );
    assert_eq!(stream.environment["STAGE"], "prod");
    assert_eq!(stream.env_sources["AUDIT_TOPIC_ARN"], "AuditTopic");
    assert!(
        stderr(&out).contains("EXPORT_BUCKET = *: the deploy environment's EXPORT_BUCKET is not known offline"),
        "{}",
        stderr(&out)
    );
    for f in p.as_object().unwrap().keys() {
        assert!(grants_action(&p, f, "secretsmanager:GetSecretValue").is_empty(), "{f}");
        assert!(
            grants_action(&p, f, "dynamodb:DeleteTable").is_empty(),
            "{f}: tests are not code"
        );
    }
}

#[test]
fn terraform_project_follows_archives_modules_and_tfvars() {
    let p = json_of(&["generate", &app("terraform"), "--format", "policy"]);
    assert_eq!(
        grants_action(&p, "payments-prod-charge", "ssm:GetParameter"),
        ["arn:aws:ssm:*:*:parameter/payments-prod/fx-source"]
    );
    assert_eq!(
        grants_action(&p, "payments-prod-refund", "sqs:ReceiveMessage"),
        ["arn:aws:sqs:*:*:payments-prod-refunds"]
    );
    assert_eq!(
        grants_action(&p, "payments-prod-statements", "dynamodb:Query"),
        ["arn:aws:dynamodb:*:*:table/payments-prod-payments"]
    );
    // The log group is declared, so the function need not create it.
    assert!(grants_action(&p, "payments-prod-charge", "logs:CreateLogGroup").is_empty());
    assert!(grants_action(&p, "payments-prod-charge", "sns:Publish").is_empty());
}

/// (app, function, the kinds and names of its current policies).
type RoleCase<'a> = (&'a str, &'a str, &'a [(PolicyKind, &'a str)]);

#[test]
fn current_roles_are_read_for_the_diff() {
    let pseudo = Pseudo::default();
    let cases: &[RoleCase] = &[
        (
            "sam",
            "StockWorker",
            &[
                (PolicyKind::Inline, "inventory-everything"),
                (
                    PolicyKind::Managed,
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                ),
            ],
        ),
        (
            "sam",
            "Notifier",
            &[(PolicyKind::SamTemplate, "SNSPublishMessagePolicy")],
        ),
        (
            "cdk",
            "OrdersHandler4B8E2C61",
            &[(PolicyKind::Inline, "OrdersHandlerServiceRoleDefaultPolicy1C3E5F7A")],
        ),
        (
            "serverless",
            "shipOrder",
            &[(PolicyKind::Inline, "orders-service-prod-lambda")],
        ),
        (
            "terraform",
            "payments-prod-charge",
            &[
                (PolicyKind::Inline, "payments-prod-lambda"),
                (PolicyKind::CustomerManaged, "payments-prod-reports"),
            ],
        ),
    ];
    for (name, function, expected) in cases {
        let found = discover::discover(&repo().join(app(name)), &pseudo).unwrap();
        let f = found
            .functions
            .iter()
            .find(|f| f.name == *function)
            .unwrap_or_else(|| panic!("{name}: {function}"));
        for (kind, policy) in *expected {
            assert!(
                f.current_policies.iter().any(|p| p.kind == *kind && p.name == *policy),
                "{name}/{function}: {kind:?} {policy} in {:?}",
                f.current_policies
                    .iter()
                    .map(|p| (&p.kind, &p.name))
                    .collect::<Vec<_>>()
            );
        }
        // The over-broad grants are among the current statements.
        assert!(
            f.current_statements.iter().any(|s| {
                let actions = s["Action"].to_string();
                actions.contains(":*") || actions.contains("dynamodb:")
            }),
            "{name}/{function}: {:?}",
            f.current_statements
        );
    }
}

#[test]
fn template_errors_name_the_place_and_the_rest_is_analysed() {
    let out = leastpriv(&["generate", &app("broken"), "--format", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let file = "tests/fixtures/apps/broken/template.yaml";
    for expected in [
        format!("{file}:26: !Ref Tabel names no parameter or resource in this template"),
        format!("{file}:35: unknown intrinsic tag !GetAtr"),
        format!("{file}:37: Misnamed: no source file for handler main.handler"),
        format!("{file}:43: Gone: code folder tests/fixtures/apps/broken/src/gone does not exist"),
        "Typo: warning: TABLE = *: !Ref Tabel names nothing in the template".to_string(),
    ] {
        assert!(err.contains(&expected), "stderr names {expected:?}:\n{err}");
    }
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(names, ["Healthy", "Misnamed", "Tagged", "Typo"]);
    assert_eq!(
        grants_action(&p, "Healthy", "dynamodb:GetItem"),
        ["arn:aws:dynamodb:*:*:table/broken-table"]
    );
    // An unknown name is `*` for that segment only, never a bare `*`.
    assert_eq!(
        grants_action(&p, "Typo", "dynamodb:GetItem"),
        ["arn:aws:dynamodb:*:*:table/*"]
    );
    assert!(!grants_action(&p, "Misnamed", "s3:ListAllMyBuckets").is_empty());
}

#[test]
fn yaml_syntax_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("template.yaml");
    std::fs::write(
        &t,
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n",
    )
    .unwrap();
    let out = leastpriv(&["generate", t.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("template.yaml:") && err.contains("not valid YAML or JSON"),
        "{err}"
    );
    let line = err
        .split("template.yaml:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap_or("");
    assert!(line.parse::<u32>().is_ok(), "a line number: {err}");
}

#[test]
fn dot_output_renders_with_graphviz() {
    let out = leastpriv(&["graph", &app("sam"), "--format", "dot"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph leastpriv {"), "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "balanced braces");
    assert!(dot.contains("subgraph cluster_"), "functions are grouped by stack");
    // Render it when Graphviz is installed (CI installs it where apt-get is available).
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return;
    };
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "dot renders it: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert!(String::from_utf8_lossy(&rendered.stdout).contains("<svg"));
}

#[test]
fn mermaid_output_is_a_flowchart_with_subgraphs() {
    let out = leastpriv(&["graph", &app("serverless"), "--format", "mermaid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let m = stdout(&out);
    assert!(m.starts_with("flowchart LR\n"), "{m}");
    assert!(m.contains("subgraph s") && m.contains("orders-service-prod"), "{m}");
    assert!(m.contains("==>|triggers|"), "{m}");
}

#[test]
fn the_graph_answers_who_reaches_a_table() {
    let config = leastpriv::pipeline::Config {
        paths: vec![repo().join(app("sam"))],
        ..Default::default()
    };
    let run = leastpriv::pipeline::run(&config).unwrap();
    let reaching = run.graph.functions_reaching("ItemsTable");
    let names: Vec<&String> = reaching.keys().collect();
    assert_eq!(names, ["ApiFunction", "AuditFunction", "Notifier", "StockWorker"]);
    // What the shared role can touch, and what its functions do touch.
    let grants = run.graph.role_grants("inventory-prod-LegacyRole-*");
    assert!(grants["*"].contains("dynamodb:*"), "{grants:?}");
    let reaches = run.graph.role_reaches("inventory-prod-LegacyRole-*");
    assert!(
        reaches.contains_key("arn:aws:dynamodb:*:*:table/inventory-prod-items"),
        "{reaches:?}"
    );
}

#[test]
fn hcl_syntax_errors_name_the_line_and_other_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fn")).unwrap();
    std::fs::write(
        dir.path().join("fn/app.py"),
        "import boto3\n\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.eu-west-1.amazonaws.com/1/jobs', MessageBody='x')\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"jobs\"\n  oops = = 1\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "data \"archive_file\" \"fn\" {\n  type = \"zip\"\n  source_dir = \"${path.module}/fn\"\n  output_path = \"fn.zip\"\n}\n\nresource \"aws_lambda_function\" \"fn\" {\n  function_name = \"jobs-producer\"\n  filename = data.archive_file.fn.output_path\n  handler = \"app.handler\"\n  runtime = \"python3.12\"\n  role = \"arn:aws:iam::123456789012:role/producer\"\n}\n",
    )
    .unwrap();
    let out = leastpriv(&["generate", dir.path().to_str().unwrap(), "--format", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("broken.tf:3: not valid HCL"), "{err}");
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let doc = if p.get("Statement").is_some() {
        p.clone()
    } else {
        p["jobs-producer"].clone()
    };
    let text = doc.to_string();
    assert!(
        text.contains("arn:aws:sqs:*:*:jobs") || text.contains("arn:aws:sqs:eu-west-1:1:jobs"),
        "{text}"
    );
}

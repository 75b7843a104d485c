//! Integration tests of `leastpriv diff`: the real binary on the example app and on
//! fixtures, against template roles, policy files, live IAM (moto's server on
//! 127.0.0.1, started here) and a git revision (`--base`).

mod common;

use common::{function, json, leastpriv, leastpriv_env, repo, stderr, stdout};

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn actions(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shop_missing_and_excess_of_its_over_broad_roles() {
    let out = leastpriv(&["diff", "examples/shop", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    let sync = function(&v, "CatalogSync");
    assert_eq!(actions(&sync["missing"]), vec!["dynamodb:Scan"]);
    assert_eq!(
        sync["missing"][0]["resource"],
        "arn:aws:dynamodb:*:*:table/shop-prod-products"
    );
    assert_eq!(sync["missing"][0]["evidence"][0]["line"], 32);
    // AmazonS3ReadOnlyAccess: wildcard grants, once each, with counts.
    let s3get = sync["excess"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "s3:Get*")
        .expect("s3:Get* is excess");
    assert!(s3get["count"].as_u64().unwrap() > 30, "{s3get}");
    assert_eq!(s3get["needed"], serde_json::json!(["s3:GetObject"]));
    // The shared hand-written role: dynamodb:*, s3:*, sqs:* are excess for both users.
    for name in ["FulfillmentWorker", "NightlyReport"] {
        let f = function(&v, name);
        let excess = actions(&f["excess"]);
        for wild in ["dynamodb:*", "s3:*", "sqs:*"] {
            assert!(excess.contains(&wild.to_string()), "{name}: {excess:?}");
        }
        assert!(!f["broader"].as_array().unwrap().is_empty());
    }
    assert!(function(&v, "NightlyReport")["missing"].as_array().unwrap().is_empty());
    // The fulfillment queue is encrypted with the shop's own key, which no role grants:
    // its consumer (through the event source mapping) and its producer would break.
    let missing = |name: &str| -> Vec<(String, String, String)> {
        function(&v, name)["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["action"].as_str().unwrap().to_string(),
                    m["resource"].as_str().unwrap().to_string(),
                    m["when"]["value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let key = "arn:aws:kms:*:*:key/*".to_string();
    let via_sqs = "sqs.*.amazonaws.com".to_string();
    assert_eq!(
        missing("FulfillmentWorker"),
        [("kms:Decrypt".into(), key.clone(), via_sqs.clone())]
    );
    assert_eq!(
        missing("OrdersApi"),
        [
            ("kms:Decrypt".into(), key.clone(), via_sqs.clone()),
            ("kms:GenerateDataKey".into(), key.clone(), via_sqs)
        ]
    );
    assert_eq!(
        missing("ReceiptMailer"),
        [("kms:Decrypt".into(), key, "secretsmanager.*.amazonaws.com".into())]
    );
    // NightlyReport can publish order events it never publishes.
    let nightly = function(&v, "NightlyReport");
    assert!(actions(&nightly["excess"]).contains(&"sns:Publish".to_string()));
    // DynamoDBCrudPolicy: the CRUD actions OrdersApi never uses.
    let orders = actions(&function(&v, "OrdersApi")["excess"]);
    for a in [
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ] {
        assert!(orders.contains(&a.to_string()), "{orders:?}");
    }
    // S3ReadPolicy: the four read actions ReceiptMailer does not need.
    let mailer = actions(&function(&v, "ReceiptMailer")["excess"]);
    for a in [
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObjectVersion",
        "s3:GetLifecycleConfiguration",
    ] {
        assert!(mailer.contains(&a.to_string()), "{mailer:?}");
    }
    assert!(!mailer.contains(&"s3:GetObject".to_string()));
}

#[test]
fn fail_on_sets_the_exit_status() {
    let excess = leastpriv(&["diff", "examples/shop", "--fail-on", "excess", "--format", "json"]);
    assert_eq!(excess.status.code(), Some(1), "{}", stderr(&excess));
    let missing = leastpriv(&["diff", "examples/shop", "--fail-on", "missing", "--format", "json"]);
    assert_eq!(missing.status.code(), Some(1));
    let any = leastpriv(&["diff", "examples/shop", "--fail-on", "any"]);
    assert_eq!(any.status.code(), Some(1));
    let bad = leastpriv(&["diff", "examples/shop", "--current", "no/such/policy.json"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn snapshots_of_every_format() {
    let md = leastpriv(&["diff", "examples/shop"]);
    assert!(md.status.success(), "{}", stderr(&md));
    snapshot!("diff", "shop.md", stdout(&md));
    let js = leastpriv(&["diff", "examples/shop", "--format", "json"]);
    snapshot!("diff", "shop.json", stdout(&js));
    let sarif = leastpriv(&["diff", "examples/shop", "--format", "sarif"]);
    snapshot!("diff", "shop.sarif", stdout(&sarif));
}

/// What generate writes, diffed as today's policy, has nothing missing or in excess:
/// every generated policy passes the evaluator.
#[test]
fn generated_policies_pass_the_evaluator() {
    let dir = tempfile::tempdir().unwrap();
    for app in ["examples/shop", "tests/fixtures/diff/inline-app", ENCRYPTED] {
        let policies = dir.path().join("policies");
        let gen_out = leastpriv(&[
            "generate",
            app,
            "--format",
            "policy",
            "--out",
            policies.to_str().unwrap(),
        ]);
        assert!(gen_out.status.success(), "{}", stderr(&gen_out));
        let out = leastpriv(&[
            "diff",
            app,
            "--current",
            policies.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "any",
        ]);
        assert_eq!(out.status.code(), Some(0), "{app}: {}", stdout(&out));
        let v = json(&out);
        for f in v["functions"].as_array().unwrap() {
            assert_eq!(f["current"], "complete", "{f}");
            // Conditioned statements (kms:ViaService) are decided, not left open.
            assert!(f.get("conditional").is_none(), "{app}: {f}");
        }
        std::fs::remove_dir_all(&policies).unwrap();
    }
}

#[test]
fn inline_statements_sam_templates_and_managed_policies() {
    let out = leastpriv(&["diff", "tests/fixtures/diff/inline-app", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let reader = function(&v, "Reader");
    // DynamoDBReadPolicy grants GetItem, not PutItem.
    assert_eq!(actions(&reader["missing"]), vec!["dynamodb:PutItem"]);
    assert_eq!(reader["missing"][0]["evidence"][0]["line"], 11);
    let excess = actions(&reader["excess"]);
    assert!(excess.contains(&"dynamodb:Scan".to_string()), "{excess:?}");
    // The managed policy by bare name, from the embedded documents.
    assert!(excess.contains(&"sqs:ListQueues".to_string()), "{excess:?}");
    // The inline grant is exact: no broader entry for s3:GetObject, and the deny is not
    // a grant.
    assert!(!actions(&reader["broader"]).contains(&"s3:GetObject".to_string()));
    assert!(!excess.contains(&"s3:DeleteObject".to_string()));
    // A role defined elsewhere: said, not compared.
    let ghost = function(&v, "Ghost");
    assert_eq!(ghost["current"], "unknown");
    assert_eq!(ghost["warnings"][0]["code"], "current-unknown");
    assert!(stderr(&out).contains("[current-unknown]"));
}

#[test]
fn sarif_validates_against_the_schema() {
    let out = leastpriv(&["diff", "examples/shop", "--format", "sarif"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let missing = results.iter().find(|r| r["ruleId"] == "missing-permission").unwrap();
    let place = &missing["locations"][0]["physicalLocation"];
    assert_eq!(
        place["artifactLocation"]["uri"],
        "examples/shop/src/catalog-sync/lib/products.js"
    );
    assert_eq!(place["region"]["startLine"], 32);
    let wildcard = results
        .iter()
        .find(|r| r["ruleId"] == "wildcard-grant" && r["message"]["text"].as_str().unwrap().starts_with("dynamodb:*"))
        .unwrap();
    let line = wildcard["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap();
    let template = std::fs::read_to_string(repo().join("examples/shop/template.yaml")).unwrap();
    assert!(template.lines().nth(line as usize - 1).unwrap().contains("dynamodb:*"));

    let check = Command::new("python3").args(["-c", "import jsonschema"]).output();
    if !check.is_ok_and(|o| o.status.success()) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: SARIF schema validation needs python3 with jsonschema (pip install jsonschema)");
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("diff.sarif");
    std::fs::write(&doc, &out.stdout).unwrap();
    let schema = repo().join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  doc = json.load(open(sys.argv[2]))\n\
                  jsonschema.Draft4Validator(schema).validate(doc)\n";
    let v = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&doc)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "SARIF is not valid: {}",
        String::from_utf8_lossy(&v.stderr)
    );
}

// ---------------------------------------------------------------- git --base

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const BASE_TEMPLATE: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: !Ref Table
          QUEUE_URL: !Ref Queue
      Policies:
        - DynamoDBReadPolicy:
            TableName: !Ref Table
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: jobs
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs-done
";

const BASE_CODE: &str = "import os\n\nimport boto3\n\ntable = boto3.resource(\"dynamodb\").Table(os.environ[\"TABLE\"])\n\n\ndef handler(event, context):\n    return table.get_item(Key={\"id\": event[\"id\"]})\n";

const CHANGED_CODE: &str = "import os\n\nimport boto3\n\ntable = boto3.resource(\"dynamodb\").Table(os.environ[\"TABLE\"])\nsqs = boto3.client(\"sqs\")\n\n\ndef handler(event, context):\n    item = table.get_item(Key={\"id\": event[\"id\"]})\n    sqs.send_message(QueueUrl=os.environ[\"QUEUE_URL\"], MessageBody=\"done\")\n    return item\n";

#[test]
fn base_reports_only_what_the_change_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("src/worker")).unwrap();
    std::fs::write(d.join("template.yaml"), BASE_TEMPLATE).unwrap();
    std::fs::write(d.join("src/worker/app.py"), BASE_CODE).unwrap();
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "worker reads jobs"]);
    std::fs::write(d.join("src/worker/app.py"), CHANGED_CODE).unwrap();
    git(d, &["commit", "-q", "-am", "worker announces done jobs"]);

    let out = leastpriv_env(
        d,
        &[
            "diff",
            ".",
            "--base",
            "HEAD~1",
            "--format",
            "json",
            "--fail-on",
            "missing",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_eq!(v["base"], "HEAD~1");
    let worker = function(&v, "Worker");
    let added = &worker["changes"]["added"];
    assert_eq!(actions(added), vec!["sqs:SendMessage"]);
    assert_eq!(added[0]["evidence"][0]["line"], 11);
    assert!(worker["changes"]["removed"].as_array().unwrap().is_empty());
    // The new call is not granted; the old excess of DynamoDBReadPolicy is not news.
    assert_eq!(actions(&worker["missing"]), vec!["sqs:SendMessage"]);
    assert!(worker["excess"].as_array().unwrap().is_empty(), "{}", worker["excess"]);
    let md = leastpriv_env(d, &["diff", ".", "--base", "HEAD~1"], &[]);
    assert!(md.status.success(), "{}", stderr(&md));
    snapshot!("diff", "base.md", stdout(&md));

    // The same revision: nothing changed.
    let same = leastpriv_env(
        d,
        &["diff", ".", "--base", "HEAD", "--format", "json", "--fail-on", "any"],
        &[],
    );
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(json(&same)["functions"].as_array().unwrap().is_empty());

    let bad = leastpriv_env(d, &["diff", ".", "--base", "no-such-ref"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("no-such-ref"), "{}", stderr(&bad));
}

// ---------------------------------------------------------------- live IAM (moto)

/// moto's server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Result<Moto, String> {
        let ok = Command::new("python3")
            .args(["-c", "import moto.server, boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Err("python3 with moto[server] is not installed (pip install 'moto[server]==5.2.1')".into());
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(60) {
                return Err("moto's server did not start in 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(moto)
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/leastpriv-test-config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/leastpriv-test-credentials"),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds moto with the CatalogSync function, its role (inline policy, AWS managed
/// policies, a permissions boundary without X-Ray) through boto3.
const SEED: &str = r#"
import io, json, sys, zipfile
import boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
iam = boto3.client("iam", **kw)
lam = boto3.client("lambda", **kw)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
boundary = iam.create_policy(PolicyName="shop-boundary", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
     "Action": ["dynamodb:*", "s3:*", "logs:*"], "Resource": "*"}]}))["Policy"]["Arn"]
role = iam.create_role(RoleName="shop-catalog-sync", Path="/service-role/",
                       AssumeRolePolicyDocument=json.dumps(trust),
                       PermissionsBoundary=boundary)["Role"]["Arn"]
iam.put_role_policy(RoleName="shop-catalog-sync", PolicyName="products-write", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Sid": "Upserts", "Effect": "Allow",
     "Action": ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
     "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/shop-prod-products"}]}))
for arn in ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]:
    iam.attach_role_policy(RoleName="shop-catalog-sync", PolicyArn=arn)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.js", "exports.handler = async () => {};")
lam.create_function(FunctionName="shop-prod-CatalogSync-AbC123", Runtime="nodejs18.x", Role=role,
                    Handler="index.handler", Code={"ZipFile": buf.getvalue()})
"#;

#[test]
fn live_roles_through_iam_and_lambda() {
    let moto = match Moto::start() {
        Ok(m) => m,
        Err(why) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipped: {why}");
            }
            return;
        }
    };
    let seeded = Command::new("python3")
        .args(["-c", SEED, &moto.endpoint])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "seed: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let out = leastpriv_env(
        &repo(),
        &["diff", "examples/shop", "--current", "iam", "--format", "json"],
        &moto.env(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["current"], "iam");
    let sync = function(&v, "CatalogSync");
    assert_eq!(sync["current"], "complete", "{sync}");
    assert_eq!(
        sync["role"],
        "arn:aws:iam::123456789012:role/service-role/shop-catalog-sync"
    );
    assert_eq!(
        sync["permissions_boundary"],
        "arn:aws:iam::123456789012:policy/shop-boundary"
    );
    let policies: Vec<&str> = sync["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(policies.contains(&"shop-catalog-sync/products-write"), "{policies:?}");
    assert!(policies.contains(&"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
    // Scan is not granted; X-Ray is granted by a policy but not by the boundary.
    let missing = actions(&sync["missing"]);
    assert_eq!(
        missing,
        vec!["dynamodb:Scan", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        "{}",
        sync["missing"]
    );
    // The inline policy arrived URL-encoded and was decoded: its PutItem is excess.
    assert!(
        sync["excess"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "dynamodb:PutItem" && e["granted_by"] == "shop-catalog-sync/products-write/Upserts"),
        "{}",
        sync["excess"]
    );
    // Functions that are not deployed are said, not compared.
    let orders = function(&v, "OrdersApi");
    assert_eq!(orders["current"], "unknown");
    assert!(stderr(&out).contains("no deployed Lambda function is named shop-prod-OrdersApi-*"));
    assert!(stderr(&out).contains("[permissions-boundary]"));
}

#[test]
fn live_without_an_endpoint_is_unreadable_input() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("AWS_CONFIG_FILE", "/nonexistent/leastpriv-test-config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/leastpriv-test-credentials"),
    ];
    let out = leastpriv_env(&repo(), &["diff", "examples/shop", "--current", "iam"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach AWS"), "{}", stderr(&out));
}

const ENCRYPTED: &str = "tests/fixtures/apps/encrypted-sam";

/// `diff ENCRYPTED --current FILE --format json` with one policy document as FILE.
fn diff_encrypted(current: &serde_json::Value) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("current.json");
    std::fs::write(&file, current.to_string()).unwrap();
    let out = leastpriv(&[
        "diff",
        ENCRYPTED,
        "--current",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    function(&json(&out), "VaultFunction").clone()
}

/// The `kms:` entries of a list, as `action when-value`.
fn kms(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["action"].as_str().is_some_and(|x| x.starts_with("kms:")))
                .map(|e| {
                    format!(
                        "{} {}",
                        e["action"].as_str().unwrap(),
                        e["when"]["value"].as_str().unwrap_or("-")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Keys that services use on the function's behalf are needed under `kms:ViaService`:
/// a grant without condition covers them, a grant through the same service does too,
/// a grant through another service does not, and is never needed.
#[test]
fn needs_through_a_service_against_conditioned_grants() {
    let everything = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let f = diff_encrypted(&everything);
    assert!(
        kms(&f["missing"]).is_empty() && kms(&f["conditional"]).is_empty(),
        "{f}"
    );

    let through = |services: &[&str]| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "All", "Effect": "Allow", "NotAction": "kms:*", "Resource": "*"},
            {"Sid": "Kms", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
             "Condition": {"StringLike": {"kms:ViaService": services.iter().map(|s| format!("{s}.*.amazonaws.com")).collect::<Vec<_>>()}}}]})
    };
    let f = diff_encrypted(&through(&["sqs", "s3"]));
    let missing = kms(&f["missing"]);
    assert!(
        missing.contains(&"kms:Decrypt dynamodb.*.amazonaws.com".to_string()),
        "{missing:?}"
    );
    assert!(
        !missing.iter().any(|m| m.contains("sqs.") || m.contains("s3.")),
        "{missing:?}"
    );
    assert!(kms(&f["conditional"]).is_empty(), "{f}");
    assert!(
        !f["excess"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["granted_by"] == "current.json/Kms"),
        "a conditioned grant conditioned needs use is not excess: {f}"
    );

    let f = diff_encrypted(&through(&["sns"]));
    assert!(kms(&f["missing"]).iter().any(|m| m.contains("sqs.")), "{f}");
    assert!(
        f["excess"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "kms:Decrypt" && e["granted_by"] == "current.json/Kms"),
        "nothing asks through SNS: {f}"
    );
}

//! Several handlers in one file: each function's policy covers only the code its handler
//! reaches. Serverless and SAM apps in Python, JavaScript (SDK v2 and v3, ESM and
//! CommonJS) and TypeScript whose functions share a handler file and helper modules;
//! one policy snapshot per function, the chains `explain` shows, the warnings for a
//! handler chosen at run time, and the graph's handler-to-code edges.

mod common;

use std::collections::BTreeSet;

use common::{function, json, leastpriv, stderr, stdout};
use serde_json::Value;

const APPS: &[&str] = &["sls-node", "sls-ts", "sam-python", "sam-node", "sls-python"];

fn app(name: &str) -> String {
    format!("tests/fixtures/handlers/{name}")
}

fn report(name: &str) -> Value {
    let out = leastpriv(&["generate", &app(name), "--format", "json"]);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    json(&out)
}

/// The actions a function's policy grants.
fn actions(report: &Value, name: &str) -> BTreeSet<String> {
    function(report, name)["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap().to_string())
        .filter(|a| !a.starts_with("logs:"))
        .collect()
}

/// A Serverless service written to a temporary folder: `functions` as (name, handler),
/// `files` as (path, text); the `generate --format json` report of it.
fn temp_service(runtime: &str, functions: &[(&str, &str)], files: &[(&str, &str)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut yml = format!("service: s\nprovider:\n  name: aws\n  runtime: {runtime}\nfunctions:\n");
    for (name, handler) in functions {
        yml.push_str(&format!("  {name}:\n    handler: {handler}\n"));
    }
    std::fs::write(dir.path().join("serverless.yml"), yml).unwrap();
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    let out = leastpriv(&["generate", dir.path().to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_functions_policy_is_snapshotted() {
    for name in APPS {
        let out = leastpriv(&["generate", &app(name), "--format", "policy"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let policies: Value = serde_json::from_slice(&out.stdout).unwrap();
        let functions = policies.as_object().expect("one policy per function");
        assert!(functions.len() >= 3, "{name}: {functions:?}");
        for (function, policy) in functions {
            snapshot!(
                "handlers",
                format!("{name}_{function}"),
                serde_json::to_string_pretty(policy).unwrap()
            );
        }
    }
}

#[test]
fn serverless_commonjs_handlers_get_only_what_they_reach() {
    let r = report("sls-node");
    assert_eq!(actions(&r, "createMember"), set(&["dynamodb:PutItem", "s3:PutObject"]));
    assert_eq!(actions(&r, "getMember"), set(&["dynamodb:GetItem"]));
    assert_eq!(
        actions(&r, "removeMember"),
        set(&["dynamodb:DeleteItem", "s3:DeleteObject", "sns:Publish"])
    );
    assert_eq!(actions(&r, "listMembers"), set(&["dynamodb:Scan"]));
}

#[test]
fn typescript_exports_classes_and_aliases_are_followed() {
    let r = report("sls-ts");
    assert_eq!(actions(&r, "issue"), set(&["dynamodb:PutItem"]));
    assert_eq!(actions(&r, "listInvoices"), set(&["dynamodb:Query"]));
    let archive = set(&["dynamodb:Query", "dynamodb:DeleteItem", "s3:PutObject"]);
    assert_eq!(actions(&r, "archive"), archive, "export {{ impl as archive }}");
    assert_eq!(actions(&r, "nightly"), archive, "export default");
    assert_eq!(
        actions(&r, "reindex"),
        set(&["es:StartServiceSoftwareUpdate"]),
        "export * from: only the re-exported handler, not its neighbour `drain`"
    );
}

#[test]
fn python_handlers_behind_powertools_decorators_and_executors() {
    let r = report("sam-python");
    assert_eq!(actions(&r, "RecordEntry"), set(&["dynamodb:PutItem"]));
    assert_eq!(
        actions(&r, "PurgeEntries"),
        set(&["dynamodb:Query", "dynamodb:BatchWriteItem"])
    );
    assert_eq!(actions(&r, "ExportReport"), set(&["dynamodb:Query", "s3:PutObject"]));
}

#[test]
fn a_method_call_does_not_reach_a_handler_of_the_same_name() {
    // Every handler calls `event.get(...)`; none but `get` reads an item.
    let r = report("sls-python");
    assert_eq!(actions(&r, "create"), set(&["dynamodb:PutItem"]));
    assert_eq!(actions(&r, "get"), set(&["dynamodb:GetItem"]));
    assert_eq!(actions(&r, "list"), set(&["dynamodb:Scan"]));
    assert_eq!(actions(&r, "delete"), set(&["dynamodb:DeleteItem"]));
}

#[test]
fn express_routes_count_for_the_app_and_a_computed_job_for_every_export() {
    let r = report("sam-node");
    assert_eq!(actions(&r, "Api"), set(&["dynamodb:GetItem", "dynamodb:PutItem"]));
    assert_eq!(actions(&r, "QueueWorker"), set(&["sqs:DeleteMessage"]));
    assert_eq!(
        actions(&r, "JobRunner"),
        set(&["sns:Publish", "cloudwatch:PutMetricData"])
    );
    let warnings = function(&r, "JobRunner")["warnings"].to_string();
    assert!(warnings.contains("dynamic-dispatch"), "{warnings}");
    assert!(warnings.contains("jobs[event.job]"), "{warnings}");
    assert!(
        !function(&r, "Api")["warnings"].to_string().contains("dynamic-dispatch"),
        "the warning belongs to the handler that dispatches"
    );
}

#[test]
fn explain_shows_the_chain_from_the_handler_to_the_call() {
    let out = leastpriv(&["explain", "removeMember", "sns:Publish", &app("sls-node")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "via         module.exports.remove (tests/fixtures/handlers/sls-node/src/members.js:23) → \
             module.exports.record (tests/fixtures/handlers/sls-node/lib/audit.js:6) → \
             sns.publish (tests/fixtures/handlers/sls-node/lib/audit.js:7)"
        ),
        "{text}"
    );
    let out = leastpriv(&["explain", "createMember", "dynamodb:PutItem", &app("sls-node")]);
    let text = stdout(&out);
    assert!(
        text.contains("via         create (tests/fixtures/handlers/sls-node/src/members.js:19) → createImpl"),
        "{text}"
    );
}

#[test]
fn the_report_evidence_carries_the_path() {
    let r = report("sam-python");
    let permissions = function(&r, "ExportReport")["permissions"].as_array().unwrap().clone();
    let put = permissions.iter().find(|p| p["action"] == "s3:PutObject").unwrap();
    let path: Vec<&str> = put["evidence"][0]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["export_report", "_export_one", "upload_rows"]);
}

#[test]
fn a_handler_the_file_does_not_define_warns_and_takes_every_handler() {
    let r = temp_service(
        "python3.12",
        &[("missing", "app.nothing_here")],
        &[(
            "app.py",
            "import boto3\n\ns3 = boto3.client('s3')\n\n\ndef one(event, context):\n    s3.get_object(Bucket='b', Key='k')\n\n\ndef two(event, context):\n    s3.put_object(Bucket='b', Key='k', Body=b'')\n",
        )],
    );
    assert_eq!(actions(&r, "missing"), set(&["s3:GetObject", "s3:PutObject"]));
    let warnings = function(&r, "missing")["warnings"].to_string();
    assert!(
        warnings.contains("handler `nothing_here` is not defined in"),
        "{warnings}"
    );
}

#[test]
fn code_no_handler_reaches_is_possible_not_granted() {
    let r = temp_service(
        "nodejs20.x",
        &[("main", "index.main")],
        &[(
            "index.js",
            "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\n\nfunction leftover() {\n  return s3.deleteBucket({ Bucket: 'b' }).promise();\n}\n\nexports.main = async () => s3.getObject({ Bucket: 'b', Key: 'k' }).promise();\n",
        )],
    );
    assert_eq!(actions(&r, "main"), set(&["s3:GetObject"]));
    let possible = function(&r, "main")["possible"].to_string();
    assert!(possible.contains("s3:DeleteBucket"), "{possible}");
    assert!(possible.contains("the handler does not reach"), "{possible}");
}

#[test]
fn a_warning_about_a_neighbours_code_stays_with_the_neighbour() {
    let r = temp_service(
        "nodejs20.x",
        &[("tidy", "index.tidy"), ("dynamic", "index.dynamic")],
        &[(
            "index.js",
            "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\n\nexports.tidy = async () => s3.getObject({ Bucket: 'b', Key: 'k' }).promise();\n\nexports.dynamic = async (event) => {\n  return s3[event.op]({ Bucket: 'b' }).promise();\n};\n",
        )],
    );
    let dynamic = function(&r, "dynamic")["warnings"].to_string();
    assert!(dynamic.contains("unresolved-sdk-call"), "{dynamic}");
    let tidy = function(&r, "tidy")["warnings"].to_string();
    assert!(!tidy.contains("unresolved-sdk-call"), "{tidy}");
}

#[test]
fn one_call_place_reached_many_ways_is_one_piece_of_evidence() {
    // A bundle's one line holds many functions, each reached its own way.
    let dir = tempfile::tempdir().unwrap();
    let mut line = String::from("const AWS=require('aws-sdk');const s3=new AWS.S3();");
    for i in 0..50 {
        line.push_str(&format!(
            "function f{i}(k){{return s3.getObject({{Bucket:'b',Key:k}}).promise()}}"
        ));
    }
    std::fs::write(dir.path().join("index.js"), line).unwrap();
    let r = json(&leastpriv(&[
        "generate",
        dir.path().join("index.js").to_str().unwrap(),
        "--format",
        "json",
    ]));
    let permissions = r["functions"][0]["permissions"].as_array().unwrap().clone();
    let get = permissions.iter().find(|p| p["action"] == "s3:GetObject").unwrap();
    assert_eq!(get["evidence"].as_array().unwrap().len(), 1, "{get}");
}

#[test]
fn the_graph_links_each_handler_to_the_code_it_reaches() {
    let out = leastpriv(&["graph", &app("sls-node"), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let g = json(&out);
    let edges: Vec<&Value> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reaches")
        .collect();
    let targets = |from: &str| -> BTreeSet<String> {
        edges
            .iter()
            .filter(|e| e["from"].as_str().unwrap().ends_with(from))
            .map(|e| e["to"].as_str().unwrap().to_string())
            .collect()
    };
    let remove = targets("removeMember");
    assert!(
        remove.iter().any(|t| t.contains("audit.js") && t.contains("record")),
        "{remove:?}"
    );
    let get = targets("getMember");
    assert!(get.iter().all(|t| !t.contains("audit.js")), "{get:?}");
    assert!(get.iter().any(|t| t.contains("readMember")), "{get:?}");
}

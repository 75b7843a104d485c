//! Integration tests: the real binary, driven as a user runs it.

mod common;

use common::{json, leastpriv, stderr, stdout};

#[test]
fn help_lists_every_command() {
    let out = leastpriv(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for cmd in ["generate", "diff", "graph", "explain", "catalog"] {
        assert!(text.contains(cmd), "--help lists {cmd}: {text}");
    }
    let gen_help = stdout(&leastpriv(&["generate", "--help"]));
    for flag in [
        "--cloudtrail",
        "--since",
        "--until",
        "--account",
        "--region",
        "--partition",
        "--env",
        "--format",
        "--out",
    ] {
        assert!(gen_help.contains(flag), "generate --help lists {flag}");
    }
    let diff_help = stdout(&leastpriv(&["diff", "--help"]));
    for flag in ["--current", "--fail-on", "--format"] {
        assert!(diff_help.contains(flag), "diff --help lists {flag}");
    }
}

#[test]
fn catalog_stats_cover_every_botocore_service() {
    let out = leastpriv(&["catalog", "stats", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["services"].as_u64().unwrap() > 400, "{v}");
    assert!(v["operations"].as_u64().unwrap() > 18_000, "{v}");
    assert!(v["actions"].as_u64().unwrap() > 20_000, "{v}");
}

/// The reviewed exceptions answer the same in all three name forms.
#[test]
fn catalog_lookup_exceptions_in_every_name_form() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "s3",
            &["ListObjectsV2", "list_objects_v2", "listObjectsV2"],
            &["s3:ListBucket"],
        ),
        (
            "s3",
            &["ListObjects", "list_objects", "listObjects"],
            &["s3:ListBucket"],
        ),
        ("s3", &["HeadObject", "head_object", "headObject"], &["s3:GetObject"]),
        ("s3", &["HeadBucket", "head_bucket", "headBucket"], &["s3:ListBucket"]),
        ("lambda", &["Invoke", "invoke", "invoke"], &["lambda:InvokeFunction"]),
        (
            "lambda",
            &[
                "InvokeWithResponseStream",
                "invoke_with_response_stream",
                "invokeWithResponseStream",
            ],
            &["lambda:InvokeFunction"],
        ),
        (
            "sts",
            &["GetCallerIdentity", "get_caller_identity", "getCallerIdentity"],
            &[],
        ),
        ("sesv2", &["SendEmail", "send_email", "sendEmail"], &["ses:SendEmail"]),
        (
            "sqs",
            &["SendMessageBatch", "send_message_batch", "sendMessageBatch"],
            &["sqs:SendMessage"],
        ),
        (
            "sns",
            &["PublishBatch", "publish_batch", "publishBatch"],
            &["sns:Publish"],
        ),
    ];
    for (service, names, actions) in cases {
        for name in *names {
            let arg = format!("{service}.{name}");
            let out = leastpriv(&["catalog", "lookup", &arg, "--format", "json"]);
            assert!(out.status.success(), "{arg}: {}", stderr(&out));
            let v = json(&out);
            let got: Vec<&str> = v["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a.as_str())
                .collect();
            assert_eq!(&got, actions, "{arg}");
            assert_eq!(v["service"], *service);
        }
    }
}

#[test]
fn catalog_lookup_names_resource_members() {
    let v = json(&leastpriv(&["catalog", "lookup", "s3.GetObject", "--format", "json"]));
    let res = v["resources"].as_array().unwrap();
    let object = res.iter().find(|r| r["type"] == "object").expect("object resource");
    assert_eq!(object["arn"], "arn:${Partition}:s3:::${BucketName}/${ObjectName}");
    assert_eq!(object["from"], serde_json::json!(["Bucket", "Key"]));
}

#[test]
fn catalog_lookup_of_unknown_names_is_a_usage_error() {
    let out = leastpriv(&["catalog", "lookup", "s3.NoSuchThing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("s3 has no operation NoSuchThing"),
        "{}",
        stderr(&out)
    );
    let out = leastpriv(&["catalog", "lookup", "nosuchservice.Get"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_example_json_report() {
    let out = leastpriv(&["generate", "examples/shop", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["version"], 1);
    let functions = v["functions"].as_array().unwrap();
    assert!(functions.len() >= 4);
    for f in functions {
        for key in ["name", "path", "language", "role", "policy", "permissions", "warnings"] {
            assert!(f.get(key).is_some(), "function has {key}: {f}");
        }
        assert!(
            !f["permissions"].as_array().unwrap().is_empty(),
            "{} needs permissions",
            f["name"]
        );
    }
    snapshot!("cli", "generate_shop_json", stdout(&out));
}

#[test]
fn generate_example_policy_documents() {
    let out = leastpriv(&[
        "generate",
        "examples/shop",
        "--format",
        "policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    for (_, doc) in v.as_object().unwrap() {
        assert_eq!(doc["Version"], "2012-10-17");
        for s in doc["Statement"].as_array().unwrap() {
            for r in s["Resource"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                assert!(!r.contains("${"), "deployable policies have no placeholders: {r}");
            }
        }
    }
    snapshot!("cli", "generate_shop_policy", stdout(&out));
}

#[test]
fn plain_folder_functions_are_its_subfolders() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("billing");
    let b = dir.path().join("notes");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(b.join("node_modules/aws-sdk")).unwrap();
    std::fs::write(a.join("app.py"), "import boto3\nsqs = boto3.client('sqs')\n").unwrap();
    std::fs::write(b.join("index.js"), "exports.handler = async () => 1;\n").unwrap();
    std::fs::write(b.join("node_modules/aws-sdk/index.js"), "module.exports = {};\n").unwrap();
    let out = leastpriv(&["generate", dir.path().to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let names: Vec<&str> = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["billing", "notes"]);
}

#[test]
fn single_file_is_one_function_named_after_its_stem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resize_image.py");
    std::fs::write(&file, "import boto3\n").unwrap();
    let v = json(&leastpriv(&["generate", file.to_str().unwrap()]));
    assert_eq!(v["functions"][0]["name"], "resize_image");
    assert_eq!(v["functions"][0]["language"], "python");
}

#[test]
fn missing_path_is_bad_input() {
    let out = leastpriv(&["generate", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no/such/folder: no such file or folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn out_dir_gets_one_file_per_function() {
    let dir = tempfile::tempdir().unwrap();
    let out = leastpriv(&[
        "generate",
        "examples/shop",
        "--format",
        "policy",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.iter().all(|f| f.ends_with(".policy.json")), "{files:?}");
    assert!(files.len() >= 4);
}

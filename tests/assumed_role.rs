//! Calls made with assumed-role credentials: the real binary lists them apart (JSON
//! `assumed_role_calls`, Markdown, explain) and keeps them out of the function's policy,
//! while the `sts:AssumeRole` call stays in it.

mod common;

use common::leastpriv_offline;

use serde_json::Value;

const APP: &str = "tests/fixtures/python/assumed_role";

#[test]
fn assumed_role_calls_are_reported_apart() {
    let out = leastpriv_offline(&["generate", APP, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &report["functions"][0];
    let actions: Vec<&str> = f["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"sts:AssumeRole"), "{actions:?}");
    assert!(!actions.contains(&"ec2:DescribeInstances"), "{actions:?}");
    let calls = f["assumed_role_calls"].as_array().expect("assumed_role_calls");
    let ec2 = calls
        .iter()
        .find(|c| c["actions"] == serde_json::json!(["ec2:DescribeInstances"]))
        .expect("the member account's describe_instances");
    assert_eq!(ec2["file"], format!("{APP}/handler.py"));
    assert!(ec2["line"].as_u64().unwrap() > 0);

    let md = leastpriv_offline(&["generate", APP, "--format", "markdown"]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("**Calls with assumed-role credentials**"), "{md}");
    assert!(md.contains("`ec2:DescribeInstances`"), "{md}");

    let explain = leastpriv_offline(&["explain", "assumed_role", "ec2:*", APP]);
    let explain = String::from_utf8_lossy(&explain.stdout);
    assert!(explain.contains("calls with assumed-role credentials"), "{explain}");
    assert!(explain.contains("needs ec2:DescribeInstances"), "{explain}");
}

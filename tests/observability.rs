//! What CloudTrail could not show: the real binary on the example app with its trail
//! stripped of data events. A permission only the code asks for is marked
//! `no-data-events` rather than unused, and `diff` marks such grants not observable.

mod common;

use common::{leastpriv_offline, repo};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)))
}

fn trail_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            trail_files(&p, out);
        } else if p.to_string_lossy().ends_with(".json.gz") && !p.to_string_lossy().contains("Digest") {
            out.push(p);
        }
    }
}

/// The example's trail with only its management events, as one plain trail file.
fn management_only_trail(dir: &Path) {
    let mut files = Vec::new();
    trail_files(&repo().join("examples/shop/cloudtrail"), &mut files);
    files.sort();
    let mut records = Vec::new();
    for f in files {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        for r in v["Records"].as_array().unwrap() {
            if r["managementEvent"] == Value::Bool(true) {
                records.push(r.clone());
            }
        }
    }
    assert!(!records.is_empty(), "the example trail has management events");
    let out = dir.join("123456789012_CloudTrail_us-east-1_20261111T0000Z_mgmt.json");
    std::fs::write(out, serde_json::json!({ "Records": records }).to_string()).unwrap();
}

fn permission<'a>(report: &'a Value, function: &str, action: &str) -> &'a Value {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == function)
        .and_then(|f| {
            f["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["action"] == action)
        })
        .unwrap_or_else(|| panic!("{function} needs {action}"))
}

#[test]
fn static_only_data_actions_are_not_observable_without_data_events() {
    let tmp = tempfile::tempdir().unwrap();
    management_only_trail(tmp.path());
    let trail = tmp.path().to_str().unwrap();
    let out = leastpriv_offline(&["generate", "examples/shop", "--cloudtrail", trail, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    let source = &report["cloudtrail"]["sources"][0];
    assert!(source.get("data_events").is_none(), "no data event types: {source}");
    // Seen as a management event: no mark.
    let secret = permission(&report, "ReceiptMailer", "secretsmanager:GetSecretValue");
    assert!(secret["sources"].as_array().unwrap().contains(&"cloudtrail".into()));
    assert!(secret.get("observable").is_none());
    // S3 object reads are data events the trail did not log.
    let get = permission(&report, "ReceiptMailer", "s3:GetObject");
    assert_eq!(get["observable"], "no-data-events");
    assert_eq!(get["sources"], serde_json::json!(["static"]));
    // CloudTrail never records log delivery.
    assert_eq!(
        permission(&report, "ReceiptMailer", "logs:PutLogEvents")["observable"],
        "not-logged"
    );

    let md = leastpriv_offline(&[
        "generate",
        "examples/shop",
        "--cloudtrail",
        trail,
        "--format",
        "markdown",
    ]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("not observable here (a data event"), "{md}");
}

#[test]
fn full_trail_names_its_data_event_types() {
    let out = leastpriv_offline(&[
        "generate",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
        "--format",
        "json",
    ]);
    let report = json(&out);
    let types = &report["cloudtrail"]["sources"][0]["data_events"];
    assert!(types.as_array().unwrap().contains(&"AWS::S3::Object".into()), "{types}");
    assert!(
        permission(&report, "ReceiptMailer", "s3:GetObject")
            .get("observable")
            .is_none()
    );
}

#[test]
fn diff_marks_grants_the_trail_could_not_show() {
    let tmp = tempfile::tempdir().unwrap();
    management_only_trail(tmp.path());
    let trail = tmp.path().to_str().unwrap();
    let out = leastpriv_offline(&["diff", "examples/shop", "--cloudtrail", trail, "--format", "json"]);
    let report = json(&out);
    let excess: Vec<&Value> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["excess"].as_array().into_iter().flatten())
        .collect();
    assert!(!excess.is_empty(), "the example's template grants more than needed");
    // An object action the trail could not have shown in use is judged from the code
    // alone; a bucket management action is not.
    let grant = |action: &str| {
        excess
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} in excess: {excess:?}"))
    };
    assert_eq!(grant("s3:GetObjectVersion")["not_observable"], true);
    assert!(grant("s3:GetBucketLocation").get("not_observable").is_none());

    // With the data events the full trail holds, the same grant is unused, not unobservable.
    let full = leastpriv_offline(&[
        "diff",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
        "--format",
        "json",
    ]);
    let full = json(&full);
    let version = full["functions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["excess"].as_array().into_iter().flatten())
        .find(|e| e["action"] == "s3:GetObjectVersion")
        .expect("s3:GetObjectVersion in excess");
    assert!(version.get("not_observable").is_none(), "{version}");
}

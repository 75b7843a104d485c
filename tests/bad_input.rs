//! Bad input, driven through the real binary: each case asserts the exact one-line
//! message on stderr and the exit code, and that the rest of the run goes on. Large
//! cases are generated into a tempdir by the test itself, never committed.

#![allow(clippy::print_stdout)] // The test output reports times and peak memory.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn leastpriv(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leastpriv"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the leastpriv binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", stdout(o)))
}

/// `generate DIR --format json`, run from `DIR`'s parent so paths in messages are relative.
fn generate(dir: &Path) -> Output {
    let name = dir.file_name().unwrap().to_str().unwrap();
    leastpriv(&["generate", name, "--format", "json"], dir.parent().unwrap())
}

const S3_HANDLER: &str = "import boto3\ns3 = boto3.client(\"s3\")\n\ndef handler(event, context):\n    s3.get_object(Bucket=\"b\", Key=\"k\")\n";

fn actions(report: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["permissions"].as_array().unwrap().iter())
        .map(|p| p["action"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn project(root: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = root.join(name);
    for (rel, bytes) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_empty_folder_is_a_warning_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = generate(&project(tmp.path(), "empty", &[]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "warning: no functions found (no template, and no source files in the given paths)\n"
    );
    assert_eq!(json(&out)["functions"], serde_json::json!([]));
}

#[test]
fn binary_files_named_py_and_js_are_skipped_and_the_rest_analysed() {
    let tmp = tempfile::tempdir().unwrap();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let dir = project(
        tmp.path(),
        "bin",
        &[
            ("app.py", S3_HANDLER.as_bytes()),
            ("blob.py", &noise),
            ("blob.js", &noise),
        ],
    );
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "bin: warning: bin/blob.js: binary file, not source text: not analysed [unreadable-file]\n\
         bin: warning: bin/blob.py: binary file, not source text: not analysed [unreadable-file]\n"
    );
    assert_eq!(actions(&json(&out)), ["s3:GetObject"]);
}

#[test]
fn invalid_utf8_is_replaced_and_the_file_still_analysed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut source = b"# caf\xe9\n".to_vec();
    source.extend_from_slice(S3_HANDLER.as_bytes());
    let dir = project(tmp.path(), "latin1", &[("app.py", &source)]);
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "latin1: warning: latin1/app.py:1: invalid UTF-8: the bad bytes were replaced and the rest analysed [unreadable-file]\n"
    );
    assert_eq!(actions(&json(&out)), ["s3:GetObject"]);
}

#[test]
fn a_50_mb_minified_bundle_is_refused_with_a_warning_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(tmp.path(), "bundle", &[("app.py", S3_HANDLER.as_bytes())]);
    let chunk = b"var a=require(\"@aws-sdk/client-s3\");function f(x){return x+1};";
    let mut file = std::io::BufWriter::new(fs::File::create(dir.join("bundle.js")).unwrap());
    let mut written = 0;
    while written < 50 << 20 {
        file.write_all(chunk).unwrap();
        written += chunk.len();
    }
    file.flush().unwrap();
    drop(file);
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        format!(
            "bundle: warning: bundle/bundle.js: file of {written} bytes is larger than the 8388608-byte limit for hand-written code: not analysed; SDK calls in it are missed [unreadable-file]\n"
        )
    );
    assert_eq!(actions(&json(&out)), ["s3:GetObject"]);
}

/// `open` repeated `depth` times around `inner`, closed again, a line break now and then
/// (so the file does not look minified).
fn nest(open: &str, close: &str, inner: &str, depth: usize) -> String {
    let mut s = String::new();
    for i in 0..depth {
        s.push_str(open);
        if i % 40 == 39 {
            s.push('\n');
        }
    }
    s.push_str(inner);
    s.push_str(&close.repeat(depth));
    s
}

#[test]
fn deeply_nested_python_does_not_overflow_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let source = format!(
        "import boto3\ns3 = boto3.client(\"s3\")\n\ndef handler(event, context):\n    s3.get_object(Bucket={}, Key=\"k\")\n    return {}\n",
        nest("(", ")", "\"b\"", 50_000),
        nest("-(", ")", "1", 50_000),
    );
    let dir = project(tmp.path(), "deep_py", &[("app.py", source.as_bytes())]);
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(actions(&json(&out)), ["s3:GetObject"]);
}

#[test]
fn deeply_nested_javascript_does_not_overflow_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let source = format!(
        "const {{ S3Client, GetObjectCommand }} = require(\"@aws-sdk/client-s3\");\nconst s3 = new S3Client({{}});\nexports.handler = async () => {{\n  await s3.send(new GetObjectCommand({{ Bucket: {}, Key: \"k\" }}));\n  const y = {};\n}};\n",
        nest("(", ")", "\"b\"", 50_000),
        nest("[", "]", "1", 50_000),
    );
    let dir = project(tmp.path(), "deep_js", &[("index.js", source.as_bytes())]);
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The closing brackets make one long line.
    assert_eq!(
        stderr(&out),
        "deep_js: warning: deep_js/index.js: looks minified or bundled: SDK calls inside bundled code may be missed; analyse the sources instead [parse-error]\n"
    );
    assert_eq!(json(&out)["functions"].as_array().unwrap().len(), 1);
}

#[test]
fn deeply_nested_yaml_is_a_template_error_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let template = format!(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n      Tags: {}\n",
        nest("[", "]", "1", 100_000).replace('\n', "")
    );
    let dir = project(tmp.path(), "deep_yaml", &[("template.yaml", template.as_bytes())]);
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "warning: deep_yaml/template.yaml:7: not valid YAML or JSON: nested more than 1000 levels deep [template-error]\n\
         warning: no functions found (no template, and no source files in the given paths)\n"
    );
}

#[test]
fn symlinks_out_of_the_root_and_loops_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = project(
        tmp.path(),
        "outside",
        &[(
            "secret.py",
            b"import boto3\ndef handler(e, c):\n    boto3.client(\"s3\").get_object(Bucket=\"SECRETBUCKET\", Key=\"k\")\n",
        )],
    );
    let source = "import boto3\nimport secret\n\ndef handler(event, context):\n    boto3.client(\"sqs\").send_message(QueueUrl=\"q\", MessageBody=\"m\")\n";
    let dir = project(tmp.path(), "linked", &[("fn/app.py", source.as_bytes())]);
    let fn_dir = dir.join("fn");
    std::os::unix::fs::symlink(outside.join("secret.py"), fn_dir.join("secret.py")).unwrap();
    std::os::unix::fs::symlink(&outside, fn_dir.join("outdir")).unwrap();
    std::os::unix::fs::symlink("..", fn_dir.join("loop")).unwrap();
    std::os::unix::fs::symlink(fn_dir.join("self"), fn_dir.join("self")).unwrap();
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Each link that could hold code is said to be skipped; the self-loop holds none.
    let why = "a symbolic link: not followed by the folder walk (its code counts only where an import inside the repository reaches it) [unsafe-path]";
    assert_eq!(
        stderr(&out),
        format!(
            "warning: linked/fn/loop: {why}\nwarning: linked/fn/outdir: {why}\nwarning: linked/fn/secret.py: {why}\n"
        )
    );
    assert!(!stdout(&out).contains("SECRETBUCKET"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("outside"), "{}", stdout(&out));
    assert_eq!(actions(&json(&out)), ["sqs:SendMessage"]);
}

#[test]
fn an_unreadable_file_is_a_warning_and_the_rest_analysed() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(
        tmp.path(),
        "locked",
        &[("app.py", S3_HANDLER.as_bytes()), ("other.py", b"import boto3\n")],
    );
    fs::set_permissions(dir.join("other.py"), fs::Permissions::from_mode(0o000)).unwrap();
    let out = generate(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(actions(&json(&out)), ["s3:GetObject"]);
    if fs::read(dir.join("other.py")).is_ok() {
        println!("skipped the warning assertion: running as root, a chmod 000 file is still readable");
        return;
    }
    assert!(
        stderr(&out).contains("locked/other.py") && stderr(&out).contains("[unreadable-file]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_sam_template_with_many_functions_completes() {
    // The issue's 10,000 functions: ~15 s in the debug build the tests run, 2.6 s in a
    // release build (it took 44 s before the template's keys, lines and wiring were
    // indexed once per template instead of rescanned per function; BENCHMARKS.md).
    const FUNCTIONS: usize = 10_000;
    let tmp = tempfile::tempdir().unwrap();
    let mut template = String::from("Transform: AWS::Serverless-2016-10-31\nResources:\n");
    for i in 0..FUNCTIONS {
        template.push_str(&format!(
            "  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        ));
    }
    let dir = project(
        tmp.path(),
        "many",
        &[
            ("template.yaml", template.as_bytes()),
            ("src/app.py", S3_HANDLER.as_bytes()),
        ],
    );
    let started = Instant::now();
    let out = generate(&dir);
    println!("{FUNCTIONS} functions: generate took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["functions"].as_array().unwrap().len(), FUNCTIONS);
}

fn diff_current(policy: &str) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "fn", &[("app.py", S3_HANDLER.as_bytes())]);
    fs::write(tmp.path().join("current.json"), policy).unwrap();
    leastpriv(
        &["diff", "fn", "--current", "current.json", "--format", "json"],
        tmp.path(),
    )
}

#[test]
fn every_legal_policy_shape_is_read() {
    let shapes = [
        // Statement as an object, Action and Resource as single strings.
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k"}}"#,
            "complete",
        ),
        // Statement as a list, Action and Resource as lists.
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#,
            "complete",
        ),
        // NotAction and NotResource.
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":["arn:aws:s3:::other/*"]}]}"#,
            "complete",
        ),
        // A condition: the grant is conditional.
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}"#,
            "complete",
        ),
    ];
    for (policy, current) in shapes {
        let out = diff_current(policy);
        assert_eq!(out.status.code(), Some(0), "{policy}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{policy}");
        let report = json(&out);
        let f = &report["functions"][0];
        assert_eq!(f["current"], current, "{policy}");
        assert_eq!(f["missing"], serde_json::json!([]), "{policy}: {f}");
    }
    // An explicit Deny wins over the Allow.
    let out = diff_current(
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    assert_eq!(json(&out)["functions"][0]["missing"][0]["action"], "s3:GetObject");
}

#[test]
fn a_malformed_policy_file_is_one_line_and_exit_2() {
    let cases = [
        (
            "{\"Statement\": 3",
            "error: current.json: not JSON: EOF while parsing an object at line 2 column 0\n",
        ),
        (
            "[1, 2]\n",
            "error: current.json: neither a policy document nor an object of documents keyed by function name\n",
        ),
        // An Effect IAM would refuse: an error, not a statement left out with a warning.
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}"#,
            "error: current.json: statement 1: Effect \"Maybe\" is neither Allow nor Deny\n",
        ),
        (
            r#"{"fn":{"Statement":{"Effect":true,"Action":"s3:GetObject","Resource":"*"}}}"#,
            "error: current.json: fn: statement 0: Effect true is neither Allow nor Deny\n",
        ),
    ];
    for (policy, message) in cases {
        let out = diff_current(&format!("{policy}\n"));
        assert_eq!(out.status.code(), Some(2), "{policy}");
        assert_eq!(stderr(&out), message, "{policy}");
    }
}

/// The size of the large trail file: 64 MiB unless `LEASTPRIV_TRAIL_BYTES` says (`2G`,
/// `512M` or bytes). The issue's 2 GB case, as a user runs it (release build):
/// `LEASTPRIV_TRAIL_BYTES=2G cargo test --release --test bad_input a_large_trail -- --nocapture`
fn trail_bytes() -> usize {
    let Ok(v) = std::env::var("LEASTPRIV_TRAIL_BYTES") else {
        return 64 << 20;
    };
    let v = v.trim();
    let (digits, shift) = match v.as_bytes().last() {
        Some(b'G' | b'g') => (&v[..v.len() - 1], 30),
        Some(b'M' | b'm') => (&v[..v.len() - 1], 20),
        _ => (v, 0),
    };
    digits
        .parse::<usize>()
        .expect("LEASTPRIV_TRAIL_BYTES: a size such as 2G")
        << shift
}

#[test]
fn a_large_trail_file_of_one_record_per_line_streams_in_bounded_memory() {
    // 2 GB takes ~2.7 minutes in the debug build the tests run (13 MB/s on the shared
    // 2-core machine) and ~15 s in a release build; 64 MiB keeps this test near 5 s and
    // still shows that memory is bounded. `trail_bytes` runs the full size.
    let bytes = trail_bytes();
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "utf", &[("app.py", S3_HANDLER.as_bytes())]);
    let record = serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/utf-role/utf",
            "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "utf-role",
                "arn": "arn:aws:iam::123456789012:role/utf-role"}}},
        "eventTime": "2026-11-02T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "awsRegion": "us-east-1", "requestParameters": {"bucketName": "b", "key": "k"}
    })
    .to_string()
        + "\n";
    let mut file = std::io::BufWriter::new(fs::File::create(tmp.path().join("trail.jsonl")).unwrap());
    let records = bytes / record.len();
    for _ in 0..records {
        file.write_all(record.as_bytes()).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_leastpriv"))
        .args(["generate", "utf", "--cloudtrail", "trail.jsonl", "--format", "json"])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    println!(
        "{records} records ({} MiB): peak RSS {} MiB",
        bytes >> 20,
        peak_kb / 1024
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let report = json(&out);
    let evidence = &report["functions"][0]["permissions"][0]["evidence"];
    let trail = evidence
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "cloudtrail")
        .unwrap();
    assert_eq!(trail["count"], records as u64);
    // Memory does not grow with the file (a 200 MB file peaked at 42 MB, this one at
    // ~40 MB: the embedded catalog is most of it).
    assert!(peak_kb < 128 << 10, "peak RSS {peak_kb} kB");
}

#[test]
fn generate_out_writes_only_under_out_and_never_runs_project_code() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = tmp.path().join("ran");
    let canary_text = canary.display().to_string();
    let setup = format!("open({canary_text:?}, 'w').write('setup.py ran')\n");
    let init = format!("open({canary_text:?}, 'w').write('module imported')\n");
    let package = format!(
        "{{\"name\": \"x\", \"scripts\": {{\"preinstall\": \"touch {canary_text}\", \"install\": \"touch {canary_text}\", \"postinstall\": \"touch {canary_text}\", \"build\": \"touch {canary_text}\"}}}}"
    );
    let index = format!(
        "require(\"fs\").writeFileSync({canary_text:?}, \"x\");\nconst {{ S3Client, GetObjectCommand }} = require(\"@aws-sdk/client-s3\");\nconst s3 = new S3Client({{}});\nexports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: \"b\", Key: \"k\" }}));\n"
    );
    let py = format!("import helper\n{S3_HANDLER}");
    let dir = project(
        tmp.path(),
        "proj",
        &[
            ("py/app.py", py.as_bytes()),
            ("py/helper.py", init.as_bytes()),
            ("py/setup.py", setup.as_bytes()),
            ("js/package.json", package.as_bytes()),
            ("js/index.js", index.as_bytes()),
        ],
    );
    let before = listing(tmp.path());
    let out = leastpriv(&["generate", "proj", "--out", "policies"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!canary.exists(), "project code ran");
    let after = listing(tmp.path());
    let new: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
    assert!(!new.is_empty(), "--out wrote nothing");
    assert!(
        new.iter().all(|p| p.starts_with("policies")),
        "written outside --out: {new:?}"
    );
    assert_eq!(listing(&dir), listing_of(&before, "proj"), "the project changed");
}

/// Every path under `root`, relative, sorted.
fn listing(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

fn listing_of(all: &[String], sub: &str) -> Vec<String> {
    all.iter()
        .filter_map(|p| p.strip_prefix(&format!("{sub}/")))
        .map(String::from)
        .collect()
}

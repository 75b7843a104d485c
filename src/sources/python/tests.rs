//! Snapshot tests: one small realistic function per pattern under
//! `tests/fixtures/python/<case>/`, its SdkCalls and warnings snapshotted under
//! `snapshots/python/` in a compact form (hints as `literal${env:NAME}{unknown}`), with
//! paths relative to the fixture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::sources::{CodeFacts, Hint, Piece, SdkCall, Via};

use super::analyze_function;

#[derive(Serialize)]
struct Snapshot {
    files: Vec<String>,
    calls: Vec<CallView>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct CallView {
    at: String,
    call: String,
    op: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    params: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elements: Vec<(String, BTreeMap<String, Vec<String>>)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flags: Vec<&'static str>,
}

/// `uploads/{event["user"]}/${env:SUFFIX}`.
fn render(h: &Hint) -> String {
    h.pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(s) => s.clone(),
            Piece::Env(n) => format!("${{env:{n}}}"),
            Piece::Unknown(r) => format!("{{{r}}}"),
        })
        .collect()
}

fn render_params(params: &BTreeMap<String, Vec<Hint>>) -> BTreeMap<String, Vec<String>> {
    params
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(render).collect()))
        .collect()
}

fn view(root: &Path, c: &SdkCall) -> CallView {
    let mut flags = Vec::new();
    for (on, name) in [
        (c.open_params, "open_params"),
        (c.possible, "possible"),
        (c.foreign_credentials, "foreign_credentials"),
        (c.unreachable, "unreachable"),
    ] {
        if on {
            flags.push(name);
        }
    }
    CallView {
        at: format!("{}:{}", rel(root, &c.file), c.line),
        call: c.call.clone(),
        op: format!("{}.{}", c.service, c.operation),
        via: match &c.via {
            Via::Direct => None,
            Via::Helper(h) => Some(format!("helper {h}")),
            other => Some(format!("{other:?}").to_lowercase()),
        },
        params: render_params(&c.params),
        elements: c
            .elements
            .iter()
            .map(|e| (e.kind.clone(), render_params(&e.params)))
            .collect(),
        flags,
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

fn fixture_root(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(case)
}

/// The fixture's `.py` files, `handler.py` first when present.
fn fixture_files(root: &Path) -> Vec<PathBuf> {
    let mut files = crate::sources::walk::source_files(root);
    files.retain(|f| f.extension().is_some_and(|e| e == "py"));
    files.sort_by_key(|f| (f.file_name().is_none_or(|n| n != "handler.py"), f.clone()));
    files
}

fn snapshot(root: &Path, facts: &CodeFacts) -> Snapshot {
    let mut calls: Vec<CallView> = facts.calls.iter().map(|c| view(root, c)).collect();
    calls.sort_by(|a, b| (&a.at, &a.op).cmp(&(&b.at, &b.op)));
    let warnings = facts
        .diagnostics
        .iter()
        .map(|d| {
            let file = d.file.as_deref().map(|f| rel(root, f)).unwrap_or_default();
            format!("{file}:{}: {} [{}]", d.line.unwrap_or(0), d.message, d.code)
        })
        .collect();
    Snapshot {
        files: facts.files.iter().map(|f| rel(root, f)).collect(),
        calls,
        warnings,
    }
}

/// Analyses a function folder.
fn analyse(root: &Path) -> Snapshot {
    let facts = analyze_function(root, &fixture_files(root), Catalog::embedded());
    snapshot(root, &facts)
}

fn check(case: &str) {
    let snapshot = analyse(&fixture_root(case));
    insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/python"), prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!(case, snapshot);
    });
}

/// Prints what the analyser finds in `LEASTPRIV_PY_DUMP` (a function folder): a
/// debugging aid, run with `cargo test python::tests::dump -- --ignored --nocapture`.
#[test]
#[ignore]
#[allow(clippy::print_stdout)]
fn dump() {
    let Ok(dir) = std::env::var("LEASTPRIV_PY_DUMP") else {
        return;
    };
    let snapshot = analyse(Path::new(&dir));
    println!("{}", serde_json::to_string_pretty(&snapshot).unwrap_or_default());
}

macro_rules! fixtures {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                check(stringify!($case));
            }
        )*
    };
}

fixtures!(
    client_factories,
    client_storage,
    local_modules,
    paginators_waiters,
    transfers,
    resource_api,
    resource_hints,
    request_shapes,
    dynamic_calls,
    assumed_role,
    reachability,
    damaged_files,
    vendored_packages,
    powertools,
    dependency_injection,
    callbacks,
);

#[test]
fn oversized_files_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("handler.py");
    let line = "x = 'padding padding padding padding padding padding padding padding'\n";
    let text = line.repeat((super::parse::MAX_FILE_BYTES as usize / line.len()) + 10);
    std::fs::write(&big, text).unwrap();
    let facts = analyze_function(dir.path(), std::slice::from_ref(&big), Catalog::embedded());
    assert!(facts.calls.is_empty());
    assert_eq!(facts.diagnostics.len(), 1);
    assert_eq!(facts.diagnostics[0].code, crate::diagnostics::codes::UNREADABLE_FILE);
}

#[test]
fn deep_code_does_not_overflow_a_small_stack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handler.py");
    let mut code = String::from("import boto3\n\n");
    // A long chain of helpers, each passing the client on, and deeply nested targets.
    for i in 0..300 {
        code.push_str(&format!("def f{i}(c, k):\n    return f{}(c, k + 'x')\n\n", i + 1));
    }
    code.push_str("def f300(c, k):\n    return c.put_object(Bucket='b', Key=k)\n\n");
    code.push_str(&format!("{} = 1, 2\n", "(".repeat(2000) + "a, b" + &")".repeat(2000)));
    code.push_str("def handler(event, context):\n    return f0(boto3.client('s3'), 'k')\n");
    std::fs::write(&path, code).unwrap();
    let files = vec![path];
    let root = dir.path().to_path_buf();
    let facts = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || analyze_function(&root, &files, Catalog::embedded()))
        .unwrap()
        .join()
        .unwrap();
    assert!(facts.calls.iter().any(|c| c.operation == "PutObject"));
}

#[test]
fn imports_never_leave_the_root() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("fn");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(
        outer.path().join("secret.py"),
        "import boto3\nboto3.client('s3').delete_bucket(Bucket='x')\n",
    )
    .unwrap();
    let handler = root.join("handler.py");
    std::fs::write(
        &handler,
        "import secret\nfrom .. import secret as s\n\ndef handler(event, context):\n    secret.go()\n",
    )
    .unwrap();
    let facts = analyze_function(&root, std::slice::from_ref(&handler), Catalog::embedded());
    assert_eq!(facts.files, vec![handler]);
    assert!(facts.calls.is_empty());
}

/// The rendered hints of `member` over the SdkCalls of a one-file function.
fn hints_for(code: &str, member: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handler.py");
    std::fs::write(&path, code).unwrap();
    let facts = analyze_function(dir.path(), &[path], Catalog::embedded());
    let mut out: Vec<String> = facts
        .calls
        .iter()
        .flat_map(|c| c.params.get(member).into_iter().flatten().map(render))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn hints_keep_their_kind() {
    let code = r#"
import os, boto3
s3 = boto3.client("s3")
B = os.environ.get("BUCKET", "fallback")
def handler(event, context):
    s3.put_object(Bucket=B, Key=f"uploads/{event['u']}/a.png")
    s3.put_object(Bucket="lit", Key="%s/%s" % ("logs", event["d"]))
"#;
    assert_eq!(hints_for(code, "Bucket"), ["${env:BUCKET}", "lit"]);
    assert_eq!(
        hints_for(code, "Key"),
        ["logs/{event[\"d\"]}", "uploads/{event['u']}/a.png"]
    );
}

#[test]
fn loops_over_literal_lists_give_several_hints() {
    let code = r#"
import boto3
ddb = boto3.client("dynamodb")
TABLES = ["orders", "payments"]
def handler(event, context):
    for t in TABLES:
        ddb.describe_table(TableName=t)
    for q in ("a", "b"):
        boto3.client("sqs").get_queue_url(QueueName="jobs-" + q)
"#;
    assert_eq!(hints_for(code, "TableName"), ["orders", "payments"]);
    assert_eq!(hints_for(code, "QueueName"), ["jobs-a", "jobs-b"]);
}

#[test]
fn names_resolve_through_helpers_and_returns() {
    let code = r#"
import os, boto3
def table_name(suffix):
    return os.environ["STAGE"] + "-" + suffix
def save(client, name):
    client.put_item(TableName=name, Item={})
def handler(event, context):
    save(boto3.client("dynamodb"), table_name("orders"))
"#;
    assert_eq!(hints_for(code, "TableName"), ["${env:STAGE}-orders"]);
}

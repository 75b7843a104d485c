//! Snapshot tests of the JavaScript/TypeScript analyser: one fixture folder per pattern
//! under `tests/fixtures/javascript/<case>/`, snapshots under `snapshots/javascript/`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::diagnostics::Diagnostic;
use crate::sources::{SdkCall, walk};

/// What a snapshot holds: the calls and the warnings, with paths relative to the function.
#[derive(Debug, Serialize)]
pub(super) struct Snapshot {
    pub calls: Vec<SdkCall>,
    pub diagnostics: Vec<Diagnostic>,
}

fn relative(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Analyses a function folder, entry (`index.*`/`handler.*`) first, paths made relative.
fn analyze_dir(root: &Path) -> Snapshot {
    let mut files = walk::source_files(root);
    files.sort_by_key(|f| {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        (
            !matches!(stem, "index" | "handler" | "app" | "main"),
            f.components().count(),
            f.clone(),
        )
    });
    let facts = super::analyze_function(root, &files, Catalog::embedded());
    let calls = facts
        .calls
        .into_iter()
        .map(|mut c| {
            c.file = relative(&c.file, root);
            for hop in &mut c.path {
                hop.file = relative(&hop.file, root);
            }
            c
        })
        .collect();
    let diagnostics = facts
        .diagnostics
        .into_iter()
        .map(|mut d| {
            d.file = d.file.map(|f| relative(&f, root));
            d
        })
        .collect();
    Snapshot { calls, diagnostics }
}

/// Analyses `tests/fixtures/javascript/<case>`.
fn analyze_case(case: &str) -> Snapshot {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/javascript")
        .join(case);
    assert!(root.is_dir(), "missing fixture {}", root.display());
    analyze_dir(&root)
}

/// Writes `files` to a fresh folder and analyses it (for generated or hostile inputs).
pub(super) fn analyze_sources(files: &[(&str, &str)]) -> Snapshot {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }
    analyze_dir(dir.path())
}

macro_rules! fixture_tests {
    ($($case:ident),* $(,)?) => {$(
        #[test]
        fn $case() {
            let snapshot = analyze_case(stringify!($case));
            insta::with_settings!(
                { snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/javascript"), prepend_module_to_snapshot => false },
                { insta::assert_json_snapshot!(stringify!($case), snapshot); }
            );
        }
    )*};
}

fixture_tests!(
    v3_esm_commands,
    v3_cjs_lazy_clients,
    ts_class_injection,
    v3_aggregated_clients,
    ts_lib_dynamodb,
    storage_and_presign,
    ts_paginators_waiters,
    v2_cjs_callbacks,
    v2_esm_helpers,
    resource_hints,
    ts_cross_module,
    v2_cross_module,
    dynamic_calls,
    ts_assume_role,
    v2_assume_role,
    params_presence,
    unknown_names,
    xray_capture,
    unreachable_helper,
    ts_v2_import_require,
    tsx_and_decorators,
    esm_docs_style,
    ts_enums_and_builders,
    v2_promisify,
    ts_powertools,
    derived_outputs,
);

/// The calls as `service.Operation param=hint|hint ...` lines, for focused assertions.
fn lines(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .calls
        .iter()
        .map(|c| {
            let params: Vec<String> = c
                .params
                .iter()
                .map(|(k, v)| format!("{k}={}", v.iter().map(|h| h.display()).collect::<Vec<_>>().join("|")))
                .collect();
            format!("{}.{} {}", c.service, c.operation, params.join(" "))
                .trim_end()
                .to_string()
        })
        .collect()
}

fn codes(snapshot: &Snapshot) -> Vec<&'static str> {
    snapshot.diagnostics.iter().map(|d| d.code).collect()
}

const S3_PRELUDE: &str =
    "const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');\nconst s3 = new S3Client({});\n";

#[test]
fn deeply_nested_expressions_are_bounded() {
    let depth = 20_000;
    let src = format!(
        "{S3_PRELUDE}const p = {open}'k'{close};\nconst a = {lb}0{rb};\nconst key = 'a'{plus};\n\
         exports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: 'b', Key: key, Range: p }}));\n",
        open = "(".repeat(depth),
        close = ")".repeat(depth),
        lb = "[".repeat(depth),
        rb = "]".repeat(depth),
        plus = " + a".repeat(depth),
    );
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert_eq!(snapshot.calls.len(), 1, "{:?}", lines(&snapshot));
    assert_eq!(snapshot.calls[0].operation, "GetObject");
}

#[test]
fn deeply_nested_functions_are_bounded() {
    let depth = 3_000;
    let mut src = String::from(S3_PRELUDE);
    for i in 0..depth {
        src.push_str(&format!("function f{i}(x) {{ return "));
    }
    src.push_str("s3.send(new GetObjectCommand({ Bucket: 'deep', Key: x }))");
    for _ in 0..depth {
        src.push_str("; }");
    }
    src.push_str("\nexports.handler = f0;\n");
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert_eq!(lines(&snapshot), vec!["s3.GetObject Bucket=deep Key=*"]);
}

#[test]
fn syntax_errors_are_warnings() {
    let src = format!(
        "{S3_PRELUDE}function broken( {{\n\nexports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: 'still-found', Key: 'k' }}));\n"
    );
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert!(codes(&snapshot).contains(&crate::diagnostics::codes::PARSE_ERROR));
    assert!(snapshot.diagnostics.iter().any(|d| d.line.is_some()));
}

#[test]
fn minified_bundles_are_flagged_and_still_read() {
    let filler: String = (0..2_000)
        .map(|i| format!("var a{i}=function(){{return {i}}};"))
        .collect();
    let src = format!(
        "{}{filler}exports.handler=async()=>s3.send(new GetObjectCommand({{Bucket:'min',Key:'k'}}));",
        S3_PRELUDE.replace('\n', "")
    );
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert!(snapshot.diagnostics.iter().any(|d| d.message.contains("minified")));
    assert_eq!(lines(&snapshot), vec!["s3.GetObject Bucket=min Key=k"]);
}

#[test]
fn huge_files_are_skipped_with_a_warning() {
    let big = format!("{S3_PRELUDE}//{}\n", "x".repeat(super::parse::MAX_FILE_BYTES as usize));
    let snapshot = analyze_sources(&[("index.js", &big)]);
    assert!(snapshot.calls.is_empty());
    assert!(codes(&snapshot).contains(&crate::diagnostics::codes::UNREADABLE_FILE));
}

#[test]
fn jsx_in_js_files_parses() {
    let src = format!(
        "{S3_PRELUDE}const View = ({{ name }}) => <div className=\"x\">{{name}}</div>;\n\
         exports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: 'jsx', Key: 'k' }}));\n"
    );
    let snapshot = analyze_sources(&[("index.jsx", &src)]);
    assert_eq!(lines(&snapshot), vec!["s3.GetObject Bucket=jsx Key=k"]);
    assert!(!codes(&snapshot).contains(&crate::diagnostics::codes::PARSE_ERROR));
}

#[test]
fn dependencies_and_files_outside_the_function_are_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("fn");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    let sdk_call =
        format!("{S3_PRELUDE}module.exports = () => s3.send(new GetObjectCommand({{ Bucket: 'NOPE', Key: 'k' }}));\n");
    write("fn/node_modules/vendored/index.js", &sdk_call);
    write("outside.js", &sdk_call);
    write(
        "fn/index.js",
        "const vendored = require('vendored');\nconst outside = require('../outside');\nconst local = require('./node_modules/vendored');\nexports.handler = async () => { await vendored(); await outside(); await local(); };\n",
    );
    let snapshot = analyze_dir(&root);
    assert!(snapshot.calls.is_empty(), "{:?}", lines(&snapshot));
    let outside: Vec<_> = snapshot
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("outside the function"))
        .collect();
    assert_eq!(outside.len(), 2, "{:?}", snapshot.diagnostics);
}

#[test]
fn env_var_names_built_at_run_time_stay_visible() {
    let src = format!(
        "{S3_PRELUDE}const STAGE = process.env.STAGE;\nconst {{ BUCKET = 'fallback-bucket' }} = process.env;\n\
         exports.handler = async () => {{\n  await s3.send(new GetObjectCommand({{ Bucket: process.env[`${{STAGE}}_BUCKET`], Key: 'a' }}));\n\
           await s3.send(new GetObjectCommand({{ Bucket: BUCKET, Key: String(process.env.KEY_PREFIX) + 'b' }}));\n}};\n"
    );
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert_eq!(
        lines(&snapshot),
        vec![
            "s3.GetObject Bucket=* Key=a",
            "s3.GetObject Bucket=fallback-bucket|${env:BUCKET} Key=${env:KEY_PREFIX}b",
        ]
    );
}

#[test]
fn requests_on_unknown_v2_clients_are_reported() {
    let src = "const AWS = require('aws-sdk');\nexports.handler = async (event, client) => client.getItem({ TableName: 't' }).promise();\n";
    let snapshot = analyze_sources(&[("index.js", src)]);
    assert!(snapshot.calls.is_empty());
    assert_eq!(codes(&snapshot), vec![crate::diagnostics::codes::UNRESOLVED_SDK_CALL]);
}

#[test]
fn many_calls_in_one_file_stay_fast() {
    let mut src = String::from(S3_PRELUDE);
    for i in 0..3_000 {
        src.push_str(&format!(
            "async function op{i}(k) {{ const b = `bucket-${{process.env.STAGE}}-{i}`; return s3.send(new GetObjectCommand({{ Bucket: b, Key: k }})); }}\n"
        ));
    }
    src.push_str("exports.handler = async (e) => Promise.all([");
    for i in 0..3_000 {
        src.push_str(&format!("op{i}(e.key),"));
    }
    src.push_str("]);\n");
    let started = std::time::Instant::now();
    let snapshot = analyze_sources(&[("index.js", &src)]);
    assert_eq!(snapshot.calls.len(), 3_000);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn circular_imports_and_self_references_terminate() {
    let a = format!(
        "{S3_PRELUDE}const b = require('./b');\nexports.bucket = b.name + '-a';\n\
         exports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: exports.bucket, Key: b.key() }}));\n"
    );
    let b = "const a = require('./a');\nexports.name = a.bucket;\nexports.key = () => exports.key();\nlet x = x + 1;\n";
    let snapshot = analyze_sources(&[("a.js", &a), ("b.js", b)]);
    assert_eq!(snapshot.calls.len(), 1, "{:?}", lines(&snapshot));
}

#[test]
fn non_utf8_bytes_do_not_stop_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = format!("{S3_PRELUDE}// caf").into_bytes();
    bytes.extend_from_slice(&[0xe9, 0xff, b'\n']);
    bytes
        .extend_from_slice(b"exports.handler = () => s3.send(new GetObjectCommand({ Bucket: 'latin1', Key: 'k' }));\n");
    std::fs::write(dir.path().join("index.js"), bytes).expect("write");
    let snapshot = analyze_dir(dir.path());
    assert_eq!(lines(&snapshot), vec!["s3.GetObject Bucket=latin1 Key=k"]);
}

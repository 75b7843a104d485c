//! Static-analysis throughput on a generated monorepo (`cargo bench --bench analysis`):
//! files and MB per second of the whole analysis (discovery, both analysers, evidence,
//! policies), as a ratio against tree-sitter parsing the same files alone (the floor of
//! any tree-sitter tool), both on every core; then whole-process `leastpriv generate`
//! on it with its peak memory. `BENCH_COPIES` sets the size (default 60 copies of every
//! seed function: about 4,500 functions).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on stdout

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leastpriv::pipeline::{self, Config};
use leastpriv::sources::{Language, walk};
use rayon::prelude::*;

/// Seed functions: the repo's own fixtures and examples, realistic by construction.
fn seeds(repo: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "tests/fixtures/python",
        "tests/fixtures/javascript",
        "examples/shop/src",
        "examples/plain",
    ] {
        let Ok(entries) = std::fs::read_dir(repo.join(dir)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        dirs.sort();
        out.extend(dirs);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)?.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type()?.is_dir() {
            if !walk::is_skipped_dir(&name.to_string_lossy()) {
                copy_dir(&path, &to.join(&name))?;
            }
        } else {
            std::fs::copy(&path, to.join(&name))?;
        }
    }
    Ok(())
}

/// A few huge files, as real monorepos have: a generated Python module and a minified
/// bundle on one line.
fn huge_files(root: &Path) -> std::io::Result<()> {
    let py = root.join("zz_generated_py");
    std::fs::create_dir_all(&py)?;
    let mut text = String::from("import os\nimport boto3\n\ns3 = boto3.client(\"s3\")\n\n");
    for i in 0..25_000 {
        text.push_str(&format!(
            "def handler_{i}(event, context):\n    return s3.get_object(Bucket=os.environ[\"BUCKET\"], Key=f\"items/{{event['id']}}/{i}.json\")\n\n"
        ));
    }
    std::fs::write(py.join("app.py"), text)?;
    let js = root.join("zz_minified_js");
    std::fs::create_dir_all(&js)?;
    let mut bundle = String::from(
        "const{DynamoDBClient:D,PutItemCommand:P}=require(\"@aws-sdk/client-dynamodb\");const c=new D({});",
    );
    for i in 0..40_000 {
        bundle.push_str(&format!(
            "function f{i}(a){{return c.send(new P({{TableName:process.env.T,Item:{{id:{{S:a+\"{i}\"}}}}}}))}}"
        ));
    }
    std::fs::write(js.join("index.js"), bundle)
}

fn mb(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// Peak resident memory of a child process, read from /proc while it runs (VmHWM only
/// grows, so the last reading is the peak up to the final milliseconds).
fn run_with_peak(cmd: &mut std::process::Command) -> (Duration, Option<u64>) {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("leastpriv runs");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        {
            peak = Some(kb);
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (start.elapsed(), peak)
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let copies: usize = std::env::var("BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let seeds = seeds(&repo);
    for i in 0..copies {
        for seed in &seeds {
            let name = format!("{}_{i:03}", seed.file_name().unwrap().to_string_lossy());
            copy_dir(seed, &root.join(name)).expect("copy seed");
        }
    }
    huge_files(root).expect("huge files");
    let files = walk::source_files(root);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let functions = copies * seeds.len() + 2;
    let cores = rayon::current_num_threads();
    println!(
        "monorepo: {functions} functions, {} files, {:.1} MB, {cores} cores",
        files.len(),
        bytes as f64 / 1e6
    );

    // Warm the page cache.
    files.par_iter().for_each(|f| drop(std::fs::read(f)));

    let start = Instant::now();
    files.par_iter().for_each(|f| {
        let Ok(text) = std::fs::read_to_string(f) else { return };
        let language: tree_sitter::Language = match Language::from_path(f) {
            Some(Language::Python) => tree_sitter_python::LANGUAGE.into(),
            Some(Language::Typescript) if f.extension().is_some_and(|e| e == "tsx") => {
                tree_sitter_typescript::LANGUAGE_TSX.into()
            }
            Some(Language::Typescript) => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            _ => tree_sitter_javascript::LANGUAGE.into(),
        };
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).expect("grammar");
        drop(parser.parse(&text, None));
    });
    let parse = start.elapsed();

    let start = Instant::now();
    let result = pipeline::run(&Config {
        paths: vec![root.to_path_buf()],
        ..Config::default()
    })
    .expect("analysis");
    let analysis = start.elapsed();
    let permissions: usize = result.functions.iter().map(|f| f.policy.permissions.len()).sum();

    println!(
        "tree-sitter parse only : {:>8.0} files/s {:>7.1} MB/s  ({parse:.2?})",
        files.len() as f64 / parse.as_secs_f64(),
        mb(bytes, parse)
    );
    println!(
        "leastpriv analysis     : {:>8.0} files/s {:>7.1} MB/s  ({analysis:.2?}, {} functions, {permissions} permissions)",
        files.len() as f64 / analysis.as_secs_f64(),
        mb(bytes, analysis),
        result.functions.len()
    );
    println!(
        "ratio analysis / parse : {:.2}x the time of parsing alone",
        analysis.as_secs_f64() / parse.as_secs_f64()
    );

    let bin = env!("CARGO_BIN_EXE_leastpriv");
    let (elapsed, peak) = run_with_peak(
        std::process::Command::new(bin)
            .args(["generate", &root.to_string_lossy(), "--format", "json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
    );
    match peak {
        Some(kb) => println!(
            "whole-process generate : {elapsed:.2?}, peak memory {:.0} MB",
            kb as f64 / 1024.0
        ),
        None => println!("whole-process generate : {elapsed:.2?} (peak memory: /proc not available)"),
    }
}

//! Whether reading one deployment definition scales linearly with its functions: a SAM
//! template, a `serverless.yml` and a Terraform module with N functions each (generated
//! in a temporary folder, never committed), whole-process `leastpriv generate --format
//! json`, wall time per function and peak memory.
//!
//! `cargo bench --bench templates [-- N...]` (default 1000 3000 10000). Linear means the
//! time per function stays flat as N grows; the figures go to BENCHMARKS.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HANDLER: &str = "import os\nimport boto3\n\ns3 = boto3.client('s3')\n\n\ndef handler(event, context):\n    return s3.get_object(Bucket=os.environ.get('BUCKET', 'b'), Key='k')\n";

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 3000, 10000]
    } else {
        sizes
    };
    println!("| definition | functions | wall | per function | peak RSS |");
    println!("| --- | --- | --- | --- | --- |");
    for (kind, write) in [
        ("SAM template", sam as fn(&Path, usize)),
        ("serverless.yml", serverless),
        ("Terraform", terraform),
    ] {
        for &n in &sizes {
            let tmp = tempfile::tempdir().expect("a temporary folder");
            let dir = tmp.path().join("project");
            std::fs::create_dir_all(dir.join("src")).expect("mkdir");
            std::fs::write(dir.join("src/app.py"), HANDLER).expect("write");
            write(&dir, n);
            let (wall, peak_kib, functions) = generate(&dir);
            assert_eq!(functions, n, "{kind}: every function is read");
            println!(
                "| {kind} | {n} | {:.2} s | {:.3} ms | {} MiB |",
                wall.as_secs_f64(),
                wall.as_secs_f64() * 1000.0 / n as f64,
                peak_kib / 1024
            );
        }
    }
}

fn sam(dir: &Path, n: usize) {
    let mut t = String::from("Transform: AWS::Serverless-2016-10-31\nResources:\n");
    for i in 0..n {
        let _ = write!(
            t,
            "  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n      Environment:\n        Variables:\n          BUCKET: !Ref Bucket{i}\n  Bucket{i}:\n    Type: AWS::S3::Bucket\n"
        );
    }
    std::fs::write(dir.join("template.yaml"), t).expect("write");
}

fn serverless(dir: &Path, n: usize) {
    let mut t = String::from(
        "service: many\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: s3:GetObject\n          Resource: '*'\nfunctions:\n",
    );
    for i in 0..n {
        let _ = write!(
            t,
            "  fn{i}:\n    handler: src/app.handler\n    environment:\n      BUCKET: b{i}\n    events:\n      - sqs:\n          arn: arn:aws:sqs:us-east-1:123456789012:q{i}\n"
        );
    }
    std::fs::write(dir.join("serverless.yml"), t).expect("write");
}

fn terraform(dir: &Path, n: usize) {
    let mut t = String::from(
        "data \"archive_file\" \"code\" {\n  type        = \"zip\"\n  source_dir  = \"${path.module}/src\"\n  output_path = \"${path.module}/code.zip\"\n}\n\n",
    );
    for i in 0..n {
        let _ = write!(
            t,
            "resource \"aws_iam_role\" \"fn{i}\" {{\n  name               = \"fn{i}\"\n  assume_role_policy = \"{{}}\"\n}}\n\nresource \"aws_lambda_function\" \"fn{i}\" {{\n  function_name = \"fn{i}\"\n  filename      = data.archive_file.code.output_path\n  handler       = \"app.handler\"\n  runtime       = \"python3.12\"\n  role          = aws_iam_role.fn{i}.arn\n  environment {{\n    variables = {{\n      BUCKET = \"b{i}\"\n    }}\n  }}\n}}\n\n"
        );
    }
    std::fs::write(dir.join("main.tf"), t).expect("write");
}

/// Runs `leastpriv generate` on `dir`: wall time, peak resident memory (VmHWM, KiB) and
/// the number of functions in the report.
fn generate(dir: &Path) -> (Duration, u64, usize) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leastpriv"))
        .args(["generate", "project", "--format", "json"])
        .current_dir(dir.parent().expect("a parent"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("leastpriv runs");
    let status = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).expect("read the report");
        out
    });
    let mut peak = 0u64;
    while child.try_wait().expect("wait").is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak = peak.max(kb);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = started.elapsed();
    let out = reader.join().expect("reader");
    let report: serde_json::Value = serde_json::from_slice(&out).expect("a JSON report");
    let functions = report["functions"].as_array().map_or(0, Vec::len);
    (wall, peak, functions)
}

//! The harness integration tests share: run the real binary as a user does, read what it
//! printed, snapshot it under the top-level `snapshots/` folder.
#![allow(dead_code)] // Each test binary uses its own part of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `leastpriv ARGS` from the repo root.
pub fn leastpriv(args: &[&str]) -> Output {
    leastpriv_in(&repo(), args)
}

/// Runs `leastpriv ARGS` from `dir`.
pub fn leastpriv_in(dir: &Path, args: &[&str]) -> Output {
    leastpriv_env(dir, args, &[])
}

/// Runs `leastpriv ARGS` from `dir` with extra environment variables.
pub fn leastpriv_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leastpriv"));
    cmd.args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the leastpriv binary runs")
}

/// Runs `leastpriv ARGS` from the repo root with no AWS credentials or config of the
/// machine's: nothing may reach a real endpoint.
pub fn leastpriv_offline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leastpriv"))
        .args(args)
        .current_dir(repo())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the leastpriv binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}{}", stdout(o), stderr(o)))
}

/// A function of a `generate` or `diff` JSON report, by name.
pub fn function<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["functions"]
        .as_array()
        .expect("a report with functions")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

/// Writes `files` (relative path, content) under `root`.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("a relative path")).expect("create folders");
        std::fs::write(p, text).expect("write a file");
    }
}

/// `snapshot!("area", name, value)`: an insta snapshot in `snapshots/<area>/`.
#[macro_export]
macro_rules! snapshot {
    ($area:literal, $name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/", $area), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

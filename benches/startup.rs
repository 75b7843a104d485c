//! Start-up cost: whole-process `leastpriv catalog stats` against `true`, as a ratio
//! measured in the same run (`cargo bench --bench startup`). Loading the embedded
//! catalog must not be felt.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::process::Command;
use std::time::{Duration, Instant};

fn time(cmd: &str, args: &[&str], runs: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..runs {
        let status = Command::new(cmd).args(args).output().expect("command runs").status;
        assert!(status.success(), "{cmd} {args:?} failed");
    }
    start.elapsed() / runs
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_leastpriv");
    let runs = 50;
    // Warm the page cache for both.
    time(bin, &["catalog", "stats"], 3);
    time("true", &[], 3);
    let baseline = time("true", &[], runs);
    let stats = time(bin, &["catalog", "stats", "--format", "json"], runs);
    let lookup = time(bin, &["catalog", "lookup", "s3.GetObject"], runs);
    println!("start-up over {runs} runs each (baseline `true`: {baseline:?})");
    println!(
        "  catalog stats : {stats:?}  = {:.1}x true",
        stats.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  catalog lookup: {lookup:?}  = {:.1}x true",
        lookup.as_secs_f64() / baseline.as_secs_f64()
    );
}

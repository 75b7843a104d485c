//! CloudTrail ingestion throughput against gzip decompression alone, on a generated trail
//! set (`../shared/eval/gen_trail.py --records 200000`, written to a temporary folder and
//! never committed), in MB/s of uncompressed JSON, with peak memory.
//!
//! `cargo bench --bench cloudtrail [-- RECORDS]`. Both sides read the same files in the
//! same run with the same parallelism (rayon, one file per worker); the figure that
//! matters is the ratio, recorded in BENCHMARKS.md.

#![allow(clippy::print_stdout)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use leastpriv::evidence::observed::Observed;
use leastpriv::sources::cloudtrail::{NoProgress, RecordSink, Window, record, scan, trail_file};
use rayon::prelude::*;

const RUNS: usize = 5;

fn main() {
    let records: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200_000);
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/gen_trail.py");
    if !generator.is_file() {
        println!("skipped: {} is not there", generator.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("a temporary folder");
    // `BENCH_TRAIL_DIR=folder` reads a trail set generated before (same generator).
    let reuse = std::env::var_os("BENCH_TRAIL_DIR").map(std::path::PathBuf::from);
    let dir = reuse.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    if reuse.is_none() {
        let t = Instant::now();
        let status = Command::new("python3")
            .arg(&generator)
            .args(["--records", &records.to_string(), "--seed", "7", "--out"])
            .arg(tmp.path())
            .status()
            .expect("python3 runs the generator");
        assert!(status.success(), "gen_trail.py failed");
        println!("generated {records} records in {:.1} s", t.elapsed().as_secs_f64());
    }

    let (files, _) = trail_file::log_files(&dir, &Window::default());
    let stored: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let rss_start = peak_rss_kib();

    let mut json_bytes = 0;
    let gunzip = best(|| {
        json_bytes = files
            .par_iter()
            .map(|f| trail_file::decompressed_len(f).expect("gunzip"))
            .sum::<u64>();
    });
    let rss_gunzip = peak_rss_kib();

    let mut objects = 0;
    let scan = best(|| {
        objects = files.par_iter().map(|f| scan_file(f, false)).sum::<u64>();
    });
    let parse = best(|| {
        objects = files.par_iter().map(|f| scan_file(f, true)).sum::<u64>();
    });

    let counted = best(|| {
        let read = trail_file::read::<Count>(&dir, &Window::default(), &NoProgress).expect("read");
        assert_eq!(read.sink.0, records);
    });
    let mut read_records = 0;
    let mut attributed_sessions = 0;
    let ingest = best(|| {
        let read = trail_file::read::<Observed>(&dir, &Window::default(), &NoProgress).expect("read");
        read_records = read.stats.records;
        attributed_sessions = read.sink.sessions.len();
    });
    let rss_ingest = peak_rss_kib();

    let mb = json_bytes as f64 / 1e6;
    println!(
        "{} files, {:.1} MB stored, {:.1} MB JSON, {read_records} records, {attributed_sessions} sessions, {} threads",
        files.len(),
        stored as f64 / 1e6,
        mb,
        rayon::current_num_threads()
    );
    println!("| step | wall (best of {RUNS}) | MB/s of JSON | ratio | CPU per run (mean) | CPU ratio |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let row = |name: &str, (wall, cpu): (Duration, f64)| {
        println!(
            "| {name} | {:.3} s | {:.0} | {:.2}x | {cpu:.3} s | {:.2}x |",
            wall.as_secs_f64(),
            mb / wall.as_secs_f64(),
            wall.as_secs_f64() / gunzip.0.as_secs_f64(),
            cpu / gunzip.1
        );
    };
    row("gunzip only", gunzip);
    row("gunzip + split into records", scan);
    row(&format!("gunzip + split + parse ({objects} records)"), parse);
    row("the file reader into a counting sink", counted);
    row("ingest: gunzip + split + parse + map + aggregate", ingest);
    println!(
        "peak RSS: {} MiB at start, {} MiB after gunzip, {} MiB after ingest",
        rss_start / 1024,
        rss_gunzip / 1024,
        rss_ingest / 1024
    );
}

/// A sink that only counts, to tell reading from mapping.
#[derive(Default)]
struct Count(u64);
impl RecordSink for Count {
    fn record(&mut self, _: &leastpriv::sources::cloudtrail::Record<'_>) {
        self.0 += 1;
    }
    fn merge(&mut self, other: Count) {
        self.0 += other.0;
    }
}

/// Gunzips and splits one file into records, parsing each when `parse`.
fn scan_file(path: &Path, parse: bool) -> u64 {
    use std::io::BufReader;
    let file = std::fs::File::open(path).expect("open");
    let gz = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(256 << 10, file));
    let mut scanner = scan::Scanner::new(BufReader::with_capacity(256 << 10, gz));
    let mut n = 0;
    while let Ok(Some(obj)) = scanner.next_object() {
        if parse {
            n += record::parse_value(obj, &mut |_| {}).records;
        } else {
            n += 1;
        }
    }
    n
}

/// The best wall time of [`RUNS`] runs, and the mean CPU time (all threads) of a run:
/// the machine is shared, and CPU time is the steadier of the two.
fn best(mut f: impl FnMut()) -> (Duration, f64) {
    let cpu_start = cpu_seconds();
    let wall = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default();
    (wall, (cpu_seconds() - cpu_start) / RUNS as f64)
}

/// User and system CPU time of the whole process so far (`/proc/self/stat`, in the
/// kernel's 100 Hz ticks); 0 where /proc is not there.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    fields.iter().sum::<u64>() as f64 / 100.0
}

/// The process's peak resident set (VmHWM), in KiB; 0 where /proc is not there.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

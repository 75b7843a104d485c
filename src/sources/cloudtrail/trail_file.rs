//! Trail logs on disk: a file or a folder (`.json`, `.json.gz`, `.jsonl`, the
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/` layout), read in parallel, one
//! file per worker, each streamed through gunzip and the scanner. Digests are skipped;
//! date folders outside `--since/--until` are never opened. `read_stream` is shared with
//! the S3 reader.

use std::fs::File;
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, codes};

use super::record::parse_value;
use super::scan::{ScanError, Scanner};
use super::window::{Window, date_of_path};
use super::{CloudtrailError, Progress, Read, RecordSink, SourceStats};

/// Extensions of files read inside a folder (a file named directly is always read).
const LOG_EXTENSIONS: &[&str] = &[".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".gz"];

const BUF_SIZE: usize = 256 << 10;

/// Reads a file or folder of trail logs.
pub fn read<S: RecordSink>(path: &Path, window: &Window, progress: &dyn Progress) -> Result<Read<S>, CloudtrailError> {
    let meta = std::fs::metadata(path).map_err(|_| CloudtrailError::NotFound(path.to_path_buf()))?;
    let mut stats = SourceStats {
        source: path.display().to_string(),
        ..SourceStats::default()
    };
    let files = if meta.is_file() {
        vec![path.to_path_buf()]
    } else {
        let (files, skipped) = log_files(path, window);
        stats.files_skipped = skipped;
        files
    };
    progress.start(&stats.source, files.len() as u64);
    // Few, long-lived sinks: each keeps its own memo of mapped calls warm.
    let min_len = (files.len() / (rayon::current_num_threads() * 4)).max(1);
    let (sink, file_stats, diagnostics) = files
        .par_iter()
        .with_min_len(min_len)
        .fold(
            || (S::default(), SourceStats::default(), Vec::new()),
            |(mut sink, mut st, mut diags), file| {
                let before = (st.bytes, st.json_bytes, st.records);
                read_file(file, window, &mut sink, &mut st, &mut diags);
                progress.advance(st.bytes - before.0, st.json_bytes - before.1, st.records - before.2);
                (sink, st, diags)
            },
        )
        .reduce(
            || (S::default(), SourceStats::default(), Vec::new()),
            |(mut a, mut sa, mut da), (b, sb, db)| {
                a.merge(b);
                sa.add(&sb);
                da.extend(db);
                (a, sa, da)
            },
        );
    stats.add(&file_stats);
    let mut sink = sink;
    sink.finish();
    let mut diagnostics = diagnostics;
    diagnostics.sort();
    Ok(Read {
        sink,
        stats,
        diagnostics,
    })
}

/// The log files under a folder, sorted, with how many were left out (digests, and date
/// folders outside the window).
pub fn log_files(dir: &Path, window: &Window) -> (Vec<PathBuf>, u64) {
    let mut skipped = 0;
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(|n| n == "CloudTrail-Digest"))
        });
    for entry in walker.filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if !LOG_EXTENSIONS.iter().any(|e| name.ends_with(e)) {
            continue;
        }
        if name.contains("_cloudtrail-digest_") {
            skipped += 1;
            continue;
        }
        let text = path.to_string_lossy();
        if let Some(date) = date_of_path(&text)
            && !window.may_hold(&date)
        {
            skipped += 1;
            continue;
        }
        out.push(path.to_path_buf());
    }
    (out, skipped)
}

fn read_file<S: RecordSink>(
    path: &Path,
    window: &Window,
    sink: &mut S,
    stats: &mut SourceStats,
    diags: &mut Vec<Diagnostic>,
) {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            stats.problem_files += 1;
            diags.push(Diagnostic::warning(codes::UNREADABLE_FILE, format!("cannot read it: {e}")).at(path, None));
            return;
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    stats.bytes += size;
    read_stream(path, file, window, sink, stats, diags);
}

/// Streams one log (gzip or plain, by its first bytes) into the sink, counting what it
/// holds; a problem is one warning naming `name`, and what was read before it stays.
pub fn read_stream<S: RecordSink>(
    name: &Path,
    reader: impl std::io::Read,
    window: &Window,
    sink: &mut S,
    stats: &mut SourceStats,
    diags: &mut Vec<Diagnostic>,
) {
    stats.files += 1;
    let mut buffered = BufReader::with_capacity(BUF_SIZE, reader);
    let gzip = matches!(buffered.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let (parsed, json_bytes, error) = if gzip {
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        scan_all(BufReader::with_capacity(BUF_SIZE, decoder), window, sink, stats)
    } else {
        scan_all(buffered, window, sink, stats)
    };
    stats.json_bytes += json_bytes;
    stats.records += parsed.records;
    stats.malformed += parsed.malformed;
    let mut problem = false;
    if let Some(e) = error {
        problem = true;
        let code = match e {
            ScanError::NotJson(..) => codes::NOT_CLOUDTRAIL,
            ScanError::Io(_) | ScanError::Truncated => codes::TRUNCATED_LOG,
        };
        let e = match e {
            ScanError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => ScanError::Truncated,
            other => other,
        };
        diags.push(
            Diagnostic::warning(code, format!("{e}; {} records before it were read", parsed.records)).at(name, None),
        );
    } else if parsed.records == 0 && parsed.malformed == 0 {
        problem = true;
        diags.push(
            Diagnostic::warning(codes::NOT_CLOUDTRAIL, "not a CloudTrail log: it holds no records").at(name, None),
        );
    }
    if parsed.malformed > 0 {
        diags.push(
            Diagnostic::warning(codes::MALFORMED_RECORD, {
                let mut why = Vec::new();
                if parsed.unknown_source > 0 {
                    why.push(format!(
                        "{} with an eventSource that is no AWS service endpoint",
                        parsed.unknown_source
                    ));
                }
                if parsed.oversized > 0 {
                    why.push(format!(
                        "{} larger than {} MiB, not read",
                        parsed.oversized,
                        super::scan::MAX_RECORD >> 20
                    ));
                }
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", why.join(", "))
                };
                format!(
                    "{} malformed records skipped{why}, {} read",
                    parsed.malformed, parsed.records
                )
            })
            .at(name, None),
        );
    }
    if problem {
        stats.problem_files += 1;
    }
}

fn scan_all<S: RecordSink>(
    reader: impl BufRead,
    window: &Window,
    sink: &mut S,
    stats: &mut SourceStats,
) -> (super::Parsed, u64, Option<ScanError>) {
    let mut scanner = Scanner::new(reader);
    let mut parsed = super::Parsed::default();
    let open = window.is_open();
    let mut outside = 0;
    let error = loop {
        match scanner.next_object() {
            Ok(Some(obj)) => parsed.add(parse_value(obj, &mut |r| {
                if open || window.contains(r.event_time.as_deref()) {
                    sink.record(&r);
                } else {
                    outside += 1;
                }
            })),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    stats.outside_window += outside;
    parsed.oversized += scanner.oversized();
    parsed.malformed += scanner.oversized();
    (parsed, scanner.offset(), error)
}

/// Gunzips (or copies) a file to nothing and says how many bytes it held: the baseline
/// the ingestion benchmark compares against.
pub fn decompressed_len(path: &Path) -> std::io::Result<u64> {
    let mut buffered = BufReader::with_capacity(BUF_SIZE, File::open(path)?);
    let gzip = matches!(buffered.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let mut sink = std::io::sink();
    if gzip {
        std::io::copy(&mut flate2::bufread::MultiGzDecoder::new(buffered), &mut sink)
    } else {
        let mut n = 0;
        let mut buf = vec![0u8; BUF_SIZE];
        loop {
            let k = buffered.read(&mut buf)?;
            if k == 0 {
                return Ok(n);
            }
            n += k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::cloudtrail::Record;

    #[derive(Default)]
    struct Names(Vec<String>);
    impl RecordSink for Names {
        fn record(&mut self, r: &Record<'_>) {
            self.0.push(r.event_name.to_string());
        }
        fn merge(&mut self, o: Names) {
            self.0.extend(o.0);
        }
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    const REC: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-11-02T10:00:00Z","userIdentity":{"type":"IAMUser"}}"#;

    #[test]
    fn folder_layout_window_digests_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let day = |d: &str| dir.path().join(format!("AWSLogs/1/CloudTrail/us-east-1/2026/11/{d}"));
        for d in ["01", "02", "05"] {
            std::fs::create_dir_all(day(d)).unwrap();
            let body = format!(r#"{{"Records":[{REC},{REC}]}}"#);
            std::fs::write(day(d).join("1_CloudTrail_us-east-1_x.json.gz"), gz(body.as_bytes())).unwrap();
        }
        let digest = dir.path().join("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/11/02");
        std::fs::create_dir_all(&digest).unwrap();
        std::fs::write(digest.join("d.json.gz"), gz(b"{\"logFiles\":[]}")).unwrap();
        // A truncated gzip, a non-CloudTrail file and a JSON Lines file beside them.
        let full = gz(format!(r#"{{"Records":[{REC},{REC},{REC}]}}"#).as_bytes());
        std::fs::write(day("02").join("cut.json.gz"), &full[..full.len() - 12]).unwrap();
        std::fs::write(day("02").join("other.json"), b"{\"hello\": 1}").unwrap();
        let late = REC.replace("2026-11-02", "2026-11-04");
        std::fs::write(
            day("02").join("lines.jsonl"),
            format!("{REC}\n{late}\n{{\"eventName\":5}}\n"),
        )
        .unwrap();

        let window = Window::parse(Some("2026-11-02"), Some("2026-11-03")).unwrap();
        let read: Read<Names> = read(dir.path(), &window, &crate::sources::cloudtrail::NoProgress).unwrap();
        // Days 01 and 05 are never opened (delivered before `since`, or two days after `until`).
        assert_eq!(read.stats.files_skipped, 2, "{:?}", read.stats);
        assert_eq!(read.stats.files, 4);
        assert_eq!(read.stats.outside_window, 1);
        assert_eq!(read.stats.malformed, 1);
        assert_eq!(read.stats.problem_files, 2);
        assert!(read.sink.0.len() >= 3, "{:?}", read.sink.0);
        let codes: Vec<&str> = read.diagnostics.iter().map(|d| d.code).collect();
        assert!(codes.contains(&codes::TRUNCATED_LOG), "{codes:?}");
        assert!(codes.contains(&codes::NOT_CLOUDTRAIL), "{codes:?}");
        assert!(codes.contains(&codes::MALFORMED_RECORD), "{codes:?}");
        for d in &read.diagnostics {
            assert!(d.file.is_some(), "each warning names its file: {d:?}");
        }
    }
}

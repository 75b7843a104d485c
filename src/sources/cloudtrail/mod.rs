//! CloudTrail as a source: which logs to read (`--cloudtrail SOURCE`), and readers that
//! stream their records into a [`RecordSink`] (files and S3 objects, LookupEvents) or
//! push the aggregation down to a query engine (Athena, CloudTrail Lake) and stream back
//! aggregate rows in the same shape. What a record means is the evidence stage's job.

pub mod athena;
pub mod aws;
pub mod lake;
pub mod lookup_events;
pub mod record;
pub mod s3;
pub mod scan;
pub mod sql;
pub mod trail_file;
pub mod window;

use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostics::Diagnostic;

pub use record::{Identity, Parsed, Record, Resource};
pub use window::{BadTime, Window};

/// One `--cloudtrail` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file or folder of trail logs.
    Path(PathBuf),
    /// `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
    /// `lookup-events`: the LookupEvents API (management events, 90 days).
    LookupEvents,
    /// `athena:DATABASE.TABLE`.
    Athena { database: String, table: String },
    /// `lake:EVENT_DATA_STORE_ID`.
    Lake { event_data_store: String },
}

/// A `--cloudtrail` value that names no source.
#[derive(Debug, thiserror::Error)]
#[error("--cloudtrail {0}: {1}")]
pub struct BadSource(pub String, pub &'static str);

impl Source {
    pub fn parse(text: &str) -> Result<Source, BadSource> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(BadSource(text.into(), "expected s3://bucket/prefix"));
            }
            return Ok(Source::S3 {
                bucket: bucket.into(),
                prefix: prefix.into(),
            });
        }
        if text == "lookup-events" {
            return Ok(Source::LookupEvents);
        }
        if let Some(rest) = text.strip_prefix("athena:") {
            return match rest.split_once('.') {
                Some((d, t)) if !d.is_empty() && !t.is_empty() && sql::is_identifier(d) && sql::is_identifier(t) => {
                    Ok(Source::Athena {
                        database: d.into(),
                        table: t.into(),
                    })
                }
                _ => Err(BadSource(
                    text.into(),
                    "expected athena:DATABASE.TABLE (letters, digits, _ and -)",
                )),
            };
        }
        if let Some(rest) = text.strip_prefix("lake:") {
            if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphanumeric() || "-_:/".contains(c)) {
                return Err(BadSource(text.into(), "expected lake:EVENT_DATA_STORE_ID"));
            }
            return Ok(Source::Lake {
                event_data_store: rest.into(),
            });
        }
        Ok(Source::Path(PathBuf::from(text)))
    }

    /// As the user wrote it.
    pub fn label(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            Source::LookupEvents => "lookup-events".into(),
            Source::Athena { database, table } => format!("athena:{database}.{table}"),
            Source::Lake { event_data_store } => format!("lake:{event_data_store}"),
        }
    }
}

/// Where records go: the evidence stage implements it. Readers give each worker its own
/// sink (`Default`) and merge them at the end, so nothing is shared while streaming.
pub trait RecordSink: Send + Default {
    fn record(&mut self, record: &Record<'_>);
    fn merge(&mut self, other: Self);
    /// Called once the last record is in (a sink may aggregate in a form of its own
    /// while streaming).
    fn finish(&mut self) {}
}

/// Progress of a read, for a progress bar; the library never draws it.
pub trait Progress: Sync {
    /// A source starts with this many files or pages (0 when unknown).
    fn start(&self, _source: &str, _total: u64) {}
    /// One file or page is done: stored bytes, JSON bytes and records it held.
    fn advance(&self, _bytes: u64, _json_bytes: u64, _records: u64) {}
    fn finish(&self) {}
}

/// Reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What reading a source took in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceStats {
    pub source: String,
    /// Log files (or objects, pages, result pages) read.
    pub files: u64,
    /// Files not opened: digests, or a date folder outside `--since/--until`.
    pub files_skipped: u64,
    /// Bytes as stored (compressed).
    pub bytes: u64,
    /// Bytes of JSON after decompression.
    pub json_bytes: u64,
    /// Records read (for an aggregating engine: the records its rows stand for).
    pub records: u64,
    pub malformed: u64,
    /// Records outside `--since/--until`.
    pub outside_window: u64,
    /// Files that were cut short, not JSON, or not CloudTrail.
    pub problem_files: u64,
    /// Said when the source cannot show some events (LookupEvents: no data events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SourceStats {
    pub fn add(&mut self, o: &SourceStats) {
        self.files += o.files;
        self.files_skipped += o.files_skipped;
        self.bytes += o.bytes;
        self.json_bytes += o.json_bytes;
        self.records += o.records;
        self.malformed += o.malformed;
        self.outside_window += o.outside_window;
        self.problem_files += o.problem_files;
    }
}

/// What a run needs to read its sources.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub window: Window,
    /// Role names (or globs) in scope, for engines that filter where the data is.
    pub roles: Vec<String>,
    /// Session (function) names or globs in scope.
    pub sessions: Vec<String>,
    pub athena_workgroup: Option<String>,
    pub athena_output: Option<String>,
}

/// What one source gave: the sink's content, the counts, and the problems met.
pub struct Read<S> {
    pub sink: S,
    pub stats: SourceStats,
    pub diagnostics: Vec<Diagnostic>,
}

/// A source that could not be read at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CloudtrailError {
    #[error(transparent)]
    BadSource(#[from] BadSource),
    #[error("--cloudtrail {0}: no such file or folder")]
    NotFound(PathBuf),
    #[error("--cloudtrail {label}: {message}")]
    Service { label: String, message: String },
}

/// Reads one source into a sink.
pub fn read<S: RecordSink + 'static>(
    source: &Source,
    opts: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Read<S>, CloudtrailError> {
    let mut read: Read<S> = match source {
        Source::Path(p) => trail_file::read(p, &opts.window, progress)?,
        Source::S3 { bucket, prefix } => s3::read(bucket, prefix, &opts.window, progress)?,
        Source::LookupEvents => lookup_events::read(&opts.window, progress)?,
        Source::Athena { database, table } => athena::read(database, table, opts, progress)?,
        Source::Lake { event_data_store } => lake::read(event_data_store, opts, progress)?,
    };
    read.sink.finish();
    progress.finish();
    Ok(read)
}

//! Trail logs in S3 (`s3://bucket/prefix`): listed with ListObjectsV2 and fetched with
//! GetObject through aws-sdk-s3, several objects at a time. Keys under
//! `CloudTrail-Digest/` and date folders outside the window are never fetched. Each
//! object's stored bytes are held once; its JSON is streamed through gunzip (whatever
//! `Content-Encoding` says, decided by the bytes) and the scanner, on a blocking thread,
//! into one of a few long-lived sinks (one per object at a time), so that each keeps its
//! memo of mapped calls warm across objects.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::diagnostics::{Diagnostic, codes};

use super::aws::{self, sdk_message, service_error};
use super::trail_file::read_stream;
use super::window::{Window, date_of_path};
use super::{CloudtrailError, Progress, Read, RecordSink, SourceStats};

/// Objects fetched at once.
const CONCURRENCY: usize = 8;

const EXTENSIONS: &[&str] = &[".json", ".json.gz", ".jsonl", ".jsonl.gz", ".gz"];

pub fn read<S: RecordSink + 'static>(
    bucket: &str,
    prefix: &str,
    window: &Window,
    progress: &dyn Progress,
) -> Result<Read<S>, CloudtrailError> {
    let label = format!("s3://{bucket}/{prefix}");
    let rt = aws::runtime(&label)?;
    rt.block_on(read_async(bucket, prefix, window, progress, &label))
}

async fn read_async<S: RecordSink + 'static>(
    bucket: &str,
    prefix: &str,
    window: &Window,
    progress: &dyn Progress,
    label: &str,
) -> Result<Read<S>, CloudtrailError> {
    let config = aws::config().await;
    let mut builder = aws_sdk_s3::config::Builder::from(&config);
    if aws::custom_endpoint(&config) {
        // A local endpoint (`http://localhost:5000`) has no virtual-host DNS.
        builder = builder.force_path_style(true);
    }
    let client = aws_sdk_s3::Client::from_conf(builder.build());
    let mut stats = SourceStats {
        source: label.to_string(),
        ..SourceStats::default()
    };
    let keys = list_keys(&client, bucket, prefix, window, &mut stats, label).await?;
    progress.start(label, keys.len() as u64);

    let window = Arc::new(window.clone());
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let pool: Pool<S> = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for (key, size) in keys {
        let client = client.clone();
        let bucket = bucket.to_string();
        let window = Arc::clone(&window);
        let limit = Arc::clone(&limit);
        let pool = Arc::clone(&pool);
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            fetch_one::<S>(&client, &bucket, &key, size, &window, &pool).await
        });
    }
    let mut diagnostics = Vec::new();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok((st, d))) => {
                progress.advance(st.bytes, st.json_bytes, st.records);
                stats.add(&st);
                diagnostics.extend(d);
            }
            Ok(Err(e)) => {
                stats.problem_files += 1;
                if first_error.is_none() {
                    first_error = Some(e.clone());
                }
                diagnostics.push(Diagnostic::warning(codes::UNREADABLE_FILE, e));
            }
            Err(e) => diagnostics.push(Diagnostic::warning(codes::UNREADABLE_FILE, e.to_string())),
        }
    }
    let mut sink = S::default();
    for s in std::mem::take(&mut *pool.lock().unwrap_or_else(|e| e.into_inner())) {
        sink.merge(s);
    }
    if stats.files == 0
        && let Some(e) = first_error
    {
        return Err(service_error(label, e));
    }
    diagnostics.sort();
    Ok(Read {
        sink,
        stats,
        diagnostics,
    })
}

async fn list_keys(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    window: &Window,
    stats: &mut SourceStats,
    label: &str,
) -> Result<Vec<(String, u64)>, CloudtrailError> {
    let mut keys = Vec::new();
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| service_error(label, sdk_message(&e)))?;
        for obj in page.contents() {
            let Some(key) = obj.key() else { continue };
            let lower = key.to_ascii_lowercase();
            if !EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                continue;
            }
            if key.contains("/CloudTrail-Digest/") || lower.contains("_cloudtrail-digest_") {
                stats.files_skipped += 1;
                continue;
            }
            if let Some(date) = date_of_path(key)
                && !window.may_hold(&date)
            {
                stats.files_skipped += 1;
                continue;
            }
            keys.push((key.to_string(), obj.size().unwrap_or(0).max(0) as u64));
        }
    }
    keys.sort();
    Ok(keys)
}

type Fetched = (SourceStats, Vec<Diagnostic>);

/// Sinks not in use; an object being read has one to itself.
type Pool<S> = Arc<Mutex<Vec<S>>>;

async fn fetch_one<S: RecordSink + 'static>(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    size: u64,
    window: &Arc<Window>,
    pool: &Pool<S>,
) -> Result<Fetched, String> {
    let name = format!("s3://{bucket}/{key}");
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("{name}: {}", sdk_message(&e)))?;
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| format!("{name}: {e}"))?
        .into_bytes();
    let window = Arc::clone(window);
    let shown = name.clone();
    let pool = Arc::clone(pool);
    tokio::task::spawn_blocking(move || {
        let taken = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut sink = taken.unwrap_or_default();
        let mut stats = SourceStats {
            bytes: if size > 0 { size } else { body.len() as u64 },
            ..SourceStats::default()
        };
        let mut diags = Vec::new();
        read_stream(
            &PathBuf::from(&name),
            &body[..],
            &window,
            &mut sink,
            &mut stats,
            &mut diags,
        );
        pool.lock().unwrap_or_else(|e| e.into_inner()).push(sink);
        (stats, diags)
    })
    .await
    .map_err(|e| format!("{shown}: {e}"))
}

//! `lookup-events`: the CloudTrail LookupEvents API through aws-sdk-cloudtrail. It holds
//! management events only (no S3 object, DynamoDB item, Lambda Invoke, SQS or SNS data
//! events) for the last 90 days of one region, and allows 2 requests per second per
//! account and region: pages are paced at that rate, and throttling is retried with the
//! SDK's backoff. Each event's `CloudTrailEvent` is the whole record as a JSON string.

use std::time::{Duration, Instant};

use aws_sdk_cloudtrail::primitives::DateTime;

use crate::diagnostics::{Diagnostic, codes};

use super::aws::{self, sdk_message, service_error};
use super::record::parse_value;
use super::window::Window;
use super::{CloudtrailError, Progress, Read, RecordSink, SourceStats};

/// LookupEvents allows 2 requests per second per account and region.
const MIN_INTERVAL: Duration = Duration::from_millis(500);
const PAGE_SIZE: i32 = 50;
const MAX_ATTEMPTS: u32 = 6;

pub const NOTE: &str = "LookupEvents holds management events only (no data events: S3 objects, DynamoDB items, Lambda Invoke, SQS and SNS messages), for the last 90 days of one region";

pub fn read<S: RecordSink>(window: &Window, progress: &dyn Progress) -> Result<Read<S>, CloudtrailError> {
    let label = "lookup-events";
    let rt = aws::runtime(label)?;
    rt.block_on(async {
        let config = aws::config().await;
        let conf = aws_sdk_cloudtrail::config::Builder::from(&config)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .build();
        let client = aws_sdk_cloudtrail::Client::from_conf(conf);
        read_with(&client, window, progress).await
    })
}

async fn read_with<S: RecordSink>(
    client: &aws_sdk_cloudtrail::Client,
    window: &Window,
    progress: &dyn Progress,
) -> Result<Read<S>, CloudtrailError> {
    let label = "lookup-events";
    let mut stats = SourceStats {
        source: label.into(),
        note: Some(NOTE.into()),
        ..SourceStats::default()
    };
    progress.start(label, 0);
    let mut sink = S::default();
    let mut token: Option<String> = None;
    let mut last_request: Option<Instant> = None;
    loop {
        if let Some(t) = last_request {
            let since = t.elapsed();
            if since < MIN_INTERVAL {
                tokio::time::sleep(MIN_INTERVAL - since).await;
            }
        }
        last_request = Some(Instant::now());
        let mut req = client
            .lookup_events()
            .max_results(PAGE_SIZE)
            .set_next_token(token.clone());
        if let Some(s) = window.since.as_deref().and_then(to_datetime) {
            req = req.start_time(s);
        }
        if let Some(u) = window.until.as_deref().and_then(to_datetime) {
            req = req.end_time(u);
        }
        let page = req.send().await.map_err(|e| service_error(label, sdk_message(&e)))?;
        stats.files += 1;
        let mut json_bytes = 0;
        let mut records = 0;
        for event in page.events() {
            let Some(text) = event.cloud_trail_event() else {
                stats.malformed += 1;
                continue;
            };
            json_bytes += text.len() as u64;
            let parsed = parse_value(text.as_bytes(), &mut |r| {
                if window.contains(r.event_time.as_deref()) {
                    sink.record(&r);
                } else {
                    stats.outside_window += 1;
                }
            });
            records += parsed.records;
            stats.malformed += parsed.malformed + parsed.foreign;
        }
        stats.json_bytes += json_bytes;
        stats.bytes += json_bytes;
        stats.records += records;
        progress.advance(json_bytes, json_bytes, records);
        token = page.next_token().map(String::from).filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    let diagnostics = vec![Diagnostic::warning(
        codes::CLOUDTRAIL_SOURCE_LIMIT,
        format!("{label}: {NOTE}"),
    )];
    Ok(Read {
        sink,
        stats,
        diagnostics,
    })
}

fn to_datetime(t: &str) -> Option<DateTime> {
    let ts: jiff::Timestamp = t.parse().ok()?;
    Some(DateTime::from_secs(ts.as_second()))
}

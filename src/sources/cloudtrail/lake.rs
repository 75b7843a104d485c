//! `lake:EVENT_DATA_STORE_ID`: the same aggregation run by CloudTrail Lake (StartQuery,
//! then GetQueryResults polled until the query finishes and paged). Rows come back as
//! lists of single-key maps, every value a string.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudtrail::types::QueryStatus;

use super::aws::{self, sdk_message, service_error};
use super::sql::{self, Dialect, Query};
use super::{CloudtrailError, Progress, Read, ReadOptions, RecordSink, SourceStats};

const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

pub fn read<S: RecordSink>(
    store: &str,
    opts: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Read<S>, CloudtrailError> {
    let label = format!("lake:{store}");
    let rt = aws::runtime(&label)?;
    rt.block_on(async {
        let config = aws::config().await;
        let client = aws_sdk_cloudtrail::Client::new(&config);
        read_with(&client, store, opts, progress, &label).await
    })
}

/// The event data store id as it goes after FROM: the last part of an ARN.
fn store_id(store: &str) -> &str {
    store.rsplit('/').next().unwrap_or(store)
}

async fn read_with<S: RecordSink>(
    client: &aws_sdk_cloudtrail::Client,
    store: &str,
    opts: &ReadOptions,
    progress: &dyn Progress,
    label: &str,
) -> Result<Read<S>, CloudtrailError> {
    let query = Query {
        table: store_id(store).to_string(),
        window: opts.window.clone(),
        roles: opts.roles.clone(),
        sessions: opts.sessions.clone(),
        ..Query::default()
    };
    let text = sql::aggregation(&query, Dialect::Lake);
    let started = client
        .start_query()
        .query_statement(text)
        .send()
        .await
        .map_err(|e| service_error(label, sdk_message(&e)))?;
    let id = started
        .query_id()
        .ok_or_else(|| service_error(label, "StartQuery returned no query id"))?
        .to_string();
    progress.start(label, 0);
    let mut stats = SourceStats {
        source: label.to_string(),
        ..SourceStats::default()
    };
    let mut sink = S::default();
    let mut token: Option<String> = None;
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(200);
    loop {
        let page = client
            .get_query_results()
            .query_id(&id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| service_error(label, sdk_message(&e)))?;
        match page.query_status() {
            Some(QueryStatus::Finished) => {}
            Some(QueryStatus::Queued) | Some(QueryStatus::Running) | None => {
                if waited > MAX_WAIT {
                    return Err(service_error(
                        label,
                        format!("query {id} still running after {MAX_WAIT:?}"),
                    ));
                }
                tokio::time::sleep(pause).await;
                waited += pause;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
            Some(other) => {
                let why = page.error_message().unwrap_or("no reason given");
                return Err(service_error(
                    label,
                    format!("query {id} ended {}: {why}", other.as_str()),
                ));
            }
        }
        if let Some(s) = page.query_statistics()
            && let Some(b) = s.bytes_scanned()
        {
            stats.bytes = stats.bytes.max(b.max(0) as u64);
        }
        stats.files += 1;
        let mut records = 0;
        for row in page.query_result_rows() {
            let map: BTreeMap<&str, &str> = row
                .iter()
                .flat_map(|cell| cell.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .collect();
            match sql::row_to_record(&|k| map.get(k).map(|v| v.to_string())) {
                Some(r) => {
                    records += r.count;
                    sink.record(&r);
                }
                None => stats.malformed += 1,
            }
        }
        stats.records += records;
        progress.advance(0, 0, records);
        token = page.next_token().map(String::from).filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    Ok(Read {
        sink,
        stats,
        diagnostics: Vec::new(),
    })
}

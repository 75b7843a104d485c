//! `athena:DATABASE.TABLE`: the aggregation pushed down to Amazon Athena over the
//! standard CloudTrail table, through aws-sdk-athena: GetTableMetadata (to find
//! partition-projection columns), StartQueryExecution, GetQueryExecution polled with
//! backoff, GetQueryResults paged. Only the aggregate rows come back; each becomes a
//! record carrying its count.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::aws::{self, sdk_message, service_error};
use super::sql::{self, Dialect, Partitions, Query};
use super::{CloudtrailError, Progress, Read, ReadOptions, RecordSink, SourceStats};

/// Give up waiting for a query after this long.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

pub fn read<S: RecordSink>(
    database: &str,
    table: &str,
    opts: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Read<S>, CloudtrailError> {
    let label = format!("athena:{database}.{table}");
    let rt = aws::runtime(&label)?;
    rt.block_on(async {
        let config = aws::config().await;
        let client = aws_sdk_athena::Client::new(&config);
        read_with(&client, database, table, opts, progress, &label).await
    })
}

async fn read_with<S: RecordSink>(
    client: &aws_sdk_athena::Client,
    database: &str,
    table: &str,
    opts: &ReadOptions,
    progress: &dyn Progress,
    label: &str,
) -> Result<Read<S>, CloudtrailError> {
    let partitions = partitions(client, database, table).await;
    let query = Query {
        table: sql::athena_table(database, table),
        window: opts.window.clone(),
        roles: opts.roles.clone(),
        sessions: opts.sessions.clone(),
        partitions,
        regions: Vec::new(),
    };
    let text = sql::aggregation(&query, Dialect::Athena);
    let mut start = client
        .start_query_execution()
        .query_string(text)
        .query_execution_context(QueryExecutionContext::builder().database(database).build());
    if let Some(w) = &opts.athena_workgroup {
        start = start.work_group(w);
    }
    if let Some(o) = &opts.athena_output {
        start = start.result_configuration(ResultConfiguration::builder().output_location(o).build());
    }
    let started = start.send().await.map_err(|e| service_error(label, sdk_message(&e)))?;
    let id = started
        .query_execution_id()
        .ok_or_else(|| service_error(label, "StartQueryExecution returned no query id"))?
        .to_string();
    progress.start(label, 0);

    let mut stats = SourceStats {
        source: label.to_string(),
        ..SourceStats::default()
    };
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(200);
    loop {
        let exec = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| service_error(label, sdk_message(&e)))?;
        let q = exec.query_execution();
        let status = q.and_then(|q| q.status());
        match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => {
                if let Some(scanned) = q.and_then(|q| q.statistics()).and_then(|s| s.data_scanned_in_bytes()) {
                    stats.bytes = scanned.max(0) as u64;
                }
                break;
            }
            Some(QueryExecutionState::Failed) | Some(QueryExecutionState::Cancelled) => {
                let why = status
                    .and_then(|s| s.state_change_reason())
                    .unwrap_or("no reason given");
                return Err(service_error(label, format!("query {id} did not succeed: {why}")));
            }
            _ => {}
        }
        if waited > MAX_WAIT {
            return Err(service_error(
                label,
                format!("query {id} still running after {MAX_WAIT:?}"),
            ));
        }
        tokio::time::sleep(pause).await;
        waited += pause;
        pause = (pause * 2).min(Duration::from_secs(5));
    }

    let mut sink = S::default();
    let mut header: Option<Vec<String>> = None;
    let mut pages = client
        .get_query_results()
        .query_execution_id(&id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| service_error(label, sdk_message(&e)))?;
        stats.files += 1;
        let Some(set) = page.result_set() else { continue };
        let mut records = 0;
        for row in set.rows() {
            let values: Vec<Option<String>> = row
                .data()
                .iter()
                .map(|d| d.var_char_value().map(String::from))
                .collect();
            let Some(names) = &header else {
                // The first row of the first page repeats the column names.
                header = Some(values.into_iter().map(Option::unwrap_or_default).collect());
                continue;
            };
            let map: BTreeMap<&str, Option<String>> = names.iter().map(String::as_str).zip(values).collect();
            match sql::row_to_record(&|k| map.get(k).cloned().flatten()) {
                Some(r) => {
                    records += r.count;
                    sink.record(&r);
                }
                None => stats.malformed += 1,
            }
        }
        stats.records += records;
        progress.advance(0, 0, records);
    }
    Ok(Read {
        sink,
        stats,
        diagnostics: Vec::new(),
    })
}

/// The table's partition-projection columns: a `yyyy/MM/dd` date and the region.
async fn partitions(client: &aws_sdk_athena::Client, database: &str, table: &str) -> Partitions {
    let Ok(meta) = client
        .get_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name(database)
        .table_name(table)
        .send()
        .await
    else {
        return Partitions::default();
    };
    let Some(t) = meta.table_metadata() else {
        return Partitions::default();
    };
    let params = t.parameters();
    let mut out = Partitions::default();
    for col in t.partition_keys() {
        let name = col.name().to_string();
        let format = params
            .and_then(|p| p.get(&format!("projection.{name}.format")))
            .map(String::as_str);
        let lower = name.to_ascii_lowercase();
        if matches!(format, Some("yyyy/MM/dd")) || (format.is_none() && matches!(lower.as_str(), "timestamp" | "date"))
        {
            out.date = Some(name);
        } else if lower == "region" {
            out.region = Some(name);
        }
    }
    out
}

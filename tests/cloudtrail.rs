//! CloudTrail integration tests: the real binary reading the evaluation trail, the real
//! samples, the example's trail, broken files, and the API sources against moto's server
//! (S3, Athena) and a loopback server speaking the CloudTrail wire format (LookupEvents,
//! CloudTrail Lake), all on 127.0.0.1.

mod cloudtrail_support;

use std::collections::BTreeSet;

use cloudtrail_support::*;
use serde_json::{Value, json};

fn function<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("function {name} in the report"))
}

fn actions(f: &Value) -> BTreeSet<String> {
    f["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap().to_string())
        .collect()
}

fn sources_of(f: &Value, action: &str) -> Vec<String> {
    f["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == action)
        .map(|p| {
            p["sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The evaluation corpus gains the observed-only actions and the denials, and nothing a
/// label does not allow.
#[test]
fn eval_trail_adds_observed_actions_and_marks_denials() {
    let Some(eval) = shared("eval") else { return };
    let out = leastpriv(&[
        "generate",
        eval.join("functions").to_str().unwrap(),
        "--cloudtrail",
        eval.join("cloudtrail").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let ops = function(&report, "py_ops_dispatch");
    for a in ["ec2:StartInstances", "ec2:StopInstances"] {
        assert_eq!(sources_of(ops, a), ["cloudtrail"], "{a}: {ops:#}");
    }
    let checkout = function(&report, "ts_checkout");
    let denied = &checkout["cloudtrail"]["denied"];
    assert_eq!(denied[0]["action"], "dynamodb:UpdateItem", "{denied:#}");
    assert!(denied[0]["resource"].as_str().unwrap().ends_with(":table/Products"));
    // Every action granted is one the labels require or allow.
    let labels: Value = serde_json::from_slice(&std::fs::read(eval.join("labels.json")).unwrap()).unwrap();
    for (name, label) in labels["functions"].as_object().unwrap() {
        let allowed: BTreeSet<String> = ["actions", "optional_actions"]
            .iter()
            .flat_map(|k| label[*k].as_array().cloned().unwrap_or_default())
            .map(|a| a.as_str().unwrap().to_ascii_lowercase())
            .collect();
        for a in actions(function(&report, name)) {
            assert!(
                allowed.contains(&a.to_ascii_lowercase()),
                "{name}: {a} is not in its labels"
            );
        }
    }
    let summary = &report["cloudtrail"];
    assert_eq!(summary["records"], 388);
    assert_eq!(
        summary["attributed"].as_u64().unwrap() + summary["set_aside"].as_u64().unwrap(),
        388
    );
    // The digests are never read.
    assert!(!stderr(&out).contains("CloudTrail-Digest"), "{}", stderr(&out));
}

/// Every file of the real samples is read, and every role-session record is either
/// attributed or set aside.
#[test]
fn real_samples_are_all_read_and_accounted_for() {
    let Some(samples) = shared("cloudtrail-samples") else {
        return;
    };
    let out = leastpriv(&[
        "generate",
        "tests/fixtures/cloudtrail/functions",
        "--cloudtrail",
        samples.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let s = &report["cloudtrail"];
    let files = walk(&samples).iter().filter(|p| !p.ends_with("README.md")).count() as u64;
    assert_eq!(s["sources"][0]["files"].as_u64().unwrap(), files, "{s:#}");
    assert_eq!(s["sources"][0]["problem_files"], 0, "{s:#}");
    assert_eq!(s["records"], 365);
    assert_eq!(s["malformed"], 0);
    assert_eq!(
        s["attributed"].as_u64().unwrap() + s["set_aside"].as_u64().unwrap(),
        365
    );
    // 100 role-session records: the function's, those made with its credentials from a
    // laptop, and the sessions no function claims.
    let level1 = function(&report, "level1");
    let own = level1["cloudtrail"]["records"].as_u64().unwrap();
    let outside = level1["cloudtrail"]["outside_lambda"].as_u64().unwrap();
    let unclaimed: u64 = s["unclaimed_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["records"].as_u64().unwrap())
        .sum();
    assert_eq!((own, outside), (5, 4));
    assert_eq!(own + outside + unclaimed, 100, "{s:#}");
    let others: u64 = s["other_principals"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(others + 100, 365);
    // The runtime's denied log-stream creation is marked; the stolen-credential calls
    // (ecr, s3 from aws-cli) grant nothing.
    assert_eq!(level1["cloudtrail"]["denied"][0]["action"], "logs:CreateLogStream");
    assert_eq!(actions(level1), BTreeSet::from(["logs:CreateLogStream".to_string()]));
}

#[test]
fn example_trail_is_attributed_by_deployed_name_patterns() {
    let out = leastpriv(&[
        "generate",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let want = [
        ("OrdersApi", 81),
        ("FulfillmentWorker", 89),
        ("ReceiptMailer", 61),
        ("CatalogSync", 61),
        ("NightlyReport", 12),
    ];
    for (name, records) in want {
        let f = function(&report, name);
        assert_eq!(f["cloudtrail"]["records"], records, "{name}: {:#}", f["cloudtrail"]);
        assert_eq!(f["cloudtrail"]["sessions"][0]["matched_by"], "deployed-name");
    }
    let sync = function(&report, "CatalogSync");
    assert_eq!(sync["cloudtrail"]["denied"][0]["action"], "dynamodb:Scan");
    assert_eq!(report["cloudtrail"]["set_aside"], 119);
    assert_eq!(report["cloudtrail"]["sources"][0]["files"], 43);
}

#[test]
fn window_filters_by_date_folder_and_record_time() {
    let out = leastpriv(&[
        "generate",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
        "--since",
        "2026-11-10",
        "--until",
        "2026-11-10T12:00:00Z",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = &json(&out)["cloudtrail"]["sources"][0];
    assert!(s["files_skipped"].as_u64().unwrap() > 0, "{s:#}");
    assert!(s["records"].as_u64().unwrap() < 423, "{s:#}");
    let bad = leastpriv(&[
        "generate",
        "examples/shop",
        "--cloudtrail",
        "examples/shop/cloudtrail",
        "--since",
        "soon",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A truncated gzip, a malformed record and a file that is not CloudTrail: each named in
/// one warning, the rest still read.
#[test]
fn broken_logs_are_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let rec = |name: &str| {
        json!({"eventVersion": "1.08", "eventTime": "2026-11-02T10:00:00Z", "eventSource": "sqs.amazonaws.com",
               "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": "123456789012",
               "userAgent": "Boto3/1.34 exec-env/AWS_Lambda_python3.12",
               "requestParameters": {"queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"},
               "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/worker-role/worker",
                                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::123456789012:role/worker-role", "userName": "worker-role"}}}})
    };
    let good = json!({"Records": [rec("SendMessage"), rec("ReceiveMessage")]}).to_string();
    std::fs::write(dir.path().join("good.json.gz"), gzip(good.as_bytes())).unwrap();
    let cut = gzip(
        json!({"Records": [rec("DeleteMessage"), rec("DeleteMessage")]})
            .to_string()
            .as_bytes(),
    );
    std::fs::write(dir.path().join("cut.json.gz"), &cut[..cut.len() / 2]).unwrap();
    let mut bad = rec("GetQueueUrl");
    bad["userIdentity"] = json!("nobody");
    std::fs::write(
        dir.path().join("lines.jsonl"),
        format!("{}\n{}\n", rec("SendMessage"), bad),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.json"), b"{\"hello\": \"world\"}").unwrap();
    std::fs::write(dir.path().join("table.json"), b"id,name\n1,x\n").unwrap();
    let funcs = tempfile::tempdir().unwrap();
    std::fs::create_dir(funcs.path().join("worker")).unwrap();
    std::fs::write(funcs.path().join("worker/app.py"), "import boto3\n").unwrap();
    let out = leastpriv(&[
        "generate",
        funcs.path().to_str().unwrap(),
        "--cloudtrail",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for (file, code) in [
        ("cut.json.gz", "truncated-log"),
        ("lines.jsonl", "malformed-record"),
        ("notes.json", "not-cloudtrail"),
        ("table.json", "not-cloudtrail"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("a warning names {file}: {err}"));
        assert!(line.contains(code), "{line}");
    }
    let report = json(&out);
    let worker = function(&report, "worker");
    assert_eq!(
        actions(worker),
        BTreeSet::from(["sqs:ReceiveMessage".to_string(), "sqs:SendMessage".to_string()])
    );
    assert_eq!(report["cloudtrail"]["malformed"], 1);
    assert_eq!(report["cloudtrail"]["sources"][0]["problem_files"], 3);
}

#[test]
fn function_map_pins_a_session_and_function_filter_limits_evidence() {
    let Some(eval) = shared("eval") else { return };
    let map = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(map.path(), "py_health_ping = \"health-*\"\n").unwrap();
    let out = leastpriv(&[
        "generate",
        eval.join("functions").to_str().unwrap(),
        "--cloudtrail",
        eval.join("cloudtrail").to_str().unwrap(),
        "--function-map",
        map.path().to_str().unwrap(),
        "--function-map",
        "js_ddb_record_formatter=orders-pipe-formatter",
        "--function",
        "py_health_ping",
        "--function",
        "js_ddb_*",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let ping = &function(&report, "py_health_ping")["cloudtrail"];
    assert_eq!(ping["sessions"][0]["matched_by"], "function-map", "{ping:#}");
    let fmt = &function(&report, "js_ddb_record_formatter")["cloudtrail"];
    assert_eq!(fmt["sessions"][0]["session"], "orders-pipe-formatter");
    assert!(function(&report, "py_ops_dispatch").get("cloudtrail").is_none());
}

/// The S3 source against moto: the flaws2 trail objects, one with Content-Encoding gzip.
#[test]
fn s3_source_reads_the_trail_bucket() {
    let Some(samples) = shared("cloudtrail-samples") else {
        return;
    };
    let Some(moto) = Moto::start() else { return };
    let root = samples.join("flaws2-cloud");
    moto.request("PUT", "/trail-bucket", &[], b"");
    let mut n = 0;
    for file in walk(&root) {
        let key = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let headers: &[(&str, &str)] = if n == 0 {
            &[("Content-Encoding", "gzip"), ("Content-Type", "application/json")]
        } else {
            &[]
        };
        let (status, _) = moto.request(
            "PUT",
            &format!("/trail-bucket/logs/{key}"),
            headers,
            &std::fs::read(&file).unwrap(),
        );
        assert_eq!(status, 200, "PUT {key}");
        n += 1;
    }
    // A digest beside them is never fetched.
    moto.request(
        "PUT",
        "/trail-bucket/logs/AWSLogs/653711331788/CloudTrail-Digest/us-east-1/2018/11/28/d.json.gz",
        &[],
        b"not even gzip",
    );
    let out = moto.leastpriv(&[
        "generate",
        "tests/fixtures/cloudtrail/functions",
        "--cloudtrail",
        "s3://trail-bucket/logs/",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let s = &report["cloudtrail"]["sources"][0];
    assert_eq!(s["files"], n, "{s:#}");
    assert_eq!(s["records"], 37, "{s:#}");
    assert_eq!(s["files_skipped"], 1, "{s:#}");
    let level1 = function(&report, "level1");
    assert_eq!(level1["cloudtrail"]["records"], 5);
    assert_eq!(level1["cloudtrail"]["denied"][0]["action"], "logs:CreateLogStream");
}

/// Athena through moto: the query runs, and its (seeded) aggregate rows are attributed.
#[test]
fn athena_source_ingests_the_aggregate() {
    let Some(moto) = Moto::start() else { return };
    let header = [
        "role_arn",
        "principal_arn",
        "identity_type",
        "event_source",
        "event_name",
        "error_code",
        "records",
        "first_seen",
        "last_seen",
        "p_table",
    ];
    let row = |v: [&str; 10]| json!({"Data": v.iter().map(|x| json!({"VarCharValue": x})).collect::<Vec<_>>()});
    let rows = vec![
        row(header),
        row([
            "arn:aws:iam::123456789012:role/worker-role",
            "arn:aws:sts::123456789012:assumed-role/worker-role/worker",
            "AssumedRole",
            "dynamodb.amazonaws.com",
            "PutItem",
            "",
            "1532",
            "2026-11-02 08:00:00.000",
            "2026-11-05 10:00:00.000",
            "Orders",
        ]),
        row([
            "arn:aws:iam::123456789012:role/worker-role",
            "arn:aws:sts::123456789012:assumed-role/worker-role/worker",
            "AssumedRole",
            "dynamodb.amazonaws.com",
            "Scan",
            "AccessDenied",
            "3",
            "2026-11-03 08:00:00.000",
            "2026-11-03 09:00:00.000",
            "Orders",
        ]),
    ];
    let columns: Vec<Value> = header
        .iter()
        .map(|h| json!({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": h, "Label": h, "Type": "varchar", "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true}))
        .collect();
    let seed = json!({"account_id": "123456789012", "region": "us-east-1",
                      "results": [{"rows": rows, "column_info": columns}]});
    let (status, body) = moto.request(
        "POST",
        "/moto-api/static/athena/query-results",
        &[],
        seed.to_string().as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let funcs = tempfile::tempdir().unwrap();
    std::fs::create_dir(funcs.path().join("worker")).unwrap();
    std::fs::write(funcs.path().join("worker/app.py"), "import boto3\n").unwrap();
    let out = moto.leastpriv(&[
        "generate",
        funcs.path().to_str().unwrap(),
        "--cloudtrail",
        "athena:cloudtrail_db.trail_logs",
        "--athena-output",
        "s3://athena-results/leastpriv/",
        "--athena-workgroup",
        "primary",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let w = function(&report, "worker");
    assert_eq!(w["cloudtrail"]["records"], 1535, "{:#}", w["cloudtrail"]);
    let put = w["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == "dynamodb:PutItem")
        .unwrap();
    assert_eq!(put["evidence"][0]["count"], 1532);
    assert_eq!(put["evidence"][0]["first_seen"], "2026-11-02T08:00:00Z");
    assert_eq!(w["cloudtrail"]["denied"][0]["action"], "dynamodb:Scan");
}

/// LookupEvents through the real SDK client against a loopback server speaking its wire
/// format: paginated, throttled once, every record a JSON string.
#[test]
fn lookup_events_pages_and_retries() {
    let Some(samples) = shared("cloudtrail-samples") else {
        return;
    };
    let records = flaws2_records(&samples);
    let stub = Stub::start(move |target, body, n| match target {
        "LookupEvents" => {
            if n == 0 {
                return (
                    400,
                    json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
                );
            }
            let page: usize = body["NextToken"].as_str().map(|t| t.parse().unwrap()).unwrap_or(0);
            let events: Vec<Value> = records
                .iter()
                .skip(page * 10)
                .take(10)
                .map(|r| {
                    json!({"EventId": r["eventID"], "EventName": r["eventName"], "EventTime": 1543444319,
                               "CloudTrailEvent": r.to_string()})
                })
                .collect();
            let mut out = json!({"Events": events});
            if (page + 1) * 10 < records.len() {
                out["NextToken"] = json!((page + 1).to_string());
            }
            (200, out)
        }
        other => (400, json!({"__type": "UnknownOperationException", "message": other})),
    });
    let out = stub.leastpriv(&[
        "generate",
        "tests/fixtures/cloudtrail/functions",
        "--cloudtrail",
        "lookup-events",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("management events only"), "{}", stderr(&out));
    let report = json(&out);
    let s = &report["cloudtrail"]["sources"][0];
    assert_eq!(s["records"], 37, "{s:#}");
    assert_eq!(s["files"], 4, "{s:#}");
    assert!(s["note"].as_str().unwrap().contains("no data events"));
    assert_eq!(function(&report, "level1")["cloudtrail"]["records"], 5);
    // Throttled once, then 4 pages.
    assert_eq!(stub.requests().len(), 5);
}

/// CloudTrail Lake: StartQuery with the aggregation, then GetQueryResults polled until
/// it finishes; rows are lists of single-key maps.
#[test]
fn lake_runs_the_aggregation_and_reads_rows() {
    let stub = Stub::start(|target, _body, n| match target {
        "StartQuery" => (200, json!({"QueryId": "q-1"})),
        "GetQueryResults" if n < 2 => (200, json!({"QueryStatus": "RUNNING"})),
        "GetQueryResults" => (
            200,
            json!({"QueryStatus": "FINISHED",
                   "QueryStatistics": {"ResultsCount": 1, "TotalResultsCount": 1, "BytesScanned": 1234},
                   "QueryResultRows": [[
                       {"role_arn": "arn:aws:iam::123456789012:role/worker-role"},
                       {"principal_arn": "arn:aws:sts::123456789012:assumed-role/worker-role/worker"},
                       {"identity_type": "AssumedRole"},
                       {"event_source": "sqs.amazonaws.com"},
                       {"event_name": "SendMessageBatch"},
                       {"error_code": ""},
                       {"agent": "exec-env/AWS_Lambda"},
                       {"p_queue": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"},
                       {"records": "17"},
                       {"first_seen": "2026-11-02 08:00:00.000"},
                       {"last_seen": "2026-11-04 08:00:00.000"}]]}),
        ),
        other => (400, json!({"__type": "UnknownOperationException", "message": other})),
    });
    let funcs = tempfile::tempdir().unwrap();
    std::fs::create_dir(funcs.path().join("worker")).unwrap();
    std::fs::write(funcs.path().join("worker/app.py"), "import boto3\n").unwrap();
    let out = stub.leastpriv(&[
        "generate",
        funcs.path().to_str().unwrap(),
        "--cloudtrail",
        "lake:eds-0123456789abcdef",
        "--since",
        "2026-11-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let w = function(&report, "worker");
    let send = w["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == "sqs:SendMessage")
        .unwrap();
    assert_eq!(send["resources"][0], "arn:aws:sqs:*:*:jobs");
    assert_eq!(send["evidence"][0]["count"], 17);
    let reqs = stub.requests();
    let start = reqs.iter().find(|(t, _)| t == "StartQuery").unwrap();
    let sql = start.1["QueryStatement"].as_str().unwrap();
    assert!(sql.contains("FROM eds-0123456789abcdef"), "{sql}");
    assert!(sql.contains("eventTime >= timestamp '2026-11-01 00:00:00'"), "{sql}");
    assert_eq!(reqs.iter().filter(|(t, _)| t == "GetQueryResults").count(), 3);
}

fn flaws2_records(samples: &std::path::Path) -> Vec<Value> {
    let mut out = Vec::new();
    for f in walk(&samples.join("flaws2-cloud")) {
        let bytes = std::fs::read(&f).unwrap();
        let mut text = String::new();
        use std::io::Read as _;
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        out.extend(v["Records"].as_array().unwrap().iter().cloned());
    }
    out
}

/// The aggregation SQL, run by DuckDB over the example's trail files, gives the same
/// (session, action, resource, via, denied) counts as the file reader. DuckDB stands in
/// for Athena: the query is the DuckDB rendering of the same builder (see `sql.rs` for
/// where the dialects differ).
#[test]
fn aggregation_sql_agrees_with_the_file_reader_in_duckdb() {
    use leastpriv::evidence::observed::Observed;
    use leastpriv::sources::cloudtrail::{NoProgress, RecordSink, Window, sql, trail_file};

    let has_duckdb = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_duckdb {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: python3 cannot import duckdb (python3 -m pip install duckdb)");
        }
        return;
    }
    let trail = repo().join("examples/shop/cloudtrail");
    let window = Window::parse(Some("2026-11-09T12:00:00Z"), Some("2026-11-11T06:00:00Z")).unwrap();
    let query = sql::Query {
        table: "trail".into(),
        window: window.clone(),
        roles: vec!["shop-prod-*".into()],
        ..sql::Query::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let sql_file = dir.path().join("q.sql");
    std::fs::write(&sql_file, sql::aggregation(&query, sql::Dialect::DuckDb)).unwrap();
    let glob = trail.join("AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz");
    let out = std::process::Command::new("python3")
        .arg(repo().join("tests/fixtures/cloudtrail/duckdb_trail.py"))
        .arg(glob.to_str().unwrap())
        .arg(&sql_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rows.is_empty());
    let mut from_sql = Observed::default();
    for row in &rows {
        let r = sql::row_to_record(&|k| row.get(k).and_then(|v| v.as_str()).map(String::from)).unwrap();
        from_sql.record(&r);
    }
    from_sql.finish();
    let read = trail_file::read::<Observed>(&trail, &window, &NoProgress).unwrap();
    let counts = |o: &Observed| -> std::collections::BTreeMap<String, u64> {
        o.sessions
            .iter()
            .filter(|(s, _)| s.role_name.starts_with("shop-prod-"))
            .flat_map(|(s, calls)| {
                calls.calls.iter().map(move |(k, v)| {
                    (
                        format!(
                            "{} {} {} {} {:?} {}",
                            s.role_name, s.name, k.action, k.resource, k.via, k.denied
                        ),
                        v.count,
                    )
                })
            })
            .collect()
    };
    let (a, b) = (counts(&from_sql), counts(&read.sink));
    assert!(a.len() > 20, "{a:#?}");
    assert_eq!(a, b);
}

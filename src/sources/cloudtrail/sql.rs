//! The one aggregation query pushed down to a SQL engine over CloudTrail (Athena's
//! standard CloudTrail table, CloudTrail Lake, and DuckDB in tests), and the mapping of
//! its rows back to [`Record`]s carrying a count.
//!
//! The query groups by principal (role ARN, identity ARN with the session), event source
//! and name, error code, the caller kind (Lambda worker / Lambda runtime / other), the
//! authentication method, and the request parameters that name resources (S3 keys cut to
//! their first `/` segment, so objects do not explode the groups), and returns the count
//! with the first and last time. It is filtered by the window, by the roles and sessions
//! in scope, and by the partition-projection columns when the table has them.
//!
//! Dialects differ in a few places, all in [`Dialect`] methods; everything else is common
//! text. Differences: the JSON scalar function (`json_extract_scalar` in Athena,
//! `json_extract_string` in DuckDB, map `element_at` for Lake, whose `requestParameters`
//! is a map), quoting a JSON key with `-` (`$["k"]` vs `$."k"`), the first element of
//! `resources` (`element_at(a, 1)` vs `a[1]`), the transaction-items expression (Trino's
//! `transform(..., x -> ...)`/`array_join` vs DuckDB's `list_transform(..., lambda x: ...)`/
//! `array_to_string`), column case (Lake uses camelCase) and time literals (Lake's
//! `eventTime` is a timestamp).

use std::borrow::Cow;

use super::record::{Identity, Record, Resource};
use super::window::{Window, normalize_time};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Amazon Athena (Trino) over the standard CloudTrail table.
    Athena,
    /// CloudTrail Lake (Trino-based; typed columns, map parameters).
    Lake,
    /// DuckDB over a view with the Athena table's columns (tests).
    DuckDb,
}

/// Partition-projection columns of an Athena CloudTrail table, when it has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partitions {
    /// A `yyyy/MM/dd` string column (`timestamp` in AWS's example table).
    pub date: Option<String>,
    pub region: Option<String>,
}

/// What the query selects and filters.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `database.table` (quoted per part) or an event data store id.
    pub table: String,
    pub window: Window,
    /// Role names or globs (`orders-*`): records of other roles are filtered out where
    /// the data is.
    pub roles: Vec<String>,
    /// Session names or globs (function names).
    pub sessions: Vec<String>,
    pub partitions: Partitions,
    pub regions: Vec<String>,
}

/// Request parameters the query keeps: result column, CloudTrail key, and whether it is
/// an S3 key (cut to its first segment).
pub const PARAMS: &[(&str, &str, bool)] = &[
    ("p_bucket", "bucketName", false),
    ("p_key", "key", true),
    ("p_copy_source", "x-amz-copy-source", true),
    ("p_table", "tableName", false),
    ("p_index", "indexName", false),
    ("p_queue", "queueUrl", false),
    ("p_topic", "topicArn", false),
    ("p_function", "functionName", false),
    ("p_secret", "secretId", false),
    ("p_name", "name", false),
    ("p_key_id", "keyId", false),
    ("p_state_machine", "stateMachineArn", false),
    ("p_stream", "streamName", false),
    ("p_model", "modelId", false),
    ("p_role", "roleArn", false),
    ("p_log_group", "logGroupName", false),
];

/// Error codes that mean the call was denied.
pub const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
];

/// Result columns after the parameters.
pub const COLUMNS: &[&str] = &[
    "role_arn",
    "principal_arn",
    "identity_type",
    "event_source",
    "event_name",
    "aws_region",
    "account_id",
    "error_code",
    "error_message",
    "agent",
    "auth_method",
    "resource_arn",
    "p_items",
    "records",
    "first_seen",
    "last_seen",
    "event_id",
];

impl Dialect {
    fn col(self, athena: &'static str, lake: &'static str) -> &'static str {
        match self {
            Dialect::Lake => lake,
            _ => athena,
        }
    }

    fn param(self, key: &str) -> String {
        let plain = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match self {
            Dialect::Lake => format!("element_at(requestParameters, '{key}')"),
            Dialect::Athena if plain => format!("json_extract_scalar(requestparameters, '$.{key}')"),
            Dialect::Athena => format!("json_extract_scalar(requestparameters, '$[\"{key}\"]')"),
            Dialect::DuckDb if plain => format!("json_extract_string(requestparameters, '$.{key}')"),
            Dialect::DuckDb => format!("json_extract_string(requestparameters, '$.\"{key}\"')"),
        }
    }

    fn auth_method(self) -> String {
        match self {
            Dialect::Lake => "element_at(additionalEventData, 'AuthenticationMethod')".into(),
            Dialect::Athena => "json_extract_scalar(additionaleventdata, '$.AuthenticationMethod')".into(),
            Dialect::DuckDb => "json_extract_string(additionaleventdata, '$.AuthenticationMethod')".into(),
        }
    }

    fn first_resource(self) -> &'static str {
        match self {
            Dialect::Athena => "element_at(resources, 1).arn",
            Dialect::Lake => "element_at(resources, 1).arn",
            Dialect::DuckDb => "resources[1].arn",
        }
    }

    /// `Put Orders,Update Products`: each transaction item's operation and table.
    fn items(self) -> String {
        match self {
            Dialect::Athena => "array_join(array_sort(array_distinct(transform(CAST(json_extract(requestparameters, '$.requestItems') AS array(json)), x -> json_extract_scalar(x, '$.operation') || ' ' || json_extract_scalar(x, '$.tableName')))), ',')".into(),
            Dialect::Lake => "array_join(array_sort(array_distinct(transform(CAST(json_parse(element_at(requestParameters, 'requestItems')) AS array(json)), x -> json_extract_scalar(x, '$.operation') || ' ' || json_extract_scalar(x, '$.tableName')))), ',')".into(),
            Dialect::DuckDb => "array_to_string(array_sort(array_distinct(list_transform(CAST(json_extract(requestparameters, '$.requestItems') AS JSON[]), lambda x: json_extract_string(x, '$.operation') || ' ' || json_extract_string(x, '$.tableName')))), ',')".into(),
        }
    }

    fn time_literal(self, t: &str) -> String {
        match self {
            // `2026-11-02T10:00:00Z` → timestamp '2026-11-02 10:00:00'
            Dialect::Lake => format!("timestamp '{}'", t.trim_end_matches('Z').replace('T', " ")),
            _ => quote(t),
        }
    }

    fn time_text(self, expr: &str) -> String {
        match self {
            Dialect::Lake => format!("CAST({expr} AS varchar)"),
            _ => expr.to_string(),
        }
    }
}

/// The aggregation SQL for one dialect.
pub fn aggregation(q: &Query, d: Dialect) -> String {
    let c = |a, l| d.col(a, l);
    let role = format!("{}.sessioncontext.sessionissuer.arn", c("useridentity", "userIdentity"));
    let role = if d == Dialect::Lake {
        "userIdentity.sessionContext.sessionIssuer.arn".to_string()
    } else {
        role
    };
    let principal = c("useridentity.arn", "userIdentity.arn");
    let itype = c("useridentity.type", "userIdentity.type");
    let source = c("eventsource", "eventSource");
    let name = c("eventname", "eventName");
    let code = c("errorcode", "errorCode");
    let message = c("errormessage", "errorMessage");
    let agent = c("useragent", "userAgent");
    let time = c("eventtime", "eventTime");
    let id = c("eventid", "eventID");
    let denied = DENIED_CODES.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ");

    let mut keys: Vec<(String, &str)> = vec![
        (role.clone(), "role_arn"),
        (principal.to_string(), "principal_arn"),
        (itype.to_string(), "identity_type"),
        (source.to_string(), "event_source"),
        (name.to_string(), "event_name"),
        (c("awsregion", "awsRegion").to_string(), "aws_region"),
        (c("recipientaccountid", "recipientAccountId").to_string(), "account_id"),
        (format!("COALESCE({code}, '')"), "error_code"),
        (
            format!("CASE WHEN {code} IN ({denied}) THEN {message} END"),
            "error_message",
        ),
        (
            format!(
                "CASE WHEN {agent} LIKE '%awslambda-worker%' THEN 'awslambda-worker' \
                 WHEN {agent} LIKE '%exec-env/AWS_Lambda%' THEN 'exec-env/AWS_Lambda' \
                 WHEN {agent} IS NULL THEN NULL ELSE 'other' END"
            ),
            "agent",
        ),
        (d.auth_method(), "auth_method"),
        (
            format!(
                "CASE WHEN {source} = 's3.amazonaws.com' THEN NULL ELSE {} END",
                d.first_resource()
            ),
            "resource_arn",
        ),
        (
            format!(
                "CASE WHEN {name} IN ('TransactWriteItems', 'TransactGetItems') THEN {} END",
                d.items()
            ),
            "p_items",
        ),
    ];
    for (col, key, is_key) in PARAMS {
        let v = d.param(key);
        let expr = if *is_key {
            format!(
                "CASE WHEN strpos({v}, '/') > 0 THEN substr({v}, 1, strpos({v}, '/')) || '*' WHEN {v} IS NULL THEN NULL ELSE '*' END"
            )
        } else {
            v
        };
        keys.push((expr, col));
    }

    let mut sql = String::from("SELECT\n");
    for (expr, alias) in &keys {
        sql.push_str(&format!("  {expr} AS {alias},\n"));
    }
    sql.push_str("  count(*) AS records,\n");
    sql.push_str(&format!("  {} AS first_seen,\n", d.time_text(&format!("min({time})"))));
    sql.push_str(&format!("  {} AS last_seen,\n", d.time_text(&format!("max({time})"))));
    sql.push_str(&format!("  min({id}) AS event_id\n"));
    sql.push_str(&format!("FROM {}\n", q.table));

    let mut wheres = vec![format!("{itype} = 'AssumedRole'")];
    if let Some(s) = &q.window.since {
        wheres.push(format!("{time} >= {}", d.time_literal(s)));
    }
    if let Some(u) = &q.window.until {
        wheres.push(format!("{time} < {}", d.time_literal(u)));
    }
    if d != Dialect::Lake {
        if let Some(col) = &q.partitions.date {
            let day = |t: &str| quote(&t[..10].replace('-', "/"));
            if let Some(s) = &q.window.since {
                wheres.push(format!("\"{col}\" >= {}", day(s)));
            }
            if let Some(u) = &q.window.until {
                // Inclusive: the day of `until` can hold records before it.
                wheres.push(format!("\"{col}\" <= {}", day(u)));
            }
        }
        if let Some(col) = &q.partitions.region
            && !q.regions.is_empty()
        {
            let list = q.regions.iter().map(|r| quote(r)).collect::<Vec<_>>().join(", ");
            wheres.push(format!("\"{col}\" IN ({list})"));
        }
    }
    let mut scope = Vec::new();
    for r in &q.roles {
        scope.push(format!("{role} LIKE {} ESCAPE '\\'", like(&format!("*:role/*{r}"))));
    }
    for s in &q.sessions {
        scope.push(format!(
            "{principal} LIKE {} ESCAPE '\\'",
            like(&format!("*:assumed-role/*/{s}"))
        ));
    }
    if !scope.is_empty() {
        wheres.push(format!("({})", scope.join("\n    OR ")));
    }
    sql.push_str("WHERE ");
    sql.push_str(&wheres.join("\n  AND "));
    sql.push('\n');
    let n = keys.len();
    let group: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    sql.push_str(&format!("GROUP BY {}\n", group.join(", ")));
    sql
}

/// A SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A glob (`*`, `?`) as a LIKE pattern with `\` escapes, quoted.
pub fn like(glob: &str) -> String {
    let mut out = String::new();
    for ch in glob.chars() {
        match ch {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    quote(&out)
}

/// A database, table or column name leastpriv will put into SQL unquoted.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `database.table` for Athena, each part quoted.
pub fn athena_table(database: &str, table: &str) -> String {
    format!("\"{database}\".\"{table}\"")
}

/// One result row (by column name) as a record standing for `records` calls.
pub fn row_to_record(get: &dyn Fn(&str) -> Option<String>) -> Option<Record<'static>> {
    let s = |k: &str| -> Option<Cow<'static, str>> { get(k).filter(|v| !v.is_empty()).map(Cow::Owned) };
    let event_source = s("event_source").filter(|s| super::record::is_aws_event_source(s))?;
    let event_name = s("event_name")?;
    let role_arn = s("role_arn");
    let issuer_name = role_arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .map(|n| Cow::Owned(n.to_string()));
    let mut params = serde_json::Map::new();
    for (col, key, _) in PARAMS {
        if let Some(v) = get(col).filter(|v| !v.is_empty()) {
            params.insert((*key).to_string(), serde_json::Value::String(v));
        }
    }
    if let Some(items) = get("p_items").filter(|v| !v.is_empty()) {
        let list: Vec<serde_json::Value> = items
            .split(',')
            .filter_map(|it| it.split_once(' '))
            .map(|(op, table)| serde_json::json!({"operation": op, "tableName": table}))
            .collect();
        params.insert("requestItems".into(), serde_json::Value::Array(list));
    }
    let count = get("records").and_then(|n| n.trim().parse::<u64>().ok()).unwrap_or(1);
    let first = get("first_seen").and_then(|t| normalize_time(&t));
    let last = get("last_seen").and_then(|t| normalize_time(&t));
    Some(Record {
        event_source,
        event_name,
        event_time: last.clone(),
        identity: Identity {
            kind: s("identity_type"),
            arn: s("principal_arn"),
            account_id: None,
            invoked_by: None,
            issuer_arn: role_arn,
            issuer_name,
            lambda_function: None,
        },
        region: s("aws_region"),
        account: s("account_id"),
        user_agent: s("agent"),
        source_ip: None,
        error_code: s("error_code"),
        error_message: s("error_message"),
        event_id: s("event_id"),
        request_parameters: (!params.is_empty()).then(|| Cow::Owned(serde_json::Value::Object(params).to_string())),
        authentication_method: s("auth_method"),
        resources: s("resource_arn")
            .map(|arn| {
                vec![Resource {
                    arn: Some(arn),
                    arn_prefix: None,
                    kind: None,
                }]
            })
            .unwrap_or_default(),
        count,
        first_seen: first,
        last_seen: last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> Query {
        Query {
            table: athena_table("cloudtrail", "trail_logs"),
            window: Window::parse(Some("2026-11-02"), Some("2026-11-07")).unwrap(),
            roles: vec!["orders-api-role".into(), "shop-prod-*".into()],
            sessions: vec!["orders_api".into()],
            partitions: Partitions {
                date: Some("timestamp".into()),
                region: Some("region".into()),
            },
            regions: vec!["us-east-1".into()],
        }
    }

    macro_rules! snapshot {
        ($name:expr, $value:expr) => {
            insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/cloudtrail"), prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!($name, $value);
            });
        };
    }

    #[test]
    fn athena_sql() {
        snapshot!("athena_aggregation", aggregation(&query(), Dialect::Athena));
    }

    #[test]
    fn lake_sql() {
        let mut q = query();
        q.table = "eds-0123456789abcdef".into();
        snapshot!("lake_aggregation", aggregation(&q, Dialect::Lake));
    }

    #[test]
    fn duckdb_sql() {
        let mut q = query();
        q.table = "trail".into();
        q.partitions = Partitions::default();
        snapshot!("duckdb_aggregation", aggregation(&q, Dialect::DuckDb));
    }

    #[test]
    fn globs_become_escaped_like_patterns() {
        assert_eq!(like("shop-prod-*_x?"), r"'shop-prod-%\_x_'");
        assert_eq!(like("it's"), "'it''s'");
        assert!(!is_identifier("a;drop"));
    }

    #[test]
    fn rows_become_counted_records() {
        let row = |k: &str| -> Option<String> {
            Some(
                match k {
                    "role_arn" => "arn:aws:iam::1:role/service-role/orders-role",
                    "principal_arn" => "arn:aws:sts::1:assumed-role/orders-role/orders-api",
                    "identity_type" => "AssumedRole",
                    "event_source" => "dynamodb.amazonaws.com",
                    "event_name" => "TransactWriteItems",
                    "p_items" => "ConditionCheck Customers,Put Orders",
                    "records" => "42",
                    "first_seen" => "2026-11-02 10:00:00.000",
                    "last_seen" => "2026-11-03T10:00:00Z",
                    _ => return None,
                }
                .to_string(),
            )
        };
        let r = row_to_record(&row).unwrap();
        assert_eq!(r.count, 42);
        assert_eq!(r.session_name(), Some("orders-api"));
        assert_eq!(r.role_name(), Some("orders-role"));
        assert_eq!(r.first(), Some("2026-11-02T10:00:00Z"));
        assert!(
            r.request_parameters
                .unwrap()
                .contains(r#"{"operation":"ConditionCheck","tableName":"Customers"}"#)
        );
    }
}

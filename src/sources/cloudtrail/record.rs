//! One CloudTrail record, parsed tolerantly: the fields attribution and mapping need,
//! borrowed from the input, from whichever wrapper carries it (a trail file's
//! `Records`, JSON Lines, a Cribl `_raw`, a LookupEvents `CloudTrailEvent` string).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::window::normalize_time;

/// Who made the call, as `userIdentity` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity<'a> {
    /// `AssumedRole`, `IAMUser`, `AWSService`, `Root`, `AWSAccount`, ...
    pub kind: Option<Cow<'a, str>>,
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>` for a role session.
    pub arn: Option<Cow<'a, str>>,
    pub account_id: Option<Cow<'a, str>>,
    pub invoked_by: Option<Cow<'a, str>>,
    /// `sessionContext.sessionIssuer.arn`: the role ARN with its path.
    pub issuer_arn: Option<Cow<'a, str>>,
    /// `sessionContext.sessionIssuer.userName`: the role name.
    pub issuer_name: Option<Cow<'a, str>>,
    /// `inScopeOf.credentialsIssuedTo` when the issuer is a Lambda function (its ARN).
    pub lambda_function: Option<Cow<'a, str>>,
}

/// One entry of `resources[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource<'a> {
    pub arn: Option<Cow<'a, str>>,
    /// `ARNPrefix` (DeleteObjects lists the bucket prefix, not each key).
    pub arn_prefix: Option<Cow<'a, str>>,
    /// `AWS::S3::Object`, `AWS::DynamoDB::Table`, ...
    pub kind: Option<Cow<'a, str>>,
}

/// A record, or an aggregate of identical records (Athena, CloudTrail Lake).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record<'a> {
    pub event_source: Cow<'a, str>,
    pub event_name: Cow<'a, str>,
    /// `YYYY-MM-DDTHH:MM:SSZ`; absent when the record carries no time.
    pub event_time: Option<String>,
    pub identity: Identity<'a>,
    pub region: Option<Cow<'a, str>>,
    pub account: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    pub error_code: Option<Cow<'a, str>>,
    pub error_message: Option<Cow<'a, str>>,
    pub event_id: Option<Cow<'a, str>>,
    /// `requestParameters` as JSON text (`null` on many failed calls).
    pub request_parameters: Option<Cow<'a, str>>,
    /// `additionalEventData.AuthenticationMethod` (`QueryString` for presigned URLs).
    pub authentication_method: Option<Cow<'a, str>>,
    pub resources: Vec<Resource<'a>>,
    /// How many identical calls this stands for (1 for a record from a log).
    pub count: u64,
    /// For an aggregate: the first and last time; a single record uses `event_time`.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

impl Record<'_> {
    pub fn first(&self) -> Option<&str> {
        self.first_seen.as_deref().or(self.event_time.as_deref())
    }

    pub fn last(&self) -> Option<&str> {
        self.last_seen.as_deref().or(self.event_time.as_deref())
    }

    /// The role session name of an `assumed-role/<role>/<session>` identity.
    pub fn session_name(&self) -> Option<&str> {
        let arn = self.identity.arn.as_deref()?;
        let rest = arn.split_once(":assumed-role/")?.1;
        rest.split_once('/').map(|(_, s)| s)
    }

    /// The role name of an `assumed-role/<role>/<session>` identity.
    pub fn role_name(&self) -> Option<&str> {
        if let Some(n) = self.identity.issuer_name.as_deref().filter(|n| !n.is_empty()) {
            return Some(n);
        }
        let arn = self.identity.arn.as_deref()?;
        let rest = arn.split_once(":assumed-role/")?.1;
        rest.split_once('/').map(|(r, _)| r)
    }
}

/// What one JSON value turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parsed {
    pub records: u64,
    pub malformed: u64,
    /// Of the malformed records, those whose `eventSource` is not an AWS service's
    /// (see [`is_aws_event_source`]).
    pub unknown_source: u64,
    /// Of the malformed records, those larger than the scanner's cap, skipped unread.
    pub oversized: u64,
    /// Values that are neither a record nor a known wrapper of records.
    pub foreign: u64,
}

impl Parsed {
    pub fn add(&mut self, o: Parsed) {
        self.records += o.records;
        self.malformed += o.malformed;
        self.unknown_source += o.unknown_source;
        self.oversized += o.oversized;
        self.foreign += o.foreign;
    }
}

#[derive(Deserialize)]
struct WireIssuer<'a> {
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(rename = "userName", borrow, default)]
    user_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireSession<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    issuer: Option<WireIssuer<'a>>,
}

#[derive(Deserialize)]
struct WireScope<'a> {
    #[serde(rename = "issuerType", borrow, default)]
    issuer_type: Option<Cow<'a, str>>,
    #[serde(rename = "credentialsIssuedTo", borrow, default)]
    issued_to: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(rename = "accountId", borrow, default)]
    account_id: Option<Cow<'a, str>>,
    #[serde(rename = "invokedBy", borrow, default)]
    invoked_by: Option<Cow<'a, str>>,
    #[serde(rename = "sessionContext", borrow, default)]
    session: Option<WireSession<'a>>,
    #[serde(rename = "inScopeOf", borrow, default)]
    scope: Option<WireScope<'a>>,
}

#[derive(Deserialize)]
struct WireResource<'a> {
    #[serde(rename = "ARN", borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(rename = "ARNPrefix", borrow, default)]
    arn_prefix: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireAdditional<'a> {
    #[serde(rename = "AuthenticationMethod", borrow, default)]
    method: Option<Cow<'a, str>>,
}

/// Every field a record or a wrapper may carry; unknown fields are ignored.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "eventSource", borrow, default)]
    event_source: Option<Cow<'a, str>>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: Option<Cow<'a, str>>,
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(rename = "@timestamp", borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "userIdentity", borrow, default)]
    identity: Option<WireIdentity<'a>>,
    #[serde(rename = "awsRegion", borrow, default)]
    region: Option<Cow<'a, str>>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    account: Option<Cow<'a, str>>,
    #[serde(rename = "userAgent", borrow, default)]
    user_agent: Option<Cow<'a, str>>,
    #[serde(rename = "sourceIPAddress", borrow, default)]
    source_ip: Option<Cow<'a, str>>,
    #[serde(rename = "errorCode", borrow, default)]
    error_code: Option<Cow<'a, str>>,
    #[serde(rename = "errorMessage", borrow, default)]
    error_message: Option<Cow<'a, str>>,
    #[serde(rename = "eventID", borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(rename = "requestParameters", borrow, default)]
    request_parameters: Option<&'a RawValue>,
    #[serde(rename = "additionalEventData", borrow, default)]
    additional: Option<&'a RawValue>,
    #[serde(borrow, default)]
    resources: Option<Vec<WireResource<'a>>>,
    // Wrappers.
    #[serde(rename = "Records", borrow, default)]
    records: Option<&'a RawValue>,
    #[serde(rename = "_raw", borrow, default)]
    raw: Option<&'a RawValue>,
    #[serde(rename = "CloudTrailEvent", borrow, default)]
    cloudtrail_event: Option<Cow<'a, str>>,
}

/// How deep wrappers may nest (`_raw` holding a string holding `Records`...).
const MAX_NESTING: u8 = 4;

/// Parses one JSON value (an object from a log) and hands each record in it to `emit`.
pub fn parse_value<'a>(json: &'a [u8], emit: &mut dyn FnMut(Record<'_>)) -> Parsed {
    parse_nested(json, emit, 0)
}

fn parse_nested(json: &[u8], emit: &mut dyn FnMut(Record<'_>), depth: u8) -> Parsed {
    let mut out = Parsed::default();
    let wire: Wire<'_> = match serde_json::from_slice(json) {
        Ok(w) => w,
        Err(_) => {
            // Not an object of the expected shape: a record with a field of the wrong
            // type (`"userIdentity": "x"`, a numeric `eventName`), or not a record.
            if looks_like_record(json) {
                out.malformed += 1;
            } else {
                out.foreign += 1;
            }
            return out;
        }
    };
    if wire.event_name.is_some() || wire.event_source.is_some() {
        if wire.event_source.as_deref().is_some_and(|s| !is_aws_event_source(s)) {
            // `s3.evil.com`, `S3.amazonaws.com`, `s3.amazonaws.com ` are no AWS service:
            // such a record must never become a grant.
            out.malformed += 1;
            out.unknown_source += 1;
            return out;
        }
        match into_record(wire) {
            Some(r) => {
                emit(r);
                out.records += 1;
            }
            None => out.malformed += 1,
        }
        return out;
    }
    if depth >= MAX_NESTING {
        out.foreign += 1;
        return out;
    }
    if let Some(raw) = wire.records {
        match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            Ok(items) => {
                for item in items {
                    out.add(parse_nested(item.get().as_bytes(), emit, depth + 1));
                }
            }
            Err(_) => out.malformed += 1,
        }
        return out;
    }
    if let Some(raw) = wire.raw {
        let text = raw.get();
        if let Ok(inner) = serde_json::from_str::<String>(text) {
            return parse_nested(inner.as_bytes(), emit, depth + 1);
        }
        if text.starts_with('{') {
            return parse_nested(text.as_bytes(), emit, depth + 1);
        }
        out.foreign += 1;
        return out;
    }
    if let Some(event) = wire.cloudtrail_event {
        return parse_nested(event.as_bytes(), emit, depth + 1);
    }
    out.foreign += 1;
    out
}

/// Whether `source` is the `eventSource` CloudTrail gives a service of the catalog, exactly
/// (`s3.amazonaws.com`; not `s3.evil.com`, `S3.amazonaws.com`, padded or with a NUL). A
/// record naming anything else is malformed: it is counted, reported and never mapped.
pub fn is_aws_event_source(source: &str) -> bool {
    crate::catalog::Catalog::embedded().is_event_source(source)
}

/// A value that failed to parse but names record fields: count it as a bad record.
fn looks_like_record(json: &[u8]) -> bool {
    let head = &json[..json.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.contains("\"eventName\"") || text.contains("\"eventSource\"") || text.contains("\"userIdentity\"")
}

fn into_record(w: Wire<'_>) -> Option<Record<'_>> {
    let event_source = w.event_source?;
    let event_name = w.event_name?;
    if event_source.is_empty() || event_name.is_empty() {
        return None;
    }
    let event_time = match w.event_time.as_deref().or(w.timestamp.as_deref()) {
        Some(t) => Some(normalize_time(t)?),
        None => None,
    };
    let identity = match w.identity {
        Some(i) => {
            let (issuer_arn, issuer_name) = match i.session.and_then(|s| s.issuer) {
                Some(is) => (is.arn, is.user_name),
                None => (None, None),
            };
            let lambda_function = i
                .scope
                .filter(|s| s.issuer_type.as_deref() == Some("AWS::Lambda::Function"))
                .and_then(|s| s.issued_to);
            Identity {
                kind: i.kind,
                arn: i.arn,
                account_id: i.account_id,
                invoked_by: i.invoked_by,
                issuer_arn,
                issuer_name,
                lambda_function,
            }
        }
        None => Identity::default(),
    };
    // Only presigned requests' method matters; most records need no second parse.
    let authentication_method = w
        .additional
        .filter(|raw| raw.get().contains("QueryString"))
        .and_then(|raw| serde_json::from_str::<WireAdditional<'_>>(raw.get()).ok())
        .and_then(|a| a.method);
    let request_parameters = w
        .request_parameters
        .map(|r| r.get())
        .filter(|t| *t != "null")
        .map(Cow::Borrowed);
    let resources = w
        .resources
        .unwrap_or_default()
        .into_iter()
        .map(|r| Resource {
            arn: r.arn,
            arn_prefix: r.arn_prefix,
            kind: r.kind,
        })
        .collect();
    Some(Record {
        event_source,
        event_name,
        event_time,
        identity,
        region: w.region,
        account: w.account,
        user_agent: w.user_agent,
        source_ip: w.source_ip,
        error_code: w.error_code,
        error_message: w.error_message,
        event_id: w.event_id,
        request_parameters,
        authentication_method,
        resources,
        count: 1,
        first_seen: None,
        last_seen: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(json: &str) -> (Vec<String>, Parsed) {
        let mut names = Vec::new();
        let p = parse_value(json.as_bytes(), &mut |r| {
            names.push(format!("{}:{}", r.event_source, r.event_name))
        });
        (names, p)
    }

    const LAMBDA: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",
        "arn":"arn:aws:sts::1:assumed-role/orders-role/orders-api","accountId":"1",
        "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/service-role/orders-role","userName":"orders-role"}}},
        "eventTime":"2026-11-02T10:00:00Z","eventSource":"dynamodb.amazonaws.com","eventName":"PutItem",
        "requestParameters":{"tableName":"Orders"},"additionalEventData":{"AuthenticationMethod":"AuthHeader"},
        "resources":[{"ARN":"arn:aws:dynamodb:us-east-1:1:table/Orders","type":"AWS::DynamoDB::Table"}],
        "eventID":"e1","unknownField":[1,2,3]}"#;

    #[test]
    fn reads_the_fields_of_a_lambda_session_record() {
        let mut got = None;
        parse_value(LAMBDA.as_bytes(), &mut |r| {
            got = Some((
                r.session_name().map(String::from),
                r.role_name().map(String::from),
                r.identity.issuer_arn.as_deref().map(String::from),
                r.request_parameters.as_deref().map(String::from),
                r.authentication_method.as_deref().map(String::from),
                r.resources.len(),
                r.event_time.clone(),
            ))
        });
        let (session, role, issuer, params, auth, n, time) = got.expect("one record");
        assert_eq!(session.as_deref(), Some("orders-api"));
        assert_eq!(role.as_deref(), Some("orders-role"));
        assert_eq!(issuer.as_deref(), Some("arn:aws:iam::1:role/service-role/orders-role"));
        assert_eq!(params.as_deref(), Some(r#"{"tableName":"Orders"}"#));
        // Only a presigned request's method is kept.
        assert_eq!(auth, None);
        assert_eq!(n, 1);
        assert_eq!(time.as_deref(), Some("2026-11-02T10:00:00Z"));
    }

    #[test]
    fn unwraps_records_raw_and_lookup_events_strings() {
        let file = format!(r#"{{"Records":[{LAMBDA},{LAMBDA}]}}"#);
        assert_eq!(all(&file).1.records, 2);
        let cribl = format!(r#"{{"_time":"1","_raw":{file}}}"#);
        assert_eq!(all(&cribl).1.records, 2);
        let lookup = serde_json::json!({"EventId": "e1", "CloudTrailEvent": LAMBDA}).to_string();
        assert_eq!(all(&lookup).0, vec!["dynamodb.amazonaws.com:PutItem"]);
    }

    #[test]
    fn logstash_timestamp_stands_in_for_event_time() {
        let r = r#"{"@timestamp":"2020-09-14T00:44:23.000Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","userIdentity":{"type":"IAMUser"}}"#;
        let mut t = None;
        parse_value(r.as_bytes(), &mut |r| t = r.event_time.clone());
        assert_eq!(t.as_deref(), Some("2020-09-14T00:44:23Z"));
    }

    #[test]
    fn malformed_records_are_counted_not_fatal() {
        for bad in [
            r#"{"eventSource":"s3.amazonaws.com","eventName":7,"userIdentity":{}}"#,
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":"root"}"#,
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"yesterday"}"#,
        ] {
            let (names, p) = all(bad);
            assert!(names.is_empty(), "{bad}");
            assert_eq!(p.malformed, 1, "{bad}");
        }
        assert_eq!(all(r#"{"Digest":true}"#).1.foreign, 1);
    }
}

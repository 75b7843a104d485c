//! Observed evidence: CloudTrail records aggregated, while they stream, into counts per
//! (role session, action, resource), then attributed to the functions in scope and
//! turned into needs. Memory is bounded by the distinct (principal, action, resource)
//! triples, never by the number of records.
//!
//! How a record is read:
//! - an `AssumedRole` identity is a session `(role, session name)`; Lambda names the
//!   session after the function. Every other principal (IAM users, services, roots,
//!   anonymous) is counted and set aside;
//! - userAgent `awslambda-worker` (the runtime creating log streams) and calls a service
//!   makes with the role (`invokedBy`, `aws-internal`, KMS decrypting the environment)
//!   are platform evidence: needed, not the code's; a KMS call a service makes for the
//!   code (`invokedBy: sqs.amazonaws.com`) is needed under `kms:ViaService` for it;
//! - `AuthenticationMethod: QueryString` is a presigned URL used by someone else: it
//!   counts for the session that signed it;
//! - a call whose userAgent is neither the Lambda runtime's nor one of the above (the
//!   aws-cli from a laptop with the function's credentials) is set aside with a warning.

pub mod actions;
pub mod attribution;
mod memo;
pub mod summary;

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::sources::cloudtrail::{Record, RecordSink};

use super::{Certainty, Evidence, Need, NeedCondition, Origin, ResourcePattern};
use actions::Outcome;

pub use attribution::{Assignment, Method, Target, attribute};
pub use summary::{CloudtrailSummary, DeniedCall, FunctionObserved, SourceSummary};

/// A role session: the principal records are attributed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Session {
    /// The role ARN with its path when the record says it (`sessionIssuer.arn`), else
    /// the role name.
    pub role: String,
    pub role_name: String,
    pub name: String,
}

/// How a call was made with a session's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The function's code (the Lambda runtime's userAgent, or none known).
    Code,
    /// A presigned URL the session signed, used by someone else.
    Presigned,
    /// The Lambda service or another AWS service using the role for the function.
    Platform,
    /// A service the code called, calling another with the caller's credentials
    /// (`invokedBy: sqs.amazonaws.com` on a `kms:Decrypt`): its endpoint prefix.
    OnBehalf(&'static str),
    /// Not from the Lambda runtime: credentials used elsewhere.
    Outside,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Code => "code",
            Via::Presigned => "presigned-url",
            Via::Platform => "lambda-platform",
            Via::OnBehalf(_) => "aws-service",
            Via::Outside => "outside-lambda",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallKey {
    pub action: String,
    pub resource: String,
    pub denied: bool,
    pub via: Via,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallStats {
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub example_event_id: Option<String>,
}

impl CallStats {
    fn add(&mut self, count: u64, first: Option<&str>, last: Option<&str>, event_id: Option<&str>) {
        self.count += count;
        if let Some(f) = first
            && self.first.as_deref().is_none_or(|x| f < x)
        {
            set(&mut self.first, f);
        }
        if let Some(l) = last {
            let later = self.last.as_deref().is_none_or(|x| l > x);
            // Equal times: the smaller event id, whatever order records came in.
            let tie = self.last.as_deref() == Some(l)
                && event_id.is_some_and(|id| self.example_event_id.as_deref().is_none_or(|x| id < x));
            if later {
                set(&mut self.last, l);
            }
            if (later || tie)
                && let Some(id) = event_id
            {
                set(&mut self.example_event_id, id);
            }
        }
        if self.example_event_id.is_none() {
            self.example_event_id = event_id.map(String::from);
        }
    }

    fn merge(&mut self, o: &CallStats) {
        self.add(
            o.count,
            o.first.as_deref(),
            o.last.as_deref(),
            o.example_event_id.as_deref(),
        );
    }
}

/// Replaces a string keeping its allocation.
fn set(slot: &mut Option<String>, value: &str) {
    match slot {
        Some(s) => {
            s.clear();
            s.push_str(value);
        }
        None => *slot = Some(value.to_string()),
    }
}

/// What one session did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionCalls {
    pub calls: BTreeMap<CallKey, CallStats>,
    /// Records (counting aggregates by their count).
    pub records: u64,
    /// Records that needed no permission or named no known action.
    pub permissionless: u64,
    pub unmapped: u64,
    /// The function the record's `inScopeOf` names, when it does.
    pub lambda_function: Option<String>,
    /// Records whose userAgent is the Lambda runtime's or worker's.
    pub lambda_agent: u64,
    /// Records made with the session's credentials outside Lambda ([`Via::Outside`]).
    pub outside: u64,
}

/// The aggregate of every record read from one source.
#[derive(Debug, Default)]
pub struct Observed {
    pub sessions: BTreeMap<Session, SessionCalls>,
    /// Records of principals other than role sessions, by identity type.
    pub other_principals: BTreeMap<String, u64>,
    /// `eventSource eventName` pairs with no known action, with counts.
    pub unmapped: BTreeMap<String, u64>,
    pub records: u64,
    mapper: memo::Mapper,
    pending: Pending,
}

/// Aggregation while streaming, keyed by ids instead of strings; [`Observed::finish`]
/// folds it into `sessions`.
#[derive(Debug, Default)]
struct Pending {
    /// identity ARN → issuer ARN → session id.
    index: memo::FnvMap<String, memo::FnvMap<String, usize>>,
    sessions: Vec<(Session, SessionCalls)>,
    /// (session id, mapping id, via) → counts.
    calls: memo::FnvMap<(usize, usize, Via), CallStats>,
}

impl RecordSink for Observed {
    fn record(&mut self, r: &Record<'_>) {
        self.add(r, Catalog::embedded());
    }

    fn finish(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let mut sessions = pending.sessions;
        // In key order: the result must not depend on hashing.
        let mut calls: Vec<((usize, usize, Via), CallStats)> = pending.calls.into_iter().collect();
        calls.sort_by_key(|(k, _)| *k);
        for ((sid, oid, via), stats) in calls {
            let Some(Outcome::Actions(list)) = self.mapper.outcomes.get(oid) else {
                continue;
            };
            for m in list {
                let key = CallKey {
                    action: m.action.clone(),
                    resource: m.resource.clone(),
                    denied: m.denied,
                    via,
                };
                sessions[sid].1.calls.entry(key).or_default().merge(&stats);
            }
        }
        for (session, calls) in sessions {
            merge_session(self.sessions.entry(session).or_default(), calls);
        }
    }

    fn merge(&mut self, mut other: Observed) {
        self.finish();
        other.finish();
        self.records += other.records;
        for (k, v) in other.other_principals {
            *self.other_principals.entry(k).or_default() += v;
        }
        for (k, v) in other.unmapped {
            *self.unmapped.entry(k).or_default() += v;
        }
        for (session, calls) in other.sessions {
            merge_session(self.sessions.entry(session).or_default(), calls);
        }
    }
}

fn merge_session(mine: &mut SessionCalls, calls: SessionCalls) {
    mine.records += calls.records;
    mine.permissionless += calls.permissionless;
    mine.unmapped += calls.unmapped;
    mine.lambda_agent += calls.lambda_agent;
    mine.outside += calls.outside;
    if mine.lambda_function.is_none() {
        mine.lambda_function = calls.lambda_function;
    }
    for (k, s) in calls.calls {
        mine.calls.entry(k).or_default().merge(&s);
    }
}

impl Observed {
    pub fn add(&mut self, r: &Record<'_>, catalog: &Catalog) {
        let count = r.count.max(1);
        self.records += count;
        let (Some("AssumedRole"), Some(arn), Some(name), Some(role_name)) = (
            r.identity.kind.as_deref(),
            r.identity.arn.as_deref(),
            r.session_name(),
            r.role_name(),
        ) else {
            let kind = r.identity.kind.as_deref().unwrap_or("unknown");
            match self.other_principals.get_mut(kind) {
                Some(n) => *n += count,
                None => {
                    self.other_principals.insert(kind.to_string(), count);
                }
            }
            return;
        };
        let issuer = r
            .identity
            .issuer_arn
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or(role_name);
        let pending = &mut self.pending;
        let sid = match pending.index.get(arn).and_then(|m| m.get(issuer)) {
            Some(i) => *i,
            None => {
                let i = pending.sessions.len();
                pending.sessions.push((
                    Session {
                        role: issuer.to_string(),
                        role_name: role_name.to_string(),
                        name: name.to_string(),
                    },
                    SessionCalls::default(),
                ));
                pending
                    .index
                    .entry(arn.to_string())
                    .or_default()
                    .insert(issuer.to_string(), i);
                i
            }
        };
        let via = via_of(r);
        let mapping = self.mapper.map(r, catalog);
        let entry = &mut self.pending.sessions[sid].1;
        entry.records += count;
        if entry.lambda_function.is_none()
            && let Some(f) = &r.identity.lambda_function
        {
            entry.lambda_function = Some(f.rsplit(':').next().unwrap_or(f).to_string());
        }
        let agent = r.user_agent.as_deref().unwrap_or("");
        if agent.contains("exec-env/AWS_Lambda") || agent.contains("awslambda-worker") {
            entry.lambda_agent += count;
        }
        if via == Via::Outside {
            entry.outside += count;
        }
        let (first, last, id) = (r.first(), r.last(), r.event_id.as_deref());
        let outcome = match mapping {
            memo::Mapping::Known(oid) => {
                match &self.mapper.outcomes[oid] {
                    Outcome::Actions(_) => self
                        .pending
                        .calls
                        .entry((sid, oid, via))
                        .or_default()
                        .add(count, first, last, id),
                    Outcome::Permissionless => entry.permissionless += count,
                    Outcome::Unmapped => {
                        entry.unmapped += count;
                        *self
                            .unmapped
                            .entry(format!("{} {}", r.event_source, r.event_name))
                            .or_default() += count;
                    }
                }
                return;
            }
            memo::Mapping::Fresh(o) => o,
        };
        match outcome {
            Outcome::Actions(list) => {
                for m in list {
                    let key = CallKey {
                        action: m.action,
                        resource: m.resource,
                        denied: m.denied,
                        via,
                    };
                    entry.calls.entry(key).or_default().add(count, first, last, id);
                }
            }
            Outcome::Permissionless => entry.permissionless += count,
            Outcome::Unmapped => {
                entry.unmapped += count;
                *self
                    .unmapped
                    .entry(format!("{} {}", r.event_source, r.event_name))
                    .or_default() += count;
            }
        }
    }

    /// Records of role sessions.
    pub fn session_records(&self) -> u64 {
        self.sessions.values().map(|s| s.records).sum()
    }
}

/// How the call was made, from its userAgent and authentication.
fn via_of(r: &Record<'_>) -> Via {
    let agent = r.user_agent.as_deref().unwrap_or("").trim_matches(['[', ']']);
    if agent.contains("awslambda-worker") {
        return Via::Platform;
    }
    if r.authentication_method.as_deref() == Some("QueryString") {
        return Via::Presigned;
    }
    if let Some(service) = r.identity.invoked_by.as_deref().and_then(on_behalf_of) {
        return Via::OnBehalf(service);
    }
    if r.identity.invoked_by.is_some()
        || agent.starts_with("aws-internal")
        || agent.starts_with("AWS Internal")
        || r.request_parameters
            .as_deref()
            .is_some_and(|p| p.contains("\"aws:lambda:FunctionArn\""))
    {
        return Via::Platform;
    }
    if agent.is_empty() || agent.contains("exec-env/AWS_Lambda") {
        return Via::Code;
    }
    Via::Outside
}

/// Services that call KMS with their callers' credentials, as `invokedBy` names them
/// (`sqs.amazonaws.com`): a `kms:*` call they make is asked for under `kms:ViaService`.
const ON_BEHALF: &[&str] = &[
    "sqs",
    "sns",
    "s3",
    "dynamodb",
    "kinesis",
    "secretsmanager",
    "ssm",
    "lambda",
    "logs",
    "firehose",
    "glue",
    "athena",
    "states",
    "events",
    "rds",
    "ec2",
    "ebs",
    "elasticfilesystem",
    "backup",
    "sagemaker",
];

fn on_behalf_of(invoked_by: &str) -> Option<&'static str> {
    let service = invoked_by.strip_suffix(".amazonaws.com")?;
    ON_BEHALF.iter().copied().find(|s| *s == service)
}

/// `kms:ViaService` of a KMS call a service made for the function, in the key's region.
fn via_service(action: &str, resource: &str, via: Via) -> Option<NeedCondition> {
    let Via::OnBehalf(service) = via else { return None };
    if !action.starts_with("kms:") {
        return None;
    }
    let region = resource
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty() && !r.contains(['*', '?']))
        .unwrap_or("${Region}");
    Some(NeedCondition {
        key: "kms:ViaService".into(),
        value: ResourcePattern::from_template(&format!("{service}.{region}.amazonaws.com"), |_| None),
    })
}

/// The needs a function's sessions show, one per (action, resource, denied, origin, and
/// the service a KMS call was made through).
pub fn needs(observed: &[&Observed], sessions: &[&Session]) -> Vec<Need> {
    type Key = (String, String, bool, Origin, Option<NeedCondition>);
    let mut merged: BTreeMap<Key, CallStats> = BTreeMap::new();
    for o in observed {
        for s in sessions {
            let Some(calls) = o.sessions.get(*s) else { continue };
            for (k, stats) in &calls.calls {
                let origin = match k.via {
                    Via::Code | Via::Presigned => Origin::Cloudtrail,
                    Via::Platform | Via::OnBehalf(_) => Origin::Platform,
                    Via::Outside => continue,
                };
                let condition = via_service(&k.action, &k.resource, k.via);
                merged
                    .entry((k.action.clone(), k.resource.clone(), k.denied, origin, condition))
                    .or_default()
                    .merge(stats);
            }
        }
    }
    merged
        .into_iter()
        .map(|((action, resource, denied, origin, condition), stats)| Need {
            action,
            resource: ResourcePattern::literal(&resource),
            condition,
            origin,
            certainty: Certainty::Needed,
            evidence: Evidence::Cloudtrail {
                count: stats.count,
                first_seen: stats.first.unwrap_or_default(),
                last_seen: stats.last.unwrap_or_default(),
                denied,
                example_event_id: stats.example_event_id,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::cloudtrail::record::parse_value;

    fn observe(lines: &[&str]) -> Observed {
        let mut o = Observed::default();
        for l in lines {
            parse_value(l.as_bytes(), &mut |r| o.record(&r));
        }
        o.finish();
        o
    }

    const ID: &str = r#""userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/fn-role/fn","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/service-role/fn-role","userName":"fn-role"}}},"recipientAccountId":"1","awsRegion":"us-east-1","eventTime":"2026-11-02T10:00:00Z""#;

    #[test]
    fn sessions_ways_of_calling_and_other_principals() {
        let code = format!(
            r#"{{{ID},"eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"[Boto3/1.34 exec-env/AWS_Lambda_python3.12]","requestParameters":{{"bucketName":"b","key":"k/1"}}}}"#
        );
        let presigned = format!(
            r#"{{{ID},"eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"[Mozilla/5.0]","requestParameters":{{"bucketName":"b","key":"k/2"}},"additionalEventData":{{"AuthenticationMethod":"QueryString"}}}}"#
        );
        let worker = format!(
            r#"{{{ID},"eventSource":"logs.amazonaws.com","eventName":"CreateLogStream","userAgent":"awslambda-worker/1.0","errorCode":"AccessDenied","errorMessage":"User: x is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:log-stream:2026/11/02/[$LATEST]ab because no identity-based policy allows the logs:CreateLogStream action","requestParameters":{{"logGroupName":"/aws/lambda/fn"}}}}"#
        );
        let stolen = format!(
            r#"{{{ID},"eventSource":"ecr.amazonaws.com","eventName":"ListImages","userAgent":"aws-cli/1.16.19 Python/2.7"}}"#
        );
        let user = r#"{"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/alice"},"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-11-02T10:00:00Z"}"#;
        let o = observe(&[&code, &code, &presigned, &worker, &stolen, user]);
        assert_eq!(o.records, 6);
        assert_eq!(o.other_principals.get("IAMUser"), Some(&1));
        let s = o.sessions.values().next().unwrap();
        assert_eq!(s.records, 5);
        let vias: Vec<(&str, &str, bool, Via, u64)> = s
            .calls
            .iter()
            .map(|(k, v)| (k.action.as_str(), k.resource.as_str(), k.denied, k.via, v.count))
            .collect();
        assert_eq!(
            vias,
            [
                (
                    "ecr:ListImages",
                    "arn:aws:ecr:us-east-1:1:repository/*",
                    false,
                    Via::Outside,
                    1
                ),
                (
                    "logs:CreateLogStream",
                    "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:log-stream:*",
                    true,
                    Via::Platform,
                    1
                ),
                ("s3:GetObject", "arn:aws:s3:::b/k/*", false, Via::Code, 2),
                ("s3:GetObject", "arn:aws:s3:::b/k/*", false, Via::Presigned, 1),
            ]
        );
        let session = o.sessions.keys().next().unwrap();
        assert_eq!(session.role, "arn:aws:iam::1:role/service-role/fn-role");
        assert_eq!(session.name, "fn");
        let needs = needs(&[&o], &[session]);
        let shown: Vec<(String, Origin, u64)> = needs
            .iter()
            .map(|n| match &n.evidence {
                Evidence::Cloudtrail { count, .. } => (n.action.clone(), n.origin, *count),
                _ => unreachable!(),
            })
            .collect();
        // The presigned use and the code's own use merge; the aws-cli call is not a need.
        assert_eq!(
            shown,
            [
                ("logs:CreateLogStream".to_string(), Origin::Platform, 1),
                ("s3:GetObject".to_string(), Origin::Cloudtrail, 3),
            ]
        );
    }

    #[test]
    fn kms_calls_a_service_makes_for_the_function_hold_under_its_endpoint() {
        let key = "arn:aws:kms:eu-west-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let by = |invoked_by: &str| {
            format!(
                r#"{{"userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/fn-role/fn","invokedBy":"{invoked_by}","sessionContext":{{"sessionIssuer":{{"arn":"arn:aws:iam::1:role/fn-role","userName":"fn-role"}}}}}},"recipientAccountId":"1","awsRegion":"eu-west-1","eventTime":"2026-11-02T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","resources":[{{"ARN":"{key}","type":"AWS::KMS::Key"}}]}}"#
            )
        };
        let o = observe(&[&by("sqs.amazonaws.com"), &by("sqs.amazonaws.com"), &by("AWS Internal")]);
        let session = o.sessions.keys().next().unwrap();
        let got: Vec<(String, String, Option<String>, Origin)> = needs(&[&o], &[session])
            .into_iter()
            .map(|n| {
                (
                    n.action,
                    n.resource.to_string(),
                    n.condition.map(|c| format!("{} = {}", c.key, c.value)),
                    n.origin,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("kms:Decrypt".into(), key.into(), None, Origin::Platform),
                (
                    "kms:Decrypt".into(),
                    key.into(),
                    Some("kms:ViaService = sqs.eu-west-1.amazonaws.com".into()),
                    Origin::Platform
                ),
            ]
        );
    }

    #[test]
    fn merging_sinks_adds_counts_and_widens_times() {
        let a = format!(
            r#"{{{ID},"eventSource":"sqs.amazonaws.com","eventName":"SendMessage","eventID":"a","requestParameters":{{"queueUrl":"https://sqs.us-east-1.amazonaws.com/1/q"}}}}"#
        );
        let b = a
            .replace("2026-11-02T10:00:00Z", "2026-11-04T10:00:00Z")
            .replace("\"a\"", "\"b\"");
        let mut x = observe(&[&a]);
        x.merge(observe(&[&b]));
        let calls = &x.sessions.values().next().unwrap().calls;
        let stats = calls.values().next().unwrap();
        assert_eq!(stats.count, 2);
        assert_eq!(stats.first.as_deref(), Some("2026-11-02T10:00:00Z"));
        assert_eq!(stats.last.as_deref(), Some("2026-11-04T10:00:00Z"));
        assert_eq!(stats.example_event_id.as_deref(), Some("b"));
    }
}

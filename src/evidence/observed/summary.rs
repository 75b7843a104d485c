//! What the report says about CloudTrail: per function, the records attributed to it and
//! the calls that were denied; per run, what each source held and where it went
//! (attributed, set aside, malformed).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::visibility::{Visibility, visibility};
use crate::sources::cloudtrail::SourceStats;

use super::{Assignment, Observed, Session, Via};

/// A role session attributed to a function, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRef {
    pub role: String,
    pub session: String,
    pub matched_by: &'static str,
    pub records: u64,
}

/// A call the function's role was denied: a permission it needs and lacks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeniedCall {
    pub action: String,
    pub resource: String,
    pub count: u64,
    pub last_seen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_event_id: Option<String>,
}

/// The `cloudtrail` object of one function in the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FunctionObserved {
    /// Records attributed to the function (its code, presigned URLs it signed, the
    /// Lambda platform using its role).
    pub records: u64,
    pub sessions: Vec<SessionRef>,
    pub denied: Vec<DeniedCall>,
    /// Records made with its credentials from outside Lambda: set aside.
    #[serde(skip_serializing_if = "is_zero")]
    pub outside_lambda: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One source in the run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    #[serde(flatten)]
    pub stats: SourceStats,
    pub attributed: u64,
    pub set_aside: u64,
    /// Data event resource types (`AWS::S3::Object`...) its records held: the trail logs
    /// data events for these, so a static-only data action of another type was not
    /// observable in it.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub data_events: BTreeSet<String>,
}

/// A role session no function in scope claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnclaimedSession {
    pub role: String,
    pub session: String,
    pub records: u64,
}

/// The top-level `cloudtrail` object of the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloudtrailSummary {
    pub sources: Vec<SourceSummary>,
    pub records: u64,
    pub attributed: u64,
    pub set_aside: u64,
    pub malformed: u64,
    /// Records of principals that are not role sessions, by identity type.
    pub other_principals: BTreeMap<String, u64>,
    /// Role sessions that matched no function, most records first.
    pub unclaimed_sessions: Vec<UnclaimedSession>,
    /// `eventSource eventName` with no known IAM action.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unmapped_events: BTreeMap<String, u64>,
}

impl CloudtrailSummary {
    /// Data event resource types any source held.
    pub fn data_event_types(&self) -> BTreeSet<String> {
        self.sources
            .iter()
            .flat_map(|s| s.data_events.iter().cloned())
            .collect()
    }
}

/// The data event resource types of the calls a source's records show (LookupEvents
/// never returns data events, so its sources show none).
fn data_event_types(observed: &Observed) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for calls in observed.sessions.values() {
        for k in calls.calls.keys() {
            if let Visibility::Data(ty) = visibility(&k.action) {
                out.insert(ty.to_string());
            }
        }
    }
    out
}

/// How many unclaimed sessions the summary lists.
const UNCLAIMED_SHOWN: usize = 50;

/// Builds the run summary and each target's `cloudtrail` object.
pub fn summarize(
    reads: &[(&SourceStats, &Observed)],
    assignment: &Assignment,
    targets: usize,
) -> (CloudtrailSummary, Vec<Option<FunctionObserved>>) {
    let mut per_target: Vec<Option<FunctionObserved>> = vec![None; targets];
    let mut summary = CloudtrailSummary::default();
    let mut unclaimed: BTreeMap<&Session, u64> = BTreeMap::new();
    let mut denied: BTreeMap<(usize, String, String), DeniedCall> = BTreeMap::new();
    let mut session_refs: BTreeMap<(usize, &Session), SessionRef> = BTreeMap::new();
    for (stats, observed) in reads {
        let mut attributed = 0;
        for (session, calls) in &observed.sessions {
            let Some((ti, method)) = assignment.sessions.get(session) else {
                *unclaimed.entry(session).or_default() += calls.records;
                continue;
            };
            let f = per_target[*ti].get_or_insert_with(FunctionObserved::default);
            let own = calls.records - calls.outside;
            attributed += own;
            f.records += own;
            f.outside_lambda += calls.outside;
            session_refs
                .entry((*ti, session))
                .or_insert_with(|| SessionRef {
                    role: session.role.clone(),
                    session: session.name.clone(),
                    matched_by: method.as_str(),
                    records: 0,
                })
                .records += calls.records;
            for (k, s) in &calls.calls {
                if !k.denied || k.via == Via::Outside {
                    continue;
                }
                let d = denied
                    .entry((*ti, k.action.clone(), k.resource.clone()))
                    .or_insert_with(|| DeniedCall {
                        action: k.action.clone(),
                        resource: k.resource.clone(),
                        count: 0,
                        last_seen: String::new(),
                        example_event_id: None,
                    });
                d.count += s.count;
                if let Some(l) = &s.last
                    && *l > d.last_seen
                {
                    d.last_seen = l.clone();
                    d.example_event_id = s.example_event_id.clone();
                }
            }
        }
        for (k, v) in &observed.other_principals {
            *summary.other_principals.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &observed.unmapped {
            *summary.unmapped_events.entry(k.clone()).or_default() += v;
        }
        let set_aside = stats
            .records
            .saturating_sub(stats.outside_window)
            .saturating_sub(attributed);
        summary.records += stats.records;
        summary.attributed += attributed;
        summary.set_aside += set_aside;
        summary.malformed += stats.malformed;
        summary.sources.push(SourceSummary {
            stats: (*stats).clone(),
            attributed,
            set_aside,
            data_events: data_event_types(observed),
        });
    }
    for ((ti, _), r) in session_refs {
        if let Some(f) = per_target[ti].as_mut() {
            f.sessions.push(r);
        }
    }
    for ((ti, _, _), d) in denied {
        if let Some(f) = per_target[ti].as_mut() {
            f.denied.push(d);
        }
    }
    let mut unclaimed: Vec<UnclaimedSession> = unclaimed
        .into_iter()
        .map(|(s, n)| UnclaimedSession {
            role: s.role.clone(),
            session: s.name.clone(),
            records: n,
        })
        .collect();
    unclaimed.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then(a.role.cmp(&b.role))
            .then(a.session.cmp(&b.session))
    });
    unclaimed.truncate(UNCLAIMED_SHOWN);
    summary.unclaimed_sessions = unclaimed;
    (summary, per_target)
}

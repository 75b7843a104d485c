//! One fact: an action on a resource, with the evidence behind it.

use std::path::PathBuf;

use serde::Serialize;

use super::ResourcePattern;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Static,
    Cloudtrail,
    Platform,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Static => "static",
            Origin::Cloudtrail => "cloudtrail",
            Origin::Platform => "platform",
        }
    }
}

/// Whether every run of the code needs it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase", tag = "certainty", content = "reason")]
pub enum Certainty {
    Needed,
    /// Needed only on some paths or with parameters the analysis cannot see; reported,
    /// granted only on request.
    Possible(String),
}

/// What stands behind a fact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Evidence {
    Static {
        file: PathBuf,
        line: u32,
        call: String,
        /// `service.Operation` the call issues.
        operation: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        unreachable: bool,
        /// The chain from the handler to the function holding the call.
        #[serde(skip_serializing_if = "Chain::is_empty")]
        path: Chain,
        /// Why this action, when a rule beyond the operation's own action added it.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Cloudtrail {
        count: u64,
        first_seen: String,
        last_seen: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        denied: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        example_event_id: Option<String>,
    },
    Platform {
        reason: String,
    },
}

/// How a handler reaches a call: an explanation of the evidence, not part of what it
/// is. Two pieces of evidence for one call reached two ways are one (the first chain is
/// kept), so a line reached from thousands of functions is one piece of evidence.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Chain(pub Vec<crate::sources::Hop>);

impl Chain {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, crate::sources::Hop> {
        self.0.iter()
    }
}

impl PartialEq for Chain {
    fn eq(&self, _: &Chain) -> bool {
        true
    }
}

impl Eq for Chain {}

impl PartialOrd for Chain {
    fn partial_cmp(&self, other: &Chain) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Chain {
    fn cmp(&self, _: &Chain) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// The condition under which a need holds, when the request always carries it: a KMS
/// key a service uses on the caller's behalf is asked for with `kms:ViaService` set to
/// that service's endpoint, so the grant can say so.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NeedCondition {
    /// The IAM condition key (`kms:ViaService`).
    pub key: String,
    /// Its value, with the region slot filled per output (`sqs.${Region}.amazonaws.com`).
    pub value: ResourcePattern,
}

/// A needed (action, resource) with one piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Need {
    pub action: String,
    pub resource: ResourcePattern,
    /// Present only when every request for this need carries the condition's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<NeedCondition>,
    pub origin: Origin,
    pub certainty: Certainty,
    pub evidence: Evidence,
}

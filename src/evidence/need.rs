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
        #[serde(skip_serializing_if = "Vec::is_empty")]
        path: Vec<crate::sources::Hop>,
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

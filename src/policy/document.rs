//! The IAM policy document as IAM reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// IAM's condition block: operator → condition key → values (`{"StringEquals":
/// {"kms:ViaService": ["sqs.us-east-1.amazonaws.com"]}}`). Empty when unconditional.
pub type ConditionBlock = BTreeMap<String, BTreeMap<String, Vec<String>>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: String,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
    #[serde(rename = "Resource")]
    pub resources: Vec<String>,
    #[serde(rename = "Condition", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: ConditionBlock,
}

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> PolicyDocument {
        PolicyDocument {
            version: "2012-10-17".into(),
            statements,
        }
    }

    /// Length as IAM counts it for managed policies: JSON without whitespace.
    pub fn compact_len(&self) -> usize {
        serde_json::to_string(self).map(|s| s.len()).unwrap_or(0)
    }
}

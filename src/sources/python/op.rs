//! An operation a call issues, as the call matchers find it, before it is placed (file,
//! line, reachability) and becomes an [`SdkCall`](crate::sources::SdkCall).

use std::collections::BTreeMap;

use crate::sources::{Element, Hint, Via};

use super::value::{Creds, Vals};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub service: String,
    pub operation: String,
    pub params: BTreeMap<String, Vec<Hint>>,
    pub elements: Vec<Element>,
    pub open_params: bool,
    pub via: Via,
    pub possible: bool,
    pub creds: Creds,
}

impl Op {
    pub fn new(service: &str, operation: &str, creds: Creds) -> Op {
        Op {
            service: service.to_string(),
            operation: operation.to_string(),
            params: BTreeMap::new(),
            elements: Vec::new(),
            open_params: false,
            via: Via::Direct,
            possible: false,
            creds,
        }
    }
}

/// What one call evaluates to, the operations it issues and what it cannot resolve.
#[derive(Debug, Default)]
pub struct Outcome {
    pub value: Vals,
    pub ops: Vec<Op>,
    /// (code, message) warnings located at the call.
    pub warnings: Vec<(&'static str, String)>,
}

impl Outcome {
    pub fn value(value: Vals) -> Outcome {
        Outcome {
            value,
            ..Outcome::default()
        }
    }
}

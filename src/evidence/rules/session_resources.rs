//! Calls that name their resource only through a token an earlier call returned: a
//! stream's `GetRecords` takes the shard iterator of `GetShardIterator`, AppConfig's
//! `GetLatestConfiguration` the session token of `StartConfigurationSession`. The
//! function's own session-opening calls tell which resources those tokens belong to,
//! so a need on an unnamed resource takes the resources of its opener in the same
//! function. Example: `get_shard_iterator(StreamArn=arn)` then `get_records(...)` →
//! `dynamodb:GetRecords` on that stream.

use super::super::{Need, ResourcePattern};

/// (action that only has a token, action whose call names the resource).
const PAIRS: &[(&str, &str)] = &[
    ("dynamodb:GetRecords", "dynamodb:GetShardIterator"),
    ("kinesis:GetRecords", "kinesis:GetShardIterator"),
    (
        "appconfig:GetLatestConfiguration",
        "appconfig:StartConfigurationSession",
    ),
];

fn unnamed(r: &ResourcePattern) -> bool {
    r.is_star()
        || r.template
            .as_ref()
            .is_some_and(|t| r.segs == ResourcePattern::from_template(t, |_| None).segs)
}

/// Rewrites, in place, the needs of one function.
pub fn inherit(needs: &mut Vec<Need>) {
    let mut added = Vec::new();
    for (token_action, opener) in PAIRS {
        let opened: Vec<ResourcePattern> = needs
            .iter()
            .filter(|n| n.action == *opener && !unnamed(&n.resource))
            .map(|n| n.resource.clone())
            .collect();
        if opened.is_empty() {
            continue;
        }
        needs.retain(|n| {
            if n.action == *token_action && unnamed(&n.resource) {
                for r in &opened {
                    added.push(Need {
                        resource: r.clone(),
                        ..n.clone()
                    });
                }
                false
            } else {
                true
            }
        });
    }
    needs.extend(added);
    needs.sort();
    needs.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Certainty, Evidence, Origin};

    fn need(action: &str, r: ResourcePattern) -> Need {
        Need {
            action: action.into(),
            resource: r,
            condition: None,
            origin: Origin::Static,
            certainty: Certainty::Needed,
            evidence: Evidence::Platform { reason: String::new() },
        }
    }

    #[test]
    fn records_take_the_iterators_stream() {
        let stream = ResourcePattern::parse_arn("arn:aws:dynamodb:*:*:table/Orders/stream/*");
        let mut needs = vec![
            need("dynamodb:GetShardIterator", stream.clone()),
            need("dynamodb:GetRecords", ResourcePattern::star()),
        ];
        inherit(&mut needs);
        assert!(
            needs
                .iter()
                .any(|n| n.action == "dynamodb:GetRecords" && n.resource == stream)
        );
        assert!(!needs.iter().any(|n| n.resource.is_star()));
    }
}

//! Bedrock runtime calls are authorized on the model they name in `modelId`: a
//! foundation model (`anthropic.claude-3-haiku-...` → `foundation-model/<id>`, an ARN
//! with no account), a cross-region inference profile (`us.anthropic...` → the profile
//! in this account *and* the foundation model in every region it routes to), or an ARN
//! given whole. The catalog cannot fill these from `modelId` alone.
//! Example: `invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0")` →
//! `bedrock:InvokeModel` on `arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0`.

use crate::catalog::Catalog;
use crate::evidence::ResourcePattern;
use crate::evidence::resource::{Seg, Transform, hint_segs};
use crate::sources::{Hint, Piece, SdkCall};

use super::{Outcome, RuleNeed};

/// Prefixes of cross-region inference profile ids.
const PROFILE_PREFIXES: &[&str] = &["us.", "eu.", "apac.", "us-gov.", "global.", "jp.", "au.", "ca."];

fn foundation_model(id: Vec<Seg>, any_region: bool) -> ResourcePattern {
    let mut segs = vec![Seg::Lit("arn:".into()), Seg::Partition, Seg::Lit(":bedrock:".into())];
    segs.push(if any_region { Seg::Any } else { Seg::Region });
    segs.push(Seg::Lit("::foundation-model/".into()));
    segs.extend(id);
    ResourcePattern {
        segs,
        template: Some("arn:${Partition}:bedrock:${Region}::foundation-model/${ResourceId}".into()),
    }
}

fn resources(hint: &Hint) -> Vec<ResourcePattern> {
    if let Some(id) = hint.as_literal() {
        if id.starts_with("arn:") {
            return vec![ResourcePattern::parse_arn(id)];
        }
        if let Some(prefix) = PROFILE_PREFIXES.iter().find(|p| id.starts_with(**p)) {
            let profile = ResourcePattern {
                segs: vec![
                    Seg::Lit("arn:".into()),
                    Seg::Partition,
                    Seg::Lit(":bedrock:".into()),
                    Seg::Region,
                    Seg::Lit(":".into()),
                    Seg::Account,
                    Seg::Lit(format!(":inference-profile/{id}")),
                ],
                template: None,
            };
            return vec![
                profile,
                foundation_model(vec![Seg::Lit(id[prefix.len()..].to_string())], true),
            ];
        }
        return vec![foundation_model(vec![Seg::Lit(id.to_string())], false)];
    }
    if matches!(hint.pieces.as_slice(), [Piece::Env(_)]) || !hint.is_unknown() {
        return vec![foundation_model(hint_segs(hint, Transform::Plain), false)];
    }
    vec![foundation_model(vec![Seg::Any], false)]
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "bedrock-runtime" {
        return None;
    }
    let hints = call.params.get("modelId")?;
    let (_, op) = catalog.operation(&call.service, &call.operation)?;
    let mut needs = Vec::new();
    for action in &op.actions {
        for hint in hints {
            for resource in resources(hint) {
                needs.push(RuleNeed {
                    action: action.clone(),
                    resource,
                    reason: format!("{} is authorized on the model named in modelId", call.operation),
                    possible: false,
                });
            }
        }
    }
    Some(Outcome::Replace(needs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{ArnContext, Unresolved};

    fn render(h: &Hint) -> Vec<String> {
        resources(h)
            .iter()
            .map(|r| r.render(&ArnContext::default(), Unresolved::Visible))
            .collect()
    }

    #[test]
    fn model_ids() {
        assert_eq!(
            render(&Hint::literal("anthropic.claude-3-haiku-20240307-v1:0")),
            ["arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]
        );
        assert_eq!(
            render(&Hint::literal("us.anthropic.claude-3-5-haiku-20241022-v1:0")),
            [
                "arn:aws:bedrock:*:*:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
            ]
        );
        assert_eq!(
            render(&Hint::env("MODEL_ID")),
            ["arn:aws:bedrock:*::foundation-model/${env:MODEL_ID}"]
        );
        assert_eq!(render(&Hint::unknown("x")), ["arn:aws:bedrock:*::foundation-model/*"]);
    }
}

//! A need's condition written as IAM's condition block: the operator follows the value
//! (`StringEquals` for a known endpoint, `StringLike` where the region is `*`), and
//! statements that differ only in one key's values become one statement.

use std::collections::BTreeSet;

use crate::evidence::{ArnContext, NeedCondition};

use super::dialect::{self, Dialect};
use super::{ConditionBlock, Statement};

/// The condition's value as `dialect` writes it.
pub fn value(c: &NeedCondition, ctx: &ArnContext, dialect: Dialect) -> String {
    dialect::render(&c.value, ctx, dialect)
}

/// The block for one key and its values: `StringLike` when a value holds a wildcard; a
/// value another one matches (`sqs.us-east-1...` under `sqs.*...`) says nothing more.
pub fn block(key: &str, values: impl IntoIterator<Item = String>) -> ConditionBlock {
    let all: BTreeSet<String> = values.into_iter().collect();
    let values: BTreeSet<String> = all
        .iter()
        .filter(|v| !all.iter().any(|w| w != *v && crate::wildcard::matches(w, v)))
        .cloned()
        .collect();
    if values.is_empty() {
        return ConditionBlock::new();
    }
    let operator = if values.iter().any(|v| v.contains(['*', '?'])) {
        "StringLike"
    } else {
        "StringEquals"
    };
    let mut out = ConditionBlock::new();
    out.entry(operator.to_string())
        .or_default()
        .insert(key.to_string(), values.into_iter().collect());
    out
}

/// The block of a need's condition, in a dialect; empty for none.
pub fn of(c: Option<&NeedCondition>, ctx: &ArnContext, dialect: Dialect) -> ConditionBlock {
    match c {
        Some(c) => block(&c.key, [value(c, ctx, dialect)]),
        None => ConditionBlock::new(),
    }
}

/// The one key of a block this module writes, with its values.
pub fn single(b: &ConditionBlock) -> Option<(&str, &[String])> {
    let [(_, keys)] = b.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [(key, values)] = keys.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    Some((key.as_str(), values.as_slice()))
}

/// The block with each value replaced through `map` (a value `map` does not know stays).
pub fn map_values(b: &ConditionBlock, map: impl Fn(&str) -> Option<String>) -> ConditionBlock {
    match single(b) {
        Some((key, values)) => block(key, values.iter().map(|v| map(v).unwrap_or_else(|| v.clone()))),
        None => b.clone(),
    }
}

/// Statements with the same actions and resources whose conditions name the same single
/// key become one statement with the union of its values: each (action, resource) was
/// needed with each of those values, so the union grants nothing more.
pub fn join(statements: Vec<Statement>) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::with_capacity(statements.len());
    for s in statements {
        // The statement already out that this one joins, with the union of their values.
        let joined = single(&s.condition).and_then(|(key, values)| {
            out.iter().enumerate().find_map(|(at, o)| {
                let (k, old) = single(&o.condition)?;
                (k == key && o.actions == s.actions && o.resources == s.resources)
                    .then(|| (at, block(key, old.iter().chain(values).cloned())))
            })
        });
        match joined {
            Some((at, union)) => out[at].condition = union,
            None => out.push(s),
        }
    }
    out
}

/// A Sid suffix for a condition (`ViaSqs` for `kms:ViaService` = `sqs.*.amazonaws.com`).
pub fn sid_suffix(b: &ConditionBlock) -> String {
    let Some((key, values)) = single(b) else {
        return if b.is_empty() { String::new() } else { "When".into() };
    };
    if !key.eq_ignore_ascii_case("kms:ViaService") {
        return "When".into();
    }
    let services: BTreeSet<String> = values
        .iter()
        .filter_map(|v| v.split('.').next())
        .map(|s| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Via{}", services.into_iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::ResourcePattern;

    fn via(service: &str) -> NeedCondition {
        NeedCondition {
            key: "kms:ViaService".into(),
            value: ResourcePattern::from_template(&format!("{service}.${{Region}}.amazonaws.com"), |_| None),
        }
    }

    #[test]
    fn operator_follows_the_region() {
        let c = via("sqs");
        let unknown = of(Some(&c), &ArnContext::default(), Dialect::Deployable);
        assert_eq!(
            serde_json::to_string(&unknown).unwrap(),
            r#"{"StringLike":{"kms:ViaService":["sqs.*.amazonaws.com"]}}"#
        );
        let ctx = ArnContext {
            region: Some("eu-west-1".into()),
            ..ArnContext::default()
        };
        let known = of(Some(&c), &ctx, Dialect::Deployable);
        assert_eq!(
            serde_json::to_string(&known).unwrap(),
            r#"{"StringEquals":{"kms:ViaService":["sqs.eu-west-1.amazonaws.com"]}}"#
        );
        let cfn = of(Some(&c), &ArnContext::default(), Dialect::CloudFormation);
        assert_eq!(
            serde_json::to_string(&cfn).unwrap(),
            r#"{"StringEquals":{"kms:ViaService":["sqs.${AWS::Region}.amazonaws.com"]}}"#
        );
        assert!(of(None, &ctx, Dialect::Deployable).is_empty());
    }

    #[test]
    fn same_grants_join_their_values_and_others_stay_apart() {
        let st = |actions: &[&str], resources: &[&str], service: &str| Statement {
            sid: None,
            effect: "Allow".into(),
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            condition: block("kms:ViaService", [format!("{service}.*.amazonaws.com")]),
        };
        let key = "arn:aws:kms:*:*:key/*";
        let out = join(vec![
            st(&["kms:Decrypt"], &[key], "sqs"),
            st(&["kms:Decrypt"], &[key], "sns"),
            st(&["kms:GenerateDataKey"], &[key], "sqs"),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            single(&out[0].condition).unwrap().1,
            ["sns.*.amazonaws.com", "sqs.*.amazonaws.com"]
        );
        assert_eq!(sid_suffix(&out[0].condition), "ViaSnsSqs");
        let covered = block(
            "kms:ViaService",
            [
                "sqs.*.amazonaws.com".to_string(),
                "sqs.us-east-1.amazonaws.com".to_string(),
            ],
        );
        assert_eq!(single(&covered).unwrap().1, ["sqs.*.amazonaws.com"]);
        assert_eq!(sid_suffix(&out[1].condition), "ViaSqs");
    }
}

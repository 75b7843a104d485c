//! Statements from (action, resource, condition) grants: resources another resource of
//! the same action covers are dropped (an unconditional grant covers conditional ones,
//! never the reverse), actions with the same resource set and condition share one
//! statement, each statement gets a Sid that says what it is for, in a stable order.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;

use super::cover::CoverIndex;
use super::{ConditionBlock, PolicyDocument, Statement, condition, sid, wildcards};

/// One granted (action, resource), the resource written in the output's dialect and as
/// the report shows it (for the Sid).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub action: String,
    pub resource: String,
    pub shown: String,
    /// Empty when the grant holds unconditionally.
    pub condition: ConditionBlock,
}

pub fn group(items: &[Item], catalog: &Catalog, allow_wildcards: bool) -> PolicyDocument {
    let mut by_action: BTreeMap<(&str, &ConditionBlock), BTreeMap<&str, &str>> = BTreeMap::new();
    for it in items {
        by_action
            .entry((it.action.as_str(), &it.condition))
            .or_default()
            .entry(it.resource.as_str())
            .or_insert(it.shown.as_str());
    }
    let unconditional: BTreeMap<&str, Vec<&str>> = by_action
        .iter()
        .filter(|((_, c), _)| c.is_empty())
        .map(|((a, _), r)| (*a, r.keys().copied().collect()))
        .collect();
    // (condition, kept (resource, shown) pairs) → actions.
    type Set<'a> = (&'a ConditionBlock, Vec<(&'a str, &'a str)>);
    let mut by_set: BTreeMap<Set<'_>, Vec<String>> = BTreeMap::new();
    for ((action, cond), resources) in &by_action {
        let covering = CoverIndex::new(resources.keys().copied());
        let plain: &[&str] = match unconditional.get(action) {
            Some(r) if !cond.is_empty() => r,
            _ => &[],
        };
        let plain_covering = CoverIndex::new(plain.iter().copied());
        let kept: Vec<(&str, &str)> = resources
            .iter()
            .filter(|(r, _)| !covering.covers(r) && !plain.contains(r) && !plain_covering.covers(r))
            .map(|(r, s)| (*r, *s))
            .collect();
        if kept.is_empty() {
            continue;
        }
        by_set.entry((cond, kept)).or_default().push((*action).to_string());
    }
    let statements: Vec<(Vec<String>, Statement)> = by_set
        .into_iter()
        .map(|((cond, resources), actions)| {
            let shown: Vec<String> = resources.iter().map(|(_, s)| (*s).to_string()).collect();
            let actions = if allow_wildcards {
                wildcards::fold(&actions, catalog)
            } else {
                actions
            };
            let statement = Statement {
                sid: None,
                effect: "Allow".into(),
                actions,
                resources: resources.iter().map(|(r, _)| (*r).to_string()).collect(),
                condition: cond.clone(),
            };
            (shown, statement)
        })
        .collect();
    // Grants that differ only in a condition's values share a statement.
    let shown_of: BTreeMap<Vec<String>, Vec<String>> = statements
        .iter()
        .map(|(shown, s)| (s.resources.clone(), shown.clone()))
        .collect();
    let mut statements: Vec<(Vec<String>, Statement)> =
        condition::join(statements.into_iter().map(|(_, s)| s).collect())
            .into_iter()
            .map(|mut s| {
                let shown = shown_of.get(&s.resources).cloned().unwrap_or_default();
                let id = format!(
                    "{}{}",
                    sid::sid_for(&s.actions, &shown, catalog),
                    condition::sid_suffix(&s.condition)
                );
                s.sid = Some(id.chars().take(sid::MAX_LEN).collect());
                (shown, s)
            })
            .collect();
    // Scoped statements first, `*` last; then by service and action.
    statements.sort_by(|(_, a), (_, b)| {
        let star = |s: &Statement| s.resources.iter().all(|r| r == "*");
        star(a)
            .cmp(&star(b))
            .then(a.actions.cmp(&b.actions))
            .then(a.resources.cmp(&b.resources))
            .then(a.condition.cmp(&b.condition))
    });
    let mut used = BTreeSet::new();
    let statements = statements
        .into_iter()
        .map(|(_, mut s)| {
            let base = s.sid.take().unwrap_or_default();
            let mut id = base.clone();
            let mut n = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}{n}");
                n += 1;
            }
            s.sid = Some(id);
            s
        })
        .collect();
    PolicyDocument::new(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(a: &str, r: &str) -> Item {
        Item {
            action: a.into(),
            resource: r.into(),
            shown: r.into(),
            condition: ConditionBlock::new(),
        }
    }

    #[test]
    fn same_resources_share_a_statement_and_covered_ones_go() {
        let doc = group(
            &[
                item("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Orders"),
                item("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/Orders"),
                item("s3:GetObject", "arn:aws:s3:::b/*"),
                item("s3:GetObject", "arn:aws:s3:::b/in/*"),
                item("xray:PutTraceSegments", "*"),
            ],
            Catalog::embedded(),
            false,
        );
        let got: Vec<(String, Vec<String>, Vec<String>)> = doc
            .statements
            .iter()
            .map(|s| (s.sid.clone().unwrap(), s.actions.clone(), s.resources.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "ReadWriteOrdersTable".to_string(),
                    vec!["dynamodb:GetItem".to_string(), "dynamodb:PutItem".to_string()],
                    vec!["arn:aws:dynamodb:*:*:table/Orders".to_string()]
                ),
                (
                    "ReadBObjects".to_string(),
                    vec!["s3:GetObject".to_string()],
                    vec!["arn:aws:s3:::b/*".to_string()]
                ),
                (
                    "WriteXray".to_string(),
                    vec!["xray:PutTraceSegments".to_string()],
                    vec!["*".to_string()]
                ),
            ]
        );
    }
}

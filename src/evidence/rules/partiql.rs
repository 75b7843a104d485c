//! DynamoDB PartiQL statements are authorized by verb: `SELECT` → PartiQLSelect,
//! `INSERT` → PartiQLInsert, `UPDATE` → PartiQLUpdate, `DELETE` → PartiQLDelete, on the
//! table the statement names. Example: `execute_statement(Statement="SELECT * FROM
//! \"Orders\" WHERE pk=?")` → `dynamodb:PartiQLSelect` on table/Orders.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::sources::{Hint, SdkCall};

use super::super::static_facts::patterns_for_action;
use super::{Outcome, RuleNeed};

const VERBS: &[(&str, &str)] = &[
    ("SELECT", "dynamodb:PartiQLSelect"),
    ("INSERT", "dynamodb:PartiQLInsert"),
    ("UPDATE", "dynamodb:PartiQLUpdate"),
    ("DELETE", "dynamodb:PartiQLDelete"),
];

/// The verb and table of a statement whose text is known up to the table name.
fn parse(statement: &str) -> Option<(&'static str, Option<String>)> {
    let upper = statement.trim_start().to_ascii_uppercase();
    let (verb, action) = VERBS.iter().find(|(v, _)| upper.starts_with(v))?;
    let keyword = match *verb {
        "SELECT" | "DELETE" => "FROM",
        "INSERT" => "INTO",
        _ => "UPDATE",
    };
    let words: Vec<&str> = statement.split_whitespace().collect();
    let table = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case(keyword))
        .and_then(|i| words.get(i + 1))
        .map(|t| {
            t.trim_matches(|c| c == '"' || c == '\'')
                .split('.')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .filter(|t| !t.is_empty() && !t.contains(['{', '}', '$', '*']));
    Some((action, table))
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "dynamodb"
        || !matches!(
            call.operation.as_str(),
            "ExecuteStatement" | "BatchExecuteStatement" | "ExecuteTransaction"
        )
    {
        return None;
    }
    let (_, get) = catalog.operation("dynamodb", "GetItem")?;
    let mut needs = Vec::new();
    let statements: Vec<&Hint> = call
        .params
        .get("Statement")
        .into_iter()
        .flatten()
        .chain(call.elements.iter().filter_map(|e| e.params.get("Statement")).flatten())
        .collect();
    for hint in &statements {
        let text = hint.display();
        let Some((action, table)) = parse(&text) else { continue };
        let params = BTreeMap::from([(
            "TableName".to_string(),
            vec![table.map(Hint::literal).unwrap_or_else(|| Hint::unknown("table"))],
        )]);
        let action_of_get = get.actions.first().cloned().unwrap_or_default();
        for resource in patterns_for_action(get, &action_of_get, &params) {
            needs.push(RuleNeed {
                action: action.to_string(),
                resource,
                reason: format!("PartiQL statement `{}`", text.chars().take(60).collect::<String>()),
                possible: false,
            });
        }
    }
    if needs.is_empty() {
        for (_, action) in VERBS {
            needs.push(RuleNeed {
                action: action.to_string(),
                resource: crate::evidence::ResourcePattern::parse_arn("arn:${Partition}:dynamodb:*:*:table/*"),
                reason: "PartiQL statement not known statically".into(),
                possible: true,
            });
        }
    }
    Some(Outcome::Replace(needs))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn verbs_and_tables() {
        assert_eq!(
            parse("SELECT * FROM \"Orders\" WHERE pk=?"),
            Some(("dynamodb:PartiQLSelect", Some("Orders".into())))
        );
        assert_eq!(
            parse("insert into Users value {'a': ?}"),
            Some(("dynamodb:PartiQLInsert", Some("Users".into())))
        );
        assert_eq!(
            parse("UPDATE \"T\" SET a=1"),
            Some(("dynamodb:PartiQLUpdate", Some("T".into())))
        );
        assert_eq!(parse("DELETE FROM * WHERE"), Some(("dynamodb:PartiQLDelete", None)));
        assert_eq!(parse("EXPLAIN"), None);
    }
}

//! DynamoDB transactions are authorized per item: `TransactWriteItems` needs PutItem,
//! UpdateItem, DeleteItem or ConditionCheckItem on each item's table (there is no
//! `dynamodb:TransactWriteItems` action), `TransactGetItems` needs GetItem.
//! Example: `transact_write_items(TransactItems=[{"Put": {"TableName": "Orders", ...}}])`
//! → `dynamodb:PutItem` on table/Orders.

use crate::catalog::Catalog;
use crate::sources::SdkCall;

use super::super::static_facts::needs_via_operation;
use super::{Outcome, RuleNeed};

/// The action and table resources of one item kind. `ConditionCheckItem` is an IAM
/// action with no API operation of its own: it takes the table as PutItem does.
fn item_needs(
    catalog: &Catalog,
    op: &str,
    params: &std::collections::BTreeMap<String, Vec<crate::sources::Hint>>,
) -> Vec<(String, crate::evidence::ResourcePattern)> {
    if catalog.operation("dynamodb", op).is_some() {
        return needs_via_operation(catalog, "dynamodb", op, params);
    }
    needs_via_operation(catalog, "dynamodb", "PutItem", params)
        .into_iter()
        .map(|(_, r)| (format!("dynamodb:{op}"), r))
        .collect()
}

fn item_operation(kind: &str) -> Option<&'static str> {
    match kind {
        "Put" => Some("PutItem"),
        "Update" => Some("UpdateItem"),
        "Delete" => Some("DeleteItem"),
        "ConditionCheck" => Some("ConditionCheckItem"),
        "Get" => Some("GetItem"),
        _ => None,
    }
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "dynamodb" || !matches!(call.operation.as_str(), "TransactWriteItems" | "TransactGetItems") {
        return None;
    }
    let known: Vec<_> = call
        .elements
        .iter()
        .filter_map(|e| item_operation(&e.kind).map(|op| (op, e)))
        .collect();
    if known.is_empty() {
        // Items built at run time: every kind the operation allows is possible.
        let kinds: &[&str] = if call.operation == "TransactGetItems" {
            &["Get"]
        } else {
            &["Put", "Update", "Delete", "ConditionCheck"]
        };
        let certain = kinds.len() == 1;
        let mut needs = Vec::new();
        for kind in kinds {
            let op = item_operation(kind).unwrap_or_default();
            for (action, resource) in item_needs(catalog, op, &call.params) {
                needs.push(RuleNeed {
                    action,
                    resource,
                    reason: format!("{} items built at run time may include {kind}", call.operation),
                    possible: !certain,
                });
            }
        }
        return Some(Outcome::Replace(needs));
    }
    let mut needs = Vec::new();
    for (op, element) in known {
        for (action, resource) in item_needs(catalog, op, &element.params) {
            needs.push(RuleNeed {
                action,
                resource,
                reason: format!("{} item {} is authorized as {op}", call.operation, element.kind),
                possible: false,
            });
        }
    }
    Some(Outcome::Replace(needs))
}

//! DynamoDB batch requests name their tables as the keys of `RequestItems`, not in a
//! `TableName` member, so the catalog has no member to fill the table ARN from. The
//! analysers put each key as a `TableName` hint; this rule scopes `BatchWriteItem` /
//! `BatchGetItem` to those tables. Example: `batch_write_item(RequestItems={"Orders":
//! [...]})` → `dynamodb:BatchWriteItem` on table/Orders.

use crate::catalog::Catalog;
use crate::sources::SdkCall;

use super::super::static_facts::needs_via_operation;
use super::{Outcome, RuleNeed};

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "dynamodb" || !matches!(call.operation.as_str(), "BatchWriteItem" | "BatchGetItem") {
        return None;
    }
    let (_, op) = catalog.operation("dynamodb", &call.operation)?;
    let action = op.actions.first()?.clone();
    // DescribeTable's only resource is the table, filled from TableName.
    let needs = needs_via_operation(catalog, "dynamodb", "DescribeTable", &call.params)
        .into_iter()
        .map(|(_, resource)| RuleNeed {
            action: action.clone(),
            resource,
            reason: format!("{} on the tables named in RequestItems", call.operation),
            possible: false,
        })
        .collect();
    Some(Outcome::Replace(needs))
}

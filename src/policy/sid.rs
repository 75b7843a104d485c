//! Statement ids that say what a statement is for: `ReadOrdersTable`,
//! `WriteInvoicesObjects`, `PublishReceiptsTopic`, `WriteXray`.

use std::collections::BTreeSet;

use crate::catalog::Catalog;

use super::resource_type;

/// IAM accepts only ASCII letters and digits in a Sid.
pub const MAX_LEN: usize = 64;

/// Verbs an action name starts with that say more than its access level.
const VERBS: &[&str] = &[
    "Publish", "Send", "Invoke", "Decrypt", "Encrypt", "Start", "Delete", "Create", "Receive",
];

/// A Sid for a statement: its actions, and its resources as the report shows them.
pub fn sid_for(actions: &[String], shown: &[String], catalog: &Catalog) -> String {
    let verb = verb(actions, catalog);
    let object = object(actions, shown, catalog);
    let sid: String = format!("{verb}{object}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    sid.chars().take(MAX_LEN).collect()
}

fn verb(actions: &[String], catalog: &Catalog) -> String {
    let firsts: BTreeSet<String> = actions
        .iter()
        .map(|a| first_word(a.split_once(':').map(|(_, n)| n).unwrap_or(a)))
        .collect();
    if let [one] = firsts.iter().collect::<Vec<_>>().as_slice()
        && VERBS.contains(&one.as_str())
    {
        return (*one).clone();
    }
    let levels: BTreeSet<&str> = actions
        .iter()
        .filter_map(|a| catalog.iam_action(a))
        .map(|a| match a.access.as_str() {
            "List" => "Read",
            other => other,
        })
        .collect();
    match levels.into_iter().collect::<Vec<_>>().as_slice() {
        ["Read"] => "Read",
        ["Write"] => "Write",
        ["Read", "Write"] => "ReadWrite",
        ["Tagging"] => "Tag",
        ["Permissions management"] => "Manage",
        _ => "Use",
    }
    .to_string()
}

fn first_word(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            break;
        }
        out.push(c);
    }
    out
}

fn object(actions: &[String], shown: &[String], catalog: &Catalog) -> String {
    if shown.iter().all(|r| r == "*") {
        let prefixes: BTreeSet<&str> = actions.iter().filter_map(|a| a.split(':').next()).collect();
        return prefixes.iter().map(|p| camel(p)).collect();
    }
    let nouns: Vec<(String, String)> = shown.iter().map(|r| noun(actions, r, catalog)).collect();
    match nouns.as_slice() {
        [(name, kind)] => join_noun(name, kind),
        [(a, k1), (b, k2)] if k1 == k2 => format!("{a}And{b}{}", plural(k1)),
        [(a, k1), (b, k2)] => format!("{}And{}", join_noun(a, k1), join_noun(b, k2)),
        many => {
            let kinds: BTreeSet<&String> = many.iter().map(|(_, k)| k).collect();
            match kinds.into_iter().collect::<Vec<_>>().as_slice() {
                [k] => format!("{}{}", many.len(), plural(k)),
                _ => {
                    let prefixes: BTreeSet<&str> = actions.iter().filter_map(|a| a.split(':').next()).collect();
                    let joined: String = prefixes.iter().map(|p| camel(p)).collect();
                    format!("{joined}Resources")
                }
            }
        }
    }
}

fn join_noun(name: &str, kind: &str) -> String {
    if name.ends_with(kind) {
        name.to_string()
    } else {
        format!("{name}{kind}")
    }
}

fn plural(kind: &str) -> String {
    if kind.ends_with('s') {
        kind.to_string()
    } else {
        format!("{kind}s")
    }
}

/// (name, kind) of one resource: (`Orders`, `Table`), (`Invoices`, `Objects`).
fn noun(actions: &[String], arn: &str, catalog: &Catalog) -> (String, String) {
    if arn == "*" {
        return ("Any".into(), String::new());
    }
    // `${env:NAME}` holds a `:` that is not an ARN separator.
    let plain = arn.replace("${env:", "${");
    let parts: Vec<&str> = plain.splitn(6, ':').collect();
    let service = parts.get(2).copied().unwrap_or("");
    let tail = parts.get(5).copied().unwrap_or(&plain);
    if service == "logs" {
        let group = tail.strip_prefix("log-group:").unwrap_or(tail);
        let streams = group.ends_with(":*") || group.contains(":log-stream:");
        let group = group
            .split(":log-stream:")
            .next()
            .unwrap_or(group)
            .trim_end_matches(":*");
        let group = group.strip_prefix("/aws/lambda/").unwrap_or(group);
        let kind = if streams { "LogStreams" } else { "LogGroup" };
        return (or_any(camel(&clean(group))), kind.into());
    }
    if service == "s3" && parts.get(3).is_some_and(|r| r.is_empty()) {
        return match tail.split_once('/') {
            Some((bucket, _)) => (or_any(camel(&clean(bucket))), "Objects".into()),
            None => (or_any(camel(&clean(tail))), "Bucket".into()),
        };
    }
    let deploy = arn_for_types(arn);
    let kind = actions
        .iter()
        .find_map(|a| resource_type::types_of_str(catalog, a, &deploy).into_iter().next())
        .map(camel)
        .unwrap_or_default();
    // The name: what follows the resource type's own word, without wildcards.
    let name = match tail.split_once(['/', ':']) {
        Some((_, rest)) => rest.split(['/', ':']).next().unwrap_or(rest),
        None => tail,
    };
    // A key id is a UUID: its first group tells keys apart in a Sid.
    let name = match name.split('-').collect::<Vec<_>>().as_slice() {
        [first, _, _, _, last] if service == "kms" && first.len() == 8 && last.len() == 12 => first,
        _ => name,
    };
    (or_any(camel(&clean(name))), kind)
}

/// The visible form with `${env:X}` as `*`, as the catalog formats are matched.
fn arn_for_types(shown: &str) -> String {
    let mut out = String::new();
    let mut rest = shown;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        out.push('*');
        rest = rest[start..].split_once('}').map(|(_, r)| r).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// A resource name without wildcards and placeholder syntax: `${env:TABLE}` → `TABLE`.
fn clean(name: &str) -> String {
    name.replace("${env:", "").replace(['*', '?', '$', '{', '}'], " ")
}

/// `shop-prod-orders` → `ShopProdOrders`; an upper-case word (`TABLE_NAME`, as
/// environment variables are named) → `TableName`.
pub fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = if w.len() > 1 && !w.chars().any(|c| c.is_ascii_lowercase()) {
                w.to_ascii_lowercase()
            } else {
                w.to_string()
            };
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn or_any(name: String) -> String {
    if name.is_empty() { "Any".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(actions: &[&str], shown: &[&str]) -> String {
        let a: Vec<String> = actions.iter().map(|s| s.to_string()).collect();
        let s: Vec<String> = shown.iter().map(|s| s.to_string()).collect();
        sid_for(&a, &s, Catalog::embedded())
    }

    #[test]
    fn sids_say_what_statements_are_for() {
        assert_eq!(
            sid(
                &["dynamodb:GetItem", "dynamodb:Query"],
                &["arn:aws:dynamodb:*:*:table/Orders"]
            ),
            "ReadOrdersTable"
        );
        assert_eq!(
            sid(
                &["dynamodb:GetItem", "dynamodb:PutItem"],
                &["arn:aws:dynamodb:*:*:table/Orders"]
            ),
            "ReadWriteOrdersTable"
        );
        assert_eq!(
            sid(&["s3:PutObject"], &["arn:aws:s3:::invoices/in/*"]),
            "WriteInvoicesObjects"
        );
        assert_eq!(
            sid(&["s3:ListBucket"], &["arn:aws:s3:::invoices"]),
            "ReadInvoicesBucket"
        );
        assert_eq!(
            sid(&["sns:Publish"], &["arn:aws:sns:*:*:receipts"]),
            "PublishReceiptsTopic"
        );
        assert_eq!(
            sid(&["sqs:SendMessage"], &["arn:aws:sqs:*:*:orders-queue"]),
            "SendOrdersQueue"
        );
        assert_eq!(
            sid(
                &["kms:Decrypt"],
                &["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
            ),
            "Decrypt1234abcdKey"
        );
        assert_eq!(
            sid(&["xray:PutTraceSegments", "xray:PutTelemetryRecords"], &["*"]),
            "WriteXray"
        );
        assert_eq!(
            sid(
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                &["arn:aws:logs:*:*:log-group:/aws/lambda/shop-prod-CatalogSync-*:*"]
            ),
            "WriteShopProdCatalogSyncLogStreams"
        );
        assert_eq!(
            sid(&["logs:CreateLogGroup"], &["arn:aws:logs:*:*:log-group:/aws/lambda/fn"]),
            "CreateFnLogGroup"
        );
        assert_eq!(
            sid(&["dynamodb:PutItem"], &["arn:aws:dynamodb:*:*:table/${env:TABLE}"]),
            "WriteTable"
        );
        assert_eq!(
            sid(
                &["dynamodb:GetItem"],
                &["arn:aws:dynamodb:*:*:table/A", "arn:aws:dynamodb:*:*:table/B"]
            ),
            "ReadAAndBTables"
        );
        assert_eq!(sid(&["s3:GetObject"], &["arn:aws:s3:::*/*"]), "ReadAnyObjects");
        assert_eq!(
            sid(&["sqs:SendMessage"], &["arn:aws:sqs:*:*:${env:BILLING_QUEUE}"]),
            "SendBillingQueue"
        );
    }
}

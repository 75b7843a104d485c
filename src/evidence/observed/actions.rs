//! From one CloudTrail record to the IAM actions it exercised and the resources it
//! touched: eventSource → service and eventName → operation through the catalog, with
//! the events whose name is not the action (ListObjects with `list-type` 2, Lambda's API
//! version suffixes, transactions per item, copies reading their source, batch requests)
//! and the denials whose message names the missing permission exactly.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::catalog::{Catalog, Operation};
use crate::evidence::resource::ArnContext;
use crate::evidence::static_facts::patterns_for_action;
use crate::evidence::{ResourcePattern, Unresolved};
use crate::sources::Hint;
use crate::sources::cloudtrail::Record;
use crate::sources::cloudtrail::sql::DENIED_CODES;

/// One action a record needed, on one resource (an ARN, possibly with `*`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mapped {
    pub action: String,
    pub resource: String,
    pub denied: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Actions(Vec<Mapped>),
    /// The call needs no permission (`sts:GetCallerIdentity`).
    Permissionless,
    /// No operation or action known for this event.
    Unmapped,
}

/// TransactWriteItems / TransactGetItems item kinds → actions.
const ITEM_ACTIONS: &[(&str, &str)] = &[
    ("Put", "dynamodb:PutItem"),
    ("Update", "dynamodb:UpdateItem"),
    ("Delete", "dynamodb:DeleteItem"),
    ("ConditionCheck", "dynamodb:ConditionCheckItem"),
    ("Get", "dynamodb:GetItem"),
];

/// Input members whose CloudTrail parameter name is not the member in lowerCamelCase.
const PARAM_ALIASES: &[(&str, &str)] = &[("Bucket", "bucketName")];

/// The boto3 services whose events carry this `eventSource`, the catalog's own choice
/// first (s3 before s3control).
fn services_for(catalog: &Catalog, source: &str) -> std::borrow::Cow<'static, [String]> {
    static BY_SOURCE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    let map = BY_SOURCE.get_or_init(|| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, entry) in catalog.services() {
            if let Some(s) = &entry.cloudtrail_source {
                m.entry(s.clone()).or_default().push(name.to_string());
            }
        }
        for (source, v) in m.iter_mut() {
            if let Some(primary) = catalog.service_for_event_source(source)
                && let Some(i) = v.iter().position(|s| s == primary)
            {
                let p = v.remove(i);
                v.insert(0, p);
            }
        }
        m
    });
    if let Some(v) = map.get(source) {
        return std::borrow::Cow::Borrowed(v.as_slice());
    }
    let host = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    // `streams.dynamodb` → dynamodb's prefix.
    let host = host.rsplit('.').next().unwrap_or(host);
    let mut v: Vec<String> = catalog.services_of_prefix(host).to_vec();
    if let Some(s) = catalog.service_for_event_source(source)
        && !v.iter().any(|x| x == s)
    {
        v.insert(0, s.to_string());
    }
    std::borrow::Cow::Owned(v)
}

/// `GetFunctionConfiguration20150331v2` → `GetFunctionConfiguration`.
pub fn strip_api_version(name: &str) -> &str {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'v');
    let digits = name.len() - trimmed.len();
    let tail = &name[trimmed.len()..];
    if digits >= 8 && tail.starts_with(|c: char| c.is_ascii_digit()) && tail[..8].bytes().all(|b| b.is_ascii_digit()) {
        trimmed
    } else {
        name
    }
}

/// The operation an event stands for, with the service it belongs to.
fn operation_of<'c>(catalog: &'c Catalog, r: &Record<'_>, params: &Value) -> Option<(String, &'c str, &'c Operation)> {
    let mut name = strip_api_version(&r.event_name).to_string();
    if name == "ListObjects" && params.get("list-type").and_then(Value::as_str) == Some("2") {
        name = "ListObjectsV2".into();
    }
    for service in services_for(catalog, &r.event_source).iter() {
        if let Some((api, op)) = catalog.operation(service, &name) {
            return Some((service.clone(), api, op));
        }
    }
    None
}

/// Maps one record; `params` is its `requestParameters` (or `Null`).
pub fn map_record(r: &Record<'_>, params: &Value, catalog: &Catalog) -> Outcome {
    let ctx = ArnContext {
        partition: partition_of(r),
        region: r.region.as_deref().map(String::from),
        account: r
            .account
            .as_deref()
            .or(r.identity.account_id.as_deref())
            .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
            .map(String::from),
    };
    if !catalog.is_event_source(&r.event_source) {
        // Readers refuse such records; one built another way still grants nothing.
        return Outcome::Unmapped;
    }
    let denied = r.error_code.as_deref().is_some_and(|c| DENIED_CODES.contains(&c));
    let mut out: Vec<Mapped> = Vec::new();
    match operation_of(catalog, r, params) {
        Some((service, api, op)) => {
            if op.actions.is_empty() {
                return Outcome::Permissionless;
            }
            if names_no_resource_could_have(op, params) {
                // A bucket called `*` was never logged by AWS: a forged record must not
                // widen a grant. It is counted with the events that map to nothing.
                return Outcome::Unmapped;
            }
            if matches!(api, "TransactWriteItems" | "TransactGetItems") {
                for (action, table) in transaction_items(params) {
                    out.push(mapped(action, &table_arn(&ctx, &table), denied));
                }
            }
            if out.is_empty() {
                for action in &op.actions {
                    for res in resources_for(catalog, &service, op, action, params, r, &ctx) {
                        out.push(mapped(action, &res, denied));
                    }
                }
            }
            if matches!(api, "CopyObject" | "UploadPartCopy")
                && let Some(src) = params.get("x-amz-copy-source").and_then(Value::as_str)
            {
                out.push(mapped("s3:GetObject", &copy_source_arn(&ctx, src), denied));
            }
        }
        None => {
            // No SDK operation of that name: an action of the same name still counts.
            let prefix = catalog
                .service_for_event_source(&r.event_source)
                .and_then(|s| catalog.service(s))
                .map(|s| s.prefix.clone())
                .unwrap_or_else(|| r.event_source.split('.').next().unwrap_or("").to_string());
            let name = strip_api_version(&r.event_name);
            let Some(action) = catalog.canonical_action(&format!("{prefix}:{name}")) else {
                return Outcome::Unmapped;
            };
            let res = listed_resources(catalog, &action, r);
            if res.is_empty() {
                out.push(mapped(&action, "*", denied));
            }
            for arn in res {
                out.push(mapped(&action, &arn, denied));
            }
        }
    }
    if denied && let Some((action, resource)) = named_in_denial(r.error_message.as_deref().unwrap_or("")) {
        // The message names exactly what is missing: that is the denied need.
        let action = catalog.canonical_action(&action).unwrap_or(action);
        return Outcome::Actions(vec![mapped(&action, &generalise(&resource), true)]);
    }
    out.sort();
    out.dedup();
    Outcome::Actions(out)
}

fn mapped(action: &str, resource: &str, denied: bool) -> Mapped {
    Mapped {
        action: action.to_string(),
        resource: generalise(resource),
        denied,
    }
}

fn partition_of(r: &Record<'_>) -> Option<String> {
    let arn = r.identity.arn.as_deref().or(r.identity.issuer_arn.as_deref())?;
    let p = arn.strip_prefix("arn:")?.split(':').next()?;
    (p != "aws" && !p.is_empty()).then(|| p.to_string())
}

fn table_arn(ctx: &ArnContext, table: &str) -> String {
    if table.starts_with("arn:") {
        return table.to_string();
    }
    ResourcePattern::from_template(
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
        |_| Some(vec![crate::evidence::Seg::Lit(table.to_string())]),
    )
    .render(ctx, Unresolved::Star)
}

/// `requestItems[]` of a transaction: (action, table) per distinct item kind and table.
fn transaction_items(params: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for item in params
        .get("requestItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let op = item.get("operation").and_then(Value::as_str).unwrap_or("");
        let Some(table) = item.get("tableName").and_then(Value::as_str) else {
            continue;
        };
        if let Some((_, action)) = ITEM_ACTIONS.iter().find(|(k, _)| *k == op) {
            out.push((*action, table.to_string()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `bucket/key?versionId=...` (optionally URL-encoded, with a leading `/`) as an ARN.
fn copy_source_arn(ctx: &ArnContext, src: &str) -> String {
    let decoded = percent_decode(src);
    let path = decoded.trim_start_matches('/');
    let path = path.split_once("?versionId=").map_or(path, |(p, _)| p);
    if path.starts_with("arn:") {
        return path.to_string();
    }
    let partition = ctx.partition.as_deref().unwrap_or("aws");
    format!("arn:{partition}:s3:::{path}")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// "... is not authorized to perform: dynamodb:UpdateItem on resource: arn:... because ..."
pub fn named_in_denial(message: &str) -> Option<(String, String)> {
    let rest = message.split_once("not authorized to perform: ")?.1;
    let action: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-' || *c == '_')
        .collect();
    if !action.contains(':') {
        return None;
    }
    let resource = rest
        .split_once(" on resource: ")
        .map(|(_, r)| {
            r.split_whitespace()
                .next()
                .unwrap_or("*")
                .trim_end_matches(['.', ','])
                .to_string()
        })
        .unwrap_or_else(|| "*".to_string());
    Some((action, resource))
}

/// The resources an action touched: the catalog's ARN template filled from the request
/// parameters when they name it whole, else `resources[]` entries of the action's
/// resource types, else the template with `*` where names are missing.
fn resources_for(
    catalog: &Catalog,
    service: &str,
    op: &Operation,
    action: &str,
    params: &Value,
    r: &Record<'_>,
    ctx: &ArnContext,
) -> Vec<String> {
    if r.event_source == "s3.amazonaws.com"
        && action == "s3:DeleteObject"
        && let Some(prefix) = r.resources.iter().find_map(|x| x.arn_prefix.as_deref())
    {
        return vec![format!("{prefix}*")];
    }
    if (service == "bedrock-runtime" || service == "bedrock")
        && let Some(model) = params.get("modelId").and_then(Value::as_str)
    {
        if model.starts_with("arn:") {
            return vec![model.to_string()];
        }
        let region = ctx.region.as_deref().unwrap_or("*");
        let partition = ctx.partition.as_deref().unwrap_or("aws");
        return vec![format!("arn:{partition}:bedrock:{region}::foundation-model/{model}")];
    }
    let hints = member_hints(op, params);
    let patterns = patterns_for_action(op, action, &hints);
    let complete: Vec<String> = patterns
        .iter()
        .filter(|p| !p.is_star() && !p.segs.contains(&crate::evidence::Seg::Any))
        .map(|p| p.render(ctx, Unresolved::Star))
        .collect();
    if !complete.is_empty() {
        return complete;
    }
    let listed = listed_resources(catalog, action, r);
    if !listed.is_empty() {
        return listed;
    }
    let mut out: Vec<String> = patterns.iter().map(|p| p.render(ctx, Unresolved::Star)).collect();
    if out.is_empty() {
        out.push("*".into());
    }
    out
}

/// `resources[]` ARNs whose type is one of the action's resource types.
fn listed_resources(catalog: &Catalog, action: &str, r: &Record<'_>) -> Vec<String> {
    let resource_types: Vec<String> = catalog
        .iam_action(action)
        .map(|a| a.resources.iter().map(|t| t.resource_type.clone()).collect())
        .unwrap_or_default();
    let types: Vec<String> = resource_types.iter().map(|t| squash(t)).collect();
    let prefix = action.split(':').next().unwrap_or("");
    // An ARN without a type (an engine's aggregate row) fits when it matches a format.
    let formats: Vec<String> = resource_types
        .iter()
        .flat_map(|t| catalog.arn_formats(prefix, t).iter())
        .map(|f| ResourcePattern::from_template(f, |_| None).render(&ArnContext::default(), Unresolved::Star))
        .collect();
    let mut out: Vec<String> = r
        .resources
        .iter()
        .filter(|x| match x.kind.as_deref() {
            Some(k) => types.contains(&squash(k.rsplit("::").next().unwrap_or(k))),
            None => x
                .arn
                .as_deref()
                .is_some_and(|a| formats.iter().any(|f| super::attribution::glob(f, a))),
        })
        .filter_map(|x| x.arn.as_deref().map(String::from))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The lower-cased CloudTrail parameter names that name a resource of the event's
/// operation (its input members in lowerCamelCase, `Bucket` as `bucketName`).
pub fn naming_keys(catalog: &Catalog, source: &str, name: &str) -> Vec<String> {
    let name = strip_api_version(name);
    let Some(op) = services_for(catalog, source)
        .iter()
        .find_map(|s| catalog.operation(s, name).map(|(_, op)| op))
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = naming_members(op)
        .into_iter()
        .flat_map(|m| {
            let alias = PARAM_ALIASES
                .iter()
                .find(|(x, _)| x == m)
                .map(|(_, k)| k.to_ascii_lowercase());
            [Some(m.to_ascii_lowercase()), alias]
        })
        .flatten()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The input members that name a resource of the operation.
fn naming_members(op: &Operation) -> Vec<&String> {
    let mut members: Vec<&String> = op
        .resources
        .iter()
        .flat_map(|r| r.from.iter().chain(r.arn_member.iter()).chain(r.vars.values()))
        .collect();
    members.sort();
    members.dedup();
    members
}

/// Whether a request parameter that names a resource holds what no logged name holds:
/// a wildcard (an S3 key aside, which may contain anything), whitespace, control
/// characters, or more than a name's length.
fn names_no_resource_could_have(op: &Operation, params: &Value) -> bool {
    member_hints(op, params).iter().any(|(member, hints)| {
        hints
            .iter()
            .filter_map(Hint::as_literal)
            .any(|v| crate::sources::plausible::flaw(v).is_some() || (member != "Key" && v.contains(['*', '?'])))
    })
}

/// Request parameters as hints under the operation's input member names.
fn member_hints(op: &Operation, params: &Value) -> BTreeMap<String, Vec<Hint>> {
    let mut out = BTreeMap::new();
    let Some(obj) = params.as_object() else {
        return out;
    };
    for member in naming_members(op) {
        let key = PARAM_ALIASES
            .iter()
            .find(|(m, _)| m == member)
            .map(|(_, k)| (*k).to_string())
            .unwrap_or_else(|| lower_camel(member));
        let value = obj
            .get(&key)
            .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(member)).map(|(_, v)| v));
        let hints: Vec<Hint> = match value {
            Some(Value::String(s)) => vec![Hint::literal(s.clone())],
            Some(Value::Number(n)) => vec![Hint::literal(n.to_string())],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(Hint::literal).collect(),
            _ => Vec::new(),
        };
        if !hints.is_empty() {
            out.insert(member.clone(), hints);
        }
    }
    out
}

fn lower_camel(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Per-call names a policy never lists one by one: S3 object keys (cut to their first
/// `/` segment), log streams, DynamoDB stream labels.
pub fn generalise(arn: &str) -> String {
    let mut out = String::with_capacity(arn.len());
    generalise_into(arn, &mut out);
    out
}

/// [`generalise`], appended to `out`.
pub fn generalise_into(arn: &str, out: &mut String) {
    if let Some(rest) = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":s3:::"))
        .map(|(_, r)| r)
        && let Some((bucket, key)) = rest.split_once('/')
    {
        let head = arn.len() - rest.len();
        out.push_str(&arn[..head]);
        out.push_str(bucket);
        out.push('/');
        if let Some((first, _)) = key.split_once('/') {
            out.push_str(first);
            out.push('/');
        }
        out.push('*');
        return;
    }
    if let Some((group, _)) = arn.split_once(":log-stream:") {
        out.push_str(group);
        out.push_str(":log-stream:*");
        return;
    }
    if arn.contains(":dynamodb:")
        && let Some((table, _)) = arn.split_once("/stream/")
    {
        out.push_str(table);
        out.push_str("/stream/*");
        return;
    }
    out.push_str(arn);
}

#[cfg(test)]
mod tests;

//! Keyword arguments → the parameters an SdkCall records: hints per member, nested dict
//! literals flattened into dotted members (`Image.S3Object.Bucket`, with the top-level
//! `Image` kept too), `TransactItems` as elements, `RequestItems` keys as `TableName`
//! hints, and `**kwargs` that hide members (`open`).

use std::collections::BTreeMap;

use crate::sources::{Element, Hint};

use super::value::{Vals, Value, hints_of};

/// Members whose dicts are data (items, keys, attribute maps), never nested members.
const MAP_MEMBERS: &[&str] = &[
    "Item",
    "Key",
    "Keys",
    "ExclusiveStartKey",
    "ExpressionAttributeValues",
    "ExpressionAttributeNames",
    "RequestItems",
    "TransactItems",
    "Metadata",
    "MessageAttributes",
    "MessageSystemAttributes",
    "Attributes",
    "Tags",
    "EncryptionContext",
];
const MAX_NESTING: usize = 6;
/// The type keys of a DynamoDB attribute value (`{"S": "x"}`): data, not members.
const ATTRIBUTE_VALUE_TYPES: &[&str] = &["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

/// What a call's keyword arguments say about its request.
#[derive(Debug, Default)]
pub struct Request {
    pub params: BTreeMap<String, Vec<Hint>>,
    pub elements: Vec<Element>,
    /// `**x` whose keys are not known.
    pub open: bool,
}

impl Request {
    /// Adds one member's values.
    pub fn add(&mut self, name: &str, vals: &Vals) {
        add_param(&mut self.params, name, vals, 0);
        match name {
            "TransactItems" => self.elements.extend(transact_elements(vals)),
            "Statements" | "TransactStatements" => self.elements.extend(statement_elements(vals)),
            "RequestItems" => {
                for h in request_item_tables(vals) {
                    push_hint(&mut self.params, "TableName", h);
                }
            }
            _ => {}
        }
    }

    /// Adds the entries of `**x`.
    pub fn add_splat(&mut self, vals: &Vals) {
        for v in vals {
            match v {
                Value::Dict(entries, open) => {
                    self.open |= *open;
                    for (k, val) in entries {
                        match literal_key(k) {
                            Some(name) => self.add(&name, val),
                            None => self.open = true,
                        }
                    }
                }
                _ => self.open = true,
            }
        }
    }
}

/// Builds the request of a call from its keywords and `**` splats.
pub fn request(keywords: &[(String, Vals)], double_star: &[Vals]) -> Request {
    let mut r = Request::default();
    for (name, vals) in keywords {
        r.add(name, vals);
    }
    for d in double_star {
        r.add_splat(d);
    }
    r
}

fn literal_key(k: &Vals) -> Option<String> {
    match k.as_slice() {
        [Value::Str(h)] => h.as_literal().map(str::to_string),
        _ => None,
    }
}

fn push_hint(params: &mut BTreeMap<String, Vec<Hint>>, name: &str, h: Hint) {
    let entry = params.entry(name.to_string()).or_default();
    if !entry.contains(&h) {
        entry.push(h);
    }
}

/// A list whose known elements are all strings or literals.
fn is_scalar_list(elements: &[Vals]) -> bool {
    elements
        .iter()
        .flatten()
        .all(|v| matches!(v, Value::Str(_) | Value::Lit(_)))
}

/// Whether a dict key reads as an API member (`S3Object`, `Bucket`), not data.
fn is_member_name(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_alphanumeric())
        && !ATTRIBUTE_VALUE_TYPES.contains(&key)
}

fn add_param(params: &mut BTreeMap<String, Vec<Hint>>, name: &str, vals: &Vals, depth: usize) {
    let what = name.rsplit('.').next().unwrap_or(name);
    let mut top: Vals = Vec::new();
    for v in vals {
        match v {
            Value::Dict(..) => top.push(Value::Unknown("dict".into())),
            // A list of names (`Names=[a, b]`, `InstanceIds=[i]`): one hint per element.
            Value::List(elements, open) if is_scalar_list(elements) => {
                top.extend(elements.iter().flatten().cloned());
                if *open || elements.is_empty() {
                    top.push(Value::Unknown("list".into()));
                }
            }
            Value::List(..) => top.push(Value::Unknown("list".into())),
            other => top.push(other.clone()),
        }
    }
    for h in hints_of(&top, what) {
        push_hint(params, name, h);
    }
    if depth >= MAX_NESTING || MAP_MEMBERS.contains(&what) {
        return;
    }
    for v in vals {
        match v {
            Value::Dict(entries, _) => {
                for (k, val) in entries {
                    if let Some(key) = literal_key(k).filter(|k| is_member_name(k)) {
                        add_param(params, &format!("{name}.{key}"), val, depth + 1);
                    }
                }
            }
            // A list of structures: each element's members under the list's name.
            Value::List(elements, _) => {
                for e in elements {
                    for x in e {
                        if let Value::Dict(entries, _) = x {
                            for (k, val) in entries {
                                if let Some(key) = literal_key(k).filter(|k| is_member_name(k)) {
                                    add_param(params, &format!("{name}.{key}"), val, depth + 1);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The top-level members of a dict as element parameters.
fn dict_params(vals: &Vals) -> BTreeMap<String, Vec<Hint>> {
    let mut params = BTreeMap::new();
    for v in vals {
        if let Value::Dict(entries, _) = v {
            for (k, val) in entries {
                if let Some(key) = literal_key(k) {
                    add_param(&mut params, &key, val, 1);
                }
            }
        }
    }
    params
}

fn list_elements(vals: &Vals) -> impl Iterator<Item = &Vals> {
    vals.iter()
        .filter_map(|v| match v {
            Value::List(elements, _) => Some(elements.iter()),
            _ => None,
        })
        .flatten()
}

/// `TransactItems=[{"Put": {...}}, {"Update": {...}}]` → one element per item.
fn transact_elements(vals: &Vals) -> Vec<Element> {
    let mut out: Vec<Element> = Vec::new();
    for item in list_elements(vals) {
        for v in item {
            let Value::Dict(entries, _) = v else { continue };
            for (k, val) in entries {
                let Some(kind) = literal_key(k) else { continue };
                let e = Element {
                    kind,
                    params: dict_params(val),
                };
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// `Statements=[{"Statement": "...", "Parameters": [...]}]` → one element per statement.
fn statement_elements(vals: &Vals) -> Vec<Element> {
    let mut out: Vec<Element> = Vec::new();
    for item in list_elements(vals) {
        let e = Element {
            kind: "Statement".into(),
            params: dict_params(item),
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// The tables a `RequestItems` dict names (its keys). A response's unprocessed items
/// fed back into the request name the same tables and add none.
fn request_item_tables(vals: &Vals) -> Vec<Hint> {
    let mut out: Vec<Hint> = Vec::new();
    for v in vals {
        match v {
            Value::Dict(entries, open) => {
                for (k, _) in entries {
                    for h in hints_of(k, "table") {
                        if !out.contains(&h) {
                            out.push(h);
                        }
                    }
                }
                if *open && entries.is_empty() {
                    out.push(Hint::unknown("table"));
                }
            }
            Value::Response(r) if r.path.starts_with("Unprocessed") => {}
            _ => out.push(Hint::unknown("table")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Vals {
        vec![Value::Str(Hint::literal(v))]
    }

    fn dict(entries: Vec<(&str, Vals)>) -> Vals {
        vec![Value::Dict(
            entries.into_iter().map(|(k, v)| (s(k), v)).collect(),
            false,
        )]
    }

    #[test]
    fn nested_dicts_flatten() {
        let image = dict(vec![(
            "S3Object",
            dict(vec![("Bucket", s("media")), ("Name", s("a.png"))]),
        )]);
        let r = request(&[("Image".into(), image)], &[]);
        assert_eq!(r.params["Image.S3Object.Bucket"], vec![Hint::literal("media")]);
        assert!(r.params["Image"][0].is_unknown());
        assert!(r.params.contains_key("Image.S3Object"));
    }

    #[test]
    fn transact_items_and_request_items() {
        let put = dict(vec![(
            "Put",
            dict(vec![("TableName", s("Orders")), ("Item", dict(vec![("pk", s("1"))]))]),
        )]);
        let items = vec![Value::List(vec![put], false)];
        let r = request(&[("TransactItems".into(), items)], &[]);
        assert_eq!(r.elements.len(), 1);
        assert_eq!(r.elements[0].kind, "Put");
        assert_eq!(r.elements[0].params["TableName"], vec![Hint::literal("Orders")]);
        let batch = dict(vec![("Inventory", vec![Value::List(Vec::new(), true)])]);
        let r = request(&[("RequestItems".into(), batch)], &[]);
        assert_eq!(r.params["TableName"], vec![Hint::literal("Inventory")]);
    }

    #[test]
    fn hidden_keywords_open_the_request() {
        let r = request(&[], &[vec![Value::Unknown("kwargs".into())]]);
        assert!(r.open);
        let r = request(&[], &[dict(vec![("StreamArn", s("arn:x"))])]);
        assert!(!r.open);
        assert_eq!(r.params["StreamArn"], vec![Hint::literal("arn:x")]);
    }
}

//! Mapping each distinct call once: records that differ only in what the mapping ignores
//! (a DynamoDB item key, an S3 key past its first segment, a message body) share one
//! signature, and the mapping of a signature is remembered. The signature holds every
//! input of [`map_record`]: the event, the error, region and account, the listed
//! resources, and the request parameters that name resources or change the action.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::catalog::Catalog;
use crate::sources::cloudtrail::Record;

use super::actions::{Outcome, generalise_into, map_record, naming_keys};

/// Request parameters that change the action or name a resource beyond the members.
const EXTRA_KEYS: &[&str] = &["list-type", "x-amz-copy-source", "requestitems", "modelid"];

/// Signatures remembered before the memo starts afresh (bounds its memory).
const MAX_MEMO: usize = 50_000;

/// FNV-1a: the memo's keys are short and hashed once per record.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

#[derive(Debug, Default)]
pub struct Mapper {
    /// eventSource → eventName → lower-cased parameter names that matter.
    keys: FnvMap<String, FnvMap<String, Vec<String>>>,
    memo: FnvMap<String, usize>,
    /// The remembered mappings, by id.
    pub outcomes: Vec<Outcome>,
}

/// A mapping: remembered (its id in [`Mapper::outcomes`]) or, once the memo is full,
/// computed for this record only.
pub enum Mapping {
    Known(usize),
    Fresh(Outcome),
}

impl Mapper {
    pub fn map(&mut self, r: &Record<'_>, catalog: &Catalog) -> Mapping {
        let known = self
            .keys
            .get(r.event_source.as_ref())
            .is_some_and(|m| m.contains_key(r.event_name.as_ref()));
        if !known {
            let mut k = naming_keys(catalog, &r.event_source, &r.event_name);
            k.extend(EXTRA_KEYS.iter().map(|s| s.to_string()));
            self.keys
                .entry(r.event_source.to_string())
                .or_default()
                .insert(r.event_name.to_string(), k);
        }
        let keys = &self.keys[r.event_source.as_ref()][r.event_name.as_ref()];
        let kept = wanted_parameters(r.request_parameters.as_deref(), keys);
        let mut sig = String::with_capacity(256);
        for part in [
            r.event_source.as_ref(),
            r.event_name.as_ref(),
            r.error_code.as_deref().unwrap_or(""),
            r.error_message.as_deref().unwrap_or(""),
            r.region.as_deref().unwrap_or(""),
            r.account.as_deref().unwrap_or(""),
            r.identity.account_id.as_deref().unwrap_or(""),
            r.identity
                .arn
                .as_deref()
                .and_then(|a| a.split(':').nth(1))
                .unwrap_or(""),
        ] {
            sig.push_str(part);
            sig.push('\u{1}');
        }
        for res in &r.resources {
            if let Some(arn) = res.arn.as_deref() {
                generalise_into(arn, &mut sig);
            }
            sig.push('\u{2}');
            sig.push_str(res.arn_prefix.as_deref().unwrap_or(""));
            sig.push('\u{2}');
            sig.push_str(res.kind.as_deref().unwrap_or(""));
            sig.push('\u{1}');
        }
        for (k, v) in &kept {
            sig.push_str(k);
            sig.push('=');
            signature_of_value(k, v.get(), &mut sig);
            sig.push('\u{1}');
        }
        if let Some(hit) = self.memo.get(&sig) {
            return Mapping::Known(*hit);
        }
        let params = Value::Object(
            kept.into_iter()
                .filter_map(|(k, v)| serde_json::from_str(v.get()).ok().map(|v| (k.into_owned(), v)))
                .collect(),
        );
        let outcome = map_record(r, &params, catalog);
        if self.memo.len() >= MAX_MEMO {
            return Mapping::Fresh(outcome);
        }
        let id = self.outcomes.len();
        self.outcomes.push(outcome);
        self.memo.insert(sig, id);
        Mapping::Known(id)
    }
}

/// The top-level request parameters named in `keys` (lower-cased), in key order; none
/// when the parameters are not an object.
fn wanted_parameters<'p>(params: Option<&'p str>, keys: &[String]) -> Vec<(Cow<'p, str>, &'p RawValue)> {
    let mut kept = Vec::new();
    let Some(params) = params else {
        return kept;
    };
    let seed = Wanted { keys, out: &mut kept };
    let mut de = serde_json::Deserializer::from_str(params);
    if seed.deserialize(&mut de).is_err() {
        kept.clear();
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    kept
}

/// Collects the wanted members of a JSON object, skipping the rest unparsed into values.
struct Wanted<'k, 'o, 'p> {
    keys: &'k [String],
    out: &'o mut Vec<(Cow<'p, str>, &'p RawValue)>,
}

impl<'de, 'k, 'o> DeserializeSeed<'de> for Wanted<'k, 'o, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'k, 'o> Visitor<'de> for Wanted<'k, 'o, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of request parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !self.keys.iter().any(|x| x.eq_ignore_ascii_case(&key)) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value: &'de RawValue = map.next_value()?;
            // A repeated member: the last one counts, as in a map.
            match self.out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => self.out.push((key, value)),
            }
        }
        Ok(())
    }
}

/// What of a parameter's value the mapping reads, into the signature: an S3 key's first
/// segment, no log stream name (log streams are generalised to `*`), and of the objects
/// in a list (`requestItems`) only their `operation` and `tableName`.
fn signature_of_value(key: &str, text: &str, sig: &mut String) {
    if key.eq_ignore_ascii_case("key") || key.eq_ignore_ascii_case("x-amz-copy-source") {
        // The mapping keeps only the first segment of a key.
        let inner = text.trim_matches('"');
        let head = inner.split_once('/').map_or("", |(h, _)| h);
        sig.push_str(head);
        sig.push_str(if inner.contains('/') { "/" } else { "" });
    } else if key.eq_ignore_ascii_case("logstreamname") {
        sig.push('*');
    } else if text.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(text)
    {
        sig.push('[');
        for item in items {
            let t = item.get();
            match serde_json::from_str::<ListedItem<'_>>(t) {
                Ok(i) if t.starts_with('{') => {
                    sig.push('{');
                    sig.push_str(i.operation.map_or("", RawValue::get));
                    sig.push('\u{3}');
                    sig.push_str(i.table.map_or("", RawValue::get));
                    sig.push('}');
                }
                _ => sig.push_str(t),
            }
            sig.push('\u{3}');
        }
        sig.push(']');
    } else {
        sig.push_str(text);
    }
}

/// The members of an item of `requestItems` that the mapping reads.
#[derive(serde::Deserialize)]
struct ListedItem<'a> {
    #[serde(borrow, default)]
    operation: Option<&'a RawValue>,
    #[serde(rename = "tableName", borrow, default)]
    table: Option<&'a RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::cloudtrail::record::parse_value;

    fn map_all(mapper: &mut Mapper, lines: &[String]) -> Vec<Outcome> {
        let catalog = Catalog::embedded();
        let mut out = Vec::new();
        for l in lines {
            parse_value(l.as_bytes(), &mut |r| {
                let params: Value = r
                    .request_parameters
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or(Value::Null);
                let direct = map_record(&r, &params, catalog);
                let memo = match mapper.map(&r, catalog) {
                    Mapping::Known(id) => mapper.outcomes[id].clone(),
                    Mapping::Fresh(o) => o,
                };
                assert_eq!(memo, direct, "{l}");
                out.push(memo);
            });
        }
        out
    }

    #[test]
    fn item_keys_and_log_stream_names_share_one_signature() {
        let id = r#""userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/f"},"awsRegion":"us-east-1","recipientAccountId":"1""#;
        let transact = |key: &str, table: &str| {
            format!(
                r#"{{{id},"eventSource":"dynamodb.amazonaws.com","eventName":"TransactWriteItems","requestParameters":{{"requestItems":[{{"operation":"Put","tableName":"Orders","key":{{"id":"{key}"}}}},{{"operation":"Delete","tableName":"{table}","key":{{"id":"{key}"}}}}]}}}}"#
            )
        };
        let stream = |name: &str| {
            format!(
                r#"{{{id},"eventSource":"logs.amazonaws.com","eventName":"CreateLogStream","requestParameters":{{"logGroupName":"/aws/lambda/f","logStreamName":"{name}"}}}}"#
            )
        };
        let lines = [
            transact("a", "Carts"),
            transact("b", "Carts"),
            transact("c", "Baskets"),
            stream("2026/11/02/[$LATEST]ab"),
            stream("2026/11/02/[$LATEST]cd"),
        ];
        let mut mapper = Mapper::default();
        let outcomes = map_all(&mut mapper, &lines);
        // Keys differ: one signature; another table: another; log streams: one.
        assert_eq!(mapper.outcomes.len(), 3, "{outcomes:?}");
        assert_ne!(outcomes[0], outcomes[2]);
    }

    #[test]
    fn request_parameters_that_are_not_an_object_map_as_none() {
        let id = r#""userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/f"}"#;
        let lines = [
            format!(r#"{{{id},"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","requestParameters":"x"}}"#),
            format!(
                r#"{{{id},"eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{{"bucketName":"b","bucketName":"c","key":"k/1"}}}}"#
            ),
        ];
        map_all(&mut Mapper::default(), &lines);
    }
}

//! Mapping each distinct call once: records that differ only in what the mapping ignores
//! (a DynamoDB item key, an S3 key past its first segment, a message body) share one
//! signature, and the mapping of a signature is remembered. The signature holds every
//! input of [`map_record`]: the event, the error, region and account, the listed
//! resources, and the request parameters that name resources or change the action.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::catalog::Catalog;
use crate::sources::cloudtrail::Record;

use super::actions::{Outcome, generalise, map_record, naming_keys};

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
        let top: BTreeMap<Cow<'_, str>, &RawValue> = r
            .request_parameters
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        if !self
            .keys
            .get(r.event_source.as_ref())
            .is_some_and(|m| m.contains_key(r.event_name.as_ref()))
        {
            let mut k = naming_keys(catalog, &r.event_source, &r.event_name);
            k.extend(EXTRA_KEYS.iter().map(|s| s.to_string()));
            self.keys
                .entry(r.event_source.to_string())
                .or_default()
                .insert(r.event_name.to_string(), k);
        }
        let keys = &self.keys[r.event_source.as_ref()][r.event_name.as_ref()];
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
            sig.push_str(&res.arn.as_deref().map(generalise).unwrap_or_default());
            sig.push('\u{2}');
            sig.push_str(res.arn_prefix.as_deref().unwrap_or(""));
            sig.push('\u{2}');
            sig.push_str(res.kind.as_deref().unwrap_or(""));
            sig.push('\u{1}');
        }
        let mut kept: Vec<(&str, &RawValue)> = Vec::new();
        for (k, v) in &top {
            if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                continue;
            }
            kept.push((k.as_ref(), v));
            sig.push_str(k);
            sig.push('=');
            let text = v.get();
            if k.eq_ignore_ascii_case("key") || k.eq_ignore_ascii_case("x-amz-copy-source") {
                // The mapping keeps only the first segment of a key.
                let inner = text.trim_matches('"');
                let head = inner.split_once('/').map_or("", |(h, _)| h);
                sig.push_str(head);
                sig.push_str(if inner.contains('/') { "/" } else { "" });
            } else {
                sig.push_str(text);
            }
            sig.push('\u{1}');
        }
        if let Some(hit) = self.memo.get(&sig) {
            return Mapping::Known(*hit);
        }
        let params = Value::Object(
            kept.into_iter()
                .filter_map(|(k, v)| serde_json::from_str(v.get()).ok().map(|v| (k.to_string(), v)))
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

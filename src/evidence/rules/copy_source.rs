//! S3 copies read their source: `CopyObject` / `UploadPartCopy` need `s3:GetObject` on
//! the `CopySource` object besides `s3:PutObject` on the target. CopySource is
//! `"bucket/key"` (string) or `{"Bucket": ..., "Key": ...}` (flattened as
//! `CopySource.Bucket`, `CopySource.Key`). Example: `copy_object(CopySource=f"{src}/{k}",
//! Bucket="out", Key=k)` → `s3:GetObject` on `arn:aws:s3:::*`.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::sources::{Hint, Piece, SdkCall};

use super::super::static_facts::needs_via_operation;
use super::{Outcome, RuleNeed};

/// Splits `bucket/key` hints at the first literal `/`.
fn split_source(hint: &Hint) -> (Hint, Hint) {
    let mut bucket = Vec::new();
    let mut key = Vec::new();
    let mut in_key = false;
    for piece in &hint.pieces {
        if in_key {
            key.push(piece.clone());
            continue;
        }
        match piece {
            Piece::Literal(s) if s.contains('/') => {
                // A leading `/` is allowed before the bucket (`/bucket/key`).
                let s = if bucket.is_empty() {
                    s.trim_start_matches('/')
                } else {
                    s.as_str()
                };
                let (b, k) = s.split_once('/').unwrap_or((s, ""));
                if !b.is_empty() {
                    bucket.push(Piece::Literal(b.to_string()));
                }
                if !k.is_empty() {
                    key.push(Piece::Literal(k.to_string()));
                }
                in_key = true;
            }
            other => bucket.push(other.clone()),
        }
    }
    if !in_key {
        key.push(Piece::Unknown("key".into()));
    }
    (Hint { pieces: bucket }, Hint { pieces: key })
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "s3" || !matches!(call.operation.as_str(), "CopyObject" | "UploadPartCopy") {
        return None;
    }
    let mut params: BTreeMap<String, Vec<Hint>> = BTreeMap::new();
    if let (Some(b), Some(k)) = (call.params.get("CopySource.Bucket"), call.params.get("CopySource.Key")) {
        params.insert("Bucket".into(), b.clone());
        params.insert("Key".into(), k.clone());
    } else if let Some(sources) = call.params.get("CopySource") {
        for hint in sources {
            let (b, k) = split_source(hint);
            params.entry("Bucket".into()).or_default().push(b);
            params.entry("Key".into()).or_default().push(k);
        }
    } else {
        params.insert("Bucket".into(), vec![Hint::unknown("source")]);
        params.insert("Key".into(), vec![Hint::unknown("source")]);
    }
    let needs = needs_via_operation(catalog, "s3", "GetObject", &params)
        .into_iter()
        .map(|(action, resource)| RuleNeed {
            action,
            resource,
            reason: format!("{} reads the CopySource object", call.operation),
            possible: false,
        })
        .collect();
    Some(Outcome::Add(needs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_bucket_and_key() {
        let (b, k) = split_source(&Hint::literal("media/in/a.png"));
        assert_eq!((b.display(), k.display()), ("media".into(), "in/a.png".into()));
        let h = Hint::concat([Hint::env("SRC"), Hint::literal("/raw/"), Hint::unknown("k")]);
        let (b, k) = split_source(&h);
        assert_eq!((b.display(), k.display()), ("${env:SRC}".into(), "raw/*".into()));
    }
}

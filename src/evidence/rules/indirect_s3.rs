//! Services that read an S3 object with the caller's permissions: Textract, Rekognition
//! and Comprehend take `S3Object` inputs (`Document.S3Object.Bucket/Name`,
//! `Image.S3Object...`, `Video.S3Object...`) and the caller needs `s3:GetObject` on it.
//! Example: `detect_labels(Image={"S3Object": {"Bucket": b, "Name": k}})` → `s3:GetObject`.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::sources::{Hint, SdkCall};

use super::super::static_facts::needs_via_operation;
use super::{Outcome, RuleNeed};

const SERVICES: &[&str] = &[
    "textract",
    "rekognition",
    "comprehend",
    "comprehendmedical",
    "transcribe",
];
/// Top-level members that may hold an S3 object reference.
const CONTAINERS: &[&str] = &[
    "Document",
    "Image",
    "Video",
    "SourceImage",
    "TargetImage",
    "DocumentLocation",
    "Media",
    "InputDataConfig",
];

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if !SERVICES.contains(&call.service.as_str()) {
        return None;
    }
    let mut needs = Vec::new();
    for container in CONTAINERS {
        let object = format!("{container}.S3Object");
        let bucket = call.params.get(&format!("{object}.Bucket"));
        let name = call.params.get(&format!("{object}.Name"));
        let explicit = bucket.is_some() || name.is_some() || call.params.contains_key(&object);
        // A container passed as a variable may hold an S3Object or inline bytes.
        let opaque = !explicit
            && call
                .params
                .get(*container)
                .is_some_and(|hs| hs.iter().all(Hint::is_unknown))
            && !call.params.keys().any(|k| k.starts_with(&format!("{container}.")));
        if !explicit && !opaque {
            continue;
        }
        let params = BTreeMap::from([
            (
                "Bucket".to_string(),
                bucket.cloned().unwrap_or_else(|| vec![Hint::unknown("bucket")]),
            ),
            (
                "Key".to_string(),
                name.cloned().unwrap_or_else(|| vec![Hint::unknown("key")]),
            ),
        ]);
        for (action, resource) in needs_via_operation(catalog, "s3", "GetObject", &params) {
            needs.push(RuleNeed {
                action,
                resource,
                reason: format!(
                    "{}.{} reads the {container} S3 object with the caller's permissions",
                    call.service, call.operation
                ),
                possible: opaque,
            });
        }
    }
    (!needs.is_empty()).then_some(Outcome::Add(needs))
}

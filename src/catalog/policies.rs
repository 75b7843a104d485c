//! The documents of AWS managed policies, known offline by name or ARN
//! (`service-catalog/data/policies/aws_managed.json`, written by
//! `service-catalog/generate_policies.py`). The index is read on first use; a document
//! is only parsed when asked for.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

const MANAGED_FILE: &str = "policies/aws_managed.json";

#[derive(Deserialize)]
struct ManagedFile<'a> {
    #[serde(default)]
    source: String,
    #[serde(borrow)]
    policies: BTreeMap<String, &'a RawValue>,
}

#[derive(Deserialize)]
struct ManagedEntry {
    document: Value,
}

struct Managed {
    source: String,
    /// `service-role/AWSLambdaBasicExecutionRole` → raw document entry.
    by_key: BTreeMap<String, &'static RawValue>,
    /// `AWSLambdaBasicExecutionRole` → key.
    by_name: BTreeMap<String, String>,
}

fn file(name: &str) -> Option<&'static str> {
    super::embedded::FILES
        .iter()
        .find(|(path, _)| *path == name)
        .map(|(_, text)| *text)
}

fn managed() -> &'static Managed {
    static MANAGED: OnceLock<Managed> = OnceLock::new();
    MANAGED.get_or_init(|| {
        let parsed: Option<ManagedFile> = file(MANAGED_FILE).and_then(|t| serde_json::from_str(t).ok());
        let (source, by_key) = parsed.map(|f| (f.source, f.policies)).unwrap_or_default();
        let by_name = by_key
            .keys()
            .map(|k| (k.rsplit('/').next().unwrap_or(k).to_string(), k.clone()))
            .collect();
        Managed {
            source,
            by_key,
            by_name,
        }
    })
}

/// The `path/Name` key of an AWS managed policy given as an ARN in any partition
/// (`arn:aws:iam::aws:policy/service-role/X`), as `path/Name`, or as a bare name.
pub fn aws_managed_key(name_or_arn: &str) -> Option<&'static str> {
    let m = managed();
    let key = match name_or_arn.split_once(":iam::aws:policy/") {
        Some((prefix, rest)) if prefix.starts_with("arn:") => rest,
        Some(_) => return None,
        None if name_or_arn.starts_with("arn:") => return None,
        None => name_or_arn.trim_start_matches('/'),
    };
    if let Some((k, _)) = m.by_key.get_key_value(key) {
        return Some(k.as_str());
    }
    // A bare name, or a path that changed since the data was taken.
    let name = key.rsplit('/').next().unwrap_or(key);
    m.by_name.get(name).map(String::as_str)
}

/// The default version's document of an AWS managed policy, by ARN or name.
pub fn aws_managed(name_or_arn: &str) -> Option<Value> {
    let key = aws_managed_key(name_or_arn)?;
    let raw = managed().by_key.get(key)?;
    serde_json::from_str::<ManagedEntry>(raw.get()).ok().map(|e| e.document)
}

/// How many AWS managed policies are known, and where their documents come from.
pub fn aws_managed_stats() -> (usize, &'static str) {
    let m = managed();
    (m.by_key.len(), m.source.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policies_by_arn_path_and_name() {
        let (count, source) = aws_managed_stats();
        assert!(count > 1000, "{count}");
        assert!(source.starts_with("moto "), "{source}");
        let basic = aws_managed("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").unwrap();
        assert!(basic.to_string().contains("logs:PutLogEvents"), "{basic}");
        assert_eq!(
            aws_managed_key("AmazonS3ReadOnlyAccess"),
            Some("AmazonS3ReadOnlyAccess")
        );
        assert_eq!(
            aws_managed_key("arn:aws-cn:iam::aws:policy/AWSLambdaBasicExecutionRole"),
            Some("service-role/AWSLambdaBasicExecutionRole")
        );
        assert_eq!(aws_managed_key("arn:aws:iam::123456789012:policy/Mine"), None);
        assert!(aws_managed("NoSuchPolicyAnywhere").is_none());
    }
}

//! Object keys seen only in trail records are the keys of one window, not the ones the
//! function will write tomorrow: several keys of one bucket become the prefix they share
//! (`invoices/2026/a.pdf`, `invoices/2025/b.pdf` → `bucket/invoices/*`).

use std::collections::BTreeMap;

use crate::evidence::{ResourcePattern, Seg};

/// `arn:P:s3:::bucket/key` with a literal key: (partition-less head `arn:P:s3:::bucket`, key).
fn literal_object(p: &ResourcePattern) -> Option<(String, String)> {
    let [Seg::Lit(arn)] = p.segs.as_slice() else {
        return None;
    };
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("s3:::")?;
    let (bucket, key) = rest.split_once('/')?;
    if bucket.is_empty() || key.is_empty() || key.contains(['*', '?']) {
        return None;
    }
    Some((format!("arn:{partition}:s3:::{bucket}"), key.to_string()))
}

/// For trail-only object ARNs, the pattern each becomes: the first folder the keys of its
/// bucket share, or the whole bucket; a bucket seen with one key keeps it.
pub fn object_prefixes(patterns: &[ResourcePattern]) -> BTreeMap<ResourcePattern, (ResourcePattern, String)> {
    let mut by_bucket: BTreeMap<String, Vec<(&ResourcePattern, String)>> = BTreeMap::new();
    for p in patterns {
        if let Some((bucket, key)) = literal_object(p) {
            by_bucket.entry(bucket).or_default().push((p, key));
        }
    }
    let mut out = BTreeMap::new();
    for (bucket, keys) in by_bucket {
        let mut distinct: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() < 2 {
            continue;
        }
        let firsts: Vec<Option<&str>> = distinct.iter().map(|k| k.split_once('/').map(|(d, _)| d)).collect();
        let folder = match firsts.first() {
            Some(Some(d)) if firsts.iter().all(|f| *f == Some(*d)) => format!("{d}/"),
            _ => String::new(),
        };
        let general = ResourcePattern::parse_arn(&format!("{bucket}/{folder}*"));
        let note = format!(
            "trail records name {} objects of {}: granted on the prefix they share",
            distinct.len(),
            bucket.rsplit(':').next().unwrap_or(&bucket)
        );
        for (p, _) in keys {
            out.insert(p.clone(), (general.clone(), note.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(s: &str) -> ResourcePattern {
        ResourcePattern::parse_arn(s)
    }

    #[test]
    fn shared_folder_or_bucket() {
        let ps = [
            arn("arn:aws:s3:::inv/2026/a.pdf"),
            arn("arn:aws:s3:::inv/2025/b.pdf"),
            arn("arn:aws:s3:::mix/a/1"),
            arn("arn:aws:s3:::mix/b/2"),
            arn("arn:aws:s3:::one/config.json"),
            arn("arn:aws:s3:::wild/*"),
        ];
        let m = object_prefixes(&ps);
        assert_eq!(m[&ps[0]].0.to_string(), "arn:aws:s3:::inv/*");
        assert_eq!(m[&ps[2]].0.to_string(), "arn:aws:s3:::mix/*");
        assert!(!m.contains_key(&ps[4]));
        assert!(!m.contains_key(&ps[5]));
        let one = [arn("arn:aws:s3:::inv/2026/a.pdf"), arn("arn:aws:s3:::inv/2026/b.pdf")];
        assert_eq!(object_prefixes(&one)[&one[0]].0.to_string(), "arn:aws:s3:::inv/2026/*");
    }
}

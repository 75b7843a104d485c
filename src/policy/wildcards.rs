//! `--allow-wildcards`: fold a statement's actions into `Get*`-style patterns, only where
//! every action the pattern matches in the catalog is already in the statement, so the
//! fold never widens access (as the catalog knows the service today).

use std::collections::BTreeSet;

use crate::catalog::Catalog;

/// The statement's actions with every fold that widens nothing applied.
pub fn fold(actions: &[String], catalog: &Catalog) -> Vec<String> {
    let mut by_prefix: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    let mut out: BTreeSet<String> = BTreeSet::new();
    for a in actions {
        match a.split_once(':') {
            Some((p, n)) if !n.contains(['*', '?']) => {
                by_prefix
                    .entry(p.to_ascii_lowercase())
                    .or_default()
                    .insert(n.to_string());
            }
            _ => {
                out.insert(a.clone());
            }
        }
    }
    for (prefix, names) in by_prefix {
        let all: Vec<String> = catalog
            .iam_service(&prefix)
            .map(|s| s.actions.keys().cloned().collect())
            .unwrap_or_default();
        let lower: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut left: BTreeSet<String> = names.clone();
        // Candidate stems at camel-case boundaries, shortest first.
        let mut stems: BTreeSet<(usize, String)> = BTreeSet::new();
        for n in &names {
            for (i, c) in n.char_indices().skip(1) {
                if c.is_ascii_uppercase() {
                    stems.insert((i, n[..i].to_string()));
                }
            }
        }
        for (_, stem) in stems {
            let s = stem.to_ascii_lowercase();
            let matched: Vec<&String> = all.iter().filter(|a| a.to_ascii_lowercase().starts_with(&s)).collect();
            if matched.len() < 2 || !matched.iter().all(|a| lower.contains(&a.to_ascii_lowercase())) {
                continue;
            }
            let before = left.len();
            left.retain(|n| !n.to_ascii_lowercase().starts_with(&s));
            if left.len() < before {
                out.insert(format!("{prefix}:{stem}*"));
            }
        }
        out.extend(left.into_iter().map(|n| format!("{prefix}:{n}")));
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn folds_only_what_the_catalog_says_is_complete() {
        let cat = Catalog::embedded();
        let svc = cat.iam_service("sqs").unwrap();
        let gets: Vec<String> = svc
            .actions
            .keys()
            .filter(|k| k.starts_with("Get"))
            .map(|k| format!("sqs:{k}"))
            .collect();
        assert!(gets.len() >= 2, "{gets:?}");
        let mut actions = gets.clone();
        actions.push("sqs:SendMessage".into());
        assert_eq!(fold(&actions, cat), v(&["sqs:Get*", "sqs:SendMessage"]));
        // One Get action missing: no fold.
        let partial: Vec<String> = gets[1..].to_vec();
        assert_eq!(fold(&partial, cat), partial);
        assert_eq!(fold(&v(&["s3:GetObject"]), cat), v(&["s3:GetObject"]));
    }
}

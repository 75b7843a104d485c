//! An index of wildcard patterns that answers which of them cover a string without
//! trying every pattern: a pattern can only match strings that start with its literal
//! prefix (before its first `*`/`?`) and end with its literal suffix (after its last).

use std::collections::HashMap;

use super::glob;

/// Patterns by literal prefix, then by literal suffix, in insertion order. Patterns
/// without wildcards cover nothing (`glob::covers` needs a different, matching string)
/// and are left out.
#[derive(Default)]
pub struct CoverIndex<'a> {
    by_prefix: HashMap<&'a str, HashMap<&'a str, Vec<&'a str>>>,
}

impl<'a> CoverIndex<'a> {
    pub fn new(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = CoverIndex::default();
        for p in patterns {
            let (Some(first), Some(last)) = (p.find(['*', '?']), p.rfind(['*', '?'])) else {
                continue;
            };
            index
                .by_prefix
                .entry(&p[..first])
                .or_default()
                .entry(&p[last + 1..])
                .or_default()
                .push(p);
        }
        index
    }

    /// Every indexed pattern that covers `narrow` (`glob::covers`), in a deterministic
    /// order: by prefix length, then suffix length (longest first), then insertion.
    pub fn covering<'s>(&'s self, narrow: &'s str) -> impl Iterator<Item = &'a str> + 's {
        let bounds = || (0..=narrow.len()).filter(|&i| narrow.is_char_boundary(i));
        bounds()
            .filter_map(move |l| self.by_prefix.get(&narrow[..l]).map(|m| (l, m)))
            .flat_map(move |(l, by_suffix)| {
                bounds()
                    .filter(move |&s| s >= l)
                    .filter_map(move |s| by_suffix.get(&narrow[s..]))
                    .flatten()
                    .copied()
            })
            .filter(move |b| glob::covers(b, narrow))
    }

    /// Does any indexed pattern cover `narrow`?
    pub fn covers(&self, narrow: &str) -> bool {
        self.covering(narrow).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index answers exactly what trying every pair answers.
    #[test]
    fn same_as_pairwise() {
        let patterns = [
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/in/*",
            "arn:aws:s3:::b/in/*/1.json",
            "arn:aws:s3:::b/in/*/11.json",
            "arn:aws:s3:::b/in/x/1.json",
            "arn:aws:s3:::?/in/x/1.json",
            "arn:aws:dynamodb:*:*:table/Orders",
            "arn:aws:dynamodb:us-east-1:1:table/Orders",
            "*",
            "a*",
            "a?",
            "ab*ba",
            "aba",
            "café/*",
            "café/é",
            "caf?/é",
        ];
        let index = CoverIndex::new(patterns);
        for narrow in patterns
            .iter()
            .chain(&["x", "", "café/ééé", "arn:aws:s3:::b/in/z/11.json"])
        {
            let mut got: Vec<&str> = index.covering(narrow).collect();
            got.sort_unstable();
            let mut want: Vec<&str> = patterns.iter().copied().filter(|b| glob::covers(b, narrow)).collect();
            want.sort_unstable();
            assert_eq!(got, want, "patterns covering {narrow}");
            assert_eq!(index.covers(narrow), !want.is_empty());
        }
    }
}

//! Declared ARNs indexed by a literal piece of their resource part, so that each
//! reached ARN finds the declarations it may belong to without comparing itself with
//! every one of them (a template of thousands of resources stays linear).

use std::collections::{BTreeSet, HashMap};

use super::arn;

/// Longest piece kept as a key: a prefix of a required piece is required too, and a
/// bound on the key lengths bounds the windows each reached ARN looks up.
const MAX_PIECE: usize = 32;

/// Declarations by position. Any ARN a declared one matches, with or without a
/// `/…` or `:…` part ([`arn::belongs_to`]), holds every literal piece of the declared
/// ARN's resource part (between `*`/`?`), after its own fifth `:`; so each declaration
/// is filed under one such piece, the rarest. Those with no piece (`*`, `arn:aws:s3:::*`)
/// or no resource part are filed by their literal service prefix, or with the ones
/// every ARN must be compared with.
#[derive(Debug, Default)]
pub struct ArnIndex<'a> {
    by_piece: HashMap<&'a [u8], Vec<usize>>,
    /// The distinct key lengths, shortest first.
    lengths: Vec<usize>,
    by_service: HashMap<&'a str, Vec<usize>>,
    anywhere: Vec<usize>,
}

impl<'a> ArnIndex<'a> {
    /// Files the declared ARNs under their positions in `declared`.
    pub fn new<I: IntoIterator<Item = &'a str>>(declared: I) -> ArnIndex<'a> {
        let declared: Vec<&'a str> = declared.into_iter().collect();
        let pieces: Vec<BTreeSet<&'a str>> = declared.iter().map(|d| pieces(d)).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for p in pieces.iter().flatten() {
            *seen.entry(p).or_default() += 1;
        }
        let mut index = ArnIndex::default();
        let mut lengths = BTreeSet::new();
        for (i, (d, ps)) in declared.iter().zip(&pieces).enumerate() {
            // The rarest piece, then the longest, then the first in order.
            let best = ps
                .iter()
                .min_by_key(|p| (seen[*p], std::cmp::Reverse(p.len())))
                .map(|p| &p.as_bytes()[..p.len().min(MAX_PIECE)]);
            match (best, arn::literal_service_prefix(d)) {
                (Some(key), _) => {
                    lengths.insert(key.len());
                    index.by_piece.entry(key).or_default().push(i);
                }
                (None, Some(prefix)) => index.by_service.entry(prefix).or_default().push(i),
                (None, None) => index.anywhere.push(i),
            }
        }
        index.lengths = lengths.into_iter().collect();
        index
    }

    /// The positions of the declarations `reached` may belong to, in order: every one it
    /// belongs to, and some it does not (the caller asks [`arn::belongs_to`]).
    pub fn candidates(&self, reached: &str) -> Vec<usize> {
        let mut out = self.anywhere.clone();
        if let Some(prefix) = arn::service_prefix(reached)
            && let Some(found) = self.by_service.get(prefix)
        {
            out.extend(found);
        }
        if let Some(start) = resource_start(reached) {
            let name = &reached.as_bytes()[start..];
            for &len in &self.lengths {
                for window in name.windows(len) {
                    if let Some(found) = self.by_piece.get(window) {
                        out.extend(found);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Where the resource part of an ARN begins: after its fifth `:`.
fn resource_start(arn: &str) -> Option<usize> {
    arn.match_indices(':').nth(4).map(|(i, _)| i + 1)
}

/// The literal pieces of an ARN's resource part (`table/orders` of
/// `arn:aws:dynamodb:*:*:table/orders`; `bucket` of `arn:aws:s3:::*bucket*`).
fn pieces(arn: &str) -> BTreeSet<&str> {
    let Some(start) = resource_start(arn) else {
        return BTreeSet::new();
    };
    arn[start..].split(['*', '?']).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the index offers, checked: the declarations `reached` belongs to.
    fn indexed(index: &ArnIndex<'_>, declared: &[&str], reached: &str) -> Vec<usize> {
        index
            .candidates(reached)
            .into_iter()
            .filter(|&i| arn::belongs_to(reached, declared[i]))
            .collect()
    }

    /// The same by comparing with every declaration.
    fn scanned(declared: &[&str], reached: &str) -> Vec<usize> {
        (0..declared.len())
            .filter(|&i| arn::belongs_to(reached, declared[i]))
            .collect()
    }

    const DECLARED: &[&str] = &[
        "arn:aws:s3:::media",
        "arn:aws:s3:::*bucket17*",
        "arn:aws:s3:::*bucket1*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::logs-?",
        "arn:*:s3:::media",
        "arn:aws:dynamodb:*:*:table/orders",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders-archive",
        "arn:aws:dynamodb:*:*:table/*",
        "arn:aws:logs:*:*:log-group:/aws/lambda/*Fn0*",
        "arn:aws:logs:*:*:log-group:/aws/lambda/orders",
        "arn:aws:kms:*:*:key/*",
        "arn:aws:sqs:us-east-1:123456789012:q1",
        "arn:aws:iam::*:role/*Fn0Role*",
        "*",
        "",
        "not-an-arn",
        "arn:aws:s3:::caf\u{e9}-*",
        "arn:aws:s3:::a-very-long-bucket-name-longer-than-the-longest-key-kept/*",
    ];

    const REACHED: &[&str] = &[
        "arn:aws:s3:::media",
        "arn:aws:s3:::media/*",
        "arn:aws:s3:::media/a/b",
        "arn:aws:s3:::media-archive",
        "arn:aws:s3:::*bucket17*",
        "arn:aws:s3:::*bucket1777*/k",
        "arn:aws:s3:::*bucket2*",
        "arn:aws:s3:::logs-a",
        "arn:aws:s3:::logs-ab",
        "arn:aws-cn:s3:::media/x",
        "arn:aws:dynamodb:*:*:table/orders",
        "arn:aws:dynamodb:*:*:table/orders/index/*",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders-archive/stream/*",
        "arn:aws:dynamodb:us-east-1:1:table/orders",
        "arn:aws:dynamodb:*:*:table/*",
        "arn:aws:logs:*:*:log-group:/aws/lambda/*Fn0*",
        "arn:aws:logs:*:*:log-group:/aws/lambda/*Fn0*:*",
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/orders:*",
        "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/orders-x:*",
        "arn:aws:kms:us-east-1:1:key/abcd",
        "arn:aws:sqs:us-east-1:123456789012:q1",
        "arn:aws:sqs:us-east-1:123456789012:q10",
        "arn:aws:iam::*:role/*Fn0Role*",
        "arn:aws:s3:::caf\u{e9}-1/k",
        "arn:aws:s3:::a-very-long-bucket-name-longer-than-the-longest-key-kept/x",
        "*",
        "not-an-arn",
        "",
    ];

    #[test]
    fn agrees_with_comparing_every_declaration() {
        let index = ArnIndex::new(DECLARED.iter().copied());
        for reached in REACHED {
            assert_eq!(
                indexed(&index, DECLARED, reached),
                scanned(DECLARED, reached),
                "{reached}"
            );
        }
        // Every declared ARN as a reached one too (the graph skips `key == declared`).
        for reached in DECLARED {
            assert_eq!(
                indexed(&index, DECLARED, reached),
                scanned(DECLARED, reached),
                "{reached}"
            );
        }
    }

    #[test]
    fn agrees_on_many_generated_names() {
        let mut declared = Vec::new();
        for i in 0..300 {
            declared.push(format!("arn:aws:s3:::*bucket{i}*"));
            declared.push(format!("arn:aws:dynamodb:*:*:table/t{i}"));
            declared.push(format!("arn:aws:logs:*:*:log-group:/aws/lambda/*Fn{i}*"));
        }
        declared.push("arn:aws:s3:::*".into());
        let declared: Vec<&str> = declared.iter().map(String::as_str).collect();
        let index = ArnIndex::new(declared.iter().copied());
        for i in (0..400).step_by(7) {
            for reached in [
                format!("arn:aws:s3:::*bucket{i}*/k"),
                format!("arn:aws:dynamodb:*:*:table/t{i}/index/*"),
                format!("arn:aws:logs:*:*:log-group:/aws/lambda/*Fn{i}*:*"),
            ] {
                assert_eq!(
                    indexed(&index, &declared, &reached),
                    scanned(&declared, &reached),
                    "{reached}"
                );
            }
        }
    }

    #[test]
    fn files_each_declaration_under_its_rarest_piece() {
        let declared = [
            "arn:aws:logs:*:*:log-group:/aws/lambda/*Fn0*",
            "arn:aws:logs:*:*:log-group:/aws/lambda/*Fn1*",
        ];
        let index = ArnIndex::new(declared);
        assert_eq!(index.by_piece.get(b"Fn0".as_slice()), Some(&vec![0]));
        assert_eq!(index.by_piece.get(b"Fn1".as_slice()), Some(&vec![1]));
        assert!(
            index
                .candidates("arn:aws:logs:*:*:log-group:/aws/lambda/*Fn1*:*")
                .iter()
                .all(|&i| i == 1)
        );
    }
}

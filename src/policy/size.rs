//! IAM's size limits, counted as IAM counts them (JSON without whitespace), and the split
//! of a policy too large for one managed policy into several.

use super::{PolicyDocument, Statement};

/// A managed policy's limit.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;
/// The limit of all inline policies of one role together.
pub const INLINE_ROLE_POLICY_LIMIT: usize = 10_240;
/// Managed policies a role may have attached by default.
pub const MANAGED_POLICIES_PER_ROLE: usize = 10;

/// The document as several documents each within `limit`, statements kept in order and
/// whole where they fit; a statement too large alone is cut by resources, then actions.
pub fn split(doc: &PolicyDocument, limit: usize) -> Vec<PolicyDocument> {
    if doc.compact_len() <= limit {
        return vec![doc.clone()];
    }
    let empty = PolicyDocument::new(Vec::new()).compact_len();
    let budget = limit.saturating_sub(empty + 1);
    let mut pieces: Vec<Statement> = Vec::new();
    for s in &doc.statements {
        cut(s, budget, &mut pieces);
    }
    let mut parts: Vec<Vec<Statement>> = Vec::new();
    let mut used = usize::MAX;
    for s in pieces {
        let len = statement_len(&s) + 1;
        if used.saturating_add(len) > budget {
            parts.push(Vec::new());
            used = 0;
        }
        used += len;
        if let Some(last) = parts.last_mut() {
            last.push(s);
        }
    }
    parts.into_iter().map(PolicyDocument::new).collect()
}

fn statement_len(s: &Statement) -> usize {
    serde_json::to_string(s).map(|t| t.len()).unwrap_or(0)
}

fn cut(s: &Statement, budget: usize, out: &mut Vec<Statement>) {
    if statement_len(s) <= budget {
        out.push(s.clone());
        return;
    }
    let (by_resources, list) = if s.resources.len() > 1 {
        (true, &s.resources)
    } else if s.actions.len() > 1 {
        (false, &s.actions)
    } else {
        // One action on one resource longer than a policy: nothing to cut.
        out.push(s.clone());
        return;
    };
    let mid = list.len() / 2;
    for (n, half) in [&list[..mid], &list[mid..]].into_iter().enumerate() {
        let mut piece = s.clone();
        if by_resources {
            piece.resources = half.to_vec();
        } else {
            piece.actions = half.to_vec();
        }
        piece.sid = s.sid.as_ref().map(|sid| format!("{sid}{}", ['A', 'B'][n]));
        cut(&piece, budget, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sid: &str, n: usize) -> Statement {
        Statement {
            sid: Some(sid.into()),
            effect: "Allow".into(),
            actions: vec!["s3:GetObject".into()],
            resources: (0..n).map(|i| format!("arn:aws:s3:::bucket-number-{i}/*")).collect(),
            condition: Default::default(),
        }
    }

    #[test]
    fn small_policies_stay_whole() {
        let doc = PolicyDocument::new(vec![statement("A", 3)]);
        assert_eq!(split(&doc, MANAGED_POLICY_LIMIT), vec![doc]);
    }

    #[test]
    fn large_policies_split_within_the_limit_and_keep_everything() {
        let doc = PolicyDocument::new(vec![statement("A", 150), statement("B", 150), statement("C", 2)]);
        assert!(doc.compact_len() > MANAGED_POLICY_LIMIT);
        let parts = split(&doc, MANAGED_POLICY_LIMIT);
        assert!(parts.len() >= 2);
        let mut all: Vec<String> = Vec::new();
        for p in &parts {
            assert!(p.compact_len() <= MANAGED_POLICY_LIMIT, "{}", p.compact_len());
            for s in &p.statements {
                all.extend(s.resources.iter().cloned());
            }
        }
        let mut want: Vec<String> = doc.statements.iter().flat_map(|s| s.resources.clone()).collect();
        all.sort();
        want.sort();
        assert_eq!(all, want);
    }

    #[test]
    fn every_piece_of_a_cut_statement_keeps_its_condition() {
        let mut big = statement("Kms", 300);
        big.condition
            .entry("StringLike".into())
            .or_default()
            .insert("kms:ViaService".into(), vec!["s3.*.amazonaws.com".into()]);
        let parts = split(&PolicyDocument::new(vec![big.clone()]), MANAGED_POLICY_LIMIT);
        assert!(parts.len() >= 2);
        for p in &parts {
            assert!(p.compact_len() <= MANAGED_POLICY_LIMIT, "{}", p.compact_len());
            assert!(p.statements.iter().all(|s| s.condition == big.condition));
        }
    }
}

//! Athena runs a query with the caller's credentials: `StartQueryExecution` needs S3
//! access to the result location (`ResultConfiguration.OutputLocation`, else the
//! workgroup's), the Glue catalog's database and tables, and (possibly: the location is
//! in the catalog, not the code) the tables' data in S3. Reviewed data:
//! `service-catalog/caller-credential-actions.toml`.
//! Example: `start_query_execution(QueryString=q, QueryExecutionContext={"Database": "logs"},
//! ResultConfiguration={"OutputLocation": "s3://results/lp/"})` → `s3:PutObject` on
//! `results/lp/*`, `glue:GetTable` on database `logs`...

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::Catalog;
use crate::sources::{Hint, Piece, SdkCall};

use super::super::resource::{ResourcePattern, Transform, hint_segs};
use super::super::static_facts::needs_via_operation;
use super::{Outcome, RuleNeed};

const GLUE_CATALOG: &str = "arn:${Partition}:glue:${Region}:${Account}:catalog";
const GLUE_DATABASE: &str = "arn:${Partition}:glue:${Region}:${Account}:database/${DatabaseName}";

const TABLE: &str = include_str!("../../../service-catalog/caller-credential-actions.toml");

#[derive(Debug, Deserialize)]
struct Group {
    operations: Vec<String>,
    service: String,
    uses: Vec<String>,
    /// The input member holding an `s3://bucket/prefix` location.
    location: Option<String>,
    /// The input member naming the Glue database.
    database: Option<String>,
    needed: bool,
    why: String,
}

#[derive(Deserialize)]
struct Table {
    group: Vec<Group>,
}

fn groups() -> &'static [Group] {
    static GROUPS: OnceLock<Vec<Group>> = OnceLock::new();
    // Reviewed data compiled in; the test below parses it.
    GROUPS.get_or_init(|| toml::from_str::<Table>(TABLE).map(|t| t.group).unwrap_or_default())
}

/// An `s3://bucket/prefix` hint as a bucket hint and a key hint under the prefix; the
/// bucket may be an environment variable (`f"s3://{os.environ['B']}/athena/"`).
fn split_location(hint: &Hint) -> (Hint, Hint) {
    let unknown = (Hint::unknown("result bucket"), Hint::unknown("result object"));
    let Some(Piece::Literal(first)) = hint.pieces.first() else {
        return unknown;
    };
    let Some(rest) = first.strip_prefix("s3://") else {
        return unknown;
    };
    let mut pieces = vec![Piece::Literal(rest.to_string())];
    pieces.extend(hint.pieces[1..].iter().cloned());
    let mut bucket = Vec::new();
    let mut key = Vec::new();
    let mut in_key = false;
    for piece in pieces {
        match piece {
            Piece::Literal(s) if !in_key && s.contains('/') => {
                let (b, k) = s.split_once('/').unwrap_or((&s, ""));
                bucket.push(Hint::literal(b));
                key.push(Hint::literal(k));
                in_key = true;
            }
            p if in_key => key.push(Hint { pieces: vec![p] }),
            p => bucket.push(Hint { pieces: vec![p] }),
        }
    }
    key.push(Hint::unknown("result object"));
    let tidy = |parts: Vec<Hint>| {
        let mut h = Hint::concat(parts);
        h.pieces.retain(|p| !matches!(p, Piece::Literal(s) if s.is_empty()));
        h
    };
    let bucket = tidy(bucket);
    if bucket.pieces.is_empty() {
        return unknown;
    }
    (bucket, tidy(key))
}

/// Whether a literal query reads no table (`SELECT 1`): only then is the catalog unused.
fn reads_tables(call: &SdkCall) -> bool {
    match call.params.get("QueryString").map(|hs| hs.as_slice()) {
        Some(hints) if !hints.is_empty() => hints.iter().any(|h| match h.as_literal() {
            Some(q) => {
                let q = q.to_ascii_lowercase();
                q.contains(" from ") || q.contains("\nfrom ") || q.starts_with("msck") || q.contains(" table ")
            }
            None => true,
        }),
        _ => true,
    }
}

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "athena" {
        return None;
    }
    let mut needs = Vec::new();
    for g in groups().iter().filter(|g| g.operations.contains(&call.operation)) {
        let mut possible = !g.needed;
        let mut reason = g.why.clone();
        let mut bucket = Hint::unknown("bucket");
        let mut key = Hint::unknown("key");
        if let Some(member) = &g.location {
            match call.params.get(member).and_then(|hs| hs.first()) {
                Some(h) => {
                    (bucket, key) = split_location(h);
                    reason = format!("{}; result location {member} = {}", g.why, h.display());
                }
                None => {
                    // The workgroup's configured location: not in the code.
                    possible = true;
                    reason = format!(
                        "{}; the call passes no {member}, so the result location is the workgroup's ({}), unknown to the code",
                        g.why,
                        call.params
                            .get("WorkGroup")
                            .and_then(|hs| hs.first())
                            .map_or("primary".to_string(), Hint::display)
                    );
                }
            }
        }
        let mut database = Hint::unknown("database");
        if let Some(member) = &g.database {
            if !reads_tables(call) {
                continue;
            }
            if let Some(h) = call.params.get(member).and_then(|hs| hs.first()) {
                database = h.clone();
                reason = format!("{}; database {member} = {}", g.why, h.display());
            } else {
                reason = format!("{}; the query names its database (no {member} in the call)", g.why);
            }
        }
        for op in &g.uses {
            let params: BTreeMap<String, Vec<Hint>> = match (g.service.as_str(), op.as_str()) {
                ("glue", "GetDatabase") => BTreeMap::from([("Name".into(), vec![database.clone()])]),
                ("glue", _) => BTreeMap::from([
                    ("DatabaseName".into(), vec![database.clone()]),
                    ("Name".into(), vec![Hint::unknown("table")]),
                    ("TableName".into(), vec![Hint::unknown("table")]),
                ]),
                _ => BTreeMap::from([
                    ("Bucket".into(), vec![bucket.clone()]),
                    ("Key".into(), vec![key.clone()]),
                ]),
            };
            for (action, resource) in needs_via_operation(catalog, &g.service, op, &params) {
                // The catalog's access point forms do not apply to an s3:// location.
                if resource.template.as_deref().is_some_and(|t| t.contains("accesspoint")) {
                    continue;
                }
                if g.service == "glue" {
                    // Glue authorizes a table read on the catalog, the database and
                    // the table: all three ARNs.
                    for template in [GLUE_CATALOG, GLUE_DATABASE] {
                        let r =
                            ResourcePattern::from_template(template, |_| Some(hint_segs(&database, Transform::Plain)));
                        if r != resource && !needs.iter().any(|n: &RuleNeed| n.action == action && n.resource == r) {
                            needs.push(RuleNeed {
                                action: action.clone(),
                                resource: r,
                                reason: reason.clone(),
                                possible,
                            });
                        }
                    }
                }
                needs.push(RuleNeed {
                    action,
                    resource,
                    reason: reason.clone(),
                    possible,
                });
            }
        }
    }
    (!needs.is_empty()).then_some(Outcome::Add(needs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{ArnContext, Unresolved};

    fn call(params: &[(&str, Hint)]) -> SdkCall {
        let mut c = SdkCall::new(
            "athena",
            "StartQueryExecution",
            "app.py".into(),
            3,
            "athena.start_query_execution".into(),
        );
        for (k, v) in params {
            c.params.insert(k.to_string(), vec![v.clone()]);
        }
        c
    }

    fn needs(c: &SdkCall) -> Vec<(String, String, bool)> {
        let Some(Outcome::Add(list)) = apply(c, Catalog::embedded()) else {
            return Vec::new();
        };
        let ctx = ArnContext::default();
        list.into_iter()
            .map(|n| (n.action, n.resource.render(&ctx, Unresolved::Star), n.possible))
            .collect()
    }

    #[test]
    fn table_parses_and_names_real_operations() {
        let table: Table = toml::from_str(TABLE).expect("caller-credential-actions.toml parses");
        for g in &table.group {
            for op in &g.uses {
                assert!(
                    Catalog::embedded().operation(&g.service, op).is_some(),
                    "{} {op}",
                    g.service
                );
            }
        }
    }

    #[test]
    fn result_location_and_catalog_are_needed() {
        let c = call(&[
            ("QueryString", Hint::literal("SELECT * FROM clicks")),
            ("QueryExecutionContext.Database", Hint::literal("logs")),
            ("ResultConfiguration.OutputLocation", Hint::literal("s3://results/lp/")),
        ]);
        let n = needs(&c);
        let has = |a: &str, r: &str, p: bool| n.iter().any(|x| x.0 == a && x.1.ends_with(r) && x.2 == p);
        assert!(has("s3:PutObject", ":::results/lp/*", false), "{n:?}");
        assert!(has("s3:GetObject", ":::results/lp/*", false), "{n:?}");
        assert!(has("s3:ListBucket", ":::results", false), "{n:?}");
        assert!(has("s3:AbortMultipartUpload", ":::results/lp/*", true), "{n:?}");
        assert!(has("glue:GetTable", ":database/logs", false), "{n:?}");
        assert!(has("glue:GetTable", ":table/logs/*", false), "{n:?}");
        assert!(has("glue:GetTable", ":catalog", false), "{n:?}");
        assert!(has("glue:GetDatabase", ":database/logs", false), "{n:?}");
        assert!(has("glue:GetPartitions", ":table/logs/*", false), "{n:?}");
        // The data bucket is in the catalog: only possible, on any bucket.
        assert!(has("s3:GetObject", ":::*/*", true), "{n:?}");
    }

    #[test]
    fn result_location_from_an_environment_variable() {
        let location = Hint::concat([Hint::literal("s3://"), Hint::env("REPORTS"), Hint::literal("/athena/")]);
        let (bucket, key) = split_location(&location);
        assert_eq!(bucket, Hint::env("REPORTS"));
        assert_eq!(key.display(), "athena/*");
        let (bucket, key) = split_location(&Hint::literal("s3://results"));
        assert_eq!((bucket.display(), key.display()), ("results".into(), "*".into()));
        assert!(split_location(&Hint::env("OUT")).0.is_unknown());
    }

    #[test]
    fn workgroup_location_is_possible_and_says_why() {
        let c = call(&[
            ("QueryString", Hint::literal("SELECT * FROM clicks")),
            ("WorkGroup", Hint::literal("analytics")),
        ]);
        let Some(Outcome::Add(list)) = apply(&c, Catalog::embedded()) else {
            panic!("athena needs")
        };
        let put = list.iter().find(|n| n.action == "s3:PutObject").expect("s3:PutObject");
        assert!(put.possible);
        assert!(put.reason.contains("workgroup's (analytics)"), "{}", put.reason);
    }

    #[test]
    fn a_query_without_tables_needs_no_catalog() {
        let c = call(&[
            ("QueryString", Hint::literal("SELECT 1")),
            ("ResultConfiguration.OutputLocation", Hint::literal("s3://results/")),
        ]);
        let n = needs(&c);
        assert!(!n.iter().any(|x| x.0.starts_with("glue:")), "{n:?}");
        assert!(
            n.iter().any(|x| x.0 == "s3:PutObject" && x.1.ends_with(":::results/*")),
            "{n:?}"
        );
        assert!(needs(&SdkCall::new("athena", "GetQueryResults", "a.py".into(), 1, "x".into())).is_empty());
    }
}

//! From a function's needs to its permissions and a short, readable policy.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::evidence::{ArnContext, Certainty, Need, Origin, Unresolved};
use crate::graph::Bindings;

use super::glob;
use super::{Permission, PolicyDocument, Statement};

/// Which evidence counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Include {
    #[default]
    Both,
    StaticOnly,
    CloudtrailOnly,
}

#[derive(Debug, Clone, Default)]
pub struct SynthesisOptions {
    pub arn: ArnContext,
    pub include: Include,
    pub include_possible: bool,
    pub exclude_actions: Vec<String>,
}

/// A function's permissions and the policy that grants them.
#[derive(Debug, Clone)]
pub struct FunctionPolicy {
    pub permissions: Vec<Permission>,
    /// Possibly needed, not granted unless asked.
    pub possible: Vec<Permission>,
    pub policy: PolicyDocument,
    /// The same policy with unresolved names as `*`: what can be deployed.
    pub deployable: PolicyDocument,
}

pub fn synthesize(needs: &[Need], bindings: &Bindings, catalog: &Catalog, opts: &SynthesisOptions) -> FunctionPolicy {
    let mut granted: BTreeMap<String, Permission> = BTreeMap::new();
    let mut possible: BTreeMap<String, Permission> = BTreeMap::new();
    for need in needs {
        let counted = match opts.include {
            Include::Both => true,
            Include::StaticOnly => need.origin != Origin::Cloudtrail,
            Include::CloudtrailOnly => need.origin != Origin::Static,
        };
        if !counted
            || opts
                .exclude_actions
                .iter()
                .any(|p| glob::action_matches(p, &need.action))
        {
            continue;
        }
        let action = catalog
            .canonical_action(&need.action)
            .unwrap_or_else(|| need.action.clone());
        let resolved = bindings.resolve(&need.resource);
        let shown = resolved.render(&opts.arn, Unresolved::Visible);
        let deploy = resolved.render(&opts.arn, Unresolved::Star);
        let target = match (&need.certainty, opts.include_possible) {
            (Certainty::Possible(_), false) if !granted.contains_key(&action) => &mut possible,
            _ => &mut granted,
        };
        let entry = target.entry(action.clone()).or_insert_with(|| Permission {
            action: action.clone(),
            resources: BTreeSet::new(),
            deployable: BTreeSet::new(),
            sources: BTreeSet::new(),
            evidence: Vec::new(),
            possible: match &need.certainty {
                Certainty::Possible(r) => Some(r.clone()),
                Certainty::Needed => None,
            },
        });
        if need.certainty == Certainty::Needed {
            entry.possible = None;
        }
        entry.resources.insert(shown);
        entry.deployable.insert(deploy);
        entry.sources.insert(need.origin);
        if !entry.evidence.contains(&need.evidence) {
            entry.evidence.push(need.evidence.clone());
        }
    }
    // A certain need promotes a possible one of the same action.
    for action in granted.keys() {
        possible.remove(action);
    }
    let permissions: Vec<Permission> = granted.into_values().collect();
    let policy = group(&permissions, |p| &p.resources, catalog);
    let deployable = group(&permissions, |p| &p.deployable, catalog);
    FunctionPolicy {
        permissions,
        possible: possible.into_values().collect(),
        policy,
        deployable,
    }
}

/// Statements: actions with the same resource set share one, resources subsumed by a
/// broader one of the same action dropped.
fn group(
    perms: &[Permission],
    resources: impl Fn(&Permission) -> &BTreeSet<String>,
    catalog: &Catalog,
) -> PolicyDocument {
    let mut by_set: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for p in perms {
        let all = resources(p);
        let kept: Vec<String> = all
            .iter()
            .filter(|r| !all.iter().any(|b| glob::covers(b, r)))
            .cloned()
            .collect();
        by_set.entry(kept).or_default().insert(p.action.clone());
    }
    let mut statements: Vec<Statement> = by_set
        .into_iter()
        .map(|(resources, actions)| Statement {
            sid: None,
            effect: "Allow".into(),
            actions: actions.into_iter().collect(),
            resources,
        })
        .collect();
    statements.sort_by(|a, b| a.actions.cmp(&b.actions).then(a.resources.cmp(&b.resources)));
    let mut used = BTreeSet::new();
    for s in &mut statements {
        let base = sid_for(s, catalog);
        let mut sid = base.clone();
        let mut n = 2;
        while !used.insert(sid.clone()) {
            sid = format!("{base}{n}");
            n += 1;
        }
        s.sid = Some(sid);
    }
    PolicyDocument::new(statements)
}

/// `ReadOrdersTable`, `WriteInvoicesBucketObjects`, `PublishReceiptTopic`...
fn sid_for(s: &Statement, catalog: &Catalog) -> String {
    let levels: BTreeSet<String> = s
        .actions
        .iter()
        .filter_map(|a| catalog.iam_action(a))
        .map(|a| a.access.clone())
        .collect();
    let verb = match levels.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["Read"] | ["List"] | ["List", "Read"] => "Read",
        ["Write"] => "Write",
        ["Tagging"] => "Tag",
        ["Permissions management"] => "Manage",
        [] => "Use",
        _ => "Use",
    };
    let object = match s.resources.as_slice() {
        [one] => resource_noun(one),
        _ => {
            let prefixes: BTreeSet<&str> = s.actions.iter().filter_map(|a| a.split(':').next()).collect();
            let joined: String = prefixes.iter().map(|p| camel(p)).collect();
            if s.resources.iter().all(|r| r == "*") {
                format!("{joined}Any")
            } else {
                format!("{joined}Resources")
            }
        }
    };
    let sid: String = format!("{verb}{object}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    sid.chars().take(100).collect()
}

fn resource_noun(arn: &str) -> String {
    if arn == "*" {
        return "Any".into();
    }
    // `${env:NAME}` holds a `:` that is not an ARN separator.
    let arn = arn.replace("${env:", "${");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let service = parts.get(2).copied().unwrap_or("");
    let tail = parts.get(5).copied().unwrap_or(&arn);
    if service == "logs" {
        let name = tail
            .split(['/', ':'])
            .rfind(|t| !t.is_empty() && *t != "*")
            .unwrap_or("");
        return format!("{}Logs", camel(&clean(name)));
    }
    let (kind, name) = match service {
        "s3" => match tail.split_once('/') {
            Some((bucket, _)) => ("Objects", bucket),
            None => ("Bucket", tail),
        },
        _ => match tail.split_once(['/', ':']) {
            Some((kind, rest)) => (kind, rest.split(['/', ':']).next().unwrap_or(rest)),
            None => (service, tail),
        },
    };
    let name = camel(&clean(name));
    format!("{name}{}", camel(kind))
}

/// A resource name without wildcards and placeholder syntax: `${env:TABLE}` → `TABLE`.
fn clean(name: &str) -> String {
    name.replace("${env:", "").replace(['*', '?', '$', '{', '}'], " ")
}

fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns() {
        assert_eq!(resource_noun("arn:aws:dynamodb:*:*:table/Orders"), "OrdersTable");
        assert_eq!(resource_noun("arn:aws:s3:::invoices/in/*"), "InvoicesObjects");
        assert_eq!(resource_noun("arn:aws:s3:::invoices"), "InvoicesBucket");
        assert_eq!(resource_noun("arn:aws:sqs:*:*:orders-queue"), "OrdersQueueSqs");
        assert_eq!(resource_noun("*"), "Any");
        assert_eq!(
            resource_noun("arn:aws:logs:*:*:log-group:/aws/lambda/shop-CatalogSync-*:*"),
            "ShopCatalogSyncLogs"
        );
        assert_eq!(resource_noun("arn:aws:dynamodb:*:*:table/${env:TABLE}"), "TABLETable");
    }
}

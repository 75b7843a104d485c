//! What a function needs against what its role grants today (DESIGN.md's diff
//! contract): `missing` (needed, not granted: an AccessDenied waiting to happen),
//! `excess` (granted, never needed; a wildcard grant reported once with the count of
//! actions it grants that nothing needs) and `broader` (granted on more resources than
//! needed).
//!
//! Everything a function needs counts, static evidence included: a permission the code
//! uses is never proposed for removal because the trail did not show it. What CloudTrail
//! cannot show at all is marked through [`Observability`].
//!
//! A permission needed under a condition (`kms:Decrypt` with `kms:ViaService` set to
//! the SQS endpoint) is decided for a request carrying that value: a grant without
//! condition or with a condition that value meets covers it, one whose condition it
//! fails does not, and a grant whose condition it cannot decide stays `conditional`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::evidence::{ArnContext, Evidence};
use crate::sources::current::{CurrentDocument, CurrentRole, DocumentKind};

use super::dialect::{self, Dialect};
use super::evaluator::pattern::{Tokens, resource_covers, resource_intersects, tokens};
use super::evaluator::{Clause, Decision, Effect, Evaluator, Granted, Holds, Policy, RequestContext, statements};
use super::{FunctionPolicy, Permission, expand, glob};

/// Whether CloudTrail records an action at all (management events, data events when
/// enabled...). `None`: not known.
pub trait Observability {
    fn observable(&self, _action: &str) -> Option<bool> {
        None
    }
}

/// Nothing known about what the trail can show.
pub struct NotKnown;

impl Observability for NotKnown {}

pub struct DiffOptions<'a> {
    /// Trail evidence was read: excess is judged against it too.
    pub cloudtrail: bool,
    pub observability: &'a dyn Observability,
}

/// The condition a permission is needed under, its value as a request carries it
/// (`*` for a part not known, such as the region).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct When {
    pub key: String,
    pub value: String,
}

impl When {
    /// The condition of a needed permission, if it has one.
    pub fn of(p: &Permission, ctx: &ArnContext) -> Option<When> {
        p.when.as_ref().map(|c| When {
            key: c.key.clone(),
            value: dialect::render(&c.value, ctx, Dialect::Deployable),
        })
    }

    /// The request context that carries it.
    pub fn context(when: Option<&When>) -> RequestContext {
        match when {
            Some(w) => RequestContext::new().with(&w.key, &w.value),
            None => RequestContext::new(),
        }
    }
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}", self.key, self.value)
    }
}

/// A needed permission the role does not grant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    pub action: String,
    pub resource: String,
    /// The condition it is needed under, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    pub evidence: Vec<Evidence>,
    /// The statement that denies it explicitly, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<String>,
}

/// A grant nothing needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excess {
    /// The action or action pattern as granted (`s3:DeleteObject`, `s3:*`).
    pub action: String,
    pub resource: String,
    /// `policy/Sid` or `policy/statement N`.
    pub granted_by: String,
    /// For a wildcard grant: how many actions it grants that are never needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// For a wildcard grant: the actions under it that are needed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needed: Vec<String>,
    /// CloudTrail cannot show this action being used: judged from the code alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_observable: bool,
    /// Where the grant is written, when it is in the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// A needed permission granted on more resources than needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broader {
    pub action: String,
    pub granted: String,
    pub needed: String,
    pub granted_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// A needed permission granted only under a condition leastpriv cannot decide for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conditional {
    pub action: String,
    pub resource: String,
    pub granted_by: String,
    /// The condition it is needed under, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// How much of today's role could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Known {
    Complete,
    Partial,
    Unknown,
}

/// One function's diff.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionDiff {
    pub name: String,
    pub role: Option<String>,
    pub missing: Vec<Missing>,
    pub excess: Vec<Excess>,
    pub broader: Vec<Broader>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<Conditional>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    pub current: Known,
    /// Names of the policies compared with.
    pub policies: Vec<String>,
    /// With `--base REF`: the needed permissions the change added and removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<super::change::Changes>,
    /// The (action, resource, condition) needs compared, for drawing what the function
    /// reaches.
    #[serde(skip)]
    pub needed: Vec<(String, String, Option<When>)>,
    /// Where the function is declared (template file and line), when it is.
    #[serde(skip)]
    pub declared: Option<(PathBuf, Option<u32>)>,
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

impl FunctionDiff {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.excess.is_empty() && self.broader.is_empty()
    }
}

/// A resource as a request: unresolved environment names (`${env:TABLE}`) and the ids
/// of the template's own resources (`${OrdersKey}`, known once deployed) unknown.
pub fn request_form(resource: &str) -> String {
    let mut out = String::new();
    let mut rest = resource;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        out.push('*');
        rest = rest[start..].find('}').map(|e| &rest[start + e + 1..]).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The resources of a permission without those another of them already covers.
fn broadest(p: &Permission) -> Vec<String> {
    let all: Vec<String> = p.resources.iter().map(|r| request_form(r)).collect();
    all.iter()
        .filter(|r| !all.iter().any(|b| glob::covers(b, r)))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Compares one function's needs with its role.
pub fn diff_function(
    name: &str,
    needs: &FunctionPolicy,
    current: &CurrentRole,
    catalog: &Catalog,
    opts: &DiffOptions<'_>,
) -> FunctionDiff {
    let mut out = FunctionDiff {
        name: name.to_string(),
        role: current.role.clone(),
        missing: Vec::new(),
        excess: Vec::new(),
        broader: Vec::new(),
        conditional: Vec::new(),
        permissions_boundary: current.boundary.as_ref().map(|b| b.name.clone()),
        current: Known::Complete,
        policies: current.policies.iter().map(|p| p.name.clone()).collect(),
        changes: None,
        needed: needs
            .permissions
            .iter()
            .flat_map(|p| {
                let when = When::of(p, &needs.arn);
                broadest(p)
                    .into_iter()
                    .map(move |r| (p.action.clone(), r, when.clone()))
            })
            .collect(),
        declared: None,
        diagnostics: current.diagnostics.clone(),
    };
    let mut docs: BTreeMap<String, &CurrentDocument> = BTreeMap::new();
    let mut parsed = Vec::new();
    for d in &current.policies {
        match Policy::parse(&d.name, &d.document) {
            Ok(p) => {
                docs.insert(d.name.clone(), d);
                parsed.push(p);
            }
            Err(e) => out.diagnostics.push(located(
                Diagnostic::warning(
                    codes::INVALID_POLICY,
                    format!("{name}: {e}; left out of the comparison"),
                ),
                d,
            )),
        }
    }
    out.current = match (current.complete, parsed.is_empty()) {
        (true, _) => Known::Complete,
        (false, true) => Known::Unknown,
        (false, false) => Known::Partial,
    };
    if out.current == Known::Unknown {
        return out;
    }
    let mut evaluator = Evaluator::new(parsed);
    if let Some(b) = &current.boundary {
        match Policy::parse(&b.name, &b.document) {
            Ok(p) => evaluator = evaluator.with_boundary(vec![p]),
            Err(e) => out.diagnostics.push(Diagnostic::warning(
                codes::INVALID_POLICY,
                format!("{name}: permissions boundary {e}; left out of the comparison"),
            )),
        }
    }
    decide_needs(&mut out, needs, &evaluator);
    out.excess = excess(needs, &evaluator, &docs, catalog, opts);
    out
}

fn located(d: Diagnostic, doc: &CurrentDocument) -> Diagnostic {
    match &doc.file {
        Some(f) => d.at(f, doc.line),
        None => d,
    }
}

/// `missing`, `conditional` and `broader`, need by need, each decided for a request
/// carrying the condition it is needed under.
fn decide_needs(out: &mut FunctionDiff, needs: &FunctionPolicy, evaluator: &Evaluator) {
    for p in &needs.permissions {
        let when = When::of(p, &needs.arn);
        let context = When::context(when.as_ref());
        for resource in broadest(p) {
            match evaluator.decide_with(&p.action, &resource, &context) {
                Decision::ImplicitDeny => out.missing.push(Missing {
                    action: p.action.clone(),
                    resource,
                    when: when.clone(),
                    evidence: p.evidence.clone(),
                    denied_by: None,
                }),
                Decision::ExplicitDeny { by } => out.missing.push(Missing {
                    action: p.action.clone(),
                    resource,
                    when: when.clone(),
                    evidence: p.evidence.clone(),
                    denied_by: Some(by.to_string()),
                }),
                Decision::Allowed { by, conditional: true } => out.conditional.push(Conditional {
                    action: p.action.clone(),
                    resource,
                    granted_by: by.to_string(),
                    when: when.clone(),
                }),
                Decision::Allowed { .. } => {
                    if let Some(mut b) = broader(&p.action, &resource, evaluator, &context) {
                        b.when = when.clone();
                        out.broader.push(b);
                    }
                }
            }
        }
    }
}

/// A `broader` entry when every grant of the need names more than it.
fn broader(action: &str, resource: &str, evaluator: &Evaluator, context: &RequestContext) -> Option<Broader> {
    let grants: Vec<_> = evaluator
        .grants_with(action, resource, context)
        .into_iter()
        .filter(|g| !g.conditional)
        .collect();
    let need = tokens(resource);
    let exact = grants.iter().any(|g| match &g.resource {
        Granted::Pattern(p) => resource_covers(&need, &tokens(p)),
        Granted::AllExcept(_) => false,
    });
    if exact {
        return None;
    }
    // The narrowest grant: the one no other grant is covered by.
    let pick = grants
        .iter()
        .find(|g| match &g.resource {
            Granted::Pattern(p) => grants.iter().all(|o| match &o.resource {
                Granted::Pattern(q) => resource_covers(&tokens(q), &tokens(p)),
                Granted::AllExcept(_) => true,
            }),
            Granted::AllExcept(_) => false,
        })
        .or_else(|| grants.first())?;
    Some(Broader {
        action: action.to_string(),
        granted: pick.resource.to_string(),
        needed: resource.to_string(),
        granted_by: pick.by.to_string(),
        when: None,
    })
}

/// The needed actions (possible ones and those the config accepts included: never
/// proposed for removal) and the resources each is needed on, with the request context
/// it is needed under.
fn needed(needs: &FunctionPolicy) -> BTreeMap<String, Vec<(Tokens, RequestContext)>> {
    let mut out: BTreeMap<String, Vec<(Tokens, RequestContext)>> = BTreeMap::new();
    for p in needs.permissions.iter().chain(&needs.possible).chain(&needs.accepted) {
        let context = When::context(When::of(p, &needs.arn).as_ref());
        let entry = out.entry(p.action.to_ascii_lowercase()).or_default();
        entry.extend(p.resources.iter().map(|r| (tokens(&request_form(r)), context.clone())));
    }
    out
}

/// Grant by grant, what nothing needs.
fn excess(
    needs: &FunctionPolicy,
    evaluator: &Evaluator,
    docs: &BTreeMap<String, &CurrentDocument>,
    catalog: &Catalog,
    opts: &DiffOptions<'_>,
) -> Vec<Excess> {
    let needed = needed(needs);
    // A grant is used by a need it can match whose request its condition does not fail.
    let is_needed = |action: &str, resource: &Tokens, policy: &Policy, s: &super::evaluator::Statement| {
        needed.get(&action.to_ascii_lowercase()).is_some_and(|rs| {
            rs.iter().any(|(r, context)| {
                resource_intersects(resource, r) && evaluator.condition_holds(policy, s, context) != Holds::No
            })
        })
    };
    let mut lines = LineFinder::default();
    let mut out = Vec::new();
    for (by, policy, s) in statements(evaluator.policies()) {
        if s.effect != Effect::Allow {
            continue;
        }
        let doc = docs.get(&policy.name).copied();
        let resources: Vec<(String, Tokens)> = match &s.resource {
            Clause::Listed(ps) => ps
                .iter()
                .map(|p| (p.clone(), evaluator.resolve(policy, p).tokens))
                .collect(),
            Clause::Except(ps) => vec![(Granted::AllExcept(ps.clone()).to_string(), tokens("*"))],
        };
        let actions: Vec<(String, Vec<String>, bool)> = match &s.action {
            Clause::Listed(ps) => ps
                .iter()
                .map(|a| (a.clone(), expand::actions(a, catalog), !a.contains(['*', '?'])))
                .collect(),
            Clause::Except(ps) => vec![(
                format!("* except {}", ps.join(", ")),
                expand::actions_except(ps, catalog),
                false,
            )],
        };
        for (shown, resource) in &resources {
            for (action, concrete, literal) in &actions {
                let applicable: Vec<&String> = concrete
                    .iter()
                    .filter(|c| expand::applies_to(c, resource, catalog))
                    .collect();
                let (used, unused): (Vec<&String>, Vec<&String>) =
                    applicable.into_iter().partition(|c| is_needed(c, resource, policy, s));
                if unused.is_empty() {
                    continue;
                }
                let not_observable =
                    opts.cloudtrail && unused.iter().any(|a| opts.observability.observable(a) == Some(false));
                let (file, line) = match doc {
                    Some(d) => lines.place(d, action),
                    None => (None, None),
                };
                out.push(Excess {
                    action: action.clone(),
                    resource: shown.clone(),
                    granted_by: by.to_string(),
                    count: (!literal).then_some(unused.len()),
                    needed: if *literal {
                        Vec::new()
                    } else {
                        used.into_iter().cloned().collect()
                    },
                    not_observable,
                    file,
                    line,
                });
            }
        }
    }
    out
}

/// The line a grant's action is written on: in an inline or customer managed policy of
/// the repository, the first line at or after the policy's that holds the action text;
/// otherwise the line that attaches the policy.
#[derive(Default)]
struct LineFinder {
    texts: BTreeMap<PathBuf, Option<String>>,
}

impl LineFinder {
    fn place(&mut self, doc: &CurrentDocument, action: &str) -> (Option<PathBuf>, Option<u32>) {
        let Some(file) = &doc.file else {
            return (None, None);
        };
        let written_out = matches!(doc.kind, DocumentKind::Inline | DocumentKind::CustomerManaged);
        if written_out {
            let text = self
                .texts
                .entry(file.clone())
                .or_insert_with(|| std::fs::read_to_string(file).ok());
            if let Some(text) = text
                && let Some(line) = crate::sources::template::lines::find_line_from(text, action, doc.line.unwrap_or(1))
            {
                return (Some(file.clone()), Some(line));
            }
        }
        (Some(file.clone()), doc.line)
    }
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

//! From a function's needs to its permissions and a short, readable, valid policy: one
//! permission per (action, resource) merged across static, platform and trail evidence,
//! each action only on the resource types it takes, grouped into statements, checked
//! against IAM's rules, and split when too large for one managed policy.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::evidence::{ArnContext, Certainty, Evidence, Need, NeedCondition, Origin, ResourcePattern, Unresolved};
use crate::graph::Bindings;

use super::cover::CoverIndex;
use super::dialect::{self, Dialect};
use super::merge::Builder;
use super::statements::{self, Item};
use super::{Permission, PolicyDocument, condition, glob, resource_type, size, validate};

/// Which evidence counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Include {
    #[default]
    Both,
    StaticOnly,
    CloudtrailOnly,
}

/// ARNs the analysis cannot know, for the resources a pattern names (`leastpriv.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMapping {
    /// Matched against the resource as the report and as policy JSON write it; `*`
    /// matches any run of characters.
    pub pattern: String,
    pub arns: Vec<String>,
}

/// Permissions granted although no evidence asks for them, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedExtra {
    pub actions: Vec<String>,
    /// Empty: the action's own resource types with `*` names (or `*`).
    pub resources: Vec<String>,
    pub reason: String,
}

/// Settings that apply to one function only.
#[derive(Debug, Clone, Default)]
pub struct FunctionOptions {
    pub env: BTreeMap<String, String>,
    pub exclude_actions: Vec<String>,
    pub accepted: Vec<AcceptedExtra>,
}

#[derive(Debug, Clone, Default)]
pub struct SynthesisOptions {
    pub arn: ArnContext,
    pub include: Include,
    pub include_possible: bool,
    pub exclude_actions: Vec<String>,
    pub allow_wildcards: bool,
    /// Environment values from the config, for every function (`--env` wins).
    pub env: BTreeMap<String, String>,
    pub resources: Vec<ResourceMapping>,
    pub accepted: Vec<AcceptedExtra>,
    pub functions: BTreeMap<String, FunctionOptions>,
}

impl SynthesisOptions {
    /// The options with one function's own settings added.
    pub fn for_function(&self, name: &str) -> SynthesisOptions {
        let mut out = self.clone();
        if let Some(f) = self.functions.get(name) {
            out.exclude_actions.extend(f.exclude_actions.iter().cloned());
            out.accepted.extend(f.accepted.iter().cloned());
        }
        out.functions.clear();
        out
    }

    /// Environment values for one function: the config's, the function's own over them,
    /// and the command line's (`cli`) over both.
    pub fn env_for(&self, name: &str, cli: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        if let Some(f) = self.functions.get(name) {
            env.extend(f.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        env.extend(cli.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }
}

/// A function's permissions and the policy that grants them.
#[derive(Debug, Clone)]
pub struct FunctionPolicy {
    pub permissions: Vec<Permission>,
    /// Possibly needed, not granted unless asked.
    pub possible: Vec<Permission>,
    /// Granted because the config accepts them.
    pub accepted: Vec<Permission>,
    /// Actions the evidence asks for that `--exclude-action` or the config left out.
    pub excluded: BTreeSet<String>,
    /// Unresolved names visible: what the report shows.
    pub policy: PolicyDocument,
    /// Unresolved names as `*`: what can be deployed.
    pub deployable: PolicyDocument,
    /// `deployable` as managed policies within IAM's size limit (one when it fits).
    pub parts: Vec<PolicyDocument>,
    pub diagnostics: Vec<Diagnostic>,
    pub arn: ArnContext,
    pub allow_wildcards: bool,
}

impl Default for FunctionPolicy {
    fn default() -> FunctionPolicy {
        FunctionPolicy {
            permissions: Vec::new(),
            possible: Vec::new(),
            accepted: Vec::new(),
            excluded: BTreeSet::new(),
            policy: PolicyDocument::new(Vec::new()),
            deployable: PolicyDocument::new(Vec::new()),
            parts: Vec::new(),
            diagnostics: Vec::new(),
            arn: ArnContext::default(),
            allow_wildcards: false,
        }
    }
}

impl FunctionPolicy {
    /// Everything the policy grants: needed, accepted, and possible when asked for.
    pub fn granted(&self) -> impl Iterator<Item = &Permission> {
        self.permissions.iter().chain(&self.accepted)
    }

    /// The policy written in a dialect (CloudFormation `!Sub` bodies, say).
    pub fn document(&self, dialect: Dialect) -> PolicyDocument {
        document(self.granted(), &self.arn, dialect, self.allow_wildcards)
    }

    /// Resource patterns of everything granted, for template parameters.
    pub fn patterns(&self) -> impl Iterator<Item = &ResourcePattern> {
        self.granted().flat_map(|p| p.grants.iter().map(|g| &g.pattern))
    }
}

/// The policy in a dialect. Template dialects keep the statements (and Sids) of the
/// deployable policy, each resource written as the template writes it.
fn document<'a>(
    perms: impl Iterator<Item = &'a Permission>,
    ctx: &ArnContext,
    dialect: Dialect,
    allow_wildcards: bool,
) -> PolicyDocument {
    let base = match dialect {
        Dialect::Visible => Dialect::Visible,
        _ => Dialect::Deployable,
    };
    let mut items = Vec::new();
    // (action, deployable resource, base condition value, resource in `dialect`).
    let mut rendered: Vec<(String, String, Option<String>, String)> = Vec::new();
    // A condition value as the base dialect writes it → as `dialect` writes it.
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for p in perms {
        let cond = condition::of(p.when.as_ref(), ctx, base);
        if let Some(c) = &p.when
            && dialect != base
        {
            values.insert(condition::value(c, ctx, base), condition::value(c, ctx, dialect));
        }
        for g in &p.grants {
            items.push(Item {
                action: p.action.clone(),
                resource: dialect::render(&g.pattern, ctx, base),
                shown: g.shown.clone(),
                condition: cond.clone(),
            });
            if dialect != base {
                rendered.push((
                    p.action.clone(),
                    g.deployable.clone(),
                    p.when.as_ref().map(|c| condition::value(c, ctx, base)),
                    dialect::render(&g.pattern, ctx, dialect),
                ));
            }
        }
    }
    items.sort();
    items.dedup();
    let mut doc = statements::group(&items, Catalog::embedded(), allow_wildcards);
    if dialect == base {
        return doc;
    }
    for s in &mut doc.statements {
        // A statement under one condition holds only the grants under that condition.
        let under = condition::single(&s.condition).map(|(_, v)| v);
        let mine: BTreeSet<&str> = rendered
            .iter()
            .filter(|(action, deploy, when, _)| {
                s.actions.iter().any(|a| glob::action_matches(a, action))
                    && s.resources.iter().any(|r| r == deploy || glob::covers(r, deploy))
                    && match (when, under) {
                        (None, None) => s.condition.is_empty(),
                        // A value the statement's covers was folded into it.
                        (Some(w), Some(v)) => v.iter().any(|x| x == w || crate::wildcard::matches(x, w)),
                        _ => false,
                    }
            })
            .map(|(_, _, _, d)| d.as_str())
            .collect();
        let covering = CoverIndex::new(mine.iter().copied());
        s.resources = mine
            .iter()
            .filter(|r| !covering.covers(r))
            .map(|r| r.to_string())
            .collect();
        s.condition = condition::map_values(&s.condition, |v| values.get(v).cloned());
    }
    doc
}

pub fn synthesize(needs: &[Need], bindings: &Bindings, catalog: &Catalog, opts: &SynthesisOptions) -> FunctionPolicy {
    let ctx = &opts.arn;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut granted: BTreeMap<Key, Builder> = BTreeMap::new();
    let mut possible: BTreeMap<Key, Builder> = BTreeMap::new();
    let mut excluded = BTreeSet::new();
    for need in needs {
        let counted = match opts.include {
            Include::Both => true,
            Include::StaticOnly => need.origin != Origin::Cloudtrail,
            Include::CloudtrailOnly => need.origin != Origin::Static,
        };
        if !counted {
            continue;
        }
        let Some(action) = catalog.canonical_action(&need.action) else {
            push_once(
                &mut diagnostics,
                located(
                    Diagnostic::warning(
                        codes::UNKNOWN_ACTION,
                        format!(
                            "{} is no IAM action the service catalog knows; it is left out of the policy",
                            need.action
                        ),
                    ),
                    &need.evidence,
                ),
            );
            continue;
        };
        if is_excluded(&action, &opts.exclude_actions) {
            excluded.insert(action);
            continue;
        }
        let resolved = bindings.resolve(&need.resource);
        for (pattern, map_note) in map_resources(&resolved, ctx, &opts.resources) {
            let fitted = resource_type::fit(catalog, &action, &pattern, ctx);
            if fitted.mismatch {
                push_once(
                    &mut diagnostics,
                    located(
                        Diagnostic::warning(codes::RESOURCE_TYPE_MISMATCH, fitted.note.clone().unwrap_or_default()),
                        &need.evidence,
                    ),
                );
            }
            let is_possible = matches!(need.certainty, Certainty::Possible(_)) && !opts.include_possible;
            let target = if is_possible { &mut possible } else { &mut granted };
            let b = target.entry((action.clone(), need.condition.clone())).or_default();
            match &need.certainty {
                Certainty::Possible(r) if b.grants.is_empty() || b.possible.is_some() => {
                    b.possible.get_or_insert_with(|| r.clone());
                }
                Certainty::Possible(_) => {}
                Certainty::Needed => b.possible = None,
            }
            for p in fitted.patterns {
                let notes: Vec<&str> = map_note.iter().chain(&fitted.note).map(String::as_str).collect();
                b.add(p.clone(), need.origin, &need.evidence, None);
                for n in notes {
                    b.add(p.clone(), need.origin, &need.evidence, Some(n));
                }
            }
        }
    }
    let permissions: Vec<Permission> = granted
        .into_iter()
        .map(|((action, when), mut b)| {
            b.generalize();
            with_condition(b.build(&action, ctx), when, ctx)
        })
        .collect();
    let possible = prune_possible(possible, &permissions, ctx);
    let accepted = accepted_permissions(&opts.accepted, catalog, ctx, &mut diagnostics);

    let all = || permissions.iter().chain(&accepted);
    let policy = document(all(), ctx, Dialect::Visible, opts.allow_wildcards);
    let deployable = document(all(), ctx, Dialect::Deployable, opts.allow_wildcards);
    let parts = size::split(&deployable, size::MANAGED_POLICY_LIMIT);
    for (i, part) in parts.iter().enumerate() {
        for v in validate::validate(part, catalog) {
            let place = if parts.len() > 1 {
                format!("policy {} of {}, ", i + 1, parts.len())
            } else {
                String::new()
            };
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                ..Diagnostic::warning(
                    codes::INVALID_POLICY,
                    format!("{place}statement {}: {}", v.statement, v.message),
                )
            });
        }
    }
    if parts.len() > 1 {
        let mut message = format!(
            "the policy is {} characters without whitespace, over the {} one managed policy may hold: split into {} managed policies",
            deployable.compact_len(),
            size::MANAGED_POLICY_LIMIT,
            parts.len()
        );
        if parts.len() > size::MANAGED_POLICIES_PER_ROLE {
            message.push_str(&format!(
                " (a role takes {} managed policies unless its quota is raised)",
                size::MANAGED_POLICIES_PER_ROLE
            ));
        }
        diagnostics.push(Diagnostic::warning(codes::POLICY_SPLIT, message));
    }
    FunctionPolicy {
        permissions,
        possible,
        accepted,
        excluded,
        policy,
        deployable,
        parts,
        diagnostics,
        arn: ctx.clone(),
        allow_wildcards: opts.allow_wildcards,
    }
}

fn is_excluded(action: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| glob::action_matches(p, action))
}

fn located(d: Diagnostic, evidence: &Evidence) -> Diagnostic {
    match evidence {
        Evidence::Static { file, line, .. } => d.at(file, Some(*line)),
        _ => d,
    }
}

fn push_once(out: &mut Vec<Diagnostic>, d: Diagnostic) {
    if !out.contains(&d) {
        out.push(d);
    }
}

/// The config's ARNs for a resource it maps; the resource itself otherwise.
fn map_resources(
    p: &ResourcePattern,
    ctx: &ArnContext,
    mappings: &[ResourceMapping],
) -> Vec<(ResourcePattern, Option<String>)> {
    let shown = p.render(ctx, Unresolved::Visible);
    let deploy = p.render(ctx, Unresolved::Star);
    for m in mappings {
        if glob::matches(&m.pattern, &shown) || glob::matches(&m.pattern, &deploy) {
            let note = format!("{shown} is mapped to its ARNs by the config ({})", m.pattern);
            return m
                .arns
                .iter()
                .map(|a| (ResourcePattern::parse_arn(a), Some(note.clone())))
                .collect();
        }
    }
    vec![(p.clone(), None)]
}

/// One permission per (action, condition): the condition a need holds under.
type Key = (String, Option<NeedCondition>);

fn with_condition(mut p: Permission, when: Option<NeedCondition>, ctx: &ArnContext) -> Permission {
    p.condition = condition::of(when.as_ref(), ctx, Dialect::Visible);
    p.when = when;
    p
}

/// Possible permissions less what is granted anyway (unconditionally, or under the same
/// condition).
fn prune_possible(possible: BTreeMap<Key, Builder>, granted: &[Permission], ctx: &ArnContext) -> Vec<Permission> {
    let by_key: BTreeMap<(&str, Option<&NeedCondition>), &Permission> = granted
        .iter()
        .map(|p| ((p.action.as_str(), p.when.as_ref()), p))
        .collect();
    possible
        .into_iter()
        .filter_map(|((action, when), b)| {
            let mut p = with_condition(b.build(&action, ctx), when, ctx);
            for g in [
                by_key.get(&(action.as_str(), None)),
                p.when.as_ref().and_then(|w| by_key.get(&(action.as_str(), Some(w)))),
            ]
            .into_iter()
            .flatten()
            {
                let covering = CoverIndex::new(g.deployable.iter().map(String::as_str));
                p.grants
                    .retain(|x| !g.deployable.contains(&x.deployable) && !covering.covers(&x.deployable));
                p.resources = p.grants.iter().map(|x| x.shown.clone()).collect();
                p.deployable = p.grants.iter().map(|x| x.deployable.clone()).collect();
            }
            (!p.grants.is_empty()).then_some(p)
        })
        .collect()
}

fn accepted_permissions(
    extras: &[AcceptedExtra],
    catalog: &Catalog,
    ctx: &ArnContext,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Permission> {
    let mut out: BTreeMap<String, Builder> = BTreeMap::new();
    let mut reasons: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for extra in extras {
        for a in &extra.actions {
            let Some(action) = catalog.canonical_action(a) else {
                push_once(
                    diagnostics,
                    Diagnostic::warning(
                        codes::UNKNOWN_ACTION,
                        format!(
                            "{a}, accepted in the config, is no IAM action the service catalog knows; it is left out"
                        ),
                    ),
                );
                continue;
            };
            let resources: Vec<ResourcePattern> = if extra.resources.is_empty() {
                vec![ResourcePattern::star()]
            } else {
                extra.resources.iter().map(|r| ResourcePattern::parse_arn(r)).collect()
            };
            let evidence = Evidence::Platform {
                reason: extra.reason.clone(),
            };
            for r in resources {
                let fitted = resource_type::fit(catalog, &action, &r, ctx);
                let b = out.entry(action.clone()).or_default();
                for p in fitted.patterns {
                    b.add(p, Origin::Platform, &evidence, fitted.note.as_deref());
                }
            }
            reasons.entry(action).or_default().insert(extra.reason.clone());
        }
    }
    out.into_iter()
        .map(|(action, mut b)| {
            b.evidence.clear();
            for g in b.grants.values_mut() {
                g.evidence.clear();
                g.sources.clear();
            }
            let mut p = b.build(&action, ctx);
            p.accepted = Some(
                reasons
                    .get(&action)
                    .map(|r| r.iter().cloned().collect::<Vec<_>>().join("; "))
                    .unwrap_or_default(),
            );
            p
        })
        .collect()
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

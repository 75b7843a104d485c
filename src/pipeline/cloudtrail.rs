//! The CloudTrail step of a run: read every `--cloudtrail` source into observed
//! evidence, attribute role sessions to the functions in scope, add what they show to
//! each function's needs, and synthesise the policies again.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, codes};
use crate::evidence::observed::attribution::glob;
use crate::evidence::observed::{self, CloudtrailSummary, Observed, Session, Target, attribute};
use crate::graph::{Bindings, EncryptedResources};
use crate::policy::synthesize;
use crate::sources::cloudtrail::{self, CloudtrailError, Progress, ReadOptions, Source, SourceStats};

use super::{Config, FunctionResult};

/// The CloudTrail part of a run's configuration.
#[derive(Debug, Clone, Default)]
pub struct CloudtrailConfig {
    pub sources: Vec<Source>,
    /// The window, and the Athena workgroup and output location.
    pub read: ReadOptions,
    /// Function name (as `generate` reports it) → its deployed names or globs.
    pub function_map: BTreeMap<String, Vec<String>>,
    /// Only role sessions of these roles (names, ARNs or globs) count.
    pub roles: Vec<String>,
    /// Only these functions (names or globs) get CloudTrail evidence.
    pub functions: Vec<String>,
}

/// Reads the sources and adds their evidence to `functions`; returns the run summary
/// and the diagnostics that belong to no single function.
pub fn apply(
    functions: &mut [FunctionResult],
    config: &Config,
    catalog: &Catalog,
    encrypted: &EncryptedResources,
    progress: &dyn Progress,
) -> Result<Option<(CloudtrailSummary, Vec<Diagnostic>)>, CloudtrailError> {
    let ct = &config.cloudtrail;
    if ct.sources.is_empty() {
        return Ok(None);
    }
    let in_scope: Vec<bool> = functions
        .iter()
        .map(|f| ct.functions.is_empty() || ct.functions.iter().any(|g| glob(g, &f.spec.name)))
        .collect();
    let targets: Vec<Target<'_>> = functions
        .iter()
        .zip(&in_scope)
        .map(|(f, scoped)| {
            if !scoped {
                return Target {
                    name: &f.spec.name,
                    ..Target::default()
                };
            }
            let pinned = ct.function_map.get(&f.spec.name);
            let deployed = match pinned {
                Some(names) => names.clone(),
                None => f
                    .spec
                    .deployment
                    .as_ref()
                    .map(|d| d.function_name.clone())
                    .filter(|n| !n.is_empty() && n != "*")
                    .into_iter()
                    .collect(),
            };
            Target {
                name: &f.spec.name,
                deployed,
                pinned: pinned.is_some(),
                roles: f.spec.role.iter().cloned().collect(),
                plain: f.spec.deployment.is_none() && f.spec.declared_in.is_none(),
                static_needs: &f.needs,
            }
        })
        .collect();

    let mut opts = ct.read.clone();
    // Engines filter where the data is only when every function is known by its role or
    // deployed name; a plain folder needs every session to match against.
    if targets.iter().zip(&in_scope).all(|(t, s)| !s || !t.plain || t.pinned) {
        for t in &targets {
            opts.sessions.extend(t.deployed.iter().cloned());
            opts.roles.extend(t.roles.iter().filter_map(|r| role_glob(r)));
        }
        opts.roles.extend(ct.roles.iter().filter_map(|r| role_glob(r)));
        opts.roles.sort();
        opts.roles.dedup();
        opts.sessions.sort();
        opts.sessions.dedup();
    }

    let mut reads: Vec<(SourceStats, Observed)> = Vec::new();
    let mut run_diags = Vec::new();
    for source in &ct.sources {
        let read = cloudtrail::read::<Observed>(source, &opts, progress)?;
        run_diags.extend(read.diagnostics);
        reads.push((read.stats, read.sink));
    }
    let observed_refs: Vec<&Observed> = reads.iter().map(|(_, o)| o).collect();
    let mut assignment = attribute(&observed_refs, &targets);
    if !ct.roles.is_empty() {
        assignment
            .sessions
            .retain(|s, _| ct.roles.iter().any(|r| glob(r, &s.role) || glob(r, &s.role_name)));
    }
    let stat_refs: Vec<(&SourceStats, &Observed)> = reads.iter().map(|(s, o)| (s, o)).collect();
    let (summary, per_target) = observed::summary::summarize(&stat_refs, &assignment, targets.len());

    let mut by_target: BTreeMap<usize, Vec<&Session>> = BTreeMap::new();
    for (s, (ti, _)) in &assignment.sessions {
        by_target.entry(*ti).or_default().push(s);
    }
    let mut extra: Vec<Vec<Diagnostic>> = vec![Vec::new(); functions.len()];
    for (ti, ds) in &assignment.diagnostics {
        extra[*ti].extend(ds.iter().cloned());
    }
    let new_needs: Vec<Vec<crate::evidence::Need>> = (0..functions.len())
        .map(|i| {
            by_target
                .get(&i)
                .map(|sessions| observed::needs(&observed_refs, sessions))
                .unwrap_or_default()
        })
        .collect();
    drop(targets);
    for (i, f) in functions.iter_mut().enumerate() {
        let observed = per_target.get(i).cloned().flatten();
        if let Some(o) = &observed {
            for d in &o.denied {
                extra[i].push(Diagnostic::warning(
                    codes::DENIED_CALL,
                    format!(
                        "CloudTrail: {} on {} was denied {} time(s), last {}: the role lacks a permission the function uses",
                        d.action, d.resource, d.count, d.last_seen
                    ),
                ));
            }
            if o.outside_lambda > 0 {
                extra[i].push(Diagnostic::warning(
                    codes::FOREIGN_SESSION_USE,
                    format!(
                        "CloudTrail: {} call(s) with this function's role session came from outside Lambda (another userAgent): set aside, not granted",
                        o.outside_lambda
                    ),
                ));
            }
        }
        f.cloudtrail = observed;
        let needs = &new_needs[i];
        if needs.is_empty() && extra[i].is_empty() {
            continue;
        }
        let env = config.synthesis.env_for(&f.spec.name, &config.env);
        let bindings = Bindings::for_function(&f.spec, &env);
        let options = config.synthesis.for_function(&f.spec.name);
        f.needs.extend(needs.iter().cloned());
        // Observed calls on encrypted resources bring their KMS companions too.
        f.needs
            .extend(encrypted.companions(needs, &bindings, &options.arn, f.spec.stack.as_deref()));
        f.needs.sort();
        f.needs.dedup();
        f.diagnostics.append(&mut extra[i]);
        f.diagnostics.sort();
        f.diagnostics.dedup();
        if !needs.is_empty() {
            f.policy = synthesize(&f.needs, &bindings, catalog, &options);
        }
    }
    let view = crate::policy::observable::TrailView {
        trail: true,
        data_types: summary.data_event_types(),
    };
    for f in functions.iter_mut() {
        crate::policy::observable::annotate(&mut f.policy, &view);
    }
    let lambda_unclaimed: u64 = reads
        .iter()
        .flat_map(|(_, o)| o.sessions.iter())
        .filter(|(s, c)| !assignment.sessions.contains_key(*s) && (c.lambda_agent > 0 || c.lambda_function.is_some()))
        .map(|(_, c)| c.records)
        .sum();
    if lambda_unclaimed > 0 {
        run_diags.push(Diagnostic::warning(
            codes::INFERRED_ATTRIBUTION,
            format!(
                "CloudTrail: {lambda_unclaimed} record(s) of Lambda role sessions matched no function in scope (see cloudtrail.unclaimed_sessions in the JSON report; --function-map NAME=SESSION attributes one)"
            ),
        ));
    }
    Ok(Some((summary, run_diags)))
}

/// The role-name part of a role ARN or glob, for filtering where the data is.
fn role_glob(role: &str) -> Option<String> {
    let name = role.rsplit_once(":role/").map_or(role, |(_, n)| n);
    let name = name.rsplit('/').next().unwrap_or(name);
    (!name.is_empty() && !name.contains("${") && name.chars().any(|c| c != '*')).then(|| name.to_string())
}

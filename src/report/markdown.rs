//! `--format markdown`: a page a reviewer reads in a minute: per function, a table of
//! action, resource, why and evidence, then what is possible, accepted, excluded, the
//! warnings and the policy itself.

use crate::evidence::Evidence;
use crate::pipeline::{FunctionResult, RunResult};
use crate::policy::{ConditionBlock, Permission};

/// A table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// Why: the calls and reasons. Evidence: where they were found.
pub fn why_and_evidence<'a>(evidence: impl Iterator<Item = &'a Evidence>) -> (Vec<String>, Vec<String>) {
    let (mut why, mut seen) = (Vec::new(), Vec::new());
    for e in evidence {
        match e {
            Evidence::Static {
                file,
                line,
                call,
                operation,
                unreachable,
                reason,
                ..
            } => {
                let mut w = format!("{} ({operation})", code(call));
                if let Some(r) = reason {
                    w.push_str(&format!(": {r}"));
                }
                if *unreachable {
                    w.push_str(" (in code the handler does not reach)");
                }
                why.push(w);
                seen.push(format!("{}:{line}", file.display()));
            }
            Evidence::Cloudtrail {
                count,
                first_seen,
                last_seen,
                denied,
                example_event_id,
            } => {
                why.push(if *denied {
                    "called and denied: the role lacks it".to_string()
                } else {
                    "called by the function".to_string()
                });
                let mut s = format!("CloudTrail: {count} call(s), {first_seen} to {last_seen}");
                if let Some(id) = example_event_id {
                    s.push_str(&format!(", e.g. event {id}"));
                }
                seen.push(s);
            }
            Evidence::Platform { reason } => {
                why.push(reason.clone());
                seen.push("platform".into());
            }
        }
    }
    why.dedup();
    seen.dedup();
    (why, seen)
}

/// A condition block as a reader says it: `kms:ViaService = sqs.*.amazonaws.com` (the
/// equality and pattern operators), `aws:SourceArn ArnLike arn:...` for the others,
/// values of one key joined by `or`, keys and operators by `and`. `None` when empty.
pub fn condition_text(block: &ConditionBlock) -> Option<String> {
    let mut parts = Vec::new();
    for (op, keys) in block {
        for (key, values) in keys {
            let sign = match op.as_str() {
                "StringEquals" | "StringLike" => "=".to_string(),
                "StringNotEquals" | "StringNotLike" => "≠".to_string(),
                other => other.to_string(),
            };
            parts.push(format!("{key} {sign} {}", values.join(" or ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

fn rows(out: &mut String, p: &Permission, extra_why: Option<String>) {
    for g in &p.grants {
        let (mut why, seen) = why_and_evidence(p.evidence_of(g));
        if let Some(c) = condition_text(&p.condition) {
            why.insert(0, format!("when {}", code(&c)));
        }
        why.extend(g.notes.iter().cloned());
        why.extend(extra_why.clone());
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            code(&p.action),
            code(&g.shown),
            cell(&why.join("; ")),
            cell(&seen.join("<br>"))
        ));
    }
}

fn table(out: &mut String, perms: &[Permission], extra: impl Fn(&Permission) -> Option<String>) {
    out.push_str("| Action | Resource | Why | Evidence |\n| --- | --- | --- | --- |\n");
    for p in perms {
        rows(out, p, extra(p));
    }
}

/// What the trail read could not show of a permission only the code asks for.
pub fn observable_note(p: &Permission) -> Option<&'static str> {
    match p.observable? {
        "no-data-events" => {
            Some("CloudTrail: not observable here (a data event; the trail read logged none of its type)")
        }
        "not-logged" => Some("CloudTrail: not observable (CloudTrail does not record this call)"),
        _ => None,
    }
}

fn grants_count(perms: &[Permission]) -> usize {
    perms.iter().map(|p: &Permission| p.grants.len()).sum()
}

pub fn function(f: &FunctionResult) -> String {
    let mut out = format!("## {}\n\n", f.spec.name);
    let mut facts = vec![code(&f.spec.path.display().to_string())];
    if let Some(l) = f.spec.language {
        facts.push(l.as_str().to_string());
    }
    if let Some(t) = &f.spec.declared_in {
        facts.push(format!("declared in {}", code(&t.display().to_string())));
    }
    if let Some(r) = &f.spec.role {
        facts.push(format!("role {}", code(r)));
    }
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");
    let p = &f.policy;
    out.push_str(&format!(
        "{} permission(s) on {} resource(s); the policy has {} statement(s).\n\n",
        p.permissions.len() + p.accepted.len(),
        grants_count(&p.permissions) + grants_count(&p.accepted),
        p.deployable.statements.len()
    ));
    if p.permissions.is_empty() && p.accepted.is_empty() {
        out.push_str("No permission: no evidence asks for one.\n\n");
    } else {
        table(&mut out, &p.permissions, |perm| {
            let notes: Vec<String> = perm
                .possible
                .as_ref()
                .map(|r| format!("granted on request, only possibly needed: {r}"))
                .into_iter()
                .chain(observable_note(perm).map(str::to_string))
                .collect();
            (!notes.is_empty()).then(|| notes.join("; "))
        });
        out.push('\n');
    }
    if !p.accepted.is_empty() {
        out.push_str("**Accepted by the config** (granted although no evidence asks for them):\n\n");
        table(&mut out, &p.accepted, |perm| {
            perm.accepted.as_ref().map(|r| format!("accepted: {r}"))
        });
        out.push('\n');
    }
    if !p.possible.is_empty() {
        out.push_str("**Possibly needed** (not granted; `--include-possible` grants them):\n\n");
        table(&mut out, &p.possible, |perm| perm.possible.clone());
        out.push('\n');
    }
    if !f.assumed_role_calls.is_empty() {
        out.push_str(
            "**Calls with assumed-role credentials** (their permissions belong to the role the code assumes, not to this function's policy):\n\n| Call | Actions the assumed role needs |\n| --- | --- |\n",
        );
        for c in &f.assumed_role_calls {
            let actions: Vec<String> = c.actions.iter().map(|a| code(a)).collect();
            out.push_str(&format!(
                "| {} | {} |\n",
                code(&format!("{}:{} {}", c.file.display(), c.line, c.call)),
                actions.join(", ")
            ));
        }
        out.push('\n');
    }
    if !p.excluded.is_empty() {
        let list: Vec<String> = p.excluded.iter().map(|a| code(a)).collect();
        out.push_str(&format!(
            "**Excluded** by `--exclude-action` or the config: {}\n\n",
            list.join(", ")
        ));
    }
    let warnings = super::json::warnings(f);
    if !warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for d in warnings {
            let place = match (&d.file, d.line) {
                (Some(file), Some(line)) => format!("{}: ", code(&format!("{}:{line}", file.display()))),
                (Some(file), None) => format!("{}: ", code(&file.display().to_string())),
                _ => String::new(),
            };
            out.push_str(&format!("- {place}{} ({})\n", d.message, code(d.code)));
        }
        out.push('\n');
    }
    let docs = &p.parts;
    for (i, d) in docs.iter().enumerate() {
        let title = if docs.len() > 1 {
            format!("Policy {} of {}", i + 1, docs.len())
        } else {
            "Policy".into()
        };
        out.push_str(&format!(
            "<details><summary>{title}</summary>\n\n```json\n{}\n```\n\n</details>\n\n",
            serde_json::to_string_pretty(d).unwrap_or_default()
        ));
    }
    out
}

pub fn render(run: &RunResult) -> String {
    let mut out = String::from("# Least-privilege policies\n\n");
    out.push_str(&format!(
        "{} function(s). Config: {}.\n\n",
        run.functions.len(),
        match &run.config_file {
            Some(p) => code(&p.display().to_string()),
            None => "none (no `leastpriv.toml`)".into(),
        }
    ));
    for d in &run.diagnostics {
        out.push_str(&format!("- {} ({})\n", d.message, code(d.code)));
    }
    if !run.diagnostics.is_empty() {
        out.push('\n');
    }
    for f in &run.functions {
        out.push_str(&function(f));
    }
    out.trim_end().to_string() + "\n"
}

/// One function's page, with the config line.
pub fn function_page(run: &RunResult, f: &FunctionResult) -> String {
    let config = match &run.config_file {
        Some(p) => code(&p.display().to_string()),
        None => "none (no `leastpriv.toml`)".into(),
    };
    format!("{}Config: {config}.\n", function(f))
}

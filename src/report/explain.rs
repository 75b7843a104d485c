//! `leastpriv explain FUNCTION [ACTION]`: for each permission, the code lines, the trail
//! records and the platform reasons behind it, the condition it is granted under, how
//! synthesis shaped its resource, and the possible, accepted and excluded actions.

use std::fmt::Write as _;

use crate::evidence::Evidence;
use crate::pipeline::{FunctionResult, RunResult};
use crate::policy::{Permission, glob};

/// What `explain` shows: every permission, or those whose action matches a pattern.
pub struct Query<'a> {
    pub action: Option<&'a str>,
}

impl Query<'_> {
    fn wants(&self, p: &Permission) -> bool {
        self.action.is_none_or(|a| glob::action_matches(a, &p.action))
    }
}

fn evidence_lines(out: &mut String, p: &Permission, grant: &crate::policy::Grant) {
    for e in p.evidence_of(grant) {
        let _ = match e {
            Evidence::Static {
                file,
                line,
                call,
                operation,
                unreachable,
                path,
                reason,
            } => {
                let mut s = format!("    code        {}:{line}  {call}  ({operation})", file.display());
                if let Some(r) = reason {
                    s.push_str(&format!(": {r}"));
                }
                if *unreachable {
                    s.push_str("  [the handler does not reach this code]");
                }
                if !path.is_empty() {
                    // The chain a reviewer can check: handler → helper → the call.
                    let hops: Vec<String> = path.iter().map(|h| h.display()).collect();
                    s.push_str(&format!(
                        "\n    via         {} → {call} ({}:{line})",
                        hops.join(" → "),
                        file.display()
                    ));
                }
                writeln!(out, "{s}")
            }
            Evidence::Cloudtrail {
                count,
                first_seen,
                last_seen,
                denied,
                example_event_id,
            } => {
                let mut s = format!("    cloudtrail  {count} record(s), first {first_seen}, last {last_seen}");
                if *denied {
                    s.push_str(", denied (the role lacks it)");
                }
                if let Some(id) = example_event_id {
                    s.push_str(&format!(", e.g. event {id}"));
                }
                writeln!(out, "{s}")
            }
            Evidence::Platform { reason } => writeln!(out, "    platform    {reason}"),
        };
    }
    for n in &grant.notes {
        let _ = writeln!(out, "    note        {n}");
    }
}

fn permission(out: &mut String, p: &Permission, tag: Option<&str>) {
    for g in &p.grants {
        let sources: Vec<&str> = g.sources.iter().map(|o| o.as_str()).collect();
        let mut head = format!("{} on {}", p.action, g.shown);
        if !sources.is_empty() {
            head.push_str(&format!("  [{}]", sources.join(", ")));
        }
        if let Some(t) = tag {
            head.push_str(&format!("  ({t})"));
        }
        let _ = writeln!(out, "{head}");
        if let Some(c) = super::markdown::condition_text(&p.condition) {
            let _ = writeln!(out, "    when        {c}");
        }
        evidence_lines(out, p, g);
        if let Some(n) = super::markdown::observable_note(p) {
            let _ = writeln!(out, "    note        {n}");
        }
    }
}

/// The explanation of one function; `None` when the query matches nothing it has.
pub fn render(run: &RunResult, f: &FunctionResult, q: &Query<'_>) -> Option<String> {
    let mut out = String::new();
    let mut head = format!("{} ({}", f.spec.name, f.spec.path.display());
    if let Some(l) = f.spec.language {
        head.push_str(&format!(", {}", l.as_str()));
    }
    head.push(')');
    let _ = writeln!(out, "{head}");
    if let Some(t) = &f.spec.declared_in {
        let _ = writeln!(out, "template: {}", t.display());
    }
    if let Some(r) = &f.spec.role {
        let _ = writeln!(out, "role: {r}");
    }
    let _ = writeln!(
        out,
        "config: {}",
        run.config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "none".into())
    );
    let p = &f.policy;
    let mut matched = false;
    let granted: Vec<&Permission> = p.permissions.iter().filter(|x| q.wants(x)).collect();
    if !granted.is_empty() {
        matched = true;
        out.push('\n');
        for x in granted {
            let tag = x
                .possible
                .as_ref()
                .map(|r| format!("possible, granted on request: {r}"));
            permission(&mut out, x, tag.as_deref());
        }
    }
    let accepted: Vec<&Permission> = p.accepted.iter().filter(|x| q.wants(x)).collect();
    if !accepted.is_empty() {
        matched = true;
        let _ = writeln!(out, "\naccepted by the config (no evidence asks for these):");
        for x in accepted {
            let tag = x.accepted.as_ref().map(|r| format!("accepted: {r}"));
            permission(&mut out, x, tag.as_deref());
        }
    }
    let possible: Vec<&Permission> = p.possible.iter().filter(|x| q.wants(x)).collect();
    if !possible.is_empty() {
        matched = true;
        let _ = writeln!(out, "\npossible, not granted (--include-possible grants them):");
        for x in possible {
            permission(&mut out, x, x.possible.as_deref());
        }
    }
    let excluded: Vec<&String> = p
        .excluded
        .iter()
        .filter(|a| q.action.is_none_or(|pat| glob::action_matches(pat, a)))
        .collect();
    if !excluded.is_empty() {
        matched = true;
        let list: Vec<&str> = excluded.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(out, "\nexcluded by --exclude-action or the config: {}", list.join(", "));
    }
    let assumed: Vec<_> = f
        .assumed_role_calls
        .iter()
        .filter(|c| {
            q.action
                .is_none_or(|pat| c.actions.iter().any(|a| glob::action_matches(pat, a)))
        })
        .collect();
    if !assumed.is_empty() {
        matched = true;
        let _ = writeln!(
            out,
            "\ncalls with assumed-role credentials (the assumed role needs these, not this function):"
        );
        for c in assumed {
            let actions: Vec<&str> = c.actions.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(
                out,
                "  {}:{}  {}  needs {}",
                c.file.display(),
                c.line,
                c.call,
                actions.join(", ")
            );
        }
    }
    if q.action.is_some() && !matched {
        return None;
    }
    if q.action.is_none() {
        let warnings = super::json::warnings(f);
        if !warnings.is_empty() {
            let _ = writeln!(out, "\nwarnings:");
            for d in warnings {
                let _ = writeln!(out, "  {}", d.one_line());
            }
        }
        if p.permissions.is_empty() && p.accepted.is_empty() && p.possible.is_empty() {
            let _ = writeln!(
                out,
                "\nno permission: no code line, trail record or platform fact asks for one"
            );
        }
    }
    Some(out.trim_end().to_string())
}

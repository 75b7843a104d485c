//! `diff --format markdown`: a pull-request comment a reviewer reads in a minute. One
//! summary line per function (✔, or missing / excess / broader counts), then the details
//! of each function folded: the code line behind each missing permission, the grants
//! nothing needs, and a Mermaid diagram of what the function can reach.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::evidence::Evidence;
use crate::policy::diff::{FunctionDiff, Known, When};

use super::diff_json::DiffReport;

/// Lines of source files, read once each.
#[derive(Default)]
struct Sources {
    files: BTreeMap<PathBuf, Option<Vec<String>>>,
}

impl Sources {
    fn line(&mut self, file: &Path, line: u32) -> Option<String> {
        let lines = self.files.entry(file.to_path_buf()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .ok()
                .map(|t| t.lines().map(String::from).collect())
        });
        let text = lines.as_ref()?.get(line.checked_sub(1)? as usize)?.trim();
        (!text.is_empty()).then(|| text.chars().take(160).collect())
    }
}

/// `text` on one line: a name a repository chose (a function's, a role's) cannot break
/// out of a table row, a code span or a diagram into Markdown of its own.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `text` for HTML (`<summary>`): its markup shown, not applied.
fn html(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text` as inline code, whatever backticks it holds.
fn code(text: &str) -> String {
    let text = one_line(text).replace('|', "\\|");
    // The fence is one backtick longer than the longest run inside, so nothing closes it.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        format!("`{text}`")
    } else {
        let fence = "`".repeat(longest + 1);
        format!("{fence} {text} {fence}")
    }
}

fn counts(f: &FunctionDiff) -> String {
    if f.is_clean() && f.changes.as_ref().is_none_or(|c| c.is_empty()) {
        return match f.current {
            Known::Unknown => "? role not known".into(),
            _ => "✔".into(),
        };
    }
    let mut parts = Vec::new();
    if !f.missing.is_empty() {
        parts.push(format!("❌ missing {}", f.missing.len()));
    }
    if !f.excess.is_empty() {
        parts.push(format!("excess {}", f.excess.len()));
    }
    if !f.broader.is_empty() {
        parts.push(format!("broader {}", f.broader.len()));
    }
    if let Some(c) = &f.changes {
        if !c.added.is_empty() {
            parts.push(format!("+{} needed", c.added.len()));
        }
        if !c.removed.is_empty() {
            parts.push(format!("−{} needed", c.removed.len()));
        }
    }
    if parts.is_empty() {
        parts.push("✔".into());
    }
    parts.join(" · ")
}

pub fn render(report: &DiffReport) -> String {
    let mut out = String::from("### leastpriv: IAM permissions diff\n\n");
    let flagged: Vec<&FunctionDiff> = report
        .functions
        .iter()
        .filter(|f| !f.is_clean() || f.changes.as_ref().is_some_and(|c| !c.is_empty()))
        .collect();
    let scope = match &report.base {
        Some(base) => format!("changes since `{base}`, roles from {}", report.current),
        None => format!("roles from {}", report.current),
    };
    let _ = writeln!(
        out,
        "{} of {} functions need attention: {} missing, {} excess, {} broader ({scope}).\n",
        flagged.len(),
        report.functions.len(),
        report.missing(),
        report.excess(),
        report.broader()
    );
    for d in &report.diagnostics {
        // The run's own problems (a definition that could not be read): said first, as
        // the counts above leave its functions out.
        let _ = writeln!(out, "> ⚠️ {}\n", code(&d.one_line()));
    }
    out.push_str("| function | result |\n| --- | --- |\n");
    // Byte lengths bound character counts: what fits in bytes fits GitHub's limit.
    let budget = MAX_COMMENT_CHARS - NOTE_RESERVE;
    let mut rows_left_out = 0;
    for f in &report.functions {
        let row = format!("| {} | {} |\n", code(&f.name), counts(f));
        if out.len() + row.len() > budget / 2 {
            rows_left_out += 1;
            continue;
        }
        out.push_str(&row);
    }
    if rows_left_out > 0 {
        let _ = writeln!(out, "| … | {rows_left_out} more functions |");
    }
    let mut sources = Sources::default();
    let mut details_left_out = 0;
    for f in flagged {
        let mut one = String::new();
        details(&mut one, f, &mut sources);
        if out.len() + one.len() > budget {
            details_left_out += 1;
            continue;
        }
        out.push_str(&one);
    }
    if rows_left_out + details_left_out > 0 {
        let _ = write!(
            out,
            "\n_This diff is longer than a GitHub comment may be ({MAX_COMMENT_CHARS} characters): {} left out. \
             The whole diff is in `leastpriv diff --format json` or `--format sarif` (the action's `sarif` file)._\n",
            match (rows_left_out, details_left_out) {
                (0, d) => format!("the details of {d} functions"),
                (r, 0) => format!("{r} functions"),
                (r, d) => format!("{r} functions, and the details of {d}"),
            }
        );
    }
    out
}

/// The longest comment GitHub takes, in characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;

/// Kept free under [`MAX_COMMENT_CHARS`] for the note that says what was left out.
const NOTE_RESERVE: usize = 1_024;

fn details(out: &mut String, f: &FunctionDiff, sources: &mut Sources) {
    let _ = writeln!(
        out,
        "\n<details>\n<summary><b>{}</b>: {}</summary>\n",
        html(&f.name),
        counts(f)
    );
    if let Some(role) = &f.role {
        let _ = writeln!(out, "Role {}.\n", code(role));
    }
    if f.current == Known::Partial {
        out.push_str("Today's role was read in part: a permission listed as missing may be granted by what could not be read.\n\n");
        for d in &f.diagnostics {
            let _ = writeln!(out, "- {}", d.message);
        }
        out.push('\n');
    }
    if !f.missing.is_empty() {
        out.push_str("**Missing**: needed and not granted; the call fails with AccessDenied.\n\n");
        for m in &f.missing {
            let deny = m
                .denied_by
                .as_ref()
                .map(|d| format!(" (denied by {})", code(d)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} on {}{}{deny}",
                code(&m.action),
                code(&m.resource),
                when(m.when.as_ref())
            );
            evidence_lines(out, &m.evidence, sources);
        }
        out.push('\n');
    }
    if let Some(c) = &f.changes {
        for (title, list) in [("Needed since the change", &c.added), ("No longer needed", &c.removed)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "**{title}**:\n");
            for p in list {
                let _ = writeln!(
                    out,
                    "- {} on {}{}",
                    code(&p.action),
                    code(&p.resource),
                    when(p.when.as_ref())
                );
                evidence_lines(out, &p.evidence, sources);
            }
            out.push('\n');
        }
    }
    if !f.excess.is_empty() {
        out.push_str(
            "**Excess**: granted and never needed.\n\n| grant | on | granted by | |\n| --- | --- | --- | --- |\n",
        );
        for e in &f.excess {
            let mut note = match e.count {
                Some(n) => format!("{n} actions never needed"),
                None => String::new(),
            };
            if e.not_observable {
                // The trail could not have shown it in use: judged from the code alone.
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str("not observable in the trail read: judged from the code alone");
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {note} |",
                code(&e.action),
                code(&e.resource),
                code(&e.granted_by)
            );
        }
        out.push('\n');
    }
    if !f.broader.is_empty() {
        out.push_str("**Broader**: granted on more resources than needed.\n\n| action | granted | needed |\n| --- | --- | --- |\n");
        for b in &f.broader {
            let _ = writeln!(
                out,
                "| {} | {} | {}{} |",
                code(&b.action),
                code(&b.granted),
                code(&b.needed),
                when(b.when.as_ref())
            );
        }
        out.push('\n');
    }
    if !f.conditional.is_empty() {
        out.push_str("**Conditional**: granted only under a condition leastpriv cannot decide for the request.\n\n");
        for c in &f.conditional {
            let _ = writeln!(
                out,
                "- {} on {}{} by {}",
                code(&c.action),
                code(&c.resource),
                when(c.when.as_ref()),
                code(&c.granted_by)
            );
        }
        out.push('\n');
    }
    out.push_str(&mermaid(f));
    out.push_str("\n</details>\n");
}

/// ` when `kms:ViaService = sqs.*.amazonaws.com``: the condition a permission is
/// needed under, when it is.
fn when(w: Option<&When>) -> String {
    w.map(|w| format!(" when {}", code(&w.to_string()))).unwrap_or_default()
}

/// The code line of each static piece of evidence, once per place.
fn evidence_lines(out: &mut String, evidence: &[Evidence], sources: &mut Sources) {
    let mut seen = BTreeSet::new();
    for e in evidence {
        match e {
            Evidence::Static { file, line, reason, .. } if seen.insert((file.clone(), *line)) => {
                let place = format!("{}:{line}", file.display());
                // Why this action, when a rule added it (a key the resource is encrypted with).
                let why = reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                match sources.line(file, *line) {
                    Some(text) => {
                        let _ = writeln!(out, "  - {}: {}{why}", code(&place), code(&text));
                    }
                    None => {
                        let _ = writeln!(out, "  - {}{why}", code(&place));
                    }
                }
            }
            Evidence::Cloudtrail { count, last_seen, .. } => {
                let _ = writeln!(out, "  - CloudTrail: {count} calls, last {last_seen}");
            }
            Evidence::Platform { reason } if seen.insert((PathBuf::from(reason), 0)) => {
                let _ = writeln!(out, "  - platform: {reason}");
            }
            _ => {}
        }
    }
}

fn text(s: &str) -> String {
    one_line(s).replace('"', "#quot;").replace('`', "#96;")
}

/// `a`, `b`, `c` and N more.
fn label(items: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
    let more = items.len().saturating_sub(3);
    let mut l = shown.join("<br/>");
    if more > 0 {
        let _ = write!(l, "<br/>+{more} more");
    }
    text(&l)
}

/// What the function reaches: needed resources (solid when granted, dotted when
/// missing) and the grants nothing needs.
fn mermaid(f: &FunctionDiff) -> String {
    let missing: BTreeSet<(&str, &str, Option<&When>)> = f
        .missing
        .iter()
        .map(|m| (m.action.as_str(), m.resource.as_str(), m.when.as_ref()))
        .collect();
    let mut granted: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut denied: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (action, resource, when) in &f.needed {
        let target = if missing.contains(&(action.as_str(), resource.as_str(), when.as_ref())) {
            &mut denied
        } else {
            &mut granted
        };
        target.entry(resource.as_str()).or_default().insert(action.clone());
    }
    let mut unused: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for e in &f.excess {
        unused.entry(e.resource.as_str()).or_default().insert(e.action.clone());
    }
    let mut out = format!("```mermaid\nflowchart LR\n  f([\"{}\"])\n", text(&f.name));
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let resources: BTreeSet<&str> = granted.keys().chain(denied.keys()).copied().collect();
    for (i, r) in resources.iter().enumerate() {
        let _ = writeln!(out, "  r{i}[(\"{}\")]", text(r));
        ids.insert(r, format!("r{i}"));
    }
    for (r, actions) in &granted {
        let _ = writeln!(out, "  f -->|\"{}\"| {}", label(actions), ids[r]);
    }
    for (r, actions) in &denied {
        let _ = writeln!(out, "  f -.->|\"missing: {}\"| {}", label(actions), ids[r]);
    }
    for (i, (r, actions)) in unused.iter().enumerate() {
        let _ = writeln!(out, "  x{i}[/\"{}\"/]", text(r));
        let _ = writeln!(out, "  f -.->|\"excess: {}\"| x{i}", label(actions));
    }
    out.push_str("```\n");
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::policy::diff::{Broader, Conditional, Missing};

    #[test]
    fn a_name_a_repository_chose_cannot_break_out_of_the_comment() {
        let mut report = through_another_service();
        report.functions[0].name = "w</summary></details>\n\n**all clear** | ✔ |\n```".into();
        let out = render(&report);
        assert!(!out.contains("</summary></details>\n"), "{out}");
        assert!(!out.contains("\n**all clear**"), "{out}");
        assert!(
            out.contains("<summary><b>w&lt;/summary&gt;&lt;/details&gt;  **all clear** | ✔ | ```</b>"),
            "{out}"
        );
        // Only the diagram's fences start a line; the name's backticks stay in code spans.
        assert_eq!(out.lines().filter(|l| l.starts_with("```")).count(), 2, "{out}");
        assert!(
            out.contains("| ```` w</summary></details>  **all clear** \\| ✔ \\| ``` ```` |"),
            "{out}"
        );
        assert_eq!(code("a``b"), "``` a``b ```");
    }

    /// A diff of a function whose key is needed through SQS and granted through SNS.
    pub(crate) fn through_another_service() -> DiffReport {
        let via = |service: &str| {
            Some(When {
                key: "kms:ViaService".into(),
                value: format!("{service}.*.amazonaws.com"),
            })
        };
        let key = "arn:aws:kms:*:*:key/k".to_string();
        DiffReport {
            current: "current.json".into(),
            base: None,
            functions: vec![FunctionDiff {
                name: "worker".into(),
                role: None,
                missing: vec![Missing {
                    action: "kms:Decrypt".into(),
                    resource: key.clone(),
                    when: via("sqs"),
                    evidence: Vec::new(),
                    denied_by: None,
                }],
                excess: Vec::new(),
                broader: vec![Broader {
                    action: "kms:GenerateDataKey".into(),
                    granted: "*".into(),
                    needed: key.clone(),
                    granted_by: "current.json/Kms".into(),
                    when: via("s3"),
                }],
                conditional: vec![Conditional {
                    action: "kms:Decrypt".into(),
                    resource: key,
                    granted_by: "current.json/Tagged".into(),
                    when: via("s3"),
                }],
                permissions_boundary: None,
                current: Known::Complete,
                policies: vec!["current.json".into()],
                changes: None,
                needed: vec![
                    ("kms:Decrypt".into(), "arn:aws:kms:*:*:key/k".into(), via("sqs")),
                    ("kms:Decrypt".into(), "arn:aws:kms:*:*:key/k".into(), via("s3")),
                ],
                declared: None,
                diagnostics: Vec::new(),
            }],
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn the_condition_a_permission_is_needed_under_is_said() {
        let text = render(&through_another_service());
        assert!(
            text.contains("- `kms:Decrypt` on `arn:aws:kms:*:*:key/k` when `kms:ViaService = sqs.*.amazonaws.com`\n"),
            "{text}"
        );
        assert!(
            text.contains("| `arn:aws:kms:*:*:key/k` when `kms:ViaService = s3.*.amazonaws.com` |"),
            "{text}"
        );
        assert!(
            text.contains("when `kms:ViaService = s3.*.amazonaws.com` by `current.json/Tagged`"),
            "{text}"
        );
        // Missing through SQS, granted (conditionally) through S3: both edges drawn.
        assert!(text.contains("  f -->|\"kms:Decrypt\"| r0\n"), "{text}");
        assert!(text.contains("  f -.->|\"missing: kms:Decrypt\"| r0\n"), "{text}");
    }
}

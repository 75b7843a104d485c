//! Fuzz target: `diff` against any role document (a hostile repository's inline policy)
//! returns, never panics, and its Markdown comment stays under GitHub's 65,536-character
//! limit; libFuzzer's `-timeout` and `-rss_limit_mb` hold it to bounded time and memory.
#![no_main]

use leastpriv::catalog::Catalog;
use leastpriv::evidence::{Certainty, Evidence, Need, Origin, ResourcePattern};
use leastpriv::graph::Bindings;
use leastpriv::policy::diff::{DiffOptions, diff_function};
use leastpriv::policy::observable::TrailView;
use leastpriv::policy::{SynthesisOptions, synthesize};
use leastpriv::report::diff_json::DiffReport;
use leastpriv::report::{diff_json, diff_markdown, sarif};
use leastpriv::sources::current::{CurrentDocument, CurrentRole, DocumentKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Line 1: a needed action; line 2: its resource; the rest: today's role document.
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let action = parts.next().unwrap_or("");
    let resource = parts.next().unwrap_or("");
    let Ok(document) = serde_json::from_str::<serde_json::Value>(parts.next().unwrap_or("")) else {
        return;
    };
    let catalog = Catalog::embedded();
    let needs = vec![Need {
        action: action.into(),
        resource: ResourcePattern::literal(resource),
        condition: None,
        origin: Origin::Platform,
        certainty: Certainty::Needed,
        evidence: Evidence::Platform { reason: "fuzz".into() },
    }];
    let needed = synthesize(&needs, &Bindings::default(), catalog, &SynthesisOptions::default());
    let current = CurrentRole {
        role: Some("fuzz-role".into()),
        policies: vec![CurrentDocument {
            name: "inline".into(),
            kind: DocumentKind::Inline,
            document,
            file: None,
            line: None,
        }],
        complete: true,
        ..CurrentRole::default()
    };
    let trail = TrailView::default();
    let opts = DiffOptions {
        cloudtrail: false,
        observability: &trail,
    };
    let report = DiffReport {
        current: "template".into(),
        base: None,
        functions: vec![diff_function("fuzz", &needed, &current, catalog, &opts)],
        diagnostics: Vec::new(),
    };
    let markdown = diff_markdown::render(&report);
    assert!(
        markdown.chars().count() <= diff_markdown::MAX_COMMENT_CHARS,
        "a {}-character comment",
        markdown.chars().count()
    );
    let _ = diff_json::render(&report);
    let _ = sarif::render(&report);
});

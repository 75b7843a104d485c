//! `leastpriv graph`: the resource graph of a project as DOT, Mermaid or JSON.

use anyhow::Result;
use leastpriv::report;

use super::ExitStatus;
use super::args::{GraphArgs, GraphFormat};
use super::run::{print, warn};

pub fn run(args: &GraphArgs) -> Result<ExitStatus> {
    let config = super::generate_cmd::config(&args.project)?;
    let result = super::cloudtrail_args::run_with_progress(&config)?;
    for d in &result.diagnostics {
        warn(&d.one_line());
    }
    for f in &result.functions {
        for d in &f.diagnostics {
            warn(&format!("{}: {}", f.spec.name, d.one_line()));
        }
    }
    if result.functions.is_empty() {
        warn("warning: no functions found (no template, and no source files in the given paths)");
    }
    let text = match args.format {
        GraphFormat::Dot => report::dot::render(&result.graph),
        GraphFormat::Mermaid => report::mermaid::render(&result.graph),
        GraphFormat::Json => report::graph_json::render(&result.graph),
    };
    print(text.trim_end());
    Ok(ExitStatus::Success)
}

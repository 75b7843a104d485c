//! Dispatch to the subcommands, and the one printing helper.

use anyhow::Result;

use super::ExitStatus;
use super::args::{Cli, Command};

pub fn dispatch(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Catalog(args) => super::catalog_cmd::run(&args.command),
        Command::Generate(args) => super::generate_cmd::run(&args),
        Command::Diff(args) => super::diff_cmd::run(&args),
        Command::Graph(args) => super::graph_cmd::run(&args),
        Command::Explain(args) => super::explain_cmd::run(&args),
    }
}

/// Prints a report on stdout.
#[allow(clippy::print_stdout)]
pub fn print(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(out, "{text}");
}

/// Prints one line on stderr.
#[allow(clippy::print_stderr)]
pub fn warn(line: &str) {
    eprintln!("{line}");
}

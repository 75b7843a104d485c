//! The command line: what the user typed (clap structs in `args.rs`), one file per
//! subcommand, and the one place that prints and picks the exit code.

mod args;
mod catalog_cmd;
mod cloudtrail_args;
mod diff_cmd;
mod exit;
mod explain_cmd;
mod generate_cmd;
mod graph_cmd;
mod out_dir;
mod run;

use clap::Parser;

pub use exit::ExitStatus;

pub fn run() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let status = match run::dispatch(cli) {
        Ok(status) => status,
        Err(err) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitStatus::BadInput
        }
    };
    status.into()
}

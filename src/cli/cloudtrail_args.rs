//! The CloudTrail flags resolved into the run's configuration, and the progress bar
//! drawn on stderr while trail logs are read (on a terminal only).

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use leastpriv::pipeline::{self, CloudtrailConfig, Config, RunResult};
use leastpriv::sources::cloudtrail::{Progress, ReadOptions, Source, Window};

use super::args::ProjectArgs;

pub fn config(project: &ProjectArgs) -> Result<CloudtrailConfig> {
    let sources = project
        .cloudtrail
        .iter()
        .map(|s| Source::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let window = Window::parse(project.since.as_deref(), project.until.as_deref())?;
    if let Some(out) = &project.athena_output
        && !out.starts_with("s3://")
    {
        bail!("--athena-output {out}: expected s3://bucket/prefix/");
    }
    let mut function_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in &project.function_map {
        match entry.split_once('=') {
            Some((name, deployed)) if !name.is_empty() && !deployed.is_empty() => {
                function_map
                    .entry(name.to_string())
                    .or_default()
                    .push(deployed.to_string());
            }
            _ if Path::new(entry).is_file() => {
                for (name, deployed) in map_file(Path::new(entry))? {
                    function_map.entry(name).or_default().extend(deployed);
                }
            }
            _ => bail!("--function-map {entry}: expected NAME=DEPLOYED or a TOML file"),
        }
    }
    Ok(CloudtrailConfig {
        sources,
        read: ReadOptions {
            window,
            athena_workgroup: project.athena_workgroup.clone(),
            athena_output: project.athena_output.clone(),
            ..ReadOptions::default()
        },
        function_map,
        roles: project.roles.clone(),
        functions: project.functions.clone(),
    })
}

/// `name = "deployed"` or `name = ["a", "b-*"]` lines.
fn map_file(path: &Path) -> Result<Vec<(String, Vec<String>)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("--function-map {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("--function-map {}: not TOML", path.display()))?;
    let mut out = Vec::new();
    for (name, value) in table {
        let names: Vec<String> = match value {
            toml::Value::String(s) => vec![s],
            toml::Value::Array(items) => items.into_iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            _ => bail!(
                "--function-map {}: {name} must be a string or a list of strings",
                path.display()
            ),
        };
        out.push((name, names));
    }
    Ok(out)
}

/// Runs the pipeline, with a progress bar on stderr when it is a terminal and there are
/// trail logs to read.
pub fn run_with_progress(config: &Config) -> Result<RunResult> {
    if config.cloudtrail.sources.is_empty() || !std::io::stderr().is_terminal() {
        return Ok(pipeline::run(config)?);
    }
    let bar = Bar::new();
    let result = pipeline::run_with_progress(config, &bar);
    bar.bar.finish_and_clear();
    Ok(result?)
}

struct Bar {
    bar: indicatif::ProgressBar,
    records: AtomicU64,
    bytes: AtomicU64,
}

impl Bar {
    fn new() -> Bar {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} files {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        Bar {
            bar,
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }
}

impl Progress for Bar {
    fn start(&self, source: &str, total: u64) {
        self.bar.set_prefix(source.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn advance(&self, _bytes: u64, json_bytes: u64, records: u64) {
        let r = self.records.fetch_add(records, Ordering::Relaxed) + records;
        let b = self.bytes.fetch_add(json_bytes, Ordering::Relaxed) + json_bytes;
        self.bar.inc(1);
        self.bar.set_message(format!("{r} records, {} MB", b / 1_000_000));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

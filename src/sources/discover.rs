//! Which functions a PATH holds: deployment templates first, else the plain-folder rule
//! of DESIGN.md (each immediate subfolder with source is a function; a folder whose only
//! source is its own files is one function; a single file is one function).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::sources::{Language, template, walk};

/// A function to analyse, as discovery found it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    /// The function's code folder (or file), as the user would write it.
    pub path: PathBuf,
    pub language: Option<Language>,
    /// The handler's module, when a template names it.
    pub entry: Option<PathBuf>,
    /// Source files to analyse, entry first.
    pub files: Vec<PathBuf>,
    /// The role ARN (or template expression) the deployment gives it.
    pub role: Option<String>,
    /// Where the function was declared (template file), if anywhere.
    pub declared_in: Option<PathBuf>,
    /// Environment variables the deployment sets, as written.
    pub environment: BTreeMap<String, String>,
    /// What the deployment definition says about how the function runs.
    pub deployment: Option<Deployment>,
}

/// Deployment facts that imply permissions of their own (platform evidence).
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// The function's deployed name, or a pattern when the stack generates it.
    pub function_name: String,
    /// A log group for the function is declared in the template.
    pub log_group_declared: bool,
    pub tracing: bool,
    pub vpc: bool,
    /// Event source mappings the function polls: (kind, ARN pattern); kind is `sqs`,
    /// `kinesis`, `dynamodb-stream`, `kafka`, `mq`.
    pub event_sources: Vec<(String, String)>,
    /// Dead-letter or on-failure destinations: ARN patterns.
    pub destinations: Vec<String>,
    /// Triggers that invoke the function (API, Schedule, S3, SNS...), for the graph.
    pub triggers: Vec<(String, String)>,
}

impl FunctionSpec {
    fn from_files(name: String, path: PathBuf, files: Vec<PathBuf>) -> FunctionSpec {
        FunctionSpec {
            name,
            path,
            language: dominant_language(&files),
            entry: None,
            files,
            role: None,
            declared_in: None,
            environment: BTreeMap::new(),
            deployment: None,
        }
    }
}

/// What discovery found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    pub functions: Vec<FunctionSpec>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Errors that make a PATH unusable (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    #[error("{0}: not a source file leastpriv reads (.py .js .mjs .cjs .ts .mts .cts)")]
    NotSource(PathBuf),
}

/// Discovers the functions under one PATH with the plain-folder rule.
pub fn plain(path: &Path) -> Result<Discovery, DiscoverError> {
    let meta = std::fs::metadata(path).map_err(|_| DiscoverError::NotFound(path.to_path_buf()))?;
    let mut found = Discovery::default();
    if meta.is_file() {
        if Language::from_path(path).is_none() {
            return Err(DiscoverError::NotSource(path.to_path_buf()));
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut spec = FunctionSpec::from_files(name, path.to_path_buf(), vec![path.to_path_buf()]);
        spec.entry = Some(path.to_path_buf());
        found.functions.push(spec);
        return Ok(found);
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        // file_type() does not follow symlinks: a linked folder is not a function.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| !walk::is_skipped_dir(n) && !n.starts_with('.'))
        })
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for dir in subdirs {
        let files = walk::source_files(&dir);
        if files.is_empty() {
            continue;
        }
        let name = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        found.functions.push(FunctionSpec::from_files(name, dir, files));
    }
    if found.functions.is_empty() {
        let files = walk::direct_source_files(path);
        if !files.is_empty() {
            let name = folder_name(path);
            found
                .functions
                .push(FunctionSpec::from_files(name, path.to_path_buf(), files));
        }
    }
    Ok(found)
}

fn folder_name(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    abs.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "function".into())
}

fn dominant_language(files: &[PathBuf]) -> Option<Language> {
    let mut counts: BTreeMap<Language, usize> = BTreeMap::new();
    for f in files {
        if let Some(l) = Language::from_path(f) {
            *counts.entry(l).or_default() += 1;
        }
    }
    // TypeScript projects carry .js config files; any .ts makes it TypeScript.
    if counts.contains_key(&Language::Typescript) {
        return Some(Language::Typescript);
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(l, _)| l)
}

/// Discovers the functions under one PATH: from the templates it is or holds, else by
/// the plain-folder rule.
pub fn discover(path: &Path, pseudo: &template::cfn::Pseudo) -> Result<Discovery, DiscoverError> {
    let meta = std::fs::metadata(path).map_err(|_| DiscoverError::NotFound(path.to_path_buf()))?;
    let templates = if meta.is_file() {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "yaml" | "yml" | "json" | "template") {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        }
    } else {
        template::find_templates(path)
    };
    if templates.is_empty() {
        return plain(path);
    }
    let mut found = Discovery::default();
    for t in templates {
        match template::yaml::load(&t) {
            Ok(value) => {
                let (specs, diags) = template::cfn::functions(&t, &value, pseudo);
                found.functions.extend(specs);
                found.diagnostics.extend(diags);
            }
            Err(e) => found.diagnostics.push(Diagnostic::warning(
                crate::diagnostics::codes::TEMPLATE_ERROR,
                e.to_string(),
            )),
        }
    }
    Ok(found)
}

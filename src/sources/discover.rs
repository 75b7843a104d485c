//! Which functions a PATH holds: deployment templates first, else the plain-folder rule
//! of DESIGN.md (each immediate subfolder with source is a function; a folder whose only
//! source is its own files is one function; a single file is one function).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::sources::{Language, template, walk};

/// A function to analyse, as discovery found it.
#[derive(Debug, Clone, Default)]
pub struct FunctionSpec {
    pub name: String,
    /// The function's code folder (or file), as the user would write it.
    pub path: PathBuf,
    /// The folder its local imports resolve in (`CodeUri`, the Serverless service folder,
    /// an archive's `source_dir`); the same as `path` unless a template says otherwise.
    pub root: PathBuf,
    pub language: Option<Language>,
    /// The handler's module, when a template names it.
    pub entry: Option<PathBuf>,
    /// The handler's name in that module (`create` of `users.create`): only the code it
    /// reaches counts. `None`: every handler-shaped function of the entry counts.
    pub handler: Option<String>,
    /// Source files to analyse, entry first: with a known entry, the entry (its local
    /// imports are followed by the analysers) plus the code of layers in the repository.
    pub files: Vec<PathBuf>,
    /// The role ARN (or template expression) the deployment gives it.
    pub role: Option<String>,
    /// Where the function was declared (template file), if anywhere.
    pub declared_in: Option<PathBuf>,
    /// The line of its declaration in `declared_in`.
    pub line: Option<u32>,
    /// The stack, Serverless service or Terraform module it belongs to.
    pub stack: Option<String>,
    /// Environment variables the deployment sets, evaluated (`*` where unknown).
    pub environment: BTreeMap<String, String>,
    /// The template definition (logical id, Terraform address) each variable names.
    pub env_sources: BTreeMap<String, String>,
    /// Why a variable's value is only partly known (`*` in it): variable → reason.
    pub env_unknowns: BTreeMap<String, String>,
    /// What the deployment definition says about how the function runs.
    pub deployment: Option<Deployment>,
    /// The policies of the role the function has today, as the repository declares them
    /// (SAM `Policies`, the role's inline and managed policies, `iam.role.statements`,
    /// Terraform role policies and attachments).
    pub current_policies: Vec<CurrentPolicy>,
    /// Every statement of `current_policies`' documents, intrinsics evaluated and SAM
    /// policy templates expanded: the current role's statements, for the diff.
    pub current_statements: Vec<Value>,
}

/// One policy of a function's current role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentPolicy {
    /// The policy's name, the SAM policy template's name, or the managed policy's ARN.
    pub name: String,
    pub kind: PolicyKind,
    /// The managed policy's ARN, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The policy document with intrinsics evaluated; `None` for an AWS managed policy,
    /// whose document is not in the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// A policy embedded in the role (or in the function's SAM `Policies`).
    Inline,
    /// A SAM policy template (`DynamoDBCrudPolicy: {TableName: ...}`), expanded.
    SamTemplate,
    /// A managed policy declared in the repository (its document is known).
    CustomerManaged,
    /// A managed policy known by ARN only (AWS managed, or defined elsewhere).
    Managed,
}

impl CurrentPolicy {
    /// The statements of its document (a single statement object counts as one).
    pub fn statements(&self) -> Vec<Value> {
        match self.document.as_ref().and_then(|d| d.get("Statement")) {
            Some(Value::Array(items)) => items.clone(),
            Some(one @ Value::Object(_)) => vec![one.clone()],
            _ => Vec::new(),
        }
    }
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
    pub triggers: Vec<Trigger>,
    /// A customer managed KMS key encrypting the environment: its ARN pattern.
    pub kms_key: Option<String>,
}

/// The kind of an event source mapping's source, from its ARN (`sqs`, `kinesis`,
/// `dynamodb-stream`, `kafka` for MSK); `None` for another ARN, which each definition
/// format reads its own way.
pub fn event_source_kind(arn: &str) -> Option<&'static str> {
    [
        (":sqs:", "sqs"),
        (":kinesis:", "kinesis"),
        (":dynamodb:", "dynamodb-stream"),
        (":kafka:", "kafka"),
    ]
    .into_iter()
    .find(|(part, _)| arn.contains(part))
    .map(|(_, kind)| kind)
}

/// Something that invokes the function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trigger {
    /// `Api`, `HttpApi`, `Schedule`, `S3`, `SNS`, `EventBridgeRule`, `SQS`...
    pub kind: String,
    /// The event's name in the definition, or a description (`GET /orders`).
    pub name: String,
    /// The ARN (pattern) of the resource that invokes it, when there is one.
    pub source: Option<String>,
}

/// A resource a deployment definition declares (a table, a bucket, a role...).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Definition {
    /// Logical id (`OrdersTable`) or Terraform address (`aws_dynamodb_table.orders`).
    pub id: String,
    /// `AWS::DynamoDB::Table`, `aws_dynamodb_table`...
    pub kind: String,
    /// Its physical name, `*` where unknown.
    pub name: Option<String>,
    /// Its ARN (pattern), when the type has one.
    pub arn: Option<String>,
    pub file: PathBuf,
    pub line: Option<u32>,
    pub stack: Option<String>,
    /// The customer managed KMS key its data is encrypted with, when the definition
    /// names one (AWS managed keys need no grant in the caller's policy and are `None`).
    pub encryption: Option<EncryptionKey>,
}

/// A customer managed KMS key a resource's definition names for its encryption.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EncryptionKey {
    /// The key's ARN pattern: the literal key ARN, or `arn:aws:kms:REGION:ACCOUNT:key/*`
    /// where only the key's account and region are known (a key the same template
    /// creates gets its id at deploy; an alias does not tell the key's id).
    pub arn: String,
    /// The property that names it (`KmsMasterKeyId`, `kms_master_key_id`).
    pub property: String,
    /// The line of that property in the definition's file.
    pub line: Option<u32>,
    /// The key's logical id when the same CloudFormation template creates it (`!Ref K`,
    /// `!GetAtt K.Arn`): the template can name that very key where its ARN is unknown.
    pub logical_id: Option<String>,
}

impl FunctionSpec {
    fn from_files(name: String, path: PathBuf, files: Vec<PathBuf>) -> FunctionSpec {
        let root = if path.is_dir() {
            path.clone()
        } else {
            path.parent().map(PathBuf::from).unwrap_or_default()
        };
        FunctionSpec {
            name,
            language: dominant_language(&files),
            path,
            root,
            files,
            ..FunctionSpec::default()
        }
    }

    /// Fills `current_statements` from `current_policies`.
    pub fn collect_statements(&mut self) {
        self.current_statements = self
            .current_policies
            .iter()
            .flat_map(CurrentPolicy::statements)
            .collect();
    }
}

/// What discovery found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    pub functions: Vec<FunctionSpec>,
    /// Resources the deployment definitions declare, for the graph.
    pub definitions: Vec<Definition>,
    pub diagnostics: Vec<Diagnostic>,
    /// Definitions (or `.tf` files of a module) that could not be read at all: refused,
    /// not text, or not valid YAML, JSON or HCL. The functions they declare are missing,
    /// so `diff` cannot vouch for the repository (exit 2).
    pub unreadable: Vec<PathBuf>,
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
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| !walk::is_skipped_dir(n) && !n.starts_with('.'))
        })
        // file_type() does not follow symlinks: a linked folder is not a function, and
        // is said to be skipped (below).
        .filter(|e| {
            e.file_type()
                .is_ok_and(|t| t.is_dir() || t.is_symlink() && e.path().is_dir())
        })
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for dir in subdirs {
        if dir.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
            found.diagnostics.push(skipped_function_link(&dir));
            continue;
        }
        let files = walk::source_files(&dir);
        found
            .diagnostics
            .extend(walk::skipped_links(&dir).iter().map(|l| skipped_link(l)));
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

/// The `unsafe-path` warning for a link a folder walk did not follow: a linked function
/// folder, or a linked module in one.
pub fn skipped_link(link: &Path) -> Diagnostic {
    let what = if link.parent().is_some_and(|p| p.as_os_str().is_empty()) {
        "not followed"
    } else {
        "not followed by the folder walk (its code counts only where an import inside the repository reaches it)"
    };
    Diagnostic::warning(
        crate::diagnostics::codes::UNSAFE_PATH,
        format!("a symbolic link: {what}"),
    )
    .at(link, None)
}

/// The `unsafe-path` warning for a linked folder among a plain folder's functions.
fn skipped_function_link(link: &Path) -> Diagnostic {
    Diagnostic::warning(
        crate::diagnostics::codes::UNSAFE_PATH,
        "a symbolic link: not followed, not analysed as a function",
    )
    .at(link, None)
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

/// Discovers the functions under one PATH: from the deployment definitions it is or
/// holds (SAM/CloudFormation templates, CDK `cdk.out`, `serverless.yml`, Terraform), else
/// by the plain-folder rule. A definition with errors yields diagnostics; the functions
/// it still declares are analysed.
pub fn discover(path: &Path, pseudo: &template::cfn::Pseudo) -> Result<Discovery, DiscoverError> {
    let meta = std::fs::metadata(path).map_err(|_| DiscoverError::NotFound(path.to_path_buf()))?;
    let sources = if meta.is_file() {
        template::Source::of_file(path).into_iter().collect()
    } else {
        template::Source::find(path)
    };
    if sources.is_empty() {
        return plain(path);
    }
    let mut found = Discovery::default();
    for source in &sources {
        source.read(pseudo, &mut found);
    }
    for f in &mut found.functions {
        f.collect_statements();
    }
    found.definitions.sort();
    found.definitions.dedup();
    Ok(found)
}

//! Today's permissions of each function's role: what the repository declares
//! (`--current template`), policy files (`--current FILE`), or the live role in IAM
//! (`--current iam`). Documents stay JSON here; the policy stage parses and evaluates
//! them.

pub mod file;
pub mod iam;
pub mod percent;
pub mod template;

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Diagnostic;

/// Where `--current` says to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrentSource {
    /// The deployment definitions in the repository (the default).
    Template,
    /// The live roles, through IAM and Lambda.
    Iam,
    /// A policy JSON file, or a folder of them named after the functions.
    File(PathBuf),
}

impl CurrentSource {
    /// `template`, `iam`, or a path.
    pub fn parse(arg: Option<&str>) -> CurrentSource {
        match arg {
            None | Some("template") => CurrentSource::Template,
            Some("iam") => CurrentSource::Iam,
            Some(path) => CurrentSource::File(PathBuf::from(path)),
        }
    }
}

/// What kind of policy a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// Embedded in the role (or a SAM function's `Policies`).
    Inline,
    /// A SAM policy template, expanded.
    SamTemplate,
    /// A customer managed policy.
    CustomerManaged,
    /// An AWS managed policy.
    AwsManaged,
    /// Read from a policy file.
    File,
}

/// One policy document of a role, with where it is declared.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentDocument {
    /// How reports name it: the policy's name, the SAM template's, the managed ARN.
    pub name: String,
    pub kind: DocumentKind,
    pub document: Value,
    /// The file and line that declare or attach it, when it is in the repository.
    pub file: Option<PathBuf>,
    pub line: Option<u32>,
}

/// A function's role as it is today.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurrentRole {
    /// Its ARN or name, as the source knows it.
    pub role: Option<String>,
    pub policies: Vec<CurrentDocument>,
    /// The permissions boundary's ARN and document, when the role has one.
    pub boundary: Option<CurrentDocument>,
    /// Every policy of the role was read. When not, `missing` may hold permissions the
    /// unread policies grant, and `excess` only covers what was read.
    pub complete: bool,
    pub diagnostics: Vec<Diagnostic>,
}

impl CurrentRole {
    /// A role nothing could be read of.
    pub fn unknown(diagnostic: Diagnostic) -> CurrentRole {
        CurrentRole {
            complete: false,
            diagnostics: vec![diagnostic],
            ..CurrentRole::default()
        }
    }
}

//! Deployment definitions: finding them (SAM/CloudFormation templates, CDK `cdk.out`,
//! `serverless.yml`, Terraform), reading them, and the functions they declare.

pub mod cdk;
pub mod cfn;
pub mod cfn_checks;
pub mod cfn_deployment;
pub mod cfn_encryption;
pub mod cfn_roles;
pub mod code;
pub mod encryption;
pub mod intrinsics;
pub mod lines;
pub mod sam_policies;
pub mod samconfig;
pub mod serverless;
pub mod serverless_events;
pub mod serverless_vars;
pub mod terraform;
pub mod terraform_encryption;
pub mod terraform_eval;
pub mod terraform_funcs;
pub mod terraform_iam;
pub mod terraform_lambda;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, codes};
use crate::sources::discover::Discovery;
use crate::sources::plausible;

use cfn::Pseudo;

/// Template file names discovery looks for in a project folder, in order.
const TEMPLATE_NAMES: &[&str] = &[
    "template.yaml",
    "template.yml",
    "template.json",
    "samconfig-template.yaml",
];

/// Serverless Framework service files, in the order the framework looks for them.
const SERVERLESS_NAMES: &[&str] = &["serverless.yml", "serverless.yaml", "serverless.json"];

/// One deployment definition discovery reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A SAM or CloudFormation template (CDK's synthesized ones included).
    Cloudformation(PathBuf),
    /// A Serverless Framework service file.
    Serverless(PathBuf),
    /// A Terraform root module (a folder of `.tf` files).
    Terraform(PathBuf),
}

impl Source {
    /// The definitions a project folder holds: templates, `cdk.out` (when no template is
    /// beside it), `serverless.yml`, and `.tf` files.
    pub fn find(dir: &Path) -> Vec<Source> {
        let mut out: Vec<Source> = find_templates(dir).into_iter().map(Source::Cloudformation).collect();
        if let Some(s) = SERVERLESS_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            out.push(Source::Serverless(s));
        }
        if terraform::has_tf_files(dir) {
            out.push(Source::Terraform(dir.to_path_buf()));
        }
        out
    }

    /// The definition one file is, if it is one: `serverless.yml`, a `.tf` file (its
    /// folder is the module), or any other YAML/JSON file taken as a template.
    pub fn of_file(path: &Path) -> Option<Source> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if SERVERLESS_NAMES.contains(&name) || name.starts_with("serverless.") && matches!(ext, "yml" | "yaml") {
            return Some(Source::Serverless(path.to_path_buf()));
        }
        if ext == "tf" {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            return Some(Source::Terraform(dir.to_path_buf()));
        }
        matches!(ext, "yaml" | "yml" | "json" | "template").then(|| Source::Cloudformation(path.to_path_buf()))
    }

    /// Reads the definition into `found`; what cannot be read becomes a diagnostic, and
    /// a value no resource name could be becomes `*` ([`plausible`]).
    pub fn read(&self, pseudo: &Pseudo, found: &mut Discovery) {
        let (functions, definitions) = (found.functions.len(), found.definitions.len());
        crate::sources::limits::start();
        self.read_unchecked(pseudo, found);
        if let Some(hit) = crate::sources::limits::finish() {
            let at = match self {
                Source::Cloudformation(p) | Source::Serverless(p) | Source::Terraform(p) => p,
            };
            found
                .diagnostics
                .push(Diagnostic::warning(codes::EVALUATION_LIMIT, hit.message).at(at, None));
            if hit.cut_short {
                found.unreadable.push(at.clone());
            }
        }
        let Discovery {
            functions: fs,
            definitions: ds,
            diagnostics,
            ..
        } = found;
        for f in &mut fs[functions..] {
            plausible::function(f, diagnostics);
        }
        for d in &mut ds[definitions..] {
            plausible::definition(d, diagnostics);
        }
    }

    fn read_unchecked(&self, pseudo: &Pseudo, found: &mut Discovery) {
        match self {
            Source::Cloudformation(path) => match yaml::load(path) {
                Ok(loaded) => {
                    // The manifest's account and region are not used: ARNs the catalog
                    // builds would keep `*` there, and one run's ARNs agree.
                    let stack = cdk::stack_of(path);
                    let ctx = cfn::Stack {
                        path,
                        text: &loaded.text,
                        template: &loaded.value,
                        pseudo,
                        stack_name: stack.map(|s| s.name),
                        parameters: None,
                        depth: 0,
                        root: None,
                        above: Vec::new(),
                    };
                    found.diagnostics.extend(loaded.diagnostics);
                    cfn::read(&ctx, found);
                }
                Err(e) => {
                    found.diagnostics.push(e.diagnostic());
                    found.unreadable.push(path.clone());
                }
            },
            Source::Serverless(path) => serverless::read(path, pseudo, found),
            Source::Terraform(dir) => terraform::read(dir, pseudo, found),
        }
    }
}

/// Is this file a CloudFormation/SAM template by its name?
pub fn is_template_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "template")
    ) && (TEMPLATE_NAMES.contains(&name) || name.ends_with(".template.json") || name.ends_with(".template"))
        || name.ends_with(".yaml") && name.contains("template")
}

/// Templates directly in a project folder, plus CDK's `cdk.out/*.template.json`.
pub fn find_templates(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = TEMPLATE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    let cdk = dir.join("cdk.out");
    if out.is_empty() && cdk.is_dir() {
        out.extend(cdk::templates(&cdk));
    }
    if out.is_empty() && dir.file_name().is_some_and(|n| n == "cdk.out") {
        out.extend(cdk::templates(dir));
    }
    out
}

/// A diagnostic about a definition file, at a line when known.
pub fn problem(code: &'static str, file: &Path, line: Option<u32>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(code, message).at(file, line)
}

/// The `template-error` diagnostic.
pub fn template_error(file: &Path, line: Option<u32>, message: impl Into<String>) -> Diagnostic {
    problem(codes::TEMPLATE_ERROR, file, line, message)
}

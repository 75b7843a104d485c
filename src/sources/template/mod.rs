//! Deployment templates: finding them, reading them, and the functions they declare.

pub mod cfn;
pub mod intrinsics;
pub mod samconfig;
pub mod yaml;

use std::path::{Path, PathBuf};

/// Template file names discovery looks for in a project folder, in order.
const TEMPLATE_NAMES: &[&str] = &[
    "template.yaml",
    "template.yml",
    "template.json",
    "samconfig-template.yaml",
];

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
        let mut cdk_templates: Vec<PathBuf> = std::fs::read_dir(&cdk)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".template.json"))
            })
            .collect();
        cdk_templates.sort();
        out.extend(cdk_templates);
    }
    out
}

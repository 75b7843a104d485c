//! CDK apps through what `cdk synth` writes: `cdk.out/*.template.json`, and
//! `cdk.out/manifest.json` for each template's stack name and environment
//! (`aws://123456789012/eu-west-1`), so `${AWS::StackName}` and generated names are known.
//! A function's asset (`cdk.out/asset.<hash>`, a copy of its code) is traced back to the
//! project folder it was copied from, so reports name the code the user edits.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::sources::contained::{self, Root};
use crate::sources::walk;

/// A synthesized stack's facts from the cloud assembly manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdkStack {
    pub name: String,
    pub account: Option<String>,
    pub region: Option<String>,
}

/// The synthesized templates in a `cdk.out` folder, sorted.
pub fn templates(cdk_out: &Path) -> Vec<PathBuf> {
    walk::direct_entries(cdk_out, |p| walk::name_ends_with(p, ".template.json"))
}

/// The stack a template in a cloud assembly belongs to, from `manifest.json` beside it.
pub fn stack_of(template: &Path) -> Option<CdkStack> {
    let dir = template.parent()?;
    let file = template.file_name()?.to_str()?;
    let manifest = dir.join("manifest.json");
    let text = Root::of(&manifest).read_text(&manifest, contained::MAX_BYTES).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    manifest
        .get("artifacts")?
        .as_object()?
        .iter()
        .find(|(_, a)| {
            a.get("type").and_then(Value::as_str) == Some("aws:cloudformation:stack")
                && a.pointer("/properties/templateFile").and_then(Value::as_str) == Some(file)
        })
        .map(|(id, a)| {
            let env = a.get("environment").and_then(Value::as_str).unwrap_or("");
            let mut parts = env.trim_start_matches("aws://").splitn(2, '/');
            let known = |s: Option<&str>| {
                s.filter(|s| !s.starts_with("unknown-") && !s.is_empty())
                    .map(String::from)
            };
            let account = known(parts.next());
            let region = known(parts.next());
            CdkStack {
                name: a
                    .pointer("/properties/stackName")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string(),
                account,
                region,
            }
        })
}

/// Most entries of the app folder looked at when tracing an asset to its source.
const MAX_WALK: usize = 20_000;

/// The app folder an asset was copied from: the folder (outside `cdk.out`) holding the
/// same source files with the same bytes. `None` for a bundled asset, whose code exists
/// only in `cdk.out`.
pub fn source_of_asset(asset: &Path) -> Option<PathBuf> {
    // Resolved first: `cdk.out/../../elsewhere` is not an asset of this assembly.
    let resolved = std::fs::canonicalize(asset).ok()?;
    if asset.components().any(|c| c == std::path::Component::ParentDir)
        || !resolved
            .ancestors()
            .any(|a| a.file_name().is_some_and(|n| n == "cdk.out"))
    {
        return None;
    }
    let cdk_out = asset
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "cdk.out"))?;
    let app = cdk_out.parent()?;
    let files = crate::sources::walk::source_files(asset);
    let first = files.first()?;
    let rel = first.strip_prefix(asset).ok()?;
    let read = |p: &Path| contained::read_regular(p, contained::MAX_BYTES).ok();
    let bytes = read(first)?;
    let same = |candidate: &Path| -> bool {
        files.iter().all(|f| {
            let Ok(r) = f.strip_prefix(asset) else { return false };
            read(&candidate.join(r)).is_some_and(|c| Some(c) == read(f))
        })
    };
    let mut candidates: Vec<PathBuf> = walkdir::WalkDir::new(app)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| crate::sources::walk::is_skipped_dir(n) || n.starts_with('.')))
        })
        .take(MAX_WALK)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() == rel.file_name().unwrap_or_default())
        .filter(|e| read(e.path()).as_deref() == Some(bytes.as_slice()))
        .filter_map(|e| {
            let mut dir = e.path().to_path_buf();
            for _ in rel.components() {
                dir = dir.parent()?.to_path_buf();
            }
            Some(dir)
        })
        .filter(|d| same(d))
        .collect();
    candidates.sort();
    candidates.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_the_stack_and_its_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"{"artifacts": {"Shop": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1",
                "properties": {"templateFile": "Shop.template.json", "stackName": "shop-prod"}}}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("Shop.template.json"), "{}").unwrap();
        let s = stack_of(&dir.path().join("Shop.template.json")).unwrap();
        assert_eq!(s.name, "shop-prod");
        assert_eq!(s.account, None);
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(templates(dir.path()).len(), 1);
    }

    #[test]
    fn assets_trace_back_to_their_source() {
        let app = tempfile::tempdir().unwrap();
        let src = app.path().join("lambda/orders");
        let asset = app.path().join("cdk.out/asset.abc");
        for d in [&src, &asset] {
            std::fs::create_dir_all(d.join("lib")).unwrap();
            std::fs::write(d.join("index.js"), "require('./lib/db');\n").unwrap();
            std::fs::write(d.join("lib/db.js"), "module.exports = 1;\n").unwrap();
        }
        std::fs::create_dir_all(app.path().join("lambda/other")).unwrap();
        std::fs::write(app.path().join("lambda/other/index.js"), "require('./lib/db');\n").unwrap();
        assert_eq!(source_of_asset(&asset), Some(src));
        std::fs::write(asset.join("index.js"), "bundled();\n").unwrap();
        assert_eq!(source_of_asset(&asset), None);
    }
}

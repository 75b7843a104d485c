//! `--current FILE`: today's permissions from policy JSON files. A file holds one policy
//! document (every function is compared with it), or an object of documents keyed by
//! function name (what `leastpriv generate --format policy` prints); a folder holds one
//! file per function, `<name>.json` or `<name>.policy.json` (what `--out` writes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, codes};

use super::{CurrentDocument, CurrentRole, DocumentKind};

/// Why the policy files cannot be used (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: not JSON: {message}")]
    NotJson { path: PathBuf, message: String },
    #[error("{0}: neither a policy document nor an object of documents keyed by function name")]
    NotPolicy(PathBuf),
    /// A statement no IAM would accept (`"Effect": "Maybe"`): comparing with the rest
    /// would misreport what the role grants.
    #[error("{path}: {message}")]
    BadStatement { path: PathBuf, message: String },
}

/// The documents read from `--current FILE`.
#[derive(Debug, Clone)]
pub enum PolicyFiles {
    /// One document for every function.
    Shared(CurrentDocument),
    /// Documents by function name.
    PerFunction(BTreeMap<String, CurrentDocument>),
}

impl PolicyFiles {
    pub fn load(path: &Path) -> Result<PolicyFiles, FileError> {
        let meta = std::fs::metadata(path).map_err(|_| FileError::NotFound(path.to_path_buf()))?;
        if meta.is_dir() {
            return folder(path);
        }
        let value = read_json(path)?;
        if is_document(&value) {
            check_effects(&value, "", path)?;
            return Ok(PolicyFiles::Shared(document(file_label(path), value, path)));
        }
        let Some(map) = value
            .as_object()
            .filter(|m| !m.is_empty() && m.values().all(is_document))
        else {
            return Err(FileError::NotPolicy(path.to_path_buf()));
        };
        for (name, doc) in map {
            check_effects(doc, &format!("{name}: "), path)?;
        }
        Ok(PolicyFiles::PerFunction(
            map.iter()
                .map(|(name, doc)| {
                    let label = format!("{}#{name}", file_label(path));
                    (name.clone(), document(label, doc.clone(), path))
                })
                .collect(),
        ))
    }

    /// The role of one function as the files give it.
    pub fn role(&self, function: &str) -> CurrentRole {
        let doc = match self {
            PolicyFiles::Shared(d) => Some(d),
            PolicyFiles::PerFunction(map) => map.get(function),
        };
        match doc {
            Some(d) => CurrentRole {
                role: None,
                policies: vec![d.clone()],
                boundary: None,
                complete: true,
                diagnostics: Vec::new(),
            },
            None => CurrentRole::unknown(Diagnostic::warning(
                codes::CURRENT_UNKNOWN,
                format!("{function}: no policy file names this function"),
            )),
        }
    }
}

fn folder(dir: &Path) -> Result<PolicyFiles, FileError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| FileError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut out = BTreeMap::new();
    for p in paths {
        let value = read_json(&p)?;
        if !is_document(&value) {
            return Err(FileError::NotPolicy(p));
        }
        check_effects(&value, "", &p)?;
        let stem = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let name = stem
            .strip_suffix(".policy.json")
            .or_else(|| stem.strip_suffix(".json"))
            .unwrap_or(stem)
            .to_string();
        out.insert(name, document(file_label(&p), value, &p));
    }
    Ok(PolicyFiles::PerFunction(out))
}

fn read_json(path: &Path) -> Result<Value, FileError> {
    // A device or FIFO (`--current /dev/zero`) would never end: regular files only, capped.
    let text = crate::sources::contained::read_regular_text(path, crate::sources::contained::MAX_BYTES).map_err(
        |refusal| FileError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("the file {refusal}")),
        },
    )?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| FileError::NotJson {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Every statement's `Effect`, when it has one, is `Allow` or `Deny`.
fn check_effects(doc: &Value, prefix: &str, path: &Path) -> Result<(), FileError> {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    for (i, st) in statements.iter().enumerate() {
        let effect = match st.get("Effect") {
            None => continue,
            Some(Value::String(e)) if e == "Allow" || e == "Deny" => continue,
            Some(Value::String(e)) => format!("{e:?}"),
            Some(other) => other.to_string(),
        };
        return Err(FileError::BadStatement {
            path: path.to_path_buf(),
            message: format!("{prefix}statement {i}: Effect {effect} is neither Allow nor Deny"),
        });
    }
    Ok(())
}

fn is_document(v: &Value) -> bool {
    v.get("Statement").is_some()
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn document(name: String, document: Value, path: &Path) -> CurrentDocument {
    CurrentDocument {
        name,
        kind: DocumentKind::File,
        document,
        file: Some(path.to_path_buf()),
        line: Some(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_policy_files() {
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("one.json");
        std::fs::write(&one, r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
        let files = PolicyFiles::load(&one).unwrap();
        assert!(files.role("anything").complete);

        let map = dir.path().join("map.json");
        std::fs::write(&map, r#"{"Orders": {"Statement": []}, "Mailer": {"Statement": []}}"#).unwrap();
        let files = PolicyFiles::load(&map).unwrap();
        assert_eq!(files.role("Orders").policies[0].name, "map.json#Orders");
        assert!(!files.role("Other").complete);

        let folder = dir.path().join("policies");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("Orders.policy.json"), r#"{"Statement": {}}"#).unwrap();
        std::fs::write(folder.join("Mailer.json"), r#"{"Statement": []}"#).unwrap();
        let files = PolicyFiles::load(&folder).unwrap();
        assert!(files.role("Orders").complete && files.role("Mailer").complete);

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"a": 1}"#).unwrap();
        assert!(matches!(PolicyFiles::load(&bad), Err(FileError::NotPolicy(_))));
        assert!(matches!(
            PolicyFiles::load(&dir.path().join("nope.json")),
            Err(FileError::NotFound(_))
        ));
    }
}

//! A function's code as its definition names it: the handler's entry file under the code
//! folder, and the files handed to the analysers: the entry (whose local imports they
//! follow, so a shared `lib/` counts only where imported) plus the code of layers that
//! live in the repository. A missing handler file is a warning naming the place, and
//! the whole folder is analysed instead.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, codes};
use crate::sources::contained::{Refusal, Root};
use crate::sources::{Language, walk};

/// Where a function's code is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Code {
    /// The folder local imports resolve in.
    pub root: PathBuf,
    /// The folder shown to the user: the entry's folder, or the code folder.
    pub path: PathBuf,
    pub entry: Option<PathBuf>,
    /// The handler's name in the entry (`create` of `src/users.create`), when the
    /// definition names one and its file exists.
    pub handler: Option<String>,
    pub files: Vec<PathBuf>,
    pub language: Option<Language>,
}

/// The place a function is declared, for warnings.
pub struct Declared<'a> {
    pub function: &'a str,
    pub file: &'a Path,
    pub line: Option<u32>,
    /// The folder its code must be in; `None` for [`Root::of`] the file.
    pub root: Option<&'a Root>,
}

impl Declared<'_> {
    fn warn(&self, message: String) -> Diagnostic {
        Diagnostic::warning(codes::MISSING_HANDLER, format!("{}: {message}", self.function)).at(self.file, self.line)
    }
}

/// Normalises `./src/orders/` and `src/orders` to the same path; the current folder
/// stays `.` (an empty path names no folder: `cd app && leastpriv generate` found none).
pub fn normalize(p: &Path) -> PathBuf {
    let out: PathBuf = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Locates a function's code: `root` the code folder (or file), `handler` as the
/// definition spells it (`app.lambda_handler`, `src/handlers/orders.main`), `layers` the
/// code folders of its layers in the repository. `None` (with a warning) when the code
/// folder does not exist.
pub fn locate(
    root: &Path,
    handler: Option<&str>,
    runtime: &str,
    layers: &[PathBuf],
    at: &Declared<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Code> {
    let root = normalize(root);
    if !root.exists() {
        diags.push(at.warn(format!("code folder {} does not exist; skipped", root.display())));
        return None;
    }
    let repo = at.root.cloned().unwrap_or_else(|| Root::of(at.file));
    let unsafe_path = |what: &str, p: &Path, refusal: Refusal| {
        Diagnostic::warning(
            codes::UNSAFE_PATH,
            format!("{}: {what} {} {refusal}: not read", at.function, p.display()),
        )
        .at(at.file, at.line)
    };
    if let Err(refusal) = repo.resolve(&root) {
        diags.push(unsafe_path("code folder", &root, refusal));
        return None;
    }
    let layers: Vec<PathBuf> = layers
        .iter()
        .filter(|l| match repo.resolve(l) {
            Ok(_) | Err(Refusal::Missing) => true,
            Err(refusal) => {
                diags.push(unsafe_path("layer", l, refusal));
                false
            }
        })
        .cloned()
        .collect();
    let layers = layers.as_slice();
    if root.is_file() {
        return Some(Code {
            path: root.clone(),
            root: root.parent().map(PathBuf::from).unwrap_or_default(),
            entry: Some(root.clone()),
            handler: None,
            language: Language::from_path(&root).or_else(|| language_of_runtime(runtime)),
            files: vec![root],
        });
    }
    let entry = handler
        .and_then(|h| entry_file(&root, h, runtime))
        .filter(|e| match repo.resolve(e) {
            Ok(_) => true,
            Err(refusal) => {
                diags.push(unsafe_path("handler file", e, refusal));
                false
            }
        });
    let mut files = match &entry {
        Some(e) => vec![e.clone()],
        None => {
            diags.extend(
                walk::skipped_links(&root)
                    .iter()
                    .map(|l| crate::sources::discover::skipped_link(l)),
            );
            walk::source_files(&root)
        }
    };
    if entry.is_none()
        && let Some(h) = handler
    {
        let expected = module_of(h);
        let exts = if runtime.starts_with("python") {
            ".py"
        } else if runtime.starts_with("nodejs") {
            ".js, .mjs, .cjs or .ts"
        } else {
            ".py, .js, .mjs or .ts"
        };
        diags.push(at.warn(format!(
            "no source file for handler {h} (expected {}/{expected} with {exts}); analysing every source file in the folder",
            root.display()
        )));
    }
    if !is_code_runtime(runtime) {
        diags.push(at.warn(format!(
            "runtime {runtime}: leastpriv reads Python, JavaScript and TypeScript; only platform permissions are derived"
        )));
        files.clear();
    }
    for layer in layers {
        for f in walk::source_files(layer) {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let language = entry
        .as_deref()
        .and_then(Language::from_path)
        .or_else(|| language_of_runtime(runtime))
        .or_else(|| files.first().and_then(|f| Language::from_path(f)));
    let path = entry
        .as_ref()
        .and_then(|e| e.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.clone());
    let handler = entry.as_ref().and(handler).and_then(symbol_of).map(str::to_string);
    Some(Code {
        root,
        path,
        entry,
        handler,
        files,
        language,
    })
}

/// `app.lambda_handler` → `lambda_handler`; `src/users.create` → `create`.
fn symbol_of(handler: &str) -> Option<&str> {
    handler.rsplit_once('.').map(|(_, s)| s).filter(|s| !s.is_empty())
}

/// `app.lambda_handler` → `app`; `src/handlers/orders.main` → `src/handlers/orders`.
fn module_of(handler: &str) -> &str {
    handler.rsplit_once('.').map(|(m, _)| m).unwrap_or(handler)
}

/// Runtimes whose code leastpriv reads; an empty runtime is not known to be otherwise.
fn is_code_runtime(runtime: &str) -> bool {
    runtime.is_empty() || runtime.starts_with("python") || runtime.starts_with("nodejs") || runtime.contains('*')
}

/// `app.handler` → `app.py`; `src/index.handler` → `src/index.{js,mjs,cjs,ts}`.
pub fn entry_file(dir: &Path, handler: &str, runtime: &str) -> Option<PathBuf> {
    let module = module_of(handler);
    let exts: &[&str] = if runtime.starts_with("python") {
        &["py"]
    } else if runtime.starts_with("nodejs") {
        &["js", "mjs", "cjs", "ts", "mts", "cts"]
    } else {
        &["py", "js", "mjs", "cjs", "ts", "mts", "cts"]
    };
    let candidates = [module.to_string(), module.replace('.', "/")];
    for m in &candidates {
        for ext in exts {
            let p = dir.join(format!("{m}.{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
        // A Python package handler (`pkg.handler` with `pkg/__init__.py`).
        let init = dir.join(m).join("__init__.py");
        if runtime.starts_with("python") && init.is_file() {
            return Some(init);
        }
    }
    // A compiled handler (`dist/index.handler`) whose source is TypeScript elsewhere.
    let stem = Path::new(module).file_name()?.to_str()?;
    ["ts", "mts", "js", "mjs"]
        .iter()
        .map(|ext| dir.join("src").join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

pub fn language_of_runtime(runtime: &str) -> Option<Language> {
    if runtime.starts_with("python") {
        Some(Language::Python)
    } else if runtime.starts_with("nodejs") {
        Some(Language::Javascript)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_only_when_the_handler_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/handlers")).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join("src/handlers/orders.py"), "import lib.db\n").unwrap();
        std::fs::write(root.join("src/handlers/other.py"), "").unwrap();
        std::fs::write(root.join("lib/db.py"), "").unwrap();
        let file = root.join("serverless.yml");
        let at = Declared {
            function: "orders",
            file: &file,
            line: Some(3),
            root: None,
        };
        let mut diags = Vec::new();
        let code = locate(
            root,
            Some("src/handlers/orders.main"),
            "python3.12",
            &[],
            &at,
            &mut diags,
        )
        .unwrap();
        assert_eq!(code.files, [root.join("src/handlers/orders.py")]);
        assert_eq!(code.path, root.join("src/handlers"));
        assert_eq!(code.root, root);
        assert!(diags.is_empty());
        let code = locate(root, Some("src/handlers/nope.main"), "python3.12", &[], &at, &mut diags).unwrap();
        assert_eq!(code.files.len(), 3);
        assert!(diags[0].message.contains("no source file for handler"), "{diags:?}");
        assert_eq!(diags[0].line, Some(3));
        assert!(locate(&root.join("missing"), None, "", &[], &at, &mut diags).is_none());
    }
}

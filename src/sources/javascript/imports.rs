//! The function's module graph: which specifiers a file imports or requires, and which of
//! them are the function's own files (relative paths, `index` files, `.js`→`.ts`), never
//! leaving the function's folder and never entering `node_modules`.

use std::path::{Component, Path, PathBuf};

use tree_sitter::Node;

use super::bindings::ImportName;
use super::parse::ParsedFile;
use super::syntax::{self, *};

/// The names an `import` statement binds, each with what it takes from the module:
/// `import a, * as ns, { b as c, "d-e" as f } from "m"` → `a` Default, `ns` Namespace,
/// `c` Named(b), `f` Named(d-e) (`{ default as x }` is Default). `import type` too: a
/// parameter's type annotation may name a client.
pub fn import_bindings<'t>(file: &ParsedFile, stmt: Node<'t>) -> Vec<(Node<'t>, ImportName)> {
    let mut out = Vec::new();
    let mut cursor = stmt.walk();
    let children: Vec<Node<'t>> = stmt.children(&mut cursor).collect();
    let Some(clause) = children.iter().find(|c| c.kind() == IMPORT_CLAUSE) else {
        return out;
    };
    for part in syntax::named_children(*clause) {
        match part.kind() {
            IDENTIFIER => out.push((part, ImportName::Default)),
            NAMESPACE_IMPORT => {
                if let Some(ident) = syntax::named_children(part)
                    .into_iter()
                    .find(|c| c.kind() == IDENTIFIER)
                {
                    out.push((ident, ImportName::Namespace));
                }
            }
            NAMED_IMPORTS => {
                for spec in syntax::named_children(part)
                    .into_iter()
                    .filter(|s| s.kind() == IMPORT_SPECIFIER)
                {
                    let Some(name) = spec.child_by_field_name("name") else {
                        continue;
                    };
                    let imported = if name.kind() == STRING {
                        syntax::string_value(name, &file.source)
                    } else {
                        file.text(name).to_string()
                    };
                    let local = spec.child_by_field_name("alias").unwrap_or(name);
                    let what = if imported == "default" {
                        ImportName::Default
                    } else {
                        ImportName::Named(imported)
                    };
                    out.push((local, what));
                }
            }
            _ => {}
        }
    }
    out
}

/// Extensions tried, in order, for a specifier without one.
const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "mjs", "cjs", "jsx"];

/// Where a relative specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Local(PathBuf),
    /// The path leaves the function's folder or enters `node_modules`.
    Outside,
    Missing,
}

pub fn is_relative(spec: &str) -> bool {
    spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/')
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves `spec`, imported by `from`, to one of the function's files under `root`.
pub fn resolve_relative(from: &Path, spec: &str, root: &Path) -> Resolution {
    let dir = from.parent().unwrap_or(Path::new(""));
    let base = if spec.starts_with('/') {
        PathBuf::from(spec)
    } else {
        normalize(&dir.join(spec))
    };
    let root_norm = normalize(root);
    if !base.starts_with(&root_norm) || base.components().any(|c| c.as_os_str() == "node_modules") {
        return Resolution::Outside;
    }
    for candidate in candidates(&base) {
        if candidate.is_file() {
            // A symlink may still point elsewhere: compare real paths.
            let inside = match (std::fs::canonicalize(&candidate), std::fs::canonicalize(root)) {
                (Ok(real), Ok(real_root)) => real.starts_with(real_root),
                _ => false,
            };
            return if inside {
                Resolution::Local(candidate)
            } else {
                Resolution::Outside
            };
        }
    }
    Resolution::Missing
}

/// The files a specifier may name, in Node/TypeScript resolution order.
fn candidates(base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let ext = base.extension().and_then(|e| e.to_str()).unwrap_or("");
    if EXTENSIONS.contains(&ext) {
        out.push(base.to_path_buf());
        // TypeScript ESM writes `./repo.js` for `repo.ts`.
        let swaps: &[&str] = match ext {
            "js" => &["ts", "tsx"],
            "mjs" => &["mts"],
            "cjs" => &["cts"],
            "jsx" => &["tsx"],
            _ => &[],
        };
        out.extend(swaps.iter().map(|s| base.with_extension(s)));
    }
    for e in EXTENSIONS {
        let mut name = base.as_os_str().to_owned();
        name.push(".");
        name.push(e);
        out.push(PathBuf::from(name));
    }
    for e in EXTENSIONS {
        out.push(base.join(format!("index.{e}")));
    }
    out
}

/// A module specifier written in a file, with the line it is on.
#[derive(Debug, Clone)]
pub struct Specifier {
    pub spec: String,
    pub line: u32,
}

/// Every specifier a file imports, re-exports, requires or dynamically imports.
pub fn specifiers(file: &ParsedFile) -> Vec<Specifier> {
    let mut out = Vec::new();
    syntax::walk(file.root(), |node, enter| {
        if !enter {
            return false;
        }
        match node.kind() {
            IMPORT_STATEMENT | EXPORT_STATEMENT => {
                if let Some(src) = node.child_by_field_name("source") {
                    push_string(&mut out, src, file);
                }
            }
            IMPORT_REQUIRE_CLAUSE => {
                if let Some(src) = node.child_by_field_name("source") {
                    push_string(&mut out, src, file);
                }
            }
            CALL_EXPRESSION => {
                if let Some(spec) = require_arg(node, file) {
                    out.push(Specifier {
                        spec,
                        line: syntax::line(node),
                    });
                }
            }
            _ => {}
        }
        true
    });
    out
}

fn push_string(out: &mut Vec<Specifier>, node: Node<'_>, file: &ParsedFile) {
    if node.kind() == STRING {
        out.push(Specifier {
            spec: syntax::string_value(node, &file.source),
            line: syntax::line(node),
        });
    }
}

/// `require("x")` or `import("x")` → `x`.
pub fn require_arg(call: Node<'_>, file: &ParsedFile) -> Option<String> {
    let callee = call.child_by_field_name("function")?;
    let is_loader = match callee.kind() {
        IDENTIFIER => file.text(callee) == "require",
        IMPORT => true,
        _ => false,
    };
    if !is_loader {
        return None;
    }
    let args = call.child_by_field_name("arguments")?;
    let first = syntax::named_children(args).into_iter().next()?;
    (first.kind() == STRING).then(|| syntax::string_value(first, &file.source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c.js")), PathBuf::from("a/c.js"));
        assert_eq!(normalize(Path::new("/r/f/../../x")), PathBuf::from("/x"));
    }

    #[test]
    fn relative_specifiers() {
        assert!(is_relative("./lib"));
        assert!(is_relative("../x"));
        assert!(!is_relative("aws-sdk"));
        assert!(!is_relative("@aws-sdk/client-s3"));
    }
}

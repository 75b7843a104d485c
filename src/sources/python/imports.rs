//! The function's module graph: which local module each import names, and the loading
//! of every module reachable through local imports (never outside the function root).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tree_sitter::Node;

use crate::diagnostics::Diagnostic;
use crate::sources::walk;

use super::kinds as k;
use super::parse::{ParsedFile, named_children, parse_file, preorder};

/// Top-level packages that are never the function's own code, even when vendored into
/// its folder: the analyser models them itself.
const MODELLED_PACKAGES: &[&str] = &["boto3", "botocore", "s3transfer", "os", "functools"];

/// What one imported name refers to, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRef {
    /// Leading dots of a relative import.
    pub level: usize,
    /// The dotted module after the dots (`a.b` of `from ..a.b import c`).
    pub module: String,
    /// The imported name (`c`), `None` for `import a.b`, `*` for a wildcard.
    pub name: Option<String>,
}

/// One name an import statement binds.
#[derive(Debug, Clone)]
pub struct ImportBinding {
    pub local: String,
    pub target: ImportRef,
}

/// What an import resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A local module or package (dotted name).
    Module(String),
    /// A name defined in a local module.
    Name(String, String),
    /// Something outside the function (`boto3.client`, `os.environ`): its dotted name.
    External(String),
}

/// The function's local modules.
#[derive(Debug, Default)]
pub struct ModuleTable {
    /// Dotted module name → index into the parsed files.
    pub files: BTreeMap<String, usize>,
    /// Packages (folders), including namespace packages without `__init__.py`.
    pub packages: BTreeSet<String>,
    /// Module name of each parsed file.
    pub names: Vec<String>,
    /// Top-level packages installed into the function folder (`pip install -t .`): third-
    /// party code, not the function's own.
    pub vendored: BTreeSet<String>,
}

/// Dotted module name of a root-relative path (`inventory/store.py` → `inventory.store`).
pub fn module_name(rel: &str) -> String {
    let stem = rel.strip_suffix(".py").unwrap_or(rel);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

/// The names an import statement binds.
pub fn import_bindings(file: &ParsedFile, node: Node<'_>) -> Vec<ImportBinding> {
    let mut out = Vec::new();
    match node.kind() {
        k::IMPORT_STATEMENT => {
            for item in named_children(node) {
                match item.kind() {
                    k::DOTTED_NAME => {
                        let dotted = file.text(item).to_string();
                        let first = dotted.split('.').next().unwrap_or("").to_string();
                        out.push(ImportBinding {
                            local: first.clone(),
                            target: ImportRef {
                                level: 0,
                                module: first,
                                name: None,
                            },
                        });
                    }
                    k::ALIASED_IMPORT => {
                        let (Some(name), Some(alias)) =
                            (item.child_by_field_name("name"), item.child_by_field_name("alias"))
                        else {
                            continue;
                        };
                        out.push(ImportBinding {
                            local: file.text(alias).to_string(),
                            target: ImportRef {
                                level: 0,
                                module: file.text(name).to_string(),
                                name: None,
                            },
                        });
                    }
                    _ => {}
                }
            }
        }
        k::IMPORT_FROM_STATEMENT => {
            let Some(module) = node.child_by_field_name("module_name") else {
                return out;
            };
            let (level, dotted) = if module.kind() == k::RELATIVE_IMPORT {
                let mut level = 0;
                let mut dotted = String::new();
                for part in named_children(module) {
                    match part.kind() {
                        k::IMPORT_PREFIX => level = file.text(part).chars().filter(|c| *c == '.').count(),
                        k::DOTTED_NAME => dotted = file.text(part).to_string(),
                        _ => {}
                    }
                }
                (level, dotted)
            } else {
                (0, file.text(module).to_string())
            };
            let mut cursor = node.walk();
            for item in node.children_by_field_name("name", &mut cursor) {
                let (name, local) = match item.kind() {
                    k::ALIASED_IMPORT => {
                        let (Some(n), Some(a)) = (item.child_by_field_name("name"), item.child_by_field_name("alias"))
                        else {
                            continue;
                        };
                        (file.text(n).to_string(), file.text(a).to_string())
                    }
                    _ => (file.text(item).to_string(), file.text(item).to_string()),
                };
                out.push(ImportBinding {
                    local,
                    target: ImportRef {
                        level,
                        module: dotted.clone(),
                        name: Some(name),
                    },
                });
            }
            if named_children(node).iter().any(|c| c.kind() == k::WILDCARD_IMPORT) {
                out.push(ImportBinding {
                    local: "*".into(),
                    target: ImportRef {
                        level,
                        module: dotted,
                        name: Some("*".into()),
                    },
                });
            }
        }
        _ => {}
    }
    out
}

impl ModuleTable {
    pub fn is_module(&self, name: &str) -> bool {
        self.files.contains_key(name) || self.packages.contains(name)
    }

    fn is_package_file(&self, module: &str) -> bool {
        self.packages.contains(module)
    }

    /// The absolute dotted module an import names, if it is local.
    fn local_module(&self, from: &str, r: &ImportRef) -> Option<String> {
        if r.level > 0 {
            let mut base: Vec<&str> = from.split('.').filter(|s| !s.is_empty()).collect();
            if !self.is_package_file(from) {
                base.pop();
            }
            for _ in 1..r.level {
                base.pop()?;
            }
            let mut name = base.join(".");
            if !r.module.is_empty() {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&r.module);
            }
            return Some(name);
        }
        let top = r.module.split('.').next().unwrap_or("");
        if MODELLED_PACKAGES.contains(&top) || self.vendored.contains(top) {
            return None;
        }
        if self.is_module(&r.module) {
            return Some(r.module.clone());
        }
        // The importing file's own folder is on the path when the function root is above
        // it (a handler in `src/` importing `util`).
        let mut base: Vec<&str> = from.split('.').collect();
        base.pop();
        while !base.is_empty() {
            let candidate = format!("{}.{}", base.join("."), r.module);
            if self.is_module(&candidate) {
                return Some(candidate);
            }
            base.pop();
        }
        None
    }

    /// What an import in module `from` refers to.
    pub fn resolve(&self, from: &str, r: &ImportRef) -> Resolved {
        let external = || {
            let mut s = r.module.clone();
            if let Some(n) = &r.name {
                s.push('.');
                s.push_str(n);
            }
            Resolved::External(s)
        };
        let Some(module) = self.local_module(from, r) else {
            return external();
        };
        match &r.name {
            None => Resolved::Module(module),
            Some(name) => {
                let sub = if module.is_empty() {
                    name.clone()
                } else {
                    format!("{module}.{name}")
                };
                if self.is_module(&sub) {
                    Resolved::Module(sub)
                } else {
                    Resolved::Name(module, name.clone())
                }
            }
        }
    }
}

/// Parses `files` and every local module they import, transitively.
pub fn load(root: &Path, files: &[PathBuf], diags: &mut Vec<Diagnostic>) -> (Vec<ParsedFile>, ModuleTable) {
    // Every Python file under the root, by module name: what an import may name.
    let mut available: BTreeMap<String, PathBuf> = BTreeMap::new();
    let vendored = vendored_packages(root);
    let third_party = |rel: &str| {
        let top = module_name(rel);
        let top = top.split('.').next().unwrap_or("").to_string();
        MODELLED_PACKAGES.contains(&top.as_str()) || vendored.contains(&top)
    };
    let mut avail = ModuleTable {
        vendored: vendored.clone(),
        ..ModuleTable::default()
    };
    let files: Vec<PathBuf> = files
        .iter()
        .filter(|f| !third_party(&rel_path(root, f)))
        .cloned()
        .collect();
    let files = files.as_slice();
    for path in walk::source_files(root).iter().chain(files) {
        if path.extension().is_some_and(|e| e == "py") && !third_party(&rel_path(root, path)) {
            let rel = rel_path(root, path);
            note_packages(&rel, &mut avail.packages);
            avail.files.insert(module_name(&rel), 0);
            available.entry(module_name(&rel)).or_insert_with(|| path.clone());
        }
    }
    let mut table = ModuleTable {
        packages: avail.packages.clone(),
        vendored: avail.vendored.clone(),
        ..ModuleTable::default()
    };
    let mut parsed: Vec<ParsedFile> = Vec::new();
    let mut queue: Vec<PathBuf> = files.to_vec();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut next = 0;
    while next < queue.len() {
        let path = queue[next].clone();
        next += 1;
        let rel = rel_path(root, &path);
        let name = module_name(&rel);
        if !seen.insert(rel.clone()) {
            continue;
        }
        let Some(file) = parse_file(&path, diags) else { continue };
        table.files.entry(name.clone()).or_insert(parsed.len());
        table.names.push(name.clone());
        for r in imports_of(&file) {
            let wanted = match avail.resolve(&name, &r) {
                Resolved::Module(m) | Resolved::Name(m, _) => m,
                Resolved::External(_) => continue,
            };
            // A package's `__init__` runs before its submodule.
            let mut parts: Vec<&str> = wanted.split('.').collect();
            while !parts.is_empty() {
                if let Some(p) = available.get(&parts.join(".")) {
                    queue.push(p.clone());
                }
                parts.pop();
            }
        }
        parsed.push(file);
    }
    (parsed, table)
}

/// Top-level modules of the distributions installed into `root` (their
/// `*.dist-info/RECORD` lists the files each installed).
fn vendored_packages(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return out;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".dist-info") || name.ends_with(".egg-info")) {
            continue;
        }
        // Bounded and regular files only: a RECORD planted as a link to `/dev/zero` must
        // not read forever.
        let read = |name: &str| {
            crate::sources::contained::read_regular_text(&entry.path().join(name), crate::sources::contained::MAX_BYTES)
        };
        let record = read("RECORD").or_else(|_| read("top_level.txt")).unwrap_or_default();
        for line in record.lines().take(100_000) {
            let path = line.split(',').next().unwrap_or("");
            let top = path.split('/').next().unwrap_or("").trim();
            let top = top.strip_suffix(".py").unwrap_or(top);
            if !top.is_empty() && !top.contains('.') && top != "__pycache__" && top != "bin" {
                out.insert(top.to_string());
            }
        }
    }
    out
}

fn imports_of(file: &ParsedFile) -> Vec<ImportRef> {
    let mut out = Vec::new();
    preorder(file.tree.root_node(), |n| {
        if matches!(n.kind(), k::IMPORT_STATEMENT | k::IMPORT_FROM_STATEMENT) {
            let node_imports = import_bindings(file, n);
            for b in node_imports {
                // `import a.b` binds `a` but loads `a.b`.
                out.push(b.target);
            }
            if n.kind() == k::IMPORT_STATEMENT {
                for item in named_children(n) {
                    let dotted = match item.kind() {
                        k::DOTTED_NAME => file.text(item),
                        k::ALIASED_IMPORT => item.child_by_field_name("name").map(|x| file.text(x)).unwrap_or(""),
                        _ => "",
                    };
                    out.push(ImportRef {
                        level: 0,
                        module: dotted.to_string(),
                        name: None,
                    });
                }
            }
            return false;
        }
        true
    });
    out
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    };
    rel.to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_string()
}

fn note_packages(rel: &str, packages: &mut BTreeSet<String>) {
    let parts: Vec<&str> = rel.split('/').collect();
    for i in 1..parts.len() {
        packages.insert(parts[..i].join("."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        assert_eq!(module_name("inventory/store.py"), "inventory.store");
        assert_eq!(module_name("inventory/__init__.py"), "inventory");
        assert_eq!(module_name("handler.py"), "handler");
    }

    #[test]
    fn relative_and_absolute_resolution() {
        let mut t = ModuleTable::default();
        for (i, m) in ["handler", "pkg", "pkg.util", "pkg.sub.deep", "src.app", "src.helpers"]
            .iter()
            .enumerate()
        {
            t.files.insert(m.to_string(), i);
        }
        t.packages
            .extend(["pkg".to_string(), "pkg.sub".to_string(), "src".to_string()]);
        let r = |level, module: &str, name: Option<&str>| ImportRef {
            level,
            module: module.into(),
            name: name.map(String::from),
        };
        assert_eq!(
            t.resolve("pkg.sub.deep", &r(2, "util", Some("put"))),
            Resolved::Name("pkg.util".into(), "put".into())
        );
        assert_eq!(
            t.resolve("pkg", &r(1, "", Some("util"))),
            Resolved::Module("pkg.util".into())
        );
        assert_eq!(
            t.resolve("handler", &r(0, "pkg", Some("util"))),
            Resolved::Module("pkg.util".into())
        );
        assert_eq!(
            t.resolve("handler", &r(0, "boto3", Some("client"))),
            Resolved::External("boto3.client".into())
        );
        assert_eq!(
            t.resolve("src.app", &r(0, "helpers", None)),
            Resolved::Module("src.helpers".into())
        );
    }
}

#[cfg(test)]
mod vendored_tests {
    use super::vendored_packages;

    #[test]
    fn a_record_linked_to_a_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let info = dir.path().join("evil-1.0.dist-info");
        std::fs::create_dir(&info).unwrap();
        std::os::unix::fs::symlink("/dev/zero", info.join("RECORD")).unwrap();
        std::fs::write(info.join("top_level.txt"), "evil\n").unwrap();
        let good = dir.path().join("requests-2.0.dist-info");
        std::fs::create_dir(&good).unwrap();
        std::fs::write(good.join("RECORD"), "requests/__init__.py,sha256=x,1\n").unwrap();
        let found = vendored_packages(dir.path());
        assert!(found.contains("requests"), "{found:?}");
        assert!(found.contains("evil"), "falls back to top_level.txt: {found:?}");
    }
}

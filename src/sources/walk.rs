//! Walking a project folder safely: never out of the root, never into dependencies.

use std::path::{Path, PathBuf};

use crate::sources::Language;

/// Folders that hold dependencies, build output or tool state, never a function's own code.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    ".aws-sam",
    ".serverless",
    ".terraform",
    "cdk.out",
    ".mypy_cache",
    ".pytest_cache",
    ".tox",
    "site-packages",
];

pub fn is_skipped_dir(name: &str) -> bool {
    SKIPPED_DIRS.contains(&name)
}

/// Source files under `dir` (recursively), sorted; symlinks are not followed, so a link
/// loop or a link pointing outside the project is never entered.
pub fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(is_skipped_dir))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && Language::from_path(e.path()).is_some())
        .filter(|e| !is_declaration_file(e.path()))
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// The symbolic links under `dir` (recursively, outside skipped folders) that
/// [`source_files`] does not follow although they could hold code: links to folders and
/// links named like a source file, sorted. Each is reported, so no code disappears
/// silently.
pub fn skipped_links(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && e.file_name().to_str().is_some_and(is_skipped_dir)))
        .filter_map(Result::ok)
        .filter(|e| e.path_is_symlink())
        .filter(|e| {
            let p = e.path();
            !e.file_name().to_str().is_some_and(is_skipped_dir)
                && (p.is_dir() || Language::from_path(p).is_some() && !is_declaration_file(p))
        })
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// `.d.ts` files declare types only.
fn is_declaration_file(path: &Path) -> bool {
    name_ends_with(path, ".d.ts")
}

/// Source files directly inside `dir` (not in subfolders).
pub fn direct_source_files(dir: &Path) -> Vec<PathBuf> {
    direct_entries(dir, |p| {
        // The entry itself, not what a symlink points to.
        p.symlink_metadata().is_ok_and(|m| m.is_file()) && Language::from_path(p).is_some() && !is_declaration_file(p)
    })
}

/// The entries directly inside `dir` that `keep` accepts, sorted; none when it cannot be
/// read.
pub fn direct_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| keep(p))
        .collect();
    out.sort();
    out
}

/// Does the entry's file name end with `suffix`?
pub fn name_ends_with(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(suffix))
}

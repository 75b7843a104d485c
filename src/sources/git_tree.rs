//! The files of a git revision, written into a temporary folder for `diff --base REF`.
//! Only git plumbing that runs no repository code is used (`rev-parse`, `ls-tree`,
//! `cat-file --batch`): no checkout, no hooks, no filters; blobs are written byte for
//! byte, symlinks and submodules are skipped. The folder is removed when dropped.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the revision could not be read (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git: cannot run: {0}")]
    Spawn(std::io::Error),
    #[error("{dir}: not in a git repository")]
    NotARepository { dir: PathBuf },
    #[error("--base {rev}: not a commit of this repository: {message}")]
    BadRevision { rev: String, message: String },
    #[error("git {what}: {message}")]
    Failed { what: &'static str, message: String },
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// A revision's files on disk.
#[derive(Debug)]
pub struct Tree {
    /// The folder holding the files (removed on drop).
    pub root: PathBuf,
    /// The repository's top-level folder the files come from.
    pub repo: PathBuf,
    /// The full commit id.
    pub commit: String,
    pub files: usize,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Tree {
    /// Where a path of the working tree is in this copy (`None` outside the repository).
    pub fn map(&self, path: &Path) -> Option<PathBuf> {
        let abs = std::fs::canonicalize(path).ok().or_else(|| {
            // A path the change deleted: resolve its parent.
            let parent = std::fs::canonicalize(path.parent()?).ok()?;
            Some(parent.join(path.file_name()?))
        })?;
        let rel = abs.strip_prefix(&self.repo).ok()?;
        Some(self.root.join(rel))
    }

    /// The working-tree path (as `cwd` sees it) of a path in this copy.
    pub fn unmap(&self, path: &Path, cwd: &Path) -> PathBuf {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return path.to_path_buf();
        };
        let abs = self.repo.join(rel);
        match abs.strip_prefix(cwd) {
            Ok(r) => r.to_path_buf(),
            Err(_) => abs,
        }
    }
}

fn git(dir: &Path, args: &[&str], what: &'static str) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)?;
    if !out.status.success() {
        return Err(GitError::Failed {
            what,
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Writes the files of `rev` of the repository holding `dir` into a new temporary folder.
pub fn checkout(dir: &Path, rev: &str) -> Result<Tree, GitError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"], "rev-parse")
        .map_err(|_| GitError::NotARepository { dir: dir.to_path_buf() })?;
    let repo = std::fs::canonicalize(top.trim()).map_err(|_| GitError::NotARepository { dir: dir.to_path_buf() })?;
    let commit = git(
        &repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ],
        "rev-parse",
    )
    .map_err(|e| GitError::BadRevision {
        rev: rev.to_string(),
        message: match e {
            GitError::Failed { message, .. } if !message.is_empty() => message,
            _ => "unknown revision".into(),
        },
    })?
    .trim()
    .to_string();
    let listing = git(&repo, &["ls-tree", "-r", "-z", "--full-tree", &commit], "ls-tree")?;
    let mut blobs: Vec<(String, PathBuf)> = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (mode, kind, sha) = (parts.next(), parts.next(), parts.next());
        if kind != Some("blob") || !matches!(mode, Some("100644" | "100755")) {
            continue;
        }
        let rel = PathBuf::from(path);
        if rel.components().all(|c| matches!(c, Component::Normal(_))) {
            blobs.push((sha.unwrap_or_default().to_string(), rel));
        }
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let root = std::env::temp_dir().join(format!("leastpriv-base-{}-{nanos}", std::process::id()));
    let tree = Tree {
        root,
        repo,
        commit,
        files: blobs.len(),
    };
    // An empty `.git` marks the copy as the repository, so that containment
    // (`sources::contained`) and the config search stop at its root as they do in the
    // working tree.
    std::fs::create_dir_all(tree.root.join(".git")).map_err(|source| GitError::Write {
        path: tree.root.clone(),
        source,
    })?;
    write_blobs(&tree, &blobs)?;
    Ok(tree)
}

/// Streams the blobs through one `git cat-file --batch`.
fn write_blobs(tree: &Tree, blobs: &[(String, PathBuf)]) -> Result<(), GitError> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&tree.repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(GitError::Spawn)?;
    let mut stdin = child.stdin.take().ok_or_else(|| failed("no stdin"))?;
    let ids: String = blobs.iter().map(|(sha, _)| format!("{sha}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().ok_or_else(|| failed("no stdout"))?);
    for (_, rel) in blobs {
        let mut header = String::new();
        out.read_line(&mut header).map_err(|e| failed(&e.to_string()))?;
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| failed(&format!("unexpected answer {header:?}")))?;
        let mut bytes = vec![0; size + 1];
        out.read_exact(&mut bytes).map_err(|e| failed(&e.to_string()))?;
        bytes.pop();
        let path = tree.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &bytes).map_err(|source| GitError::Write { path, source })?;
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(())
}

fn failed(message: &str) -> GitError {
    GitError::Failed {
        what: "cat-file",
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn a_revision_is_written_without_a_checkout() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        run(d, &["init", "-q"]);
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/app.py"), "v1\n").unwrap();
        run(d, &["add", "."]);
        run(d, &["commit", "-q", "-m", "one"]);
        std::fs::write(d.join("src/app.py"), "v2\n").unwrap();
        std::fs::write(d.join("new.py"), "x").unwrap();
        let tree = checkout(d, "HEAD").unwrap();
        assert_eq!(std::fs::read_to_string(tree.root.join("src/app.py")).unwrap(), "v1\n");
        assert!(!tree.root.join("new.py").exists());
        assert_eq!(tree.files, 1);
        assert!(tree.root.join(".git").is_dir(), "the copy is marked as the repository");
        let mapped = tree.map(&d.join("src")).unwrap();
        assert_eq!(mapped, tree.root.join("src"));
        let back = tree.unmap(&tree.root.join("src/app.py"), &tree.repo);
        assert_eq!(back, PathBuf::from("src/app.py"));
        let root = tree.root.clone();
        drop(tree);
        assert!(!root.exists());
        assert!(matches!(checkout(d, "no-such-ref"), Err(GitError::BadRevision { .. })));
    }
}

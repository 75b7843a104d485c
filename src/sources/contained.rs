//! Reading a file a deployment definition names (Terraform `file()`, Serverless
//! `${file(...)}`, a nested stack, a module, a template found in a folder): only a
//! regular file that resolves, symlinks included, inside the repository, under a size
//! cap, read with a bounded reader. Anything else is refused with the reason, unread.

use std::fmt;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// The largest definition file, or file a definition pulls in, that is read.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Kernel pseudo-file systems: never a file of a repository, whatever the root.
const PSEUDO_FS: &[&str] = &["/proc", "/sys", "/dev"];

/// The folder every path a definition names must resolve under: the repository (the
/// nearest folder above the definition holding `.git`), else the definition's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(PathBuf);

/// Why a named path was not read. Never carries the file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Outside,
    /// Under `.git`: git's own files (a CI checkout keeps its token in `.git/config`).
    GitMetadata,
    NotRegular(&'static str),
    NotFolder,
    TooLarge(u64),
    Unreadable(String),
    NotText,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Missing => f.write_str("does not exist"),
            Refusal::Outside => f.write_str("is outside the repository"),
            Refusal::GitMetadata => f.write_str("is in the repository's .git folder"),
            Refusal::NotRegular(kind) => write!(f, "is {kind}, not a regular file"),
            Refusal::NotFolder => f.write_str("is not a folder"),
            Refusal::TooLarge(limit) => write!(f, "is larger than the {limit}-byte limit"),
            Refusal::Unreadable(e) => write!(f, "cannot be read ({e})"),
            Refusal::NotText => f.write_str("is not UTF-8 text"),
        }
    }
}

impl Root {
    /// The root for a definition at `path` (a file or a folder).
    pub fn of(path: &Path) -> Root {
        let abs = lexical(path);
        // A file's own link is never followed: the root is where the definition is
        // written, not where a link in the repository points.
        let start = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or_else(|| abs.clone())
        };
        let start = absolute(&start);
        // A synthesized CDK template names the app's folders, one up.
        let start = if start.file_name().is_some_and(|n| n == "cdk.out") {
            start.parent().map(Path::to_path_buf).unwrap_or(start)
        } else {
            start
        };
        let repo = start
            .ancestors()
            .find(|a| a.join(".git").exists())
            .map(Path::to_path_buf);
        Root(repo.unwrap_or(start))
    }

    /// A root at exactly `dir` (tests, and callers that know theirs).
    pub fn at(dir: &Path) -> Root {
        Root(absolute(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `path` resolved (symlinks followed) when it exists and lies under the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        if !self.0.is_absolute() {
            return Err(Refusal::Outside);
        }
        let lexical = lexical(path);
        if PSEUDO_FS.iter().any(|p| lexical.starts_with(p)) {
            return Err(Refusal::Outside);
        }
        let canon = std::fs::canonicalize(path).map_err(|_| {
            if lexical.starts_with(&self.0) {
                Refusal::Missing
            } else {
                Refusal::Outside
            }
        })?;
        let Ok(inside) = canon.strip_prefix(&self.0) else {
            return Err(Refusal::Outside);
        };
        if PSEUDO_FS.iter().any(|p| canon.starts_with(p)) {
            return Err(Refusal::Outside);
        }
        if inside.components().any(|c| c.as_os_str() == ".git") {
            return Err(Refusal::GitMetadata);
        }
        Ok(canon)
    }

    /// A folder under the root, resolved.
    pub fn dir(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let canon = self.resolve(path)?;
        if canon.is_dir() {
            Ok(canon)
        } else {
            Err(Refusal::NotFolder)
        }
    }

    /// The bytes of a regular file under the root, at most `max` of them.
    pub fn read_bytes(&self, path: &Path, max: u64) -> Result<Vec<u8>, Refusal> {
        read_regular(&self.resolve(path)?, max)
    }

    /// The UTF-8 text of a regular file under the root, at most `max` bytes.
    pub fn read_text(&self, path: &Path, max: u64) -> Result<String, Refusal> {
        String::from_utf8(self.read_bytes(path, max)?).map_err(|_| Refusal::NotText)
    }
}

/// The bytes of `path` when it is a regular file of at most `max` bytes, wherever it is
/// (for files the user names, and files already known to be inside the root).
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Refusal> {
    if std::fs::canonicalize(path).is_ok_and(|c| PSEUDO_FS.iter().any(|p| c.starts_with(p))) {
        return Err(Refusal::NotRegular("a kernel pseudo-file"));
    }
    let meta = std::fs::metadata(path).map_err(|e| Refusal::Unreadable(e.kind().to_string()))?;
    regular(&meta)?;
    if meta.len() > max {
        return Err(Refusal::TooLarge(max));
    }
    let file = std::fs::File::open(path).map_err(|e| Refusal::Unreadable(e.kind().to_string()))?;
    // The handle, not the path: what was opened is what was checked.
    regular(&file.metadata().map_err(|e| Refusal::Unreadable(e.kind().to_string()))?)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Unreadable(e.kind().to_string()))?;
    if bytes.len() as u64 > max {
        return Err(Refusal::TooLarge(max));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> Result<String, Refusal> {
    String::from_utf8(read_regular(path, max)?).map_err(|_| Refusal::NotText)
}

fn regular(meta: &std::fs::Metadata) -> Result<(), Refusal> {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "a special file"
    };
    Err(Refusal::NotRegular(kind))
}

/// `path` made absolute against the working folder, canonical where it exists.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| lexical(path))
}

/// `path` absolute with `.` and `..` folded, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo/infra")).unwrap();
        std::fs::write(dir.path().join("repo/infra/env.yml"), "BUCKET: media\n").unwrap();
        std::fs::write(dir.path().join("outside.yml"), "SECRET: x\n").unwrap();
        let root = Root::of(&dir.path().join("repo/infra/serverless.yml"));
        (dir, root)
    }

    #[test]
    fn the_root_is_the_repository_else_the_definitions_folder() {
        let (dir, root) = repo();
        assert_eq!(root.path(), std::fs::canonicalize(dir.path().join("repo")).unwrap());
        let plain = Root::of(&dir.path().join("outside.yml"));
        assert_eq!(plain.path(), std::fs::canonicalize(dir.path()).unwrap());
    }

    #[test]
    fn reads_a_regular_file_inside() {
        let (dir, root) = repo();
        let text = root.read_text(&dir.path().join("repo/infra/../infra/env.yml"), MAX_BYTES);
        assert_eq!(text.unwrap(), "BUCKET: media\n");
    }

    #[test]
    fn refuses_paths_out_of_the_root_and_pseudo_files() {
        let (dir, root) = repo();
        let escape = dir.path().join("repo/infra/../../outside.yml");
        assert_eq!(root.read_text(&escape, MAX_BYTES), Err(Refusal::Outside));
        for p in [
            "/proc/self/environ",
            "/etc/passwd",
            "/dev/zero",
            "/dev/stdin",
            "/nonexistent/x",
        ] {
            assert_eq!(root.read_text(Path::new(p), MAX_BYTES), Err(Refusal::Outside), "{p}");
        }
        assert_eq!(
            root.read_text(&dir.path().join("repo/infra/missing.yml"), MAX_BYTES),
            Err(Refusal::Missing)
        );
    }

    #[test]
    fn refuses_gits_own_files() {
        let (dir, root) = repo();
        std::fs::write(dir.path().join("repo/.git/config"), "extraheader = AUTHORIZATION: x\n").unwrap();
        let infra = dir.path().join("repo/infra");
        std::os::unix::fs::symlink("../.git/config", infra.join("cfg")).unwrap();
        for p in [infra.join("../.git/config"), infra.join("cfg")] {
            assert_eq!(root.read_text(&p, MAX_BYTES), Err(Refusal::GitMetadata), "{p:?}");
        }
    }

    #[test]
    fn refuses_symlinks_leaving_the_root() {
        let (dir, root) = repo();
        let infra = dir.path().join("repo/infra");
        std::os::unix::fs::symlink("/proc/self/environ", infra.join("environ")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.yml"), infra.join("out.yml")).unwrap();
        std::os::unix::fs::symlink("env.yml", infra.join("in.yml")).unwrap();
        assert_eq!(root.read_text(&infra.join("environ"), MAX_BYTES), Err(Refusal::Outside));
        assert_eq!(root.read_text(&infra.join("out.yml"), MAX_BYTES), Err(Refusal::Outside));
        assert_eq!(
            root.read_text(&infra.join("in.yml"), MAX_BYTES).unwrap(),
            "BUCKET: media\n"
        );
    }

    #[test]
    fn refuses_what_is_not_a_small_regular_file() {
        let (dir, root) = repo();
        let infra = dir.path().join("repo/infra");
        assert_eq!(root.read_text(&infra, MAX_BYTES), Err(Refusal::NotRegular("a folder")));
        std::os::unix::fs::symlink("/dev/zero", infra.join("zero")).unwrap();
        assert_eq!(root.read_text(&infra.join("zero"), MAX_BYTES), Err(Refusal::Outside));
        let fifo = infra.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert_eq!(root.read_text(&fifo, MAX_BYTES), Err(Refusal::NotRegular("a FIFO")));
        assert_eq!(root.read_text(&infra.join("env.yml"), 4), Err(Refusal::TooLarge(4)));
        std::fs::write(infra.join("bin"), b"\xff\xfe").unwrap();
        assert_eq!(root.read_text(&infra.join("bin"), MAX_BYTES), Err(Refusal::NotText));
        assert_eq!(Refusal::Outside.to_string(), "is outside the repository");
    }
}

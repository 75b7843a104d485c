//! `--out DIR`: one file per function, written without ever following a link the folder
//! (which may be in the repository under analysis) holds, and refused when two functions
//! would share a file.
//!
//! Each file is written to a new temporary file in DIR (`O_CREAT|O_EXCL`, which never
//! follows a link) and renamed over its name: a link planted at that name is replaced,
//! never written through, and a hard link to another file leaves that file as it was.
//! DIR itself, and every folder of a relative DIR, must be a real folder, not a link.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// The longest file stem written; a longer function name is cut (and a clash caught).
const MAX_STEM: usize = 200;

/// A function's name as a file stem: ASCII letters, digits, `-`, `_` and `.` kept, any
/// other character `_`, never starting with `.`, at most [`MAX_STEM`] bytes.
pub fn stem(name: &str) -> String {
    let mut stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_STEM)
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        stem.insert(0, '_');
    }
    stem
}

/// One file to write: the function it is for (its place in the run, and its name), its
/// file name in DIR and its text.
pub struct OutFile {
    pub index: usize,
    pub function: String,
    pub name: String,
    pub text: String,
}

/// Writes every file into `dir`, or none: two functions whose files share a name (case
/// folded, for case-insensitive file systems) and a link on DIR's path are errors.
pub fn write_all(dir: &Path, files: &[OutFile]) -> Result<()> {
    let mut owner: BTreeMap<String, &OutFile> = BTreeMap::new();
    for f in files {
        if let Some(first) = owner.insert(f.name.to_lowercase(), f)
            && first.index != f.index
        {
            bail!(
                "--out {}: functions {:?} and {:?} both map to the file {}: write to stdout, or analyse them apart",
                dir.display(),
                first.function,
                f.function,
                f.name
            );
        }
    }
    prepare_dir(dir)?;
    for f in files {
        write_one(dir, &f.name, &f.text)?;
    }
    Ok(())
}

/// Creates DIR if missing; refuses it when it, or a folder of a relative DIR (or of the
/// part of an absolute DIR below the working directory), is a link.
fn prepare_dir(dir: &Path) -> Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    // The prefix of DIR the user vouches for: nothing of a relative DIR, the working
    // directory of one below it, all but the last folder of one elsewhere.
    let trusted: PathBuf = if dir.is_relative() {
        PathBuf::new()
    } else if dir.starts_with(&cwd) {
        cwd
    } else {
        dir.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    if !trusted.as_os_str().is_empty() {
        std::fs::create_dir_all(&trusted)
            .with_context(|| format!("--out {}: cannot create {}", dir.display(), trusted.display()))?;
    }
    let rest = dir.strip_prefix(&trusted).unwrap_or(dir);
    let mut at = trusted.clone();
    let mut below = false;
    for part in rest.components() {
        match part {
            Component::Normal(p) => {
                at.push(p);
                below = true;
            }
            Component::CurDir => continue,
            // Leading `..` leave the working directory the way the user typed it.
            Component::ParentDir if !below => {
                at.push("..");
                continue;
            }
            _ => bail!(
                "--out {}: give a folder path without `..` after a folder name",
                dir.display()
            ),
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => bail!(
                "--out {}: {} is a symbolic link: refusing to write through it",
                dir.display(),
                at.display()
            ),
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!("--out {}: {} is not a folder", dir.display(), at.display()),
            // `mkdir` fails on anything already there, a link included: never follows one.
            Err(_) => std::fs::create_dir(&at)
                .with_context(|| format!("--out {}: cannot create {}", dir.display(), at.display()))?,
        }
    }
    Ok(())
}

/// Writes `text` as `dir/name` through a new temporary file renamed over it.
fn write_one(dir: &Path, name: &str, text: &str) -> Result<()> {
    let path = dir.join(name);
    let (tmp, mut file) = (0..100)
        .find_map(|i| {
            let tmp = dir.join(format!(".{name}.{}.{i}.tmp", std::process::id()));
            // create_new: O_CREAT|O_EXCL, which fails on an existing name, a dangling link included.
            let opened = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&tmp);
            opened.ok().map(|f| (tmp, f))
        })
        .with_context(|| format!("{}: cannot create a temporary file beside it", path.display()))?;
    let body = text.trim_end().to_string() + "\n";
    let written = file
        .write_all(body.as_bytes())
        .and_then(|()| file.flush())
        .and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(err) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("{}: cannot write", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_keep_only_safe_characters() {
        assert_eq!(stem("orders/v1:x\\y"), "orders_v1_x_y");
        assert_eq!(stem("..evil"), "_..evil");
        assert_eq!(stem(""), "_");
        assert_eq!(stem("a\0b\nc d"), "a_b_c_d");
        assert_eq!(stem(&"x".repeat(1000)).len(), MAX_STEM);
    }
}

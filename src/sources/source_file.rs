//! Reading one source file as text, the same way for every language: too large,
//! unreadable, binary or not UTF-8 each become a located warning, never a crash.

use std::io::Read as _;
use std::path::Path;

use crate::diagnostics::{Diagnostic, codes};

/// Bytes inspected for NUL to tell a binary file from text (as git and ripgrep do).
const SNIFF_BYTES: usize = 8 * 1024;

/// The file's text, with a warning when bytes had to be replaced; `Err` when it cannot
/// be analysed at all.
pub fn read(path: &Path, max_bytes: u64) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let warn = |msg: String| Diagnostic::warning(codes::UNREADABLE_FILE, msg).at(path, None);
    let meta = std::fs::metadata(path).map_err(|e| warn(format!("cannot read: {e}")))?;
    if meta.len() > max_bytes {
        return Err(warn(format!(
            "file of {} bytes is larger than the {max_bytes}-byte limit for hand-written code: not analysed; SDK calls in it are missed",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes).read_to_end(&mut bytes))
        .map_err(|e| warn(format!("cannot read: {e}")))?;
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return Err(warn("binary file, not source text: not analysed".into()));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, None)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let d = Diagnostic::warning(
                codes::UNREADABLE_FILE,
                "invalid UTF-8: the bad bytes were replaced and the rest analysed",
            )
            .at(path, u32::try_from(line).ok());
            Ok((text, Some(d)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_invalid_utf8_and_oversized() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("a.py");
        std::fs::write(&bin, b"\x7fELF\x00\x01\x02").unwrap();
        assert_eq!(
            read(&bin, 100).unwrap_err().message,
            "binary file, not source text: not analysed"
        );
        let bad = dir.path().join("b.py");
        std::fs::write(&bad, b"x = 1\ny = '\xff'\n").unwrap();
        let (text, warning) = read(&bad, 100).unwrap();
        assert!(text.contains('\u{fffd}'));
        assert_eq!(warning.unwrap().line, Some(2));
        assert!(
            read(&bad, 3)
                .unwrap_err()
                .message
                .contains("larger than the 3-byte limit")
        );
        assert!(
            read(&dir.path().join("missing.py"), 3)
                .unwrap_err()
                .message
                .starts_with("cannot read")
        );
    }
}

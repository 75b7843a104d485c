//! Reading and parsing one JS/TS file with the grammar its extension names, bounded in
//! size and time; syntax errors and bundles become warnings, never failures.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tree_sitter::{Node, Parser, Tree};

use super::syntax;
use crate::diagnostics::{Diagnostic, codes};

/// Files larger than this are not analysed (a warning says so).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Time one file may take to parse.
const PARSE_BUDGET: Duration = Duration::from_secs(10);
/// A line this long means generated or minified code.
const MINIFIED_LINE: usize = 5_000;

/// Which grammar parses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Grammar {
    pub fn for_path(path: &Path) -> Option<Grammar> {
        match path.extension()?.to_str()? {
            "js" | "mjs" | "cjs" | "jsx" => Some(Grammar::JavaScript),
            "ts" | "mts" | "cts" => Some(Grammar::TypeScript),
            "tsx" => Some(Grammar::Tsx),
            _ => None,
        }
    }

    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

/// One parsed source file.
pub struct ParsedFile {
    pub path: PathBuf,
    pub source: String,
    pub tree: Tree,
}

impl ParsedFile {
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    pub fn text(&self, node: Node<'_>) -> &str {
        syntax::text(node, &self.source)
    }

    /// The byte offset of the first non-blank character of a 1-based line.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        let row = usize::try_from(line.checked_sub(1)?).ok()?;
        let mut offset = 0;
        for (i, text) in self.source.split_inclusive('\n').enumerate() {
            if i == row {
                return Some(offset + (text.len() - text.trim_start().len()));
            }
            offset += text.len();
        }
        None
    }
}

/// Reads and parses `path`; `None` (with a warning) when it cannot be analysed at all.
pub fn parse_file(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<ParsedFile> {
    let grammar = Grammar::for_path(path)?;
    let source = match crate::sources::source_file::read(path, MAX_FILE_BYTES) {
        Ok((text, warning)) => {
            diagnostics.extend(warning);
            text
        }
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    parse_source(path.to_path_buf(), source, grammar, diagnostics)
}

/// Parses text already read; used by [`parse_file`] and by tests.
pub fn parse_source(
    path: PathBuf,
    source: String,
    grammar: Grammar,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ParsedFile> {
    let mut parser = Parser::new();
    if parser.set_language(&grammar.language()).is_err() {
        return None;
    }
    let started = Instant::now();
    let mut progress = |_: &tree_sitter::ParseState| {
        if started.elapsed() > PARSE_BUDGET {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
    let bytes = source.as_bytes();
    let mut read = |offset: usize, _: tree_sitter::Point| bytes.get(offset..).unwrap_or(&[]);
    let Some(tree) = parser.parse_with_options(&mut read, None, Some(options)) else {
        diagnostics.push(
            Diagnostic::warning(
                codes::PARSE_ERROR,
                "parsing took too long: not analysed; SDK calls in it are missed",
            )
            .at(&path, None),
        );
        return None;
    };
    let file = ParsedFile { path, source, tree };
    if file.root().has_error() {
        let line = first_error_line(file.root());
        diagnostics.push(
            Diagnostic::warning(
                codes::PARSE_ERROR,
                "syntax error: the code around it is analysed as far as it parses; calls there may be missed",
            )
            .at(&file.path, line),
        );
    }
    if file.source.lines().any(|l| l.len() > MINIFIED_LINE) {
        diagnostics.push(
            Diagnostic::warning(
                codes::PARSE_ERROR,
                "looks minified or bundled: SDK calls inside bundled code may be missed; analyse the sources instead",
            )
            .at(&file.path, None),
        );
    }
    Some(file)
}

/// Line of the first ERROR or MISSING node, found without recursion.
fn first_error_line(root: Node<'_>) -> Option<u32> {
    let mut found = None;
    syntax::walk(root, |n, enter| {
        if !enter || found.is_some() {
            return false;
        }
        if n.is_error() || n.is_missing() {
            found = Some(syntax::line(n));
            return false;
        }
        n.has_error()
    });
    found
}

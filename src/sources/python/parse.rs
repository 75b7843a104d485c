//! Reading and parsing one Python file with tree-sitter; what cannot be read or parsed
//! becomes a warning, never a crash (syntax errors keep tree-sitter's recovered tree).

use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

use crate::diagnostics::{Diagnostic, codes};

/// Files past this size are generated or vendored, not hand-written function code.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A parsed source file.
pub struct ParsedFile {
    /// The path as the caller spelled it (reports use it).
    pub path: PathBuf,
    pub source: String,
    pub tree: Tree,
}

impl ParsedFile {
    pub fn text(&self, node: Node<'_>) -> &str {
        node.utf8_text(self.source.as_bytes()).unwrap_or("")
    }
}

/// Reads and parses `path`; `None` (with a warning) when it cannot be analysed.
pub fn parse_file(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<ParsedFile> {
    let warn = |code, msg: String| Diagnostic::warning(code, msg).at(path, None);
    // Non-UTF-8 bytes (a Latin-1 comment in a Python 2 file) become U+FFFD; the code
    // around them still parses.
    let source = match crate::sources::source_file::read(path, MAX_FILE_BYTES) {
        Ok((text, warning)) => {
            diags.extend(warning);
            text
        }
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let Some(tree) = parse_source(&source) else {
        diags.push(warn(codes::PARSE_ERROR, "tree-sitter could not parse the file".into()));
        return None;
    };
    if tree.root_node().has_error() {
        let line = first_error_line(tree.root_node());
        diags.push(
            Diagnostic::warning(
                codes::PARSE_ERROR,
                "syntax errors (invalid or Python 2 code): SDK calls inside the damaged parts may be missed",
            )
            .at(path, line),
        );
    }
    Some(ParsedFile {
        path: path.to_path_buf(),
        source,
        tree,
    })
}

pub fn parse_source(source: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
    parser.parse(source, None)
}

/// 1-based line of a node.
pub fn line_of(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX)
}

fn first_error_line(root: Node<'_>) -> Option<u32> {
    let mut found = None;
    preorder(root, |n| {
        if found.is_some() {
            return false;
        }
        if n.is_error() || n.is_missing() {
            found = Some(line_of(n));
            return false;
        }
        n.has_error()
    });
    found
}

/// Visits `root` and its descendants in source order without recursion; `visit`
/// returns whether to descend into the node's children.
pub fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    let mut descend = visit(root);
    loop {
        if descend && cursor.goto_first_child() {
            descend = visit(cursor.node());
            continue;
        }
        loop {
            if cursor.node() == root {
                return;
            }
            if cursor.goto_next_sibling() {
                descend = visit(cursor.node());
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The named children of a node.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preorder_visits_all_without_recursion() {
        let deep = format!("x = {}1{}\n", "(".repeat(3000), ")".repeat(3000));
        let tree = parse_source(&deep).unwrap();
        let mut n = 0;
        preorder(tree.root_node(), |_| {
            n += 1;
            true
        });
        assert!(n > 3000);
    }

    #[test]
    fn syntax_errors_are_located() {
        let tree = parse_source("import boto3\nprint 'py2'\nx = (\n").unwrap();
        assert!(tree.root_node().has_error());
        assert!(first_error_line(tree.root_node()).is_some());
    }
}

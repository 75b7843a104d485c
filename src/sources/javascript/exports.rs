//! What a module exports: the ESM and CommonJS exports of each local file (collected
//! once), and the values an import or `require` of a local file or SDK package yields.

use std::collections::HashMap;

use tree_sitter::Node;

use super::bindings::ImportName;
use super::eval::Eval;
use super::parse::ParsedFile;
use super::sdk;
use super::syntax::{self, *};
use super::values::{At, FileId, Value, extend_unique};

/// What one module exports, by exported name (`default` included).
#[derive(Debug, Default)]
pub struct Exports<'t> {
    pub named: HashMap<String, Vec<ExportSource<'t>>>,
    /// `export * from "x"`.
    pub star: Vec<String>,
    /// `module.exports = expr` / TypeScript `export = expr`.
    pub whole: Vec<Node<'t>>,
}

/// Where an exported name's value comes from.
#[derive(Debug, Clone)]
pub enum ExportSource<'t> {
    /// A name declared at module scope.
    Local(String),
    /// An expression or declaration node.
    Expr(Node<'t>),
    /// `export { a as b } from "x"`.
    From { spec: String, name: String },
    /// `export * as ns from "x"`.
    NamespaceFrom(String),
}

/// Collects a module's ESM and CommonJS exports.
pub fn exports(file: &ParsedFile) -> Exports<'_> {
    let mut out = Exports::default();
    for stmt in syntax::named_children(file.root()) {
        if stmt.kind() == EXPORT_STATEMENT {
            esm_export(stmt, file, &mut out);
        }
    }
    syntax::walk(file.root(), |node, enter| {
        if enter && node.kind() == ASSIGNMENT_EXPRESSION {
            cjs_export(node, file, &mut out);
        }
        enter
    });
    out
}

fn add<'t>(out: &mut Exports<'t>, name: String, source: ExportSource<'t>) {
    out.named.entry(name).or_default().push(source);
}

fn esm_export<'t>(stmt: Node<'t>, file: &'t ParsedFile, out: &mut Exports<'t>) {
    let source = stmt
        .child_by_field_name("source")
        .map(|s| syntax::string_value(s, &file.source));
    let mut cursor = stmt.walk();
    let tokens: Vec<Node<'t>> = stmt.children(&mut cursor).collect();
    let is_default = tokens.iter().any(|t| t.kind() == "default");
    let is_assign = tokens.iter().any(|t| t.kind() == "=");
    if let Some(decl) = stmt.child_by_field_name("declaration") {
        if is_default {
            add(out, "default".into(), ExportSource::Expr(decl));
        }
        for name in declared_names(decl, file) {
            add(out, name.clone(), ExportSource::Local(name));
        }
        return;
    }
    if let Some(value) = stmt.child_by_field_name("value") {
        if is_default {
            add(out, "default".into(), ExportSource::Expr(value));
        }
        return;
    }
    for child in &tokens {
        match child.kind() {
            EXPORT_CLAUSE => {
                for spec in syntax::named_children(*child)
                    .into_iter()
                    .filter(|s| s.kind() == EXPORT_SPECIFIER)
                {
                    let Some(name) = spec.child_by_field_name("name").and_then(|n| export_name(n, file)) else {
                        continue;
                    };
                    let alias = spec.child_by_field_name("alias").and_then(|n| export_name(n, file));
                    let exported = alias.unwrap_or_else(|| name.clone());
                    let src = match &source {
                        Some(spec) => ExportSource::From {
                            spec: spec.clone(),
                            name,
                        },
                        None => ExportSource::Local(name),
                    };
                    add(out, exported, src);
                }
            }
            NAMESPACE_EXPORT => {
                if let (Some(spec), Some(name)) = (&source, syntax::named_children(*child).first())
                    && let Some(name) = export_name(*name, file)
                {
                    add(out, name, ExportSource::NamespaceFrom(spec.clone()));
                }
            }
            _ if is_assign && child.is_named() && child.kind() != "comment" => out.whole.push(*child),
            _ => {}
        }
    }
    if let (Some(spec), false) = (
        &source,
        tokens
            .iter()
            .any(|t| matches!(t.kind(), EXPORT_CLAUSE | NAMESPACE_EXPORT)),
    ) {
        out.star.push(spec.clone());
    }
}

fn export_name(node: Node<'_>, file: &ParsedFile) -> Option<String> {
    match node.kind() {
        STRING => Some(syntax::string_value(node, &file.source)),
        _ => Some(file.text(node).to_string()),
    }
}

/// Names a declaration introduces at module scope (`const {a, b} = …` → a, b).
fn declared_names(decl: Node<'_>, file: &ParsedFile) -> Vec<String> {
    match decl.kind() {
        LEXICAL_DECLARATION | VARIABLE_DECLARATION => {
            let mut names = Vec::new();
            for d in syntax::named_children(decl)
                .into_iter()
                .filter(|d| d.kind() == VARIABLE_DECLARATOR)
            {
                if let Some(pattern) = d.child_by_field_name("name") {
                    syntax::walk(pattern, |n, enter| {
                        if !enter {
                            return false;
                        }
                        if matches!(n.kind(), IDENTIFIER | SHORTHAND_PROPERTY_IDENTIFIER_PATTERN) {
                            names.push(file.text(n).to_string());
                        }
                        // Default values and computed keys do not declare names.
                        !matches!(n.kind(), ASSIGNMENT_PATTERN | COMPUTED_PROPERTY_NAME) || n.id() == pattern.id()
                    });
                }
            }
            names
        }
        _ => decl
            .child_by_field_name("name")
            .map(|n| vec![file.text(n).to_string()])
            .unwrap_or_default(),
    }
}

/// `module.exports = e`, `module.exports.x = e`, `exports.x = e`.
fn cjs_export<'t>(assign: Node<'t>, file: &'t ParsedFile, out: &mut Exports<'t>) {
    let (Some(left), Some(right)) = (assign.child_by_field_name("left"), assign.child_by_field_name("right")) else {
        return;
    };
    let lhs: String = file.text(left).chars().filter(|c| !c.is_whitespace()).collect();
    if lhs == "module.exports" {
        out.whole.push(right);
    } else if let Some(name) = lhs
        .strip_prefix("module.exports.")
        .or_else(|| lhs.strip_prefix("exports."))
        && !name.contains('.')
    {
        add(out, name.to_string(), ExportSource::Expr(right));
    }
}

impl<'t> Eval<'t> {
    pub(super) fn import(&self, file: FileId, source: &str, name: &ImportName) -> Vec<Value<'t>> {
        if let Some(&target) = self.links[file].get(source) {
            return match name {
                ImportName::Namespace => vec![Value::Module(target)],
                ImportName::Default => self.module_default(target),
                ImportName::Named(n) => self.export(target, n),
            };
        }
        match sdk::package(source, self.catalog) {
            Some(pkg) => match name {
                ImportName::Namespace | ImportName::Default => vec![Value::Sdk(pkg)],
                ImportName::Named(n) => vec![sdk::member(&pkg, n, self.catalog)],
            },
            None => vec![Value::Unknown],
        }
    }

    /// `require(spec)` from `file`.
    pub fn require(&self, file: FileId, spec: &str) -> Vec<Value<'t>> {
        if let Some(&target) = self.links[file].get(spec) {
            let exports = &self.exports[target];
            if exports.whole.is_empty() {
                return vec![Value::Module(target)];
            }
            let mut out = Vec::new();
            for whole in &exports.whole {
                extend_unique(&mut out, self.eval(At::new(target, *whole)));
            }
            return out;
        }
        match sdk::package(spec, self.catalog) {
            Some(pkg) => vec![Value::Sdk(pkg)],
            None => vec![Value::Unknown],
        }
    }

    fn module_default(&self, target: FileId) -> Vec<Value<'t>> {
        if self.exports[target].named.contains_key("default") {
            return self.export(target, "default");
        }
        self.require(target, "")
            .into_iter()
            .map(|v| if v == Value::Unknown { Value::Module(target) } else { v })
            .collect()
    }

    /// The values module `target` exports as `name`.
    pub fn export(&self, target: FileId, name: &str) -> Vec<Value<'t>> {
        let key = (target, name.to_string());
        if !self.active_exports.borrow_mut().insert(key.clone()) {
            return vec![Value::Unknown];
        }
        let exports = &self.exports[target];
        let mut out = Vec::new();
        for source in exports.named.get(name).map(Vec::as_slice).unwrap_or(&[]) {
            match source {
                ExportSource::Local(local) => {
                    for idx in self.bindings[target].module_scope(local) {
                        extend_unique(&mut out, self.decl_values(target, idx, None));
                    }
                }
                ExportSource::Expr(node) => extend_unique(&mut out, self.eval(At::new(target, *node))),
                ExportSource::From { spec, name } => {
                    extend_unique(&mut out, self.import(target, spec, &ImportName::Named(name.clone())));
                }
                ExportSource::NamespaceFrom(spec) => {
                    extend_unique(&mut out, self.import(target, spec, &ImportName::Namespace));
                }
            }
        }
        if out.is_empty() {
            for spec in &exports.star {
                let found = self.import(target, spec, &ImportName::Named(name.to_string()));
                if found.iter().any(|v| *v != Value::Unknown) {
                    extend_unique(&mut out, found);
                }
            }
        }
        if out.is_empty() && !exports.whole.is_empty() {
            let mut wholes = Vec::new();
            for whole in &exports.whole {
                extend_unique(&mut wholes, self.eval(At::new(target, *whole)));
            }
            out = self.member(&wholes, name);
        }
        self.active_exports.borrow_mut().remove(&key);
        out
    }
}

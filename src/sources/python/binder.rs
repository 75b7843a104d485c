//! The syntactic pass that fills [`Scopes`]: walks a file once, in source order and
//! without recursion, recording each scope's bindings, parameters, returns, yields,
//! calls, attribute reads and `self.x` assignments.

use tree_sitter::Node;

use super::imports::import_bindings;
use super::kinds as k;
use super::parse::{ParsedFile, named_children};
use super::scopes::{Binding, Bound, Param, ParamKind, Scope, ScopeId, ScopeKind, Scopes};

pub struct Builder<'s, 't> {
    scopes: &'s mut Scopes<'t>,
    file: &'t ParsedFile,
    /// The name nodes of `x.name` attributes seen so far (their parents come first in
    /// the walk; asking a node for its parent is a walk down from the root).
    attribute_names: std::collections::HashSet<usize>,
}

impl<'s, 't> Builder<'s, 't> {
    pub fn new(scopes: &'s mut Scopes<'t>, file: &'t ParsedFile) -> Builder<'s, 't> {
        Builder {
            scopes,
            file,
            attribute_names: std::collections::HashSet::new(),
        }
    }
}

impl<'t> Builder<'_, 't> {
    fn text(&self, node: Node<'t>) -> &'t str {
        self.file.text(node)
    }

    fn scope(&mut self, id: ScopeId) -> &mut Scope<'t> {
        &mut self.scopes.scopes[id.0]
    }

    /// Walks `root` in source order with an explicit stack (no recursion).
    pub fn walk(&mut self, root: Node<'t>, scope: ScopeId) {
        let mut stack: Vec<(Node<'t>, ScopeId)> = vec![(root, scope)];
        while let Some((node, scope)) = stack.pop() {
            let mut children: Vec<(Node<'t>, ScopeId)> = Vec::new();
            match node.kind() {
                k::FUNCTION_DEFINITION | k::LAMBDA => {
                    let inner = self.function(node, scope, &mut children);
                    if let Some(body) = node.child_by_field_name("body") {
                        children.push((body, inner));
                    }
                }
                k::CLASS_DEFINITION => {
                    let name = node
                        .child_by_field_name("name")
                        .map(|n| self.text(n))
                        .unwrap_or("")
                        .to_string();
                    let module = self.scope(scope).module.clone();
                    let file = self.scope(scope).file;
                    let inner = self
                        .scopes
                        .new_scope(ScopeKind::Class, file, &module, Some(scope), node, name.clone());
                    self.add_name(scope, &name, Binding::Def(inner));
                    self.decorators(node, inner);
                    if let Some(bases) = node.child_by_field_name("superclasses") {
                        let bases = named_children(bases);
                        self.scope(inner).bases = bases.clone();
                        children.extend(bases.into_iter().map(|b| (b, scope)));
                    }
                    if let Some(body) = node.child_by_field_name("body") {
                        children.push((body, inner));
                    }
                }
                // The names an import mentions are bindings, not uses.
                k::IMPORT_STATEMENT | k::IMPORT_FROM_STATEMENT => self.statement(node, scope),
                _ => {
                    self.statement(node, scope);
                    children.extend(named_children(node).into_iter().map(|c| (c, scope)));
                }
            }
            stack.extend(children.into_iter().rev());
        }
    }

    /// Creates the scope of a `def` or `lambda`; queues what its enclosing scope evaluates
    /// (defaults, decorators).
    fn function(&mut self, node: Node<'t>, scope: ScopeId, children: &mut Vec<(Node<'t>, ScopeId)>) -> ScopeId {
        let is_lambda = node.kind() == k::LAMBDA;
        let name = if is_lambda {
            "<lambda>".to_string()
        } else {
            node.child_by_field_name("name")
                .map(|n| self.text(n))
                .unwrap_or("")
                .to_string()
        };
        let module = self.scope(scope).module.clone();
        let file = self.scope(scope).file;
        let inner = self
            .scopes
            .new_scope(ScopeKind::Function, file, &module, Some(scope), node, name.clone());
        if !is_lambda {
            self.add_name(scope, &name, Binding::Def(inner));
        }
        if self.scope(scope).kind == ScopeKind::Class {
            self.scope(inner).method_of = Some(scope);
        }
        self.decorators(node, inner);
        if let Some(params) = node.child_by_field_name("parameters") {
            let mut kind_after_star = ParamKind::Positional;
            for p in named_children(params) {
                let (name, default, kind) = match p.kind() {
                    k::IDENTIFIER => (Some(p), None, kind_after_star),
                    k::DEFAULT_PARAMETER | k::TYPED_DEFAULT_PARAMETER => (
                        p.child_by_field_name("name"),
                        p.child_by_field_name("value"),
                        kind_after_star,
                    ),
                    k::TYPED_PARAMETER => {
                        let inner_p = p.named_child(0);
                        match inner_p.map(|n| n.kind()) {
                            Some(k::LIST_SPLAT_PATTERN) => {
                                kind_after_star = ParamKind::KeywordOnly;
                                (inner_p.and_then(|n| n.named_child(0)), None, ParamKind::VarArgs)
                            }
                            Some(k::DICTIONARY_SPLAT_PATTERN) => {
                                (inner_p.and_then(|n| n.named_child(0)), None, ParamKind::KwArgs)
                            }
                            _ => (inner_p, None, kind_after_star),
                        }
                    }
                    k::LIST_SPLAT_PATTERN => {
                        kind_after_star = ParamKind::KeywordOnly;
                        (p.named_child(0), None, ParamKind::VarArgs)
                    }
                    k::DICTIONARY_SPLAT_PATTERN => (p.named_child(0), None, ParamKind::KwArgs),
                    k::KEYWORD_SEPARATOR => {
                        kind_after_star = ParamKind::KeywordOnly;
                        continue;
                    }
                    _ => continue,
                };
                let Some(name) = name else { continue };
                if let Some(d) = default {
                    children.push((d, scope));
                }
                let index = self.scope(inner).params.len();
                let name = self.text(name).to_string();
                self.scope(inner).params.push(Param {
                    name: name.clone(),
                    default,
                    kind,
                });
                self.add_name(inner, &name, Binding::Param(index));
            }
        }
        if is_lambda && let Some(body) = node.child_by_field_name("body") {
            self.scope(inner).returns.push(body);
        }
        inner
    }

    /// Records the decorator names of a decorated `def` or `class` (the decorator
    /// expressions themselves are walked as the enclosing scope's children).
    fn decorators(&mut self, node: Node<'t>, inner: ScopeId) {
        if let Some(parent) = node.parent().filter(|p| p.kind() == k::DECORATED_DEFINITION) {
            for d in named_children(parent).into_iter().filter(|d| d.kind() == k::DECORATOR) {
                let name = decorator_name(self.text(d));
                self.scope(inner).decorators.push(name);
            }
        }
    }

    fn add_name(&mut self, scope: ScopeId, name: &str, binding: Binding<'t>) {
        let s = &self.scopes.scopes[scope.0];
        let home = if s.kind == ScopeKind::Function && s.globals.contains(name) {
            self.scopes.modules.get(&s.module).copied().unwrap_or(scope)
        } else {
            scope
        };
        self.scope(home)
            .names
            .entry(name.to_string())
            .or_default()
            .push(Bound { scope, binding });
    }

    /// Records what one node binds, returns, yields or calls.
    fn statement(&mut self, node: Node<'t>, scope: ScopeId) {
        match node.kind() {
            k::ASSIGNMENT => {
                if self.scopes.get(scope).kind == ScopeKind::Class
                    && node.child_by_field_name("type").is_some()
                    && let Some(left) = node.child_by_field_name("left").filter(|l| l.kind() == k::IDENTIFIER)
                {
                    let name = self.text(left).to_string();
                    self.scope(scope).fields.push(name);
                }
                let (Some(left), Some(mut right)) =
                    (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    return;
                };
                // `x = y = value`: every target gets the innermost value.
                while right.kind() == k::ASSIGNMENT {
                    match right.child_by_field_name("right") {
                        Some(r) => right = r,
                        None => return,
                    }
                }
                self.bind(
                    scope,
                    left,
                    &|path| {
                        if path.is_empty() {
                            Binding::Expr(right)
                        } else {
                            Binding::Item(right, path)
                        }
                    },
                    Vec::new(),
                );
                if left.kind() == k::SUBSCRIPT {
                    self.set_item(scope, left, right);
                }
            }
            k::AUGMENTED_ASSIGNMENT => {
                let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    return;
                };
                let plus = node.child_by_field_name("operator").is_some_and(|o| o.kind() == "+=");
                let binding = if plus { Binding::AugAdd(right) } else { Binding::Unknown };
                if left.kind() == k::IDENTIFIER {
                    let name = self.text(left).to_string();
                    self.add_name(scope, &name, binding);
                }
            }
            k::NAMED_EXPRESSION => {
                if let (Some(name), Some(value)) = (node.child_by_field_name("name"), node.child_by_field_name("value"))
                {
                    let name = self.text(name).to_string();
                    self.add_name(scope, &name, Binding::Expr(value));
                }
            }
            k::FOR_STATEMENT | k::FOR_IN_CLAUSE => {
                if let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                {
                    self.bind(scope, left, &|path| Binding::Iter(right, path), Vec::new());
                    self.scope(scope).iterables.push(right);
                }
            }
            k::WITH_ITEM => {
                let Some(value) = node.child_by_field_name("value") else {
                    return;
                };
                if value.kind() != k::AS_PATTERN {
                    return;
                }
                let expr = value.named_child(0);
                let target = value.child_by_field_name("alias").and_then(|a| a.named_child(0));
                if let (Some(expr), Some(target)) = (expr, target) {
                    self.bind(
                        scope,
                        target,
                        &|path| {
                            if path.is_empty() {
                                Binding::With(expr)
                            } else {
                                Binding::Unknown
                            }
                        },
                        Vec::new(),
                    );
                }
            }
            k::EXCEPT_CLAUSE => {
                for c in named_children(node) {
                    if c.kind() == k::AS_PATTERN
                        && let Some(t) = c.child_by_field_name("alias").and_then(|a| a.named_child(0))
                    {
                        self.bind(scope, t, &|_| Binding::Unknown, Vec::new());
                    }
                }
            }
            k::IMPORT_STATEMENT | k::IMPORT_FROM_STATEMENT => {
                for b in import_bindings(self.file, node) {
                    let local = b.local.clone();
                    self.add_name(scope, &local, Binding::Import(b));
                }
            }
            k::GLOBAL_STATEMENT => {
                for id in named_children(node) {
                    let name = self.text(id).to_string();
                    self.scope(scope).globals.insert(name);
                }
            }
            k::RETURN_STATEMENT => {
                if let Some(v) = node.named_child(0) {
                    self.scope(scope).returns.push(v);
                }
            }
            k::YIELD => {
                let from = self
                    .text(node)
                    .trim_start_matches("yield")
                    .trim_start()
                    .starts_with("from");
                if let Some(v) = node.named_child(0) {
                    self.scope(scope).yields.push((v, from));
                }
            }
            k::CALL => self.call(node, scope),
            k::ATTRIBUTE => {
                if let Some(name) = node.child_by_field_name("attribute") {
                    self.attribute_names.insert(name.id());
                }
                self.scope(scope).attributes.push(node);
            }
            k::IDENTIFIER => {
                let name = self.text(node).to_string();
                // `x.name`: a method or another module's function, not a local name.
                if self.attribute_names.contains(&node.id()) {
                    self.scope(scope).attr_refs.insert(name);
                } else {
                    self.scope(scope).refs.insert(name);
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, node: Node<'t>, scope: ScopeId) {
        self.scope(scope).calls.push(node);
        let Some(callee) = node.child_by_field_name("function") else {
            return;
        };
        let last = match callee.kind() {
            k::IDENTIFIER => self.text(callee),
            k::ATTRIBUTE => callee
                .child_by_field_name("attribute")
                .map(|a| self.text(a))
                .unwrap_or(""),
            _ => "",
        };
        if !last.is_empty() {
            self.scopes
                .calls_by_name
                .entry(last.to_string())
                .or_default()
                .push((scope, node));
        }
        // `items.append(v)`: the list `items` gains an element.
        if callee.kind() == k::ATTRIBUTE
            && matches!(last, "append" | "add" | "insert")
            && let Some(obj) = callee.child_by_field_name("object")
            && let Some(args) = node.child_by_field_name("arguments")
            && let Some(value) = named_children(args).last().copied()
        {
            self.mutate(scope, obj, Binding::Append(value));
        }
    }

    /// `x[key] = value` or `self.x[key] = value`.
    fn set_item(&mut self, scope: ScopeId, target: Node<'t>, value: Node<'t>) {
        let (Some(obj), Some(key)) = (
            target.child_by_field_name("value"),
            target.child_by_field_name("subscript"),
        ) else {
            return;
        };
        self.mutate(scope, obj, Binding::SetItem(key, value));
    }

    fn mutate(&mut self, scope: ScopeId, obj: Node<'t>, binding: Binding<'t>) {
        match obj.kind() {
            k::IDENTIFIER => {
                let name = self.text(obj).to_string();
                let home = self.name_home(scope, &name);
                self.scope(home)
                    .names
                    .entry(name)
                    .or_default()
                    .push(Bound { scope, binding });
            }
            k::ATTRIBUTE => self.self_attr(scope, obj, binding),
            _ => {}
        }
    }

    /// Mutation of an existing name goes where the name is bound (a module-level dict
    /// filled in a function).
    fn name_home(&self, scope: ScopeId, name: &str) -> ScopeId {
        let mut cur = Some(scope);
        while let Some(id) = cur {
            let s = self.scopes.get(id);
            if s.names.contains_key(name) && s.kind != ScopeKind::Class {
                return id;
            }
            if s.globals.contains(name) {
                break;
            }
            cur = s.parent;
        }
        self.scopes
            .modules
            .get(&self.scopes.get(scope).module)
            .copied()
            .unwrap_or(scope)
    }

    /// `self.x = value` in a method: an attribute of the method's class.
    fn self_attr(&mut self, scope: ScopeId, target: Node<'t>, binding: Binding<'t>) {
        let (Some(obj), Some(attr)) = (
            target.child_by_field_name("object"),
            target.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let Some(class) = self.scopes.get(scope).method_of else {
            return;
        };
        if self.scopes.self_name(scope) != Some(self.text(obj)) {
            return;
        }
        let name = self.text(attr).to_string();
        self.scope(class)
            .self_attrs
            .entry(name)
            .or_default()
            .push(Bound { scope, binding });
    }

    /// Binds the names of an assignment target.
    fn bind(&mut self, scope: ScopeId, target: Node<'t>, make: &dyn Fn(Vec<usize>) -> Binding<'t>, path: Vec<usize>) {
        self.bind_at(scope, target, make, path, 0);
    }

    fn bind_at(
        &mut self,
        scope: ScopeId,
        target: Node<'t>,
        make: &dyn Fn(Vec<usize>) -> Binding<'t>,
        path: Vec<usize>,
        depth: usize,
    ) {
        // Targets nested deeper than this (generated code) bind nothing: bounded recursion.
        if depth > MAX_TARGET_DEPTH {
            return;
        }
        match target.kind() {
            k::IDENTIFIER => {
                let name = self.text(target).to_string();
                self.add_name(scope, &name, make(path));
            }
            k::PARENTHESIZED_EXPRESSION => {
                if let Some(inner) = target.named_child(0) {
                    self.bind_at(scope, inner, make, path, depth + 1);
                }
            }
            kind if k::is_sequence(kind) => {
                for (i, c) in named_children(target).into_iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i);
                    if c.kind() == k::LIST_SPLAT_PATTERN || c.kind() == k::LIST_SPLAT {
                        if let Some(n) = c.named_child(0) {
                            self.bind_at(scope, n, &|_| Binding::Unknown, p, depth + 1);
                        }
                        continue;
                    }
                    self.bind_at(scope, c, make, p, depth + 1);
                }
            }
            k::ATTRIBUTE => self.self_attr(scope, target, make(path)),
            _ => {}
        }
    }
}

const MAX_TARGET_DEPTH: usize = 8;

/// `@functools.lru_cache(maxsize=1)` → `lru_cache`.
fn decorator_name(text: &str) -> String {
    let t = text.trim_start_matches('@').trim();
    let t = t.split('(').next().unwrap_or(t);
    t.rsplit('.').next().unwrap_or(t).trim().to_string()
}

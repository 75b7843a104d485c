//! Building the reference graph from the syntax: each top-level statement attributed to
//! the binding or export it defines, each function body to the code around it (or, for
//! a class's method, to its class and its name), and each name, property, `require` and
//! computed member a body uses.

use tree_sitter::Node;

use super::super::bindings::ImportName;
use super::super::imports;
use super::super::parse::ParsedFile;
use super::super::syntax::{self, *};
use super::super::values::FileId;
use super::{Dynamic, FuncInfo, Graph, Key, MAX_NAME, Owner};

impl Graph {
    fn edge(&mut self, from: Key, to: Key) {
        let list = self.edges.entry(from).or_default();
        // A name used many times in a row in one body is one edge.
        if list.last() != Some(&to) {
            list.push(to);
        }
    }

    fn own(&mut self, file: FileId, owner: Owner) -> Key {
        self.owners.entry(file).or_default().insert(owner.clone());
        Key::Owned(file, owner)
    }

    fn export(&mut self, file: FileId, name: &str) {
        self.exported.entry(file).or_default().insert(name.to_string());
    }

    /// Attributes one top-level statement to what it defines and indexes its parts.
    pub(super) fn statement(&mut self, file: FileId, parsed: &ParsedFile, stmt: Node<'_>) {
        let text = |n: Node<'_>| parsed.text(n).to_string();
        match stmt.kind() {
            EXPORT_STATEMENT => {
                let mut cursor = stmt.walk();
                let is_default = stmt.children(&mut cursor).any(|t| t.kind() == "default");
                if let Some(decl) = stmt.child_by_field_name("declaration") {
                    if is_default {
                        self.export(file, "default");
                        let owner = self.own(file, Owner::Name("default".into()));
                        self.region(file, parsed, decl, owner);
                    }
                    for name in self.declaration(file, parsed, decl) {
                        self.export(file, &name);
                        // `@Module({ controllers: [...] }) export class M {}`: what the
                        // decorator names goes with the class.
                        let mut cursor = stmt.walk();
                        let decorators: Vec<Node<'_>> =
                            stmt.children(&mut cursor).filter(|c| c.kind() == DECORATOR).collect();
                        for d in decorators {
                            let owner = self.own(file, Owner::Name(name.clone()));
                            self.region(file, parsed, d, owner);
                        }
                    }
                } else if let Some(value) = stmt.child_by_field_name("value") {
                    self.export(file, "default");
                    let owner = self.own(file, Owner::Name("default".into()));
                    self.region(file, parsed, value, owner);
                } else {
                    let from_module = stmt.child_by_field_name("source").is_some();
                    // `export * from "./impl"`: the handler may be any of its exports.
                    let star = syntax::named_children(stmt)
                        .iter()
                        .all(|c| c.kind() == STRING || c.kind() == "comment");
                    if from_module && star {
                        let target = stmt
                            .child_by_field_name("source")
                            .map(|s| syntax::string_value(s, &parsed.source))
                            .and_then(|spec| self.links.get(file).and_then(|l| l.get(&spec)).copied());
                        if let Some(t) = target {
                            self.star_exports.entry(file).or_default().push(t);
                        }
                    }
                    for clause in syntax::named_children(stmt)
                        .into_iter()
                        .filter(|c| c.kind() == EXPORT_CLAUSE)
                    {
                        for spec in syntax::named_children(clause) {
                            let Some(name) = spec.child_by_field_name("name") else {
                                continue;
                            };
                            let local = text(name);
                            let exported = spec
                                .child_by_field_name("alias")
                                .map(text)
                                .unwrap_or_else(|| local.clone());
                            self.export(file, &exported);
                            self.owner_lines
                                .entry((file, Owner::Name(exported.clone())))
                                .or_insert_with(|| syntax::line(spec));
                            let owner = self.own(file, Owner::Name(exported));
                            let used = if from_module {
                                Key::Member(file, local)
                            } else {
                                Key::Name(local)
                            };
                            self.edge(owner, used);
                        }
                    }
                    // `export = handler` (TypeScript) and anything else: what it names.
                    if !from_module {
                        let rest: Vec<Node<'_>> = syntax::named_children(stmt)
                            .into_iter()
                            .filter(|c| c.kind() != EXPORT_CLAUSE && c.kind() != "comment")
                            .collect();
                        for r in rest {
                            self.export(file, "default");
                            let owner = self.own(file, Owner::Name("default".into()));
                            self.region(file, parsed, r, owner);
                        }
                    }
                }
            }
            IMPORT_STATEMENT => self.import(file, parsed, stmt),
            EXPRESSION_STATEMENT_KIND => {
                let Some(expr) = stmt.named_child(0).map(syntax::unwrap_expr) else {
                    return;
                };
                self.expression_statement(file, parsed, stmt, expr);
            }
            "comment" | "empty_statement" => {}
            _ => {
                if self.declaration(file, parsed, stmt).is_empty() {
                    self.region(file, parsed, stmt, Key::Top(file));
                }
            }
        }
    }

    /// A declaration (function, class, `const`/`let`/`var`): each name owns its part.
    /// Returns the names declared; none for a statement that declares nothing.
    fn declaration(&mut self, file: FileId, parsed: &ParsedFile, decl: Node<'_>) -> Vec<String> {
        match decl.kind() {
            FUNCTION_DECLARATION | GENERATOR_FUNCTION_DECLARATION | CLASS_DECLARATION | ABSTRACT_CLASS_DECLARATION => {
                let Some(name) = decl.child_by_field_name("name").map(|n| parsed.text(n).to_string()) else {
                    return Vec::new();
                };
                let owner = self.own(file, Owner::Name(name.clone()));
                self.region(file, parsed, decl, owner);
                vec![name]
            }
            LEXICAL_DECLARATION | VARIABLE_DECLARATION => {
                let mut names = Vec::new();
                for d in syntax::named_children(decl)
                    .into_iter()
                    .filter(|d| d.kind() == VARIABLE_DECLARATOR)
                {
                    let Some(pattern) = d.child_by_field_name("name") else {
                        continue;
                    };
                    let value = d.child_by_field_name("value");
                    let whole_module = value
                        .and_then(|v| local_require(parsed, v))
                        .and_then(|spec| self.links.get(file).and_then(|l| l.get(&spec)).copied());
                    for (local, member) in pattern_names(parsed, pattern) {
                        let owner = self.own(file, Owner::Name(local.clone()));
                        if let Some(m) = member {
                            self.edge(owner.clone(), Key::Member(file, m));
                        } else if let Some(module) = whole_module {
                            self.namespaces.entry(file).or_default().insert(local.clone(), module);
                        }
                        if let Some(v) = value {
                            self.region_in(file, parsed, v, owner, Some(d));
                        }
                        names.push(local);
                    }
                }
                names
            }
            _ => Vec::new(),
        }
    }

    /// `import a, { b as c } from "./m"`, `import * as m from "./m"`.
    fn import(&mut self, file: FileId, parsed: &ParsedFile, stmt: Node<'_>) {
        let module = stmt
            .child_by_field_name("source")
            .map(|s| syntax::string_value(s, &parsed.source))
            .and_then(|spec| self.links.get(file).and_then(|l| l.get(&spec)).copied());
        for (local, what) in imports::import_bindings(parsed, stmt) {
            let local = parsed.text(local).to_string();
            let (owner, taken) = match what {
                ImportName::Namespace => {
                    if let Some(m) = module {
                        self.namespaces.entry(file).or_default().insert(local, m);
                    }
                    continue;
                }
                ImportName::Default => (self.own(file, Owner::Name(local)), "default".to_string()),
                ImportName::Named(name) => (self.own(file, Owner::Name(local)), name),
            };
            // A package's export is no code of the function's.
            if let Some(m) = module {
                self.edge(owner, Key::Owned(m, Owner::Name(taken)));
            }
        }
    }

    fn expression_statement(&mut self, file: FileId, parsed: &ParsedFile, stmt: Node<'_>, expr: Node<'_>) {
        match expr.kind() {
            ASSIGNMENT_EXPRESSION => {
                let (Some(left), Some(right)) = (expr.child_by_field_name("left"), expr.child_by_field_name("right"))
                else {
                    return self.region(file, parsed, stmt, Key::Top(file));
                };
                let target = compact(parsed.text(left));
                if target == "module.exports" {
                    let value = syntax::unwrap_expr(right);
                    if value.kind() == OBJECT {
                        for member in syntax::named_children(value) {
                            let name = match member.kind() {
                                PAIR => member.child_by_field_name("key").map(|k| key_text(parsed, k)),
                                METHOD_DEFINITION => member.child_by_field_name("name").map(|k| key_text(parsed, k)),
                                SHORTHAND_PROPERTY_IDENTIFIER => Some(parsed.text(member).to_string()),
                                _ => None,
                            };
                            match name {
                                Some(name) => {
                                    self.export(file, &name);
                                    // A `require("./m")` whose object is used whole.
                                    let whole = self.own(file, Owner::Name(WHOLE.into()));
                                    self.edge(whole, Key::Owned(file, Owner::Name(name.clone())));
                                    let owner = self.own(file, Owner::Name(name));
                                    match member.child_by_field_name("value").filter(|_| member.kind() == PAIR) {
                                        Some(value) => self.region_in(file, parsed, value, owner, Some(member)),
                                        None => self.region(file, parsed, member, owner),
                                    }
                                }
                                None => self.region(file, parsed, member, Key::Top(file)),
                            }
                        }
                    } else {
                        self.export(file, "default");
                        let owner = self.own(file, Owner::Name("default".into()));
                        self.region_in(file, parsed, right, owner, Some(expr));
                    }
                    return;
                }
                if let Some(name) = exported_name(parsed, left) {
                    self.export(file, &name);
                    let owner = self.own(file, Owner::Name(name));
                    return self.region_in(file, parsed, right, owner, Some(expr));
                }
                let left = syntax::unwrap_expr(left);
                let owner = match left.kind() {
                    IDENTIFIER => Owner::Name(parsed.text(left).to_string()),
                    MEMBER_EXPRESSION => match left.child_by_field_name("property") {
                        Some(p) => Owner::Member(parsed.text(p).to_string()),
                        None => return self.region(file, parsed, stmt, Key::Top(file)),
                    },
                    _ => return self.region(file, parsed, stmt, Key::Top(file)),
                };
                let owner = self.own(file, owner);
                self.region_in(file, parsed, right, owner, Some(expr));
            }
            // `app.get("/", h)`, `router.route("/x").post(h)`: `h` is registered on `app`,
            // and runs where `app` does. The call itself runs at load time.
            CALL_EXPRESSION => match receiver_root(parsed, expr) {
                Some(base) if !matches!(base.as_str(), "module" | "exports" | "console" | "process") => {
                    let owner = self.own(file, Owner::Name(base));
                    self.region(file, parsed, expr, owner);
                }
                _ => self.region(file, parsed, stmt, Key::Top(file)),
            },
            _ => self.region(file, parsed, stmt, Key::Top(file)),
        }
    }

    /// Indexes the function bodies and the names used in `node`, attributed to `owner`.
    fn region(&mut self, file: FileId, parsed: &ParsedFile, node: Node<'_>, owner: Key) {
        self.region_in(file, parsed, node, owner, None);
    }

    /// [`Self::region`] for a node whose parent the caller knows (`Node::parent` walks
    /// down from the root: asking it for every node of a wide file is quadratic).
    fn region_in<'t>(
        &mut self,
        file: FileId,
        parsed: &'t ParsedFile,
        node: Node<'t>,
        owner: Key,
        parent: Option<Node<'t>>,
    ) {
        if let Key::Owned(f, o) = &owner {
            self.owner_lines
                .entry((*f, o.clone()))
                .or_insert_with(|| syntax::line(node));
        }
        let fallback_name = match &owner {
            Key::Owned(_, Owner::Name(n) | Owner::Member(n)) => n.clone(),
            _ => "<anonymous>".to_string(),
        };
        let mut stack: Vec<(usize, Key)> = vec![(usize::MAX, owner)];
        // The walked node's ancestors, itself last.
        let mut ancestors: Vec<Node<'t>> = parent.into_iter().collect();
        syntax::walk(node, |n, enter| {
            if !enter {
                if stack.last().is_some_and(|(id, _)| *id == n.id()) {
                    stack.pop();
                }
                ancestors.pop();
                return false;
            }
            ancestors.push(n);
            let parent = ancestors.len().checked_sub(2).map(|i| ancestors[i]);
            let current = stack
                .last()
                .map(|(_, k)| k.clone())
                .expect("the owner stays at the bottom");
            let kind = n.kind();
            if syntax::is_function(kind) {
                let key = Key::Func(file, n.id());
                self.funcs.insert(
                    (file, n.id()),
                    FuncInfo {
                        name: function_name(parsed, &ancestors).unwrap_or_else(|| fallback_name.clone()),
                        line: syntax::line(n),
                        start: n.start_byte(),
                        end: n.end_byte(),
                    },
                );
                let parent_kind = parent.map(|p| p.kind()).unwrap_or("");
                let member = match (kind, parent_kind) {
                    (METHOD_DEFINITION, _) => n.child_by_field_name("name").map(|k| key_text(parsed, k)),
                    (_, PAIR) => parent
                        .and_then(|p| p.child_by_field_name("key"))
                        .map(|k| key_text(parsed, k)),
                    (_, FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION) => parent
                        .and_then(|p| {
                            p.child_by_field_name("property")
                                .or_else(|| p.child_by_field_name("name"))
                        })
                        .map(|k| key_text(parsed, k)),
                    _ => None,
                };
                // A decorated method, or any method of a decorated class (`@Get()`,
                // `@Controller()`), is run by the framework that reads the decorators.
                let class = class_of_member(&ancestors).map(|c| Key::Class(file, c.id()));
                let framework_run = is_decorated_member(&ancestors);
                match (&class, &member) {
                    // A class's method runs where it is called by name on code that
                    // reached the class (`new Repo()`, `extends Repo`): the gate waits
                    // for both.
                    (Some(c), Some(m)) => {
                        self.gated.entry(m.clone()).or_default().push((c.clone(), key.clone()));
                        if framework_run || m == "constructor" {
                            self.edge(c.clone(), key.clone());
                        }
                    }
                    (_, Some(m)) => {
                        let owned = self.own(file, Owner::Member(m.clone()));
                        self.edge(owned, key.clone());
                        self.edge(current, key.clone());
                    }
                    // Every other function goes with the code around it.
                    _ => self.edge(current, key.clone()),
                }
                stack.push((n.id(), key));
                return true;
            }
            if matches!(kind, CLASS_DECLARATION | ABSTRACT_CLASS_DECLARATION | CLASS) {
                let key = Key::Class(file, n.id());
                self.edge(current, key.clone());
                stack.push((n.id(), key));
                return true;
            }
            match kind {
                IDENTIFIER | SHORTHAND_PROPERTY_IDENTIFIER => {
                    let t = parsed.text(n);
                    if t.len() <= MAX_NAME && !is_declared_name(n, parent) {
                        self.edge(current, Key::Name(t.to_string()));
                    }
                }
                PROPERTY_IDENTIFIER | PRIVATE_PROPERTY_IDENTIFIER => {
                    let is_key = parent.is_some_and(|p| {
                        matches!(
                            p.kind(),
                            PAIR | METHOD_DEFINITION | FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION
                        ) && p
                            .child_by_field_name("key")
                            .or_else(|| p.child_by_field_name("name"))
                            .or_else(|| p.child_by_field_name("property"))
                            .is_some_and(|k| k.id() == n.id())
                    });
                    let t = parsed.text(n).trim_start_matches('#');
                    if !is_key && t.len() <= MAX_NAME {
                        self.edge(current, Key::Member(file, t.to_string()));
                    }
                }
                CALL_EXPRESSION => {
                    // `require("./m")` yields what `m` exports: its callable or value
                    // export, and every member of an exported object unless the result
                    // is bound to a name (`const m = require("./m")`), whose uses say
                    // which members run (`m.save()`).
                    if let Some(target) = self.required_module(file, parsed, n) {
                        self.edge(current.clone(), Key::Owned(target, Owner::Name("default".into())));
                        let bound = parent.is_some_and(|p| {
                            p.kind() == VARIABLE_DECLARATOR
                                && p.child_by_field_name("name")
                                    .is_some_and(|name| name.kind() == IDENTIFIER)
                        });
                        if !bound {
                            self.edge(current.clone(), Key::Owned(target, Owner::Name(WHOLE.into())));
                        }
                    }
                    if let Some(callee) = n.child_by_field_name("function").map(syntax::unwrap_expr)
                        && callee.kind() == SUBSCRIPT_EXPRESSION
                        && let Some(index) = callee.child_by_field_name("index")
                        && !matches!(syntax::unwrap_expr(index).kind(), STRING | NUMBER)
                        && let Some(object) = callee.child_by_field_name("object")
                    {
                        let object = compact(parsed.text(object));
                        let own_module = matches!(object.as_str(), "exports" | "module.exports" | "this");
                        let namespace = self.namespaces.get(&file).and_then(|s| s.get(&object)).copied();
                        let modules = match (own_module, namespace) {
                            (true, _) => vec![file],
                            (false, Some(m)) => vec![m],
                            _ => Vec::new(),
                        };
                        if !modules.is_empty() {
                            self.dynamic.entry(current).or_default().push(Dynamic {
                                file,
                                line: syntax::line(n),
                                text: crate::sources::sdk_call::shown_name(parsed.text(callee)),
                                modules,
                            });
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }

    /// The local module a `require("./m")` call names.
    fn required_module(&self, file: FileId, parsed: &ParsedFile, call: Node<'_>) -> Option<FileId> {
        let spec = local_require(parsed, call)?;
        self.links.get(file)?.get(&spec).copied()
    }
}

/// The class whose body holds a method (or a field's function), from the member's
/// ancestors (itself last).
fn class_of_member<'t>(ancestors: &[Node<'t>]) -> Option<Node<'t>> {
    let mut up = ancestors.iter().rev().skip(1).copied();
    let mut body = up.next()?;
    if matches!(body.kind(), FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION) {
        body = up.next()?;
    }
    if body.kind() != CLASS_BODY {
        return None;
    }
    up.next()
        .filter(|c| matches!(c.kind(), CLASS_DECLARATION | ABSTRACT_CLASS_DECLARATION | CLASS))
}

/// A class member with decorators of its own, or in a class that has some, from the
/// member's ancestors (itself last).
fn is_decorated_member(ancestors: &[Node<'_>]) -> bool {
    let has_decorator = |n: Node<'_>| {
        (0..n.child_count())
            .filter_map(|i| n.child(i))
            .any(|c| c.kind() == DECORATOR)
    };
    let mut up = ancestors.iter().rev().copied();
    let Some(mut member) = up.next() else { return false };
    let mut next = up.next();
    if let Some(p) = next
        && matches!(p.kind(), FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION)
    {
        member = p;
        next = up.next();
    }
    if has_decorator(member) || member.prev_named_sibling().is_some_and(|s| s.kind() == DECORATOR) {
        return true;
    }
    // next is the class body; then the class, then maybe `export`.
    let class = next.and(up.next());
    class.is_some_and(|c| {
        has_decorator(c)
            || up
                .next()
                .is_some_and(|e| e.kind() == EXPORT_STATEMENT && has_decorator(e))
    })
}

const EXPRESSION_STATEMENT_KIND: &str = "expression_statement";
const DECORATOR: &str = "decorator";
/// The owner of every member of `module.exports = { ... }` taken as one value.
const WHOLE: &str = "*module.exports";

/// Text without whitespace (`module . exports` → `module.exports`).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).take(MAX_NAME).collect()
}

/// A key as written: `create`, `"create"` → `create`.
fn key_text(parsed: &ParsedFile, key: Node<'_>) -> String {
    if key.kind() == STRING {
        syntax::string_value(key, &parsed.source)
    } else {
        parsed.text(key).to_string()
    }
}

/// `module.exports.create` / `exports.create` / `module.exports["create"]` → `create`.
fn exported_name(parsed: &ParsedFile, left: Node<'_>) -> Option<String> {
    let left = syntax::unwrap_expr(left);
    let object = left.child_by_field_name("object")?;
    if !matches!(compact(parsed.text(object)).as_str(), "module.exports" | "exports") {
        return None;
    }
    match left.kind() {
        MEMBER_EXPRESSION => left.child_by_field_name("property").map(|p| parsed.text(p).to_string()),
        SUBSCRIPT_EXPRESSION => left
            .child_by_field_name("index")
            .filter(|i| i.kind() == STRING)
            .map(|i| syntax::string_value(i, &parsed.source)),
        _ => None,
    }
}

/// The identifier a method chain starts from: `app` of `app.route("/").get(h)`.
fn receiver_root(parsed: &ParsedFile, call: Node<'_>) -> Option<String> {
    let mut cur = call.child_by_field_name("function").map(syntax::unwrap_expr)?;
    if cur.kind() != MEMBER_EXPRESSION {
        return None;
    }
    for _ in 0..64 {
        cur = syntax::unwrap_expr(cur);
        match cur.kind() {
            IDENTIFIER => return Some(parsed.text(cur).to_string()),
            MEMBER_EXPRESSION | SUBSCRIPT_EXPRESSION => cur = cur.child_by_field_name("object")?,
            CALL_EXPRESSION => cur = cur.child_by_field_name("function")?,
            _ => return None,
        }
    }
    None
}

/// `require("./x")`: the specifier of a module required as a whole.
fn local_require(parsed: &ParsedFile, value: Node<'_>) -> Option<String> {
    let value = syntax::unwrap_expr(value);
    if value.kind() != CALL_EXPRESSION
        || value.child_by_field_name("function").map(|f| parsed.text(f)) != Some("require")
    {
        return None;
    }
    let spec = value.child_by_field_name("arguments")?.named_child(0)?;
    (spec.kind() == STRING).then(|| syntax::string_value(spec, &parsed.source))
}

/// The names a declaration pattern binds, each with the member it takes (`{ a: b }` →
/// `b` takes `a`; `{ a }` → `a` takes `a`; a plain name takes none).
fn pattern_names(parsed: &ParsedFile, pattern: Node<'_>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    match pattern.kind() {
        IDENTIFIER => out.push((parsed.text(pattern).to_string(), None)),
        OBJECT_PATTERN => {
            for p in syntax::named_children(pattern) {
                match p.kind() {
                    SHORTHAND_PROPERTY_IDENTIFIER_PATTERN => {
                        let t = parsed.text(p).to_string();
                        out.push((t.clone(), Some(t)));
                    }
                    OBJECT_ASSIGNMENT_PATTERN => {
                        if let Some(l) = p.child_by_field_name("left") {
                            let t = parsed.text(l).to_string();
                            out.push((t.clone(), Some(t)));
                        }
                    }
                    PAIR_PATTERN => {
                        let key = p.child_by_field_name("key").map(|k| key_text(parsed, k));
                        if let Some(v) = p.child_by_field_name("value") {
                            for (local, _) in pattern_names(parsed, v) {
                                out.push((local, key.clone()));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {
            syntax::walk(pattern, |n, enter| {
                if enter && n.kind() == IDENTIFIER {
                    out.push((parsed.text(n).to_string(), None));
                }
                enter
            });
        }
    }
    out
}

/// The name a declaration introduces (`create` of `function create()`): not a use.
fn is_declared_name(n: Node<'_>, parent: Option<Node<'_>>) -> bool {
    parent.is_some_and(|p| {
        matches!(
            p.kind(),
            FUNCTION_DECLARATION | GENERATOR_FUNCTION_DECLARATION | CLASS_DECLARATION | VARIABLE_DECLARATOR
        ) && p.child_by_field_name("name").is_some_and(|c| c.id() == n.id())
    })
}

/// A readable name for a function body (last of `ancestors`): its own name, or what
/// it is assigned to; `None` when its ancestors in view do not say.
fn function_name(parsed: &ParsedFile, ancestors: &[Node<'_>]) -> Option<String> {
    let n = *ancestors.last()?;
    if let Some(name) = n.child_by_field_name("name") {
        return Some(crate::sources::sdk_call::shown_name(parsed.text(name)));
    }
    for p in ancestors.iter().rev().skip(1) {
        let named = match p.kind() {
            VARIABLE_DECLARATOR => p.child_by_field_name("name"),
            PAIR => p.child_by_field_name("key"),
            ASSIGNMENT_EXPRESSION => p.child_by_field_name("left"),
            FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION => p
                .child_by_field_name("property")
                .or_else(|| p.child_by_field_name("name")),
            ARGUMENTS | CALL_EXPRESSION | PARENTHESIZED_EXPRESSION | AWAIT_EXPRESSION => continue,
            _ => return Some("<anonymous>".to_string()),
        };
        return Some(named.map_or_else(
            || "<anonymous>".to_string(),
            |name| crate::sources::sdk_call::shown_name(parsed.text(name)),
        ));
    }
    None
}

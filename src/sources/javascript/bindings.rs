//! Name resolution: the lexical scopes of one file, what each declared name is (a
//! variable with its initialiser and later assignments, a parameter, a function, a class,
//! an import), and which declaration an identifier refers to.

use std::collections::HashMap;

use tree_sitter::Node;

use super::parse::ParsedFile;
use super::syntax::{self, *};

/// One step from a destructured value to the bound name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Prop(String),
    Index(usize),
    /// `...rest` or a computed key: the bound value is not a known part.
    Opaque,
}

/// What an import binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportName {
    Default,
    Namespace,
    Named(String),
}

#[derive(Debug, Clone)]
pub enum DeclKind<'t> {
    /// `const x = init` (or `let x;`), projected through `path` when destructured.
    Var {
        init: Option<Node<'t>>,
        path: Vec<Step>,
    },
    /// The `index`-th parameter of `func`.
    Param {
        func: Node<'t>,
        index: usize,
        path: Vec<Step>,
        type_ann: Option<Node<'t>>,
    },
    Function(Node<'t>),
    Class(Node<'t>),
    /// A TypeScript `enum`.
    Enum(Node<'t>),
    Import {
        source: String,
        name: ImportName,
    },
    /// `for (const x of right)`.
    ForOf {
        right: Node<'t>,
        path: Vec<Step>,
    },
    /// `for (const k in obj)`, `catch (e)`: nothing known.
    Opaque,
}

#[derive(Debug, Clone)]
pub struct Decl<'t> {
    /// The identifier that declares the name.
    pub ident: Node<'t>,
    pub kind: DeclKind<'t>,
    /// Default values from the pattern (`{ a = "x" }`, `(p = 1)`).
    pub defaults: Vec<Node<'t>>,
    /// Declared inside a function (its value may depend on the call).
    pub in_function: bool,
}

/// What `this` is inside a scope.
#[derive(Debug, Clone, Copy)]
pub enum This<'t> {
    /// Blocks and arrow functions see their parent's `this`.
    Inherit,
    Unknown,
    /// A method of this class.
    Class(Node<'t>),
    /// A method of this object literal.
    Object(Node<'t>),
}

struct Scope<'t> {
    node: Node<'t>,
    parent: Option<usize>,
    children: Vec<usize>,
    /// A function body or the module: where `var` declarations land.
    hoists: bool,
    this: This<'t>,
    names: HashMap<String, Vec<usize>>,
}

/// Scopes and declarations of one file.
pub struct Bindings<'t> {
    scopes: Vec<Scope<'t>>,
    decls: Vec<Decl<'t>>,
    /// Declaration index → right-hand sides assigned to it after declaration.
    assigns: HashMap<usize, Vec<Node<'t>>>,
    /// (class node id, member name) → values given to `this.name` or the field.
    members: HashMap<(usize, String), Vec<Node<'t>>>,
    /// Object literal (node id) → members assigned later (`params.Tagging = …`).
    extras: HashMap<usize, Vec<(String, Node<'t>)>>,
}

/// `name.prop = value` / `name["prop"] = value` → (name, prop, value).
fn object_member_assignment<'t>(node: Node<'t>, file: &ParsedFile) -> Option<(Node<'t>, String, Node<'t>)> {
    if node.kind() != ASSIGNMENT_EXPRESSION {
        return None;
    }
    let left = syntax::unwrap_expr(node.child_by_field_name("left")?);
    let right = node.child_by_field_name("right")?;
    let object = syntax::unwrap_expr(left.child_by_field_name("object")?);
    if object.kind() != IDENTIFIER {
        return None;
    }
    let prop = match left.kind() {
        MEMBER_EXPRESSION => file.text(left.child_by_field_name("property")?).to_string(),
        SUBSCRIPT_EXPRESSION => {
            let index = left.child_by_field_name("index")?;
            (index.kind() == STRING).then(|| syntax::string_value(index, &file.source))?
        }
        _ => return None,
    };
    Some((object, prop, right))
}

/// What `this` means in the scope `node` opens, from its ancestors.
fn this_of<'t>(node: Node<'t>, ancestors: &[Node<'t>]) -> This<'t> {
    let kind = node.kind();
    if !syntax::is_function(kind) || kind == ARROW_FUNCTION {
        return This::Inherit;
    }
    let parent = ancestors.last().copied();
    let grand = ancestors.len().checked_sub(2).map(|i| ancestors[i]);
    match (parent.map(|p| p.kind()), grand) {
        (Some(CLASS_BODY), Some(class)) => This::Class(class),
        (Some(OBJECT), _) => parent.map_or(This::Unknown, This::Object),
        (Some(PAIR), Some(obj)) if obj.kind() == OBJECT => This::Object(obj),
        _ => This::Unknown,
    }
}

pub(super) fn nearest_class<'t>(ancestors: &[Node<'t>]) -> Option<Node<'t>> {
    ancestors.iter().rev().find(|n| syntax::is_class(n.kind())).copied()
}

fn creates_scope(kind: &str) -> bool {
    syntax::is_function(kind)
        || syntax::is_class(kind)
        || matches!(
            kind,
            PROGRAM | STATEMENT_BLOCK | FOR_STATEMENT | FOR_IN_STATEMENT | CATCH_CLAUSE | SWITCH_BODY
        )
}

impl<'t> Bindings<'t> {
    pub fn build(file: &'t ParsedFile) -> Bindings<'t> {
        let root = file.root();
        let mut b = Bindings {
            scopes: vec![Scope {
                node: root,
                parent: None,
                children: Vec::new(),
                hoists: true,
                this: This::Unknown,
                names: HashMap::new(),
            }],
            decls: Vec::new(),
            assigns: HashMap::new(),
            members: HashMap::new(),
            extras: HashMap::new(),
        };
        let mut stack: Vec<(usize, usize)> = vec![(root.id(), 0)];
        let mut ancestors: Vec<Node<'t>> = Vec::new();
        let mut pending: Vec<(Node<'t>, Node<'t>)> = Vec::new();
        let mut pending_members: Vec<(Node<'t>, String, Node<'t>)> = Vec::new();
        syntax::walk(root, |node, enter| {
            if !enter {
                if stack.len() > 1 && stack.last().is_some_and(|(id, _)| *id == node.id()) {
                    stack.pop();
                }
                ancestors.pop();
                return false;
            }
            let kind = node.kind();
            let outer = stack.last().map(|s| s.1).unwrap_or(0);
            if kind == ENUM_DECLARATION
                && let Some(name) = node.child_by_field_name("name")
            {
                b.declare(outer, file, name, DeclKind::Enum(node), Vec::new());
            }
            if (matches!(kind, FUNCTION_DECLARATION | GENERATOR_FUNCTION_DECLARATION)
                || (kind != CLASS && syntax::is_class(kind)))
                && let Some(name) = node.child_by_field_name("name")
            {
                let decl_kind = if syntax::is_function(kind) {
                    DeclKind::Function(node)
                } else {
                    DeclKind::Class(node)
                };
                b.declare(outer, file, name, decl_kind, Vec::new());
            }
            let scope = if node.id() != root.id() && creates_scope(kind) {
                let idx = b.scopes.len();
                b.scopes.push(Scope {
                    node,
                    parent: Some(outer),
                    children: Vec::new(),
                    hoists: syntax::is_function(kind),
                    this: this_of(node, &ancestors),
                    names: HashMap::new(),
                });
                b.scopes[outer].children.push(idx);
                stack.push((node.id(), idx));
                idx
            } else {
                outer
            };
            b.declare_in(node, scope, file, &ancestors, &mut pending);
            if let Some(member) = object_member_assignment(node, file) {
                pending_members.push(member);
            }
            ancestors.push(node);
            true
        });
        for (ident, rhs) in pending {
            let name = file.text(ident);
            for idx in b.resolve(ident, name) {
                b.assigns.entry(idx).or_default().push(rhs);
            }
        }
        for (ident, prop, rhs) in pending_members {
            for idx in b.resolve(ident, file.text(ident)) {
                if let DeclKind::Var { init: Some(init), path } = &b.decls[idx].kind
                    && path.is_empty()
                    && syntax::unwrap_expr(*init).kind() == OBJECT
                {
                    let obj = syntax::unwrap_expr(*init).id();
                    b.extras.entry(obj).or_default().push((prop.clone(), rhs));
                }
            }
        }
        b
    }

    /// Records the declarations a node introduces into `scope`.
    fn declare_in(
        &mut self,
        node: Node<'t>,
        scope: usize,
        file: &'t ParsedFile,
        ancestors: &[Node<'t>],
        pending: &mut Vec<(Node<'t>, Node<'t>)>,
    ) {
        let kind = node.kind();
        if syntax::is_function(kind) {
            if matches!(kind, FUNCTION_EXPRESSION | GENERATOR_FUNCTION | "function")
                && let Some(name) = node.child_by_field_name("name")
            {
                self.declare(scope, file, name, DeclKind::Function(node), Vec::new());
            }
            self.declare_params(node, scope, file, ancestors);
            return;
        }
        match kind {
            CLASS => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.declare(scope, file, name, DeclKind::Class(node), Vec::new());
                }
            }
            VARIABLE_DECLARATOR => {
                let is_var = ancestors.last().is_some_and(|p| p.kind() == VARIABLE_DECLARATION);
                let target = if is_var { self.hoisting_scope(scope) } else { scope };
                if let Some(pattern) = node.child_by_field_name("name") {
                    let init = node.child_by_field_name("value");
                    self.bind_pattern(target, file, pattern, Vec::new(), Vec::new(), 0, &|path| {
                        DeclKind::Var { init, path }
                    });
                }
            }
            FOR_IN_STATEMENT => {
                let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    return;
                };
                let is_of = node
                    .child_by_field_name("operator")
                    .is_some_and(|op| file.text(op) == "of");
                if node.child_by_field_name("kind").is_some() {
                    let make = |path: Vec<Step>| {
                        if is_of {
                            DeclKind::ForOf { right, path }
                        } else {
                            DeclKind::Opaque
                        }
                    };
                    self.bind_pattern(scope, file, left, Vec::new(), Vec::new(), 0, &make);
                }
            }
            CATCH_CLAUSE => {
                if let Some(param) = node.child_by_field_name("parameter") {
                    self.bind_pattern(scope, file, param, Vec::new(), Vec::new(), 0, &|_| DeclKind::Opaque);
                }
            }
            IMPORT_STATEMENT => self.declare_import(node, file),
            IMPORT_REQUIRE_CLAUSE => {
                let source = node
                    .child_by_field_name("source")
                    .map(|s| syntax::string_value(s, &file.source));
                let ident = syntax::named_children(node)
                    .into_iter()
                    .find(|c| c.kind() == IDENTIFIER);
                if let (Some(source), Some(ident)) = (source, ident) {
                    self.declare(
                        0,
                        file,
                        ident,
                        DeclKind::Import {
                            source,
                            name: ImportName::Namespace,
                        },
                        Vec::new(),
                    );
                }
            }
            ASSIGNMENT_EXPRESSION | AUGMENTED_ASSIGNMENT_EXPRESSION => {
                if kind == AUGMENTED_ASSIGNMENT_EXPRESSION {
                    let op = node.child_by_field_name("operator").map(|o| file.text(o)).unwrap_or("");
                    if !matches!(op, "??=" | "||=" | "&&=") {
                        return;
                    }
                }
                let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    return;
                };
                let left = syntax::unwrap_expr(left);
                if left.kind() == IDENTIFIER {
                    pending.push((left, right));
                } else if left.kind() == MEMBER_EXPRESSION {
                    let object = left.child_by_field_name("object").map(syntax::unwrap_expr);
                    let prop = left.child_by_field_name("property");
                    if let (Some(object), Some(prop)) = (object, prop)
                        && object.kind() == THIS
                        && let Some(class) = nearest_class(ancestors)
                    {
                        self.members
                            .entry((class.id(), file.text(prop).to_string()))
                            .or_default()
                            .push(right);
                    }
                }
            }
            FIELD_DEFINITION | PUBLIC_FIELD_DEFINITION => {
                let name = node
                    .child_by_field_name("property")
                    .or_else(|| node.child_by_field_name("name"));
                let value = node.child_by_field_name("value");
                let class = nearest_class(ancestors);
                if let (Some(name), Some(value), Some(class)) = (name, value, class) {
                    self.members
                        .entry((class.id(), file.text(name).to_string()))
                        .or_default()
                        .push(value);
                }
            }
            _ => {}
        }
    }

    pub(super) fn declare(
        &mut self,
        scope: usize,
        file: &ParsedFile,
        ident: Node<'t>,
        kind: DeclKind<'t>,
        defaults: Vec<Node<'t>>,
    ) {
        let idx = self.decls.len();
        let in_function = self.hoisting_scope(scope) != 0;
        self.decls.push(Decl {
            ident,
            kind,
            defaults,
            in_function,
        });
        self.scopes[scope]
            .names
            .entry(file.text(ident).to_string())
            .or_default()
            .push(idx);
    }

    pub(super) fn hoisting_scope(&self, mut scope: usize) -> usize {
        while !self.scopes[scope].hoists {
            match self.scopes[scope].parent {
                Some(p) => scope = p,
                None => break,
            }
        }
        scope
    }

    /// The innermost scope holding byte offset `pos`.
    fn scope_at(&self, pos: usize) -> usize {
        let mut current = 0;
        'descend: loop {
            let children = &self.scopes[current].children;
            let after = children.partition_point(|&c| self.scopes[c].node.start_byte() <= pos);
            if after > 0 {
                let child = children[after - 1];
                if pos < self.scopes[child].node.end_byte() {
                    current = child;
                    continue 'descend;
                }
            }
            return current;
        }
    }

    /// The declarations `name`, used at `at`, refers to (several for `var` redeclared).
    pub fn resolve(&self, at: Node<'_>, name: &str) -> Vec<usize> {
        let mut scope = Some(self.scope_at(at.start_byte()));
        while let Some(s) = scope {
            if let Some(found) = self.scopes[s].names.get(name) {
                return found.clone();
            }
            scope = self.scopes[s].parent;
        }
        Vec::new()
    }

    /// What `this` is at `at`: the class or object literal whose method holds it.
    pub fn this_at(&self, at: Node<'_>) -> This<'t> {
        let mut scope = Some(self.scope_at(at.start_byte()));
        while let Some(s) = scope {
            match self.scopes[s].this {
                This::Inherit => scope = self.scopes[s].parent,
                other => return other,
            }
        }
        This::Unknown
    }

    /// Declarations of `name` at module scope.
    pub fn module_scope(&self, name: &str) -> Vec<usize> {
        self.scopes[0].names.get(name).cloned().unwrap_or_default()
    }

    pub fn decl(&self, idx: usize) -> &Decl<'t> {
        &self.decls[idx]
    }

    pub fn assignments(&self, idx: usize) -> &[Node<'t>] {
        self.assigns.get(&idx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Values given to `this.name` (or the class field `name`) inside `class`.
    pub(super) fn add_member(&mut self, class: Node<'t>, name: String, value: Node<'t>) {
        self.members.entry((class.id(), name)).or_default().push(value);
    }

    /// Members assigned to an object literal after it was built.
    pub fn extras(&self, object: Node<'_>) -> &[(String, Node<'t>)] {
        self.extras.get(&object.id()).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn members(&self, class: Node<'_>, name: &str) -> &[Node<'t>] {
        self.members
            .get(&(class.id(), name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

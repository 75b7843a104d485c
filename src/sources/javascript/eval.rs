//! The evaluator: what an expression may evaluate to, across the function's files.
//! Bounded everywhere (depth, fuel, frames, alternatives): deep or cyclic code yields
//! `Unknown`, never a stack overflow.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::bindings::{Bindings, DeclKind, Step, This};
use super::exports::Exports;
use super::parse::ParsedFile;
use super::sdk;
use super::syntax::{self, *};
use super::values::{At, EnvId, FileId, Sdk, Value, extend_unique, push_unique};
use crate::catalog::Catalog;

/// Deepest evaluation nesting.
const MAX_DEPTH: u32 = 80;
/// Evaluation steps one top-level question may take.
const FUEL: u32 = 40_000;

/// One evaluated call of a local function: its arguments' values, and the environment
/// the function was created in.
pub(super) struct Frame<'t> {
    pub func: (FileId, usize),
    pub args: Vec<Vec<Value<'t>>>,
    pub parent: Option<EnvId>,
    pub depth: usize,
}

/// Everything known about the function's files, and the evaluation state.
pub struct Eval<'t> {
    pub files: &'t [ParsedFile],
    pub bindings: Vec<Bindings<'t>>,
    pub exports: Vec<Exports<'t>>,
    /// Per file: relative specifier → the local file it names.
    pub links: Vec<HashMap<String, FileId>>,
    pub catalog: &'t Catalog,
    /// Function node → the calls (or `new`) that invoke it.
    pub(super) callsites: HashMap<(FileId, usize), Vec<At<'t>>>,
    /// Function literal passed as an argument → the call it is passed to.
    pub(super) callbacks: HashMap<(FileId, usize), At<'t>>,
    pub(super) use_callsites: Cell<bool>,
    /// Arena of call environments (see [`EnvId`]).
    pub(super) envs: RefCell<Vec<Frame<'t>>>,
    pub(super) returns: RefCell<HashMap<(FileId, usize), Vec<Node<'t>>>>,
    cache: RefCell<HashMap<(FileId, usize), Vec<Value<'t>>>>,
    pub(super) active: RefCell<HashSet<(u8, FileId, usize)>>,
    pub(super) active_exports: RefCell<HashSet<(FileId, String)>>,
    depth: Cell<u32>,
    fuel: Cell<u32>,
}

impl<'t> Eval<'t> {
    pub fn new(files: &'t [ParsedFile], links: Vec<HashMap<String, FileId>>, catalog: &'t Catalog) -> Eval<'t> {
        Eval {
            files,
            bindings: files.iter().map(Bindings::build).collect(),
            exports: files.iter().map(super::exports::exports).collect(),
            links,
            catalog,
            callsites: HashMap::new(),
            callbacks: HashMap::new(),
            use_callsites: Cell::new(false),
            envs: RefCell::new(Vec::new()),
            returns: RefCell::new(HashMap::new()),
            cache: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            active_exports: RefCell::new(HashSet::new()),
            depth: Cell::new(0),
            fuel: Cell::new(FUEL),
        }
    }

    pub fn file(&self, id: FileId) -> &'t ParsedFile {
        &self.files[id]
    }

    pub fn text(&self, at: At<'t>) -> &'t str {
        syntax::text(at.node, &self.files[at.file].source)
    }

    pub fn clear_cache(&self) {
        self.cache.borrow_mut().clear();
    }

    /// What `at` may evaluate to.
    pub fn eval(&self, at: At<'t>) -> Vec<Value<'t>> {
        if self.depth.get() == 0 {
            self.fuel.set(FUEL);
        }
        if self.depth.get() >= MAX_DEPTH || self.fuel.get() == 0 {
            return vec![Value::Unknown];
        }
        self.fuel.set(self.fuel.get() - 1);
        self.depth.set(self.depth.get() + 1);
        let mut out = self.eval_node(at.with(syntax::unwrap_expr(at.node)));
        self.depth.set(self.depth.get() - 1);
        if out.is_empty() {
            out.push(Value::Unknown);
        }
        out
    }

    fn eval_node(&self, at: At<'t>) -> Vec<Value<'t>> {
        let node = at.node;
        match node.kind() {
            STRING => vec![Value::Str(crate::sources::Hint::literal(syntax::string_value(
                node,
                &self.file(at.file).source,
            )))],
            TEMPLATE_STRING => super::hints::template(self, at),
            NUMBER | TRUE | FALSE | NULL => vec![Value::Lit(self.text(at).to_string())],
            IDENTIFIER | SHORTHAND_PROPERTY_IDENTIFIER => self.identifier(at),
            MEMBER_EXPRESSION => {
                let (Some(object), Some(prop)) =
                    (node.child_by_field_name("object"), node.child_by_field_name("property"))
                else {
                    return vec![Value::Unknown];
                };
                let objects = self.eval(at.with(object));
                self.member(&objects, self.text(at.with(prop)))
            }
            SUBSCRIPT_EXPRESSION => self.subscript(at),
            CALL_EXPRESSION => self.call(at),
            NEW_EXPRESSION => self.construct(at),
            OBJECT => vec![Value::Object(at)],
            ARRAY => vec![self.array(at)],
            BINARY_EXPRESSION => self.binary(at),
            TERNARY_EXPRESSION => {
                let mut out = Vec::new();
                for field in ["consequence", "alternative"] {
                    if let Some(branch) = node.child_by_field_name(field) {
                        extend_unique(&mut out, self.eval(at.with(branch)));
                    }
                }
                out
            }
            ASSIGNMENT_EXPRESSION => node
                .child_by_field_name("right")
                .map(|r| self.eval(at.with(r)))
                .unwrap_or_default(),
            AUGMENTED_ASSIGNMENT_EXPRESSION => {
                let mut out = Vec::new();
                for field in ["left", "right"] {
                    if let Some(side) = node.child_by_field_name(field) {
                        extend_unique(&mut out, self.eval(at.with(side)));
                    }
                }
                out
            }
            THIS => self.this(at),
            INSTANTIATION_EXPRESSION => node
                .child_by_field_name("function")
                .map(|f| self.eval(at.with(f)))
                .unwrap_or_default(),
            kind if syntax::is_function(kind) => vec![Value::Function(at)],
            kind if syntax::is_class(kind) => vec![Value::Class(at)],
            _ => vec![Value::Unknown],
        }
    }

    fn identifier(&self, at: At<'t>) -> Vec<Value<'t>> {
        let name = self.text(at);
        let decls = self.bindings[at.file].resolve(at.node, name);
        if decls.is_empty() {
            return match name {
                "process" => vec![Value::Process],
                _ => vec![Value::Unknown],
            };
        }
        let mut out = Vec::new();
        for idx in decls {
            extend_unique(&mut out, self.decl_values(at.file, idx, at.env));
        }
        out
    }

    /// Every value a declared name may hold: initialiser, later assignments, defaults.
    pub fn decl_values(&self, file: FileId, idx: usize, env: Option<EnvId>) -> Vec<Value<'t>> {
        let key = (file, idx);
        // Names outside every function do not depend on a call's arguments.
        let env = if self.bindings[file].decl(idx).in_function {
            env
        } else {
            None
        };
        let cacheable = env.is_none();
        if cacheable && let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        if !self.active.borrow_mut().insert((0, file, idx)) {
            return vec![Value::Unknown];
        }
        let decl = self.bindings[file].decl(idx).clone();
        let at = At {
            file,
            node: decl.ident,
            env,
        };
        let mut out = Vec::new();
        match &decl.kind {
            DeclKind::Var { init, path } => {
                if let Some(init) = init {
                    let base = self.eval(at.with(*init));
                    extend_unique(&mut out, self.project(base, path));
                }
                for rhs in self.bindings[file].assignments(idx) {
                    extend_unique(&mut out, self.eval(at.with(*rhs)));
                }
            }
            DeclKind::Param {
                func,
                index,
                path,
                type_ann,
            } => {
                let base = self.param_values(at.with(*func), *index);
                let projected = self.project(base, path);
                let known = projected.iter().any(|v| *v != Value::Unknown);
                extend_unique(&mut out, projected);
                if !known && let Some(t) = type_ann {
                    extend_unique(&mut out, self.typed_client(at.with(*t)));
                }
                for rhs in self.bindings[file].assignments(idx) {
                    extend_unique(&mut out, self.eval(at.with(*rhs)));
                }
            }
            DeclKind::Function(node) => out.push(Value::Function(at.with(*node))),
            DeclKind::Class(node) => out.push(Value::Class(at.with(*node))),
            DeclKind::Enum(node) => out.push(Value::Enum(at.with(*node))),
            DeclKind::Import { source, name } => out = self.import(file, source, name),
            DeclKind::ForOf { right, path } => {
                let items = self.elements(&self.eval(at.with(*right)));
                out = self.project(items, path);
            }
            DeclKind::Opaque => out.push(Value::Unknown),
        }
        for d in &decl.defaults {
            extend_unique(&mut out, self.eval(at.with(*d)));
        }
        if out.is_empty() {
            out.push(Value::Unknown);
        }
        self.active.borrow_mut().remove(&(0, file, idx));
        if cacheable {
            self.cache.borrow_mut().insert(key, out.clone());
        }
        out
    }

    /// Follows a destructuring path from the whole value to the bound part.
    fn project(&self, mut values: Vec<Value<'t>>, path: &[Step]) -> Vec<Value<'t>> {
        for step in path {
            values = match step {
                Step::Prop(name) => self.member(&values, name),
                Step::Index(i) => {
                    let mut out = Vec::new();
                    for v in &values {
                        match v {
                            Value::List { items, exact: true } if *i < items.len() => {
                                push_unique(&mut out, items[*i].clone())
                            }
                            other => extend_unique(&mut out, self.elements(std::slice::from_ref(other))),
                        }
                    }
                    out
                }
                Step::Opaque => vec![Value::Unknown],
            };
        }
        values
    }

    /// What iterating the values yields (`for..of`, `.map`).
    pub fn elements(&self, values: &[Value<'t>]) -> Vec<Value<'t>> {
        let mut out = Vec::new();
        for v in values {
            match v {
                Value::List { items, .. } => extend_unique(&mut out, items.iter().cloned()),
                Value::Sdk(Sdk::Result { .. }) => push_unique(&mut out, v.clone()),
                _ => push_unique(&mut out, Value::Unknown),
            }
        }
        out
    }

    /// `values.name` for every alternative.
    pub fn member(&self, values: &[Value<'t>], name: &str) -> Vec<Value<'t>> {
        let mut out = Vec::new();
        for v in values {
            match v {
                Value::Object(obj) => extend_unique(&mut out, self.object_member(*obj, name, 0)),
                Value::Module(f) => extend_unique(&mut out, self.export(*f, name)),
                Value::Process if name == "env" => push_unique(&mut out, Value::Env),
                Value::Env => push_unique(&mut out, Value::Str(crate::sources::Hint::env(name))),
                Value::Sdk(s) => {
                    let derived = match s {
                        Sdk::Result {
                            service,
                            operation,
                            input: Some(input),
                        } => super::outputs::derive(self, service, operation, name, *input),
                        _ => None,
                    };
                    match derived {
                        Some(derived) => extend_unique(&mut out, derived),
                        None => push_unique(&mut out, sdk::member(s, name, self.catalog)),
                    }
                }
                Value::Instance(class) | Value::Class(class) => {
                    extend_unique(&mut out, self.class_member(*class, name))
                }
                Value::Enum(e) => extend_unique(&mut out, self.enum_member(*e, name)),
                _ => push_unique(&mut out, Value::Unknown),
            }
        }
        out
    }

    /// A property of an object literal (spreads searched when the key is not written).
    pub fn object_member(&self, obj: At<'t>, name: &str, depth: u32) -> Vec<Value<'t>> {
        let mut out = Vec::new();
        let mut spreads = Vec::new();
        let source = &self.file(obj.file).source;
        for part in syntax::named_children(obj.node) {
            match part.kind() {
                PAIR => {
                    let Some(key) = part.child_by_field_name("key") else {
                        continue;
                    };
                    let matches = match syntax::property_name(key, source) {
                        Some(k) => k == name,
                        None => self.computed_key(obj.with(key)).iter().any(|k| k == name),
                    };
                    if matches && let Some(value) = part.child_by_field_name("value") {
                        out = self.eval(obj.with(value));
                    }
                }
                SHORTHAND_PROPERTY_IDENTIFIER if syntax::text(part, source) == name => out = self.eval(obj.with(part)),
                METHOD_DEFINITION => {
                    let key = part
                        .child_by_field_name("name")
                        .and_then(|k| syntax::property_name(k, source));
                    if key.as_deref() == Some(name) {
                        out = self.method_value(obj.with(part));
                    }
                }
                SPREAD_ELEMENT if out.is_empty() => spreads.push(part),
                _ => {}
            }
        }
        for (prop, value) in self.bindings[obj.file].extras(obj.node) {
            if prop == name {
                extend_unique(&mut out, self.eval(obj.with(*value)));
            }
        }
        if out.is_empty() && depth < 4 {
            for spread in spreads {
                if let Some(inner) = syntax::named_children(spread).first() {
                    for v in self.eval(obj.with(*inner)) {
                        match v {
                            Value::Object(o) => extend_unique(&mut out, self.object_member(o, name, depth + 1)),
                            other => extend_unique(&mut out, self.member(&[other], name)),
                        }
                    }
                }
            }
        }
        out
    }

    /// `Enum.Name`: the member's value, or its name's index when it has none.
    fn enum_member(&self, e: At<'t>, name: &str) -> Vec<Value<'t>> {
        let Some(body) = e.node.child_by_field_name("body") else {
            return vec![Value::Unknown];
        };
        let source = &self.file(e.file).source;
        for (i, part) in syntax::named_children(body).into_iter().enumerate() {
            let (key, value) = match part.kind() {
                ENUM_ASSIGNMENT => (part.child_by_field_name("name"), part.child_by_field_name("value")),
                _ => (Some(part), None),
            };
            if key.and_then(|k| syntax::property_name(k, source)).as_deref() == Some(name) {
                return match value {
                    Some(v) => self.eval(e.with(v)),
                    None => vec![Value::Lit(i.to_string())],
                };
            }
        }
        vec![Value::Unknown]
    }

    /// The literal names a computed key (`[TABLE]`) may have.
    pub fn computed_key(&self, key: At<'t>) -> Vec<String> {
        let Some(inner) = syntax::named_children(key.node).first().copied() else {
            return Vec::new();
        };
        self.eval(key.with(inner))
            .into_iter()
            .filter_map(|v| match v {
                Value::Str(h) => h.as_literal().map(str::to_string),
                Value::Lit(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn class_member(&self, class: At<'t>, name: &str) -> Vec<Value<'t>> {
        let mut out = Vec::new();
        if let Some(body) = class.node.child_by_field_name("body") {
            for part in syntax::named_children(body) {
                if part.kind() == METHOD_DEFINITION
                    && part
                        .child_by_field_name("name")
                        .is_some_and(|n| self.text(class.with(n)) == name)
                {
                    extend_unique(&mut out, self.method_value(class.with(part)));
                }
            }
        }
        for value in self.bindings[class.file].members(class.node, name) {
            extend_unique(&mut out, self.eval(class.with(*value)));
        }
        out
    }

    /// A method as a member: the function, or what a getter (`get client() {…}`) returns.
    fn method_value(&self, method: At<'t>) -> Vec<Value<'t>> {
        let mut cursor = method.node.walk();
        let is_getter = method.node.children(&mut cursor).any(|c| c.kind() == "get");
        if is_getter {
            self.return_values_with(method, Vec::new())
        } else {
            vec![Value::Function(method)]
        }
    }

    fn this(&self, at: At<'t>) -> Vec<Value<'t>> {
        match self.bindings[at.file].this_at(at.node) {
            This::Class(class) => vec![Value::Instance(at.with(class))],
            This::Object(obj) => vec![Value::Object(at.with(obj))],
            This::Inherit | This::Unknown => vec![Value::Unknown],
        }
    }

    fn subscript(&self, at: At<'t>) -> Vec<Value<'t>> {
        let (Some(object), Some(index)) = (
            at.node.child_by_field_name("object"),
            at.node.child_by_field_name("index"),
        ) else {
            return vec![Value::Unknown];
        };
        let objects = self.eval(at.with(object));
        let keys = self.eval(at.with(index));
        let mut out = Vec::new();
        for key in &keys {
            match key {
                Value::Str(h) if h.as_literal().is_some() => {
                    extend_unique(&mut out, self.member(&objects, h.as_literal().unwrap_or_default()));
                }
                Value::Lit(n) => {
                    let i: Option<usize> = n.parse().ok();
                    for o in &objects {
                        match (o, i) {
                            (Value::List { items, exact: true }, Some(i)) if i < items.len() => {
                                push_unique(&mut out, items[i].clone());
                            }
                            (Value::List { .. }, _) => extend_unique(&mut out, self.elements(std::slice::from_ref(o))),
                            _ => extend_unique(&mut out, self.member(std::slice::from_ref(o), n)),
                        }
                    }
                }
                Value::Str(_) if objects.contains(&Value::Env) => {
                    // process.env[`${STAGE}_TABLE`]: an env var whose name is not fixed.
                    let why = syntax::short(at.node, &self.file(at.file).source, 40);
                    push_unique(&mut out, Value::Str(crate::sources::Hint::unknown(why)));
                }
                _ => {
                    for o in &objects {
                        match o {
                            Value::List { .. } => extend_unique(&mut out, self.elements(std::slice::from_ref(o))),
                            Value::Sdk(Sdk::Result { .. }) => push_unique(&mut out, o.clone()),
                            _ => push_unique(&mut out, Value::Unknown),
                        }
                    }
                }
            }
        }
        out
    }

    fn array(&self, at: At<'t>) -> Value<'t> {
        let mut items = Vec::new();
        let mut exact = true;
        for el in syntax::named_children(at.node) {
            if el.kind() == SPREAD_ELEMENT {
                exact = false;
                if let Some(inner) = syntax::named_children(el).first() {
                    let spread = self.eval(at.with(*inner));
                    extend_unique(&mut items, self.elements(&spread));
                }
            } else if el.kind() != "comment" {
                let values = self.eval(at.with(el));
                if values.len() != 1 {
                    exact = false;
                }
                extend_unique(&mut items, values);
            }
        }
        Value::List { items, exact }
    }

    fn binary(&self, at: At<'t>) -> Vec<Value<'t>> {
        let node = at.node;
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(at.with(o)))
            .unwrap_or("");
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return vec![Value::Unknown];
        };
        match op {
            "+" => super::hints::concat(self, at.with(left), at.with(right)),
            "??" | "||" => {
                let mut out = self.eval(at.with(left));
                extend_unique(&mut out, self.eval(at.with(right)));
                out
            }
            "&&" => self.eval(at.with(right)),
            _ => vec![Value::Unknown],
        }
    }

    /// A parameter typed `S3Client` (or `AWS.S3`, `DynamoDBDocumentClient`) is such a client.
    fn typed_client(&self, ann: At<'t>) -> Vec<Value<'t>> {
        let mut found = Vec::new();
        syntax::walk(ann.node, |n, enter| {
            if enter && matches!(n.kind(), TYPE_IDENTIFIER | NESTED_TYPE_IDENTIFIER) {
                found.push(n);
                return false;
            }
            enter
        });
        let mut out = Vec::new();
        for t in found.into_iter().take(4) {
            let text = self.text(ann.with(t));
            let mut parts = text.split('.');
            let Some(first) = parts.next() else { continue };
            let mut values = Vec::new();
            for idx in self.bindings[ann.file].resolve(t, first) {
                extend_unique(&mut values, self.decl_values(ann.file, idx, ann.env));
            }
            for part in parts {
                values = self.member(&values, part.trim());
            }
            for v in values {
                if let Value::Sdk(class) = &v
                    && let Some((service, kind)) = sdk::client_of_class(class)
                {
                    push_unique(&mut out, Value::Sdk(Sdk::Client(sdk::new_client(service, kind))));
                }
            }
        }
        out
    }

    /// The arguments of a call or `new` node.
    pub fn args(&self, call: Node<'t>) -> Vec<Node<'t>> {
        call.child_by_field_name("arguments")
            .filter(|a| a.kind() == ARGUMENTS)
            .map(syntax::named_children)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.kind() != "comment")
            .collect()
    }
}

//! Calls and constructors in the evaluator: what a call returns (local functions are
//! followed with their arguments bound, SDK calls yield responses), what `new` builds
//! (clients, commands, uploads, instances), and what a parameter receives (the arguments
//! of every call site, or the elements of the array a callback iterates).

use std::collections::HashMap;

use tree_sitter::Node;

use super::builtins::ELEMENT_CALLBACKS;
use super::eval::{Eval, Frame};
use super::imports;
use super::sdk;
use super::syntax::{self, *};
use super::values::{At, Client, ClientKind, EnvId, FileId, Sdk, Value, extend_unique, push_unique};
use crate::catalog::helpers;

/// Nested local calls followed with bound arguments.
const MAX_FRAMES: usize = 8;
/// Call environments one analysis may create.
const MAX_ENVS: usize = 200_000;

impl<'t> Eval<'t> {
    /// What a call expression may return.
    pub(super) fn call(&self, at: At<'t>) -> Vec<Value<'t>> {
        let file = self.file(at.file);
        if let Some(spec) = imports::require_arg(at.node, file) {
            return self.require(at.file, &spec);
        }
        let Some(callee) = at.node.child_by_field_name("function").map(syntax::unwrap_expr) else {
            return vec![Value::Unknown];
        };
        let args = self.args(at.node);
        if callee.kind() == MEMBER_EXPRESSION
            && let Some(v) = self.builtin_method(at, callee, &args)
        {
            return v;
        }
        let callee_name = match callee.kind() {
            IDENTIFIER => Some(self.text(at.with(callee))),
            MEMBER_EXPRESSION => callee.child_by_field_name("property").map(|p| self.text(at.with(p))),
            _ => None,
        };
        if callee_name == Some("promisify") {
            // util.promisify(fn): the same function, returning a promise.
            return args.first().map(|a| self.eval(at.with(*a))).unwrap_or_default();
        }
        if callee.kind() == IDENTIFIER
            && self.bindings[at.file]
                .resolve(callee, self.text(at.with(callee)))
                .is_empty()
        {
            match self.text(at.with(callee)) {
                "String" => return args.first().map(|a| self.eval(at.with(*a))).unwrap_or_default(),
                "require" => return vec![Value::Unknown],
                _ => {}
            }
        }
        let mut out = Vec::new();
        for v in self.eval(at.with(callee)) {
            match v {
                Value::Function(f) => extend_unique(&mut out, self.return_values(f, at, &args)),
                Value::Sdk(s) => extend_unique(&mut out, self.sdk_call_value(at, &s, &args)),
                _ => push_unique(&mut out, Value::Unknown),
            }
        }
        out
    }

    /// What calling an SDK value returns.
    fn sdk_call_value(&self, at: At<'t>, callee: &Sdk<'t>, args: &[Node<'t>]) -> Vec<Value<'t>> {
        let arg = |i: usize| args.get(i).map(|a| self.eval(at.with(*a))).unwrap_or_default();
        match callee {
            Sdk::Method { client, name } => self.method_result(client, name, &arg(0)),
            Sdk::DocumentFrom { full } => {
                let kind = if *full {
                    ClientKind::DocumentV3Full
                } else {
                    ClientKind::DocumentV3
                };
                vec![Value::Sdk(Sdk::Client(self.document_client(kind, &arg(0))))]
            }
            Sdk::AssumingCredentialsFn(_) => vec![Value::Sdk(Sdk::ForeignCredentials)],
            Sdk::CaptureFn => arg(0),
            Sdk::Paginator {
                service,
                operation: Some(op),
                ..
            }
            | Sdk::Waiter {
                service,
                operation: Some(op),
                ..
            } => {
                let input = args.get(1).map(|a| at.with(*a));
                vec![Value::Sdk(Sdk::Result {
                    service: service.clone(),
                    operation: op.clone(),
                    input,
                })]
            }
            _ => vec![Value::Unknown],
        }
    }

    /// The response of `client.name(...)`.
    fn method_result(&self, client: &Client<'t>, name: &str, first: &[Value<'t>]) -> Vec<Value<'t>> {
        if name == "send" {
            let mut out = Vec::new();
            for v in first {
                match v {
                    Value::Sdk(Sdk::Command { command, input, .. }) => match &command.operation {
                        Some(op) => push_unique(
                            &mut out,
                            Value::Sdk(Sdk::Result {
                                service: command.service.clone(),
                                operation: op.clone(),
                                input: *input,
                            }),
                        ),
                        None => push_unique(&mut out, Value::Unknown),
                    },
                    _ => push_unique(&mut out, Value::Unknown),
                }
            }
            return out;
        }
        let op = match client.kind {
            ClientKind::DocumentV2 | ClientKind::DocumentV3Full => {
                helpers::document_client_operation(name).map(str::to_string)
            }
            ClientKind::V2 | ClientKind::V3Aggregate => self
                .catalog
                .operation(&client.service, name)
                .map(|(api, _)| api.to_string()),
            _ => None,
        };
        let input = first.iter().find_map(|v| match v {
            Value::Object(o) => Some(*o),
            _ => None,
        });
        match op {
            Some(operation) => vec![Value::Sdk(Sdk::Result {
                service: client.service.clone(),
                operation,
                input,
            })],
            None => vec![Value::Unknown],
        }
    }

    /// A document client wrapping whatever `inner` is (its credentials carry over).
    fn document_client(&self, kind: ClientKind, inner: &[Value<'t>]) -> Client<'t> {
        let clients: Vec<&Client<'t>> = inner.iter().filter_map(Value::client).collect();
        let foreign = !clients.is_empty() && clients.iter().all(|c| c.foreign);
        Client {
            service: "dynamodb".into(),
            kind,
            foreign,
            bound: None,
        }
    }

    /// What `new Ctor(...)` builds.
    pub(super) fn construct(&self, at: At<'t>) -> Vec<Value<'t>> {
        let Some(ctor) = at.node.child_by_field_name("constructor") else {
            return vec![Value::Unknown];
        };
        let args = self.args(at.node);
        if ctor.kind() == IDENTIFIER
            && self.text(at.with(ctor)) == "Set"
            && self.bindings[at.file].resolve(ctor, "Set").is_empty()
        {
            let items = args
                .first()
                .map(|a| self.elements(&self.eval(at.with(*a))))
                .unwrap_or_default();
            return vec![Value::List { items, exact: false }];
        }
        let mut out = Vec::new();
        for v in self.eval(at.with(ctor)) {
            let built = match v {
                Value::Sdk(Sdk::CommandClass(command)) => Value::Sdk(Sdk::Command {
                    command,
                    input: args.first().map(|a| at.with(*a)),
                    at,
                }),
                Value::Sdk(Sdk::UploadClass) => Value::Sdk(Sdk::Upload { at, v2: false }),
                Value::Sdk(Sdk::V2ManagedUploadClass) => Value::Sdk(Sdk::Upload { at, v2: true }),
                Value::Sdk(Sdk::V2AssumingCredentialsClass(_)) => Value::Sdk(Sdk::ForeignCredentials),
                Value::Sdk(Sdk::Tracer) => Value::Sdk(Sdk::Tracer),
                Value::Sdk(Sdk::PowertoolsClass(class)) => Value::Sdk(Sdk::PowertoolsProvider { class, at }),
                Value::Sdk(Sdk::V2CredentialsClass) => {
                    let foreign = args.iter().any(|a| self.is_foreign(&self.eval(at.with(*a)), 0));
                    if foreign {
                        Value::Sdk(Sdk::ForeignCredentials)
                    } else {
                        Value::Unknown
                    }
                }
                Value::Sdk(Sdk::UnknownService(spec)) => Value::Sdk(Sdk::UnknownService(spec)),
                Value::Sdk(class) => match sdk::client_of_class(&class) {
                    Some((service, kind)) => Value::Sdk(Sdk::Client(self.new_client(at, service, kind, &args))),
                    None => Value::Unknown,
                },
                Value::Class(c) => Value::Instance(c),
                _ => Value::Unknown,
            };
            push_unique(&mut out, built);
        }
        out
    }

    fn new_client(&self, at: At<'t>, service: String, kind: ClientKind, args: &[Node<'t>]) -> Client<'t> {
        let config = args.first().map(|a| self.eval(at.with(*a))).unwrap_or_default();
        if kind == ClientKind::DocumentV3 || kind == ClientKind::DocumentV3Full {
            return self.document_client(kind, &config);
        }
        let mut client = sdk::new_client(service, kind);
        for v in &config {
            let Value::Object(obj) = v else { continue };
            for key in ["credentials", "accessKeyId"] {
                if self.is_foreign(&self.object_member(*obj, key, 0), 0) {
                    client.foreign = true;
                }
            }
            if kind == ClientKind::DocumentV2 {
                let service = self.object_member(*obj, "service", 0);
                if service.iter().filter_map(Value::client).any(|c| c.foreign) {
                    client.foreign = true;
                }
            }
            if kind == ClientKind::V2 {
                client.bound = self.object_member(*obj, "params", 0).into_iter().find_map(|p| match p {
                    Value::Object(o) => Some(o),
                    _ => None,
                });
            }
        }
        client
    }

    /// Whether values are (or are built from) another principal's credentials.
    pub(super) fn is_foreign(&self, values: &[Value<'t>], depth: u32) -> bool {
        if depth > 3 {
            return false;
        }
        values.iter().any(|v| match v {
            Value::Sdk(Sdk::ForeignCredentials) => true,
            Value::Sdk(Sdk::Result { service, operation, .. }) => sdk::yields_credentials(service, operation),
            Value::Object(obj) => syntax::named_children(obj.node).into_iter().any(|part| {
                let value = match part.kind() {
                    PAIR => part.child_by_field_name("value"),
                    SHORTHAND_PROPERTY_IDENTIFIER => Some(part),
                    SPREAD_ELEMENT => syntax::named_children(part).first().copied(),
                    _ => None,
                };
                value.is_some_and(|n| self.is_foreign(&self.eval(obj.with(n)), depth + 1))
            }),
            Value::Function(f) => self.is_foreign(&self.return_values_with(*f, Vec::new()), depth + 1),
            _ => false,
        })
    }

    /// What a local function returns when called at `call` with `args`.
    fn return_values(&self, func: At<'t>, call: At<'t>, args: &[Node<'t>]) -> Vec<Value<'t>> {
        if self.env_depth(func.env) >= MAX_FRAMES {
            return vec![Value::Unknown];
        }
        let mut bound = Vec::new();
        for a in args {
            if a.kind() == SPREAD_ELEMENT {
                break;
            }
            bound.push(self.eval(call.with(*a)));
        }
        self.return_values_with(func, bound)
    }

    /// What a local function returns with its parameters bound to `args`.
    pub(super) fn return_values_with(&self, func: At<'t>, args: Vec<Vec<Value<'t>>>) -> Vec<Value<'t>> {
        let key = (2, func.file, func.node.id());
        let depth = self.env_depth(func.env) + 1;
        if depth > MAX_FRAMES || self.envs.borrow().len() >= MAX_ENVS || !self.active.borrow_mut().insert(key) {
            return vec![Value::Unknown];
        }
        let env = {
            let mut envs = self.envs.borrow_mut();
            envs.push(Frame {
                func: func.key(),
                args,
                parent: func.env,
                depth,
            });
            EnvId::try_from(envs.len() - 1).ok()
        };
        let mut out = Vec::new();
        for ret in self.return_exprs(func) {
            extend_unique(
                &mut out,
                self.eval(At {
                    file: func.file,
                    node: ret,
                    env,
                }),
            );
        }
        self.active.borrow_mut().remove(&key);
        if out.is_empty() {
            out.push(Value::Unknown);
        }
        out
    }

    /// The expressions a function returns (its body when it is an arrow expression).
    fn return_exprs(&self, func: At<'t>) -> Vec<Node<'t>> {
        if let Some(cached) = self.returns.borrow().get(&func.key()) {
            return cached.clone();
        }
        let mut out = Vec::new();
        if let Some(body) = func.node.child_by_field_name("body") {
            if body.kind() == STATEMENT_BLOCK {
                syntax::walk(body, |n, enter| {
                    if !enter {
                        return false;
                    }
                    if n.kind() == RETURN_STATEMENT {
                        out.extend(syntax::named_children(n).into_iter().find(|c| c.kind() != "comment"));
                        return false;
                    }
                    n.id() == body.id() || !(syntax::is_function(n.kind()) || syntax::is_class(n.kind()))
                });
            } else {
                out.push(body);
            }
        }
        self.returns.borrow_mut().insert(func.key(), out.clone());
        out
    }

    /// What the `index`-th parameter of `func` receives.
    pub(super) fn param_values(&self, func: At<'t>, index: usize) -> Vec<Value<'t>> {
        // Inside an evaluated call of `func`: that call's argument.
        let mut env = func.env;
        while let Some(id) = env {
            let envs = self.envs.borrow();
            let Some(frame) = envs.get(id as usize) else { break };
            if frame.func == func.key() {
                return frame.args.get(index).cloned().unwrap_or_else(|| vec![Value::Unknown]);
            }
            env = frame.parent;
        }
        let mut out = Vec::new();
        if self.use_callsites.get() {
            let sites = self.callsites.get(&func.key()).cloned().unwrap_or_default();
            for site in sites {
                let args = self.args(site.node);
                if args.iter().take(index + 1).any(|a| a.kind() == SPREAD_ELEMENT) {
                    push_unique(&mut out, Value::Unknown);
                } else if let Some(arg) = args.get(index) {
                    extend_unique(&mut out, self.eval(site.with(*arg)));
                }
            }
        }
        extend_unique(&mut out, self.callback_values(func, index));
        out
    }

    /// How many calls deep an environment is.
    fn env_depth(&self, env: Option<EnvId>) -> usize {
        env.and_then(|id| self.envs.borrow().get(id as usize).map(|f| f.depth))
            .unwrap_or(0)
    }

    /// A function passed as a callback: `.map((x) => …)` elements, v2 `(err, data)`.
    fn callback_values(&self, func: At<'t>, index: usize) -> Vec<Value<'t>> {
        let Some(call) = self.callbacks.get(&func.key()).map(|c| c.node) else {
            return Vec::new();
        };
        let Some(callee) = call.child_by_field_name("function").map(syntax::unwrap_expr) else {
            return Vec::new();
        };
        if callee.kind() == MEMBER_EXPRESSION {
            let object = callee.child_by_field_name("object");
            let prop = callee
                .child_by_field_name("property")
                .map(|p| self.text(func.with(p)))
                .unwrap_or("");
            if let Some(object) = object {
                let elementwise = (ELEMENT_CALLBACKS.contains(&prop) && index == 0)
                    || (matches!(prop, "reduce" | "reduceRight") && index == 1);
                if elementwise {
                    return self.elements(&self.eval(func.with(object)));
                }
                if prop == "then" && index == 0 {
                    return self.eval(func.with(object));
                }
            }
        }
        if index == 1 {
            // v2 callback style: `s3.getObject(params, (err, data) => …)`.
            let mut out = Vec::new();
            for v in self.eval(func.with(callee)) {
                if let Value::Sdk(Sdk::Method { client, name }) = &v {
                    let first = self
                        .args(call)
                        .first()
                        .map(|a| self.eval(func.with(*a)))
                        .unwrap_or_default();
                    extend_unique(&mut out, self.method_result(client, name, &first));
                }
            }
            return out;
        }
        Vec::new()
    }

    /// Finds, for every local function, the calls that invoke it (`new` included).
    pub fn index_callsites(&mut self, calls: &[Vec<Node<'t>>]) {
        self.use_callsites.set(false);
        let mut callbacks = HashMap::new();
        for (file, nodes) in calls.iter().enumerate() {
            for node in nodes.iter().filter(|n| n.kind() == CALL_EXPRESSION) {
                for arg in self.args(*node).into_iter().filter(|a| syntax::is_function(a.kind())) {
                    callbacks.insert((file, arg.id()), At::new(file, *node));
                }
            }
        }
        self.callbacks = callbacks;
        let mut sites: HashMap<(FileId, usize), Vec<At<'t>>> = HashMap::new();
        for (file, nodes) in calls.iter().enumerate() {
            for node in nodes {
                let at = At::new(file, *node);
                let field = if node.kind() == NEW_EXPRESSION {
                    "constructor"
                } else {
                    "function"
                };
                let Some(callee) = node.child_by_field_name(field) else {
                    continue;
                };
                for v in self.eval(at.with(callee)) {
                    let func = match v {
                        Value::Function(f) => Some(f),
                        Value::Class(c) if node.kind() == NEW_EXPRESSION => self.constructor_of(c),
                        _ => None,
                    };
                    if let Some(func) = func {
                        let list = sites.entry(func.key()).or_default();
                        if list.last() != Some(&at) {
                            list.push(at);
                        }
                    }
                }
            }
        }
        self.callsites = sites;
        self.clear_cache();
        self.use_callsites.set(true);
    }

    fn constructor_of(&self, class: At<'t>) -> Option<At<'t>> {
        let body = class.node.child_by_field_name("body")?;
        syntax::named_children(body)
            .into_iter()
            .find(|m| {
                m.kind() == METHOD_DEFINITION
                    && m.child_by_field_name("name")
                        .is_some_and(|n| self.text(class.with(n)) == "constructor")
            })
            .map(|m| class.with(m))
    }
}

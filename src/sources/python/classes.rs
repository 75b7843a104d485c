//! Local classes: methods and base classes, and what `instance.name` holds (`self.x`
//! assigned in any method, class attributes, properties returning a client, fields of
//! dataclasses and named tuples given to the constructor).

use super::bindings::{Args, Ctx, Env, Key};
use super::scopes::{Binding, ScopeId, ScopeKind};
use super::value::{Vals, Value, extend, push, unknown};

impl Env<'_> {
    /// The function a class (or a base) defines under `name`.
    pub fn method(&self, class: ScopeId, name: &str) -> Option<ScopeId> {
        for c in self.class_chain(class) {
            for b in self.scopes.get(c).names.get(name).into_iter().flatten() {
                if let Binding::Def(s) = b.binding
                    && self.scopes.get(s).kind == ScopeKind::Function
                {
                    return Some(s);
                }
            }
        }
        None
    }

    /// A class and its local base classes, nearest first.
    pub fn class_chain(&self, class: ScopeId) -> Vec<ScopeId> {
        let mut out = vec![class];
        let mut i = 0;
        while i < out.len() && out.len() < 8 {
            let c = self.scopes.get(out[i]);
            let parent = c.parent.unwrap_or(out[i]);
            for base in &c.bases {
                for v in self.eval(*base, &Ctx::new(parent)) {
                    if let Value::Class(b) = v
                        && !out.contains(&b)
                    {
                        out.push(b);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// `instance.name`: `self.name = ...` in its methods, class attributes, methods and
    /// properties.
    pub fn instance_attr(&self, class: ScopeId, name: &str, instance: &Value) -> Vals {
        let mut out: Vals = Vec::new();
        for c in self.class_chain(class) {
            let scope = self.scopes.get(c);
            if scope.fields.iter().any(|f| f == name) && self.is_record(c) {
                extend(&mut out, self.field_arguments(c, name));
            }
            if let Some(bounds) = scope.self_attrs.get(name) {
                let key = Key::SelfAttr(c, name.to_string());
                if let Some(before) = self.enter(&key) {
                    extend(&mut out, self.bounds(name, bounds, &None));
                    self.leave(&key, before);
                }
            }
            for b in scope.names.get(name).into_iter().flatten() {
                match b.binding {
                    Binding::Def(f) if self.scopes.get(f).kind == ScopeKind::Function => {
                        let decorators = &self.scopes.get(f).decorators;
                        if decorators.iter().any(|d| d == "property" || d == "cached_property") {
                            extend(&mut out, self.call_local(f, &Args::default(), Some(instance.clone())));
                        } else {
                            push(&mut out, Value::Method(Box::new(instance.clone()), name.to_string()));
                        }
                    }
                    _ => extend(&mut out, self.binding(name, b, &None)),
                }
            }
            if !out.is_empty() {
                break;
            }
        }
        if out.is_empty() { unknown(name) } else { out }
    }

    /// A class whose constructor takes its annotated fields: `@dataclass`, `NamedTuple`,
    /// pydantic models.
    fn is_record(&self, class: ScopeId) -> bool {
        let c = self.scopes.get(class);
        let parent = c.parent.unwrap_or(class);
        let based_on = |suffix: &str| c.bases.iter().any(|b| self.text(parent, *b).ends_with(suffix));
        (c.decorators.iter().any(|d| d == "dataclass") || based_on("NamedTuple") || based_on("BaseModel"))
            && self.method(class, "__init__").is_none()
    }

    /// What the constructor calls of a record class pass for one field.
    fn field_arguments(&self, class: ScopeId, field: &str) -> Vals {
        let c = self.scopes.get(class);
        let Some(position) = c.fields.iter().position(|f| f == field) else {
            return Vec::new();
        };
        let key = Key::SelfAttr(class, format!("field {field}"));
        let Some(before) = self.enter(&key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (site_scope, call) in self.scopes.calls_by_name.get(&c.name).into_iter().flatten() {
            let ctx = Ctx::new(*site_scope);
            let Some(callee) = call.child_by_field_name("function") else {
                continue;
            };
            if !self.eval(callee, &ctx).contains(&Value::Class(class)) {
                continue;
            }
            let args = self.args(*call, &ctx);
            if let Some(v) = args.arg(position, field) {
                extend(&mut out, v.iter().cloned());
            }
        }
        self.leave(&key, before);
        out
    }
}

//! JavaScript built-ins that pass values through, so names survive them: promise and
//! request chains (`.promise()`, `.catch()`), `bind`, string conversions, array methods
//! (`map` runs its callback on the elements, `filter`/`slice`/`concat` keep them) and
//! `Object.keys/values/entries/freeze`.

use tree_sitter::Node;

use super::eval::Eval;
use super::syntax::{self, *};
use super::values::{At, Value, extend_unique, push_unique};

/// Array methods whose callback receives each element first.
pub(super) const ELEMENT_CALLBACKS: &[&str] = &[
    "map",
    "forEach",
    "filter",
    "flatMap",
    "some",
    "every",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
];
/// Array methods that return (a subset of) the same elements.
const SAME_ELEMENTS: &[&str] = &[
    "filter",
    "slice",
    "sort",
    "reverse",
    "concat",
    "flat",
    "toSorted",
    "toReversed",
    "splice",
];

impl<'t> Eval<'t> {
    /// Methods of promises, strings, arrays and the `Object` global that pass values through.
    pub(super) fn builtin_method(&self, at: At<'t>, callee: Node<'t>, args: &[Node<'t>]) -> Option<Vec<Value<'t>>> {
        let object = callee.child_by_field_name("object")?;
        let prop = self.text(at.with(callee.child_by_field_name("property")?));
        match prop {
            "promise" | "catch" | "finally" | "bind" | "toString" | "valueOf" | "trim" => {
                return Some(self.eval(at.with(object)));
            }
            _ => {}
        }
        let object = syntax::unwrap_expr(object);
        if object.kind() == IDENTIFIER && self.text(at.with(object)) == "Object" {
            let arg = args.first().map(|a| self.eval(at.with(*a))).unwrap_or_default();
            return Some(match prop {
                "freeze" => arg,
                "values" | "keys" | "entries" => vec![self.object_parts(&arg, prop)],
                _ => vec![Value::Unknown],
            });
        }
        if !(ELEMENT_CALLBACKS.contains(&prop) || SAME_ELEMENTS.contains(&prop) || prop == "at") {
            return None;
        }
        let receiver = self.eval(at.with(object));
        let is_list = receiver.iter().any(|v| matches!(v, Value::List { .. }));
        // `.map(cb)` on something unknown is still an array mapped: its callback's results matter.
        let unknown_array = matches!(prop, "map" | "flatMap") && receiver.iter().all(|v| *v == Value::Unknown);
        if !is_list && !unknown_array {
            return None;
        }
        let elements = self.elements(&receiver);
        Some(match prop {
            "map" | "flatMap" => {
                let mut items = Vec::new();
                if let Some(cb) = args.first() {
                    for f in self.eval(at.with(*cb)) {
                        if let Value::Function(f) = f {
                            let returned = self.return_values_with(f, vec![elements.clone()]);
                            if prop == "flatMap" {
                                extend_unique(&mut items, self.elements(&returned));
                            } else {
                                extend_unique(&mut items, returned);
                            }
                        }
                    }
                }
                vec![Value::List { items, exact: false }]
            }
            "find" | "findLast" | "at" => elements,
            "concat" => {
                let mut items = elements;
                for a in args {
                    let v = self.eval(at.with(*a));
                    let extra = if v.iter().any(|x| matches!(x, Value::List { .. })) {
                        self.elements(&v)
                    } else {
                        v
                    };
                    extend_unique(&mut items, extra);
                }
                vec![Value::List { items, exact: false }]
            }
            _ if SAME_ELEMENTS.contains(&prop) => vec![Value::List {
                items: elements,
                exact: false,
            }],
            _ => vec![Value::Unknown],
        })
    }

    /// `Object.keys/values/entries` of object literals.
    fn object_parts(&self, values: &[Value<'t>], which: &str) -> Value<'t> {
        let mut items = Vec::new();
        for v in values {
            let Value::Object(obj) = v else {
                push_unique(&mut items, Value::Unknown);
                continue;
            };
            let source = &self.file(obj.file).source;
            for part in syntax::named_children(obj.node) {
                let (key, value) = match part.kind() {
                    PAIR => (part.child_by_field_name("key"), part.child_by_field_name("value")),
                    SHORTHAND_PROPERTY_IDENTIFIER => (Some(part), Some(part)),
                    _ => {
                        push_unique(&mut items, Value::Unknown);
                        continue;
                    }
                };
                match which {
                    "keys" => match key.and_then(|k| syntax::property_name(k, source)) {
                        Some(k) => push_unique(&mut items, Value::Str(crate::sources::Hint::literal(k))),
                        None => push_unique(&mut items, Value::Unknown),
                    },
                    "values" => {
                        if let Some(value) = value {
                            extend_unique(&mut items, self.eval(obj.with(value)));
                        }
                    }
                    _ => {
                        // entries: [key, value] pairs.
                        let k = key.and_then(|k| syntax::property_name(k, source));
                        let k = k.map_or(Value::Unknown, |k| Value::Str(crate::sources::Hint::literal(k)));
                        for v in value.map(|v| self.eval(obj.with(v))).unwrap_or_default() {
                            push_unique(
                                &mut items,
                                Value::List {
                                    items: vec![k.clone(), v],
                                    exact: true,
                                },
                            );
                        }
                    }
                }
            }
        }
        Value::List { items, exact: false }
    }
}

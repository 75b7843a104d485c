//! What parameters, imports and destructuring patterns declare: each bound name with
//! the path from the whole value to it (`const { a: { b } } = x` binds `b` at `a.b`).

use tree_sitter::Node;

use super::bindings::{Bindings, DeclKind, Step, nearest_class};
use super::parse::ParsedFile;
use super::syntax::{self, *};

/// Patterns nest rarely; deeper ones are not bound.
const MAX_PATTERN_DEPTH: usize = 16;

impl<'t> Bindings<'t> {
    pub(super) fn declare_params(
        &mut self,
        func: Node<'t>,
        scope: usize,
        file: &'t ParsedFile,
        ancestors: &[Node<'t>],
    ) {
        if let Some(single) = func.child_by_field_name("parameter") {
            self.declare(scope, file, single, param_kind(func, 0, Vec::new(), None), Vec::new());
            return;
        }
        let Some(params) = func.child_by_field_name("parameters") else {
            return;
        };
        let is_constructor = func.kind() == METHOD_DEFINITION
            && func
                .child_by_field_name("name")
                .is_some_and(|n| file.text(n) == "constructor");
        let class = if is_constructor { nearest_class(ancestors) } else { None };
        for (index, param) in syntax::named_children(params)
            .into_iter()
            .filter(|p| p.kind() != "comment")
            .enumerate()
        {
            let (pattern, default, type_ann) = match param.kind() {
                REQUIRED_PARAMETER | OPTIONAL_PARAMETER => {
                    let pattern = param
                        .child_by_field_name("pattern")
                        .or_else(|| param.child_by_field_name("name"));
                    (
                        pattern,
                        param.child_by_field_name("value"),
                        param.child_by_field_name("type"),
                    )
                }
                _ => (Some(param), None, None),
            };
            let Some(pattern) = pattern else { continue };
            let defaults: Vec<Node<'t>> = default.into_iter().collect();
            self.bind_pattern(scope, file, pattern, Vec::new(), defaults, 0, &|path| {
                param_kind(func, index, path, type_ann)
            });
            // TypeScript parameter properties: `constructor(private readonly s3: S3Client)`.
            let is_property = syntax::named_children(param)
                .iter()
                .any(|c| c.kind() == ACCESSIBILITY_MODIFIER)
                || file.text(param).starts_with("readonly ");
            if let (Some(class), true, IDENTIFIER) = (class, is_property, pattern.kind()) {
                self.add_member(class, file.text(pattern).to_string(), pattern);
            }
        }
    }

    pub(super) fn declare_import(&mut self, stmt: Node<'t>, file: &'t ParsedFile) {
        let Some(source) = stmt
            .child_by_field_name("source")
            .map(|s| syntax::string_value(s, &file.source))
        else {
            return;
        };
        for (local, name) in super::imports::import_bindings(file, stmt) {
            let kind = DeclKind::Import {
                source: source.clone(),
                name,
            };
            self.declare(0, file, local, kind, Vec::new());
        }
    }

    /// Binds every name of a pattern, each with the path from the whole value to it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_pattern(
        &mut self,
        scope: usize,
        file: &'t ParsedFile,
        pattern: Node<'t>,
        path: Vec<Step>,
        defaults: Vec<Node<'t>>,
        depth: usize,
        make: &dyn Fn(Vec<Step>) -> DeclKind<'t>,
    ) {
        if depth > MAX_PATTERN_DEPTH {
            return;
        }
        let with = |step: Step| {
            let mut p = path.clone();
            p.push(step);
            p
        };
        match pattern.kind() {
            IDENTIFIER | SHORTHAND_PROPERTY_IDENTIFIER_PATTERN => {
                self.declare(scope, file, pattern, make(path), defaults);
            }
            ASSIGNMENT_PATTERN | OBJECT_ASSIGNMENT_PATTERN => {
                let (Some(left), right) = (
                    pattern.child_by_field_name("left"),
                    pattern.child_by_field_name("right"),
                ) else {
                    return;
                };
                let mut defaults = defaults;
                defaults.extend(right);
                if left.kind() == SHORTHAND_PROPERTY_IDENTIFIER_PATTERN {
                    let p = with(Step::Prop(file.text(left).to_string()));
                    self.declare(scope, file, left, make(p), defaults);
                } else {
                    self.bind_pattern(scope, file, left, path, defaults, depth + 1, make);
                }
            }
            OBJECT_PATTERN => {
                for part in syntax::named_children(pattern) {
                    match part.kind() {
                        SHORTHAND_PROPERTY_IDENTIFIER_PATTERN => {
                            let p = with(Step::Prop(file.text(part).to_string()));
                            self.declare(scope, file, part, make(p), Vec::new());
                        }
                        OBJECT_ASSIGNMENT_PATTERN => {
                            self.bind_pattern(scope, file, part, path.clone(), Vec::new(), depth + 1, make);
                        }
                        PAIR_PATTERN => {
                            let key = part.child_by_field_name("key");
                            let step = key
                                .and_then(|k| syntax::property_name(k, &file.source))
                                .map_or(Step::Opaque, Step::Prop);
                            if let Some(value) = part.child_by_field_name("value") {
                                self.bind_pattern(scope, file, value, with(step), Vec::new(), depth + 1, make);
                            }
                        }
                        REST_PATTERN => {
                            for inner in syntax::named_children(part) {
                                self.bind_pattern(scope, file, inner, with(Step::Opaque), Vec::new(), depth + 1, make);
                            }
                        }
                        _ => {}
                    }
                }
            }
            ARRAY_PATTERN => {
                for (i, part) in syntax::named_children(pattern).into_iter().enumerate() {
                    let step = if part.kind() == REST_PATTERN {
                        Step::Opaque
                    } else {
                        Step::Index(i)
                    };
                    let inner = if part.kind() == REST_PATTERN {
                        syntax::named_children(part).first().copied()
                    } else {
                        Some(part)
                    };
                    if let Some(inner) = inner {
                        self.bind_pattern(scope, file, inner, with(step), Vec::new(), depth + 1, make);
                    }
                }
            }
            REST_PATTERN => {
                for inner in syntax::named_children(pattern) {
                    self.bind_pattern(scope, file, inner, with(Step::Opaque), Vec::new(), depth + 1, make);
                }
            }
            _ => {}
        }
    }
}

fn param_kind<'t>(func: Node<'t>, index: usize, path: Vec<Step>, type_ann: Option<Node<'t>>) -> DeclKind<'t> {
    DeclKind::Param {
        func,
        index,
        path,
        type_ann,
    }
}

//! Evaluating Terraform expressions offline: literals, templates (`"${var.env}-orders"`),
//! `var.`, `local.`, resource and data attributes (`aws_dynamodb_table.orders.name`,
//! `.arn`, `aws_sqs_queue.jobs.url`), module inputs and outputs, `path.module`, common
//! functions (`format`, `join`, `jsonencode`, `merge`, `lookup`...). What only `apply`
//! knows becomes `*`, with a note saying why.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::Path;

use hcl::expr::{BinaryOperator, Operation, TraversalOperator};
use hcl::template::{Element, Template};
use hcl::{Expression, ObjectKey};
use serde_json::{Map, Value, json};

use crate::sources::contained::{self, Refusal, Root};
use crate::sources::limits;

use super::terraform::{Item, Module, Project, Refused};

const MAX_DEPTH: usize = 48;

/// Evaluation inside one module of a project.
pub struct Eval<'a> {
    pub project: &'a Project,
    pub module: usize,
    notes: RefCell<BTreeSet<String>>,
    depth: Cell<usize>,
}

/// Types whose name and ARN the graph shows.
pub fn is_named_type(ty: &str) -> bool {
    matches!(
        ty,
        "aws_dynamodb_table"
            | "aws_s3_bucket"
            | "aws_sqs_queue"
            | "aws_sns_topic"
            | "aws_secretsmanager_secret"
            | "aws_ssm_parameter"
            | "aws_kms_key"
            | "aws_kms_alias"
            | "aws_kinesis_stream"
            | "aws_sfn_state_machine"
            | "aws_cloudwatch_event_bus"
            | "aws_cloudwatch_log_group"
            | "aws_lambda_function"
            | "aws_iam_role"
            | "aws_iam_policy"
    )
}

fn star() -> Value {
    Value::String("*".into())
}

impl<'a> Eval<'a> {
    pub fn new(project: &'a Project, module: usize) -> Eval<'a> {
        Eval {
            project,
            module,
            notes: RefCell::new(BTreeSet::new()),
            depth: Cell::new(0),
        }
    }

    pub fn module(&self) -> &'a Module {
        &self.project.modules[self.module]
    }

    /// The module's label for grouping: the root folder, or `module.api`.
    pub fn stack_label(&self) -> String {
        let m = self.module();
        if m.prefix.is_empty() {
            m.dir.display().to_string()
        } else {
            m.prefix.trim_end_matches('.').to_string()
        }
    }

    /// The reasons noted since the last call, joined.
    pub fn take_notes(&self) -> Option<String> {
        let notes = std::mem::take(&mut *self.notes.borrow_mut());
        (!notes.is_empty()).then(|| notes.into_iter().collect::<Vec<_>>().join("; "))
    }

    /// Notes why a value is not known.
    pub fn note(&self, why: String) {
        self.notes.borrow_mut().insert(why);
    }

    /// The text of the file `file()`/`templatefile()` names (relative to the root
    /// module, as `terraform` runs there): read only when it is a regular file inside the
    /// repository; else a refusal is recorded for a warning, and `None`.
    pub fn read_named_file(&self, function: &str, path: &str) -> Option<String> {
        let base = &self.project.modules[0].dir;
        let root = self.project.root.clone().unwrap_or_else(|| Root::of(base));
        // `path.module` evaluates to the module's folder as found (`infra/api`); another
        // relative path is Terraform's, relative to the root module.
        let named = Path::new(path);
        let full = if self.project.modules.iter().any(|m| named.starts_with(&m.dir)) {
            named.to_path_buf()
        } else {
            base.join(named)
        };
        if !limits::may_read() {
            return None;
        }
        match root.read_text(&full, contained::MAX_BYTES) {
            Ok(text) if !limits::charge_read(text.len()) => None,
            Ok(text) => Some(text),
            // A file that is not there, or not text: a reason, as for any unknown value.
            Err(refusal @ (Refusal::Missing | Refusal::NotText | Refusal::Unreadable(_))) => {
                self.note(format!("{function}({path}) {refusal}"));
                None
            }
            Err(refusal) => {
                self.note(format!("{function}() of a file that was not read"));
                self.project.refused.borrow_mut().insert(Refused {
                    module: self.module,
                    function: function.to_string(),
                    path: path.to_string(),
                    refusal: refusal.to_string(),
                });
                None
            }
        }
    }

    fn elsewhere(&self, module: usize) -> Eval<'a> {
        Eval {
            project: self.project,
            module,
            notes: RefCell::new(BTreeSet::new()),
            depth: Cell::new(self.depth.get()),
        }
    }

    fn merge_notes(&self, other: &Eval<'_>) {
        if let Some(n) = other.take_notes() {
            self.note(n);
        }
    }

    /// The value of an expression, `*` in what is not known.
    pub fn eval(&self, e: &Expression) -> Value {
        let d = self.depth.get();
        if d > MAX_DEPTH {
            return star();
        }
        if !limits::step() {
            return star();
        }
        self.depth.set(d + 1);
        let v = self.eval_inner(e);
        self.depth.set(d);
        match v {
            Value::String(s) if !limits::fits(s.len()) => star(),
            v => v,
        }
    }

    /// A string value (`None` for null or a structure).
    pub fn string(&self, e: &Expression) -> Option<String> {
        match self.eval(e) {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn eval_inner(&self, e: &Expression) -> Value {
        match e {
            Expression::Null => Value::Null,
            Expression::Bool(b) => Value::Bool(*b),
            Expression::Number(n) => n
                .as_i64()
                .map(Value::from)
                .or_else(|| n.as_f64().map(|f| json!(f)))
                .unwrap_or(Value::Null),
            Expression::String(s) => Value::String(s.clone()),
            Expression::Array(items) => Value::Array(items.iter().map(|i| self.eval(i)).collect()),
            Expression::Object(o) => {
                let mut m = Map::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Identifier(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => self.string(x).unwrap_or_else(|| "*".into()),
                        _ => "*".into(),
                    };
                    m.insert(key, self.eval(v));
                }
                Value::Object(m)
            }
            Expression::TemplateExpr(t) => match Template::from_expr(t) {
                Ok(template) => Value::String(self.template(&template)),
                Err(_) => star(),
            },
            Expression::Variable(v) => {
                self.note(format!("`{}` is not known offline", v.as_str()));
                star()
            }
            Expression::Traversal(t) => self.traversal(&t.expr, &t.operators),
            Expression::FuncCall(f) => {
                let args: Vec<Value> = f.args.iter().map(|a| self.eval(a)).collect();
                super::terraform_funcs::call(self, f.name.name.as_str(), &args, &f.args)
            }
            Expression::Parenthesis(inner) => self.eval(inner),
            Expression::Conditional(c) => match self.eval(&c.cond_expr) {
                Value::Bool(true) => self.eval(&c.true_expr),
                Value::Bool(false) => self.eval(&c.false_expr),
                _ => {
                    let (a, b) = (self.eval(&c.true_expr), self.eval(&c.false_expr));
                    if a == b {
                        a
                    } else {
                        self.note("a conditional's outcome is not known offline".into());
                        star()
                    }
                }
            },
            Expression::Operation(op) => self.operation(op),
            _ => {
                self.note("a `for` expression is not evaluated offline".into());
                star()
            }
        }
    }

    fn operation(&self, op: &Operation) -> Value {
        match op {
            Operation::Binary(b) => {
                let (l, r) = (self.eval(&b.lhs_expr), self.eval(&b.rhs_expr));
                let known = |v: &Value| !v.as_str().is_some_and(|s| s.contains('*'));
                if !known(&l) || !known(&r) {
                    return star();
                }
                match b.operator {
                    BinaryOperator::Eq => Value::Bool(l == r),
                    BinaryOperator::NotEq => Value::Bool(l != r),
                    BinaryOperator::And => Value::Bool(l.as_bool() == Some(true) && r.as_bool() == Some(true)),
                    BinaryOperator::Or => Value::Bool(l.as_bool() == Some(true) || r.as_bool() == Some(true)),
                    _ => star(),
                }
            }
            Operation::Unary(u) => match self.eval(&u.expr) {
                Value::Bool(b) => Value::Bool(!b),
                _ => star(),
            },
        }
    }

    fn template(&self, t: &Template) -> String {
        let mut out = String::new();
        for el in t.elements() {
            match el {
                Element::Literal(s) => out.push_str(s),
                Element::Interpolation(i) => match self.eval(&i.expr) {
                    Value::String(s) => out.push_str(&s),
                    Value::Number(n) => out.push_str(&n.to_string()),
                    Value::Bool(b) => out.push_str(&b.to_string()),
                    _ => out.push('*'),
                },
                Element::Directive(_) => {
                    self.note("a template directive is not evaluated offline".into());
                    out.push('*');
                }
            }
        }
        out
    }

    /// `root.a.b[0]`: the root names a variable, local, resource, data source or module.
    fn traversal(&self, root: &Expression, ops: &[TraversalOperator]) -> Value {
        let Expression::Variable(v) = root else {
            let base = self.eval(root);
            return self.index(base, ops);
        };
        let names: Vec<&str> = ops
            .iter()
            .map_while(|o| match o {
                TraversalOperator::GetAttr(i) => Some(i.as_str()),
                _ => None,
            })
            .collect();
        let attr = |i: usize| names.get(i).copied().unwrap_or("");
        let rest = |i: usize| &ops[i.min(ops.len())..];
        match v.as_str() {
            "var" => {
                let value = self.variable(attr(0));
                self.index(value, rest(1))
            }
            "local" => {
                let value = match self.module().locals.get(attr(0)) {
                    Some(e) => self.eval(e),
                    None => {
                        self.note(format!("local.{} is not declared", attr(0)));
                        star()
                    }
                };
                self.index(value, rest(1))
            }
            "path" => Value::String(match attr(0) {
                "module" => self.module().dir.display().to_string(),
                _ => self.project.modules[0].dir.display().to_string(),
            }),
            "terraform" => Value::String("default".into()),
            "data" => {
                let addr = format!("{}.{}", attr(0), attr(1));
                let value = self.data_attr(&addr, attr(2));
                self.index(value, rest(3))
            }
            "module" => {
                let value = self.module_output(attr(0), attr(1));
                self.index(value, rest(2))
            }
            "each" | "count" | "self" => {
                self.note(format!("{}.… is known per instance at apply time", v.as_str()));
                star()
            }
            ty => {
                // A resource; `aws_sqs_queue.jobs[0].url`: instance keys do not matter here.
                let name = attr(0);
                let after: Vec<&TraversalOperator> = ops
                    .iter()
                    .skip(1)
                    .filter(|o| !matches!(o, TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)))
                    .collect();
                let attr_name = match after.first() {
                    Some(TraversalOperator::GetAttr(a)) => a.as_str().to_string(),
                    _ => "id".into(),
                };
                self.resource_attr(&format!("{ty}.{name}"), &attr_name)
                    .unwrap_or_else(star)
            }
        }
    }

    fn index(&self, mut v: Value, ops: &[TraversalOperator]) -> Value {
        for op in ops {
            v = match op {
                TraversalOperator::GetAttr(a) => v.get(a.as_str()).cloned().unwrap_or_else(star),
                TraversalOperator::Index(e) => match (self.eval(e), &v) {
                    (Value::Number(n), Value::Array(a)) => {
                        n.as_u64().and_then(|i| a.get(i as usize).cloned()).unwrap_or_else(star)
                    }
                    (Value::String(k), Value::Object(m)) => m.get(&k).cloned().unwrap_or_else(star),
                    _ => star(),
                },
                TraversalOperator::LegacyIndex(i) => v.get(*i as usize).cloned().unwrap_or_else(star),
                _ => star(),
            };
        }
        v
    }

    /// `var.name`: the module input, a tfvars value, or the default.
    fn variable(&self, name: &str) -> Value {
        let m = self.module();
        if let Some((parent, call)) = &m.parent
            && let Some((item, _)) = self.project.modules[*parent].calls.get(call)
            && let Some(e) = item.attr(name)
        {
            let outer = self.elsewhere(*parent);
            let v = outer.eval(e);
            self.merge_notes(&outer);
            return v;
        }
        if let Some(e) = m.tfvars.get(name) {
            return self.eval(e);
        }
        match m.variables.get(name) {
            Some(Some(default)) => self.eval(default),
            Some(None) => {
                self.note(format!("variable {name} has no default (set it in terraform.tfvars)"));
                star()
            }
            None => {
                self.note(format!("variable {name} is not declared"));
                star()
            }
        }
    }

    fn module_output(&self, call: &str, output: &str) -> Value {
        let Some((_, Some(child))) = self.module().calls.get(call) else {
            self.note(format!("module.{call} is not a local module"));
            return star();
        };
        let inner = self.elsewhere(*child);
        let v = match self.project.modules[*child].outputs.get(output) {
            Some(e) => inner.eval(e),
            None => star(),
        };
        self.merge_notes(&inner);
        v
    }

    fn arn(&self, service: &str, rest: &str) -> String {
        let p = &self.project.pseudo;
        format!(
            "arn:{}:{service}:{}:{}:{rest}",
            p.partition.as_deref().unwrap_or("aws"),
            p.region.as_deref().unwrap_or("*"),
            p.account.as_deref().unwrap_or("*")
        )
    }

    fn given(&self, item: &Item, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| item.attr(k).and_then(|e| self.string(e)))
    }

    /// An attribute of a resource of this module: as written, or what the provider
    /// computes (`arn`, `id`, `url`...). `name_shown` is the name to display.
    pub fn resource_attr(&self, addr: &str, attr: &str) -> Option<Value> {
        let Some(item) = self.module().resources.get(addr) else {
            self.note(format!("{addr} is not declared in this module"));
            return None;
        };
        let ty = addr.split('.').next().unwrap_or("");
        let id = addr.split('.').nth(1).unwrap_or("");
        if attr != "name_shown"
            && let Some(e) = item.attr(attr)
        {
            return Some(self.eval(e));
        }
        let name = |keys: &[&str]| -> String {
            self.given(item, keys)
                .or_else(|| {
                    self.given(item, &["name_prefix", "bucket_prefix"])
                        .map(|p| format!("{p}*"))
                })
                .unwrap_or_else(|| {
                    self.note(format!("{addr} sets no name: Terraform generates it"));
                    "*".into()
                })
        };
        let p = self.project.pseudo.partition.as_deref().unwrap_or("aws");
        let account = self.project.pseudo.account.as_deref().unwrap_or("*");
        let region = self.project.pseudo.region.as_deref().unwrap_or("*");
        let s = match (ty, attr) {
            ("aws_s3_bucket", "arn") => format!("arn:{p}:s3:::{}", name(&["bucket"])),
            ("aws_s3_bucket", _) => name(&["bucket"]),
            ("aws_dynamodb_table", "arn") => self.arn("dynamodb", &format!("table/{}", name(&["name"]))),
            ("aws_dynamodb_table", "stream_arn") => {
                self.arn("dynamodb", &format!("table/{}/stream/*", name(&["name"])))
            }
            ("aws_sqs_queue", "arn") => self.arn("sqs", &name(&["name"])),
            ("aws_sqs_queue", "url" | "id") => {
                format!("https://sqs.{region}.amazonaws.com/{account}/{}", name(&["name"]))
            }
            ("aws_sns_topic", "arn" | "id") => self.arn("sns", &name(&["name"])),
            ("aws_secretsmanager_secret", "arn" | "id") => {
                self.arn("secretsmanager", &format!("secret:{}-??????", name(&["name"])))
            }
            ("aws_ssm_parameter", "arn") => {
                self.arn("ssm", &format!("parameter/{}", name(&["name"]).trim_start_matches('/')))
            }
            ("aws_kms_key", "arn") => {
                self.note(format!("{addr}: a KMS key's id is generated"));
                self.arn("kms", "key/*")
            }
            ("aws_kms_key", "key_id" | "id" | "name_shown") => {
                self.note(format!("{addr}: a KMS key's id is generated"));
                "*".into()
            }
            ("aws_kms_alias", "arn") => self.arn("kms", &name(&["name"])),
            ("aws_kms_alias", "target_key_arn") => self.arn("kms", "key/*"),
            ("aws_kinesis_stream", "arn") => self.arn("kinesis", &format!("stream/{}", name(&["name"]))),
            ("aws_sfn_state_machine", "arn" | "id") => self.arn("states", &format!("stateMachine:{}", name(&["name"]))),
            ("aws_cloudwatch_event_bus", "arn") => self.arn("events", &format!("event-bus/{}", name(&["name"]))),
            ("aws_cloudwatch_log_group", "arn") => self.arn("logs", &format!("log-group:{}", name(&["name"]))),
            ("aws_lambda_function", "arn" | "qualified_arn") => {
                self.arn("lambda", &format!("function:{}", name(&["function_name"])))
            }
            ("aws_lambda_function", "invoke_arn") => format!(
                "arn:{p}:apigateway:{region}:lambda:path/2015-03-31/functions/{}/invocations",
                self.arn("lambda", &format!("function:{}", name(&["function_name"])))
            ),
            ("aws_lambda_function", _) => name(&["function_name"]),
            ("aws_lambda_layer_version", "arn") => self.arn("lambda", &format!("layer:{}:*", name(&["layer_name"]))),
            ("aws_iam_role", "arn") => format!("arn:{p}:iam::{account}:role/{}", name(&["name"])),
            ("aws_iam_policy", "arn" | "id") => format!("arn:{p}:iam::{account}:policy/{}", name(&["name"])),
            (_, "name" | "id" | "name_shown") if is_named_type(ty) => name(&["name"]),
            _ => {
                self.note(format!("{ty}.{id}.{attr} is known after apply"));
                "*".into()
            }
        };
        Some(Value::String(s))
    }

    /// An attribute of a data source of this module.
    pub fn data_attr(&self, addr: &str, attr: &str) -> Value {
        let p = &self.project.pseudo;
        let ty = addr.split('.').next().unwrap_or("");
        match (ty, attr) {
            ("aws_caller_identity", "account_id") => {
                return Value::String(p.account.clone().unwrap_or_else(|| "*".into()));
            }
            ("aws_region", "name" | "region" | "id") => {
                return Value::String(p.region.clone().unwrap_or_else(|| "*".into()));
            }
            ("aws_partition", "partition") => {
                return Value::String(p.partition.clone().unwrap_or_else(|| "aws".into()));
            }
            ("aws_partition", "dns_suffix") => return Value::String("amazonaws.com".into()),
            _ => {}
        }
        let Some(item) = self.module().data.get(addr) else {
            self.note(format!("data.{addr} is not declared in this module"));
            return star();
        };
        if ty == "aws_iam_policy_document" && matches!(attr, "json" | "minified_json") {
            return Value::String(super::terraform_iam::document(self, item).to_string());
        }
        if let Some(e) = item.attr(attr) {
            return self.eval(e);
        }
        // Data sources that look a resource up by name: the same ARNs as the resource.
        let name = self.given(item, &["name", "bucket", "function_name", "arn"]);
        match (ty, attr, name) {
            ("aws_s3_bucket", "arn", Some(n)) => {
                Value::String(format!("arn:{}:s3:::{n}", p.partition.as_deref().unwrap_or("aws")))
            }
            ("aws_dynamodb_table", "arn", Some(n)) => Value::String(self.arn("dynamodb", &format!("table/{n}"))),
            ("aws_sqs_queue", "arn", Some(n)) => Value::String(self.arn("sqs", &n)),
            ("aws_sqs_queue", "url", Some(n)) => Value::String(format!(
                "https://sqs.{}.amazonaws.com/{}/{n}",
                p.region.as_deref().unwrap_or("*"),
                p.account.as_deref().unwrap_or("*")
            )),
            ("aws_sns_topic", "arn", Some(n)) => Value::String(self.arn("sns", &n)),
            ("aws_kms_alias", "target_key_arn", _) => Value::String(self.arn("kms", "key/*")),
            (_, "name" | "id", Some(n)) => Value::String(n),
            _ => {
                self.note(format!("data.{addr}.{attr} is read from AWS at plan time"));
                star()
            }
        }
    }
}

/// Addresses an expression refers to, in order: `aws_iam_role.lambda`,
/// `data.archive_file.orders`, `module.api`, `var.x`, `local.y`.
pub fn references(e: &Expression, out: &mut Vec<String>) {
    match e {
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let names: Vec<&str> = t
                    .operators
                    .iter()
                    .filter_map(|o| match o {
                        TraversalOperator::GetAttr(i) => Some(i.as_str()),
                        _ => None,
                    })
                    .collect();
                let root = v.as_str();
                let take = match root {
                    "data" => 2,
                    _ => 1,
                };
                let mut parts = vec![root];
                parts.extend(names.iter().take(take));
                out.push(parts.join("."));
            } else {
                references(&t.expr, out);
            }
            for o in &t.operators {
                if let TraversalOperator::Index(i) = o {
                    references(i, out);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|i| references(i, out)),
        Expression::Object(o) => o.iter().for_each(|(_, v)| references(v, out)),
        Expression::FuncCall(f) => f.args.iter().for_each(|a| references(a, out)),
        Expression::Parenthesis(p) => references(p, out),
        Expression::Conditional(c) => {
            references(&c.true_expr, out);
            references(&c.false_expr, out);
        }
        Expression::TemplateExpr(t) => {
            if let Ok(template) = Template::from_expr(t) {
                for el in template.elements() {
                    if let Element::Interpolation(i) = el {
                        references(&i.expr, out);
                    }
                }
            }
        }
        _ => {}
    }
}

//! The IAM side of a Terraform project: `data "aws_iam_policy_document"` rendered to
//! JSON, and the policies of a function's role: `aws_iam_role` inline policies and
//! `managed_policy_arns`, `aws_iam_role_policy`, `aws_iam_role_policy_attachment` and
//! `aws_iam_policy_attachment` (with the `aws_iam_policy` documents they attach).

use std::collections::HashMap;

use hcl::{Block, Expression};
use serde_json::{Map, Value, json};

use crate::sources::discover::{CurrentPolicy, PolicyKind};

use super::terraform::{Item, attr_in};
use super::terraform_eval::{Eval, references};

/// A `data "aws_iam_policy_document"` as the JSON policy document it renders.
pub fn document(ev: &Eval<'_>, item: &Item) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    for key in ["source_policy_documents", "source_json"] {
        if let Some(e) = item.attr(key) {
            for doc in list(ev.eval(e)) {
                statements.extend(statements_of(&parse_policy(doc)));
            }
        }
    }
    for st in item.blocks("statement") {
        statements.push(statement(ev, st));
    }
    let mut doc = Map::new();
    doc.insert("Version".into(), json!("2012-10-17"));
    doc.insert("Statement".into(), Value::Array(statements));
    Value::Object(doc)
}

fn statement(ev: &Eval<'_>, st: &Block) -> Value {
    let body = st.body();
    let get = |k: &str| attr_in(body, k).map(|e| ev.eval(e));
    let mut m = Map::new();
    if let Some(Value::String(sid)) = get("sid") {
        m.insert("Sid".into(), json!(sid));
    }
    m.insert("Effect".into(), get("effect").unwrap_or_else(|| json!("Allow")));
    for (k, name) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = get(k) {
            m.insert(name.into(), Value::Array(list(v)));
        }
    }
    for (ident, name) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
        let mut p = Map::new();
        for b in body.blocks().filter(|b| b.identifier() == ident) {
            let ty = attr_in(b.body(), "type").and_then(|e| ev.string(e)).unwrap_or_default();
            let ids = attr_in(b.body(), "identifiers")
                .map(|e| list(ev.eval(e)))
                .unwrap_or_default();
            p.insert(ty, Value::Array(ids));
        }
        if !p.is_empty() {
            m.insert(name.into(), Value::Object(p));
        }
    }
    let mut cond = Map::new();
    for b in body.blocks().filter(|b| b.identifier() == "condition") {
        let test = attr_in(b.body(), "test").and_then(|e| ev.string(e)).unwrap_or_default();
        let var = attr_in(b.body(), "variable")
            .and_then(|e| ev.string(e))
            .unwrap_or_default();
        let values = attr_in(b.body(), "values")
            .map(|e| list(ev.eval(e)))
            .unwrap_or_default();
        let entry = cond.entry(test).or_insert_with(|| json!({}));
        if let Some(o) = entry.as_object_mut() {
            o.insert(var, Value::Array(values));
        }
    }
    if !cond.is_empty() {
        m.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(m)
}

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// A policy given as a JSON string (`jsonencode(...)`, `file(...)`, `.json`) or object.
pub fn parse_policy(v: Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
        other => other,
    }
}

fn statements_of(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn policy(
    ev: &Eval<'_>,
    name: String,
    kind: PolicyKind,
    arn: Option<String>,
    doc: Option<Value>,
    item: &Item,
) -> CurrentPolicy {
    let _ = ev;
    CurrentPolicy {
        name,
        kind,
        arn,
        document: doc.filter(|d| !d.is_null()),
        file: Some(item.file.clone()),
        line: item.line,
    }
}

/// A managed policy by ARN: with its document when an `aws_iam_policy` of the module
/// is what the expression names.
fn attached(ev: &Eval<'_>, arn_expr: &Expression, item: &Item) -> Option<CurrentPolicy> {
    let arn = ev.string(arn_expr)?;
    let mut refs = Vec::new();
    references(arn_expr, &mut refs);
    let declared = refs
        .iter()
        .filter(|r| r.starts_with("aws_iam_policy."))
        .find_map(|r| ev.module().resources.get(r));
    Some(match declared {
        Some(p) => {
            let doc = p.attr("policy").map(|e| parse_policy(ev.eval(e)));
            let name = p.attr("name").and_then(|e| ev.string(e)).unwrap_or_else(|| arn.clone());
            policy(ev, name, PolicyKind::CustomerManaged, Some(arn), doc, p)
        }
        None => policy(ev, arn.clone(), PolicyKind::Managed, Some(arn), None, item),
    })
}

/// The roles' policies of one module: the policy resources (`aws_iam_role_policy`,
/// `aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`) indexed once by the
/// roles they name, so that reading thousands of roles does not rescan every resource
/// for each.
pub struct RolePolicies<'m> {
    /// Role address → the policy resources naming it, in address order.
    naming: HashMap<String, Vec<(&'m String, &'m Item)>>,
}

impl<'m> RolePolicies<'m> {
    /// Indexes the policy resources of `ev`'s module.
    pub fn new(ev: &Eval<'m>) -> RolePolicies<'m> {
        let mut naming: HashMap<String, Vec<(&'m String, &'m Item)>> = HashMap::new();
        for (a, item) in &ev.module().resources {
            let roles = match a.split('.').next().unwrap_or("") {
                "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => item.attr("role"),
                "aws_iam_policy_attachment" => item.attr("roles"),
                _ => continue,
            };
            let mut refs = Vec::new();
            if let Some(e) = roles {
                references(e, &mut refs);
            }
            refs.sort();
            refs.dedup();
            for r in refs {
                naming.entry(r).or_default().push((a, item));
            }
        }
        RolePolicies { naming }
    }

    /// The policies of role `addr` (`aws_iam_role.lambda`) in this module.
    pub fn of(&self, ev: &Eval<'_>, addr: &str) -> Vec<CurrentPolicy> {
        let module = ev.module();
        let mut out = Vec::new();
        let Some(role) = module.resources.get(addr) else {
            return out;
        };
        for b in role.blocks("inline_policy") {
            let name = attr_in(b.body(), "name")
                .and_then(|e| ev.string(e))
                .unwrap_or_else(|| "inline".into());
            let doc = attr_in(b.body(), "policy").map(|e| parse_policy(ev.eval(e)));
            out.push(policy(ev, name, PolicyKind::Inline, None, doc, role));
        }
        if let Some(Expression::Array(arns)) = role.attr("managed_policy_arns") {
            out.extend(arns.iter().filter_map(|e| attached(ev, e, role)));
        }
        for &(a, item) in self.naming.get(addr).map_or(&[][..], Vec::as_slice) {
            match a.split('.').next().unwrap_or("") {
                "aws_iam_role_policy" => {
                    let name = item
                        .attr("name")
                        .and_then(|e| ev.string(e))
                        .unwrap_or_else(|| a.clone());
                    let doc = item.attr("policy").map(|e| parse_policy(ev.eval(e)));
                    out.push(policy(ev, name, PolicyKind::Inline, None, doc, item));
                }
                _ => out.extend(item.attr("policy_arn").and_then(|e| attached(ev, e, item))),
            }
        }
        ev.take_notes();
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::sources::discover::Discovery;
    use crate::sources::template::cfn::Pseudo;
    use crate::sources::template::terraform;

    const MAIN: &str = r#"
data "archive_file" "code" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/code.zip"
}

resource "aws_iam_role" "a" {
  name                = "a"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  inline_policy {
    name   = "own"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
  }
}

resource "aws_iam_role" "b" {
  name               = "b"
  assume_role_policy = "{}"
}

resource "aws_iam_policy" "shared" {
  name   = "shared"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }] })
}

resource "aws_iam_policy_attachment" "both" {
  name       = "both"
  roles      = [aws_iam_role.a.name, aws_iam_role.b.name, aws_iam_role.a.id]
  policy_arn = aws_iam_policy.shared.arn
}

resource "aws_iam_role_policy" "z_a" {
  name   = "z-a"
  role   = aws_iam_role.a.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sns:Publish", Resource = "*" }] })
}

resource "aws_iam_role_policy" "b" {
  role   = aws_iam_role.b.id
  policy = jsonencode({ Statement = [] })
}

resource "aws_iam_role_policy_attachment" "a_basic" {
  role       = aws_iam_role.a.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "b_shared" {
  role       = aws_iam_role.b.name
  policy_arn = aws_iam_policy.shared.arn
}

resource "aws_lambda_function" "a" {
  function_name = "fa"
  filename      = data.archive_file.code.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.a.arn
}

resource "aws_lambda_function" "b" {
  function_name = "fb"
  filename      = data.archive_file.code.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.b.arn
}
"#;

    /// Each role's policies, from the index, in the order the old scan of every resource
    /// gave: the role's own, then the policy resources naming it in address order, each
    /// once however often it names the role.
    #[test]
    fn policies_of_each_role_by_the_index() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/app.py"), "def handler(e, c):\n    return 1\n").unwrap();
        let mut found = Discovery::default();
        terraform::read(dir.path(), &Pseudo::default(), &mut found);
        let names = |f: &str| -> Vec<String> {
            let spec = found.functions.iter().find(|s| s.name == f).expect(f);
            spec.current_policies.iter().map(|p| p.name.clone()).collect()
        };
        assert_eq!(
            names("fa"),
            [
                "own",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "shared",
                "z-a",
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            ]
        );
        assert_eq!(names("fb"), ["shared", "aws_iam_role_policy.b", "shared"]);
    }
}

//! Evaluating CloudFormation intrinsic functions offline, as far as the template alone
//! allows: what stays unknown (the stack name, a generated physical name) becomes `*`.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::sources::limits;

/// What the template knows for evaluation.
#[derive(Default)]
pub struct Scope<'a> {
    pub template: &'a Value,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    pub partition: Option<&'a str>,
    pub stack_name: Option<&'a str>,
    /// Parameter values given at deploy time (samconfig overrides), over defaults.
    pub parameters: Option<&'a std::collections::BTreeMap<String, String>>,
    /// Why parts of what was evaluated became `*`, since the last [`Scope::take_notes`].
    pub notes: RefCell<BTreeSet<String>>,
}

const MAX_DEPTH: usize = 64;

impl Scope<'_> {
    fn resources(&self) -> Option<&Map<String, Value>> {
        self.template.get("Resources").and_then(Value::as_object)
    }

    pub fn resource(&self, id: &str) -> Option<&Value> {
        self.resources()?.get(id)
    }

    pub fn resource_type(&self, id: &str) -> Option<&str> {
        self.resource(id)?.get("Type")?.as_str()
    }

    fn property(&self, id: &str, name: &str) -> Option<&Value> {
        self.resource(id)?.get("Properties")?.get(name)
    }

    /// A string value with `*` where parts are unknown; `None` when nothing is known.
    pub fn eval(&self, v: &Value) -> Option<String> {
        self.eval_depth(v, 0)
    }

    /// The reasons noted since the last call, joined; `None` when there are none.
    pub fn take_notes(&self) -> Option<String> {
        let notes = std::mem::take(&mut *self.notes.borrow_mut());
        (!notes.is_empty()).then(|| notes.into_iter().collect::<Vec<_>>().join("; "))
    }

    fn note(&self, why: String) {
        self.notes.borrow_mut().insert(why);
    }

    /// A whole value (a policy document, a list of ARNs) with every intrinsic replaced by
    /// what it evaluates to; `Fn::Split` and `Fn::GetAZs` become lists, unknowns `*`.
    pub fn eval_tree(&self, v: &Value) -> Value {
        self.eval_tree_depth(v, 0)
    }

    fn eval_tree_depth(&self, v: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .filter(|i| !is_no_value(i))
                    .map(|i| self.eval_tree_depth(i, depth + 1))
                    .collect(),
            ),
            Value::Object(m) if m.len() == 1 && is_intrinsic(m.keys().next().map(String::as_str).unwrap_or("")) => {
                if m.contains_key("Fn::Split")
                    && let Some(items) = self.list(v, depth)
                {
                    return Value::Array(items.into_iter().map(Value::String).collect());
                }
                Value::String(self.eval_depth(v, depth).unwrap_or_else(|| "*".into()))
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, x)| !is_no_value(x))
                    .map(|(k, x)| (k.clone(), self.eval_tree_depth(x, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn eval_depth(&self, v: &Value, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        if !limits::step() {
            return Some("*".into());
        }
        match self.eval_step(v, depth) {
            Some(s) if !limits::fits(s.len()) => Some("*".into()),
            other => other,
        }
    }

    fn eval_step(&self, v: &Value, depth: usize) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next()?;
                match k.as_str() {
                    "Ref" => self.reference(arg.as_str()?, depth),
                    "Fn::GetAtt" => {
                        let (id, attr) = match arg {
                            Value::Array(a) => (a.first()?.as_str()?, a.get(1)?.as_str()?.to_string()),
                            Value::String(s) => {
                                let (a, b) = s.split_once('.')?;
                                (a, b.to_string())
                            }
                            _ => return None,
                        };
                        self.get_att(id, &attr, depth)
                    }
                    "Fn::Sub" => self.sub(arg, depth),
                    "Fn::Join" => {
                        let a = arg.as_array()?;
                        let sep = a.first()?.as_str()?;
                        let items = self.list(a.get(1)?, depth)?;
                        Some(items.join(sep))
                    }
                    "Fn::Select" => {
                        let a = arg.as_array()?;
                        let i = self.eval_depth(a.first()?, depth + 1)?.parse::<usize>().ok()?;
                        self.list(a.get(1)?, depth)?.get(i).cloned()
                    }
                    "Fn::If" => {
                        let a = arg.as_array()?;
                        let x = self.eval_depth(a.get(1)?, depth + 1);
                        let y = self.eval_depth(a.get(2)?, depth + 1);
                        match (x, y) {
                            (Some(x), Some(y)) if x == y => Some(x),
                            (Some(_), Some(_)) => {
                                let cond = a.first().and_then(Value::as_str).unwrap_or("a condition");
                                self.note(format!("Fn::If: the value depends on {cond}"));
                                Some("*".into())
                            }
                            (Some(x), None) | (None, Some(x)) => Some(x),
                            (None, None) => None,
                        }
                    }
                    "Fn::FindInMap" => {
                        let a = arg.as_array()?;
                        let map = self.eval_depth(a.first()?, depth + 1)?;
                        let top = self.eval_depth(a.get(1)?, depth + 1)?;
                        let second = self.eval_depth(a.get(2)?, depth + 1)?;
                        let v = self.template.get("Mappings")?.get(&map)?.get(&top)?.get(&second)?;
                        self.eval_depth(v, depth + 1)
                    }
                    other if other.starts_with("Fn::") && !is_known_function(other) => {
                        self.note(format!("{other} is not an intrinsic function CloudFormation has"));
                        None
                    }
                    "Fn::ImportValue" => {
                        let name = self.eval_depth(arg, depth + 1).unwrap_or_else(|| "*".into());
                        self.note(format!("Fn::ImportValue {name}: exported by another stack"));
                        Some("*".into())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn list(&self, v: &Value, depth: usize) -> Option<Vec<String>> {
        match v {
            Value::Array(items) => items.iter().map(|i| self.eval_depth(i, depth + 1)).collect(),
            Value::Object(m) if m.contains_key("Fn::Split") => {
                let a = m.get("Fn::Split")?.as_array()?;
                let sep = a.first()?.as_str()?;
                let s = self.eval_depth(a.get(1)?, depth + 1)?;
                Some(s.split(sep).map(String::from).collect())
            }
            _ => None,
        }
    }

    fn sub(&self, arg: &Value, depth: usize) -> Option<String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), None),
            Value::Array(a) => (a.first()?.as_str()?, a.get(1).and_then(Value::as_object)),
            _ => return None,
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            // `${!Literal}` is an escaped literal `${Literal}`.
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Some(out);
            };
            let name = &after[..end];
            let value = match vars.and_then(|m| m.get(name)) {
                Some(v) => self.eval_depth(v, depth + 1),
                None => match name.split_once('.') {
                    Some((id, attr)) if !name.starts_with("AWS::") => self.get_att(id, attr, depth),
                    _ => self.reference(name, depth),
                },
            };
            out.push_str(value.as_deref().unwrap_or("*"));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn reference(&self, name: &str, depth: usize) -> Option<String> {
        match name {
            "AWS::Region" => return Some(self.region.unwrap_or("*").to_string()),
            "AWS::AccountId" => return Some(self.account.unwrap_or("*").to_string()),
            "AWS::Partition" => return Some(self.partition.unwrap_or("aws").to_string()),
            "AWS::URLSuffix" => return Some("amazonaws.com".into()),
            "AWS::StackName" => {
                if self.stack_name.is_none() {
                    self.note("the stack name is not known (set stack_name in samconfig.toml)".into());
                }
                return Some(self.stack_name.unwrap_or("*").to_string());
            }
            "AWS::StackId" | "AWS::NotificationARNs" => return Some("*".into()),
            "AWS::NoValue" => return None,
            _ => {}
        }
        if let Some(v) = self.parameters.and_then(|p| p.get(name)) {
            return Some(v.clone());
        }
        if let Some(p) = self.template.get("Parameters").and_then(|p| p.get(name)) {
            let default = p.get("Default").and_then(|d| self.eval_depth(d, depth + 1));
            if default.is_none() {
                self.note(format!("parameter {name} has no default"));
            }
            return default.or(Some("*".into()));
        }
        let Some(ty) = self.resource_type(name) else {
            self.note(format!("!Ref {name} names nothing in the template"));
            return None;
        };
        let named = |prop: &str| self.property(name, prop).and_then(|v| self.eval_depth(v, depth + 1));
        let generated = || self.generated_name(name, ty);
        Some(match ty {
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => named("TableName").unwrap_or_else(generated),
            "AWS::S3::Bucket" => named("BucketName").unwrap_or_else(generated),
            "AWS::SQS::Queue" => {
                let q = named("QueueName").unwrap_or_else(generated);
                format!(
                    "https://sqs.{}.amazonaws.com/{}/{q}",
                    self.region.unwrap_or("*"),
                    self.account.unwrap_or("*")
                )
            }
            "AWS::SNS::Topic" => self.arn("sns", &named("TopicName").unwrap_or_else(generated)),
            "AWS::SecretsManager::Secret" => self.arn(
                "secretsmanager",
                &format!("secret:{}-??????", named("Name").unwrap_or_else(generated)),
            ),
            "AWS::SSM::Parameter" => named("Name").unwrap_or_else(generated),
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => named("FunctionName").unwrap_or_else(generated),
            "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => self.arn(
                "states",
                &format!(
                    "stateMachine:{}",
                    named("StateMachineName")
                        .or_else(|| named("Name"))
                        .unwrap_or_else(generated)
                ),
            ),
            "AWS::Kinesis::Stream" => named("Name").unwrap_or_else(generated),
            "AWS::Events::EventBus" | "AWS::Events::Rule" => named("Name").unwrap_or_else(generated),
            "AWS::Logs::LogGroup" => named("LogGroupName").unwrap_or_else(generated),
            "AWS::KMS::Key" => {
                self.note(format!("{name} is a KMS key: its id is generated"));
                "*".into()
            }
            "AWS::KMS::Alias" => named("AliasName").unwrap_or_else(generated),
            "AWS::CloudFormation::Stack" | "AWS::Serverless::Application" => {
                self.note(format!("{name} is a nested stack: its outputs are not evaluated"));
                "*".into()
            }
            "AWS::IAM::Role" => named("RoleName").unwrap_or_else(generated),
            _ => generated(),
        })
    }

    fn get_att(&self, id: &str, attr: &str, depth: usize) -> Option<String> {
        let Some(ty) = self.resource_type(id) else {
            self.note(format!("!GetAtt {id}.{attr} names nothing in the template"));
            return None;
        };
        let name = || self.reference(id, depth + 1).unwrap_or_else(|| "*".into());
        Some(match (ty, attr) {
            ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "Arn") => {
                self.arn("dynamodb", &format!("table/{}", name()))
            }
            ("AWS::DynamoDB::Table", "StreamArn") => self.arn("dynamodb", &format!("table/{}/stream/*", name())),
            ("AWS::S3::Bucket", "Arn") => format!("arn:{}:s3:::{}", self.partition.unwrap_or("aws"), name()),
            ("AWS::S3::Bucket", "DomainName" | "RegionalDomainName") => format!("{}.s3.amazonaws.com", name()),
            ("AWS::SQS::Queue", "Arn") => self.arn("sqs", queue_name(&name())),
            ("AWS::SQS::Queue", "QueueName") => queue_name(&name()).to_string(),
            ("AWS::SNS::Topic", "TopicName") => name().rsplit(':').next().unwrap_or("*").to_string(),
            ("AWS::SNS::Topic", "TopicArn") => name(),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
                self.arn("lambda", &format!("function:{}", name()))
            }
            ("AWS::Kinesis::Stream", "Arn") => self.arn("kinesis", &format!("stream/{}", name())),
            ("AWS::IAM::Role", "Arn") => format!(
                "arn:{}:iam::{}:role/{}",
                self.partition.unwrap_or("aws"),
                self.account.unwrap_or("*"),
                name()
            ),
            ("AWS::KMS::Key", "Arn" | "KeyId") => {
                self.note(format!("{id} is a KMS key: its id is generated"));
                self.arn("kms", "key/*")
            }
            ("AWS::SQS::Queue", "QueueUrl") => name(),
            ("AWS::SSM::Parameter", "Value") => {
                self.note(format!("{id}.Value: a parameter's value is not a name"));
                "*".into()
            }
            ("AWS::SecretsManager::Secret", _)
            | ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", _) => name(),
            ("AWS::Events::EventBus", "Arn") => self.arn("events", &format!("event-bus/{}", name())),
            ("AWS::Events::Rule", "Arn") => self.arn("events", &format!("rule/{}", name())),
            ("AWS::Logs::LogGroup", "Arn") => self.arn("logs", &format!("log-group:{}:*", name())),
            _ => {
                self.note(format!("{id}.{attr} is not evaluated offline"));
                "*".into()
            }
        })
    }

    /// The name CloudFormation generates when a resource names none:
    /// `<stack>-<LogicalId>-<random>` (S3: lower case); a pattern with `*` for the parts
    /// not known.
    fn generated_name(&self, id: &str, ty: &str) -> String {
        let prop = match ty {
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "TableName",
            "AWS::S3::Bucket" => "BucketName",
            "AWS::SQS::Queue" => "QueueName",
            "AWS::SNS::Topic" => "TopicName",
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => "FunctionName",
            _ => "Name",
        };
        self.note(format!("{id} sets no {prop}: CloudFormation generates its name"));
        let lower = ty == "AWS::S3::Bucket";
        let id = if lower { id.to_lowercase() } else { id.to_string() };
        match self.stack_name {
            // Generated names are truncated past their type's limit: only short ones are
            // spelled out.
            Some(stack) if stack.len() + id.len() < 40 => {
                let stack = if lower { stack.to_lowercase() } else { stack.to_string() };
                format!("{stack}-{id}-*")
            }
            _ => format!("*{id}*"),
        }
    }

    /// The template resource a value refers to (`!Ref X`, `!GetAtt X.Arn`, `${X}`).
    pub fn referenced_resource(&self, v: &Value) -> Option<String> {
        let mut names = Vec::new();
        references(v, &mut names, 0);
        names.into_iter().find(|n| self.resource(n).is_some())
    }

    fn arn(&self, service: &str, rest: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{rest}",
            self.partition.unwrap_or("aws"),
            self.region.unwrap_or("*"),
            self.account.unwrap_or("*")
        )
    }
}

/// The intrinsic functions CloudFormation has (not all are evaluated offline).
fn is_known_function(key: &str) -> bool {
    matches!(
        key,
        "Fn::GetAtt"
            | "Fn::Sub"
            | "Fn::Join"
            | "Fn::Select"
            | "Fn::Split"
            | "Fn::If"
            | "Fn::FindInMap"
            | "Fn::ImportValue"
            | "Fn::Base64"
            | "Fn::Cidr"
            | "Fn::GetAZs"
            | "Fn::Equals"
            | "Fn::And"
            | "Fn::Or"
            | "Fn::Not"
            | "Fn::Length"
            | "Fn::ToJsonString"
            | "Fn::ForEach"
            | "Fn::Transform"
    )
}

/// Is this key an intrinsic function's?
pub fn is_intrinsic(key: &str) -> bool {
    key == "Ref" || key.starts_with("Fn::")
}

fn is_no_value(v: &Value) -> bool {
    v.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue")
}

/// Every name a value refers to, in order: `Ref` targets, `Fn::GetAtt` resources and the
/// `${Name}` / `${Name.Attr}` variables of `Fn::Sub` (not its local variables).
pub fn references(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| references(i, out, depth + 1)),
        Value::Object(m) => {
            for (k, arg) in m {
                match k.as_str() {
                    "Ref" => out.extend(arg.as_str().map(String::from)),
                    "Fn::GetAtt" => {
                        let id = match arg {
                            Value::Array(a) => a.first().and_then(Value::as_str).map(String::from),
                            Value::String(s) => s.split('.').next().map(String::from),
                            _ => None,
                        };
                        out.extend(id);
                    }
                    "Fn::Sub" => {
                        let (text, vars) = match arg {
                            Value::String(s) => (s.as_str(), None),
                            Value::Array(a) => (
                                a.first().and_then(Value::as_str).unwrap_or(""),
                                a.get(1).and_then(Value::as_object),
                            ),
                            _ => ("", None),
                        };
                        for name in sub_variables(text) {
                            let base = name.split('.').next().unwrap_or(&name).to_string();
                            if !vars.is_some_and(|m| m.contains_key(&name)) {
                                out.push(base);
                            }
                        }
                        if let Some(m) = vars {
                            m.values().for_each(|x| references(x, out, depth + 1));
                        }
                    }
                    _ => references(arg, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

/// The `${...}` variables of a `Fn::Sub` string (`${!Literal}` escapes excluded).
pub fn sub_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if !after.starts_with('!') {
            out.push(after[..end].trim().to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

/// The queue name at the end of a queue URL.
fn queue_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(t: &Value) -> Scope<'_> {
        Scope {
            template: t,
            ..Scope::default()
        }
    }

    #[test]
    fn refs_by_resource_type() {
        let t = json!({
            "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
            "Resources": {
                "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Fn::Sub": "${Stage}-orders"}}},
                "Queue": {"Type": "AWS::SQS::Queue"},
                "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "receipts"}},
                "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${AWS::StackName}-invoices"}}}
            }
        });
        let s = scope(&t);
        assert_eq!(s.eval(&json!({"Ref": "Orders"})).unwrap(), "prod-orders");
        assert_eq!(
            s.eval(&json!({"Fn::GetAtt": ["Orders", "Arn"]})).unwrap(),
            "arn:aws:dynamodb:*:*:table/prod-orders"
        );
        assert_eq!(
            s.eval(&json!({"Ref": "Queue"})).unwrap(),
            "https://sqs.*.amazonaws.com/*/*Queue*"
        );
        assert_eq!(s.eval(&json!({"Ref": "Topic"})).unwrap(), "arn:aws:sns:*:*:receipts");
        assert_eq!(s.eval(&json!({"Ref": "Bucket"})).unwrap(), "*-invoices");
        assert_eq!(
            s.eval(&json!({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]})).unwrap(),
            "a/prod"
        );
        assert_eq!(s.eval(&json!({"Fn::Sub": ["${X}-y", {"X": "x"}]})).unwrap(), "x-y");
        assert!(s.take_notes().unwrap().contains("Queue sets no QueueName"));
    }

    #[test]
    fn unknowns_say_why() {
        let t = json!({
            "Parameters": {"Env": {"Type": "String"}},
            "Resources": {"Media": {"Type": "AWS::S3::Bucket"}}
        });
        let mut s = scope(&t);
        s.stack_name = Some("shop");
        assert_eq!(s.eval(&json!({"Fn::Sub": "${Env}-x"})).unwrap(), "*-x");
        assert_eq!(s.take_notes().unwrap(), "parameter Env has no default");
        assert_eq!(s.eval(&json!({"Ref": "Media"})).unwrap(), "shop-media-*");
        assert_eq!(s.eval(&json!({"Fn::ImportValue": "shared-table"})).unwrap(), "*");
        assert!(s.take_notes().unwrap().contains("exported by another stack"));
        assert_eq!(s.take_notes(), None);
    }

    #[test]
    fn trees_and_references() {
        let t = json!({"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "orders"}}}});
        let s = scope(&t);
        let doc = json!({"Statement": [{"Resource": [{"Fn::GetAtt": ["T", "Arn"]}, {"Ref": "AWS::NoValue"}], "Action": "dynamodb:GetItem"}]});
        assert_eq!(
            s.eval_tree(&doc),
            json!({"Statement": [{"Resource": ["arn:aws:dynamodb:*:*:table/orders"], "Action": "dynamodb:GetItem"}]})
        );
        assert_eq!(
            s.referenced_resource(&json!({"Fn::Sub": "${AWS::Region}/${T.Arn}"}))
                .as_deref(),
            Some("T")
        );
        assert_eq!(sub_variables("a${X}b${!Y}${Z.Arn}"), ["X", "Z.Arn"]);
    }
}

//! Evaluating CloudFormation intrinsic functions offline, as far as the template alone
//! allows: what stays unknown (the stack name, a generated physical name) becomes `*`.

use serde_json::{Map, Value};

/// What the template knows for evaluation.
pub struct Scope<'a> {
    pub template: &'a Value,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    pub partition: Option<&'a str>,
    pub stack_name: Option<&'a str>,
    /// Parameter values given at deploy time (samconfig overrides), over defaults.
    pub parameters: Option<&'a std::collections::BTreeMap<String, String>>,
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

    fn eval_depth(&self, v: &Value, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
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
                            (Some(_), Some(_)) => Some("*".into()),
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
                    "Fn::ImportValue" => Some("*".into()),
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
            "AWS::StackName" => return Some(self.stack_name.unwrap_or("*").to_string()),
            "AWS::StackId" | "AWS::NotificationARNs" => return Some("*".into()),
            "AWS::NoValue" => return None,
            _ => {}
        }
        if let Some(v) = self.parameters.and_then(|p| p.get(name)) {
            return Some(v.clone());
        }
        if let Some(p) = self.template.get("Parameters").and_then(|p| p.get(name)) {
            return p
                .get("Default")
                .and_then(|d| self.eval_depth(d, depth + 1))
                .or(Some("*".into()));
        }
        let ty = self.resource_type(name)?;
        let named = |prop: &str| self.property(name, prop).and_then(|v| self.eval_depth(v, depth + 1));
        let generated = || format!("*{name}*");
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
            "AWS::Events::EventBus" => named("Name").unwrap_or_else(generated),
            "AWS::KMS::Key" => "*".into(),
            "AWS::IAM::Role" => named("RoleName").unwrap_or_else(generated),
            _ => generated(),
        })
    }

    fn get_att(&self, id: &str, attr: &str, depth: usize) -> Option<String> {
        let ty = self.resource_type(id)?;
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
            ("AWS::KMS::Key", "Arn") => self.arn("kms", "key/*"),
            ("AWS::SecretsManager::Secret", _)
            | ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", _) => name(),
            ("AWS::Events::EventBus", "Arn") => self.arn("events", &format!("event-bus/{}", name())),
            (_, "Arn") => "*".into(),
            _ => "*".into(),
        })
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
            account: None,
            region: None,
            partition: None,
            stack_name: None,
            parameters: None,
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
    }
}

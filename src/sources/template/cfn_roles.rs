//! The policies of a CloudFormation/SAM function's current role: SAM `Policies`
//! (policy templates expanded, managed policy names and ARNs, inline documents), the
//! role SAM generates when none is given, and an `AWS::IAM::Role` of the template with
//! its inline policies, managed policy ARNs and the `AWS::IAM::Policy` /
//! `AWS::IAM::ManagedPolicy` / `AWS::IAM::RolePolicy` resources attached to it.

use std::path::Path;

use serde_json::{Value, json};

use crate::sources::discover::{CurrentPolicy, Deployment, PolicyKind};

use super::cfn_deployment::Wiring;
use super::intrinsics::{Scope, references};
use super::lines::KeyIndex;
use super::sam_policies;

/// Where policies are declared, for their `file`/`line`, and the template's indexes.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub file: &'a Path,
    /// The template's text, indexed.
    pub keys: &'a KeyIndex<'a>,
    /// The lines resources start on, sorted: a policy's name is looked for in its own
    /// resource first.
    pub starts: &'a [u32],
    /// The line the function (or role) is declared on: policies are looked for after it.
    pub from: u32,
    pub wiring: &'a Wiring<'a>,
}

impl Place<'_> {
    fn policy(&self, name: String, kind: PolicyKind, arn: Option<String>, document: Option<Value>) -> CurrentPolicy {
        let key = arn.as_deref().unwrap_or(&name);
        let short = key.rsplit('/').next().unwrap_or(key);
        let until = self
            .starts
            .get(self.starts.partition_point(|s| *s <= self.from))
            .copied();
        CurrentPolicy {
            line: self.keys.find_from(short, self.from, until),
            file: Some(self.file.to_path_buf()),
            name,
            kind,
            arn,
            document,
        }
    }
}

/// A managed policy given by name (`AmazonS3ReadOnlyAccess`) as SAM resolves it.
fn managed_arn(name: &str, scope: &Scope<'_>) -> String {
    if name.starts_with("arn:") {
        name.to_string()
    } else {
        format!("arn:{}:iam::aws:policy/{name}", scope.partition.unwrap_or("aws"))
    }
}

/// The policies of a SAM function's `Policies` property.
pub fn sam_policies(policies: &Value, scope: &Scope<'_>, place: &Place<'_>) -> Vec<CurrentPolicy> {
    let items: Vec<Value> = match policies {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    let mut out = Vec::new();
    for item in &items {
        match item {
            Value::String(s) => {
                let arn = managed_arn(s, scope);
                out.push(place.policy(arn.clone(), PolicyKind::Managed, Some(arn), None));
            }
            Value::Object(m) if m.contains_key("Statement") => {
                out.push(place.policy("inline".into(), PolicyKind::Inline, None, Some(scope.eval_tree(item))));
            }
            Value::Object(m) if m.len() == 1 => {
                let (name, params) = m
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", &Value::Null));
                if let Some(doc) = sam_policies::expand(name, params, scope) {
                    out.push(place.policy(name.to_string(), PolicyKind::SamTemplate, None, Some(doc)));
                } else if let Some(arn) = scope.eval(item) {
                    // `!Ref ManagedPolicyParam`, `!GetAtt`...: a managed policy by ARN.
                    out.push(managed(&arn, item, scope, place));
                }
            }
            _ => {}
        }
    }
    out
}

/// A managed policy by ARN; its document when the template declares it.
fn managed(arn: &str, expr: &Value, scope: &Scope<'_>, place: &Place<'_>) -> CurrentPolicy {
    let mut ids = Vec::new();
    references(expr, &mut ids, 0);
    let declared = ids
        .iter()
        .find(|id| scope.resource_type(id) == Some("AWS::IAM::ManagedPolicy"))
        .and_then(|id| scope.resource(id)?.pointer("/Properties/PolicyDocument"))
        .map(|d| scope.eval_tree(d));
    match declared {
        Some(doc) => place.policy(
            arn.to_string(),
            PolicyKind::CustomerManaged,
            Some(arn.to_string()),
            Some(doc),
        ),
        None => place.policy(arn.to_string(), PolicyKind::Managed, Some(arn.to_string()), None),
    }
}

/// What SAM attaches to the role it generates for a function without `Role`.
pub fn sam_generated(d: &Deployment, scope: &Scope<'_>, place: &Place<'_>) -> Vec<CurrentPolicy> {
    let mut out = Vec::new();
    let p = scope.partition.unwrap_or("aws");
    let mut add_managed = |name: &str| {
        let arn = format!("arn:{p}:iam::aws:policy/service-role/{name}");
        out.push(place.policy(arn.clone(), PolicyKind::Managed, Some(arn), None));
    };
    add_managed("AWSLambdaBasicExecutionRole");
    if d.tracing {
        out.push(place.policy(
            format!("arn:{p}:iam::aws:policy/AWSXrayWriteOnlyAccess"),
            PolicyKind::Managed,
            Some(format!("arn:{p}:iam::aws:policy/AWSXrayWriteOnlyAccess")),
            None,
        ));
    }
    if d.vpc {
        let arn = format!("arn:{p}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
        out.push(place.policy(arn.clone(), PolicyKind::Managed, Some(arn), None));
    }
    for (kind, arn) in &d.event_sources {
        let (template, params) = match kind.as_str() {
            "sqs" => (
                "SQSPollerPolicy",
                json!({"QueueName": arn.rsplit(':').next().unwrap_or("*")}),
            ),
            "kinesis" => (
                "KinesisStreamReadPolicy",
                json!({"StreamName": arn.rsplit('/').next().unwrap_or("*")}),
            ),
            "dynamodb-stream" => (
                "DynamoDBStreamReadPolicy",
                json!({"TableName": arn.split("table/").nth(1).and_then(|t| t.split('/').next()).unwrap_or("*"), "StreamName": "*"}),
            ),
            _ => continue,
        };
        if let Some(doc) = sam_policies::expand(template, &params, scope) {
            out.push(place.policy(template.into(), PolicyKind::SamTemplate, None, Some(doc)));
        }
    }
    out
}

/// The policies of the template role `role_id`.
pub fn role_policies(role_id: &str, scope: &Scope<'_>, place: &Place<'_>) -> Vec<CurrentPolicy> {
    let mut out = Vec::new();
    let Some(role) = scope.resource(role_id) else {
        return out;
    };
    let from = place.keys.line_from(role_id, 1).unwrap_or(place.from);
    let at = Place { from, ..*place };
    let props = role.get("Properties").unwrap_or(&Value::Null);
    for p in props.get("Policies").and_then(Value::as_array).into_iter().flatten() {
        let name = p
            .get("PolicyName")
            .and_then(|v| scope.eval(v))
            .unwrap_or_else(|| "inline".into());
        let doc = p.get("PolicyDocument").map(|d| scope.eval_tree(d));
        out.push(at.policy(name, PolicyKind::Inline, None, doc));
    }
    for m in props
        .get("ManagedPolicyArns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(arn) = scope.eval(m) {
            out.push(managed(&arn, m, scope, &at));
        }
    }
    // Policies declared apart that name the role.
    for &(id, r) in place.wiring.attached(role_id) {
        let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
        let rp = r.get("Properties").unwrap_or(&Value::Null);
        let from = place.keys.line_from(id, 1).unwrap_or(from);
        let doc = rp.get("PolicyDocument").map(|d| scope.eval_tree(d));
        let name = rp
            .get("PolicyName")
            .or_else(|| rp.get("ManagedPolicyName"))
            .and_then(|v| scope.eval(v))
            .unwrap_or_else(|| id.to_string());
        let kind = if ty == "AWS::IAM::ManagedPolicy" {
            PolicyKind::CustomerManaged
        } else {
            PolicyKind::Inline
        };
        out.push(CurrentPolicy {
            line: Some(from),
            file: Some(place.file.to_path_buf()),
            name,
            kind,
            arn: None,
            document: doc,
        });
    }
    out
}

/// The template role a `Role` value names (`!GetAtt R.Arn`, `!Ref R`, `${R.Arn}`).
pub fn role_id(role: &Value, scope: &Scope<'_>) -> Option<String> {
    let mut names = Vec::new();
    references(role, &mut names, 0);
    names
        .into_iter()
        .find(|n| scope.resource_type(n) == Some("AWS::IAM::Role"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_with_inline_managed_and_attached_policies() {
        let t = json!({"Resources": {
            "R": {"Type": "AWS::IAM::Role", "Properties": {
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess", {"Ref": "MP"}],
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}},
            "MP": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": []}}},
            "Extra": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "R"}], "PolicyName": "extra",
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}}}
        }});
        let scope = Scope {
            template: &t,
            ..Scope::default()
        };
        let keys = KeyIndex::new("");
        let wiring = Wiring::new(&scope);
        let place = Place {
            file: Path::new("template.yaml"),
            keys: &keys,
            starts: &[],
            from: 1,
            wiring: &wiring,
        };
        assert_eq!(
            role_id(&json!({"Fn::GetAtt": ["R", "Arn"]}), &scope).as_deref(),
            Some("R")
        );
        let p = role_policies("R", &scope, &place);
        let kinds: Vec<PolicyKind> = p.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                PolicyKind::Inline,
                PolicyKind::Managed,
                PolicyKind::CustomerManaged,
                PolicyKind::Inline
            ]
        );
        assert_eq!(p[3].name, "extra");
        let sam = sam_policies(
            &json!(["AmazonS3ReadOnlyAccess", {"SQSSendMessagePolicy": {"QueueName": "q"}}, {"Statement": []}]),
            &scope,
            &place,
        );
        assert_eq!(
            sam[0].arn.as_deref(),
            Some("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        );
        assert_eq!(sam[1].kind, PolicyKind::SamTemplate);
        assert_eq!(sam[2].kind, PolicyKind::Inline);
    }
}

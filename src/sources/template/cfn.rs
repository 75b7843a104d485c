//! Functions declared in an AWS SAM or CloudFormation template (CDK's synthesized
//! templates included): code location, handler, layers, environment, role and its
//! policies, platform facts; the resources the template declares; nested stacks by path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::codes;
use crate::sources::contained::{Refusal, Root};
use crate::sources::discover::{Definition, Discovery, EncryptionKey, FunctionSpec};

use super::cfn_roles::{self, Place};
use super::code::{self, Declared};
use super::intrinsics::Scope;
use super::{cfn_checks, cfn_deployment, cfn_encryption, lines, problem, template_error, yaml};

pub const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";
pub const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

/// Nested stacks deeper than this are not followed.
const MAX_NESTING: usize = 8;

/// Account, region and partition the user gave, for evaluating pseudo parameters.
#[derive(Debug, Clone, Default)]
pub struct Pseudo {
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
}

/// One template being read, with what its context knows.
pub struct Stack<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub template: &'a Value,
    pub pseudo: &'a Pseudo,
    /// The stack's name, when known (samconfig, the CDK manifest, a parent stack).
    pub stack_name: Option<String>,
    /// Parameter values a parent stack passes (over samconfig's and the defaults).
    pub parameters: Option<BTreeMap<String, String>>,
    pub depth: usize,
    /// The folder the files it names must be in: a nested stack's is its parent's;
    /// `None` for [`Root::of`] the template.
    pub root: Option<Root>,
    /// The templates above this one (resolved paths), for the cycle check.
    pub above: Vec<PathBuf>,
}

impl Stack<'_> {
    /// [`Stack::root`], or the repository around the template.
    pub fn root(&self) -> Root {
        self.root.clone().unwrap_or_else(|| Root::of(self.path))
    }
}

/// Reads one parsed template's functions, definitions and nested stacks into `found`.
pub fn read(stack: &Stack<'_>, found: &mut Discovery) {
    let base = stack.path.parent().unwrap_or(Path::new("."));
    let sam = if stack.depth == 0 {
        super::samconfig::read(base).unwrap_or_default()
    } else {
        super::samconfig::SamConfig::default()
    };
    let stack_name = stack.stack_name.clone().or(sam.stack_name.clone());
    let mut parameters = sam.parameters.clone();
    parameters.extend(stack.parameters.clone().unwrap_or_default());
    let scope = Scope {
        template: stack.template,
        account: stack.pseudo.account.as_deref(),
        // The region a function runs in is not pinned by samconfig's default; only the
        // user's --region (or a CDK environment) fills ARNs.
        region: stack.pseudo.region.as_deref(),
        partition: stack.pseudo.partition.as_deref(),
        stack_name: stack_name.as_deref(),
        parameters: Some(&parameters),
        ..Scope::default()
    };
    found.diagnostics.extend(cfn_checks::dangling_references(
        stack.template,
        stack.text,
        stack.path,
        &[],
    ));
    let Some(resources) = stack.template.get("Resources").and_then(Value::as_object) else {
        found.diagnostics.push(template_error(
            stack.path,
            None,
            "the template has no Resources section",
        ));
        return;
    };
    let resources_line = lines::key_line(stack.text, "Resources").unwrap_or(1);
    let stack_label = stack_name.clone().unwrap_or_else(|| stack.path.display().to_string());
    let keys = lines::KeyIndex::new(stack.text);
    // Where each resource starts, so a property is looked for within its resource only.
    let mut starts: Vec<u32> = resources
        .keys()
        .filter_map(|id| keys.line_from(id, resources_line))
        .collect();
    starts.sort_unstable();
    // What points at what, indexed once rather than rescanned per function.
    let wiring = cfn_deployment::Wiring::new(&scope);
    scope.take_notes();
    let here = Place {
        file: stack.path,
        keys: &keys,
        starts: &starts,
        from: resources_line,
        wiring: &wiring,
    };
    for (id, res) in resources {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        let line = keys.line_from(id, resources_line);
        if let Some(mut def) = definition(id, ty, &scope, stack.path, line, &stack_label) {
            cfn_encryption::locate(&mut def, &keys, &starts);
            found.definitions.push(def);
        }
        match ty {
            SERVERLESS_FUNCTION | LAMBDA_FUNCTION => {
                if let Some(spec) = function(id, ty, res, stack, &scope, line, &stack_label, &here, found) {
                    found.functions.push(spec);
                }
            }
            "AWS::CloudFormation::Stack" | "AWS::Serverless::Application" => {
                nested(id, ty, res, stack, &scope, line, stack_name.as_deref(), found);
            }
            _ => {}
        }
        scope.take_notes();
    }
}

/// One function resource as a [`FunctionSpec`].
#[allow(clippy::too_many_arguments)]
fn function(
    id: &str,
    ty: &str,
    res: &Value,
    stack: &Stack<'_>,
    scope: &Scope<'_>,
    line: Option<u32>,
    stack_label: &str,
    template: &Place<'_>,
    found: &mut Discovery,
) -> Option<FunctionSpec> {
    let base = stack.path.parent().unwrap_or(Path::new("."));
    let sam = ty == SERVERLESS_FUNCTION;
    let globals = if sam {
        stack
            .template
            .pointer("/Globals/Function")
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let props = res.get("Properties").cloned().unwrap_or(Value::Null);
    let prop = |name: &str| -> Option<Value> { props.get(name).cloned().or_else(|| globals.get(name).cloned()) };
    let root = stack.root();
    let at = Declared {
        function: id,
        file: stack.path,
        line,
        root: Some(&root),
    };
    let handler = prop("Handler").and_then(|v| scope.eval(&v));
    let runtime = prop("Runtime").and_then(|v| scope.eval(&v)).unwrap_or_default();
    if prop("PackageType").and_then(|v| scope.eval(&v)).as_deref() == Some("Image") {
        found.diagnostics.push(
            crate::diagnostics::Diagnostic::warning(
                codes::MISSING_HANDLER,
                format!("{id}: a container image function; its code is not read"),
            )
            .at(stack.path, line),
        );
        return None;
    }
    let Some(dir) = code_location(ty, res, &props, &globals, scope, base) else {
        found.diagnostics.push(
            crate::diagnostics::Diagnostic::warning(
                codes::MISSING_HANDLER,
                format!("{id}: its code is not in the repository (inline or S3 code); skipped"),
            )
            .at(stack.path, line),
        );
        return None;
    };
    let in_cdk_out = dir.components().any(|c| c.as_os_str() == "cdk.out");
    if in_cdk_out && runtime.starts_with("nodejs") {
        found.diagnostics.push(
            crate::diagnostics::Diagnostic::warning(
                codes::MISSING_HANDLER,
                format!(
                    "{id}: its code is a bundled CDK asset ({}), build output the JavaScript analyser does not read; analyse its source folder instead",
                    dir.display()
                ),
            )
            .at(stack.path, line),
        );
    }
    let layers = layer_dirs(prop("Layers").as_ref(), scope, base);
    let code = code::locate(&dir, handler.as_deref(), &runtime, &layers, &at, &mut found.diagnostics)?;
    let mut environment = BTreeMap::new();
    let mut env_sources = BTreeMap::new();
    let mut env_unknowns = BTreeMap::new();
    scope.take_notes();
    for source in [
        globals.pointer("/Environment/Variables"),
        props.pointer("/Environment/Variables"),
    ] {
        for (k, v) in source.and_then(Value::as_object).into_iter().flatten() {
            let value = scope.eval(v);
            let why = scope.take_notes();
            match (value, why) {
                (Some(s), why) => {
                    if s.contains('*')
                        && let Some(why) = why
                    {
                        env_unknowns.insert(k.clone(), why);
                    }
                    environment.insert(k.clone(), s);
                }
                // A value that refers to nothing: any name, and the reason.
                (None, Some(why)) => {
                    environment.insert(k.clone(), "*".into());
                    env_unknowns.insert(k.clone(), why);
                }
                (None, None) => {}
            }
            if let Some(r) = scope.referenced_resource(v) {
                env_sources.insert(k.clone(), r);
            }
        }
    }
    let deployment = cfn_deployment::deployment(id, ty, &props, &globals, scope, template.wiring);
    let place = Place {
        from: line.unwrap_or(1),
        ..*template
    };
    let (role, current_policies) = match props.get("Role") {
        Some(r) => {
            let policies = cfn_roles::role_id(r, scope)
                .map(|rid| cfn_roles::role_policies(&rid, scope, &place))
                .unwrap_or_default();
            (scope.eval(r), policies)
        }
        // SAM creates `<LogicalId>Role` when no Role is given.
        None if sam => {
            let mut policies = cfn_roles::sam_policies(props.get("Policies").unwrap_or(&Value::Null), scope, &place);
            policies.extend(cfn_roles::sam_generated(&deployment, scope, &place));
            let role = format!(
                "arn:{}:iam::{}:role/{}",
                scope.partition.unwrap_or("aws"),
                scope.account.unwrap_or("*"),
                match scope.stack_name {
                    Some(s) => format!("{s}-{id}Role-*"),
                    None => format!("*{id}Role*"),
                }
            );
            (Some(role), policies)
        }
        None => (None, Vec::new()),
    };
    scope.take_notes();
    Some(FunctionSpec {
        name: id.to_string(),
        path: code.path,
        root: code.root,
        language: code.language,
        entry: code.entry,
        handler: code.handler,
        files: code.files,
        role,
        declared_in: Some(stack.path.to_path_buf()),
        line,
        stack: Some(stack_label.to_string()),
        environment,
        env_sources,
        env_unknowns,
        deployment: Some(deployment),
        current_policies,
        current_statements: Vec::new(),
    })
}

/// The code folder a function resource names, relative to the template.
fn code_location(
    ty: &str,
    res: &Value,
    props: &Value,
    globals: &Value,
    scope: &Scope<'_>,
    base: &Path,
) -> Option<PathBuf> {
    if ty == SERVERLESS_FUNCTION {
        if props.get("InlineCode").is_some() {
            return None;
        }
        let uri = props.get("CodeUri").or_else(|| globals.get("CodeUri"));
        return match uri {
            Some(v @ Value::String(_)) => scope.eval(v).map(|p| base.join(p)),
            Some(Value::Object(m)) if m.keys().any(|k| k == "Ref" || k.starts_with("Fn::")) => {
                scope.eval(&Value::Object(m.clone())).map(|p| base.join(p))
            }
            Some(_) => None,
            None => Some(base.to_path_buf()),
        };
    }
    // CDK records the asset folder beside the synthesized template; a copied (not
    // bundled) asset is read from the folder it was copied from.
    if let Some(asset) = res.pointer("/Metadata/aws:asset:path").and_then(Value::as_str) {
        let dir = base.join(asset);
        return Some(super::cdk::source_of_asset(&dir).unwrap_or(dir));
    }
    match props.get("Code") {
        Some(Value::String(s)) => Some(base.join(s)),
        _ => None,
    }
}

/// The code folders of a function's layers that the template declares with local code.
fn layer_dirs(layers: Option<&Value>, scope: &Scope<'_>, base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for l in layers.and_then(Value::as_array).into_iter().flatten() {
        let mut ids = Vec::new();
        super::intrinsics::references(l, &mut ids, 0);
        for id in ids {
            let Some(res) = scope.resource(&id) else { continue };
            let dir = match scope.resource_type(&id) {
                Some("AWS::Serverless::LayerVersion") => res.pointer("/Properties/ContentUri").and_then(Value::as_str),
                Some("AWS::Lambda::LayerVersion") => res
                    .pointer("/Metadata/aws:asset:path")
                    .or_else(|| res.pointer("/Properties/Content"))
                    .and_then(Value::as_str),
                _ => None,
            };
            if let Some(d) = dir {
                let p = code::normalize(&base.join(d));
                let p = super::cdk::source_of_asset(&p).unwrap_or(p);
                if p.is_dir() {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// A resource the graph can show: its physical name and ARN as far as known.
pub fn definition(
    id: &str,
    ty: &str,
    scope: &Scope<'_>,
    file: &Path,
    line: Option<u32>,
    stack: &str,
) -> Option<Definition> {
    use serde_json::json;
    let get_att = |attr: &str| scope.eval(&json!({"Fn::GetAtt": [id, attr]}));
    let reference = || scope.eval(&json!({"Ref": id}));
    let arn = |service: &str, rest: String| {
        format!(
            "arn:{}:{service}:{}:{}:{rest}",
            scope.partition.unwrap_or("aws"),
            scope.region.unwrap_or("*"),
            scope.account.unwrap_or("*")
        )
    };
    let (name, arn) = match ty {
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" | "AWS::S3::Bucket" | "AWS::Kinesis::Stream" => {
            (reference(), get_att("Arn"))
        }
        "AWS::SQS::Queue" => (get_att("QueueName"), get_att("Arn")),
        "AWS::SNS::Topic" => (get_att("TopicName"), reference()),
        "AWS::SecretsManager::Secret" => {
            let arn = reference();
            (arn.as_deref().and_then(|a| a.rsplit(':').next()).map(String::from), arn)
        }
        "AWS::SSM::Parameter" => {
            let name = reference();
            let a = name
                .as_deref()
                .map(|n| arn("ssm", format!("parameter/{}", n.trim_start_matches('/'))));
            (name, a)
        }
        "AWS::KMS::Key" => (None, Some(arn("kms", "key/*".into()))),
        "AWS::KMS::Alias" => {
            let name = reference();
            let a = name.as_deref().map(|n| arn("kms", n.to_string()));
            (name, a)
        }
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => (None, reference()),
        "AWS::Events::EventBus" | "AWS::Events::Rule" | "AWS::Logs::LogGroup" => (reference(), get_att("Arn")),
        LAMBDA_FUNCTION | SERVERLESS_FUNCTION | "AWS::IAM::Role" => (reference(), get_att("Arn")),
        "AWS::IAM::ManagedPolicy" => (None, reference()),
        _ => return None,
    };
    Some(Definition {
        id: id.to_string(),
        kind: ty.to_string(),
        name,
        arn,
        file: file.to_path_buf(),
        line,
        stack: Some(stack.to_string()),
        // Its line is the resource's until `cfn_encryption::locate` finds the property's.
        encryption: scope.resource(id).and_then(|r| r.get("Properties")).and_then(|props| {
            let (path, arn) = cfn_encryption::key(ty, props, scope)?;
            Some(EncryptionKey {
                arn,
                property: path.last().copied().unwrap_or_default().to_string(),
                line,
                logical_id: cfn_encryption::own_key(props, path, scope),
            })
        }),
    })
}

/// A nested stack whose template is a local file: read it with the parameters the
/// parent passes.
#[allow(clippy::too_many_arguments)]
fn nested(
    id: &str,
    ty: &str,
    res: &Value,
    stack: &Stack<'_>,
    scope: &Scope<'_>,
    line: Option<u32>,
    parent_name: Option<&str>,
    found: &mut Discovery,
) {
    let props = res.get("Properties").unwrap_or(&Value::Null);
    let location = if ty == "AWS::CloudFormation::Stack" {
        props.get("TemplateURL")
    } else {
        props.get("Location")
    };
    let Some(location) = location.and_then(Value::as_str) else {
        return; // An application from the Serverless Application Repository.
    };
    if location.contains("://") || location.starts_with("s3:") {
        return; // A packaged template: not in the repository.
    }
    let base = stack.path.parent().unwrap_or(Path::new("."));
    let child = code::normalize(&base.join(location));
    if stack.depth >= MAX_NESTING {
        found.diagnostics.push(template_error(
            stack.path,
            line,
            format!("{id}: nested stacks deeper than {MAX_NESTING} are not read"),
        ));
        return;
    }
    // The property that names the child, for messages.
    let key = if ty == "AWS::CloudFormation::Stack" {
        "TemplateURL"
    } else {
        "Location"
    };
    // A stack that includes one it is part of would be read again and again.
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (here, real_child) = (real(stack.path), real(&child));
    if real_child == here || stack.above.contains(&real_child) {
        found.diagnostics.push(problem(
            codes::INCLUSION_CYCLE,
            stack.path,
            line,
            format!("{id}: nested stack {key} \"{location}\" is a stack it is part of (a cycle): not read again"),
        ));
        return;
    }
    if !crate::sources::limits::include() {
        return;
    }
    let root = stack.root();
    let loaded = match yaml::load_in(&root, &child) {
        Ok(l) => l,
        Err(yaml::TemplateError::Read {
            refusal: refusal @ (Refusal::Outside | Refusal::GitMetadata | Refusal::NotRegular(_) | Refusal::TooLarge(_)),
            ..
        }) => {
            found.diagnostics.push(problem(
                codes::UNSAFE_PATH,
                stack.path,
                line,
                format!("{id}: nested stack {key} \"{location}\" {refusal}: not read"),
            ));
            return;
        }
        Err(e) => {
            found.diagnostics.push(template_error(
                stack.path,
                line,
                format!("{id}: nested stack {}: {}", child.display(), e.diagnostic().message),
            ));
            if !matches!(
                e,
                yaml::TemplateError::Read {
                    refusal: Refusal::Missing,
                    ..
                }
            ) {
                found.unreadable.push(child.clone());
            }
            return;
        }
    };
    let mut parameters = BTreeMap::new();
    for (k, v) in props.get("Parameters").and_then(Value::as_object).into_iter().flatten() {
        if let Some(s) = scope.eval(v) {
            parameters.insert(k.clone(), s);
        }
    }
    found.diagnostics.extend(loaded.diagnostics);
    let child_stack = Stack {
        path: &child,
        text: &loaded.text,
        template: &loaded.value,
        pseudo: stack.pseudo,
        // Nested stacks are named `<parent>-<LogicalId>-<random>`.
        stack_name: parent_name.map(|p| format!("{p}-{id}-*")),
        parameters: Some(parameters),
        depth: stack.depth + 1,
        root: Some(root),
        above: stack.above.iter().cloned().chain([here]).collect(),
    };
    read(&child_stack, found);
}

//! Serverless Framework services (`serverless.yml`, v3 and v4): `functions` with their
//! `handler`, `environment` (provider and function level), `events`, `layers`, the role
//! (`provider.iam.role.statements`, the older `iamRoleStatements`, managed policies, a
//! named role, per-function statements of the iam-roles-per-function plugin), the
//! CloudFormation `resources`, and `package.patterns`. Variables are resolved offline
//! by [`serverless_vars`](super::serverless_vars).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::diagnostics::codes;
use crate::sources::discover::{CurrentPolicy, Deployment, Discovery, FunctionSpec, PolicyKind};

use super::cfn::{Pseudo, definition};
use super::cfn_deployment::Wiring;
use super::cfn_roles::{self, Place};
use super::code::{self, Declared};
use super::intrinsics::Scope;
use super::serverless_vars::Vars;
use super::{cfn_checks, cfn_encryption, lines, problem, serverless_events, template_error, yaml};

/// Reads one service file into `found`.
pub fn read(path: &Path, pseudo: &Pseudo, found: &mut Discovery) {
    let loaded = match yaml::load(path) {
        Ok(l) => l,
        Err(e) => {
            found.diagnostics.push(e.diagnostic());
            found.unreadable.push(path.to_path_buf());
            return;
        }
    };
    found.diagnostics.extend(loaded.diagnostics);
    let text = loaded.text.as_str();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let vars = Vars::new(&loaded.value, dir, pseudo);
    let config = vars.resolve(&loaded.value);
    vars.take_notes();
    for (file, why) in vars.take_refused() {
        found.diagnostics.push(problem(
            codes::UNSAFE_PATH,
            path,
            lines::find_line(text, &format!("file({file})")).or_else(|| lines::find_line(text, "${file(")),
            format!("${{file({file})}} {why}: not read"),
        ));
    }
    if matches!(config.get("provider").and_then(|p| p.get("name")).and_then(Value::as_str), Some(p) if p != "aws") {
        found.diagnostics.push(template_error(
            path,
            lines::key_line(text, "provider"),
            "the provider is not aws; skipped",
        ));
        return;
    }
    let service = match config.get("service") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => m.get("name").and_then(Value::as_str).unwrap_or("service").to_string(),
        _ => {
            found.diagnostics.push(template_error(
                path,
                None,
                "no `service` name: not a Serverless Framework service file",
            ));
            return;
        }
    };
    let stage = vars.stage(0);
    let stack_name = format!("{service}-{stage}");
    let template = json!({
        "Resources": config.pointer("/resources/Resources").cloned().unwrap_or(json!({})),
        "Outputs": config.pointer("/resources/Outputs").cloned().unwrap_or(json!({})),
    });
    let scope = Scope {
        template: &template,
        account: pseudo.account.as_deref(),
        region: pseudo.region.as_deref(),
        partition: pseudo.partition.as_deref(),
        stack_name: Some(&stack_name),
        ..Scope::default()
    };
    let functions = config
        .get("functions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut generated: Vec<String> = functions.keys().map(|k| logical_prefix(k) + "LambdaFunction").collect();
    if let Some(layers) = config.get("layers").and_then(Value::as_object) {
        generated.extend(layers.keys().map(|k| logical_prefix(k) + "LambdaLayer"));
    }
    found.diagnostics.extend(cfn_checks::dangling_references(
        &json!({"Resources": template["Resources"], "functions": config.get("functions"), "provider": config.get("provider")}),
        text,
        path,
        &generated,
    ));
    let keys = lines::KeyIndex::new(text);
    let resources_line = lines::key_line(text, "Resources").unwrap_or(1);
    let resources = template["Resources"].as_object();
    // Where each resource starts, so a key property is looked for within its resource.
    let mut starts: Vec<u32> = resources
        .into_iter()
        .flatten()
        .filter_map(|(id, _)| keys.line_from(id, resources_line))
        .collect();
    starts.sort_unstable();
    for (id, res) in resources.into_iter().flatten() {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        let line = keys.line_from(id, resources_line);
        if let Some(mut def) = definition(id, ty, &scope, path, line, &stack_name) {
            cfn_encryption::locate(&mut def, &keys, &starts);
            found.definitions.push(def);
        }
    }
    let wiring = Wiring::new(&scope);
    scope.take_notes();
    let svc = Service {
        path,
        dir,
        keys: &keys,
        provider_line: lines::key_line(text, "provider").unwrap_or(1),
        wiring: &wiring,
        raw: &loaded.value,
        config: &config,
        vars: &vars,
        scope: &scope,
        service: &service,
        stage: &stage,
        stack_name: &stack_name,
    };
    let functions_line = lines::key_line(text, "functions").unwrap_or(1);
    for (key, f) in &functions {
        let line = keys.line_from(key, functions_line);
        if let Some(spec) = svc.function(key, f, line, found) {
            found.functions.push(spec);
        }
    }
}

/// `createOrder` → `CreateOrder`: the prefix of the logical ids the framework generates.
fn logical_prefix(key: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in key.chars() {
        if c == '-' {
            out.push_str("Dash");
            continue;
        }
        if c == '_' {
            out.push_str("Underscore");
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// One service, resolved.
struct Service<'a> {
    path: &'a Path,
    dir: &'a Path,
    /// The service file's text, indexed.
    keys: &'a lines::KeyIndex<'a>,
    provider_line: u32,
    /// What the `resources` section attaches to its roles.
    wiring: &'a Wiring<'a>,
    /// The service file as written (for per-variable notes).
    raw: &'a Value,
    config: &'a Value,
    vars: &'a Vars<'a>,
    scope: &'a Scope<'a>,
    service: &'a str,
    stage: &'a str,
    stack_name: &'a str,
}

impl Service<'_> {
    fn provider(&self, key: &str) -> Option<&Value> {
        self.config.get("provider")?.get(key)
    }

    fn function(&self, key: &str, f: &Value, line: Option<u32>, found: &mut Discovery) -> Option<FunctionSpec> {
        let at = Declared {
            function: key,
            file: self.path,
            line,
            root: None,
        };
        if f.get("image").is_some() {
            found.diagnostics.push(template_error(
                self.path,
                line,
                format!("{key}: a container image function; its code is not read"),
            ));
            return None;
        }
        let handler = f.get("handler").and_then(Value::as_str);
        if handler.is_none() {
            found
                .diagnostics
                .push(template_error(self.path, line, format!("{key}: no handler; skipped")));
            return None;
        }
        let runtime = f
            .get("runtime")
            .or_else(|| self.provider("runtime"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let layers = self.layer_dirs(f);
        let code = code::locate(self.dir, handler, &runtime, &layers, &at, &mut found.diagnostics)?;
        if let Some(entry) = &code.entry
            && excluded(self.config, f, self.dir, entry)
        {
            found.diagnostics.push(template_error(
                self.path,
                line,
                format!("{key}: package.patterns exclude the handler's file {}", entry.display()),
            ));
        }
        let (environment, env_sources, env_unknowns) = self.environment(key, f);
        let deployment = self.deployment(key, f);
        let (role, current_policies) = self.role(key, f, &deployment, line);
        self.scope.take_notes();
        Some(FunctionSpec {
            name: key.to_string(),
            path: code.path,
            root: code.root,
            language: code.language,
            entry: code.entry,
            handler: code.handler,
            files: code.files,
            role,
            declared_in: Some(self.path.to_path_buf()),
            line,
            stack: Some(self.stack_name.to_string()),
            environment,
            env_sources,
            env_unknowns,
            deployment: Some(deployment),
            current_policies,
            current_statements: Vec::new(),
        })
    }

    /// Provider-level variables, then the function's (which win), each resolved with the
    /// reasons for what stays unknown.
    #[allow(clippy::type_complexity)]
    fn environment(
        &self,
        key: &str,
        _f: &Value,
    ) -> (
        BTreeMap<String, String>,
        BTreeMap<String, String>,
        BTreeMap<String, String>,
    ) {
        let mut values = BTreeMap::new();
        let mut sources = BTreeMap::new();
        let mut unknowns = BTreeMap::new();
        let raw_fn = self.raw.get("functions").and_then(|fs| fs.get(key));
        for raw in [
            self.raw.pointer("/provider/environment"),
            raw_fn.and_then(|f| f.get("environment")),
        ] {
            let Some(raw) = raw else { continue };
            // The block itself may be a variable (`environment: ${file(env.yml)}`).
            let (block, block_notes) = if raw.is_object() {
                (raw.clone(), None)
            } else {
                (self.vars.resolve(raw), self.vars.take_notes())
            };
            for (k, v) in block.as_object().into_iter().flatten() {
                let resolved = self.vars.resolve(v);
                let mut notes: Vec<String> = self.vars.take_notes().into_iter().collect();
                self.scope.take_notes();
                match self.scope.eval(&resolved) {
                    Some(s) => {
                        values.insert(k.clone(), s.clone());
                        if s.contains('*') {
                            notes.extend(self.scope.take_notes());
                            notes.extend(block_notes.clone());
                        }
                    }
                    None => {
                        values.remove(k);
                    }
                }
                if let Some(r) = self.scope.referenced_resource(&resolved) {
                    sources.insert(k.clone(), r);
                }
                if !notes.is_empty() && values.get(k).is_some_and(|v| v.contains('*')) {
                    unknowns.insert(k.clone(), notes.join("; "));
                } else {
                    unknowns.remove(k);
                }
            }
        }
        (values, sources, unknowns)
    }

    fn deployment(&self, key: &str, f: &Value) -> Deployment {
        let function_name = f
            .get("name")
            .and_then(|v| self.scope.eval(v))
            .unwrap_or_else(|| format!("{}-{}-{key}", self.service, self.stage));
        let truthy = |v: Option<&Value>| match v {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "Active" || s == "true",
            _ => false,
        };
        let tracing = match f.get("tracing") {
            Some(v) => truthy(Some(v)),
            None => truthy(self.config.pointer("/provider/tracing/lambda")),
        };
        let vpc = f
            .get("vpc")
            .or_else(|| self.provider("vpc"))
            .is_some_and(|v| !v.is_null());
        let mut d = Deployment {
            function_name,
            // The framework declares each function's log group in the stack.
            log_group_declared: true,
            tracing,
            vpc,
            kms_key: f
                .get("kmsKeyArn")
                .or_else(|| self.provider("kmsKeyArn"))
                .and_then(|v| self.scope.eval(v)),
            ..Deployment::default()
        };
        if let Some(events) = f.get("events") {
            serverless_events::read(events, self.scope, &mut d);
        }
        d.destinations.extend(f.get("onError").and_then(|v| self.scope.eval(v)));
        for k in ["onFailure", "onSuccess"] {
            let Some(dest) = f.pointer(&format!("/destinations/{k}")) else {
                continue;
            };
            let arn = match dest {
                Value::Object(m) => m.get("arn").and_then(|v| self.scope.eval(v)),
                other => self.scope.eval(other),
            };
            d.destinations.extend(arn.map(|a| {
                if a.starts_with("arn:") {
                    a
                } else {
                    // A function of the service, by its key.
                    format!(
                        "arn:{}:lambda:{}:{}:function:{}-{}-{a}",
                        self.scope.partition.unwrap_or("aws"),
                        self.scope.region.unwrap_or("*"),
                        self.scope.account.unwrap_or("*"),
                        self.service,
                        self.stage
                    )
                }
            }));
        }
        d.triggers.sort();
        d.triggers.dedup();
        d
    }

    /// The role a function runs with and the policies it has today.
    fn role(&self, key: &str, f: &Value, d: &Deployment, line: Option<u32>) -> (Option<String>, Vec<CurrentPolicy>) {
        let p = self.scope.partition.unwrap_or("aws");
        let account = self.scope.account.unwrap_or("*");
        let place = Place {
            file: self.path,
            keys: self.keys,
            starts: &[],
            from: self.provider_line,
            wiring: self.wiring,
        };
        let named = f
            .get("role")
            .or_else(|| self.config.pointer("/provider/iam/role").filter(|r| !r.is_object()))
            .or_else(|| self.provider("role"));
        if let Some(r) = named {
            // A logical id of `resources`, a role name, an ARN, or an intrinsic.
            let id = match r {
                Value::String(s) if self.scope.resource(s).is_some() => Some(s.clone()),
                other => cfn_roles::role_id(other, self.scope),
            };
            if let Some(id) = id {
                let arn = self.scope.eval(&json!({"Fn::GetAtt": [id, "Arn"]}));
                return (arn, cfn_roles::role_policies(&id, self.scope, &place));
            }
            let arn = self.scope.eval(r).map(|s| {
                if s.starts_with("arn:") {
                    s
                } else {
                    format!("arn:{p}:iam::{account}:role/{s}")
                }
            });
            return (arn, Vec::new());
        }
        let region = self.scope.region.unwrap_or("*");
        let per_function = f.get("iamRoleStatements").and_then(Value::as_array);
        let role = match per_function {
            Some(_) => format!(
                "arn:{p}:iam::{account}:role/{}-{}-{key}-{region}-lambdaRole",
                self.service, self.stage
            ),
            None => format!(
                "arn:{p}:iam::{account}:role/{}-{}-{region}-lambdaRole",
                self.service, self.stage
            ),
        };
        let mut policies = vec![self.framework_policy(d, line)];
        let statements = match per_function {
            Some(s) => Some(s.clone()),
            None => self
                .config
                .pointer("/provider/iam/role/statements")
                .or_else(|| self.provider("iamRoleStatements"))
                .and_then(Value::as_array)
                .cloned(),
        };
        if let Some(statements) = statements {
            let doc = self
                .scope
                .eval_tree(&json!({"Version": "2012-10-17", "Statement": statements}));
            let needle = if per_function.is_some() {
                "iamRoleStatements"
            } else {
                "statements"
            };
            policies.push(CurrentPolicy {
                name: format!("{}-{}-lambda", self.service, self.stage),
                kind: PolicyKind::Inline,
                arn: None,
                document: Some(doc),
                file: Some(self.path.to_path_buf()),
                line: self
                    .keys
                    .find_from(needle, line.filter(|_| per_function.is_some()).unwrap_or(1), None),
            });
        }
        let managed = self
            .config
            .pointer("/provider/iam/role/managedPolicies")
            .or_else(|| self.provider("iamManagedPolicies"));
        for m in managed.and_then(Value::as_array).into_iter().flatten() {
            if let Some(arn) = self.scope.eval(m) {
                policies.push(CurrentPolicy {
                    line: self.keys.find_from(arn.rsplit('/').next().unwrap_or(&arn), 1, None),
                    name: arn.clone(),
                    kind: PolicyKind::Managed,
                    arn: Some(arn),
                    document: None,
                    file: Some(self.path.to_path_buf()),
                });
            }
        }
        (Some(role), policies)
    }

    /// What the framework itself puts in the role it generates: the service's log
    /// groups, the event sources it polls, X-Ray when tracing.
    fn framework_policy(&self, d: &Deployment, line: Option<u32>) -> CurrentPolicy {
        let p = self.scope.partition.unwrap_or("aws");
        let region = self.scope.region.unwrap_or("*");
        let account = self.scope.account.unwrap_or("*");
        let logs = format!(
            "arn:{p}:logs:{region}:{account}:log-group:/aws/lambda/{}-{}*",
            self.service, self.stage
        );
        let mut statements = vec![
            json!({"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"], "Resource": [format!("{logs}:*")]}),
            json!({"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": [format!("{logs}:*:*")]}),
        ];
        for (kind, arn) in &d.event_sources {
            let actions: &[&str] = match kind.as_str() {
                "sqs" => &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "dynamodb-stream" => &[
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:DescribeStream",
                    "dynamodb:ListStreams",
                ],
                "kinesis" => &[
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:DescribeStream",
                    "kinesis:ListStreams",
                ],
                _ => continue,
            };
            statements.push(json!({"Effect": "Allow", "Action": actions, "Resource": [arn]}));
        }
        if d.tracing {
            statements.push(json!({"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": ["*"]}));
        }
        CurrentPolicy {
            name: "serverless-framework".into(),
            kind: PolicyKind::Inline,
            arn: None,
            document: Some(json!({"Version": "2012-10-17", "Statement": statements})),
            file: Some(self.path.to_path_buf()),
            line,
        }
    }

    /// Layers of the service (`layers.<name>.path`) that a function lists.
    fn layer_dirs(&self, f: &Value) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let declared = self.config.get("layers").and_then(Value::as_object);
        for l in f.get("layers").and_then(Value::as_array).into_iter().flatten() {
            let mut ids = Vec::new();
            super::intrinsics::references(l, &mut ids, 0);
            for (name, layer) in declared.into_iter().flatten() {
                let id = logical_prefix(name) + "LambdaLayer";
                if !ids.contains(&id) {
                    continue;
                }
                if let Some(p) = layer.get("path").and_then(Value::as_str) {
                    let dir = code::normalize(&self.dir.join(p));
                    if dir.is_dir() {
                        out.push(dir);
                    }
                }
            }
        }
        out
    }
}

/// Whether `package.patterns` (service, then function) leave the file out of the package.
fn excluded(config: &Value, f: &Value, dir: &Path, file: &Path) -> bool {
    let rel = file
        .strip_prefix(dir)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/");
    let mut included = true;
    for patterns in [config.pointer("/package/patterns"), f.pointer("/package/patterns")] {
        for p in patterns
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let (negated, glob) = match p.strip_prefix('!') {
                Some(g) => (true, g),
                None => (false, p),
            };
            if glob_matches(glob, &rel) {
                included = !negated;
            }
        }
    }
    !included
}

/// `src/**`, `*.py`, `tests/**/*.js`: `**` spans folders, `*` does not.
fn glob_matches(glob: &str, path: &str) -> bool {
    fn go(g: &[u8], p: &[u8]) -> bool {
        match g {
            [] => p.is_empty(),
            [b'*', b'*', rest @ ..] => {
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=p.len()).any(|i| go(rest, &p[i..]))
            }
            [b'*', rest @ ..] => (0..=p.len())
                .take_while(|i| *i == 0 || p[i - 1] != b'/')
                .any(|i| go(rest, &p[i..])),
            [c, rest @ ..] => p.first() == Some(c) && go(rest, &p[1..]),
        }
    }
    go(glob.trim_start_matches("./").as_bytes(), path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_patterns() {
        assert_eq!(logical_prefix("createOrder"), "CreateOrder");
        assert_eq!(logical_prefix("send-mail"), "SendDashmail");
        assert!(glob_matches("src/**", "src/a/b.py"));
        assert!(glob_matches("**/*.test.js", "src/x.test.js"));
        assert!(!glob_matches("src/*.py", "src/a/b.py"));
        let config = json!({"package": {"patterns": ["!src/**", "src/handlers/**"]}});
        assert!(!excluded(
            &config,
            &json!({}),
            Path::new("."),
            Path::new("src/handlers/a.py")
        ));
        assert!(excluded(&config, &json!({}), Path::new("."), Path::new("src/lib/a.py")));
    }
}

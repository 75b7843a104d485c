//! `aws_lambda_function` resources of a Terraform module: code (`filename` through an
//! `archive_file` data source's `source_dir`/`source_file`), handler, layers,
//! `environment.variables`, role and its policies, and the platform facts: log group,
//! tracing, VPC, dead-letter config, event source mappings, permissions, bucket
//! notifications, rule targets, subscriptions and invoke-config destinations. What
//! points at what is indexed once per module ([`Wiring`]), so that reading thousands of
//! functions does not rescan every resource for each.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use hcl::Expression;

use crate::diagnostics::{Diagnostic, codes};
use crate::sources::discover::{CurrentPolicy, Deployment, Discovery, FunctionSpec, Trigger, event_source_kind};

use super::code::{self, Declared};
use super::terraform::Item;
use super::terraform_eval::{Eval, is_named_type, references};
use super::terraform_iam;

/// Reads the functions of one module into `found`.
pub fn functions(ev: &Eval<'_>, found: &mut Discovery) {
    let module = ev.module();
    let wiring = Wiring::new(ev);
    ev.take_notes();
    for (addr, item) in &module.resources {
        if !addr.starts_with("aws_lambda_function.") {
            continue;
        }
        if let Some(spec) = function(ev, addr, item, &wiring, found) {
            found.functions.push(spec);
        }
    }
}

/// Which resources of a module point at which function, found in one pass, and the
/// policies of each role once read.
struct Wiring<'m> {
    /// Address → the resources whose wiring attributes refer to it, in address order.
    pointing: HashMap<String, Vec<(&'m String, &'m Item)>>,
    /// What `aws_cloudwatch_log_group` names refer to, and the names as far as known.
    log_group_refs: HashSet<String>,
    log_group_names: HashSet<String>,
    /// Role address → its policies (functions often share a role).
    roles: RefCell<HashMap<String, Vec<CurrentPolicy>>>,
    /// The module's role policy resources by role.
    iam: terraform_iam::RolePolicies<'m>,
}

impl<'m> Wiring<'m> {
    fn new(ev: &Eval<'m>) -> Wiring<'m> {
        let mut w = Wiring {
            pointing: HashMap::new(),
            log_group_refs: HashSet::new(),
            log_group_names: HashSet::new(),
            roles: RefCell::default(),
            iam: terraform_iam::RolePolicies::new(ev),
        };
        for (a, r) in &ev.module().resources {
            let ty = a.split('.').next().unwrap_or("");
            let mut names = match ty {
                "aws_lambda_event_source_mapping"
                | "aws_lambda_permission"
                | "aws_lambda_function_event_invoke_config" => refs(r.attr("function_name")),
                "aws_s3_bucket_notification" => r
                    .blocks("lambda_function")
                    .flat_map(|b| refs(super::terraform::attr_in(b.body(), "lambda_function_arn")))
                    .collect(),
                "aws_cloudwatch_event_target" => refs(r.attr("arn")),
                "aws_sns_topic_subscription" => refs(r.attr("endpoint")),
                "aws_apigatewayv2_integration" => refs(r.attr("integration_uri")),
                "aws_cloudwatch_log_group" => {
                    w.log_group_refs.extend(refs(r.attr("name")));
                    w.log_group_names.extend(r.attr("name").and_then(|e| ev.string(e)));
                    continue;
                }
                _ => continue,
            };
            names.sort();
            names.dedup();
            for n in names {
                w.pointing.entry(n).or_default().push((a, r));
            }
        }
        w
    }

    fn pointing(&self, addr: &str) -> &[(&'m String, &'m Item)] {
        self.pointing.get(addr).map_or(&[], Vec::as_slice)
    }

    /// The policies of role `addr`, read once.
    fn role_policies(&self, ev: &Eval<'_>, addr: &str) -> Vec<CurrentPolicy> {
        if let Some(known) = self.roles.borrow().get(addr) {
            ev.take_notes();
            return known.clone();
        }
        let policies = self.iam.of(ev, addr);
        self.roles.borrow_mut().insert(addr.to_string(), policies.clone());
        policies
    }
}

fn refs(e: Option<&Expression>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = e {
        references(e, &mut out);
    }
    out
}

fn function(
    ev: &Eval<'_>,
    addr: &str,
    item: &Item,
    wiring: &Wiring<'_>,
    found: &mut Discovery,
) -> Option<FunctionSpec> {
    let module = ev.module();
    let full = format!("{}{addr}", module.prefix);
    let deployed = item.attr("function_name").and_then(|e| ev.string(e));
    ev.take_notes();
    let name = deployed
        .clone()
        .filter(|n| !n.contains('*'))
        .unwrap_or_else(|| full.clone());
    let at = Declared {
        function: &name,
        file: &item.file,
        line: item.line,
        root: ev.project.root.as_ref(),
    };
    let warn = |message: String| {
        Diagnostic::warning(codes::MISSING_HANDLER, format!("{name}: {message}")).at(&item.file, item.line)
    };
    if item.attr("image_uri").is_some() {
        found
            .diagnostics
            .push(warn("a container image function; its code is not read".into()));
        return None;
    }
    let Some(code_dir) = code_folder(ev, item.attr("filename")) else {
        found.diagnostics.push(warn(
            "its code is a prebuilt archive or S3 object that no archive_file data source builds from the repository; skipped".into(),
        ));
        return None;
    };
    let handler = item.attr("handler").and_then(|e| ev.string(e));
    let runtime = item.attr("runtime").and_then(|e| ev.string(e)).unwrap_or_default();
    let layers: Vec<PathBuf> = refs(item.attr("layers"))
        .iter()
        .filter(|r| r.starts_with("aws_lambda_layer_version."))
        .filter_map(|r| module.resources.get(r))
        .filter_map(|l| code_folder(ev, l.attr("filename")))
        .filter(|d| d.is_dir())
        .collect();
    let code = code::locate(
        &code_dir,
        handler.as_deref(),
        &runtime,
        &layers,
        &at,
        &mut found.diagnostics,
    )?;
    let mut environment = BTreeMap::new();
    let mut env_sources = BTreeMap::new();
    let mut env_unknowns = BTreeMap::new();
    ev.take_notes();
    if let Some(Expression::Object(vars)) = item.attr("environment.variables") {
        for (k, e) in vars.iter() {
            let key = match k {
                hcl::ObjectKey::Identifier(i) => i.as_str().to_string(),
                hcl::ObjectKey::Expression(x) => ev.string(x).unwrap_or_default(),
                _ => continue,
            };
            if let Some(v) = ev.string(e) {
                if v.contains('*')
                    && let Some(why) = ev.take_notes()
                {
                    env_unknowns.insert(key.clone(), why);
                }
                environment.insert(key.clone(), v);
            }
            ev.take_notes();
            if let Some(r) = refs(Some(e))
                .into_iter()
                .find(|r| is_named_type(r.split('.').next().unwrap_or("")))
            {
                env_sources.insert(key, format!("{}{r}", module.prefix));
            }
        }
    }
    let role_expr = item.attr("role");
    let role = role_expr.and_then(|e| ev.string(e));
    let current_policies = refs(role_expr)
        .iter()
        .find(|r| r.starts_with("aws_iam_role."))
        .map(|r| wiring.role_policies(ev, r))
        .unwrap_or_default();
    let deployment = deployment(ev, addr, item, wiring, deployed.unwrap_or_else(|| "*".into()));
    ev.take_notes();
    Some(FunctionSpec {
        name,
        path: code.path,
        root: code.root,
        language: code.language,
        entry: code.entry,
        handler: code.handler,
        files: code.files,
        role,
        declared_in: Some(item.file.clone()),
        line: item.line,
        stack: Some(ev.stack_label()),
        environment,
        env_sources,
        env_unknowns,
        deployment: Some(deployment),
        current_policies,
        current_statements: Vec::new(),
    })
}

/// The folder (or file) an archive is built from: `filename` naming an `archive_file`
/// data source's `output_path`, directly or by the same path.
fn code_folder(ev: &Eval<'_>, filename: Option<&Expression>) -> Option<PathBuf> {
    let filename = filename?;
    let module = ev.module();
    let by_ref = refs(Some(filename))
        .into_iter()
        .filter_map(|r| r.strip_prefix("data.").map(String::from))
        .filter(|r| r.starts_with("archive_file."))
        .find_map(|r| module.data.get(&r));
    let archive = by_ref.or_else(|| {
        let path = ev.string(filename)?;
        module
            .data
            .iter()
            .filter(|(a, _)| a.starts_with("archive_file."))
            .find(|(_, d)| d.attr("output_path").and_then(|e| ev.string(e)).as_deref() == Some(path.as_str()))
            .map(|(_, d)| d)
    })?;
    let source = archive
        .attr("source_dir")
        .or_else(|| archive.attr("source_file"))
        .and_then(|e| ev.string(e))?;
    Some(code::normalize(&PathBuf::from(source)))
}

fn deployment(ev: &Eval<'_>, addr: &str, item: &Item, wiring: &Wiring<'_>, function_name: String) -> Deployment {
    let s = |e: Option<&Expression>| e.and_then(|e| ev.string(e));
    let points_here = |e: Option<&Expression>| refs(e).iter().any(|r| r == addr);
    let log_group = format!("/aws/lambda/{function_name}");
    let mut d = Deployment {
        log_group_declared: wiring.log_group_refs.contains(addr) || wiring.log_group_names.contains(&log_group),
        tracing: s(item.attr("tracing_config.mode")).as_deref() == Some("Active"),
        vpc: item.blocks("vpc_config").next().is_some(),
        kms_key: s(item.attr("kms_key_arn")),
        function_name,
        ..Deployment::default()
    };
    d.destinations.extend(s(item.attr("dead_letter_config.target_arn")));
    for &(a, r) in wiring.pointing(addr) {
        let ty = a.split('.').next().unwrap_or("");
        match ty {
            "aws_lambda_event_source_mapping" if points_here(r.attr("function_name")) => {
                let arn = s(r.attr("event_source_arn")).unwrap_or_else(|| "*".into());
                // Self-managed Kafka names no ARN (`*` here); an Amazon MQ broker lands here too.
                let kind = event_source_kind(&arn).unwrap_or("kafka");
                d.event_sources.push((kind.into(), arn.clone()));
                d.triggers.push(Trigger {
                    kind: kind.to_uppercase(),
                    name: a.clone(),
                    source: Some(arn),
                });
            }
            "aws_lambda_permission" if points_here(r.attr("function_name")) => {
                let principal = s(r.attr("principal")).unwrap_or_default();
                d.triggers.push(Trigger {
                    kind: principal.split('.').next().unwrap_or("invoke").to_string(),
                    name: a.clone(),
                    source: s(r.attr("source_arn")).filter(|x| x != "*" && !x.ends_with("/*/*")),
                });
            }
            "aws_s3_bucket_notification"
                if r.blocks("lambda_function")
                    .any(|b| points_here(super::terraform::attr_in(b.body(), "lambda_function_arn"))) =>
            {
                let bucket = s(r.attr("bucket")).unwrap_or_else(|| "*".into());
                d.triggers.push(Trigger {
                    kind: "S3".into(),
                    name: bucket.clone(),
                    source: Some(format!("arn:aws:s3:::{bucket}")),
                });
            }
            "aws_cloudwatch_event_target" if points_here(r.attr("arn")) => d.triggers.push(Trigger {
                kind: "EventBridgeRule".into(),
                name: s(r.attr("rule")).unwrap_or_else(|| a.clone()),
                source: None,
            }),
            "aws_sns_topic_subscription" if points_here(r.attr("endpoint")) => d.triggers.push(Trigger {
                kind: "SNS".into(),
                name: a.clone(),
                source: s(r.attr("topic_arn")),
            }),
            "aws_apigatewayv2_integration" if points_here(r.attr("integration_uri")) => d.triggers.push(Trigger {
                kind: "HttpApi".into(),
                name: a.clone(),
                source: None,
            }),
            "aws_lambda_function_event_invoke_config" if points_here(r.attr("function_name")) => {
                for path in [
                    "destination_config.on_failure.destination",
                    "destination_config.on_success.destination",
                ] {
                    d.destinations.extend(s(r.attr(path)));
                }
            }
            _ => {}
        }
    }
    d.triggers.sort();
    d.triggers.dedup();
    d
}

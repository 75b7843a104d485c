//! `leastpriv catalog lookup|stats`.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use leastpriv::catalog::Catalog;
use serde_json::json;

use super::ExitStatus;
use super::args::{CatalogCommand, TextOrJson};
use super::run::print;

pub fn run(cmd: &CatalogCommand) -> Result<ExitStatus> {
    let catalog = Catalog::embedded();
    match cmd {
        CatalogCommand::Stats { format } => {
            let stats = catalog.stats();
            match format {
                TextOrJson::Json => {
                    let mut v = json!({
                        "services": stats.services,
                        "operations": stats.operations,
                        "actions": stats.actions,
                        "prefixes": stats.prefixes,
                    });
                    for (k, n) in &stats.counts {
                        if v.get(k).is_none() {
                            v[k] = json!(n);
                        }
                    }
                    v["sources"] = json!(stats.sources);
                    print(&serde_json::to_string_pretty(&v)?);
                }
                TextOrJson::Text => {
                    let mut s = String::new();
                    writeln!(s, "services:   {}", stats.services)?;
                    writeln!(s, "operations: {}", stats.operations)?;
                    writeln!(
                        s,
                        "actions:    {} (in {} IAM service prefixes)",
                        stats.actions, stats.prefixes
                    )?;
                    for (k, n) in &stats.counts {
                        if !matches!(k.as_str(), "services" | "operations" | "actions" | "prefixes") {
                            writeln!(s, "{k}: {n}")?;
                        }
                    }
                    for (k, v) in &stats.sources {
                        writeln!(s, "source {k} {v}")?;
                    }
                    print(s.trim_end());
                }
            }
        }
        CatalogCommand::Lookup { operation, format } => {
            let Some((service, op_name)) = operation.split_once('.') else {
                bail!("{operation}: expected SERVICE.OPERATION, for example s3.ListObjectsV2");
            };
            if catalog.service(service).is_none() {
                bail!("{service}: unknown service (boto3 names it, for example s3, stepfunctions, sesv2)");
            }
            let Some((api, op)) = catalog.operation(service, op_name) else {
                bail!("{operation}: {service} has no operation {op_name}");
            };
            let resources: Vec<_> = op
                .resources
                .iter()
                .map(|r| {
                    json!({"action": r.action, "type": r.resource_type, "arn": r.arn,
                           "from": r.from})
                })
                .collect();
            match format {
                TextOrJson::Json => {
                    let v = json!({
                        "service": service,
                        "operation": api,
                        "actions": op.actions,
                        "resources": resources,
                        "basis": op.basis,
                        "may": op.may,
                    });
                    print(&serde_json::to_string_pretty(&v)?);
                }
                TextOrJson::Text => {
                    let mut s = String::new();
                    writeln!(s, "{service}.{api}")?;
                    if op.actions.is_empty() {
                        writeln!(s, "  actions: none (needs no permission)")?;
                    } else {
                        writeln!(s, "  actions: {}", op.actions.join(", "))?;
                    }
                    writeln!(
                        s,
                        "  basis:   {}",
                        serde_json::to_value(op.basis)?.as_str().unwrap_or("")
                    )?;
                    for r in &op.resources {
                        writeln!(
                            s,
                            "  {} on {} {} (from {})",
                            r.action,
                            r.resource_type,
                            r.arn,
                            r.from.join(", ")
                        )?;
                    }
                    if !op.may.is_empty() {
                        writeln!(s, "  may also be authorized against: {}", op.may.join(", "))?;
                    }
                    print(s.trim_end());
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

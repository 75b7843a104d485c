//! `graph --format json`: `{"nodes": [{"id", "kind", "name", "arn"}], "edges": [{"from",
//! "to", "kind", "actions"}]}`, plus `stack` on nodes, `encryption` (the customer managed
//! KMS key's ARN) on encrypted resources and `variables` on binding edges.

use serde_json::{Value, json};

use crate::graph::ResourceGraph;

pub fn render(g: &ResourceGraph) -> String {
    serde_json::to_string_pretty(&value(g)).unwrap_or_default()
}

pub fn value(g: &ResourceGraph) -> Value {
    let nodes: Vec<Value> = g
        .nodes()
        .map(|(_, n)| {
            let mut v = json!({"id": n.id(), "kind": n.kind.as_str(), "name": n.name, "arn": n.arn});
            if let Some(s) = &n.stack {
                v["stack"] = json!(s);
            }
            if let Some(k) = &n.encryption {
                v["encryption"] = json!(k);
            }
            v
        })
        .collect();
    let edges: Vec<Value> = g
        .edges()
        .into_iter()
        .map(|(from, to, e)| {
            let mut v = json!({
                "from": g.get(from).id(),
                "to": g.get(to).id(),
                "kind": e.kind.as_str(),
                "actions": e.actions,
            });
            if !e.variables.is_empty() {
                v["variables"] = json!(e.variables);
            }
            v
        })
        .collect();
    json!({"nodes": nodes, "edges": edges})
}

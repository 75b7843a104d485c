//! `graph --format mermaid`: a Mermaid flowchart (renders in GitHub Markdown), one
//! subgraph per stack or service, the same nodes and edges as the DOT form.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use petgraph::stable_graph::NodeIndex;

use crate::graph::{EdgeKind, Node, NodeKind, ResourceGraph};

use super::dot::{actions_label, drawn_nodes};

pub fn render(g: &ResourceGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut ids: BTreeMap<NodeIndex, String> = BTreeMap::new();
    let mut by_stack: BTreeMap<Option<&str>, Vec<(NodeIndex, &Node)>> = BTreeMap::new();
    let drawn = drawn_nodes(g);
    for (i, (ix, n)) in g.nodes().filter(|(ix, _)| drawn.contains(ix)).enumerate() {
        ids.insert(ix, format!("n{i}"));
        by_stack.entry(n.stack.as_deref()).or_default().push((ix, n));
    }
    for (s, (stack, nodes)) in by_stack.iter().enumerate() {
        let indent = if stack.is_some() { "    " } else { "  " };
        if let Some(name) = stack {
            let _ = writeln!(out, "  subgraph s{s}[\"{}\"]", text(name));
        }
        for (ix, n) in nodes {
            let _ = writeln!(out, "{indent}{}{}", ids[ix], shape(n));
        }
        if stack.is_some() {
            out.push_str("  end\n");
        }
    }
    for (from, to, e) in g.edges() {
        let (Some(a), Some(b)) = (ids.get(&from), ids.get(&to)) else {
            continue;
        };
        let line = match e.kind {
            EdgeKind::Calls => format!("{a} -->|\"{}\"| {b}", text(&actions_label(e.actions.iter(), "<br/>"))),
            EdgeKind::Triggers => format!("{a} ==>|triggers| {b}"),
            EdgeKind::AssumesRole => format!("{a} -.->|assumes| {b}"),
            EdgeKind::Binds => format!(
                "{a} -.->|\"{}\"| {b}",
                text(&e.variables.iter().cloned().collect::<Vec<_>>().join(", "))
            ),
            EdgeKind::Reaches => format!("{a} -.-> {b}"),
            EdgeKind::HasPolicy | EdgeKind::Grants | EdgeKind::Declares => continue,
        };
        let _ = writeln!(out, "  {line}");
    }
    out
}

fn shape(n: &Node) -> String {
    let t = text(&n.name);
    match n.kind {
        NodeKind::Function => format!("(\"{t}\")"),
        NodeKind::Role => format!("{{{{\"{t}\"}}}}"),
        NodeKind::Resource => format!("[(\"{t}\")]"),
        NodeKind::EventSource => format!(">\"{t}\"]"),
        _ => format!("[\"{t}\"]"),
    }
}

/// Text inside a quoted Mermaid label: `"` and `<>` as entities (`<br/>` kept).
fn text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace("#lt;br/#gt;", "<br/>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subgraphs_and_edges() {
        let mut g = ResourceGraph::default();
        let f = g.node(NodeKind::Function, "api", None);
        g.describe(f, "api", Some("shop"));
        let t = g.node(NodeKind::Resource, "arn:aws:dynamodb:*:*:table/t", None);
        g.connect(f, t, EdgeKind::Calls, ["dynamodb:GetItem".to_string()]);
        let m = render(&g);
        assert!(m.starts_with("flowchart LR\n"));
        assert!(
            m.contains("subgraph s1[\"shop\"]") || m.contains("subgraph s0[\"shop\"]"),
            "{m}"
        );
        assert!(m.contains("-->|\"dynamodb:GetItem\"|"), "{m}");
    }
}

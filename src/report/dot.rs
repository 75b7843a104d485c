//! `graph --format dot`: Graphviz, left to right, functions grouped with the resources
//! their stack or service declares in one cluster per stack; calls labelled with their
//! actions, triggers and environment bindings drawn apart. Policies, grants and
//! definitions stay in the JSON form (a role shows how many policies it has), where they
//! do not crowd the picture; so do resources only a policy names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use petgraph::stable_graph::NodeIndex;

use crate::graph::{EdgeKind, Node, NodeKind, ResourceGraph};

/// Most actions a call edge lists before `+N more`.
const MAX_LABEL_ACTIONS: usize = 4;

pub fn render(g: &ResourceGraph) -> String {
    let mut out = String::from(
        "digraph leastpriv {\n  rankdir=LR;\n  compound=true;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    let drawn = drawn_nodes(g);
    let mut by_stack: BTreeMap<Option<&str>, Vec<(NodeIndex, &Node)>> = BTreeMap::new();
    for (ix, n) in g.nodes() {
        if drawn.contains(&ix) {
            by_stack.entry(n.stack.as_deref()).or_default().push((ix, n));
        }
    }
    for (i, (stack, nodes)) in by_stack.iter().enumerate() {
        let indent = if stack.is_some() { "    " } else { "  " };
        if let Some(s) = stack {
            let _ = writeln!(
                out,
                "  subgraph cluster_{i} {{\n    label={};\n    style=\"rounded\";\n    color=\"#9ca3af\";",
                quote(s)
            );
        }
        for (ix, n) in nodes {
            let _ = writeln!(out, "{indent}{} [{}];", quote(&n.id()), style(g, *ix, n));
        }
        if stack.is_some() {
            out.push_str("  }\n");
        }
    }
    for (from, to, e) in g.edges() {
        let (a, b) = (g.get(from), g.get(to));
        if !drawn.contains(&from) || !drawn.contains(&to) {
            continue;
        }
        let attrs = match e.kind {
            EdgeKind::Calls => format!("label={}", quote(&actions_label(e.actions.iter(), "\n"))),
            EdgeKind::Triggers => "label=\"triggers\", color=\"#16a34a\", fontcolor=\"#16a34a\"".into(),
            EdgeKind::AssumesRole => "label=\"assumes\", style=dashed, color=\"#6b7280\"".into(),
            EdgeKind::Binds => format!(
                "label={}, style=dotted, color=\"#2563eb\", fontcolor=\"#2563eb\"",
                quote(&e.variables.iter().cloned().collect::<Vec<_>>().join("\n"))
            ),
            EdgeKind::Reaches => "style=dashed, color=\"#9333ea\", arrowsize=0.6".into(),
            EdgeKind::HasPolicy | EdgeKind::Grants | EdgeKind::Declares => continue,
        };
        let _ = writeln!(out, "  {} -> {} [{attrs}];", quote(&a.id()), quote(&b.id()));
    }
    out.push_str("}\n");
    out
}

/// What the picture shows: functions, roles, event sources, the resources a stack
/// declares, and every node a call, trigger, role or binding edge touches.
pub fn drawn_nodes(g: &ResourceGraph) -> BTreeSet<NodeIndex> {
    let mut out: BTreeSet<NodeIndex> = g
        .nodes()
        .filter(|(_, n)| {
            matches!(n.kind, NodeKind::Function | NodeKind::Role | NodeKind::EventSource)
                || n.kind == NodeKind::Resource && n.declared
        })
        .map(|(i, _)| i)
        .collect();
    for (from, to, e) in g.edges() {
        if matches!(
            e.kind,
            EdgeKind::Calls | EdgeKind::Triggers | EdgeKind::AssumesRole | EdgeKind::Binds | EdgeKind::Reaches
        ) {
            out.insert(from);
            out.insert(to);
        }
    }
    out
}

fn style(g: &ResourceGraph, ix: NodeIndex, n: &Node) -> String {
    let label = quote(&n.name);
    match n.kind {
        NodeKind::Function => format!("label={label}, shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\""),
        NodeKind::Role => {
            let policies = g.outgoing(ix, EdgeKind::HasPolicy).count();
            let label = match policies {
                0 => label,
                1 => quote(&format!("{}\n1 policy", n.name)),
                k => quote(&format!("{}\n{k} policies", n.name)),
            };
            format!("label={label}, shape=hexagon, style=filled, fillcolor=\"#fef3c7\"")
        }
        NodeKind::ManagedPolicy | NodeKind::InlinePolicy => {
            format!("label={label}, shape=note, style=filled, fillcolor=\"#fefce8\", fontsize=8")
        }
        NodeKind::Resource => {
            let label = match &n.encryption {
                Some(k) => quote(&format!("{}\n{}", n.name, crate::graph::arn::short_name(k))),
                None => label,
            };
            format!("label={label}, shape=cylinder, style=filled, fillcolor=\"#dcfce7\"")
        }
        NodeKind::EventSource => format!("label={label}, shape=cds, style=filled, fillcolor=\"#f3e8ff\""),
        NodeKind::Definition => format!("label={label}, shape=plain"),
        NodeKind::Code => format!("label={label}, shape=component, fontsize=8, color=\"#9333ea\""),
    }
}

/// `a\nb\nc\n+2 more`.
pub fn actions_label<'a>(actions: impl Iterator<Item = &'a String>, sep: &str) -> String {
    let all: Vec<&String> = actions.collect();
    let mut shown: Vec<String> = all.iter().take(MAX_LABEL_ACTIONS).map(|s| s.to_string()).collect();
    if all.len() > MAX_LABEL_ACTIONS {
        shown.push(format!("+{} more", all.len() - MAX_LABEL_ACTIONS));
    }
    shown.join(sep)
}

/// A DOT string: quoted, with `"` and `\` escaped and new lines as `\n`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_labels_and_escaping() {
        let mut g = ResourceGraph::default();
        let f = g.node(NodeKind::Function, "api", None);
        g.describe(f, "api", Some("shop"));
        let t = g.node(NodeKind::Resource, "arn:aws:s3:::b/\"x\"", None);
        let actions: Vec<String> = (0..6).map(|i| format!("s3:A{i}")).collect();
        g.connect(f, t, EdgeKind::Calls, actions);
        let dot = render(&g);
        assert!(dot.contains(" {\n    label=\"shop\";"), "{dot}");
        assert!(dot.contains("\"resource:arn:aws:s3:::b/\\\"x\\\"\""), "{dot}");
        assert!(dot.contains("s3:A3\\n+2 more"), "{dot}");
    }

    #[test]
    fn encrypted_resources_name_their_key() {
        let mut g = ResourceGraph::default();
        let q = g.node(NodeKind::Resource, "arn:aws:sqs:*:*:jobs", None);
        g.describe(q, "jobs", None);
        g.mark_declared(q);
        g.set_encryption(q, "arn:aws:kms:*:*:key/*");
        let dot = render(&g);
        assert!(dot.contains("label=\"jobs\\nkms:key/*\""), "{dot}");
    }
}

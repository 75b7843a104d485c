//! The petgraph graph itself: nodes for functions and resources, edges for calls.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Function,
    Role,
    Resource,
    EventSource,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    Calls,
    Triggers,
    AssumesRole,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub actions: BTreeSet<String>,
}

/// Functions, roles, resources and event sources, with who reaches what.
#[derive(Debug, Default)]
pub struct ResourceGraph {
    graph: StableDiGraph<Node, Edge>,
    by_key: BTreeMap<(String, String), NodeIndex>,
}

impl ResourceGraph {
    fn key(kind: &NodeKind, name: &str) -> (String, String) {
        (format!("{kind:?}"), name.to_string())
    }

    /// The node for (kind, name), created on first use.
    pub fn node(&mut self, kind: NodeKind, name: &str, arn: Option<String>) -> NodeIndex {
        let key = Self::key(&kind, name);
        if let Some(ix) = self.by_key.get(&key) {
            return *ix;
        }
        let ix = self.graph.add_node(Node {
            kind,
            name: name.to_string(),
            arn,
        });
        self.by_key.insert(key, ix);
        ix
    }

    /// Adds actions to the edge `from → to` of this kind.
    pub fn connect(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        actions: impl IntoIterator<Item = String>,
    ) {
        if let Some(e) = self
            .graph
            .edges_connecting(from, to)
            .find(|e| e.weight().kind == kind)
            .map(|e| {
                use petgraph::visit::EdgeRef;
                e.id()
            })
        {
            self.graph[e].actions.extend(actions);
            return;
        }
        self.graph.add_edge(
            from,
            to,
            Edge {
                kind,
                actions: actions.into_iter().collect(),
            },
        );
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &Node)> {
        self.graph.node_indices().map(move |i| (i, &self.graph[i]))
    }

    pub fn edges(&self) -> impl Iterator<Item = (NodeIndex, NodeIndex, &Edge)> {
        use petgraph::visit::{EdgeRef, IntoEdgeReferences};
        (&self.graph)
            .edge_references()
            .map(|e| (e.source(), e.target(), e.weight()))
    }

    /// Functions that reach a resource (by its ARN or name).
    pub fn functions_reaching(&self, resource: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .edges()
            .filter(|(_, to, e)| {
                e.kind == EdgeKind::Calls && {
                    let n = &self.graph[*to];
                    n.name == resource || n.arn.as_deref() == Some(resource)
                }
            })
            .map(|(from, _, _)| self.graph[from].name.as_str())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaching_functions() {
        let mut g = ResourceGraph::default();
        let f = g.node(NodeKind::Function, "api", None);
        let t = g.node(NodeKind::Resource, "arn:aws:dynamodb:*:*:table/Orders", None);
        g.connect(f, t, EdgeKind::Calls, ["dynamodb:GetItem".to_string()]);
        g.connect(f, t, EdgeKind::Calls, ["dynamodb:PutItem".to_string()]);
        assert_eq!(g.functions_reaching("arn:aws:dynamodb:*:*:table/Orders"), vec!["api"]);
        assert_eq!(g.edges().count(), 1);
    }
}

//! The petgraph graph itself: typed nodes (functions, roles, policies, resources, event
//! sources, template definitions) and typed edges (calls with their actions, triggers,
//! role assumption, attached policies, grants, environment bindings, declarations).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Function,
    Role,
    /// A managed policy (AWS managed, or declared in the repository).
    ManagedPolicy,
    /// An inline policy, or a SAM policy template, of one role.
    InlinePolicy,
    /// A resource, by ARN or ARN pattern (`*` where unknown).
    Resource,
    /// Something that invokes a function and is no resource of its own (an API route,
    /// a schedule).
    EventSource,
    /// The place a function, role or resource is declared (`template.yaml#OrdersTable`).
    Definition,
    /// A function (or a module's top-level code) of the source that a handler reaches:
    /// `putMember (lib/store.js:8)`.
    Code,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Function => "function",
            NodeKind::Role => "role",
            NodeKind::ManagedPolicy => "managed_policy",
            NodeKind::InlinePolicy => "inline_policy",
            NodeKind::Resource => "resource",
            NodeKind::EventSource => "event_source",
            NodeKind::Definition => "definition",
            NodeKind::Code => "code",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub kind: NodeKind,
    /// Unique within its kind: the function's name, the role or resource ARN, ...
    pub key: String,
    /// What to show.
    pub name: String,
    pub arn: Option<String>,
    /// The stack, service or module it belongs to.
    pub stack: Option<String>,
    /// A definition declares exactly this node (not a part of what it declares).
    pub declared: bool,
    /// The customer managed KMS key (ARN pattern) its definition encrypts it with.
    pub encryption: Option<String>,
}

impl Node {
    /// The stable id used in renderings: `function:OrdersApi`, `resource:arn:...`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// function → resource: the actions its code (or the platform, or trails) needs.
    Calls,
    /// event source or resource → function.
    Triggers,
    /// function → role.
    AssumesRole,
    /// role → policy.
    HasPolicy,
    /// policy → resource: the actions an Allow statement grants on it.
    Grants,
    /// function → resource: an environment variable bound to it.
    Binds,
    /// definition → function, role or resource.
    Declares,
    /// function → code: its handler reaches that code (on the way to an SDK call).
    Reaches,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Calls => "calls",
            EdgeKind::Triggers => "triggers",
            EdgeKind::AssumesRole => "assumes_role",
            EdgeKind::HasPolicy => "has_policy",
            EdgeKind::Grants => "grants",
            EdgeKind::Binds => "binds",
            EdgeKind::Declares => "declares",
            EdgeKind::Reaches => "reaches",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub actions: BTreeSet<String>,
    /// The environment variables of a `binds` edge.
    pub variables: BTreeSet<String>,
}

/// Functions, roles, policies, resources, event sources and definitions, with who
/// reaches what.
#[derive(Debug, Default)]
pub struct ResourceGraph {
    graph: StableDiGraph<Node, Edge>,
    by_key: BTreeMap<(NodeKind, String), NodeIndex>,
    /// The edge of each (from, to, kind), so that adding to it does not walk every edge
    /// of a node (a policy granting on thousands of log groups).
    by_ends: HashMap<(NodeIndex, NodeIndex, EdgeKind), EdgeIndex>,
}

impl ResourceGraph {
    /// The node for (kind, key), created on first use; a later ARN or stack fills in
    /// what an earlier use did not know.
    pub fn node(&mut self, kind: NodeKind, key: &str, arn: Option<String>) -> NodeIndex {
        if let Some(ix) = self.by_key.get(&(kind, key.to_string())) {
            let ix = *ix;
            if self.graph[ix].arn.is_none() {
                self.graph[ix].arn = arn;
            }
            return ix;
        }
        let ix = self.graph.add_node(Node {
            kind,
            key: key.to_string(),
            name: key.to_string(),
            arn,
            stack: None,
            declared: false,
            encryption: None,
        });
        self.by_key.insert((kind, key.to_string()), ix);
        ix
    }

    /// Sets what a node shows and where it belongs.
    pub fn describe(&mut self, ix: NodeIndex, name: &str, stack: Option<&str>) {
        let n = &mut self.graph[ix];
        n.name = name.to_string();
        if n.stack.is_none() {
            n.stack = stack.map(String::from);
        }
    }

    /// Marks a node as one a definition declares.
    pub fn mark_declared(&mut self, ix: NodeIndex) {
        self.graph[ix].declared = true;
    }

    /// Records the customer managed KMS key a node's data is encrypted with.
    pub fn set_encryption(&mut self, ix: NodeIndex, key: &str) {
        self.graph[ix].encryption = Some(key.to_string());
    }

    pub fn find(&self, kind: NodeKind, key: &str) -> Option<NodeIndex> {
        self.by_key.get(&(kind, key.to_string())).copied()
    }

    /// Adds actions to the edge `from → to` of this kind.
    pub fn connect(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        actions: impl IntoIterator<Item = String>,
    ) {
        self.connect_with(from, to, kind, actions, []);
    }

    /// Adds actions and variables to the edge `from → to` of this kind.
    pub fn connect_with(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        actions: impl IntoIterator<Item = String>,
        variables: impl IntoIterator<Item = String>,
    ) {
        let graph = &mut self.graph;
        let e = *self.by_ends.entry((from, to, kind)).or_insert_with(|| {
            graph.add_edge(
                from,
                to,
                Edge {
                    kind,
                    actions: BTreeSet::new(),
                    variables: BTreeSet::new(),
                },
            )
        });
        self.graph[e].actions.extend(actions);
        self.graph[e].variables.extend(variables);
    }

    pub fn get(&self, ix: NodeIndex) -> &Node {
        &self.graph[ix]
    }

    /// Nodes in a stable order: by kind, then key.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &Node)> {
        self.by_key.values().map(move |i| (*i, &self.graph[*i]))
    }

    /// Edges in a stable order: by source, target and kind.
    pub fn edges(&self) -> Vec<(NodeIndex, NodeIndex, &Edge)> {
        use petgraph::visit::IntoEdgeReferences;
        let mut out: Vec<(NodeIndex, NodeIndex, &Edge)> = (&self.graph)
            .edge_references()
            .map(|e| (e.source(), e.target(), e.weight()))
            .collect();
        out.sort_by(|a, b| {
            let key = |x: &(NodeIndex, NodeIndex, &Edge)| {
                (
                    (self.graph[x.0].kind, self.graph[x.0].key.as_str()),
                    (self.graph[x.1].kind, self.graph[x.1].key.as_str()),
                    x.2.kind,
                )
            };
            key(a).cmp(&key(b))
        });
        out
    }

    /// Edges of one kind leaving a node.
    pub fn outgoing(&self, from: NodeIndex, kind: EdgeKind) -> impl Iterator<Item = (NodeIndex, &Edge)> {
        self.graph
            .edges(from)
            .filter(move |e| e.weight().kind == kind)
            .map(|e| (e.target(), e.weight()))
    }

    /// Edges of one kind entering a node.
    pub fn incoming(&self, to: NodeIndex, kind: EdgeKind) -> impl Iterator<Item = (NodeIndex, &Edge)> {
        self.graph
            .edges_directed(to, petgraph::Direction::Incoming)
            .filter(move |e| e.weight().kind == kind)
            .map(|e| (e.source(), e.weight()))
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_merge_their_actions() {
        let mut g = ResourceGraph::default();
        let f = g.node(NodeKind::Function, "api", None);
        let t = g.node(NodeKind::Resource, "arn:aws:dynamodb:*:*:table/Orders", None);
        g.connect(f, t, EdgeKind::Calls, ["dynamodb:GetItem".to_string()]);
        g.connect(f, t, EdgeKind::Calls, ["dynamodb:PutItem".to_string()]);
        g.connect_with(f, t, EdgeKind::Binds, [], ["TABLE".to_string()]);
        assert_eq!(g.edge_count(), 2);
        let calls: Vec<_> = g.outgoing(f, EdgeKind::Calls).collect();
        assert_eq!(calls[0].1.actions.len(), 2);
        assert_eq!(g.get(t).id(), "resource:arn:aws:dynamodb:*:*:table/Orders");
        assert_eq!(g.node(NodeKind::Resource, "arn:aws:dynamodb:*:*:table/Orders", None), t);
    }
}

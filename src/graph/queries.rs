//! Questions the graph answers: which functions reach a resource (by ARN, ARN pattern,
//! name or template logical id), and what a role can touch (what its policies grant,
//! and what the functions that assume it reach).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::stable_graph::NodeIndex;

use super::arn;
use super::resource_graph::{EdgeKind, NodeKind, ResourceGraph};

impl ResourceGraph {
    /// Resource nodes a query names: an ARN or ARN pattern matching theirs (either
    /// way), their shown name, or the logical id / address of their definition.
    fn resources_named(&self, query: &str) -> BTreeSet<NodeIndex> {
        let mut out = BTreeSet::new();
        for (ix, n) in self.nodes() {
            match n.kind {
                NodeKind::Resource
                    if n.key == query
                        || n.name == query
                        || n.key != "*" && (arn::matches(query, &n.key) || arn::belongs_to(&n.key, query)) =>
                {
                    out.insert(ix);
                }
                NodeKind::Definition => {
                    let id = n.key.rsplit('#').next().unwrap_or("");
                    if id == query {
                        out.extend(self.outgoing(ix, EdgeKind::Declares).map(|(t, _)| t));
                    }
                }
                _ => {}
            }
        }
        out.retain(|ix| self.get(*ix).kind == NodeKind::Resource);
        out
    }

    /// Functions that call a resource, with the actions, by function name.
    pub fn functions_reaching(&self, resource: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in self.resources_named(resource) {
            for (f, e) in self.incoming(r, EdgeKind::Calls) {
                out.entry(self.get(f).name.clone())
                    .or_default()
                    .extend(e.actions.iter().cloned());
            }
        }
        out
    }

    /// What a role's policies grant: resource → actions (the role by ARN or name).
    pub fn role_grants(&self, role: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in self.roles_named(role) {
            for (p, _) in self.outgoing(r, EdgeKind::HasPolicy) {
                for (res, e) in self.outgoing(p, EdgeKind::Grants) {
                    out.entry(self.get(res).key.clone())
                        .or_default()
                        .extend(e.actions.iter().cloned());
                }
            }
        }
        out
    }

    /// What the functions that assume a role reach: resource → actions.
    pub fn role_reaches(&self, role: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in self.roles_named(role) {
            for (f, _) in self.incoming(r, EdgeKind::AssumesRole) {
                for (res, e) in self.outgoing(f, EdgeKind::Calls) {
                    out.entry(self.get(res).key.clone())
                        .or_default()
                        .extend(e.actions.iter().cloned());
                }
            }
        }
        out
    }

    fn roles_named(&self, role: &str) -> Vec<NodeIndex> {
        self.nodes()
            .filter(|(_, n)| {
                n.kind == NodeKind::Role && (n.key == role || n.name == role || n.key.rsplit('/').next() == Some(role))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_and_grants() {
        let mut g = ResourceGraph::default();
        let table = "arn:aws:dynamodb:*:*:table/orders";
        let api = g.node(NodeKind::Function, "api", None);
        let worker = g.node(NodeKind::Function, "worker", None);
        let t = g.node(NodeKind::Resource, table, Some(table.into()));
        let idx = g.node(NodeKind::Resource, "arn:aws:dynamodb:*:*:table/orders/index/*", None);
        let def = g.node(NodeKind::Definition, "template.yaml#OrdersTable", None);
        g.connect(def, t, EdgeKind::Declares, []);
        g.connect(api, t, EdgeKind::Calls, ["dynamodb:PutItem".to_string()]);
        g.connect(worker, idx, EdgeKind::Calls, ["dynamodb:Query".to_string()]);
        let role = g.node(NodeKind::Role, "arn:aws:iam::1:role/shared", None);
        g.connect(worker, role, EdgeKind::AssumesRole, []);
        let pol = g.node(NodeKind::InlinePolicy, "shared/p", None);
        g.connect(role, pol, EdgeKind::HasPolicy, []);
        let any = g.node(NodeKind::Resource, "*", None);
        g.connect(pol, any, EdgeKind::Grants, ["dynamodb:*".to_string()]);

        let by_arn = g.functions_reaching(table);
        assert_eq!(by_arn.keys().collect::<Vec<_>>(), ["api", "worker"]);
        let by_id = g.functions_reaching("OrdersTable");
        assert_eq!(by_id.keys().collect::<Vec<_>>(), ["api"]);
        assert_eq!(g.role_grants("shared")["*"], BTreeSet::from(["dynamodb:*".to_string()]));
        assert!(
            g.role_reaches("shared")
                .contains_key("arn:aws:dynamodb:*:*:table/orders/index/*")
        );
    }
}

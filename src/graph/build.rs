//! Building the graph of one run: each function with the resources it reaches (and
//! the actions), its role and the role's policies with what they grant, its triggers,
//! its environment bindings, and the template definitions behind them all.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::stable_graph::NodeIndex;
use serde_json::Value;

use crate::sources::discover::{CurrentPolicy, Definition, FunctionSpec, PolicyKind};

use super::arn;
use super::arn_index::ArnIndex;
use super::resource_graph::{EdgeKind, NodeKind, ResourceGraph};

/// One function as the graph needs it: its spec and what it reaches, action by action
/// (the resources as the report renders them).
pub struct FunctionInput<'a> {
    pub spec: &'a FunctionSpec,
    pub reaches: Vec<(String, BTreeSet<String>)>,
    /// The code its handler reaches on the way to its SDK calls.
    pub code: BTreeSet<crate::sources::Hop>,
}

/// The graph of a run.
pub fn build(definitions: &[Definition], functions: &[FunctionInput<'_>]) -> ResourceGraph {
    let mut g = ResourceGraph::default();
    let mut defs: BTreeMap<(Option<String>, String), NodeIndex> = BTreeMap::new();
    for d in definitions {
        let ix = definition_node(&mut g, d);
        defs.insert((d.stack.clone(), d.id.clone()), ix);
        if let Some(a) = &d.arn {
            let kind = match d.kind.as_str() {
                "AWS::IAM::Role" | "aws_iam_role" => NodeKind::Role,
                "AWS::Lambda::Function" | "AWS::Serverless::Function" | "aws_lambda_function" => continue,
                "AWS::IAM::ManagedPolicy" | "aws_iam_policy" => NodeKind::ManagedPolicy,
                _ => NodeKind::Resource,
            };
            let r = g.node(kind, a, Some(a.clone()));
            let name = d.name.clone().unwrap_or_else(|| arn::short_name(a));
            g.describe(r, &name, d.stack.as_deref());
            g.mark_declared(r);
            if let Some(key) = &d.encryption {
                g.set_encryption(r, &key.arn);
            }
            g.connect(ix, r, EdgeKind::Declares, []);
        }
    }
    for f in functions {
        function(&mut g, f, &defs);
    }
    // Reached resources that are (parts of) declared ones.
    let resources: Vec<(NodeIndex, String)> = g
        .nodes()
        .filter(|(_, n)| n.kind == NodeKind::Resource)
        .map(|(i, n)| (i, n.key.clone()))
        .collect();
    // Each reached resource looks up the declarations it may belong to (a template of
    // thousands of resources stays linear); the edges go in declaration order, then
    // resource order, as comparing every pair would give them.
    let declared: Vec<(&str, NodeIndex, Option<&str>)> = definitions
        .iter()
        .filter_map(|d| {
            let def = defs.get(&(d.stack.clone(), d.id.clone()))?;
            Some((d.arn.as_deref()?, *def, d.stack.as_deref()))
        })
        .collect();
    let index = ArnIndex::new(declared.iter().map(|(a, _, _)| *a));
    let mut belongs: Vec<(usize, usize)> = Vec::new();
    for (r, (_, key)) in resources.iter().enumerate() {
        for d in index.candidates(key) {
            let arn = declared[d].0;
            if key != arn && arn::belongs_to(key, arn) {
                belongs.push((d, r));
            }
        }
    }
    belongs.sort_unstable();
    for (d, r) in belongs {
        let ((_, def, stack), (ix, key)) = (declared[d], &resources[r]);
        g.connect(def, *ix, EdgeKind::Declares, []);
        g.describe(*ix, &arn::short_name(key), stack);
    }
    // A resource only one stack's functions reach is drawn with that stack.
    for (ix, _) in &resources {
        if g.get(*ix).stack.is_some() {
            continue;
        }
        let stacks: BTreeSet<Option<String>> = g
            .incoming(*ix, EdgeKind::Calls)
            .map(|(f, _)| g.get(f).stack.clone())
            .collect();
        if let [Some(only)] = stacks.into_iter().collect::<Vec<_>>().as_slice() {
            let name = g.get(*ix).name.clone();
            g.describe(*ix, &name, Some(only));
        }
    }
    g
}

fn definition_node(g: &mut ResourceGraph, d: &Definition) -> NodeIndex {
    let key = format!("{}#{}", d.file.display(), d.id);
    let ix = g.node(NodeKind::Definition, &key, None);
    g.describe(ix, &format!("{} ({})", d.id, d.kind), d.stack.as_deref());
    ix
}

fn resource(g: &mut ResourceGraph, arn: &str, stack: Option<&str>) -> NodeIndex {
    let ix = g.node(NodeKind::Resource, arn, (arn != "*").then(|| arn.to_string()));
    if g.get(ix).name == arn {
        g.describe(ix, &arn::short_name(arn), stack);
    }
    ix
}

fn function(g: &mut ResourceGraph, f: &FunctionInput<'_>, defs: &BTreeMap<(Option<String>, String), NodeIndex>) {
    let spec = f.spec;
    let stack = spec.stack.as_deref();
    let fnode = g.node(NodeKind::Function, &spec.name, None);
    g.describe(fnode, &spec.name, stack);
    if let Some(def) = defs.get(&(spec.stack.clone(), spec.name.clone())) {
        g.connect(*def, fnode, EdgeKind::Declares, []);
    } else if let Some(file) = &spec.declared_in {
        let d = Definition {
            id: spec.name.clone(),
            kind: "function".into(),
            file: file.clone(),
            line: spec.line,
            stack: spec.stack.clone(),
            ..Definition::default()
        };
        let def = definition_node(g, &d);
        g.connect(def, fnode, EdgeKind::Declares, []);
    }
    for (action, resources) in &f.reaches {
        for r in resources {
            let rix = resource(g, r, None);
            g.connect(fnode, rix, EdgeKind::Calls, [action.clone()]);
        }
    }
    for hop in &f.code {
        let key = format!("{}:{}:{}", hop.file.display(), hop.line, hop.name);
        let cix = g.node(NodeKind::Code, &key, None);
        g.describe(cix, &hop.display(), stack);
        g.connect(fnode, cix, EdgeKind::Reaches, []);
    }
    if let Some(role) = &spec.role {
        let rnode = g.node(NodeKind::Role, role, role.starts_with("arn:").then(|| role.clone()));
        let short = role.split_once(":role/").map(|(_, n)| n).unwrap_or(role);
        g.describe(rnode, short, stack);
        g.connect(fnode, rnode, EdgeKind::AssumesRole, []);
        for p in &spec.current_policies {
            policy(g, rnode, role, p, stack);
        }
    }
    if let Some(d) = &spec.deployment {
        for t in &d.triggers {
            let source = match &t.source {
                Some(s) if s != "*" => resource(g, s, None),
                _ => {
                    let key = format!("{}: {}", t.kind, t.name);
                    let ix = g.node(NodeKind::EventSource, &key, None);
                    g.describe(ix, &key, stack);
                    ix
                }
            };
            g.connect(source, fnode, EdgeKind::Triggers, []);
        }
    }
    for (var, id) in &spec.env_sources {
        let Some(def) = defs.get(&(spec.stack.clone(), id.clone())) else {
            continue;
        };
        let declared: Vec<NodeIndex> = g.outgoing(*def, EdgeKind::Declares).map(|(n, _)| n).collect();
        for target in declared {
            g.connect_with(fnode, target, EdgeKind::Binds, [], [var.clone()]);
        }
    }
}

/// A policy of a role, and what its Allow statements grant.
fn policy(g: &mut ResourceGraph, role: NodeIndex, role_key: &str, p: &CurrentPolicy, stack: Option<&str>) {
    let (kind, key) = match (p.kind, &p.arn) {
        (PolicyKind::Managed | PolicyKind::CustomerManaged, Some(arn)) => (NodeKind::ManagedPolicy, arn.clone()),
        _ => (NodeKind::InlinePolicy, format!("{role_key}/{}", p.name)),
    };
    let pnode = g.node(kind, &key, p.arn.clone());
    // A managed policy may serve several stacks' roles.
    g.describe(pnode, &p.name, stack.filter(|_| kind == NodeKind::InlinePolicy));
    g.connect(role, pnode, EdgeKind::HasPolicy, []);
    for st in p.document.as_ref().map(statements).unwrap_or_default() {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = strings(st.get("Action"));
        for r in strings(st.get("Resource")) {
            let rix = resource(g, &r, None);
            g.connect(pnode, rix, EdgeKind::Grants, actions.iter().cloned());
        }
    }
}

fn statements(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    }
}

//! `--format sam`: each function's `Policies:` block for its `AWS::Serverless::Function`,
//! account, region and partition as pseudo parameters inside `!Sub`, unresolved names as
//! template parameters; a policy too large for one becomes managed policies it references.

use crate::pipeline::{FunctionResult, RunResult};
use crate::policy::Dialect;

use super::cloudformation::{documents, header, logical_id, managed_policies, parameters};
use super::yaml::{self, Node};

fn snippet(run: &RunResult, functions: &[&FunctionResult]) -> String {
    let mut notes = header(run, "each function's Policies for its AWS::Serverless::Function.");
    let templates: Vec<String> = {
        let mut t: Vec<String> = functions
            .iter()
            .filter_map(|f| f.spec.declared_in.as_ref().map(|p| p.display().to_string()))
            .collect();
        t.sort();
        t.dedup();
        t
    };
    if !templates.is_empty() {
        notes.push(format!("Merge into {}.", templates.join(", ")));
    }
    notes.push("SAM applies Policies only to the role it creates: a function with its own Role needs these statements on that role.".into());
    let mut resources = Vec::new();
    for f in functions {
        let id = logical_id(&f.spec.name);
        let docs = documents(f, Dialect::CloudFormation);
        let policies = if let [one] = docs.as_slice() {
            Node::List(vec![yaml::policy_document(one, super::cloudformation::resource_node)])
        } else {
            notes.push(format!(
                "{}: too large for one policy: {} managed policies.",
                f.spec.name,
                docs.len()
            ));
            let managed = managed_policies(&id, &docs);
            let refs = Node::List(managed.iter().map(|(pid, _)| Node::Ref(pid.clone())).collect());
            resources.extend(managed);
            refs
        };
        resources.push((
            id,
            Node::map([
                ("Type", Node::str("AWS::Serverless::Function")),
                ("Properties", Node::map([("Policies", policies)])),
            ]),
        ));
    }
    let mut top = Vec::new();
    if let Some(p) = parameters(functions.iter().copied()) {
        top.push(("Parameters".to_string(), p));
    }
    top.push(("Resources".into(), Node::Map(resources)));
    format!("{}{}", yaml::comment(&notes), yaml::write(&Node::Map(top)))
}

pub fn render(run: &RunResult) -> String {
    let all: Vec<&FunctionResult> = run.functions.iter().collect();
    snippet(run, &all)
}

pub fn function(run: &RunResult, f: &FunctionResult) -> String {
    snippet(run, &[f])
}

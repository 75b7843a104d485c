//! `--format serverless`: Serverless Framework statements. One function: the service's
//! `provider.iam.role.statements`; several: each function's `iamRoleStatements` (the
//! serverless-iam-roles-per-function plugin). Account, region and partition as
//! CloudFormation pseudo parameters in `!Sub`, unresolved names as `*`.

use crate::pipeline::{FunctionResult, RunResult};
use crate::policy::Dialect;

use super::cloudformation::{header, resource_node};
use super::yaml::{self, Node};

fn statements(f: &FunctionResult) -> Node {
    yaml::statements(&f.policy.document(Dialect::Serverless).statements, resource_node)
}

fn size_notes(functions: &[&FunctionResult], notes: &mut Vec<String>) {
    for f in functions {
        if f.policy.parts.len() > 1 {
            notes.push(format!(
                "{}: larger than one managed policy may hold ({} parts in --format policy); Serverless writes the statements inline on the role.",
                f.spec.name,
                f.policy.parts.len()
            ));
        }
    }
}

/// One function: `provider.iam.role.statements`.
pub fn function(run: &RunResult, f: &FunctionResult) -> String {
    let mut notes = header(run, &format!("the role statements of {}.", f.spec.name));
    size_notes(&[f], &mut notes);
    let node = Node::map([(
        "provider",
        Node::map([("iam", Node::map([("role", Node::map([("statements", statements(f))]))]))]),
    )]);
    format!("{}{}", yaml::comment(&notes), yaml::write(&node))
}

pub fn render(run: &RunResult) -> String {
    if let [one] = run.functions.as_slice() {
        return function(run, one);
    }
    let mut notes = header(run, "each function's own role statements.");
    notes.push("Per-function roles need the serverless-iam-roles-per-function plugin.".into());
    let all: Vec<&FunctionResult> = run.functions.iter().collect();
    size_notes(&all, &mut notes);
    let node = Node::map([
        (
            "plugins",
            Node::List(vec![Node::str("serverless-iam-roles-per-function")]),
        ),
        (
            "functions",
            Node::Map(
                run.functions
                    .iter()
                    .map(|f| (f.spec.name.clone(), Node::map([("iamRoleStatements", statements(f))])))
                    .collect(),
            ),
        ),
    ]);
    format!("{}{}", yaml::comment(&notes), yaml::write(&node))
}

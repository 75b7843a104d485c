//! Invoking a version or alias is authorized on the qualified function ARN
//! (`function:name:alias`), which a grant on the unqualified ARN does not cover.
//! The qualifier comes from `Qualifier` or from a qualified `FunctionName`
//! (`name:live`, `arn:...:function:name:3`). Example: `invoke(FunctionName="resize",
//! Qualifier="live")` → `lambda:InvokeFunction` on `function:resize:live`.

use crate::catalog::Catalog;
use crate::evidence::resource::{Seg, Transform, hint_segs};
use crate::sources::SdkCall;

use super::super::static_facts::patterns_for_action;
use super::{Outcome, RuleNeed};

pub fn apply(call: &SdkCall, catalog: &Catalog) -> Option<Outcome> {
    if call.service != "lambda" {
        return None;
    }
    let qualifiers = call.params.get("Qualifier")?;
    let (api, op) = catalog.operation("lambda", &call.operation)?;
    let mut needs = Vec::new();
    for action in &op.actions {
        for base in patterns_for_action(op, action, &call.params) {
            if base.is_star() {
                continue;
            }
            for q in qualifiers {
                let mut resource = base.clone();
                resource.segs.push(Seg::Lit(":".into()));
                resource.segs.extend(hint_segs(q, Transform::Plain));
                needs.push(RuleNeed {
                    action: action.clone(),
                    resource,
                    reason: format!("{api} with a Qualifier is authorized on the qualified function ARN"),
                    possible: false,
                });
            }
        }
    }
    (!needs.is_empty()).then_some(Outcome::Replace(needs))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::evidence::{ArnContext, Unresolved};
    use crate::sources::Hint;

    #[test]
    fn qualified_invoke() {
        let mut c = SdkCall::new("lambda", "Invoke", PathBuf::from("a.py"), 1, "invoke".into());
        c.params.insert("FunctionName".into(), vec![Hint::literal("resize")]);
        c.params.insert("Qualifier".into(), vec![Hint::literal("live")]);
        let Some(Outcome::Replace(needs)) = apply(&c, Catalog::embedded()) else {
            panic!("replaces")
        };
        let got: Vec<String> = needs
            .iter()
            .map(|n| n.resource.render(&ArnContext::default(), Unresolved::Visible))
            .collect();
        assert_eq!(got, ["arn:aws:lambda:*:*:function:resize:live"]);
        assert_eq!(needs[0].action, "lambda:InvokeFunction");
    }
}

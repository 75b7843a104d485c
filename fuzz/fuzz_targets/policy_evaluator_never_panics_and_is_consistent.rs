//! Fuzz target: any document parses to a policy or a one-line error; for a parsed one,
//! a decision is stable (asked twice, the same answer) and an explicit unconditional
//! `Deny` always wins over whatever the document allows.
#![no_main]

use leastpriv::policy::evaluator::{Decision, Evaluator, Policy};
use libfuzzer_sys::fuzz_target;

const DENY_ALL: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;

fuzz_target!(|data: &[u8]| {
    // Line 1: the action; line 2: the resource; the rest: the document.
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let action = parts.next().unwrap_or("");
    let resource = parts.next().unwrap_or("");
    let document = parts.next().unwrap_or("");
    let Ok(policy) = Policy::from_json("fuzz", document) else {
        return;
    };
    let evaluator = Evaluator::new(vec![policy.clone()]);
    let first = evaluator.decide(action, resource);
    assert_eq!(
        first,
        evaluator.decide(action, resource),
        "the decision changed when asked again"
    );
    let _ = evaluator.grants(action, resource);

    let deny = Policy::from_json("deny", DENY_ALL).expect("the deny-all policy parses");
    let denied = Evaluator::new(vec![policy, deny]).decide(action, resource);
    assert!(
        matches!(denied, Decision::ExplicitDeny { .. }),
        "an unconditional Deny * did not win: {denied:?} (without it: {first:?})"
    );
});

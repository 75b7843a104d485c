//! Strings as the code builds them, turned into resource hints: literals, `process.env.X`,
//! template literals and `+` with known and unknown pieces, several hints when a value may
//! be any of several (an array iterated, a `??` default).

use crate::sources::{Hint, Piece};

use super::eval::Eval;
use super::syntax::{self, TEMPLATE_SUBSTITUTION};
use super::values::{At, Sdk, Value};

/// Alternatives kept per piece and per built string.
const MAX_PIECE_ALTERNATIVES: usize = 8;
const MAX_STRING_ALTERNATIVES: usize = 16;
/// Longest `Unknown` description.
const MAX_WHY: usize = 40;

/// A template literal: its text pieces and each substitution's hints.
pub fn template<'t>(ev: &Eval<'t>, at: At<'t>) -> Vec<Value<'t>> {
    let source = &ev.file(at.file).source;
    let node = at.node;
    let mut parts: Vec<Vec<Hint>> = Vec::new();
    let mut pos = node.start_byte() + 1;
    for sub in syntax::named_children(node)
        .into_iter()
        .filter(|c| c.kind() == TEMPLATE_SUBSTITUTION)
    {
        parts.push(vec![Hint::literal(syntax::unescape(
            source.get(pos..sub.start_byte()).unwrap_or(""),
        ))]);
        match syntax::named_children(sub).first() {
            Some(expr) => parts.push(hints(ev, at.with(*expr))),
            None => parts.push(vec![Hint::unknown("")]),
        }
        pos = sub.end_byte();
    }
    let end = node.end_byte().saturating_sub(1).max(pos);
    parts.push(vec![Hint::literal(syntax::unescape(
        source.get(pos..end).unwrap_or(""),
    ))]);
    product(parts).into_iter().map(Value::Str).collect()
}

/// `left + right`: string concatenation when either side is a string.
pub fn concat<'t>(ev: &Eval<'t>, left: At<'t>, right: At<'t>) -> Vec<Value<'t>> {
    let lv = ev.eval(left);
    let rv = ev.eval(right);
    let stringy = |vs: &[Value<'t>]| vs.iter().any(|v| matches!(v, Value::Str(_)));
    if !stringy(&lv) && !stringy(&rv) {
        return vec![Value::Unknown];
    }
    let parts = vec![hints_of(&lv, &why(ev, left)), hints_of(&rv, &why(ev, right))];
    product(parts).into_iter().map(Value::Str).collect()
}

/// The hints an expression gives a parameter.
pub fn hints<'t>(ev: &Eval<'t>, at: At<'t>) -> Vec<Hint> {
    hints_of(&ev.eval(at), &why(ev, at))
}

/// Hints of evaluated values; what is not a string becomes an unknown piece named `why`.
pub fn hints_of(values: &[Value<'_>], why: &str) -> Vec<Hint> {
    let mut out: Vec<Hint> = Vec::new();
    for v in values {
        let h = match v {
            Value::Str(h) => h.clone(),
            Value::Lit(s) => Hint::literal(s.clone()),
            _ => Hint::unknown(why),
        };
        if !out.contains(&h) && out.len() < MAX_PIECE_ALTERNATIVES {
            out.push(h);
        }
    }
    if out.is_empty() {
        out.push(Hint::unknown(why));
    }
    out
}

/// Hints of a parameter's values, leaving out responses of the same operation fed back
/// into it (`ExclusiveStartKey: page.LastEvaluatedKey`, `RequestItems: res.UnprocessedKeys`)
/// when other values are known: they name no new resource.
pub fn param_hints(values: &[Value<'_>], why: &str, service: &str, operation: &str) -> Vec<Hint> {
    let is_feedback = |v: &Value<'_>| matches!(v, Value::Sdk(Sdk::Result { service: s, operation: o, .. }) if s == service && o == operation);
    let rest: Vec<Value<'_>> = values.iter().filter(|v| !is_feedback(v)).cloned().collect();
    if rest.is_empty() {
        hints_of(values, why)
    } else {
        hints_of(&rest, why)
    }
}

/// A short description of an expression for unknown pieces.
pub fn why<'t>(ev: &Eval<'t>, at: At<'t>) -> String {
    syntax::short(at.node, &ev.file(at.file).source, MAX_WHY)
}

/// Every concatenation of one alternative per part, capped.
fn product(parts: Vec<Vec<Hint>>) -> Vec<Hint> {
    let mut acc: Vec<Hint> = vec![Hint { pieces: Vec::new() }];
    for alternatives in parts {
        let mut next = Vec::new();
        for prefix in &acc {
            for alt in &alternatives {
                if next.len() >= MAX_STRING_ALTERNATIVES {
                    break;
                }
                next.push(Hint::concat([prefix.clone(), alt.clone()]));
            }
        }
        acc = next;
    }
    let mut out: Vec<Hint> = Vec::new();
    for h in acc {
        let h = drop_empty(h);
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// Removes empty literal pieces left by concatenation (`${A}` alone is just `A`).
fn drop_empty(h: Hint) -> Hint {
    let pieces: Vec<Piece> = h
        .pieces
        .into_iter()
        .filter(|p| !matches!(p, Piece::Literal(s) if s.is_empty()))
        .collect();
    if pieces.is_empty() {
        Hint::literal("")
    } else {
        Hint { pieces }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_concatenates_alternatives() {
        let parts = vec![
            vec![Hint::literal("a-")],
            vec![Hint::env("STAGE"), Hint::literal("dev")],
            vec![Hint::literal("-b")],
        ];
        let out: Vec<String> = product(parts).iter().map(Hint::display).collect();
        assert_eq!(out, vec!["a-${env:STAGE}-b", "a-dev-b"]);
    }

    #[test]
    fn empty_literals_are_dropped() {
        let parts = vec![vec![Hint::literal("")], vec![Hint::env("A")], vec![Hint::literal("")]];
        assert_eq!(product(parts), vec![Hint::env("A")]);
    }
}

//! `Condition` blocks against a request context: the String, Arn, Bool and Null
//! operators, their `IfExists` forms and the `ForAllValues:`/`ForAnyValue:` set
//! qualifiers. A key the context does not know, an operator not evaluated here
//! (Numeric, Date, IpAddress, Binary) or a policy variable not known leaves the answer
//! open: [`Holds::Unknown`], which the evaluator reports as `conditional`.
//!
//! A request value may hold `*`/`?` standing for text not known (`sqs.*.amazonaws.com`
//! when the region is not known): it then matches a policy value only when every string
//! it stands for does, and fails only when none does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::pattern::{Token, Tokens, covers, intersects, lowercase, resource_covers, resource_intersects, tokens};
use super::variables;

/// What a request carries, as far as it is known: condition keys with their values,
/// and keys known to be absent. Keys compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: BTreeMap<String, Vec<String>>,
    absent: BTreeSet<String>,
}

impl RequestContext {
    pub fn new() -> RequestContext {
        RequestContext::default()
    }

    /// The request carries `key` with `value` (a pattern when part of it is unknown).
    pub fn with(mut self, key: &str, value: &str) -> RequestContext {
        let k = key.to_ascii_lowercase();
        self.absent.remove(&k);
        self.values.entry(k).or_default().push(value.to_string());
        self
    }

    /// The request is known not to carry `key`.
    pub fn without(mut self, key: &str) -> RequestContext {
        let k = key.to_ascii_lowercase();
        self.values.remove(&k);
        self.absent.insert(k);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.absent.is_empty()
    }

    fn lookup(&self, key: &str) -> Lookup<'_> {
        let k = key.to_ascii_lowercase();
        match self.values.get(&k) {
            Some(v) => Lookup::Values(v),
            None if self.absent.contains(&k) => Lookup::Absent,
            None => Lookup::NotKnown,
        }
    }
}

enum Lookup<'a> {
    Values(&'a [String]),
    Absent,
    NotKnown,
}

/// Whether a condition holds for every request the context stands for, for none, or
/// it cannot be said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    Yes,
    No,
    Unknown,
}

impl Holds {
    fn not(self) -> Holds {
        match self {
            Holds::Yes => Holds::No,
            Holds::No => Holds::Yes,
            Holds::Unknown => Holds::Unknown,
        }
    }

    /// All of them hold (an empty list holds).
    fn all(items: impl IntoIterator<Item = Holds>) -> Holds {
        let mut out = Holds::Yes;
        for h in items {
            match h {
                Holds::No => return Holds::No,
                Holds::Unknown => out = Holds::Unknown,
                Holds::Yes => {}
            }
        }
        out
    }

    /// One of them holds (an empty list does not).
    fn any(items: impl IntoIterator<Item = Holds>) -> Holds {
        let mut out = Holds::No;
        for h in items {
            match h {
                Holds::Yes => return Holds::Yes,
                Holds::Unknown => out = Holds::Unknown,
                Holds::No => {}
            }
        }
        out
    }
}

/// How one operator compares a request value with a policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Arn,
    Bool,
}

/// An operator name taken apart: `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    set: Option<SetQualifier>,
    compare: Option<Compare>,
    negated: bool,
    if_exists: bool,
    null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

fn operator(name: &str) -> Operator {
    let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), r)
    } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), r)
    } else {
        (None, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) if b != "Null" => (b, true),
        _ => (rest, false),
    };
    let (compare, negated) = match base {
        "StringEquals" => (Some(Compare::StringEquals), false),
        "StringNotEquals" => (Some(Compare::StringEquals), true),
        "StringEqualsIgnoreCase" => (Some(Compare::StringEqualsIgnoreCase), false),
        "StringNotEqualsIgnoreCase" => (Some(Compare::StringEqualsIgnoreCase), true),
        "StringLike" => (Some(Compare::StringLike), false),
        "StringNotLike" => (Some(Compare::StringLike), true),
        "ArnEquals" | "ArnLike" => (Some(Compare::Arn), false),
        "ArnNotEquals" | "ArnNotLike" => (Some(Compare::Arn), true),
        "Bool" => (Some(Compare::Bool), false),
        _ => (None, false),
    };
    Operator {
        set,
        compare,
        negated,
        if_exists,
        null: base == "Null" && set.is_none(),
    }
}

/// Does a `Condition` block (operator → key → value or values) hold for the request?
/// `variables`: policy variables are put into its values (version `2012-10-17`) from
/// `known`.
pub fn holds(block: &Value, context: &RequestContext, variables: bool, known: &BTreeMap<String, String>) -> Holds {
    let Some(operators) = block.as_object() else {
        return Holds::Unknown;
    };
    Holds::all(operators.iter().map(|(name, keys)| {
        let Some(keys) = keys.as_object() else {
            return Holds::Unknown;
        };
        let op = operator(name);
        Holds::all(keys.iter().map(|(key, values)| {
            let values: Option<Vec<String>> = match values {
                Value::Array(items) => items.iter().map(scalar).collect(),
                one => scalar(one).map(|v| vec![v]),
            };
            match values {
                Some(values) => key_holds(&op, &context.lookup(key), &values, variables, known),
                None => Holds::Unknown,
            }
        }))
    }))
}

/// A condition value as IAM reads it: strings, and numbers and booleans as their text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn key_holds(
    op: &Operator,
    lookup: &Lookup<'_>,
    values: &[String],
    variables: bool,
    known: &BTreeMap<String, String>,
) -> Holds {
    if op.null {
        let wants_absent = match values {
            [v] if v.eq_ignore_ascii_case("true") => true,
            [v] if v.eq_ignore_ascii_case("false") => false,
            _ => return Holds::Unknown,
        };
        return match lookup {
            Lookup::NotKnown => Holds::Unknown,
            Lookup::Absent => yes_if(wants_absent),
            Lookup::Values(_) => yes_if(!wants_absent),
        };
    }
    let Some(compare) = op.compare else {
        return Holds::Unknown;
    };
    let requested = match lookup {
        Lookup::NotKnown => return Holds::Unknown,
        Lookup::Absent => {
            return if op.if_exists {
                Holds::Yes
            } else {
                match op.set {
                    Some(SetQualifier::ForAllValues) => Holds::Yes,
                    Some(SetQualifier::ForAnyValue) => Holds::No,
                    None => yes_if(op.negated),
                }
            };
        }
        Lookup::Values(v) => *v,
    };
    // Each request value against the policy's values: matches one of them?
    let per_value = requested
        .iter()
        .map(|r| Holds::any(values.iter().map(|v| matches(compare, r, v, variables, known))));
    match op.set {
        Some(SetQualifier::ForAllValues) if op.negated => Holds::all(per_value.map(Holds::not)),
        Some(SetQualifier::ForAllValues) => Holds::all(per_value),
        Some(SetQualifier::ForAnyValue) if op.negated => Holds::any(per_value.map(Holds::not)),
        _ if op.negated => Holds::any(per_value).not(),
        _ => Holds::any(per_value),
    }
}

fn yes_if(b: bool) -> Holds {
    if b { Holds::Yes } else { Holds::No }
}

/// Does the request value (a pattern where unknown) match one policy value?
fn matches(compare: Compare, requested: &str, value: &str, variables: bool, known: &BTreeMap<String, String>) -> Holds {
    let value = if variables && value.contains("${") {
        match variables::substitute(value, known) {
            Some(v) => v,
            None => return Holds::Unknown,
        }
    } else {
        value.to_string()
    };
    let request = tokens(requested);
    let (policy, request): (Tokens, Tokens) = match compare {
        Compare::StringEquals => (literal(&value), request),
        Compare::StringEqualsIgnoreCase | Compare::Bool => (lowercase(&literal(&value)), lowercase(&request)),
        Compare::StringLike => (tokens(&value), request),
        Compare::Arn => {
            let (p, r) = (tokens(&value), request);
            return if resource_covers(&p, &r) {
                Holds::Yes
            } else if resource_intersects(&p, &r) {
                Holds::Unknown
            } else {
                Holds::No
            };
        }
    };
    if covers(&policy, &request) {
        Holds::Yes
    } else if intersects(&policy, &request) {
        Holds::Unknown
    } else {
        Holds::No
    }
}

/// Every character literal: `*` in a StringEquals value is an asterisk.
fn literal(s: &str) -> Tokens {
    s.chars().map(Token::Char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(block: Value, ctx: &RequestContext) -> Holds {
        holds(&block, ctx, true, &BTreeMap::new())
    }

    #[test]
    fn operator_names_come_apart() {
        let op = operator("ForAnyValue:StringNotLikeIfExists");
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.compare, Some(Compare::StringLike));
        assert!(op.negated && op.if_exists && !op.null);
        assert!(operator("Null").null);
        assert_eq!(operator("NumericLessThan").compare, None);
    }

    #[test]
    fn a_literal_star_in_string_equals_is_an_asterisk() {
        let ctx = RequestContext::new().with("kms:ViaService", "sqs.us-east-1.amazonaws.com");
        let eq = json!({"StringEquals": {"kms:ViaService": "sqs.*.amazonaws.com"}});
        assert_eq!(check(eq, &ctx), Holds::No);
        let like = json!({"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}});
        assert_eq!(check(like, &ctx), Holds::Yes);
    }

    #[test]
    fn operators_and_keys_must_all_hold() {
        let ctx = RequestContext::new().with("a:x", "1").with("a:y", "2");
        let both = json!({"StringEquals": {"a:x": "1"}, "StringLike": {"a:y": ["3", "2"]}});
        assert_eq!(check(both, &ctx), Holds::Yes);
        let one_fails = json!({"StringEquals": {"a:x": "1", "a:y": "3"}});
        assert_eq!(check(one_fails, &ctx), Holds::No);
        let not_known = json!({"StringEquals": {"a:x": "1", "a:z": "3"}});
        assert_eq!(check(not_known, &ctx), Holds::Unknown);
        assert_eq!(check(json!("nonsense"), &ctx), Holds::Unknown);
    }
}

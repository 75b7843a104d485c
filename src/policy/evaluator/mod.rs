//! An IAM policy evaluator for identity policies: does a set of policies (and an
//! optional permissions boundary) allow an action on a resource?
//!
//! The rules it follows, each with a unit test in `tests.rs`:
//! - nothing is allowed unless a statement allows it (implicit deny);
//! - an explicit `Deny` beats every `Allow`, in any policy;
//! - `Action`/`NotAction` and `Resource`/`NotResource`, one string or a list;
//! - `*` and `?` in actions (case-insensitive) and in resources (case-sensitive);
//! - policy variables (`${aws:username}`, `${*}`...) in version `2012-10-17` documents,
//!   put in when known;
//! - a permissions boundary limits what identity policies allow, and its denies count;
//! - `Condition` blocks are evaluated against the request context given
//!   ([`Evaluator::decide_with`]: String, Arn, Bool, Null, `IfExists`, set qualifiers);
//!   a condition on a key the context does not know (or an operator not evaluated, or
//!   an unknown variable) leaves the decision `conditional: true`, never silently
//!   allowed or denied.
//!
//! Requests may leave parts of the resource unknown, written as `*`/`?`. An `Allow`
//! then has to cover every resource the request can stand for, and a `Deny` applies
//! when it can match one of them; unknown partition, region and account segments of an
//! ARN stand for the function's own, which any single value a statement names can be.
//!
//! It depends on nothing else in leastpriv (serde_json and thiserror only), so that it
//! can become a crate of its own.

pub mod condition;
pub mod parse;
pub mod pattern;
pub mod variables;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

pub use condition::{Holds, RequestContext};
pub use parse::{Clause, Effect, ParseError, Policy, Statement};
use pattern::{Tokens, lowercase, resource_covers, resource_intersects, tokens};
use variables::{Resolved, resolve};

/// Which statement decided.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatementRef {
    pub policy: String,
    /// Position in the policy's statement list, from 0.
    pub index: usize,
    pub sid: Option<String>,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sid {
            Some(sid) if !sid.is_empty() => write!(f, "{}/{sid}", self.policy),
            _ => write!(f, "{}/statement {}", self.policy, self.index + 1),
        }
    }
}

/// The answer for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An `Allow` applies and no `Deny` does. `conditional`: the allow, or a deny that
    /// might take it away, depends on a condition or on an unknown policy variable.
    Allowed { by: StatementRef, conditional: bool },
    /// A `Deny` applies unconditionally.
    ExplicitDeny { by: StatementRef },
    /// No `Allow` applies (or the permissions boundary allows nothing of it).
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// The resources an `Allow` statement grants: the pattern that matched, or everything
/// except a list (`NotResource`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Granted {
    Pattern(String),
    AllExcept(Vec<String>),
}

impl fmt::Display for Granted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Granted::Pattern(p) => f.write_str(p),
            Granted::AllExcept(list) => write!(f, "* except {}", list.join(", ")),
        }
    }
}

/// One `Allow` statement that grants a request, and through which resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub by: StatementRef,
    pub resource: Granted,
    pub conditional: bool,
}

/// Identity policies, an optional permissions boundary, and the values of the policy
/// variables that are known.
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    identity: Vec<Policy>,
    boundary: Option<Vec<Policy>>,
    variables: BTreeMap<String, String>,
}

/// Whether a statement applies to a request, and if so whether only conditionally.
type Applies = Option<bool>;

impl Evaluator {
    pub fn new(identity: Vec<Policy>) -> Evaluator {
        Evaluator {
            identity,
            ..Evaluator::default()
        }
    }

    /// Limits the identity policies by a permissions boundary.
    pub fn with_boundary(mut self, boundary: Vec<Policy>) -> Evaluator {
        self.boundary = Some(boundary);
        self
    }

    /// Sets a policy variable (`aws:PrincipalAccount`, `aws:username`...).
    pub fn with_variable(mut self, name: &str, value: &str) -> Evaluator {
        self.variables.insert(name.to_string(), value.to_string());
        self
    }

    pub fn policies(&self) -> &[Policy] {
        &self.identity
    }

    pub fn boundary(&self) -> Option<&[Policy]> {
        self.boundary.as_deref()
    }

    /// Does IAM allow `action` on `resource`? Every condition is left open.
    pub fn decide(&self, action: &str, resource: &str) -> Decision {
        self.decide_with(action, resource, &RequestContext::default())
    }

    /// Does IAM allow `action` on `resource` for a request carrying `context`?
    pub fn decide_with(&self, action: &str, resource: &str, context: &RequestContext) -> Decision {
        let identity = self.decide_in(&self.identity, action, resource, context);
        let Some(boundary) = &self.boundary else {
            return identity;
        };
        match (identity, self.decide_in(boundary, action, resource, context)) {
            (deny @ Decision::ExplicitDeny { .. }, _) | (_, deny @ Decision::ExplicitDeny { .. }) => deny,
            (Decision::ImplicitDeny, _) | (_, Decision::ImplicitDeny) => Decision::ImplicitDeny,
            (Decision::Allowed { by, conditional }, Decision::Allowed { conditional: b, .. }) => Decision::Allowed {
                by,
                conditional: conditional || b,
            },
        }
    }

    /// Every `Allow` statement of the identity policies that grants the request.
    pub fn grants(&self, action: &str, resource: &str) -> Vec<Grant> {
        self.grants_with(action, resource, &RequestContext::default())
    }

    /// Every `Allow` statement of the identity policies that grants the request with
    /// `context`: those whose condition fails it are left out.
    pub fn grants_with(&self, action: &str, resource: &str, context: &RequestContext) -> Vec<Grant> {
        let action = lowercase(&tokens(action));
        let resource = tokens(resource);
        let mut out = Vec::new();
        for (by, policy, s) in statements(&self.identity) {
            if s.effect != Effect::Allow || !action_applies(&s.action, &action) {
                continue;
            }
            let conditional = match self.condition_holds(policy, s, context) {
                Holds::Yes => false,
                Holds::No => continue,
                Holds::Unknown => true,
            };
            match &s.resource {
                Clause::Listed(patterns) => {
                    for p in patterns {
                        let r = self.resolve(policy, p);
                        if resource_covers(&r.tokens, &resource) {
                            out.push(Grant {
                                by: by.clone(),
                                resource: Granted::Pattern(p.clone()),
                                conditional: conditional || r.contextual,
                            });
                        }
                    }
                }
                Clause::Except(patterns) => {
                    if let Some(c) = self.except_allows(policy, patterns, &resource) {
                        out.push(Grant {
                            by,
                            resource: Granted::AllExcept(patterns.clone()),
                            conditional: conditional || c,
                        });
                    }
                }
            }
        }
        out
    }

    /// A Resource pattern of `policy` with the known variables put in.
    pub fn resolve(&self, policy: &Policy, pattern: &str) -> Resolved {
        resolve(pattern, policy.has_variables(), &self.variables)
    }

    /// Does the statement's `Condition` hold for the request (yes when it has none)?
    pub fn condition_holds(&self, policy: &Policy, s: &Statement, context: &RequestContext) -> Holds {
        match &s.condition {
            None => Holds::Yes,
            Some(block) => condition::holds(block, context, policy.has_variables(), &self.variables),
        }
    }

    fn decide_in(&self, policies: &[Policy], action: &str, resource: &str, context: &RequestContext) -> Decision {
        let action = lowercase(&tokens(action));
        let resource = tokens(resource);
        let mut conditional_deny = false;
        let mut allow: Option<(StatementRef, bool)> = None;
        for (by, policy, s) in statements(policies) {
            if !action_applies(&s.action, &action) {
                continue;
            }
            let applies = match s.effect {
                Effect::Deny => self.deny_applies(policy, s, &resource),
                Effect::Allow => self.allow_applies(policy, s, &resource),
            };
            let Some(conditional) = applies else { continue };
            let conditional = match self.condition_holds(policy, s, context) {
                Holds::Yes => conditional,
                Holds::No => continue,
                Holds::Unknown => true,
            };
            match s.effect {
                Effect::Deny if !conditional => return Decision::ExplicitDeny { by },
                Effect::Deny => conditional_deny = true,
                Effect::Allow => match &allow {
                    Some((_, false)) => {}
                    Some((_, true)) if conditional => {}
                    _ => allow = Some((by, conditional)),
                },
            }
        }
        match allow {
            Some((by, conditional)) => Decision::Allowed {
                by,
                conditional: conditional || conditional_deny,
            },
            None => Decision::ImplicitDeny,
        }
    }

    /// An Allow must cover every resource the request can stand for.
    fn allow_applies(&self, policy: &Policy, s: &Statement, resource: &Tokens) -> Applies {
        match &s.resource {
            Clause::Listed(patterns) => {
                let mut best: Applies = None;
                for p in patterns {
                    let r = self.resolve(policy, p);
                    if resource_covers(&r.tokens, resource) {
                        if !r.contextual {
                            return Some(false);
                        }
                        best = Some(true);
                    }
                }
                best
            }
            Clause::Except(patterns) => self.except_allows(policy, patterns, resource),
        }
    }

    /// `NotResource` in an Allow: applies when no listed pattern can match the request.
    fn except_allows(&self, policy: &Policy, patterns: &[String], resource: &Tokens) -> Applies {
        let mut conditional = false;
        for p in patterns {
            let r = self.resolve(policy, p);
            if resource_intersects(&r.tokens, resource) {
                if !r.contextual {
                    return None;
                }
                conditional = true;
            }
        }
        Some(conditional)
    }

    /// A Deny applies when it can match one of the resources the request stands for.
    fn deny_applies(&self, policy: &Policy, s: &Statement, resource: &Tokens) -> Applies {
        match &s.resource {
            Clause::Listed(patterns) => {
                let mut best: Applies = None;
                for p in patterns {
                    let r = self.resolve(policy, p);
                    if resource_intersects(&r.tokens, resource) {
                        if !r.contextual {
                            return Some(false);
                        }
                        best = Some(true);
                    }
                }
                best
            }
            Clause::Except(patterns) => {
                let mut conditional = false;
                for p in patterns {
                    let r = self.resolve(policy, p);
                    if resource_covers(&r.tokens, resource) {
                        if !r.contextual {
                            return None;
                        }
                        conditional = true;
                    }
                }
                Some(conditional)
            }
        }
    }
}

/// Every statement with its reference and policy.
pub fn statements(policies: &[Policy]) -> impl Iterator<Item = (StatementRef, &Policy, &Statement)> {
    policies.iter().flat_map(|p| {
        p.statements.iter().enumerate().map(move |(index, s)| {
            (
                StatementRef {
                    policy: p.name.clone(),
                    index,
                    sid: s.sid.clone(),
                },
                p,
                s,
            )
        })
    })
}

/// Does the statement's `Action`/`NotAction` take in this (lower-cased) action?
fn action_applies(clause: &Clause, action: &Tokens) -> bool {
    let hit = clause
        .patterns()
        .iter()
        .any(|p| pattern::covers(&lowercase(&tokens(p)), action));
    hit != clause.is_except()
}

/// Does an action pattern (`s3:Get*`) take in this action? Case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    pattern::covers(&lowercase(&tokens(pattern)), &lowercase(&tokens(action)))
}

//! Which role sessions belong to which function. In order, a session belongs to:
//! 1. the function whose deployed name (template `FunctionName`, a stack-generated
//!    pattern such as `shop-prod-OrdersApi-*`, or `--function-map LOCAL=DEPLOYED`)
//!    matches the session name (Lambda names the session after the function) or the
//!    function `inScopeOf` names; the most specific pattern wins;
//! 2. for a function known only by its folder, the one whose name equals the session
//!    name (case and `-`/`_` aside);
//! 3. the only function in scope whose role matches the session's role;
//! 4. for functions known only by their folder and still without a session: the Lambda
//!    session whose calls match the function's code best, when the match is clear (a
//!    call on a resource the code names literally, most of the code's actions, or every
//!    word of the folder name in the session name) and mutual; reported as
//!    `inferred-attribution` with the `--function-map` that pins it.
//!
//! Any other session is set aside and counted.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, codes};
use crate::evidence::{ArnContext, Need, Origin, ResourcePattern, Unresolved};

use super::{Observed, Session, Via};

/// A function in scope, as attribution sees it.
#[derive(Debug, Clone, Default)]
pub struct Target<'a> {
    pub name: &'a str,
    /// Deployed function names or globs.
    pub deployed: Vec<String>,
    /// Whether `deployed` came from the user (`--function-map`).
    pub pinned: bool,
    /// Role ARNs, names or globs.
    pub roles: Vec<String>,
    /// Known only by its folder: no deployment says its name.
    pub plain: bool,
    pub static_needs: &'a [Need],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    FunctionMap,
    DeployedName,
    SessionName,
    Role,
    Inferred,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::FunctionMap => "function-map",
            Method::DeployedName => "deployed-name",
            Method::SessionName => "session-name",
            Method::Role => "role",
            Method::Inferred => "inferred",
        }
    }
}

#[derive(Debug, Default)]
pub struct Assignment {
    /// Session → (target index, how).
    pub sessions: BTreeMap<Session, (usize, Method)>,
    /// Per target: how its sessions were found, when it deserves a word.
    pub diagnostics: BTreeMap<usize, Vec<Diagnostic>>,
}

/// What attribution needs of one session, over every source.
#[derive(Default)]
struct View {
    lambda_function: Option<String>,
    lambda_like: bool,
    calls: BTreeSet<(String, String)>,
}

pub fn attribute(observed: &[&Observed], targets: &[Target<'_>]) -> Assignment {
    let mut views: BTreeMap<&Session, View> = BTreeMap::new();
    for o in observed {
        for (s, calls) in &o.sessions {
            let v = views.entry(s).or_default();
            if v.lambda_function.is_none() {
                v.lambda_function = calls.lambda_function.clone();
            }
            v.lambda_like |= calls.lambda_agent > 0 || calls.lambda_function.is_some();
            for k in calls.calls.keys() {
                if matches!(k.via, Via::Code | Via::Presigned) {
                    v.calls.insert((k.action.to_ascii_lowercase(), k.resource.clone()));
                }
            }
        }
    }
    let mut out = Assignment::default();
    for (session, view) in &views {
        if let Some(found) = by_name(session, view, targets).or_else(|| by_role(session, targets)) {
            out.sessions.insert((*session).clone(), found);
        }
    }
    infer(&views, targets, &mut out);
    out
}

fn by_name(session: &Session, view: &View, targets: &[Target<'_>]) -> Option<(usize, Method)> {
    let names: Vec<&str> = std::iter::once(session.name.as_str())
        .chain(view.lambda_function.as_deref())
        .collect();
    let mut best: Option<(usize, usize, bool)> = None;
    let mut tie = false;
    for (i, t) in targets.iter().enumerate() {
        for pattern in &t.deployed {
            if !names.iter().any(|n| glob(pattern, n)) {
                continue;
            }
            let specific = pattern.chars().filter(|c| *c != '*' && *c != '?').count();
            match best {
                Some((_, s, _)) if s > specific => {}
                Some((j, s, _)) if s == specific && j != i => tie = true,
                _ => {
                    best = Some((i, specific, t.pinned));
                    tie = false;
                }
            }
        }
    }
    if let Some((i, _, pinned)) = best
        && !tie
    {
        return Some((
            i,
            if pinned {
                Method::FunctionMap
            } else {
                Method::DeployedName
            },
        ));
    }
    let want = normal(&session.name);
    let equal: Vec<usize> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.plain && normal(t.name) == want)
        .map(|(i, _)| i)
        .collect();
    match equal.as_slice() {
        [i] => Some((*i, Method::SessionName)),
        _ => None,
    }
}

fn by_role(session: &Session, targets: &[Target<'_>]) -> Option<(usize, Method)> {
    let plain_arn = format!("role/{}", session.role_name);
    let hits: Vec<usize> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.roles.iter().any(|r| {
                let r = r.as_str();
                !is_open(r)
                    && (glob(r, &session.role)
                        || glob(r, &session.role_name)
                        || (r.contains(":role/") && glob(r, &format!("arn:aws:iam::*:{plain_arn}"))))
            })
        })
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [i] => Some((*i, Method::Role)),
        _ => None,
    }
}

/// A role pattern that would match every role.
fn is_open(pattern: &str) -> bool {
    let tail = pattern.rsplit([':', '/']).next().unwrap_or(pattern);
    tail.chars().all(|c| c == '*') || pattern.contains("${")
}

fn normal(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// `*` and `?` wildcards, the whole text.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Words that say nothing about which function it is.
const STOP_WORDS: &[&str] = &[
    "function", "lambda", "role", "prod", "dev", "staging", "stack", "handler", "service", "exec",
];

fn words(name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.insert(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.insert(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.insert(cur);
    }
    out.retain(|w| w.len() >= 3 && !STOP_WORDS.contains(&w.as_str()));
    out
}

struct Score {
    value: u32,
    accepted: bool,
    why: String,
}

fn score(t: &Target<'_>, s: &Session, v: &View) -> Score {
    let statics: BTreeMap<String, Vec<&ResourcePattern>> = t
        .static_needs
        .iter()
        .filter(|n| n.origin == Origin::Static)
        .fold(BTreeMap::new(), |mut m, n| {
            m.entry(n.action.to_ascii_lowercase()).or_default().push(&n.resource);
            m
        });
    let mut matched = 0u32;
    let mut strong = 0u32;
    let mut reasons = Vec::new();
    for (action, patterns) in &statics {
        let observed: Vec<&String> = v.calls.iter().filter(|(a, _)| a == action).map(|(_, r)| r).collect();
        if observed.is_empty() {
            continue;
        }
        matched += 1;
        let named = patterns.iter().find_map(|p| {
            named_glob(p).and_then(|g| {
                observed
                    .iter()
                    .find(|r| glob(&g, r) || glob(r, &g))
                    .map(|r| (*r).clone())
            })
        });
        if let Some(r) = named {
            strong += 1;
            reasons.push(format!("{action} on {r}"));
        }
    }
    let tw = words(t.name);
    let sw: BTreeSet<String> = words(&s.name).union(&words(&s.role_name)).cloned().collect();
    let shared: Vec<&String> = tw.intersection(&sw).collect();
    let all_words = !tw.is_empty() && shared.len() == tw.len();
    if !shared.is_empty() {
        reasons.push(format!(
            "names share {}",
            shared.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
        ));
    }
    if strong == 0 && matched > 0 {
        reasons.push(format!("{matched} of the code's {} actions", statics.len()));
    }
    let most = matched >= 2 && matched * 2 >= statics.len() as u32;
    Score {
        value: matched + 2 * strong + shared.len() as u32,
        accepted: strong > 0 || most || all_words,
        why: reasons.join("; "),
    }
}

/// A static resource as a glob, when it names something beyond its ARN template.
fn named_glob(p: &ResourcePattern) -> Option<String> {
    if p.is_star() {
        return None;
    }
    let g = p.render(&ArnContext::default(), Unresolved::Star);
    let t = p
        .template
        .as_ref()
        .map(|t| ResourcePattern::from_template(t, |_| None).render(&ArnContext::default(), Unresolved::Star))
        .unwrap_or_default();
    let literal = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    (literal(&g) >= literal(&t) + 3).then_some(g)
}

fn infer(views: &BTreeMap<&Session, View>, targets: &[Target<'_>], out: &mut Assignment) {
    let taken: BTreeSet<usize> = out.sessions.values().map(|(i, _)| *i).collect();
    let free_targets: Vec<usize> = (0..targets.len())
        .filter(|i| targets[*i].plain && !targets[*i].pinned && !taken.contains(i))
        .collect();
    let free_sessions: Vec<(&Session, &View)> = views
        .iter()
        .filter(|(s, v)| v.lambda_like && !out.sessions.contains_key(**s))
        .map(|(s, v)| (*s, v))
        .collect();
    let mut scores: Vec<(u32, usize, usize, String)> = Vec::new();
    let mut best_t: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut best_s: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for &ti in &free_targets {
        for (si, (s, v)) in free_sessions.iter().enumerate() {
            let sc = score(&targets[ti], s, v);
            if sc.value == 0 {
                continue;
            }
            best_t.entry(ti).or_default().push(sc.value);
            best_s.entry(si).or_default().push(sc.value);
            if sc.accepted {
                scores.push((sc.value, ti, si, sc.why));
            }
        }
    }
    let top_unique = |list: Option<&Vec<u32>>, value: u32| {
        let list = list.map(Vec::as_slice).unwrap_or(&[]);
        list.iter().filter(|v| **v >= value).count() == 1
    };
    scores.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_t = BTreeSet::new();
    let mut used_s = BTreeSet::new();
    for (value, ti, si, why) in scores {
        if used_t.contains(&ti) || used_s.contains(&si) {
            continue;
        }
        if !top_unique(best_t.get(&ti), value) || !top_unique(best_s.get(&si), value) {
            continue;
        }
        used_t.insert(ti);
        used_s.insert(si);
        let session = free_sessions[si].0;
        out.sessions.insert(session.clone(), (ti, Method::Inferred));
        out.diagnostics.entry(ti).or_default().push(Diagnostic::warning(
            codes::INFERRED_ATTRIBUTION,
            format!(
                "CloudTrail session {}/{} attributed to this function by its calls ({why}); pin it with --function-map {}={}",
                session.role_name, session.name, targets[ti].name, session.name
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("shop-prod-OrdersApi-*", "shop-prod-OrdersApi-Xq7LmN2pR4tA"));
        assert!(!glob("shop-prod-OrdersApi-*", "shop-prod-OrdersApiRole-1"));
        assert!(glob(
            "arn:aws:iam::*:role/*CatalogSyncRole*",
            "arn:aws:iam::1:role/shop-prod-CatalogSyncRole-K4"
        ));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
        assert!(is_open("arn:aws:iam::*:role/*") && !is_open("arn:aws:iam::*:role/*Sync*"));
    }

    #[test]
    fn words_split_names() {
        assert_eq!(
            words("py_ops_dispatch").into_iter().collect::<Vec<_>>(),
            ["dispatch", "ops"]
        );
        let w = words("shop-CheckoutFunction-pT4rN8sQ2wEa");
        assert!(
            w.contains("checkout") && w.contains("shop") && !w.contains("function"),
            "{w:?}"
        );
    }
}

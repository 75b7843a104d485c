//! Which resource types of the catalog an ARN pattern can name, and how a pattern is
//! reshaped onto the types an action takes (an S3 bucket ARN for an object action
//! becomes `bucket/*`; an object ARN for a bucket action becomes the bucket).
//!
//! Patterns and the catalog's ARN formats are both globs: a pattern fits a format when
//! some ARN matches both. Format variables are `*` runs, except that account, region
//! and partition never hold a `:` and bucket, table, queue, topic, function, stream,
//! index, state machine names and key ids never hold a `/`; an environment variable
//! still unresolved is a name without `/`.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::evidence::{ArnContext, ResourcePattern, Seg, Transform};

/// What a run of characters may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Any,
    NoSlash,
    NoColon,
}

impl Class {
    fn admits(self, c: char) -> bool {
        match self {
            Class::Any => true,
            Class::NoSlash => c != '/',
            Class::NoColon => c != ':',
        }
    }

    fn of_var(var: &str) -> Class {
        match var {
            "Partition" | "Region" | "Account" => Class::NoColon,
            // Names that never hold a `/` (as `policy::expand` reads them too).
            "BucketName" | "TableName" | "QueueName" | "TopicName" | "FunctionName" | "StreamName" | "IndexName"
            | "StateMachineName" | "KeyId" => Class::NoSlash,
            _ => Class::Any,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ch(char),
    /// Any run of characters of the class (possibly empty).
    Star(Class),
    /// Exactly one character.
    One,
}

/// An ARN string as IAM reads it: `*` and `?` are wildcards. A `*` among the partition,
/// region and account stands for that segment only, as ARNs are read by their
/// segments (`arn:aws:dynamodb:*:*:table/t` names tables, not stream labels ending so).
fn tokens_of_str(s: &str) -> Vec<Tok> {
    let mut colons = 0;
    s.chars()
        .map(|c| match c {
            '*' if colons > 0 && colons < 5 => Tok::Star(Class::NoColon),
            '*' => Tok::Star(Class::Any),
            '?' => Tok::One,
            c => {
                if c == ':' {
                    colons += 1;
                }
                Tok::Ch(c)
            }
        })
        .collect()
}

/// A catalog ARN format (`arn:${Partition}:s3:::${BucketName}`) as a glob.
fn tokens_of_format(format: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for piece in format_pieces(format) {
        match piece {
            Piece::Text(t) => out.extend(t.chars().map(Tok::Ch)),
            Piece::Var(v) => out.push(Tok::Star(Class::of_var(v))),
        }
    }
    out
}

/// A pattern under construction as a glob, with what the context knows filled in.
fn tokens_of_pattern(p: &ResourcePattern, ctx: &ArnContext) -> Vec<Tok> {
    if p.segs.iter().any(|s| matches!(s, Seg::Env(_, Transform::WholeArn)))
        && let Some(t) = &p.template
    {
        // A whole ARN still unknown: what is known is its type.
        return tokens_of_pattern(&ResourcePattern::from_template(t, |_| None), ctx);
    }
    let mut out = Vec::new();
    let slot = |out: &mut Vec<Tok>, v: &Option<String>| match v {
        Some(s) => out.extend(s.chars().map(Tok::Ch)),
        None => out.push(Tok::Star(Class::NoColon)),
    };
    let colons = |out: &Vec<Tok>| out.iter().filter(|t| **t == Tok::Ch(':')).count();
    for seg in &p.segs {
        match seg {
            Seg::Lit(s) => {
                for c in s.chars() {
                    let t = match c {
                        '?' => Tok::One,
                        '*' if (1..5).contains(&colons(&out)) => Tok::Star(Class::NoColon),
                        '*' => Tok::Star(Class::Any),
                        c => Tok::Ch(c),
                    };
                    out.push(t);
                }
            }
            Seg::Any if (1..5).contains(&colons(&out)) => out.push(Tok::Star(Class::NoColon)),
            Seg::Any => out.push(Tok::Star(Class::Any)),
            Seg::Env(..) | Seg::Ref(_) => out.push(Tok::Star(Class::NoSlash)),
            Seg::Partition => slot(&mut out, &Some(ctx.partition.clone().unwrap_or_else(|| "aws".into()))),
            Seg::Region => slot(&mut out, &ctx.region),
            Seg::Account => slot(&mut out, &ctx.account),
        }
    }
    out
}

/// Is there a string both globs match?
fn intersects(a: &[Tok], b: &[Tok]) -> bool {
    let (n, m) = (a.len(), b.len());
    let mut seen = vec![false; (n + 1) * (m + 1)];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let k = i * (m + 1) + j;
        if seen[k] {
            continue;
        }
        seen[k] = true;
        if i == n && j == m {
            return true;
        }
        let ta = a.get(i).copied();
        let tb = b.get(j).copied();
        if let Some(Tok::Star(_)) = ta {
            stack.push((i + 1, j));
        }
        if let Some(Tok::Star(_)) = tb {
            stack.push((i, j + 1));
        }
        let (Some(x), Some(y)) = (ta, tb) else {
            continue;
        };
        let common = match (x, y) {
            (Tok::Ch(c), Tok::Ch(d)) => c == d,
            (Tok::Ch(c), Tok::Star(cl)) | (Tok::Star(cl), Tok::Ch(c)) => cl.admits(c),
            _ => true,
        };
        if common {
            let ni = if matches!(x, Tok::Star(_)) { i } else { i + 1 };
            let nj = if matches!(y, Tok::Star(_)) { j } else { j + 1 };
            if (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn format_pieces(format: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push(Piece::Text(&rest[start..]));
            return out;
        };
        out.push(Piece::Var(&after[..end]));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The resource types an action is authorized against, with their ARN formats.
pub fn action_formats<'c>(catalog: &'c Catalog, action: &str) -> Vec<(&'c str, &'c str)> {
    let Some(info) = catalog.iam_action(action) else {
        return Vec::new();
    };
    let prefix = action
        .split_once(':')
        .map(|(p, _)| p.to_ascii_lowercase())
        .unwrap_or_default();
    let mut out = Vec::new();
    for r in &info.resources {
        for f in catalog.arn_formats(&prefix, &r.resource_type) {
            out.push((r.resource_type.as_str(), f.as_str()));
        }
    }
    out
}

/// Does the action take any resource type (otherwise it is granted on `*`)?
pub fn takes_resources(catalog: &Catalog, action: &str) -> bool {
    !action_formats(catalog, action).is_empty()
}

/// May a request for the action name no resource at all: it takes none, or every type
/// it takes is optional (`cloudwatch:PutMetricData` without a dataset is authorized on
/// `*`, and a grant on `dataset/*` alone would deny it)?
pub fn star_allowed(catalog: &Catalog, action: &str) -> bool {
    !takes_resources(catalog, action)
        || catalog
            .iam_action(action)
            .is_some_and(|a| a.resources.iter().all(|r| !r.required))
}

/// Can a policy string (`arn:aws:s3:::b/*`) name a resource of this ARN format?
pub fn str_fits_format(arn: &str, format: &str) -> bool {
    intersects(&tokens_of_str(arn), &tokens_of_format(format))
}

/// The resource types (of the action's) a policy string can name.
pub fn types_of_str<'c>(catalog: &'c Catalog, action: &str, arn: &str) -> BTreeSet<&'c str> {
    action_formats(catalog, action)
        .into_iter()
        .filter(|(_, f)| str_fits_format(arn, f))
        .map(|(t, _)| t)
        .collect()
}

/// Format variable → the part of a pattern it names.
type Captures = BTreeMap<String, Vec<Seg>>;

/// A pattern reshaped onto the resource types its action takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    pub patterns: Vec<ResourcePattern>,
    /// How the evidence's resource was reshaped, when it was.
    pub note: Option<String>,
    /// The resource named a type the action does not take and nothing of it carried
    /// over: the action is granted on its own types with `*` names.
    pub mismatch: bool,
}

impl Fitted {
    fn kept(p: &ResourcePattern) -> Fitted {
        Fitted {
            patterns: vec![p.clone()],
            note: None,
            mismatch: false,
        }
    }
}

/// Reshapes `pattern` so that `action` is granted only on resource types it takes.
pub fn fit(catalog: &Catalog, action: &str, pattern: &ResourcePattern, ctx: &ArnContext) -> Fitted {
    let formats = action_formats(catalog, action);
    if formats.is_empty() {
        if pattern.is_star() {
            return Fitted::kept(pattern);
        }
        return Fitted {
            patterns: vec![ResourcePattern::star()],
            note: Some(format!("{action} takes no resource type: granted on *")),
            mismatch: false,
        };
    }
    if pattern.is_star() {
        if star_allowed(catalog, action) {
            return Fitted {
                patterns: vec![pattern.clone()],
                note: Some(format!(
                    "the evidence names no resource, and {action} may be requested without one: granted on *"
                )),
                mismatch: false,
            };
        }
        let patterns = fill_all(&formats, &BTreeMap::new());
        let types = type_list(&formats);
        return Fitted {
            patterns,
            note: Some(format!(
                "the evidence names no resource; {action} is granted on every {types} ARN"
            )),
            mismatch: false,
        };
    }
    let toks = tokens_of_pattern(pattern, ctx);
    if formats.iter().any(|(_, f)| intersects(&toks, &tokens_of_format(f))) {
        return Fitted::kept(pattern);
    }
    // Name the pattern's own type through the other formats of its service, then carry
    // its names over to the formats the action takes.
    let prefix = action
        .split_once(':')
        .map(|(p, _)| p.to_ascii_lowercase())
        .unwrap_or_default();
    let ptoks = pattern_syms(pattern);
    let mut best: Option<(usize, &str, Captures)> = None;
    if let Some(svc) = catalog.iam_service(&prefix) {
        for (ty, fmts) in &svc.resources {
            for f in fmts {
                if let Some(caps) = extract(f, &ptoks) {
                    let literal = format_pieces(f)
                        .iter()
                        .map(|p| match p {
                            Piece::Text(t) => t.len(),
                            Piece::Var(_) => 0,
                        })
                        .sum::<usize>();
                    if best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
                        best = Some((literal, ty.as_str(), caps));
                    }
                }
            }
        }
    }
    if let Some((_, from_type, caps)) = best {
        let names: BTreeSet<&str> = caps
            .keys()
            .map(String::as_str)
            .filter(|v| !matches!(*v, "Partition" | "Region" | "Account"))
            .collect();
        let shared: Vec<(&str, &str)> = formats
            .iter()
            .copied()
            .filter(|(_, f)| {
                format_pieces(f)
                    .iter()
                    .any(|p| matches!(p, Piece::Var(v) if names.contains(v)))
            })
            .collect();
        if !shared.is_empty() {
            let to_types = type_list(&shared);
            return Fitted {
                patterns: fill_all(&shared, &caps),
                note: Some(format!(
                    "{action} acts on {to_types}, not {from_type}: the evidence's {from_type} ARN was reshaped"
                )),
                mismatch: false,
            };
        }
    }
    Fitted {
        patterns: fill_all(&formats, &BTreeMap::new()),
        note: Some(format!(
            "the evidence names {pattern}, which is no resource type {action} takes: granted on every {} ARN",
            type_list(&formats)
        )),
        mismatch: true,
    }
}

fn type_list(formats: &[(&str, &str)]) -> String {
    let types: BTreeSet<&str> = formats.iter().map(|(t, _)| *t).collect();
    types.into_iter().collect::<Vec<_>>().join(" or ")
}

fn fill_all(formats: &[(&str, &str)], caps: &Captures) -> Vec<ResourcePattern> {
    let mut out: Vec<ResourcePattern> = formats.iter().map(|(_, f)| fill(f, caps)).collect();
    out.sort();
    out.dedup();
    out
}

/// Fills a format's variables from `caps`; account, region and partition default to
/// their slots, names to `*`.
fn fill(format: &str, caps: &Captures) -> ResourcePattern {
    let mut segs: Vec<Seg> = Vec::new();
    for piece in format_pieces(format) {
        match piece {
            Piece::Text(t) => segs.push(Seg::Lit(t.to_string())),
            Piece::Var(v) => match caps.get(v) {
                Some(s) => segs.extend(s.iter().cloned()),
                None => segs.push(match v {
                    "Partition" => Seg::Partition,
                    "Region" => Seg::Region,
                    "Account" => Seg::Account,
                    _ => Seg::Any,
                }),
            },
        }
    }
    let mut merged: Vec<Seg> = Vec::with_capacity(segs.len());
    for seg in segs {
        match (merged.last_mut(), seg) {
            (Some(Seg::Lit(prev)), Seg::Lit(next)) => prev.push_str(&next),
            (Some(Seg::Any), Seg::Any) => {}
            (_, seg) => merged.push(seg),
        }
    }
    ResourcePattern {
        segs: merged,
        template: Some(format.to_string()),
    }
}

/// A pattern as characters and opaque segments, for reading names out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sym {
    Ch(char),
    Seg(Seg),
}

fn pattern_syms(p: &ResourcePattern) -> Vec<Sym> {
    let mut out = Vec::new();
    for seg in &p.segs {
        match seg {
            Seg::Lit(s) => out.extend(s.chars().map(Sym::Ch)),
            other => out.push(Sym::Seg(other.clone())),
        }
    }
    out
}

/// Matches a format against a pattern, capturing each variable's part. Variables take
/// the shortest run that lets the rest match.
fn extract(format: &str, syms: &[Sym]) -> Option<Captures> {
    let pieces = format_pieces(format);
    let mut caps = BTreeMap::new();
    let mut budget = 20_000usize;
    if go(&pieces, 0, syms, &mut caps, &mut budget) {
        Some(caps)
    } else {
        None
    }
}

fn go(pieces: &[Piece<'_>], pi: usize, syms: &[Sym], caps: &mut Captures, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some(piece) = pieces.get(pi) else {
        return syms.is_empty();
    };
    match piece {
        Piece::Text(t) => {
            let n = t.chars().count();
            if syms.len() < n {
                return false;
            }
            let ok = t.chars().zip(syms).all(|(c, s)| *s == Sym::Ch(c));
            ok && go(pieces, pi + 1, &syms[n..], caps, budget)
        }
        Piece::Var(v) => {
            let class = Class::of_var(v);
            for len in 1..=syms.len() {
                let part = &syms[..len];
                if let Some(Sym::Ch(c)) = part.last()
                    && !class.admits(*c)
                {
                    break;
                }
                if go(pieces, pi + 1, &syms[len..], caps, budget) {
                    caps.insert((*v).to_string(), syms_to_segs(part));
                    return true;
                }
            }
            false
        }
    }
}

fn syms_to_segs(syms: &[Sym]) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    for s in syms {
        match s {
            Sym::Ch(c) => match out.last_mut() {
                Some(Seg::Lit(l)) => l.push(*c),
                _ => out.push(Seg::Lit(c.to_string())),
            },
            Sym::Seg(seg) => out.push(seg.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests;

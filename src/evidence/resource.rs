//! A resource as far as the evidence knows it: an ARN with literal parts, environment
//! variables still to resolve, unknown parts, and account/region/partition slots.

use std::fmt;

use serde::Serialize;

use crate::sources::{Hint, Piece};

/// How an environment variable's value becomes this part of the ARN once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Used as is.
    Plain,
    /// An SQS queue URL: its last path segment is the queue name.
    QueueUrl,
    /// An SSM parameter name: the ARN drops the leading slash.
    StripLeadingSlash,
    /// A Secrets Manager name or ARN: names get the random suffix `-??????`.
    SecretId,
    /// A value that is a whole ARN (TopicArn, StateMachineArn).
    WholeArn,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Seg {
    Lit(String),
    Env(String, Transform),
    /// Not known statically: `*` in a policy.
    Any,
    /// A part a resource of the deploying template gives once deployed (a KMS key's id),
    /// known there by its logical id: `${Id}` inside a CloudFormation `!Sub` and in the
    /// report, `*` in policy JSON.
    Ref(String),
    Partition,
    Region,
    Account,
}

/// An ARN pattern under construction, or `*` for actions without a resource type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourcePattern {
    pub segs: Vec<Seg>,
    /// The catalog's ARN template it was built from, for rendering what stays unknown.
    pub template: Option<String>,
}

/// Values that fill the account, region and partition slots.
#[derive(Debug, Clone, Default)]
pub struct ArnContext {
    pub partition: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
}

/// How to write what is still unresolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// `${env:NAME}`: the JSON report keeps the variable visible.
    Visible,
    /// `*` for that name segment only: deployable policy JSON and Terraform.
    Star,
}

impl ResourcePattern {
    /// `*`: for actions that take no resource.
    pub fn star() -> ResourcePattern {
        ResourcePattern {
            segs: vec![Seg::Any],
            template: None,
        }
    }

    pub fn literal(arn: &str) -> ResourcePattern {
        ResourcePattern::parse_arn(arn)
    }

    pub fn is_star(&self) -> bool {
        self.segs == [Seg::Any]
    }

    /// Parses an ARN that may hold `*` and `?` wildcards into segments.
    pub fn parse_arn(arn: &str) -> ResourcePattern {
        let mut segs = Vec::new();
        let mut lit = String::new();
        for c in arn.chars() {
            if c == '*' {
                if !lit.is_empty() {
                    segs.push(Seg::Lit(std::mem::take(&mut lit)));
                }
                segs.push(Seg::Any);
            } else {
                lit.push(c);
            }
        }
        if !lit.is_empty() {
            segs.push(Seg::Lit(lit));
        }
        ResourcePattern { segs, template: None }
    }

    /// Builds an ARN from a catalog template (`arn:${Partition}:s3:::${BucketName}`),
    /// asking `fill` for each name variable; unfilled variables become `*`.
    pub fn from_template(template: &str, mut fill: impl FnMut(&str) -> Option<Vec<Seg>>) -> ResourcePattern {
        let mut segs = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            if start > 0 {
                segs.push(Seg::Lit(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                segs.push(Seg::Lit(rest[start..].to_string()));
                rest = "";
                break;
            };
            let var = &after[..end];
            match var {
                "Partition" => segs.push(Seg::Partition),
                "Region" => segs.push(Seg::Region),
                "Account" => segs.push(Seg::Account),
                _ => segs.extend(fill(var).unwrap_or_else(|| vec![Seg::Any])),
            }
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            segs.push(Seg::Lit(rest.to_string()));
        }
        ResourcePattern {
            segs: merge(segs),
            template: Some(template.to_string()),
        }
    }

    /// Environment variables this pattern still depends on.
    pub fn env_vars(&self) -> impl Iterator<Item = &str> {
        self.segs.iter().filter_map(|s| match s {
            Seg::Env(n, _) => Some(n.as_str()),
            _ => None,
        })
    }

    /// Replaces environment variables with what `lookup` knows of them.
    pub fn resolve_env(&self, mut lookup: impl FnMut(&str) -> Option<String>) -> ResourcePattern {
        let mut segs = Vec::new();
        for seg in &self.segs {
            match seg {
                Seg::Env(name, transform) => match lookup(name) {
                    Some(value) => match apply(*transform, &value) {
                        Applied::Segs(s) => segs.extend(s),
                        Applied::Whole(arn) => return ResourcePattern::parse_arn(&arn),
                    },
                    None => segs.push(seg.clone()),
                },
                other => segs.push(other.clone()),
            }
        }
        ResourcePattern {
            segs: merge(segs),
            template: self.template.clone(),
        }
    }

    pub fn render(&self, ctx: &ArnContext, unresolved: Unresolved) -> String {
        // A whole-ARN variable still unknown: fall back to the template with `*` names.
        if unresolved == Unresolved::Star
            && self.segs.iter().any(|s| matches!(s, Seg::Env(_, Transform::WholeArn)))
            && let Some(t) = &self.template
        {
            return ResourcePattern::from_template(t, |_| None).render(ctx, unresolved);
        }
        let mut out = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Lit(s) => out.push_str(s),
                Seg::Any => push_star(&mut out),
                Seg::Ref(id) => match unresolved {
                    Unresolved::Visible => {
                        out.push_str("${");
                        out.push_str(id);
                        out.push('}');
                    }
                    Unresolved::Star => push_star(&mut out),
                },
                Seg::Partition => out.push_str(ctx.partition.as_deref().unwrap_or("aws")),
                Seg::Region => match &ctx.region {
                    Some(r) => out.push_str(r),
                    None => push_star(&mut out),
                },
                Seg::Account => match &ctx.account {
                    Some(a) => out.push_str(a),
                    None => push_star(&mut out),
                },
                Seg::Env(name, _) => match unresolved {
                    Unresolved::Visible => {
                        out.push_str("${env:");
                        out.push_str(name);
                        out.push('}');
                    }
                    Unresolved::Star => push_star(&mut out),
                },
            }
        }
        out
    }
}

impl fmt::Display for ResourcePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&ArnContext::default(), Unresolved::Visible))
    }
}

fn push_star(out: &mut String) {
    if !out.ends_with('*') {
        out.push('*');
    }
}

fn merge(segs: Vec<Seg>) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(segs.len());
    for seg in segs {
        match (out.last_mut(), seg) {
            (Some(Seg::Lit(prev)), Seg::Lit(next)) => prev.push_str(&next),
            (Some(Seg::Any), Seg::Any) => {}
            (_, seg) => out.push(seg),
        }
    }
    out
}

enum Applied {
    Segs(Vec<Seg>),
    Whole(String),
}

fn apply(transform: Transform, value: &str) -> Applied {
    if value.starts_with("arn:") && transform != Transform::StripLeadingSlash {
        return Applied::Whole(value.to_string());
    }
    match transform {
        Transform::Plain | Transform::WholeArn => Applied::Segs(vec![Seg::Lit(value.to_string())]),
        Transform::QueueUrl => Applied::Segs(vec![Seg::Lit(queue_name(value).to_string())]),
        Transform::StripLeadingSlash => Applied::Segs(vec![Seg::Lit(value.trim_start_matches('/').to_string())]),
        Transform::SecretId => Applied::Segs(vec![Seg::Lit(format!("{value}-??????"))]),
    }
}

/// `https://sqs.us-east-1.amazonaws.com/123456789012/orders` → `orders`.
pub fn queue_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

/// Segments for one value hint under a transform.
pub fn hint_segs(hint: &Hint, transform: Transform) -> Vec<Seg> {
    if let Some(lit) = hint.as_literal() {
        return match apply(transform, lit) {
            Applied::Segs(s) => s,
            Applied::Whole(arn) => ResourcePattern::parse_arn(&arn).segs,
        };
    }
    let mut segs = Vec::new();
    let last = hint.pieces.len().saturating_sub(1);
    // A queue URL built from parts (`https://sqs.${region}.amazonaws.com/${acct}/orders`):
    // the name is what follows the last literal `/`.
    let start = match transform {
        Transform::QueueUrl => hint
            .pieces
            .iter()
            .rposition(|p| matches!(p, Piece::Literal(s) if s.contains('/')))
            .unwrap_or(0),
        _ => 0,
    };
    for (i, piece) in hint.pieces.iter().enumerate().skip(start) {
        match piece {
            Piece::Literal(s) => {
                let mut s = s.as_str();
                if i == 0 && transform == Transform::StripLeadingSlash {
                    s = s.trim_start_matches('/');
                }
                if i == start && transform == Transform::QueueUrl && s.contains('/') {
                    s = s.rsplit('/').next().unwrap_or("");
                }
                segs.push(Seg::Lit(s.to_string()));
            }
            Piece::Env(name) => {
                // Only a value that is the whole variable can be transformed once known.
                let t = if hint.pieces.len() == 1 {
                    transform
                } else {
                    Transform::Plain
                };
                segs.push(Seg::Env(name.clone(), t));
            }
            Piece::Unknown(_) => segs.push(Seg::Any),
        }
        if i == last && transform == Transform::SecretId && !matches!(piece, Piece::Unknown(_) | Piece::Env(..)) {
            segs.push(Seg::Lit("-??????".into()));
        }
    }
    merge(segs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ArnContext {
        ArnContext::default()
    }

    #[test]
    fn template_with_literals_and_env() {
        let p = ResourcePattern::from_template("arn:${Partition}:s3:::${BucketName}/${ObjectName}", |v| match v {
            "BucketName" => Some(vec![Seg::Env("BUCKET".into(), Transform::Plain)]),
            "ObjectName" => Some(hint_segs(
                &Hint::concat([Hint::literal("uploads/"), Hint::unknown("u"), Hint::literal(".png")]),
                Transform::Plain,
            )),
            _ => None,
        });
        assert_eq!(
            p.render(&ctx(), Unresolved::Visible),
            "arn:aws:s3:::${env:BUCKET}/uploads/*.png"
        );
        assert_eq!(p.render(&ctx(), Unresolved::Star), "arn:aws:s3:::*/uploads/*.png");
        let r = p.resolve_env(|n| (n == "BUCKET").then(|| "media".to_string()));
        assert_eq!(r.render(&ctx(), Unresolved::Star), "arn:aws:s3:::media/uploads/*.png");
    }

    #[test]
    fn account_and_region_placeholders() {
        let p = ResourcePattern::from_template(
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
            |_| Some(vec![Seg::Lit("Orders".into())]),
        );
        assert_eq!(p.render(&ctx(), Unresolved::Star), "arn:aws:dynamodb:*:*:table/Orders");
        let full = ArnContext {
            partition: None,
            region: Some("eu-west-1".into()),
            account: Some("123456789012".into()),
        };
        assert_eq!(
            p.render(&full, Unresolved::Star),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders"
        );
    }

    #[test]
    fn transforms() {
        assert_eq!(queue_name("https://sqs.us-east-1.amazonaws.com/1234/orders"), "orders");
        let secret = hint_segs(&Hint::literal("prod/db"), Transform::SecretId);
        assert_eq!(secret, vec![Seg::Lit("prod/db-??????".into())]);
        let param = hint_segs(&Hint::literal("/app/key"), Transform::StripLeadingSlash);
        assert_eq!(param, vec![Seg::Lit("app/key".into())]);
        let url = Hint::concat([
            Hint::literal("https://sqs."),
            Hint::unknown("region"),
            Hint::literal(".amazonaws.com/"),
            Hint::unknown("account"),
            Hint::literal("/retries"),
        ]);
        assert_eq!(hint_segs(&url, Transform::QueueUrl), vec![Seg::Lit("retries".into())]);
        let arn = hint_segs(&Hint::literal("arn:aws:sns:us-east-1:1:t"), Transform::WholeArn);
        assert_eq!(arn, vec![Seg::Lit("arn:aws:sns:us-east-1:1:t".into())]);
    }

    #[test]
    fn whole_arn_env_falls_back_to_template() {
        let p = ResourcePattern {
            segs: vec![Seg::Env("TOPIC_ARN".into(), Transform::WholeArn)],
            template: Some("arn:${Partition}:sns:${Region}:${Account}:${TopicName}".into()),
        };
        assert_eq!(p.render(&ctx(), Unresolved::Visible), "${env:TOPIC_ARN}");
        assert_eq!(p.render(&ctx(), Unresolved::Star), "arn:aws:sns:*:*:*");
        let r = p.resolve_env(|_| Some("arn:aws:sns:us-east-1:1:orders".into()));
        assert_eq!(r.render(&ctx(), Unresolved::Star), "arn:aws:sns:us-east-1:1:orders");
    }
}

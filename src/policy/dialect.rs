//! How a resource pattern is written in each output: the report keeps unresolved names
//! visible, deployable policy JSON and Terraform write `*` for them, and
//! SAM/CloudFormation write `${AWS::AccountId}`-style pseudo parameters and template
//! parameters inside `!Sub`.

use std::collections::BTreeMap;

use crate::evidence::{ArnContext, ResourcePattern, Seg, Transform, Unresolved};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The JSON report: `${env:NAME}` stays visible.
    Visible,
    /// Policy JSON, Terraform: `*` for unknown account, region and names.
    Deployable,
    /// The body of a CloudFormation `!Sub`: pseudo parameters for account, region and
    /// partition, a template parameter for each unresolved environment variable.
    CloudFormation,
    /// A `!Sub` body without template parameters (Serverless Framework): pseudo
    /// parameters for account, region and partition, `*` for unresolved names.
    Serverless,
}

/// A template parameter standing for an environment variable no template binds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnvParameter {
    pub name: String,
    pub variable: String,
    pub description: String,
}

pub fn render(p: &ResourcePattern, ctx: &ArnContext, dialect: Dialect) -> String {
    match dialect {
        Dialect::Visible => p.render(ctx, Unresolved::Visible),
        Dialect::Deployable => p.render(ctx, Unresolved::Star),
        Dialect::CloudFormation => render_sub(p, ctx, true),
        Dialect::Serverless => render_sub(p, ctx, false),
    }
}

fn render_sub(p: &ResourcePattern, ctx: &ArnContext, parameters: bool) -> String {
    let out = render_sub_segs(p, ctx, parameters);
    // An ARN written with `aws` (trail records, the config) names the same resources as
    // the partition slot where the stack runs in `aws`, and no resource elsewhere.
    match out.strip_prefix("arn:aws:") {
        Some(rest) if ctx.partition.is_none() => format!("arn:${{AWS::Partition}}:{rest}"),
        _ => out,
    }
}

fn render_sub_segs(p: &ResourcePattern, ctx: &ArnContext, parameters: bool) -> String {
    if !parameters
        && p.segs.iter().any(|s| matches!(s, Seg::Env(_, Transform::WholeArn)))
        && let Some(t) = &p.template
    {
        return render_sub_segs(&ResourcePattern::from_template(t, |_| None), ctx, false);
    }
    let mut out = String::new();
    for seg in &p.segs {
        match seg {
            Seg::Lit(s) => out.push_str(&s.replace("${", "${!")),
            Seg::Any => {
                if !out.ends_with('*') {
                    out.push('*');
                }
            }
            // The template resolves its own resource's `Ref` inside `!Sub`; Serverless
            // reads `${...}` as its own variables, so there it stays `*`.
            Seg::Ref(_) if !parameters => {
                if !out.ends_with('*') {
                    out.push('*');
                }
            }
            Seg::Ref(id) => {
                out.push_str("${");
                out.push_str(id);
                out.push('}');
            }
            Seg::Partition => out.push_str(ctx.partition.as_deref().unwrap_or("${AWS::Partition}")),
            Seg::Region => out.push_str(ctx.region.as_deref().unwrap_or("${AWS::Region}")),
            Seg::Account => out.push_str(ctx.account.as_deref().unwrap_or("${AWS::AccountId}")),
            Seg::Env(..) if !parameters => {
                if !out.ends_with('*') {
                    out.push('*');
                }
            }
            Seg::Env(name, transform) => {
                out.push_str("${");
                out.push_str(&parameter_name(name));
                out.push('}');
                if *transform == Transform::SecretId {
                    out.push_str("-??????");
                }
            }
        }
    }
    out
}

/// `TABLE_NAME` → `EnvTableName`: a CloudFormation logical id.
pub fn parameter_name(variable: &str) -> String {
    let camel: String = variable
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut c = lower.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Env{camel}")
}

/// The template parameters a set of patterns needs in the CloudFormation dialect.
pub fn env_parameters<'a>(patterns: impl IntoIterator<Item = &'a ResourcePattern>) -> Vec<EnvParameter> {
    let mut out: BTreeMap<String, EnvParameter> = BTreeMap::new();
    for p in patterns {
        for seg in &p.segs {
            if let Seg::Env(name, transform) = seg {
                let what = match transform {
                    Transform::Plain => format!("Value of the environment variable {name}"),
                    Transform::QueueUrl => format!("Name of the SQS queue whose URL is in {name}"),
                    Transform::StripLeadingSlash => {
                        format!("SSM parameter name in {name}, without its leading slash")
                    }
                    Transform::SecretId => format!("Name of the Secrets Manager secret in {name}"),
                    Transform::WholeArn => format!("ARN held by the environment variable {name}"),
                };
                let param = parameter_name(name);
                out.insert(
                    param.clone(),
                    EnvParameter {
                        name: param,
                        variable: name.clone(),
                        description: format!("{what} (no template binds it; found by leastpriv)"),
                    },
                );
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_resources_are_named_only_inside_cloudformation_sub() {
        let mut p = ResourcePattern::from_template("arn:${Partition}:kms:${Region}:${Account}:key/", |_| None);
        p.segs.push(Seg::Ref("OrdersKey".into()));
        let ctx = ArnContext::default();
        assert_eq!(
            render(&p, &ctx, Dialect::CloudFormation),
            "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${OrdersKey}"
        );
        assert_eq!(render(&p, &ctx, Dialect::Deployable), "arn:aws:kms:*:*:key/*");
        assert_eq!(
            render(&p, &ctx, Dialect::Serverless),
            "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"
        );
        assert_eq!(render(&p, &ctx, Dialect::Visible), "arn:aws:kms:*:*:key/${OrdersKey}");
    }

    #[test]
    fn cloudformation_sub() {
        let p = ResourcePattern::from_template(
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
            |_| Some(vec![Seg::Env("TABLE_NAME".into(), Transform::Plain)]),
        );
        let ctx = ArnContext::default();
        assert_eq!(
            render(&p, &ctx, Dialect::CloudFormation),
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${EnvTableName}"
        );
        assert_eq!(render(&p, &ctx, Dialect::Deployable), "arn:aws:dynamodb:*:*:table/*");
        assert_eq!(
            render(&p, &ctx, Dialect::Serverless),
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"
        );
        let params = env_parameters([&p]);
        assert_eq!(params.len(), 1);
        assert_eq!(params[0].name, "EnvTableName");
        let lit = ResourcePattern::parse_arn("arn:aws:s3:::a${b}");
        assert_eq!(
            render(&lit, &ctx, Dialect::CloudFormation),
            "arn:${AWS::Partition}:s3:::a${!b}"
        );
    }
}

//! `--current template`: the role each function has as the repository declares it.
//! Discovery reads the policies (SAM `Policies` with policy templates expanded, the
//! role's inline and managed policies, Serverless statements, Terraform role policies
//! and attachments) onto `FunctionSpec::current_policies`; this fills in the documents
//! of AWS managed policies from the embedded data and says what stays unknown.

use crate::catalog::policies;
use crate::diagnostics::{Diagnostic, codes};
use crate::sources::discover::{FunctionSpec, PolicyKind};

use super::{CurrentDocument, CurrentRole, DocumentKind};

/// The role `spec` has according to its deployment definition.
pub fn role(spec: &FunctionSpec) -> CurrentRole {
    let Some(file) = &spec.declared_in else {
        return CurrentRole::unknown(Diagnostic::warning(
            codes::CURRENT_UNKNOWN,
            format!(
                "{}: no deployment definition declares its role; compare with --current iam or --current FILE",
                spec.name
            ),
        ));
    };
    let mut out = CurrentRole {
        role: spec.role.clone(),
        complete: true,
        ..CurrentRole::default()
    };
    if spec.current_policies.is_empty() {
        out.complete = false;
        let what = spec.role.as_deref().unwrap_or("its role");
        out.diagnostics.push(
            Diagnostic::warning(
                codes::CURRENT_UNKNOWN,
                format!(
                    "{}: the repository declares no policy of {what}; compare with --current iam or --current FILE",
                    spec.name
                ),
            )
            .at(file, spec.line),
        );
        return out;
    }
    for p in &spec.current_policies {
        let kind = match p.kind {
            PolicyKind::Inline => DocumentKind::Inline,
            PolicyKind::SamTemplate => DocumentKind::SamTemplate,
            PolicyKind::CustomerManaged => DocumentKind::CustomerManaged,
            PolicyKind::Managed => DocumentKind::AwsManaged,
        };
        let document = match (&p.document, p.arn.as_deref()) {
            (Some(d), _) => d.clone(),
            (None, Some(arn)) => match policies::aws_managed(arn) {
                Some(d) => d,
                None => {
                    out.complete = false;
                    let d = Diagnostic::warning(codes::UNKNOWN_MANAGED_POLICY, unknown_managed(arn));
                    out.diagnostics.push(match &p.file {
                        Some(f) => d.at(f, p.line),
                        None => d,
                    });
                    continue;
                }
            },
            (None, None) => continue,
        };
        // `AmazonS3ReadOnlyAccess` reads better than its ARN in a report.
        let name = match (kind, p.arn.as_deref()) {
            (DocumentKind::AwsManaged, Some(arn)) if p.name == arn && arn.contains(":iam::aws:policy/") => {
                arn.rsplit('/').next().unwrap_or(arn).to_string()
            }
            _ => p.name.clone(),
        };
        // Two policies of one name (`inline` twice) must stay apart in reports.
        let taken = |n: &str| out.policies.iter().any(|d: &CurrentDocument| d.name == n);
        let name = if taken(&name) {
            (2..)
                .map(|i| format!("{name} #{i}"))
                .find(|n| !taken(n))
                .unwrap_or(name)
        } else {
            name
        };
        out.policies.push(CurrentDocument {
            name,
            kind,
            document,
            file: p.file.clone(),
            line: p.line,
        });
    }
    out
}

/// Why a managed policy's document is not known offline.
pub fn unknown_managed(arn: &str) -> String {
    if arn.contains(":iam::aws:policy/") {
        format!(
            "{arn}: not an AWS managed policy leastpriv knows (its data may be older than the policy); compare with --current iam"
        )
    } else {
        format!("{arn}: a managed policy defined outside the repository; compare with --current iam or --current FILE")
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;
    use crate::sources::discover::CurrentPolicy;

    fn spec(policies: Vec<CurrentPolicy>) -> FunctionSpec {
        FunctionSpec {
            name: "Fn".into(),
            role: Some("arn:aws:iam::*:role/*FnRole*".into()),
            declared_in: Some(PathBuf::from("template.yaml")),
            current_policies: policies,
            ..FunctionSpec::default()
        }
    }

    fn managed(arn: &str) -> CurrentPolicy {
        CurrentPolicy {
            name: arn.into(),
            kind: PolicyKind::Managed,
            arn: Some(arn.into()),
            document: None,
            file: Some(PathBuf::from("template.yaml")),
            line: Some(7),
        }
    }

    #[test]
    fn aws_managed_documents_come_from_the_embedded_data() {
        let r = role(&spec(vec![
            managed("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
            CurrentPolicy {
                name: "inline".into(),
                kind: PolicyKind::Inline,
                arn: None,
                document: Some(json!({"Statement": []})),
                file: None,
                line: None,
            },
        ]));
        assert!(r.complete, "{:?}", r.diagnostics);
        assert_eq!(r.policies.len(), 2);
        assert_eq!(r.policies[0].kind, DocumentKind::AwsManaged);
        assert!(r.policies[0].document.to_string().contains("logs:CreateLogStream"));
    }

    #[test]
    fn policies_of_one_name_stay_apart() {
        let inline = |n: u8| CurrentPolicy {
            name: "inline".into(),
            kind: PolicyKind::Inline,
            arn: None,
            document: Some(json!({"Statement": [], "n": n})),
            file: None,
            line: None,
        };
        let r = role(&spec(vec![inline(1), inline(2), inline(3)]));
        let names: Vec<&str> = r.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["inline", "inline #2", "inline #3"]);
        let managed = role(&spec(vec![managed("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")]));
        assert_eq!(managed.policies[0].name, "AmazonS3ReadOnlyAccess");
    }

    #[test]
    fn what_is_not_in_the_repository_is_said() {
        let r = role(&spec(vec![managed("arn:aws:iam::123456789012:policy/TeamPolicy")]));
        assert!(!r.complete);
        assert_eq!(r.diagnostics[0].code, codes::UNKNOWN_MANAGED_POLICY);
        assert_eq!(r.diagnostics[0].line, Some(7));
        let r = role(&spec(vec![]));
        assert!(!r.complete);
        assert_eq!(r.diagnostics[0].code, codes::CURRENT_UNKNOWN);
        let mut plain = spec(vec![]);
        plain.declared_in = None;
        assert!(!role(&plain).complete);
    }
}

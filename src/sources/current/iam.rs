//! `--current iam`: the live role of each deployed function, read-only, through the
//! official AWS SDK: Lambda GetFunctionConfiguration (ListFunctions when the deployed
//! name is a pattern such as `shop-prod-OrdersApi-*`) for the role; IAM GetRole,
//! ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, GetPolicy and
//! GetPolicyVersion for its policies and permissions boundary. Standard credential
//! chain and region; `AWS_ENDPOINT_URL` is honoured.

use std::collections::BTreeMap;

use aws_sdk_iam::error::SdkError;
use serde_json::Value;

use crate::diagnostics::{Diagnostic, codes};

use super::percent::decode_document;
use super::{CurrentDocument, CurrentRole, DocumentKind};

/// A function to look up.
#[derive(Debug, Clone)]
pub struct LiveTarget {
    /// The name leastpriv reports it under.
    pub function: String,
    /// Its deployed name, or a pattern of it (`shop-prod-OrdersApi-*`).
    pub deployed: String,
    /// The role the repository says it has, used when the function is not deployed
    /// under that name and the role is a full ARN.
    pub role_hint: Option<String>,
}

/// Why no live role could be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot start the AWS SDK runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot reach AWS ({service}): {message}")]
    Unreachable { service: &'static str, message: String },
}

/// Reads the live role of every target; a function whose role cannot be read gets a
/// `current-unknown` diagnostic instead.
pub fn roles(targets: &[LiveTarget], region: Option<&str>) -> Result<BTreeMap<String, CurrentRole>, LiveError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(LiveError::Runtime)?;
    rt.block_on(read_all(targets, region))
}

struct Clients {
    lambda: aws_sdk_lambda::Client,
    iam: aws_sdk_iam::Client,
}

async fn read_all(targets: &[LiveTarget], region: Option<&str>) -> Result<BTreeMap<String, CurrentRole>, LiveError> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    let config = loader.load().await;
    let c = Clients {
        lambda: aws_sdk_lambda::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
    };
    let deployed = if targets.iter().any(|t| is_pattern(&t.deployed)) {
        list_functions(&c.lambda).await?
    } else {
        Vec::new()
    };
    let mut roles: BTreeMap<String, CurrentRole> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for t in targets {
        let (arn, mut notes) = match role_of(&c, t, &deployed).await? {
            Ok(found) => found,
            Err(d) => {
                out.insert(t.function.clone(), CurrentRole::unknown(d));
                continue;
            }
        };
        if !roles.contains_key(&arn) {
            let role = read_role(&c.iam, &arn).await?;
            roles.insert(arn.clone(), role);
        }
        let mut role = roles[&arn].clone();
        role.diagnostics.append(&mut notes);
        out.insert(t.function.clone(), role);
    }
    Ok(out)
}

fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// `*`/`?` matching of a deployed function name.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Is the error about reaching AWS at all (no endpoint, no credentials, a timeout)?
fn unreachable<E, R>(e: &SdkError<E, R>) -> bool {
    matches!(
        e,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ConstructionFailure(_)
    )
}

fn message<E: std::error::Error>(e: &E) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// Every deployed function: (name, role).
async fn list_functions(lambda: &aws_sdk_lambda::Client) -> Result<Vec<(String, String)>, LiveError> {
    let mut items = lambda.list_functions().into_paginator().items().send();
    let mut out = Vec::new();
    while let Some(item) = items.next().await {
        match item {
            Ok(f) => out.push((
                f.function_name().unwrap_or_default().to_string(),
                f.role().unwrap_or_default().to_string(),
            )),
            Err(e) if unreachable(&e) => {
                return Err(LiveError::Unreachable {
                    service: "lambda",
                    message: message(&e),
                });
            }
            Err(_) => break,
        }
    }
    out.sort();
    Ok(out)
}

type Found = Result<(String, Vec<Diagnostic>), Diagnostic>;

/// The role ARN of a deployed function.
async fn role_of(c: &Clients, t: &LiveTarget, deployed: &[(String, String)]) -> Result<Found, LiveError> {
    let hint = || t.role_hint.clone().filter(|r| r.starts_with("arn:") && !is_pattern(r));
    if is_pattern(&t.deployed) {
        let hits: Vec<&(String, String)> = deployed.iter().filter(|(name, _)| glob(&t.deployed, name)).collect();
        return Ok(match hits.as_slice() {
            [(_, role)] => Ok((role.clone(), Vec::new())),
            [] => hint().map(|r| (r, Vec::new())).ok_or_else(|| not_deployed(t)),
            [(first, role), ..] => {
                let names: Vec<&str> = hits.iter().map(|(n, _)| n.as_str()).collect();
                let d = Diagnostic::warning(
                    codes::CURRENT_UNKNOWN,
                    format!(
                        "{}: {} deployed functions match {} ({}); compared with {first}",
                        t.function,
                        hits.len(),
                        t.deployed,
                        names.join(", ")
                    ),
                );
                Ok((role.clone(), vec![d]))
            }
        });
    }
    match c
        .lambda
        .get_function_configuration()
        .function_name(&t.deployed)
        .send()
        .await
    {
        Ok(conf) => Ok(match conf.role() {
            Some(r) => Ok((r.to_string(), Vec::new())),
            None => Err(not_deployed(t)),
        }),
        Err(e) if unreachable(&e) => Err(LiveError::Unreachable {
            service: "lambda",
            message: message(&e),
        }),
        Err(e) => Ok(match hint() {
            Some(r) => Ok((r, Vec::new())),
            None => Err(Diagnostic::warning(
                codes::CURRENT_UNKNOWN,
                format!(
                    "{}: Lambda GetFunctionConfiguration {}: {}",
                    t.function,
                    t.deployed,
                    message(&e)
                ),
            )),
        }),
    }
}

fn not_deployed(t: &LiveTarget) -> Diagnostic {
    Diagnostic::warning(
        codes::CURRENT_UNKNOWN,
        format!("{}: no deployed Lambda function is named {}", t.function, t.deployed),
    )
}

/// The role's name from its ARN (`arn:aws:iam::1:role/service-role/x` → `x`).
pub fn role_name(arn: &str) -> &str {
    let tail = arn.split_once(":role/").map(|(_, r)| r).unwrap_or(arn);
    tail.rsplit('/').next().unwrap_or(tail)
}

async fn read_role(iam: &aws_sdk_iam::Client, arn: &str) -> Result<CurrentRole, LiveError> {
    let name = role_name(arn);
    let mut role = CurrentRole {
        role: Some(arn.to_string()),
        complete: true,
        ..CurrentRole::default()
    };
    let fail = |role: &mut CurrentRole, what: String| {
        role.complete = false;
        role.diagnostics.push(Diagnostic::warning(
            codes::CURRENT_UNKNOWN,
            format!("role {name}: {what}"),
        ));
    };
    let boundary = match iam.get_role().role_name(name).send().await {
        Ok(out) => out
            .role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(String::from),
        Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
        Err(e) => {
            fail(&mut role, format!("GetRole: {}", message(&e)));
            return Ok(role);
        }
    };
    let mut names = iam.list_role_policies().role_name(name).into_paginator().items().send();
    let mut inline = Vec::new();
    while let Some(n) = names.next().await {
        match n {
            Ok(n) => inline.push(n),
            Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
            Err(e) => {
                fail(&mut role, format!("ListRolePolicies: {}", message(&e)));
                break;
            }
        }
    }
    for policy in inline {
        match iam.get_role_policy().role_name(name).policy_name(&policy).send().await {
            Ok(out) => match parse(out.policy_document()) {
                Some(document) => role.policies.push(CurrentDocument {
                    name: format!("{name}/{policy}"),
                    kind: DocumentKind::Inline,
                    document,
                    file: None,
                    line: None,
                }),
                None => fail(&mut role, format!("inline policy {policy} is not JSON")),
            },
            Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
            Err(e) => fail(&mut role, format!("GetRolePolicy {policy}: {}", message(&e))),
        }
    }
    let mut attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send();
    let mut arns = Vec::new();
    while let Some(p) = attached.next().await {
        match p {
            Ok(p) => arns.extend(p.policy_arn().map(String::from)),
            Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
            Err(e) => {
                fail(&mut role, format!("ListAttachedRolePolicies: {}", message(&e)));
                break;
            }
        }
    }
    for policy_arn in arns {
        match managed(iam, &policy_arn).await? {
            Ok(doc) => role.policies.push(doc),
            Err(what) => fail(&mut role, what),
        }
    }
    if let Some(b) = boundary {
        role.diagnostics.push(Diagnostic::warning(
            codes::PERMISSIONS_BOUNDARY,
            format!("role {name} has the permissions boundary {b}: only what it also allows is granted"),
        ));
        match managed(iam, &b).await? {
            Ok(doc) => role.boundary = Some(doc),
            Err(what) => fail(&mut role, format!("permissions boundary: {what}")),
        }
    }
    Ok(role)
}

fn iam_unreachable<E: std::error::Error, R>(e: &SdkError<E, R>) -> LiveError
where
    SdkError<E, R>: std::error::Error,
{
    LiveError::Unreachable {
        service: "iam",
        message: message(e),
    }
}

/// A managed policy's default version.
async fn managed(iam: &aws_sdk_iam::Client, arn: &str) -> Result<Result<CurrentDocument, String>, LiveError> {
    let version = match iam.get_policy().policy_arn(arn).send().await {
        Ok(out) => out.policy().and_then(|p| p.default_version_id()).map(String::from),
        Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
        Err(e) => return Ok(Err(format!("GetPolicy {arn}: {}", message(&e)))),
    };
    let Some(version) = version else {
        return Ok(Err(format!("GetPolicy {arn}: no default version")));
    };
    let doc = match iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
    {
        Ok(out) => out.policy_version().and_then(|v| v.document()).and_then(parse),
        Err(e) if unreachable(&e) => return Err(iam_unreachable(&e)),
        Err(e) => return Ok(Err(format!("GetPolicyVersion {arn} {version}: {}", message(&e)))),
    };
    Ok(match doc {
        Some(document) => Ok(CurrentDocument {
            name: arn.to_string(),
            kind: if arn.contains(":iam::aws:policy/") {
                DocumentKind::AwsManaged
            } else {
                DocumentKind::CustomerManaged
            },
            document,
            file: None,
            line: None,
        }),
        None => Err(format!("{arn}: the document is not JSON")),
    })
}

fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(&decode_document(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_from_arns() {
        assert_eq!(role_name("arn:aws:iam::1:role/service-role/orders-role"), "orders-role");
        assert_eq!(role_name("arn:aws:iam::1:role/plain"), "plain");
        assert_eq!(role_name("plain"), "plain");
    }

    #[test]
    fn deployed_name_patterns() {
        assert!(glob("shop-prod-OrdersApi-*", "shop-prod-OrdersApi-AbC123"));
        assert!(!glob("shop-prod-OrdersApi-*", "shop-prod-OrdersApiX"));
        assert!(glob("*OrdersApi*", "x-OrdersApi-y"));
    }
}

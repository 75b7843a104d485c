//! Resources the deployment encrypts with a customer managed KMS key, and the KMS actions a
//! call on one of them brings: SQS, S3, DynamoDB... call KMS with the caller's credentials,
//! so the function's policy needs them on that key, under `kms:ViaService`.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::evidence::{ArnContext, Certainty, Evidence, Need, NeedCondition, Origin, ResourcePattern, Unresolved};
use crate::sources::discover::{Definition, EncryptionKey};

use super::{Bindings, arn};

const TABLE: &str = include_str!("../../service-catalog/kms-companions.toml");

#[derive(Debug, Deserialize)]
pub struct Rule {
    pub id: String,
    pub via: String,
    pub actions: Vec<String>,
    #[serde(default)]
    pub operations: Vec<String>,
    pub kms: Vec<String>,
    pub why: String,
    pub source: String,
}

pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    // The table is reviewed data compiled in; its tests parse it.
    RULES.get_or_init(|| crate::catalog::reviewed::rules(TABLE))
}

/// One encrypted declaration.
#[derive(Debug, Clone)]
struct Encrypted {
    arn: String,
    id: String,
    file: String,
    stack: Option<String>,
    key: EncryptionKey,
}

/// The run's encrypted declarations, indexed so a call finds its candidates without
/// comparing its resource with every declaration (thousands of queues, one per function).
#[derive(Debug, Default)]
pub struct EncryptedResources {
    all: Vec<Encrypted>,
    /// By the declared ARN's text: a reach is it or a part of it (`bucket/key`).
    by_text: HashMap<String, Vec<usize>>,
    /// By the resource part of the ARN (`orders` of `arn:aws:sqs:*:*:orders`), when it
    /// holds no wildcard: a reach whose region or account differs in form.
    by_name: HashMap<String, Vec<usize>>,
    /// Declarations whose resource part holds a wildcard: compared with every reach.
    wild: Vec<usize>,
}

impl EncryptedResources {
    pub fn new<'a>(definitions: impl IntoIterator<Item = &'a Definition>) -> EncryptedResources {
        let mut out = EncryptedResources::default();
        for d in definitions {
            let (Some(key), Some(a)) = (&d.encryption, &d.arn) else {
                continue;
            };
            let i = out.all.len();
            out.all.push(Encrypted {
                arn: a.clone(),
                id: d.id.clone(),
                file: d.file.display().to_string(),
                stack: d.stack.clone(),
                key: key.clone(),
            });
            out.by_text.entry(a.clone()).or_default().push(i);
            match name_of(a) {
                Some(name) => out.by_name.entry(name.to_string()).or_default().push(i),
                None => out.wild.push(i),
            }
        }
        out
    }

    /// The declarations a reached ARN may touch, each once, in declaration order.
    fn candidates(&self, reached: &str) -> Vec<&Encrypted> {
        let mut ids: Vec<usize> = self.wild.clone();
        for head in heads(reached) {
            ids.extend(self.by_text.get(head).into_iter().flatten());
        }
        if let Some(name) = reached.splitn(6, ':').nth(5) {
            let known = &name[..name.find(['*', '?']).unwrap_or(name.len())];
            for head in heads(known) {
                ids.extend(self.by_name.get(head).into_iter().flatten());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|i| &self.all[i]).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The KMS needs the calls in `needs` bring on the encrypted resources they reach;
    /// `stack` is the calling function's (a key of the same stack is named by its id).
    pub fn companions(&self, needs: &[Need], bindings: &Bindings, ctx: &ArnContext, stack: Option<&str>) -> Vec<Need> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        for need in needs {
            if !rules().iter().any(|r| r.actions.iter().any(|a| a == &need.action)) {
                continue;
            }
            let reached = bindings.resolve(&need.resource).render(ctx, Unresolved::Star);
            // One companion per key, however many declarations of the resource name it.
            let mut keys: BTreeMap<&str, &Encrypted> = BTreeMap::new();
            for e in self
                .candidates(&reached)
                .into_iter()
                .filter(|e| reaches(&reached, &e.arn))
            {
                keys.entry(e.key.arn.as_str()).or_insert(e);
            }
            for e in keys.into_values() {
                for rule in rules().iter().filter(|r| r.actions.iter().any(|a| a == &need.action)) {
                    let Some(certainty) = certainty(rule, need) else {
                        continue;
                    };
                    for kms in &rule.kms {
                        let own = e
                            .key
                            .logical_id
                            .as_deref()
                            .filter(|_| stack.is_some() && e.stack.as_deref() == stack);
                        out.push(companion(need, rule, kms, e, own, &reached, ctx, certainty.clone()));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Whether a rule applies to a need, and how surely: a rule limited to some operations
/// applies to static evidence of those, and possibly to an observed action (whose
/// operation the trail does not tell apart).
fn certainty(rule: &Rule, need: &Need) -> Option<Certainty> {
    if rule.operations.is_empty() {
        return Some(need.certainty.clone());
    }
    match &need.evidence {
        Evidence::Static { operation, .. } => rule
            .operations
            .iter()
            .any(|o| o == operation)
            .then(|| need.certainty.clone()),
        _ => Some(Certainty::Possible(format!(
            "{} needs it only for {}, which the trail does not tell apart",
            rule.kms.join(", "),
            rule.operations.join(", ")
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
fn companion(
    need: &Need,
    rule: &Rule,
    kms: &str,
    e: &Encrypted,
    own: Option<&str>,
    reached: &str,
    ctx: &ArnContext,
    certainty: Certainty,
) -> Need {
    let place = match e.key.line {
        Some(l) => format!("{}:{l}", e.file),
        None => e.file.clone(),
    };
    let reason = format!(
        "{} on {} ({}) encrypted with a customer managed KMS key ({} at {place}): {}",
        need.action, reached, e.id, e.key.property, rule.why
    );
    let (origin, evidence) = match &need.evidence {
        Evidence::Static {
            file,
            line,
            call,
            operation,
            unreachable,
            path,
            ..
        } => (
            Origin::Static,
            Evidence::Static {
                file: file.clone(),
                line: *line,
                call: call.clone(),
                operation: operation.clone(),
                unreachable: *unreachable,
                path: path.clone(),
                reason: Some(reason),
            },
        ),
        // Derived from the trail: it counts where trail evidence counts (`--include`).
        Evidence::Cloudtrail { .. } => (
            Origin::Cloudtrail,
            Evidence::Platform {
                reason: format!("observed {reason}"),
            },
        ),
        Evidence::Platform { reason: why } => (
            need.origin,
            Evidence::Platform {
                reason: format!("{why}; {reason}"),
            },
        ),
    };
    Need {
        action: kms.to_string(),
        resource: key_pattern(&e.key.arn, own),
        condition: Some(via_service(
            &rule.via,
            [reached, e.arn.as_str(), e.key.arn.as_str()],
            ctx,
        )),
        origin,
        certainty,
        evidence,
    }
}

/// `kms:ViaService` for a service in the region of the resource it serves (a service uses
/// a key of its resource's region): the first region the call's resource, its declaration
/// or the key names; the stack's otherwise.
fn via_service(via: &str, arns: [&str; 3], ctx: &ArnContext) -> NeedCondition {
    fn field(arn: &str, i: usize) -> Option<&str> {
        arn.split(':')
            .nth(i)
            .filter(|v| !v.is_empty() && !v.contains(['*', '?']))
    }
    let partition = arns.iter().find_map(|a| field(a, 1)).unwrap_or("aws");
    let region = arns.iter().find_map(|a| field(a, 3));
    let suffix = if partition == "aws-cn" || ctx.partition.as_deref() == Some("aws-cn") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let template = match region {
        Some(r) => format!("{via}.{r}.{suffix}"),
        None => format!("{via}.${{Region}}.{suffix}"),
    };
    NeedCondition {
        key: "kms:ViaService".into(),
        value: ResourcePattern::from_template(&template, |_| None),
    }
}

/// The key's ARN with an unknown (`*`) region and account as the stack's slots, so a
/// template writes `${AWS::Region}` where the key lives with the stack; a key the
/// function's own template creates (`own`, its logical id) ends in that id, which the
/// template resolves and other outputs write as `*`.
fn key_pattern(key: &str, own: Option<&str>) -> ResourcePattern {
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    let ["arn", partition, service, region, account, rest] = parts[..] else {
        return ResourcePattern::parse_arn(key);
    };
    if let Some(id) = own.filter(|_| rest == "key/*") {
        let mut p = key_pattern(&key[..key.len() - 1], None);
        p.segs.push(crate::evidence::Seg::Ref(id.to_string()));
        p.template = None;
        return p;
    }
    let slot = |v: &str, name: &str| {
        if v == "*" {
            format!("${{{name}}}")
        } else {
            v.replace('*', "${Any}")
        }
    };
    let template = format!(
        "arn:{}:{service}:{}:{}:{}",
        slot(partition, "Partition"),
        slot(region, "Region"),
        slot(account, "Account"),
        rest.replace('*', "${Any}")
    );
    ResourcePattern::from_template(&template, |_| None)
}

/// Does a call on `reached` touch the declared resource? Either it is that resource or a
/// part of it, or it names that very resource with its region or account left open (a
/// queue URL's name, a table whose account the code does not say).
fn reaches(reached: &str, declared: &str) -> bool {
    if arn::belongs_to(reached, declared) {
        return true;
    }
    let name = reached.splitn(6, ':').nth(5);
    name.is_some_and(|n| !n.is_empty() && !n.contains(['*', '?'])) && arn::matches(reached, declared)
}

/// `s` and each of its prefixes that ends before a `/` or `:`: what it may be a part of.
fn heads(s: &str) -> impl Iterator<Item = &str> {
    s.char_indices()
        .filter(|(_, c)| matches!(c, '/' | ':'))
        .map(|(i, _)| &s[..i])
        .chain([s])
}

/// `orders` of `arn:aws:sqs:us-east-1:123456789012:orders`, when it holds no wildcard.
fn name_of(arn: &str) -> Option<&str> {
    arn.splitn(6, ':')
        .nth(5)
        .filter(|n| !n.is_empty() && !n.contains(['*', '?']))
}

#[cfg(test)]
mod tests;

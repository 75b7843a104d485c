//! What a grant really grants, through the service catalog: the actions an action
//! pattern (`s3:*`, `s3:Get*`, `*`, a `NotAction` list) stands for, and whether an
//! action can apply to a resource pattern at all (`s3:ListBucket` on `bucket/*` grants
//! nothing: ListBucket is authorized against the bucket).

use crate::catalog::Catalog;

use super::evaluator::pattern::{Token, Tokens, covers, lowercase, resource_intersects, tokens};

/// The actions of the catalog a pattern takes in, canonically spelled. A pattern without
/// wildcards stands for itself, known to the catalog or not.
pub fn actions(pattern: &str, catalog: &Catalog) -> Vec<String> {
    if !pattern.contains(['*', '?']) {
        return vec![catalog.canonical_action(pattern).unwrap_or_else(|| pattern.to_string())];
    }
    let want = lowercase(&tokens(pattern));
    let prefixes: Vec<String> = match pattern.split_once(':') {
        Some((prefix, _)) if !prefix.contains(['*', '?']) => vec![prefix.to_ascii_lowercase()],
        _ => catalog.iam_prefixes().map(String::from).collect(),
    };
    let mut out: Vec<String> = prefixes
        .iter()
        .flat_map(|p| catalog.actions_of_prefix(p))
        .filter(|a| covers(&want, &lowercase(&tokens(a))))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every action of the catalog except those the patterns take in (`NotAction`).
pub fn actions_except(patterns: &[String], catalog: &Catalog) -> Vec<String> {
    let excluded: Vec<Tokens> = patterns.iter().map(|p| lowercase(&tokens(p))).collect();
    let mut out: Vec<String> = catalog
        .iam_prefixes()
        .flat_map(|p| catalog.actions_of_prefix(p))
        .filter(|a| {
            let t = lowercase(&tokens(a));
            !excluded.iter().any(|e| covers(e, &t))
        })
        .collect();
    out.sort();
    out
}

/// Is the pattern everything (`*`)?
pub fn is_everything(resource: &Tokens) -> bool {
    !resource.is_empty() && resource.iter().all(|t| *t == Token::Star)
}

/// Can `action` be authorized against some resource `resource` names? Actions with no
/// resource type are requested on `*` only; an action the catalog does not know is
/// given the benefit of the doubt.
pub fn applies_to(action: &str, resource: &Tokens, catalog: &Catalog) -> bool {
    if is_everything(resource) {
        return true;
    }
    let Some(info) = catalog.iam_action(action) else {
        return true;
    };
    if info.resources.is_empty() {
        return false;
    }
    let prefix = action.split(':').next().unwrap_or("").to_ascii_lowercase();
    info.resources.iter().any(|r| {
        catalog
            .arn_formats(&prefix, &r.resource_type)
            .iter()
            .any(|f| format_intersects(f, resource))
    })
}

/// Format variables whose values never hold a `/`: `table/${TableName}` does not name
/// `table/t/index/i`, nor `${BucketName}` an object key.
const NO_SLASH: &[&str] = &[
    "BucketName",
    "TableName",
    "QueueName",
    "TopicName",
    "FunctionName",
    "StreamName",
    "IndexName",
    "StateMachineName",
    "KeyId",
];

/// Does an ARN format of the catalog (`arn:${Partition}:s3:::${BucketName}`) name a
/// resource the pattern can name?
fn format_intersects(format: &str, resource: &Tokens) -> bool {
    let mut t = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        t.extend(tokens(&rest[..start]));
        match rest[start..].find('}') {
            Some(end) => {
                t.push(Token::Star);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    t.extend(tokens(rest));
    resource_intersects(&t, resource) && !slash_in_last_name(format, resource)
}

/// The format ends in a name that holds no `/` (`table/${TableName}`), and the
/// pattern's text after that name's start has a literal `/`.
fn slash_in_last_name(format: &str, resource: &Tokens) -> bool {
    let Some(open) = format.rfind("${") else {
        return false;
    };
    let var = format[open + 2..].trim_end_matches('}');
    if !format.ends_with('}') || !NO_SLASH.contains(&var) {
        return false;
    }
    // The literal part of the format's last segment before the name (`table/`).
    let segment_start = format[..open].rfind(':').map(|i| i + 1).unwrap_or(0);
    let prefix = &format[segment_start..open];
    let text: String = resource
        .iter()
        .map(|x| match x {
            Token::Char(c) => *c,
            Token::Star => '*',
            Token::One => '?',
        })
        .collect();
    let Some(tail) = text.splitn(6, ':').nth(5) else {
        return false;
    };
    match tail.strip_prefix(prefix) {
        Some(name) => name.contains('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_expand_through_the_catalog() {
        let c = Catalog::embedded();
        let s3 = actions("s3:*", c);
        assert!(s3.len() > 100, "{}", s3.len());
        assert!(s3.contains(&"s3:GetObject".to_string()));
        let get = actions("S3:Get*", c);
        assert!(get.iter().all(|a| a.starts_with("s3:Get")), "{get:?}");
        assert_eq!(actions("dynamodb:getitem", c), vec!["dynamodb:GetItem".to_string()]);
        assert_eq!(actions("made:Up", c), vec!["made:Up".to_string()]);
        let all_but_iam = actions_except(&["iam:*".into()], c);
        assert!(all_but_iam.len() > 10_000);
        assert!(!all_but_iam.iter().any(|a| a.starts_with("iam:")));
    }

    #[test]
    fn actions_apply_to_their_resource_types() {
        let c = Catalog::embedded();
        let bucket = tokens("arn:aws:s3:::shop-invoices");
        let objects = tokens("arn:aws:s3:::shop-invoices/*");
        assert!(applies_to("s3:ListBucket", &bucket, c));
        assert!(!applies_to("s3:ListBucket", &objects, c));
        assert!(applies_to("s3:GetObject", &objects, c));
        assert!(!applies_to("s3:GetObject", &bucket, c));
        assert!(applies_to("s3:GetObject", &tokens("*"), c));
        assert!(!applies_to(
            "xray:PutTraceSegments",
            &tokens("arn:aws:xray:*:*:group/x"),
            c
        ));
        assert!(applies_to(
            "dynamodb:Query",
            &tokens("arn:aws:dynamodb:*:*:table/t/index/*"),
            c
        ));
        assert!(!applies_to(
            "dynamodb:PutItem",
            &tokens("arn:aws:dynamodb:*:*:table/t/index/*"),
            c
        ));
        assert!(applies_to(
            "dynamodb:PutItem",
            &tokens("arn:aws:dynamodb:*:*:table/*"),
            c
        ));
    }
}

//! ARN patterns as the graph compares them: wildcard matching (`*`, `?`), whether a
//! resource a function reaches belongs to a declared one (an object of a bucket, an
//! index of a table), and the short name shown for a resource.

/// Case-sensitive, as IAM matches ARNs.
pub use crate::wildcard::matches;

/// Is `reached` the declared resource `declared`, or a part of it (`bucket/key`,
/// `table/x/index/y`, `log-group:x:*`)? The declared ARN may hold wildcards (parts not
/// known offline); a wildcard reach (`table/*`) belongs to no one declaration.
pub fn belongs_to(reached: &str, declared: &str) -> bool {
    if reached == "*" || declared == "*" || declared.is_empty() {
        return false;
    }
    // Cheap refusal first (the graph asks this of every declared × reached pair): a
    // declared ARN whose `arn:partition:service:` has no wildcard is a literal prefix.
    if let Some(prefix) = literal_service_prefix(declared)
        && !reached.starts_with(prefix)
    {
        return false;
    }
    if reached == declared || matches(declared, reached) {
        return true;
    }
    ["/", ":"].iter().any(|sep| {
        reached.strip_prefix(declared).is_some_and(|rest| rest.starts_with(sep))
            || matches(&format!("{declared}{sep}*"), reached)
    })
}

/// `arn:aws:s3:` of `arn:aws:s3:::media`, when it holds no wildcard.
pub fn literal_service_prefix(arn: &str) -> Option<&str> {
    service_prefix(arn).filter(|prefix| !prefix.contains(['*', '?']))
}

/// `arn:aws:s3:` of `arn:aws:s3:::media` (wildcards and all).
pub fn service_prefix(arn: &str) -> Option<&str> {
    let end = arn.match_indices(':').nth(2)?.0 + 1;
    Some(&arn[..end])
}

/// `arn:aws:dynamodb:*:*:table/orders` → `dynamodb:table/orders`;
/// `arn:aws:s3:::media/*` → `s3:media/*`; anything else as is.
pub fn short_name(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, service, _, _, rest] => format!("{service}:{rest}"),
        _ => arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_declared_resources() {
        let table = "arn:aws:dynamodb:*:*:table/orders";
        assert!(belongs_to(table, table));
        assert!(belongs_to("arn:aws:dynamodb:*:*:table/orders/index/*", table));
        assert!(belongs_to("arn:aws:dynamodb:us-east-1:1:table/orders", table));
        assert!(!belongs_to("arn:aws:dynamodb:*:*:table/orders-archive", table));
        assert!(belongs_to("arn:aws:s3:::media/*", "arn:aws:s3:::media"));
        assert!(!belongs_to("*", table));
        assert!(!belongs_to("arn:aws:dynamodb:*:*:table/*", table));
        assert!(!belongs_to("arn:aws:logs:*:*:log-group:/aws/lambda/orders", table));
        assert!(belongs_to("arn:aws:s3:::media/a", "arn:*:s3:::media"));
        assert_eq!(short_name(table), "dynamodb:table/orders");
        assert_eq!(short_name("arn:aws:s3:::media/*"), "s3:media/*");
        assert_eq!(short_name("*"), "*");
    }
}

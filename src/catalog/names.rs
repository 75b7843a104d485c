//! Name forms of one SDK operation: API (`ListObjectsV2`), boto3 (`list_objects_v2`),
//! JavaScript (`listObjectsV2`), v3 command (`ListObjectsV2Command`).

/// A key under which all name forms of an operation agree: lower case, no `_` or `-`.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `ListObjectsV2` → `listObjectsV2`: the v2 SDK and v3 aggregated-client method name.
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// botocore's `xform_name`: `ListObjectsV2` → `list_objects_v2`, `DescribeDBInstances`
/// → `describe_db_instances`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A capital starts a word after a lower-case letter or digit, or when it ends
            // an acronym (`DBInstances`: the `I` begins `Instances`).
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_forms_agree() {
        assert_eq!(normalize("ListObjectsV2"), normalize("list_objects_v2"));
        assert_eq!(normalize("listObjectsV2"), normalize("list_objects_v2"));
        assert_eq!(lower_camel("PutObject"), "putObject");
    }

    #[test]
    fn snake_case_matches_botocore() {
        assert_eq!(snake_case("ListObjectsV2"), "list_objects_v2");
        assert_eq!(snake_case("DescribeDBInstances"), "describe_db_instances");
        assert_eq!(snake_case("PutObject"), "put_object");
        assert_eq!(snake_case("GetItem"), "get_item");
    }
}

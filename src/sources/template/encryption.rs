//! Which customer managed KMS key an encryption setting names, from the value a template
//! gives it (evaluated): a key ARN, a key id, an alias, a key the template creates. The
//! one classifier the CloudFormation and Terraform readers share.
//!
//! AWS managed keys (`alias/aws/sqs`, a setting that names no key) are `None`: their key
//! policy lets the account's principals use them through the service, so the caller's
//! role needs no grant. A key the template creates, an alias, or a value not known
//! offline is `arn:P:kms:R:A:key/*` in the account and region as far as they are known.

/// The partition, region and account a key named without them belongs to.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyPlace<'a> {
    pub partition: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
}

impl KeyPlace<'_> {
    fn arn(&self, key: &str) -> String {
        format!(
            "arn:{}:kms:{}:{}:key/{key}",
            self.partition.unwrap_or("aws"),
            self.region.unwrap_or("*"),
            self.account.unwrap_or("*")
        )
    }
}

/// The ARN (pattern) of the customer managed key `value` names; `None` for an AWS
/// managed key or an empty value. `value` is `None` when it could not be evaluated
/// (any key in the account).
pub fn customer_managed_key(value: Option<&str>, place: &KeyPlace<'_>) -> Option<String> {
    let Some(value) = value.map(str::trim) else {
        return Some(place.arn("*"));
    };
    if value.is_empty() {
        return None;
    }
    if let Some(rest) = value.strip_prefix("arn:") {
        return from_arn(value, rest, place);
    }
    if value.starts_with("alias/aws/") {
        return None;
    }
    if value.starts_with("alias/") {
        // An alias does not tell which key it points to.
        return Some(place.arn("*"));
    }
    if is_key_id(value) {
        return Some(place.arn(value));
    }
    // `*` (a key the template creates), a partly known value.
    Some(place.arn("*"))
}

/// `arn:aws:kms:R:A:key/ID` as is; an alias ARN is any key of its account and region.
fn from_arn(value: &str, rest: &str, place: &KeyPlace<'_>) -> Option<String> {
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [partition, service, region, account, resource] = parts.as_slice() else {
        return Some(place.arn("*"));
    };
    let given = |s: &'_ str| -> Option<String> { (!s.is_empty()).then(|| s.to_string()) };
    let (partition, region, account) = (given(partition), given(region), given(account));
    let own = KeyPlace {
        partition: partition.as_deref().or(place.partition),
        region: region.as_deref().or(place.region),
        account: account.as_deref().or(place.account),
    };
    if *service != "kms" {
        return Some(place.arn("*"));
    }
    if resource.starts_with("alias/aws/") {
        return None;
    }
    if let Some(id) = resource.strip_prefix("key/")
        && !id.is_empty()
    {
        return Some(value.to_string());
    }
    Some(own.arn("*"))
}

/// A key id: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region key's
/// `mrk-` followed by 32 hexadecimal digits.
fn is_key_id(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(m) = s.strip_prefix("mrk-") {
        return hex(m, 32);
    }
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| hex(g, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn known() -> KeyPlace<'static> {
        KeyPlace {
            partition: Some("aws"),
            region: Some("eu-west-1"),
            account: Some("123456789012"),
        }
    }

    #[test]
    fn key_arns_and_ids() {
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{ID}");
        assert_eq!(customer_managed_key(Some(&arn), &known()), Some(arn.clone()));
        assert_eq!(
            customer_managed_key(Some(ID), &known()).unwrap(),
            format!("arn:aws:kms:eu-west-1:123456789012:key/{ID}")
        );
        assert_eq!(
            customer_managed_key(Some(ID), &KeyPlace::default()).unwrap(),
            format!("arn:aws:kms:*:*:key/{ID}")
        );
        let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(
            customer_managed_key(Some(mrk), &known()).unwrap(),
            format!("arn:aws:kms:eu-west-1:123456789012:key/{mrk}")
        );
        let china = KeyPlace {
            partition: Some("aws-cn"),
            ..KeyPlace::default()
        };
        assert_eq!(
            customer_managed_key(Some(ID), &china).unwrap(),
            format!("arn:aws-cn:kms:*:*:key/{ID}")
        );
    }

    #[test]
    fn aliases_name_any_key_of_their_account() {
        assert_eq!(
            customer_managed_key(Some("alias/orders"), &known()).unwrap(),
            "arn:aws:kms:eu-west-1:123456789012:key/*"
        );
        assert_eq!(
            customer_managed_key(Some("arn:aws:kms:us-east-2:444455556666:alias/orders"), &known()).unwrap(),
            "arn:aws:kms:us-east-2:444455556666:key/*"
        );
        assert_eq!(
            customer_managed_key(Some("arn:aws:kms:*:*:alias/orders"), &KeyPlace::default()).unwrap(),
            "arn:aws:kms:*:*:key/*"
        );
    }

    #[test]
    fn aws_managed_keys_need_no_grant() {
        for v in [
            "alias/aws/sqs",
            "alias/aws/sns",
            "alias/aws/s3",
            "arn:aws:kms:eu-west-1:123456789012:alias/aws/secretsmanager",
            "",
            "  ",
        ] {
            assert_eq!(customer_managed_key(Some(v), &known()), None, "{v:?}");
        }
    }

    #[test]
    fn unknown_values_are_any_key_of_the_account() {
        for v in [
            None,
            Some("*"),
            Some("arn:aws:kms:*:*:key/*"),
            Some("${KeyParam}"),
            Some("not-a-key-id"),
        ] {
            let got = customer_managed_key(v, &KeyPlace::default()).unwrap();
            assert_eq!(got, "arn:aws:kms:*:*:key/*", "{v:?}");
        }
        assert_eq!(
            customer_managed_key(None, &known()).unwrap(),
            "arn:aws:kms:eu-west-1:123456789012:key/*"
        );
        // Not a KMS ARN: still some key of the account.
        assert_eq!(
            customer_managed_key(Some("arn:aws:s3:::bucket"), &known()).unwrap(),
            "arn:aws:kms:eu-west-1:123456789012:key/*"
        );
    }
}

//! IAM wildcard matching: `*` any run of characters, `?` one character; action names
//! match case-insensitively, ARNs case-sensitively.

pub use crate::wildcard::matches;

/// Action match: case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    matches(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// Does every string `narrow` matches also match `broad`? Treats the wildcards of
/// `narrow` as literals, which is exact when `broad` is a prefix pattern.
pub fn covers(broad: &str, narrow: &str) -> bool {
    broad != narrow && matches(broad, narrow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "anything"));
        assert!(matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
        assert!(!matches("arn:aws:s3:::b/*", "arn:aws:s3:::c/x"));
        assert!(matches("s3:Get?bject", "s3:GetObject"));
        assert!(action_matches("S3:get*", "s3:GetObject"));
        assert!(!matches("a?", "a"));
        assert!(matches("caf?", "café"), "? is one character, not one byte");
        assert!(matches("*é*", "résumé"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/in/*"));
        assert!(!covers("arn:aws:s3:::b/in/*", "arn:aws:s3:::b/*"));
    }
}

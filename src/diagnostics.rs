//! Findings that do not stop a run: named, located, counted, rendered by `cli/`.

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A kebab-case code naming the problem, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

/// The longest message kept: a finding is one line, never a file's text.
pub const MAX_MESSAGE_CHARS: usize = 1000;

impl Diagnostic {
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Warning,
            file: None,
            line: None,
            message: one_line(message.into()),
        }
    }

    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<u32>) -> Diagnostic {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    /// `file:line: message [code]`, the one-line form printed on stderr.
    pub fn one_line(&self) -> String {
        let place = match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{}:{l}: ", f.display()),
            (Some(f), None) => format!("{}: ", f.display()),
            _ => String::new(),
        };
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        format!("{sev}: {place}{} [{}]", self.message, self.code)
    }
}

/// `message` as one line: control characters (line breaks included) become spaces, and
/// what passes [`MAX_MESSAGE_CHARS`] is cut, so a message quoting a definition's text
/// cannot carry a file's content.
fn one_line(message: String) -> String {
    if message.len() <= MAX_MESSAGE_CHARS && !message.chars().any(char::is_control) {
        return message;
    }
    let mut out: String = message
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if message.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push_str("… (cut)");
    }
    out
}

/// The named finding codes, each documented in docs/findings.md.
pub mod codes {
    pub const UNRESOLVED_SDK_CALL: &str = "unresolved-sdk-call";
    pub const UNKNOWN_SERVICE: &str = "unknown-service";
    pub const UNKNOWN_OPERATION: &str = "unknown-operation";
    pub const UNRESOLVED_RESOURCE: &str = "unresolved-resource";
    pub const UNBOUND_ENV_VAR: &str = "unbound-env-var";
    pub const HIDDEN_PARAMETERS: &str = "hidden-parameters";
    pub const UNREADABLE_FILE: &str = "unreadable-file";
    pub const PARSE_ERROR: &str = "parse-error";
    pub const UNCERTAIN_ACTION: &str = "uncertain-action";
    pub const FOREIGN_CREDENTIALS: &str = "foreign-credentials";
    pub const POSSIBLE_ACTION: &str = "possible-action";
    pub const TEMPLATE_ERROR: &str = "template-error";
    pub const MISSING_HANDLER: &str = "missing-handler";
    pub const DYNAMIC_DISPATCH: &str = "dynamic-dispatch";
    pub const MALFORMED_RECORD: &str = "malformed-record";
    pub const UNSAFE_PATH: &str = "unsafe-path";
    pub const EVALUATION_LIMIT: &str = "evaluation-limit";
    pub const INCLUSION_CYCLE: &str = "inclusion-cycle";
    pub const IMPLAUSIBLE_VALUE: &str = "implausible-value";
    // Today's permissions and the diff (`leastpriv diff`).
    pub const CURRENT_UNKNOWN: &str = "current-unknown";
    pub const UNKNOWN_MANAGED_POLICY: &str = "unknown-managed-policy";
    pub const INVALID_POLICY: &str = "invalid-policy";
    pub const PERMISSIONS_BOUNDARY: &str = "permissions-boundary";
    pub const MISSING_PERMISSION: &str = "missing-permission";
    pub const EXCESS_PERMISSION: &str = "excess-permission";
    pub const WILDCARD_GRANT: &str = "wildcard-grant";
    pub const BROADER_GRANT: &str = "broader-grant";
    pub const CONDITIONAL_GRANT: &str = "conditional-grant";
    pub const TRUNCATED_LOG: &str = "truncated-log";
    pub const NOT_CLOUDTRAIL: &str = "not-cloudtrail";
    pub const CLOUDTRAIL_SOURCE_LIMIT: &str = "cloudtrail-source-limit";
    pub const UNMAPPED_EVENT: &str = "unmapped-event";
    pub const FOREIGN_SESSION_USE: &str = "foreign-session-use";
    pub const INFERRED_ATTRIBUTION: &str = "inferred-attribution";
    pub const DENIED_CALL: &str = "denied-call";
    // Generated policies (`leastpriv generate`).
    pub const UNKNOWN_ACTION: &str = "unknown-action";
    pub const RESOURCE_TYPE_MISMATCH: &str = "resource-type-mismatch";
    pub const POLICY_SPLIT: &str = "policy-split";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_bounded_line() {
        let d = Diagnostic::warning(codes::TEMPLATE_ERROR, "a\nb\0c\td");
        assert_eq!(d.message, "a b c d");
        let long = Diagnostic::warning(codes::TEMPLATE_ERROR, "x".repeat(5000));
        assert_eq!(
            long.message.chars().count(),
            MAX_MESSAGE_CHARS + "… (cut)".chars().count()
        );
        assert_eq!(Diagnostic::warning(codes::TEMPLATE_ERROR, "plain").message, "plain");
    }
}

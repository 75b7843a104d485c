//! The gate every value a deployment definition gives passes before it can reach output:
//! an environment variable's value, a declared resource's name or ARN, a role, an event
//! source. One that no AWS resource name or ARN could be (too long, control characters,
//! whitespace, quotes) becomes `*`, with a warning that names where it is, never the value.

use std::path::Path;

use crate::diagnostics::{Diagnostic, codes};
use crate::sources::discover::{Definition, FunctionSpec};

/// The longest value kept: longer than any resource name, ARN or `${...}` placeholder.
pub const MAX_LEN: usize = 1024;

/// Why `value` cannot be a resource name, ARN or placeholder; `None` when it can.
pub fn flaw(value: &str) -> Option<String> {
    if value.len() > MAX_LEN {
        return Some(format!("{} bytes, longer than the {MAX_LEN}-byte limit", value.len()));
    }
    let bad = value.chars().find(|c| !is_name_char(*c))?;
    let what = match bad {
        '\0' => "a NUL byte".to_string(),
        '\n' | '\r' => "a line break".to_string(),
        c if c.is_control() => "a control character".to_string(),
        c if c.is_whitespace() => "whitespace".to_string(),
        '"' | '\'' | '`' => "a quote".to_string(),
        c if c.is_ascii() => format!("the character {c}"),
        _ => "a character outside ASCII".to_string(),
    };
    Some(what)
}

/// Printable ASCII that names, ARNs, URLs and `${...}` placeholders use.
fn is_name_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '`' | '\\' | '<' | '>' | '^' | '|')
}

/// `value` itself when plausible; else `*` and a warning about `what` (`environment
/// variable BUCKET`) at the place given.
fn gate(value: &mut String, what: &str, file: Option<&Path>, line: Option<u32>, warnings: &mut Vec<Diagnostic>) {
    let Some(why) = flaw(value) else {
        return;
    };
    *value = "*".into();
    let mut d = Diagnostic::warning(
        codes::IMPLAUSIBLE_VALUE,
        format!("{what}: the value is not a plausible resource name or ARN ({why}): replaced by *, not shown"),
    );
    if let Some(f) = file {
        d = d.at(f, line);
    }
    warnings.push(d);
}

/// Gates the values of a function as a definition declared it.
pub fn function(spec: &mut FunctionSpec, warnings: &mut Vec<Diagnostic>) {
    let file = spec.declared_in.clone();
    let (file, line) = (file.as_deref(), spec.line);
    let name = spec.name.clone();
    for (var, value) in &mut spec.environment {
        gate(
            value,
            &format!("{name}: environment variable {var}"),
            file,
            line,
            warnings,
        );
    }
    if let Some(role) = &mut spec.role {
        gate(role, &format!("{name}: role"), file, line, warnings);
    }
    if let Some(d) = &mut spec.deployment {
        gate(
            &mut d.function_name,
            &format!("{name}: function name"),
            file,
            line,
            warnings,
        );
        if let Some(k) = &mut d.kms_key {
            gate(k, &format!("{name}: KMS key"), file, line, warnings);
        }
        for (_, arn) in &mut d.event_sources {
            gate(arn, &format!("{name}: event source"), file, line, warnings);
        }
        for arn in &mut d.destinations {
            gate(arn, &format!("{name}: destination"), file, line, warnings);
        }
        for t in &mut d.triggers {
            // The trigger's name is a description (`GET /orders`), not part of an ARN.
            if let Some(s) = &mut t.source {
                gate(s, &format!("{name}: trigger {}", t.name), file, line, warnings);
            }
        }
    }
}

/// Gates the name and ARN of a declared resource.
pub fn definition(def: &mut Definition, warnings: &mut Vec<Diagnostic>) {
    let what = format!("{} {}", def.kind, def.id);
    if let Some(n) = &mut def.name {
        gate(n, &format!("{what}: name"), Some(&def.file), def.line, warnings);
    }
    if let Some(a) = &mut def.arn {
        gate(a, &format!("{what}: ARN"), Some(&def.file), def.line, warnings);
        if a == "*" {
            def.arn = None;
        }
    }
    if let Some(k) = &mut def.encryption {
        gate(
            &mut k.arn,
            &format!("{what}: KMS key"),
            Some(&def.file),
            def.line,
            warnings,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arns_and_placeholders_pass() {
        for ok in [
            "orders-prod",
            "arn:aws:s3:::media-bucket/uploads/*",
            "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs",
            "${env:TABLE}",
            "*",
            "",
            "https://sqs.us-east-1.amazonaws.com/123456789012/jobs?x=1&y=2",
            "alias/app_key+v2=a,b@c#d",
        ] {
            assert_eq!(flaw(ok), None, "{ok}");
        }
    }

    #[test]
    fn file_contents_do_not() {
        assert_eq!(flaw("AWS_SECRET=x\0HOME=/root").as_deref(), Some("a NUL byte"));
        assert_eq!(flaw("root:x:0:0\nbin:x:1:1").as_deref(), Some("a line break"));
        assert_eq!(flaw("two words").as_deref(), Some("whitespace"));
        assert_eq!(flaw("\"quoted\"").as_deref(), Some("a quote"));
        assert_eq!(flaw("caf\u{e9}").as_deref(), Some("a character outside ASCII"));
        assert!(flaw(&"a".repeat(MAX_LEN + 1)).unwrap().contains("1025 bytes"));
        assert_eq!(flaw(&"a".repeat(MAX_LEN)), None);
    }

    #[test]
    fn the_warning_names_the_variable_not_the_value() {
        let mut spec = FunctionSpec {
            name: "Orders".into(),
            declared_in: Some("template.yaml".into()),
            line: Some(7),
            ..FunctionSpec::default()
        };
        spec.environment.insert("BUCKET".into(), "sekrit\nvalue".into());
        spec.environment.insert("TABLE".into(), "orders".into());
        let mut warnings = Vec::new();
        function(&mut spec, &mut warnings);
        assert_eq!(spec.environment["BUCKET"], "*");
        assert_eq!(spec.environment["TABLE"], "orders");
        assert_eq!(
            warnings[0].one_line(),
            "warning: template.yaml:7: Orders: environment variable BUCKET: the value is not a plausible resource name or ARN (a line break): replaced by *, not shown [implausible-value]"
        );
    }
}

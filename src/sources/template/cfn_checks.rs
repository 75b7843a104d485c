//! Structural checks of a template that would otherwise fail quietly: a `!Ref`, a
//! `!GetAtt` or a `${Name}` of `!Sub` that names no parameter, resource or pseudo
//! parameter. Each becomes one `template-error` line naming the file and the line.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::diagnostics::Diagnostic;

use super::intrinsics::sub_variables;
use super::lines;

/// Names a framework declares for itself (SAM's implicit APIs, Serverless Framework's
/// generated resources), which templates may refer to without declaring them.
const IMPLICIT: &[&str] = &[
    "ServerlessRestApi",
    "ServerlessHttpApi",
    "ServerlessDeploymentBucket",
    "IamRoleLambdaExecution",
    "ApiGatewayRestApi",
    "HttpApi",
    "WebsocketsApi",
];

/// Suffixes of names generated per function (`OrdersRole`, `OrdersLambdaFunction`).
const IMPLICIT_SUFFIXES: &[&str] = &["Role", "LambdaFunction", "LogGroup", "LambdaLayer", "Alias", "Version"];

/// One warning per name that is referred to and declared nowhere.
pub fn dangling_references(
    template: &Value,
    text: &str,
    file: &Path,
    declared_elsewhere: &[String],
) -> Vec<Diagnostic> {
    let mut known: BTreeSet<String> = BTreeSet::new();
    for section in ["Parameters", "Resources", "Conditions", "Mappings"] {
        if let Some(m) = template.get(section).and_then(Value::as_object) {
            known.extend(m.keys().cloned());
        }
    }
    known.extend(declared_elsewhere.iter().cloned());
    let lower: BTreeSet<String> = known.iter().map(|k| k.to_ascii_lowercase()).collect();
    let mut found: Vec<(String, &'static str)> = Vec::new();
    walk(template, &mut found, 0);
    let mut reported = BTreeSet::new();
    let mut out = Vec::new();
    for (name, form) in found {
        let base = name.split('.').next().unwrap_or(&name).to_string();
        if base.starts_with("AWS::")
            || known.contains(&base)
            || IMPLICIT.contains(&base.as_str())
            || implicit_for(&base, &known, &lower)
            || !reported.insert(base.clone())
        {
            continue;
        }
        let line = lines::reference_line(text, &base, 1);
        out.push(super::template_error(
            file,
            line,
            format!(
                "{form} {base} names no parameter or resource in this template; the values that use it stay unknown"
            ),
        ));
    }
    out
}

/// `OrdersRole` when `Orders` is declared: a name the framework generates. `lower` holds
/// the known names lower-cased (the stem is compared ignoring ASCII case).
fn implicit_for(name: &str, known: &BTreeSet<String>, lower: &BTreeSet<String>) -> bool {
    IMPLICIT_SUFFIXES.iter().any(|suffix| {
        name.strip_suffix(suffix)
            .is_some_and(|stem| known.contains(stem) || lower.contains(&stem.to_ascii_lowercase()))
    })
}

fn walk(v: &Value, out: &mut Vec<(String, &'static str)>, depth: usize) {
    if depth > 128 {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk(i, out, depth + 1)),
        Value::Object(m) => {
            for (k, arg) in m {
                match k.as_str() {
                    "Ref" => {
                        if let Some(s) = arg.as_str() {
                            out.push((s.to_string(), "!Ref"));
                        }
                    }
                    "Fn::GetAtt" => {
                        let id = match arg {
                            Value::Array(a) => a.first().and_then(Value::as_str),
                            Value::String(s) => s.split('.').next(),
                            _ => None,
                        };
                        if let Some(id) = id {
                            out.push((id.to_string(), "!GetAtt"));
                        }
                    }
                    "Fn::Sub" => {
                        let (text, vars) = match arg {
                            Value::String(s) => (s.as_str(), None),
                            Value::Array(a) => (
                                a.first().and_then(Value::as_str).unwrap_or(""),
                                a.get(1).and_then(Value::as_object),
                            ),
                            _ => ("", None),
                        };
                        for name in sub_variables(text) {
                            if !vars.is_some_and(|m| m.contains_key(&name)) {
                                out.push((name, "!Sub variable"));
                            }
                        }
                        if let Some(m) = vars {
                            m.values().for_each(|x| walk(x, out, depth + 1));
                        }
                    }
                    _ => walk(arg, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dangling_refs_are_reported_once_with_their_line() {
        let text = "Resources:\n  Fn:\n    Properties:\n      Environment:\n        Variables:\n          T: !Ref OrdersTabel\n          U: !Sub '${OrdersTabel}-x'\n          V: !Ref FnRole\n";
        let t = json!({"Resources": {"Fn": {"Properties": {"Environment": {"Variables": {
            "T": {"Ref": "OrdersTabel"}, "U": {"Fn::Sub": "${OrdersTabel}-x"}, "V": {"Ref": "FnRole"},
            "W": {"Fn::Sub": ["${x}", {"x": {"Ref": "AWS::Region"}}]}}}}}}});
        let d = dangling_references(&t, text, Path::new("template.yaml"), &[]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, Some(6));
        assert!(
            d[0].message
                .starts_with("!Ref OrdersTabel names no parameter or resource")
        );
    }
}

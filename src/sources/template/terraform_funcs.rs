//! Terraform's built-in functions that name resources, evaluated offline: string
//! building (`format`, `join`, `replace`...), collections (`merge`, `lookup`, `concat`,
//! `element`...), encodings (`jsonencode`, `jsondecode`) and files (`file`,
//! `templatefile`, read only inside the repository through
//! [`contained`](crate::sources::contained)). An unknown function (`filebase64`,
//! `fileexists`...) gives `*` with a note, its file unread.

use hcl::Expression;
use serde_json::{Map, Value};

use super::terraform_eval::Eval;

fn star() -> Value {
    Value::String("*".into())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "*".into(),
    }
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn known(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.contains('*'),
        Value::Null => false,
        _ => true,
    }
}

/// Calls function `name` with evaluated `args` (`raw` for the ones that need syntax).
pub fn call(ev: &Eval<'_>, name: &str, args: &[Value], raw: &[Expression]) -> Value {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    match name {
        "format" => Value::String(format(&text(&arg(0)), &args[1.min(args.len())..])),
        "join" => Value::String(list(&arg(1)).iter().map(text).collect::<Vec<_>>().join(&text(&arg(0)))),
        "concat" => Value::Array(args.iter().flat_map(list).collect()),
        "lower" => Value::String(text(&arg(0)).to_lowercase()),
        "upper" => Value::String(text(&arg(0)).to_uppercase()),
        "replace" => {
            let from = text(&arg(1));
            if from.starts_with('/') {
                return star(); // A regular expression.
            }
            Value::String(text(&arg(0)).replace(&from, &text(&arg(2))))
        }
        "trimprefix" => Value::String(
            text(&arg(0))
                .strip_prefix(text(&arg(1)).as_str())
                .map(String::from)
                .unwrap_or_else(|| text(&arg(0))),
        ),
        "trimsuffix" => Value::String(
            text(&arg(0))
                .strip_suffix(text(&arg(1)).as_str())
                .map(String::from)
                .unwrap_or_else(|| text(&arg(0))),
        ),
        "trimspace" => Value::String(text(&arg(0)).trim().to_string()),
        "split" => Value::Array(
            text(&arg(1))
                .split(text(&arg(0)).as_str())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        "element" => {
            let items = list(&arg(0));
            match arg(1).as_u64() {
                Some(i) if !items.is_empty() => items[i as usize % items.len()].clone(),
                _ => star(),
            }
        }
        "lookup" => arg(0).get(text(&arg(1))).cloned().unwrap_or_else(|| arg(2)),
        "merge" => {
            let mut m = Map::new();
            for a in args {
                if let Value::Object(o) = a {
                    m.extend(o.clone());
                }
            }
            Value::Object(m)
        }
        "coalesce" => args
            .iter()
            .find(|a| known(a) && a.as_str() != Some(""))
            .cloned()
            .unwrap_or_else(star),
        "try" => args.iter().find(|a| known(a)).cloned().unwrap_or_else(|| arg(0)),
        "can" => Value::Bool(true),
        "tostring" | "tolist" | "toset" | "tomap" | "sensitive" | "nonsensitive" | "abspath" => arg(0),
        "one" => list(&arg(0)).first().cloned().unwrap_or(Value::Null),
        "flatten" => Value::Array(list(&arg(0)).iter().flat_map(list).collect()),
        "compact" => Value::Array(
            list(&arg(0))
                .into_iter()
                .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                .collect(),
        ),
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for v in list(&arg(0)) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        "length" => match arg(0) {
            Value::Array(a) => Value::from(a.len()),
            Value::Object(o) => Value::from(o.len()),
            Value::String(s) if known(&arg(0)) => Value::from(s.chars().count()),
            _ => star(),
        },
        "keys" => Value::Array(
            arg(0)
                .as_object()
                .map(|o| o.keys().map(|k| Value::String(k.clone())).collect())
                .unwrap_or_default(),
        ),
        "values" => Value::Array(
            arg(0)
                .as_object()
                .map(|o| o.values().cloned().collect())
                .unwrap_or_default(),
        ),
        "basename" => Value::String(text(&arg(0)).rsplit('/').next().unwrap_or("").to_string()),
        "dirname" => Value::String(
            text(&arg(0))
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_else(|| ".".into()),
        ),
        "jsonencode" => Value::String(arg(0).to_string()),
        "jsondecode" => serde_json::from_str(&text(&arg(0))).unwrap_or_else(|_| star()),
        "file" | "templatefile" => match ev.read_named_file(name, &text(&arg(0))) {
            Some(s) if name == "file" => Value::String(s),
            Some(s) => Value::String(template_vars(&s, &arg(1))),
            None => star(),
        },
        _ => {
            let _ = raw;
            ev.note(format!("{name}() is not evaluated offline"));
            star()
        }
    }
}

/// `format("%s-%s", a, b)`: `%s`, `%d`, `%v` and `%%`.
fn format(spec: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(_) => out.push_str(&next.next().map(text).unwrap_or_else(|| "*".into())),
            None => out.push('%'),
        }
    }
    out
}

/// `${name}` of a template file replaced by the given variables; other expressions `*`.
fn template_vars(s: &str, vars: &Value) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        out.push_str(&vars.get(name).map(text).unwrap_or_else(|| "*".into()));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_and_templates() {
        assert_eq!(format("%s-%s-%%", &[json!("a"), json!(1)]), "a-1-%");
        assert_eq!(
            template_vars("{\"Resource\": \"${table_arn}\"}", &json!({"table_arn": "t"})),
            "{\"Resource\": \"t\"}"
        );
    }
}

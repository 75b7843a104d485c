//! Python builtins and standard-library calls that carry resource names or SDK objects
//! through: `os.environ[...]`, `os.getenv`, `os.path.join`, `getattr`, `str`, `dict`,
//! `list(...)`, and the methods of plain strings, dicts, lists and responses.

use crate::sources::Hint;

use super::bindings::{Args, Env};
use super::eval::dict_get;
use super::hints;
use super::responses;
use super::value::{Vals, Value, extend, push, unknown};

/// `os.environ[key]`, `os.getenv(key)`: the environment variable when the key is known.
pub fn env_var(key: &Vals) -> Vals {
    let mut out = Vec::new();
    for k in key {
        match k {
            Value::Str(h) => match h.as_literal() {
                Some(name) => push(&mut out, Value::Str(Hint::env(name))),
                None => push(&mut out, Value::Unknown("environment variable".into())),
            },
            _ => push(&mut out, Value::Unknown("environment variable".into())),
        }
    }
    if out.is_empty() {
        unknown("environment variable")
    } else {
        out
    }
}

fn literal(vals: &Vals) -> Option<String> {
    vals.iter().find_map(|v| match v {
        Value::Str(h) => h.as_literal().map(str::to_string),
        Value::Lit(s) => Some(s.clone()),
        _ => None,
    })
}

/// A call of something outside the function, by dotted name.
pub fn call(env: &Env<'_>, name: &str, args: &Args) -> Vals {
    let arg0 = args.positional.first();
    match name {
        "os.getenv" | "os.environ.get" | "os.environ.setdefault" | "environ.get" => arg0
            .or(args.keyword("key"))
            .map(env_var)
            .unwrap_or_else(|| unknown(name)),
        "os.path.join" | "posixpath.join" => hints::join(&vec![Value::Str(Hint::literal("/"))], &args.positional, name),
        "getattr" => {
            let (Some(obj), Some(attr)) = (arg0, args.positional.get(1)) else {
                return unknown(name);
            };
            let mut out = Vec::new();
            match literal(attr).filter(|_| attr.len() == 1) {
                Some(a) => {
                    for v in obj {
                        extend(&mut out, env.attr(v, &a));
                    }
                }
                None => {
                    for v in obj {
                        if v.is_sdk() {
                            push(&mut out, Value::Dynamic(Box::new(v.clone())));
                        }
                    }
                }
            }
            if let Some(default) = args.positional.get(2) {
                extend(&mut out, default.iter().cloned());
            }
            if out.is_empty() { unknown("getattr") } else { out }
        }
        "str" => match arg0 {
            Some(v) => hints::strs(hints::piece_hints(v, "str()")),
            None => vec![Value::Str(Hint::literal(""))],
        },
        "dict" => {
            let mut entries = Vec::new();
            let mut open = false;
            if let Some(v) = arg0 {
                for d in v {
                    match d {
                        Value::Dict(e, o) => {
                            entries.extend(e.iter().cloned());
                            open |= o;
                        }
                        _ => open = true,
                    }
                }
            }
            for (k, v) in &args.keywords {
                entries.push((vec![Value::Str(Hint::literal(k.clone()))], v.clone()));
            }
            vec![Value::Dict(entries, open || !args.double_star.is_empty())]
        }
        "list" | "tuple" | "set" | "frozenset" | "sorted" | "reversed" => match arg0 {
            Some(v) if v.iter().all(|x| matches!(x, Value::List(..))) => v.clone(),
            Some(v) => vec![Value::List(vec![env.iterate(v)], true)],
            None => vec![Value::List(Vec::new(), false)],
        },
        "enumerate" => match arg0 {
            Some(v) => {
                let pair = Value::List(vec![unknown("index"), env.iterate(v)], false);
                vec![Value::List(vec![vec![pair]], true)]
            }
            None => unknown(name),
        },
        "next" => arg0.map(|v| env.iterate(v)).unwrap_or_else(|| unknown(name)),
        "iter" | "urllib.parse.unquote_plus" | "urllib.parse.unquote" | "urllib.parse.quote" | "parse.unquote_plus" => {
            arg0.cloned().unwrap_or_else(|| unknown(name))
        }
        _ => unknown(format!("{name}()")),
    }
}

/// A method of a plain value: string formatting, dict lookups, response navigation.
pub fn method(recv: &Value, m: &str, args: &Args) -> Vals {
    let arg0 = args.positional.first();
    let what = format!(".{m}()");
    match recv {
        Value::Str(h) => match m {
            "format" => hints::brace_format(h, &args.positional, &args.keywords, &what),
            "join" => match arg0 {
                Some(items) => {
                    let mut out = Vec::new();
                    for v in items {
                        match v {
                            Value::List(elements, false) => {
                                extend(&mut out, hints::join(&vec![recv.clone()], elements, &what))
                            }
                            _ => push(&mut out, Value::Str(Hint::unknown(what.clone()))),
                        }
                    }
                    out
                }
                None => unknown(what),
            },
            "split" | "rsplit" | "splitlines" | "partition" | "rpartition" => {
                vec![Value::List(vec![vec![Value::Str(Hint::unknown(what))]], true)]
            }
            _ => {
                let literal_args: Vec<Option<String>> = args.positional.iter().map(literal).collect();
                match hints::string_method(h, m, &literal_args) {
                    Some(h) => vec![Value::Str(h)],
                    None => unknown(what),
                }
            }
        },
        Value::Dict(entries, open) => match m {
            "get" | "pop" | "setdefault" => {
                let mut out = arg0
                    .map(|k| dict_get(entries, *open, k))
                    .unwrap_or_else(|| unknown(&what));
                if let Some(default) = args.positional.get(1) {
                    out.retain(|v| !matches!(v, Value::Unknown(_)));
                    extend(&mut out, default.iter().cloned());
                }
                out
            }
            "items" => {
                let pairs = entries
                    .iter()
                    .map(|(k, v)| vec![Value::List(vec![k.clone(), v.clone()], false)])
                    .collect();
                vec![Value::List(pairs, *open)]
            }
            "keys" => vec![Value::List(entries.iter().map(|(k, _)| k.clone()).collect(), *open)],
            "values" => vec![Value::List(entries.iter().map(|(_, v)| v.clone()).collect(), *open)],
            "copy" => vec![recv.clone()],
            _ => unknown(what),
        },
        Value::List(..) if m == "copy" => vec![recv.clone()],
        Value::Response(r) => match m {
            "get" => {
                let key = arg0.and_then(literal).unwrap_or_else(|| "[]".into());
                let mut out = responses::step(r, &key);
                if let Some(default) = args.positional.get(1) {
                    extend(&mut out, default.iter().cloned());
                }
                out
            }
            "items" | "values" => vec![Value::List(vec![responses::step(r, "[]")], true)],
            _ => unknown(what),
        },
        _ => unknown(what),
    }
}

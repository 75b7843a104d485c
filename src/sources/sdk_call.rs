//! The one model of an SDK call that every language analyser produces: which service
//! and operation, the resource-naming parameters it passes (as hints), and where.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::sources::limits;

/// One piece of a resource name as the code builds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Piece {
    /// Text the code spells out.
    Literal(String),
    /// The value of an environment variable.
    Env(String),
    /// Something computed at run time (`{user}` in an f-string, a function argument).
    Unknown(String),
}

/// Why a piece is unknown when the code built a string past [`limits::MAX_VALUE_BYTES`].
const TOO_LONG: &str = "a string longer than 65536 bytes";

/// What the code says about one parameter's value: a concatenation of pieces.
/// `"orders"` is one literal; `os.environ["TABLE"]` one env var;
/// `f"uploads/{user}/a.png"` a literal, an unknown and a literal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hint {
    pub pieces: Vec<Piece>,
}

impl Hint {
    pub fn literal(s: impl Into<String>) -> Hint {
        Hint {
            pieces: vec![Piece::Literal(s.into())],
        }
    }

    pub fn env(name: impl Into<String>) -> Hint {
        Hint {
            pieces: vec![Piece::Env(name.into())],
        }
    }

    pub fn unknown(why: impl Into<String>) -> Hint {
        Hint {
            pieces: vec![Piece::Unknown(why.into())],
        }
    }

    /// The unknown piece a concatenation past [`limits::MAX_VALUE_BYTES`] leaves.
    pub fn too_long() -> Hint {
        Hint::unknown(TOO_LONG)
    }

    /// Whether a piece of this hint is a string that grew past the cap.
    pub fn is_too_long(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Unknown(w) if w == TOO_LONG))
    }

    /// Joins hints as string concatenation does, merging adjacent literals. A result past
    /// [`limits::MAX_VALUE_BYTES`] (or as many pieces) is unknown: code that doubles a
    /// string over and over costs bounded memory.
    pub fn concat(parts: impl IntoIterator<Item = Hint>) -> Hint {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut len = 0usize;
        for part in parts {
            for piece in part.pieces {
                len += match &piece {
                    Piece::Literal(s) | Piece::Env(s) | Piece::Unknown(s) => s.len().max(1),
                };
                if len > limits::MAX_VALUE_BYTES {
                    return Hint::too_long();
                }
                match (pieces.last_mut(), piece) {
                    (Some(Piece::Literal(prev)), Piece::Literal(next)) => prev.push_str(&next),
                    (_, piece) => pieces.push(piece),
                }
            }
        }
        Hint { pieces }
    }

    /// The whole value when the code spells it out.
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Literal(s)] => Some(s),
            [] => Some(""),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Unknown(_)))
    }

    /// A readable form: `uploads/{?}/a.png`, `${env:TABLE}`.
    pub fn display(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(s) => s.clone(),
                Piece::Env(n) => format!("${{env:{n}}}"),
                Piece::Unknown(_) => "*".to_string(),
            })
            .collect()
    }
}

/// How the call reaches the operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A client method or command.
    Direct,
    Paginator,
    Waiter,
    /// A presigned URL: the signer's role needs the signed operation's permission.
    Presign,
    /// A high-level helper (managed transfer, DocumentClient, resource API...).
    Helper(String),
}

/// One element of a multi-part request (a TransactWriteItems item, a BatchWriteItem
/// request), with its own kind and parameters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Element {
    /// `Put`, `Update`, `Delete`, `ConditionCheck`, `PutRequest`, `Get`, ...
    pub kind: String,
    pub params: BTreeMap<String, Vec<Hint>>,
}

/// An SDK call found in a function's code.
///
/// Conventions every analyser follows so the evidence stage treats calls alike:
/// - `operation` is the API name (`PutObject`), whatever the SDK spelling.
/// - Batch requests keyed by table (`BatchWriteItem`, `BatchGetItem`) put each key of
///   `RequestItems` as a `TableName` hint; `TransactWriteItems` / `TransactGetItems`
///   put one [`Element`] per item (`kind` = `Put`/`Update`/`Delete`/`ConditionCheck`/`Get`,
///   params from the item, e.g. `TableName`).
/// - A helper that issues several operations (a managed upload) yields one call per
///   operation, `via = Helper(name)`, the path-dependent ones `possible`.
/// - A presigned URL is a call of the signed operation with `via = Presign`.
/// - Parameters that are present but not statically known get an unknown hint, so
///   presence (for parameter-conditional actions) stays visible.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SdkCall {
    /// boto3 service name (`s3`, `dynamodb`, `stepfunctions`).
    pub service: String,
    /// API operation name (`PutObject`).
    pub operation: String,
    /// Input member → the values the code may pass (several when it loops over a list).
    pub params: BTreeMap<String, Vec<Hint>>,
    /// Members may be passed that the analyser cannot see (`**kwargs`, `...spread`).
    pub open_params: bool,
    pub elements: Vec<Element>,
    pub via: Via,
    /// The operation is issued only on some paths (a multipart upload's abort).
    pub possible: bool,
    /// The client uses credentials the code obtained itself (an STS AssumeRole
    /// session): its calls belong to that role, not the function's.
    pub foreign_credentials: bool,
    /// Nothing reachable from the handler calls the code holding this call.
    pub unreachable: bool,
    /// How the handler reaches the code holding this call: the handler first, then each
    /// function on the way (empty when the handler is not known).
    pub path: Vec<Hop>,
    pub file: PathBuf,
    pub line: u32,
    /// The call as written, shortened (`table.put_item`).
    pub call: String,
}

impl SdkCall {
    pub fn new(service: &str, operation: &str, file: PathBuf, line: u32, call: String) -> SdkCall {
        SdkCall {
            service: service.to_string(),
            operation: operation.to_string(),
            params: BTreeMap::new(),
            open_params: false,
            elements: Vec::new(),
            via: Via::Direct,
            possible: false,
            foreign_credentials: false,
            unreachable: false,
            path: Vec::new(),
            file,
            line,
            call,
        }
    }

    /// Orders calls as their derived order does, leaving out the chain that reaches
    /// them: two calls equal here are one call reached two ways.
    pub fn cmp_place(&self, other: &SdkCall) -> std::cmp::Ordering {
        fn key(c: &SdkCall) -> impl Ord + '_ {
            (
                &c.service,
                &c.operation,
                &c.params,
                c.open_params,
                &c.elements,
                &c.via,
                c.possible,
                c.foreign_credentials,
                c.unreachable,
                &c.file,
                c.line,
                &c.call,
            )
        }
        key(self).cmp(&key(other))
    }

    pub fn param(&self, member: &str) -> Option<&[Hint]> {
        self.params.get(member).map(Vec::as_slice)
    }
}

/// One step from a handler to an SDK call: a function (or a module's top-level code)
/// and where it is defined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Hop {
    /// `create`, `UserService.remove`, `<module lib/db.py>`.
    pub name: String,
    pub file: PathBuf,
    pub line: u32,
}

impl Hop {
    /// `create (src/users.py:12)`.
    pub fn display(&self) -> String {
        format!("{} ({}:{})", self.name, self.file.display(), self.line)
    }
}

/// Which code of a function's files counts as its entry.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    /// Every handler of the entry files (no definition names one): Python functions
    /// shaped `(event, context)`, every JavaScript export.
    Handlers,
    /// The handler the definition names (`users.create` → `create`).
    Symbol(&'a str),
}

impl<'a> Entry<'a> {
    /// The entry for a handler name, or every handler without one.
    pub fn of(handler: Option<&'a str>) -> Entry<'a> {
        handler.map_or(Entry::Handlers, Entry::Symbol)
    }
}

/// Longest piece of source text a message quotes.
const MAX_SHOWN: usize = 80;

/// Source text as a message may quote it: one line, printable characters only, at most
/// `MAX_SHOWN` characters (a file's contents never reach the output whole).
pub fn shown_name(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_SHOWN)
        .collect();
    if text.chars().count() > MAX_SHOWN {
        out.push('…');
    }
    out
}

/// Which language a function is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Javascript,
    Typescript,
}

impl Language {
    pub fn from_path(path: &std::path::Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "py" => Some(Language::Python),
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::Javascript),
            "ts" | "mts" | "cts" | "tsx" => Some(Language::Typescript),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
            Language::Typescript => "typescript",
        }
    }
}

/// What a language analyser found in one function's code.
#[derive(Debug, Default, Clone)]
pub struct CodeFacts {
    pub calls: Vec<SdkCall>,
    pub diagnostics: Vec<crate::diagnostics::Diagnostic>,
    pub files: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_merges_literals() {
        let h = Hint::concat([
            Hint::literal("uploads/"),
            Hint::unknown("user"),
            Hint::literal("/a"),
            Hint::literal(".png"),
        ]);
        assert_eq!(h.display(), "uploads/*/a.png");
        assert_eq!(h.pieces.len(), 3);
        assert_eq!(
            Hint::concat([Hint::literal("a"), Hint::literal("b")]).as_literal(),
            Some("ab")
        );
    }
}

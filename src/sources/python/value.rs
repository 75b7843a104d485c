//! What an expression may be at run time, as far as the analysis knows: a string built
//! from hints, a boto3 client or resource, a local function, a response... Expressions
//! evaluate to a small set of such values ([`Vals`]).

use std::collections::BTreeMap;

use crate::sources::Hint;

use super::scopes::ScopeId;

/// At most this many alternatives per expression (a loop over a long literal list).
pub const MAX_VALUES: usize = 24;

/// The credentials a client signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Creds {
    /// Credentials the code obtained itself (STS AssumeRole, explicit keys).
    pub foreign: bool,
}

/// A low-level client. `service` is `None` when computed at run time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Client {
    pub service: Option<String>,
    pub creds: Creds,
}

/// A resource-API object: the service resource (`rtype = None`) or a resource with
/// its identifiers (`Table` with `Name`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Res {
    pub service: String,
    pub rtype: Option<String>,
    /// Identifier name → what the code gave for it.
    pub ids: BTreeMap<String, Vec<Hint>>,
    pub creds: Creds,
}

/// A resource collection (`bucket.objects`), before (`started = false`) or after
/// `.all()` / `.filter()`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Collection {
    pub parent: Res,
    /// The `hasMany` name (`Objects`).
    pub name: String,
    pub started: bool,
    /// Filter arguments (`Prefix`).
    pub params: BTreeMap<String, Vec<Hint>>,
}

/// A response (or part of one) of an operation: keeps the request's parameters so
/// that values derived from them (`GetQueueUrl` → `QueueUrl`) stay known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Response {
    pub service: String,
    pub operation: String,
    pub params: BTreeMap<String, Vec<Hint>>,
    /// JMESPath-like path into the response: `Contents[].Key`.
    pub path: String,
    /// The operation issues credentials (STS AssumeRole): values read from it are foreign.
    pub credentials: bool,
}

/// An aws-lambda-powertools provider (`DynamoDBProvider(table_name="t")`) and the
/// members its constructor fixed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Provider {
    pub class: String,
    pub config: BTreeMap<String, Vec<Hint>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Unknown(String),
    /// A string value.
    Str(Hint),
    /// A number, boolean or other literal, as written.
    Lit(String),
    NoneVal,
    /// A list, tuple or set; `open` when elements may exist that are not listed.
    List(Vec<Vals>, bool),
    /// A dict: (key, value) entries; `open` when keys may exist that are not listed.
    Dict(Vec<(Vals, Vals)>, bool),
    /// Something outside the function by its dotted name (`boto3.client`, `os.environ`).
    Ext(String),
    Session(Creds),
    Client(Client),
    Res(Res),
    Collection(Collection),
    Paginator(Client, String),
    Waiter(Client, String),
    /// `Table.batch_writer()`: writes go out as BatchWriteItem.
    BatchWriter(Res),
    Response(Response),
    Provider(Provider),
    /// A value derived from credentials the code obtained (an AssumeRole response).
    ForeignSecret,
    /// `recv.name` not yet called.
    Method(Box<Value>, String),
    /// `client.meta` / `resource.meta`.
    Meta(Box<Value>),
    /// `getattr(client, name)` with a name not known statically.
    Dynamic(Box<Value>),
    Func(ScopeId),
    Class(ScopeId),
    Instance(ScopeId),
    Module(String),
}

/// The alternatives an expression may evaluate to.
pub type Vals = Vec<Value>;

pub fn unknown(why: impl Into<String>) -> Vals {
    vec![Value::Unknown(why.into())]
}

/// Adds `v` unless present; past [`MAX_VALUES`] further values are dropped.
pub fn push(vals: &mut Vals, v: Value) {
    if vals.len() < MAX_VALUES && !vals.contains(&v) {
        vals.push(v);
    }
}

pub fn extend(vals: &mut Vals, more: impl IntoIterator<Item = Value>) {
    for v in more {
        push(vals, v);
    }
}

impl Value {
    /// The string hint this value gives when used as a parameter.
    pub fn hint(&self, what: &str) -> Hint {
        match self {
            Value::Str(h) => h.clone(),
            Value::Lit(s) => Hint::literal(s.clone()),
            Value::Unknown(why) if !why.is_empty() => Hint::unknown(why.clone()),
            _ => Hint::unknown(what),
        }
    }

    pub fn is_sdk(&self) -> bool {
        matches!(
            self,
            Value::Client(_)
                | Value::Res(_)
                | Value::Collection(_)
                | Value::Paginator(..)
                | Value::Waiter(..)
                | Value::BatchWriter(_)
                | Value::Session(_)
        )
    }
}

/// The string hints of a set of values (non-strings become unknown pieces).
pub fn hints_of(vals: &Vals, what: &str) -> Vec<Hint> {
    let mut out: Vec<Hint> = Vec::new();
    for v in vals {
        let h = v.hint(what);
        if !out.contains(&h) {
            out.push(h);
        }
    }
    if out.is_empty() {
        out.push(Hint::unknown(what));
    }
    out
}

//! What an expression may evaluate to: plain data (strings as hints), local code
//! (functions, classes, modules, object literals), or a piece of the AWS SDK (a client, a
//! command, a helper, a response).

use tree_sitter::Node;

use crate::sources::Hint;

/// Index of a parsed file in the function's module graph.
pub type FileId = usize;

/// Most alternatives kept for one expression; more are dropped (hints get an unknown).
pub const MAX_ALTERNATIVES: usize = 32;

/// An environment: the arguments of one evaluated call of a local function (an index
/// into the evaluator's arena), so values built inside it keep them.
pub type EnvId = u32;

/// A node, the file it is in, and the call environment it is evaluated in.
#[derive(Debug, Clone, Copy)]
pub struct At<'t> {
    pub file: FileId,
    pub node: Node<'t>,
    pub env: Option<EnvId>,
}

impl PartialEq for At<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file && self.node.id() == other.node.id() && self.env == other.env
    }
}

impl<'t> At<'t> {
    pub fn new(file: FileId, node: Node<'t>) -> At<'t> {
        At { file, node, env: None }
    }

    /// Another node of the same file, in the same environment.
    pub fn with(self, node: Node<'t>) -> At<'t> {
        At {
            file: self.file,
            node,
            env: self.env,
        }
    }

    pub fn key(self) -> (FileId, usize) {
        (self.file, self.node.id())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'t> {
    Unknown,
    /// A string, as the pieces the code builds it from.
    Str(Hint),
    /// A number, boolean or null, as written.
    Lit(String),
    /// An object literal.
    Object(At<'t>),
    /// An array: its possible elements, in order when `exact`.
    List {
        items: Vec<Value<'t>>,
        exact: bool,
    },
    Function(At<'t>),
    Class(At<'t>),
    /// An instance of a local class.
    Instance(At<'t>),
    /// A TypeScript `enum`.
    Enum(At<'t>),
    /// A local module's namespace.
    Module(FileId),
    Process,
    /// `process.env`.
    Env,
    Sdk(Sdk<'t>),
}

/// How a client was made, which decides what its methods mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// `new AWS.S3()`: methods are operations, `.promise()` or a callback runs them.
    V2,
    /// `new S3Client()`: only `send(command)`.
    V3,
    /// `new S3()` from a v3 package: `send` and operation methods.
    V3Aggregate,
    /// `new AWS.DynamoDB.DocumentClient()`.
    DocumentV2,
    /// `DynamoDBDocumentClient.from(...)`: `send` with lib-dynamodb commands.
    DocumentV3,
    /// `DynamoDBDocument.from(...)`: `send` and DocumentClient-style methods.
    DocumentV3Full,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Client<'t> {
    pub service: String,
    pub kind: ClientKind,
    /// Built with credentials the code obtained itself (an assumed role).
    pub foreign: bool,
    /// v2 `params` given to the constructor: bound to every call.
    pub bound: Option<At<'t>>,
}

/// A command class: `GetObjectCommand`, lib-dynamodb `PutCommand`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub service: String,
    /// The API operation, `None` when the catalog does not know the class.
    pub operation: Option<String>,
    pub class: String,
    /// From `@aws-sdk/lib-dynamodb`.
    pub lib: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Sdk<'t> {
    /// `require("aws-sdk")`.
    V2Root,
    /// `AWS.S3`: a v2 service class.
    V2Class(String),
    V2DocumentClientClass,
    V2ManagedUploadClass,
    /// `AWS.Credentials`: foreign when built from an STS response.
    V2CredentialsClass,
    /// `AWS.TemporaryCredentials` and other providers that assume a role, by class name.
    V2AssumingCredentialsClass(String),
    /// `AWS.config`, `AWS.util`...: no calls.
    V2Member(String),
    /// `@aws-sdk/client-x`, by service.
    V3Package(String),
    V3ClientClass {
        service: String,
        aggregate: bool,
    },
    CommandClass(Command),
    /// `new XCommand(input)` at `at`.
    Command {
        command: Command,
        input: Option<At<'t>>,
        at: At<'t>,
    },
    Paginator {
        service: String,
        operation: Option<String>,
        name: String,
        lib: bool,
    },
    Waiter {
        service: String,
        operation: Option<String>,
        name: String,
    },
    LibDynamoDb,
    /// `DynamoDBDocumentClient` (`full` = `DynamoDBDocument`).
    DocumentClass {
        full: bool,
    },
    /// `DynamoDBDocumentClient.from`.
    DocumentFrom {
        full: bool,
    },
    LibStorage,
    UploadClass,
    /// `new Upload(...)` / `new AWS.S3.ManagedUpload(...)` at `at`.
    Upload {
        at: At<'t>,
        v2: bool,
    },
    Presigner,
    GetSignedUrl,
    PresignedPost,
    CreatePresignedPost,
    CredentialProviders,
    /// `fromTemporaryCredentials` and friends, by name.
    AssumingCredentialsFn(String),
    /// Credentials of another principal.
    ForeignCredentials,
    /// X-Ray / Powertools: `captureAWS(x)` returns `x`.
    Tracer,
    CaptureFn,
    Client(Client<'t>),
    /// `client.method` before it is called.
    Method {
        client: Client<'t>,
        name: String,
    },
    /// The response (or request) of an operation, with the call's input when known.
    Result {
        service: String,
        operation: String,
        input: Option<At<'t>>,
    },
    /// A Powertools parameters or idempotency module, and what it exports.
    Powertools,
    PowertoolsFn(String),
    PowertoolsClass(String),
    /// `new SSMProvider(...)` at `at`, and one of its methods.
    PowertoolsProvider {
        class: String,
        at: At<'t>,
    },
    PowertoolsMethod {
        class: String,
        name: String,
        at: At<'t>,
    },
    /// A `@aws-sdk/client-x` package the catalog does not know.
    UnknownService(String),
    /// Anything else an SDK package exports (exceptions, types, utilities).
    Other(String),
}

impl<'t> Value<'t> {
    pub fn client(&self) -> Option<&Client<'t>> {
        match self {
            Value::Sdk(Sdk::Client(c)) => Some(c),
            _ => None,
        }
    }
}

/// Adds `value` unless present, keeping at most [`MAX_ALTERNATIVES`].
pub fn push_unique<'t>(out: &mut Vec<Value<'t>>, value: Value<'t>) {
    if out.len() < MAX_ALTERNATIVES && !out.contains(&value) {
        out.push(value);
    }
}

pub fn extend_unique<'t>(out: &mut Vec<Value<'t>>, values: impl IntoIterator<Item = Value<'t>>) {
    for v in values {
        push_unique(out, v);
    }
}

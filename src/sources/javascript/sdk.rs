//! What the AWS SDK packages export: `aws-sdk` (v2), `@aws-sdk/client-*` (v3), lib-dynamodb,
//! lib-storage, the presigners, the credential providers; and what a member of each is.

use crate::catalog::{Catalog, helpers};

use super::values::{Client, ClientKind, Command, Sdk, Value};

/// v2 `AWS.*` classes that provide another principal's credentials.
const V2_ASSUMING_CREDENTIALS: &[&str] = &[
    "TemporaryCredentials",
    "ChainableTemporaryCredentials",
    "WebIdentityCredentials",
    "CognitoIdentityCredentials",
    "SAMLCredentials",
];

/// v3 credential providers that assume a role or use a Cognito identity.
const V3_ASSUMING_PROVIDERS: &[&str] = &[
    "fromTemporaryCredentials",
    "fromCognitoIdentity",
    "fromCognitoIdentityPool",
    "fromWebToken",
    "fromTokenFile",
];

/// STS and Cognito Identity operations whose response carries credentials.
pub const CREDENTIAL_OPERATIONS: &[(&str, &str)] = &[
    ("sts", "AssumeRole"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "AssumeRoleWithSAML"),
    ("sts", "GetSessionToken"),
    ("sts", "GetFederationToken"),
    ("cognito-identity", "GetCredentialsForIdentity"),
];

/// The value a package specifier imports as a whole, `None` for non-SDK packages.
pub fn package(spec: &str, catalog: &Catalog) -> Option<Sdk<'static>> {
    match spec {
        "aws-sdk" | "aws-sdk/global" | "aws-sdk/lib/aws" | "aws-sdk/lib/core" => return Some(Sdk::V2Root),
        "aws-sdk/lib/dynamodb/document_client" | "aws-sdk/clients/dynamodb/document_client" => {
            return Some(Sdk::V2DocumentClientClass);
        }
        "@aws-sdk/lib-dynamodb" => return Some(Sdk::LibDynamoDb),
        "@aws-sdk/lib-storage" => return Some(Sdk::LibStorage),
        "@aws-sdk/s3-request-presigner" => return Some(Sdk::Presigner),
        "@aws-sdk/s3-presigned-post" => return Some(Sdk::PresignedPost),
        "aws-xray-sdk" | "aws-xray-sdk-core" | "@aws-lambda-powertools/tracer" => return Some(Sdk::Tracer),
        _ => {}
    }
    if spec.starts_with("@aws-lambda-powertools/parameters") || spec.starts_with("@aws-lambda-powertools/idempotency") {
        return Some(Sdk::Powertools);
    }
    if let Some(name) = spec.strip_prefix("aws-sdk/clients/") {
        let name = name.trim_end_matches(".js");
        let found = catalog
            .services()
            .find(|(_, e)| e.v2_class.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(name)))
            .map(|(s, _)| s.to_string());
        return Some(found.map_or_else(|| Sdk::UnknownService(spec.to_string()), Sdk::V2Class));
    }
    if spec.starts_with("@aws-sdk/client-") {
        return Some(match catalog.service_for_v3_package(spec) {
            Some(service) => Sdk::V3Package(service.to_string()),
            None => Sdk::UnknownService(spec.to_string()),
        });
    }
    if spec == "@aws-sdk/credential-providers" || spec.starts_with("@aws-sdk/credential-provider") {
        return Some(Sdk::CredentialProviders);
    }
    if spec.starts_with("@aws-sdk/") || spec.starts_with("aws-sdk/") {
        return Some(Sdk::Other(spec.to_string()));
    }
    None
}

/// `value.name` for a piece of the SDK.
pub fn member<'t>(sdk: &Sdk<'t>, name: &str, catalog: &Catalog) -> Value<'t> {
    let v = match sdk {
        Sdk::V2Root => v2_member(name, catalog),
        Sdk::V2Class(service) => match (service.as_str(), name) {
            ("dynamodb", "DocumentClient") => Sdk::V2DocumentClientClass,
            ("s3", "ManagedUpload") => Sdk::V2ManagedUploadClass,
            _ => Sdk::V2Member(name.to_string()),
        },
        Sdk::V3Package(service) => v3_member(service, name, catalog),
        Sdk::LibDynamoDb => lib_dynamodb_member(name, catalog),
        Sdk::LibStorage if name == "Upload" => Sdk::UploadClass,
        Sdk::Presigner if name == "getSignedUrl" => Sdk::GetSignedUrl,
        Sdk::PresignedPost if name == "createPresignedPost" => Sdk::CreatePresignedPost,
        Sdk::CredentialProviders if V3_ASSUMING_PROVIDERS.contains(&name) => {
            Sdk::AssumingCredentialsFn(name.to_string())
        }
        Sdk::Tracer if name.starts_with("captureAWS") => Sdk::CaptureFn,
        Sdk::Tracer => Sdk::Tracer,
        Sdk::Powertools => super::powertools::member(name),
        Sdk::PowertoolsProvider { class, at } => Sdk::PowertoolsMethod {
            class: class.clone(),
            name: name.to_string(),
            at: *at,
        },
        Sdk::DocumentClass { full } if name == "from" => Sdk::DocumentFrom { full: *full },
        Sdk::Client(client) => Sdk::Method {
            client: client.clone(),
            name: name.to_string(),
        },
        Sdk::Result { service, operation, .. } => Sdk::Result {
            service: service.clone(),
            operation: operation.clone(),
            input: None,
        },
        Sdk::UnknownService(spec) => Sdk::UnknownService(spec.clone()),
        Sdk::ForeignCredentials => Sdk::ForeignCredentials,
        _ => return Value::Unknown,
    };
    Value::Sdk(v)
}

fn v2_member(name: &str, catalog: &Catalog) -> Sdk<'static> {
    if name == "Credentials" {
        return Sdk::V2CredentialsClass;
    }
    if V2_ASSUMING_CREDENTIALS.contains(&name) {
        return Sdk::V2AssumingCredentialsClass(name.to_string());
    }
    match catalog.service_for_v2_class(name) {
        Some(service) => Sdk::V2Class(service.to_string()),
        None => Sdk::V2Member(name.to_string()),
    }
}

fn v3_member(service: &str, name: &str, catalog: &Catalog) -> Sdk<'static> {
    let entry = catalog.service(service);
    if entry.and_then(|e| e.v3_client.as_deref()) == Some(name) || (name.ends_with("Client") && name.len() > 6) {
        return Sdk::V3ClientClass {
            service: service.to_string(),
            aggregate: false,
        };
    }
    if entry.and_then(|e| e.v3_aggregate.as_deref()) == Some(name) {
        return Sdk::V3ClientClass {
            service: service.to_string(),
            aggregate: true,
        };
    }
    if let Some(op) = name.strip_suffix("Command").filter(|op| !op.is_empty()) {
        let operation = catalog.operation(service, op).map(|(api, _)| api.to_string());
        return Sdk::CommandClass(Command {
            service: service.to_string(),
            operation,
            class: name.to_string(),
            lib: false,
        });
    }
    if let Some(p) = name
        .strip_prefix("paginate")
        .filter(|p| p.starts_with(char::is_uppercase))
    {
        let operation = catalog
            .paginator(service, p)
            .map(str::to_string)
            .or_else(|| catalog.operation(service, p).map(|(api, _)| api.to_string()));
        return Sdk::Paginator {
            service: service.to_string(),
            operation,
            name: name.to_string(),
            lib: false,
        };
    }
    let waiter = name.strip_prefix("waitUntil").or_else(|| name.strip_prefix("waitFor"));
    if let Some(w) = waiter.filter(|w| w.starts_with(char::is_uppercase)) {
        let operation = catalog.waiter(service, w).map(str::to_string);
        return Sdk::Waiter {
            service: service.to_string(),
            operation,
            name: name.to_string(),
        };
    }
    Sdk::Other(name.to_string())
}

fn lib_dynamodb_member(name: &str, catalog: &Catalog) -> Sdk<'static> {
    match name {
        "DynamoDBDocumentClient" => return Sdk::DocumentClass { full: false },
        "DynamoDBDocument" => return Sdk::DocumentClass { full: true },
        _ => {}
    }
    if let Some(op) = helpers::lib_dynamodb_command(name) {
        let operation = Some(catalog.operation("dynamodb", op).map_or(op, |(api, _)| api).to_string());
        return Sdk::CommandClass(Command {
            service: "dynamodb".into(),
            operation,
            class: name.to_string(),
            lib: true,
        });
    }
    if let Some((_, op)) = helpers::LIB_DYNAMODB_PAGINATORS.iter().find(|(p, _)| *p == name) {
        return Sdk::Paginator {
            service: "dynamodb".into(),
            operation: Some((*op).to_string()),
            name: name.to_string(),
            lib: true,
        };
    }
    Sdk::Other(name.to_string())
}

/// A client made by `new Class(config)`: the class decides the kind.
pub fn client_of_class<'t>(class: &Sdk<'t>) -> Option<(String, ClientKind)> {
    match class {
        Sdk::V2Class(service) => Some((service.clone(), ClientKind::V2)),
        Sdk::V2DocumentClientClass => Some(("dynamodb".into(), ClientKind::DocumentV2)),
        Sdk::V3ClientClass {
            service,
            aggregate: false,
        } => Some((service.clone(), ClientKind::V3)),
        Sdk::V3ClientClass {
            service,
            aggregate: true,
        } => Some((service.clone(), ClientKind::V3Aggregate)),
        Sdk::DocumentClass { full: false } | Sdk::DocumentFrom { full: false } => {
            Some(("dynamodb".into(), ClientKind::DocumentV3))
        }
        Sdk::DocumentClass { full: true } | Sdk::DocumentFrom { full: true } => {
            Some(("dynamodb".into(), ClientKind::DocumentV3Full))
        }
        _ => None,
    }
}

pub fn new_client<'t>(service: String, kind: ClientKind) -> Client<'t> {
    Client {
        service,
        kind,
        foreign: false,
        bound: None,
    }
}

/// Whether an operation's response carries credentials of another principal.
pub fn yields_credentials(service: &str, operation: &str) -> bool {
    CREDENTIAL_OPERATIONS
        .iter()
        .any(|(s, o)| *s == service && *o == operation)
}

/// Client methods that are not operations and issue nothing themselves.
pub fn is_plain_client_method(kind: ClientKind, name: &str) -> bool {
    const COMMON: &[&str] = &[
        "config",
        "destroy",
        "middlewareStack",
        "on",
        "makeRequest",
        "makeUnauthenticatedRequest",
        "setupRequestListeners",
        "defineService",
        "endpoint",
        "api",
        "customizeRequests",
        "waiterStateMachine",
        "paginationConfig",
        "bind",
        "constructor",
        "options",
        "service",
        "createSet",
        "translateInput",
        "translateOutput",
    ];
    let _ = kind;
    COMMON.contains(&name)
}

//! SDK helpers that are not API operations, and the operations each one issues.
//!
//! One reviewed table per helper family. Operations are API names in the service's
//! `service-catalog/data/sdk/<service>.json`; `possible` operations are issued only on
//! some paths (a multipart upload that aborts) and are reported, not granted.

/// A helper method and what it issues.
#[derive(Debug, Clone, Copy)]
pub struct Helper {
    /// boto3 service name.
    pub service: &'static str,
    /// Method name as the SDK spells it.
    pub method: &'static str,
    /// Operations every call issues (as far as the permission check goes).
    pub operations: &'static [&'static str],
    /// Operations issued only on some paths.
    pub possible: &'static [&'static str],
    /// Positional argument → input member, for the helper's documented signature.
    pub args: &'static [&'static str],
    /// The operation whose input describes the copy *source* (CopySource), if any.
    pub copy_source: bool,
}

const UPLOAD: &[&str] = &[
    "PutObject",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
];
const ABORT: &[&str] = &["AbortMultipartUpload"];
const DOWNLOAD: &[&str] = &["HeadObject", "GetObject"];

/// boto3's injected S3 transfer methods on the client (`boto3/s3/inject.py`).
/// The same methods exist on `Bucket` (without the Bucket argument) and `Object`
/// (without Bucket and Key); the Python analyser drops the leading members.
pub const BOTO3_S3_TRANSFERS: &[Helper] = &[
    Helper {
        service: "s3",
        method: "upload_file",
        operations: UPLOAD,
        possible: ABORT,
        args: &["Filename", "Bucket", "Key"],
        copy_source: false,
    },
    Helper {
        service: "s3",
        method: "upload_fileobj",
        operations: UPLOAD,
        possible: ABORT,
        args: &["Fileobj", "Bucket", "Key"],
        copy_source: false,
    },
    Helper {
        service: "s3",
        method: "download_file",
        operations: DOWNLOAD,
        possible: &[],
        args: &["Bucket", "Key", "Filename"],
        copy_source: false,
    },
    Helper {
        service: "s3",
        method: "download_fileobj",
        operations: DOWNLOAD,
        possible: &[],
        args: &["Bucket", "Key", "Fileobj"],
        copy_source: false,
    },
    Helper {
        service: "s3",
        method: "copy",
        operations: &["CopyObject"],
        possible: &[
            "UploadPartCopy",
            "CreateMultipartUpload",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
        ],
        args: &["CopySource", "Bucket", "Key"],
        copy_source: true,
    },
];

/// A resource type boto3 injects the S3 transfer methods into: (service, type, the
/// input members its identifiers fill as (member, identifier)).
pub type TransferResource = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// Resource types boto3 injects the S3 transfer methods into, and the input members
/// their identifiers fill (so the methods take the remaining arguments).
pub const BOTO3_TRANSFER_RESOURCES: &[TransferResource] = &[
    ("s3", "Bucket", &[("Bucket", "Name")]),
    ("s3", "Object", &[("Bucket", "BucketName"), ("Key", "Key")]),
];

/// `load()` methods boto3 injects in place of a model `load` (`boto3/s3/inject.py`):
/// `Bucket.load` lists buckets, `ObjectSummary.load` heads the object.
pub const BOTO3_INJECTED_LOADS: &[(&str, &str, &str)] =
    &[("s3", "Bucket", "ListBuckets"), ("s3", "ObjectSummary", "HeadObject")];

/// `Table.batch_writer()` (`boto3/dynamodb/table.py`): the writes made on the batch go
/// out as this operation on the table.
pub const BOTO3_BATCH_WRITER: (&str, &str, &str, &str) = ("dynamodb", "Table", "batch_writer", "BatchWriteItem");

/// boto3's presigning methods on every client (`botocore/signers.py`, `boto3/s3/inject.py`):
/// the method and, for a fixed one, the operation it signs (`None`: the `ClientMethod`
/// argument names it).
pub const BOTO3_PRESIGNERS: &[(&str, Option<&str>)] = &[
    ("generate_presigned_url", None),
    ("generate_presigned_post", Some("PutObject")),
];

/// An aws-lambda-powertools (Python) utility that calls AWS: a function, or a method of
/// a provider class, by name (anything under `aws_lambda_powertools`), the operations it
/// issues and which arguments fill which input members (`(argument, position, member)`).
#[derive(Debug, Clone, Copy)]
pub struct PowertoolsCall {
    /// `get_parameter`, or `SSMProvider.get` for a provider method.
    pub name: &'static str,
    pub service: &'static str,
    pub operations: &'static [&'static str],
    pub args: &'static [(&'static str, usize, &'static str)],
}

/// `aws_lambda_powertools.utilities.parameters` and `.idempotency`
/// (`DynamoDBPersistenceLayer` reads and writes its table when the decorated handler runs).
/// Provider constructors' arguments (`DynamoDBProvider(table_name=...)`) are listed
/// under the class name alone.
pub const POWERTOOLS_CALLS: &[PowertoolsCall] = &[
    PowertoolsCall {
        name: "get_parameter",
        service: "ssm",
        operations: &["GetParameter"],
        args: &[("name", 0, "Name")],
    },
    PowertoolsCall {
        name: "get_parameters",
        service: "ssm",
        operations: &["GetParametersByPath"],
        args: &[("path", 0, "Path")],
    },
    PowertoolsCall {
        name: "get_parameters_by_name",
        service: "ssm",
        operations: &["GetParameters"],
        args: &[("parameters", 0, "Names")],
    },
    PowertoolsCall {
        name: "set_parameter",
        service: "ssm",
        operations: &["PutParameter"],
        args: &[("name", 0, "Name")],
    },
    PowertoolsCall {
        name: "get_secret",
        service: "secretsmanager",
        operations: &["GetSecretValue"],
        args: &[("name", 0, "SecretId")],
    },
    PowertoolsCall {
        name: "set_secret",
        service: "secretsmanager",
        operations: &["PutSecretValue"],
        args: &[("name", 0, "SecretId")],
    },
    PowertoolsCall {
        name: "get_app_config",
        service: "appconfigdata",
        operations: &["StartConfigurationSession", "GetLatestConfiguration"],
        args: &[
            ("name", 0, "ConfigurationProfileIdentifier"),
            ("environment", 1, "EnvironmentIdentifier"),
            ("application", 2, "ApplicationIdentifier"),
        ],
    },
    PowertoolsCall {
        name: "SSMProvider.get",
        service: "ssm",
        operations: &["GetParameter"],
        args: &[("name", 0, "Name")],
    },
    PowertoolsCall {
        name: "SSMProvider.get_multiple",
        service: "ssm",
        operations: &["GetParametersByPath"],
        args: &[("path", 0, "Path")],
    },
    PowertoolsCall {
        name: "SecretsProvider.get",
        service: "secretsmanager",
        operations: &["GetSecretValue"],
        args: &[("name", 0, "SecretId")],
    },
    PowertoolsCall {
        name: "DynamoDBProvider",
        service: "dynamodb",
        operations: &[],
        args: &[("table_name", 0, "TableName")],
    },
    PowertoolsCall {
        name: "DynamoDBProvider.get",
        service: "dynamodb",
        operations: &["GetItem"],
        args: &[],
    },
    PowertoolsCall {
        name: "DynamoDBProvider.get_multiple",
        service: "dynamodb",
        operations: &["Query"],
        args: &[],
    },
    PowertoolsCall {
        name: "AppConfigProvider",
        service: "appconfigdata",
        operations: &[],
        args: &[
            ("environment", 0, "EnvironmentIdentifier"),
            ("application", 1, "ApplicationIdentifier"),
        ],
    },
    PowertoolsCall {
        name: "AppConfigProvider.get",
        service: "appconfigdata",
        operations: &["StartConfigurationSession", "GetLatestConfiguration"],
        args: &[("name", 0, "ConfigurationProfileIdentifier")],
    },
    PowertoolsCall {
        name: "DynamoDBPersistenceLayer",
        service: "dynamodb",
        operations: &["GetItem", "PutItem", "UpdateItem", "DeleteItem"],
        args: &[("table_name", 0, "TableName")],
    },
];

pub fn powertools_call(name: &str) -> Option<&'static PowertoolsCall> {
    POWERTOOLS_CALLS.iter().find(|c| c.name == name)
}

/// The v2 `AWS.DynamoDB.DocumentClient` methods (`lib/dynamodb/document_client.js`)
/// and the `DynamoDBDocument` methods of `@aws-sdk/lib-dynamodb`.
pub const DOCUMENT_CLIENT: &[(&str, &str)] = &[
    ("batchGet", "BatchGetItem"),
    ("batchWrite", "BatchWriteItem"),
    ("delete", "DeleteItem"),
    ("get", "GetItem"),
    ("put", "PutItem"),
    ("query", "Query"),
    ("scan", "Scan"),
    ("transactGet", "TransactGetItems"),
    ("transactWrite", "TransactWriteItems"),
    ("update", "UpdateItem"),
    ("executeStatement", "ExecuteStatement"),
    ("batchExecuteStatement", "BatchExecuteStatement"),
    ("executeTransaction", "ExecuteTransaction"),
];

/// `@aws-sdk/lib-dynamodb` command classes → DynamoDB operations.
pub const LIB_DYNAMODB_COMMANDS: &[(&str, &str)] = &[
    ("BatchExecuteStatementCommand", "BatchExecuteStatement"),
    ("BatchGetCommand", "BatchGetItem"),
    ("BatchWriteCommand", "BatchWriteItem"),
    ("DeleteCommand", "DeleteItem"),
    ("ExecuteStatementCommand", "ExecuteStatement"),
    ("ExecuteTransactionCommand", "ExecuteTransaction"),
    ("GetCommand", "GetItem"),
    ("PutCommand", "PutItem"),
    ("QueryCommand", "Query"),
    ("ScanCommand", "Scan"),
    ("TransactGetCommand", "TransactGetItems"),
    ("TransactWriteCommand", "TransactWriteItems"),
    ("UpdateCommand", "UpdateItem"),
];

/// `@aws-sdk/lib-dynamodb` paginators.
pub const LIB_DYNAMODB_PAGINATORS: &[(&str, &str)] = &[("paginateQuery", "Query"), ("paginateScan", "Scan")];

/// `@aws-sdk/lib-storage` `Upload` and v2 `s3.upload()` (managed uploads).
pub const MANAGED_UPLOAD_OPERATIONS: &[&str] = UPLOAD;
pub const MANAGED_UPLOAD_POSSIBLE: &[&str] = ABORT;

pub fn document_client_operation(method: &str) -> Option<&'static str> {
    DOCUMENT_CLIENT.iter().find(|(m, _)| *m == method).map(|(_, op)| *op)
}

pub fn lib_dynamodb_command(class: &str) -> Option<&'static str> {
    LIB_DYNAMODB_COMMANDS
        .iter()
        .find(|(c, _)| *c == class)
        .map(|(_, op)| *op)
}

pub fn boto3_transfer(method: &str) -> Option<&'static Helper> {
    BOTO3_S3_TRANSFERS.iter().find(|h| h.method == method)
}

/// A Powertools for AWS Lambda (TypeScript) utility that calls AWS: a function of
/// `@aws-lambda-powertools/parameters/<module>`, a provider method (`SSMProvider.get`), or
/// a constructor that implies calls (`DynamoDBPersistenceLayer` of
/// `@aws-lambda-powertools/idempotency/dynamodb`).
#[derive(Debug, Clone, Copy)]
pub struct PowertoolsJsCall {
    /// `getParameter`, `SSMProvider.get`, or a class name for a constructor.
    pub name: &'static str,
    pub service: &'static str,
    pub operations: &'static [&'static str],
    /// Positional argument → input member.
    pub args: &'static [(usize, &'static str)],
    /// An options-object argument (its position) and which keys fill which members.
    pub options: Option<(usize, &'static [(&'static str, &'static str)])>,
}

const APPCONFIG_OPS: &[&str] = &["StartConfigurationSession", "GetLatestConfiguration"];
const APPCONFIG_OPTIONS: &[(&str, &str)] = &[
    ("environment", "EnvironmentIdentifier"),
    ("application", "ApplicationIdentifier"),
];
const TABLE_OPTIONS: &[(&str, &str)] = &[("tableName", "TableName")];

/// The Powertools (TypeScript) parameters and idempotency calls, from the package's
/// `ssm`, `secrets`, `appconfig` and `dynamodb` providers. A provider method also takes
/// the options its constructor was given (listed under the class name).
pub const POWERTOOLS_JS_CALLS: &[PowertoolsJsCall] = &[
    PowertoolsJsCall {
        name: "getParameter",
        service: "ssm",
        operations: &["GetParameter"],
        args: &[(0, "Name")],
        options: None,
    },
    PowertoolsJsCall {
        name: "getParameters",
        service: "ssm",
        operations: &["GetParametersByPath"],
        args: &[(0, "Path")],
        options: None,
    },
    PowertoolsJsCall {
        name: "getParametersByName",
        service: "ssm",
        operations: &["GetParameters"],
        args: &[],
        options: None,
    },
    PowertoolsJsCall {
        name: "setParameter",
        service: "ssm",
        operations: &["PutParameter"],
        args: &[(0, "Name")],
        options: None,
    },
    PowertoolsJsCall {
        name: "getSecret",
        service: "secretsmanager",
        operations: &["GetSecretValue"],
        args: &[(0, "SecretId")],
        options: None,
    },
    PowertoolsJsCall {
        name: "getAppConfig",
        service: "appconfigdata",
        operations: APPCONFIG_OPS,
        args: &[(0, "ConfigurationProfileIdentifier")],
        options: Some((1, APPCONFIG_OPTIONS)),
    },
    PowertoolsJsCall {
        name: "SSMProvider.get",
        service: "ssm",
        operations: &["GetParameter"],
        args: &[(0, "Name")],
        options: None,
    },
    PowertoolsJsCall {
        name: "SSMProvider.getMultiple",
        service: "ssm",
        operations: &["GetParametersByPath"],
        args: &[(0, "Path")],
        options: None,
    },
    PowertoolsJsCall {
        name: "SSMProvider.getParametersByName",
        service: "ssm",
        operations: &["GetParameters"],
        args: &[],
        options: None,
    },
    PowertoolsJsCall {
        name: "SSMProvider.set",
        service: "ssm",
        operations: &["PutParameter"],
        args: &[(0, "Name")],
        options: None,
    },
    PowertoolsJsCall {
        name: "SecretsProvider.get",
        service: "secretsmanager",
        operations: &["GetSecretValue"],
        args: &[(0, "SecretId")],
        options: None,
    },
    PowertoolsJsCall {
        name: "AppConfigProvider",
        service: "appconfigdata",
        operations: &[],
        args: &[],
        options: Some((0, APPCONFIG_OPTIONS)),
    },
    PowertoolsJsCall {
        name: "AppConfigProvider.get",
        service: "appconfigdata",
        operations: APPCONFIG_OPS,
        args: &[(0, "ConfigurationProfileIdentifier")],
        options: None,
    },
    PowertoolsJsCall {
        name: "DynamoDBProvider",
        service: "dynamodb",
        operations: &[],
        args: &[],
        options: Some((0, TABLE_OPTIONS)),
    },
    PowertoolsJsCall {
        name: "DynamoDBProvider.get",
        service: "dynamodb",
        operations: &["GetItem"],
        args: &[],
        options: None,
    },
    PowertoolsJsCall {
        name: "DynamoDBProvider.getMultiple",
        service: "dynamodb",
        operations: &["Query"],
        args: &[],
        options: None,
    },
    PowertoolsJsCall {
        name: "DynamoDBPersistenceLayer",
        service: "dynamodb",
        operations: &["GetItem", "PutItem", "UpdateItem", "DeleteItem"],
        args: &[],
        options: Some((0, TABLE_OPTIONS)),
    },
];

pub fn powertools_js_call(name: &str) -> Option<&'static PowertoolsJsCall> {
    POWERTOOLS_JS_CALLS.iter().find(|c| c.name == name)
}

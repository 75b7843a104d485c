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

const UPLOAD: &[&str] = &["PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"];
const ABORT: &[&str] = &["AbortMultipartUpload"];
const DOWNLOAD: &[&str] = &["HeadObject", "GetObject"];

/// boto3's injected S3 transfer methods on the client (`boto3/s3/inject.py`).
/// The same methods exist on `Bucket` (without the Bucket argument) and `Object`
/// (without Bucket and Key); the Python analyser drops the leading members.
pub const BOTO3_S3_TRANSFERS: &[Helper] = &[
    Helper { service: "s3", method: "upload_file", operations: UPLOAD, possible: ABORT, args: &["Filename", "Bucket", "Key"], copy_source: false },
    Helper { service: "s3", method: "upload_fileobj", operations: UPLOAD, possible: ABORT, args: &["Fileobj", "Bucket", "Key"], copy_source: false },
    Helper { service: "s3", method: "download_file", operations: DOWNLOAD, possible: &[], args: &["Bucket", "Key", "Filename"], copy_source: false },
    Helper { service: "s3", method: "download_fileobj", operations: DOWNLOAD, possible: &[], args: &["Bucket", "Key", "Fileobj"], copy_source: false },
    Helper { service: "s3", method: "copy", operations: &["CopyObject"], possible: &["UploadPartCopy", "CreateMultipartUpload", "CompleteMultipartUpload", "AbortMultipartUpload"], args: &["CopySource", "Bucket", "Key"], copy_source: true },
];

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
    LIB_DYNAMODB_COMMANDS.iter().find(|(c, _)| *c == class).map(|(_, op)| *op)
}

pub fn boto3_transfer(method: &str) -> Option<&'static Helper> {
    BOTO3_S3_TRANSFERS.iter().find(|h| h.method == method)
}

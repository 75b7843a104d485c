//! The AWS SDK plumbing the API sources share: one small tokio runtime, the standard
//! configuration chain (credentials, region, `AWS_ENDPOINT_URL`), and errors as text.

use super::CloudtrailError;

/// A current-thread-free runtime for the SDK calls of one source.
pub fn runtime(source: &str) -> Result<tokio::runtime::Runtime, CloudtrailError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| service_error(source, e))
}

/// The standard chain: environment, profile, SSO, IMDS; `AWS_ENDPOINT_URL[_<SERVICE>]`.
pub async fn config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await
}

/// Whether a custom endpoint is configured (then S3 must use path-style addressing).
pub fn custom_endpoint(config: &aws_config::SdkConfig) -> bool {
    config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
}

pub fn service_error(source: &str, e: impl std::fmt::Display) -> CloudtrailError {
    CloudtrailError::Service {
        label: source.to_string(),
        message: e.to_string(),
    }
}

/// An SDK error with its service message, not only "service error".
pub fn sdk_message<E: std::error::Error>(e: &E) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

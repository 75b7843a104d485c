//! `leastpriv.toml`, the per-repo config: what the analysis cannot know (environment
//! values, ARNs for a name pattern, an account and region per stage), permissions the
//! team accepts beyond the evidence, and actions it excludes.
//!
//! ```toml
//! default_stage = "prod"
//!
//! [env]                       # values of environment variables no template binds
//! TABLE_NAME = "orders"
//!
//! [stages.prod]               # picked with --stage prod (or default_stage)
//! account = "123456789012"
//! region = "us-east-1"
//! env = { BUCKET = "acme-prod-media" }
//!
//! [[resources]]               # the ARNs a resource pattern stands for
//! match = "arn:aws:dynamodb:*:*:table/orders-*"
//! arns = ["arn:aws:dynamodb:us-east-1:123456789012:table/orders-eu"]
//!
//! [[encrypted]]               # resources no template here declares, encrypted with a
//! resources = ["arn:aws:s3:::acme-supplier-feeds"]   # customer managed KMS key
//! key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
//!
//! [[accept]]                  # granted although no evidence asks for it
//! actions = ["dynamodb:DescribeTable"]
//! resources = ["arn:aws:dynamodb:*:*:table/orders"]
//! functions = ["OrdersApi"]   # default: every function
//! reason = "the health check reads the table's status"
//!
//! [policy]
//! exclude_actions = ["xray:*"]
//! include = "both"            # cloudtrail-only | static-only | both
//! include_possible = false
//! allow_wildcards = false
//!
//! [functions.OrdersApi]
//! env = { QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders" }
//! exclude_actions = ["sqs:GetQueueAttributes"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sources::contained::{self, Root};

pub const FILE_NAME: &str = "leastpriv.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: stage {stage} is not defined (stages: {known})")]
    UnknownStage {
        path: PathBuf,
        stage: String,
        known: String,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    #[serde(default)]
    pub default_stage: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
    #[serde(default)]
    pub resources: Vec<ResourceEntry>,
    #[serde(default)]
    pub encrypted: Vec<EncryptedEntry>,
    #[serde(default)]
    pub accept: Vec<AcceptEntry>,
    #[serde(default)]
    pub policy: PolicySettings,
    #[serde(default)]
    pub functions: BTreeMap<String, FunctionEntry>,
}

/// One deployment stage: where it runs and the values it gives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceEntry {
    /// An ARN with `*` wildcards, matched against the resource as the report writes it
    /// (`${env:NAME}` visible) and as policy JSON does (`*` for what is unknown).
    #[serde(rename = "match")]
    pub pattern: String,
    pub arns: Vec<String>,
}

/// Resources encrypted with a customer managed KMS key that no template of the run
/// declares (a bucket another team owns): calls on them bring the KMS actions the service
/// performs as the caller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedEntry {
    /// ARNs, `*` wildcards allowed.
    pub resources: Vec<String>,
    /// The key's ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptEntry {
    pub actions: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    #[serde(default)]
    pub exclude_actions: Vec<String>,
    /// `cloudtrail-only`, `static-only` or `both`.
    pub include: Option<IncludeSetting>,
    pub include_possible: Option<bool>,
    pub allow_wildcards: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncludeSetting {
    CloudtrailOnly,
    StaticOnly,
    Both,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionEntry {
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub exclude_actions: Vec<String>,
}

/// The config that applies to these paths: the first `leastpriv.toml` found in a path's
/// folder or the folders above it, up to the repository root.
pub fn find(paths: &[PathBuf]) -> Option<PathBuf> {
    let here = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &here[..] } else { paths };
    paths.iter().find_map(|p| find_from(p))
}

fn find_from(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    let mut dir = std::fs::canonicalize(&start).ok()?;
    loop {
        let candidate = dir.join(FILE_NAME);
        // A config linked from outside the repository is not the repository's.
        if candidate.is_file() && Root::of(&candidate).resolve(&candidate).is_ok() {
            return Some(relative(candidate));
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

/// The path relative to the current folder when it is inside it, as reports show it.
fn relative(p: PathBuf) -> PathBuf {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    match cwd {
        Ok(cwd) => p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p),
        Err(_) => p,
    }
}

pub fn load(path: &Path) -> Result<RepoConfig, ConfigError> {
    let text = contained::read_regular_text(path, contained::MAX_BYTES).map_err(|refusal| ConfigError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("the file {refusal}")),
    })?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<RepoConfig, ConfigError> {
    let config: RepoConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().replace('\n', " "),
    })?;
    for e in &config.encrypted {
        // IAM matches a key's ARN, never its id or alias.
        let parts: Vec<&str> = e.key.splitn(6, ':').collect();
        if !matches!(parts[..], ["arn", _, "kms", _, _, rest] if rest.starts_with("key/")) {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "[[encrypted]] key = \"{}\": expected a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)",
                    e.key
                ),
            });
        }
        if let Some(r) = e.resources.iter().find(|r| !r.starts_with("arn:")) {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!("[[encrypted]] resources: \"{r}\" is not an ARN"),
            });
        }
    }
    Ok(config)
}

impl RepoConfig {
    /// The `[[encrypted]]` entries as declarations of the run (file: the config).
    pub fn encrypted_definitions(&self, path: &Path) -> Vec<crate::sources::discover::Definition> {
        use crate::sources::discover::{Definition, EncryptionKey};
        self.encrypted
            .iter()
            .flat_map(|e| {
                e.resources.iter().map(|r| Definition {
                    id: r.clone(),
                    kind: "leastpriv.toml [[encrypted]]".into(),
                    arn: Some(r.clone()),
                    file: path.to_path_buf(),
                    encryption: Some(EncryptionKey {
                        arn: e.key.clone(),
                        property: "[[encrypted]] key".into(),
                        line: None,
                        logical_id: None,
                    }),
                    ..Definition::default()
                })
            })
            .collect()
    }
}

impl RepoConfig {
    /// The stage `name` (or the default stage); `None` when neither is set.
    pub fn stage(&self, path: &Path, name: Option<&str>) -> Result<Option<&Stage>, ConfigError> {
        let Some(name) = name.or(self.default_stage.as_deref()) else {
            return Ok(None);
        };
        self.stages
            .get(name)
            .map(Some)
            .ok_or_else(|| ConfigError::UnknownStage {
                path: path.to_path_buf(),
                stage: name.to_string(),
                known: if self.stages.is_empty() {
                    "none".into()
                } else {
                    self.stages.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc: String = include_str!("config.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.strip_prefix("//! ").unwrap_or(l.strip_prefix("//!").unwrap_or(l)))
            .collect::<Vec<_>>()
            .join("\n");
        let c = parse(Path::new("leastpriv.toml"), &doc).unwrap();
        assert_eq!(c.env["TABLE_NAME"], "orders");
        let stage = c.stage(Path::new("x"), None).unwrap().unwrap();
        assert_eq!(stage.account.as_deref(), Some("123456789012"));
        assert_eq!(c.resources[0].arns.len(), 1);
        assert_eq!(c.accept[0].functions, ["OrdersApi"]);
        let encrypted = c.encrypted_definitions(Path::new("leastpriv.toml"));
        assert_eq!(encrypted[0].arn.as_deref(), Some("arn:aws:s3:::acme-supplier-feeds"));
        assert!(
            encrypted[0]
                .encryption
                .as_ref()
                .unwrap()
                .arn
                .ends_with("key/1234abcd-12ab-34cd-56ef-1234567890ab")
        );
        assert_eq!(c.policy.include, Some(IncludeSetting::Both));
        assert_eq!(c.functions["OrdersApi"].exclude_actions, ["sqs:GetQueueAttributes"]);
    }

    #[test]
    fn encrypted_keys_must_be_key_arns() {
        let bad = "[[encrypted]]\nresources = [\"arn:aws:sqs:*:*:q\"]\nkey = \"alias/orders\"\n";
        let e = parse(Path::new("leastpriv.toml"), bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leastpriv.toml: [[encrypted]] key = \"alias/orders\": expected a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"
        );
        let bad = "[[encrypted]]\nresources = [\"orders\"]\nkey = \"arn:aws:kms:us-east-1:1:key/k\"\n";
        let e = parse(Path::new("leastpriv.toml"), bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leastpriv.toml: [[encrypted]] resources: \"orders\" is not an ARN"
        );
    }

    #[test]
    fn typos_are_errors_with_their_place() {
        let e = parse(Path::new("leastpriv.toml"), "[policy]\nexclude_action = []\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("leastpriv.toml") && msg.contains("exclude_action"),
            "{msg}"
        );
        let c = parse(Path::new("l.toml"), "[stages.dev]\naccount = \"1\"\n").unwrap();
        let e = c.stage(Path::new("l.toml"), Some("prod")).unwrap_err();
        assert_eq!(e.to_string(), "l.toml: stage prod is not defined (stages: dev)");
    }

    #[test]
    fn found_in_the_folder_or_above() {
        let dir = tempfile::tempdir().unwrap();
        let root = &std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("svc/fn")).unwrap();
        std::fs::write(root.join("svc/fn/app.py"), "").unwrap();
        assert_eq!(find(&[root.join("svc/fn/app.py")]), None);
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&[root.join("svc/fn")]), Some(root.join(FILE_NAME)));
        std::fs::write(root.join("svc").join(FILE_NAME), "").unwrap();
        assert_eq!(
            find(&[root.join("svc/fn/app.py")]),
            Some(root.join("svc").join(FILE_NAME))
        );
    }
}

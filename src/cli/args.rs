//! What the user typed: clap structs, nothing resolved yet.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Least-privilege AWS IAM policies for serverless functions, from their code and
/// from CloudTrail.
#[derive(Debug, Parser)]
#[command(name = "leastpriv", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the minimal IAM policy each function needs.
    Generate(GenerateArgs),
    /// Compare what each function needs with the role it has today.
    Diff(DiffArgs),
    /// Draw the resource graph: functions, roles, resources, triggers.
    Graph(GraphArgs),
    /// Show the code lines, trail records and platform reasons behind a permission.
    Explain(ExplainArgs),
    /// Look up the service catalog (SDK operations → IAM actions and ARNs).
    Catalog(CatalogArgs),
}

/// Options shared by every command that reads a project.
#[derive(Debug, Args, Clone)]
pub struct ProjectArgs {
    /// Template files, project folders, plain folders of functions or single source files
    /// [default: the current folder].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Trail logs to read: a file or folder, s3://bucket/prefix, lookup-events,
    /// athena:DATABASE.TABLE or lake:EVENT_DATA_STORE_ID (repeatable).
    #[arg(long = "cloudtrail", value_name = "SOURCE")]
    pub cloudtrail: Vec<String>,
    /// Only trail records at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only trail records before this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Which deployed function a trail role session belongs to: NAME=DEPLOYED, where
    /// NAME is the function as leastpriv names it and DEPLOYED its deployed name or a glob
    /// (`orders_api=orders-stack-OrdersApi-*`), or a TOML file of `NAME = "DEPLOYED"`
    /// lines (repeatable).
    #[arg(long = "function-map", value_name = "NAME=DEPLOYED|FILE")]
    pub function_map: Vec<String>,
    /// Only trail records of these roles count: names, ARNs or globs (repeatable).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// Only these functions get trail evidence: names or globs (repeatable).
    #[arg(long = "function", value_name = "NAME")]
    pub functions: Vec<String>,
    /// Athena workgroup that runs `athena:` queries [default: the account's primary].
    #[arg(long, value_name = "NAME")]
    pub athena_workgroup: Option<String>,
    /// Where Athena writes query results (s3://bucket/prefix/), when the workgroup does
    /// not say.
    #[arg(long, value_name = "S3_URI")]
    pub athena_output: Option<String>,
    /// AWS account id to put in ARNs instead of `*`.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// AWS region to put in ARNs instead of `*`.
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// AWS partition for ARNs (aws, aws-cn, aws-us-gov) [default: aws].
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Value of an environment variable the code reads and no template binds (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// The repo config to read [default: the first leastpriv.toml in a PATH's folder or
    /// above it, up to the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The stage of leastpriv.toml whose account, region and values apply
    /// [default: its default_stage].
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
}

/// Which evidence makes the policy, and how it is written.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    /// Which evidence counts [default: both, or the config's].
    #[arg(long, value_enum, value_name = "cloudtrail-only|static-only|both")]
    pub include: Option<IncludeArg>,
    /// Also grant the actions only some paths or parameters need (reported as possible).
    #[arg(long)]
    pub include_possible: bool,
    /// Leave an action out of the policy: a name or pattern such as `xray:*` (repeatable).
    #[arg(long = "exclude-action", value_name = "ACTION")]
    pub exclude_actions: Vec<String>,
    /// Fold actions into `Get*`-style patterns where the service catalog shows that
    /// grants nothing more.
    #[arg(long)]
    pub allow_wildcards: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IncludeArg {
    /// Only what CloudTrail shows (and the platform's own needs).
    CloudtrailOnly,
    /// Only what the code and the deployment show.
    StaticOnly,
    /// Every source.
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// The JSON report (DESIGN.md contract): policy, permissions, evidence, warnings.
    Json,
    /// Plain IAM policy documents.
    Policy,
    /// SAM `Policies:` blocks.
    Sam,
    /// CloudFormation `AWS::IAM::Role` resources.
    Cloudformation,
    /// Terraform `aws_iam_policy_document` data sources.
    Terraform,
    /// Serverless Framework `iam.role.statements`.
    Serverless,
    /// A readable per-function table for humans and pull requests.
    Markdown,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Json)]
    pub format: GenerateFormat,
    /// Write one file per function into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A pull-request comment.
    Markdown,
    /// The JSON diff report (DESIGN.md contract).
    Json,
    /// SARIF 2.1.0 for code-scanning annotations.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when a needed permission is not granted.
    Missing,
    /// Exit 1 when a granted permission is never needed.
    Excess,
    /// Exit 1 on either.
    Any,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Where today's permissions come from: `template`, `iam` (the live roles) or a policy
    /// JSON file / folder of them [default: template].
    #[arg(long, value_name = "template|iam|FILE")]
    pub current: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// Exit with status 1 when the diff finds this.
    #[arg(long, value_enum, value_name = "missing|excess|any")]
    pub fail_on: Option<FailOn>,
    /// Report only what the change since this git revision did: the permissions it adds
    /// or removes, with the lines that caused them, and the findings it brings in.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// `{"nodes": [...], "edges": [...]}`.
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The function to explain (its name as `generate` reports it).
    pub function: String,
    /// Only this action (e.g. `s3:GetObject`, or a pattern such as `s3:*`).
    pub action: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    /// Human-readable text.
    Text,
    /// JSON.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Show the IAM actions and ARN formats of one SDK operation, e.g. `s3.ListObjectsV2`,
    /// `s3.list_objects_v2` or `s3.listObjectsV2`.
    Lookup {
        /// SERVICE.OPERATION, the service as boto3 names it.
        #[arg(value_name = "SERVICE.OPERATION")]
        operation: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// Count the services, operations and actions the catalog covers.
    Stats {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
}

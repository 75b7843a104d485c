//! A hostile pull request, driven through the real binary: definitions that name files
//! outside the repository, devices and pseudo-files, links out of it, values no resource
//! name could be, values and inclusions that multiply, links planted in `--out`, trail
//! records that are no AWS call or too large to hold, policies that repeat themselves.
//! A secret in the run's environment (and in a file beside the repository) must appear
//! in no output format; each case asserts the exact warning and the exit code, and the
//! run is killed (and fails) after 60 seconds or past its address-space limit (4 GB, or
//! 1 GB where a case says); peak memory is sampled from /proc.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CANARY: &str = "sekrit-canary-XYZ";
const GUARD: Duration = Duration::from_secs(60);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The largest resident set seen (from /proc, sampled every 20 ms), in kB.
    peak_rss_kb: u64,
}

/// `leastpriv ARGS` from `cwd`, with the canary in its environment, under a 4 GB address
/// space limit, killed after [`GUARD`].
fn run(cwd: &Path, args: &[&str]) -> Run {
    run_within(cwd, args, 4_000_000)
}

/// [`run`] under an address space limit of `kb` kilobytes.
fn run_within(cwd: &Path, args: &[&str], kb: u64) -> Run {
    run_full(cwd, args, kb, &std::collections::BTreeMap::new())
}

/// [`run`] with more environment variables.
fn run_env(cwd: &Path, args: &[&str], env: &std::collections::BTreeMap<&str, &str>) -> Run {
    run_full(cwd, args, 4_000_000, env)
}

fn run_full(cwd: &Path, args: &[&str], kb: u64, env: &std::collections::BTreeMap<&str, &str>) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kb} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_leastpriv"))
        .args(args)
        .envs(env)
        .current_dir(cwd)
        .env("LEASTPRIV_TEST_SECRET", CANARY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the leastpriv binary runs");
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kb = 0;
    let status = loop {
        // `sh` execs leastpriv: the pid is leastpriv's once it runs.
        if let Some(kb) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        }) {
            peak_rss_kb = peak_rss_kb.max(kb);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("leastpriv {args:?} ran past {GUARD:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_rss_kb,
    }
}

/// A repository (`repo/` with `.git`) in a tempdir, and beside it `outside.yml` holding
/// the canary.
fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    for (rel, text) in files {
        let p = repo.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(tmp.path().join("outside.yml"), format!("SECRET: {CANARY}\n")).unwrap();
    std::fs::write(tmp.path().join("outside.tpl"), format!("{CANARY}\n")).unwrap();
    (tmp, repo)
}

const HANDLER: &str = "import os\nimport boto3\n\ns3 = boto3.client(\"s3\")\n\n\ndef handler(event, context):\n    return s3.get_object(Bucket=os.environ[\"BUCKET\"], Key=\"k\")\n";

/// A Terraform root module in `repo/infra` whose function's `BUCKET` is `expr`.
fn terraform(expr: &str) -> String {
    format!(
        "data \"archive_file\" \"fn\" {{\n  type        = \"zip\"\n  source_dir  = \"${{path.module}}/fn\"\n  output_path = \"fn.zip\"\n}}\n\n\
         resource \"aws_lambda_function\" \"fn\" {{\n  function_name = \"orders\"\n  filename      = data.archive_file.fn.output_path\n  handler       = \"app.handler\"\n  runtime       = \"python3.12\"\n  role          = \"arn:aws:iam::123456789012:role/orders\"\n  environment {{\n    variables = {{\n      BUCKET = {expr}\n    }}\n  }}\n}}\n"
    )
}

/// A Serverless service in `repo/svc` whose function's `BUCKET` is `value`.
fn serverless(value: &str) -> String {
    format!(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  orders:\n    handler: fn/app.handler\n    environment:\n      BUCKET: {value}\n"
    )
}

/// Runs every output that matters on `path` (relative to `cwd`) and checks that none
/// holds the canary (or `forbidden`), that each exits 0, and that stderr holds `warning`.
/// Returns the JSON report.
fn assert_contained(cwd: &Path, path: &str, warning: &str, forbidden: &[&str]) -> serde_json::Value {
    assert_contained_diff_exit(cwd, path, warning, forbidden, 0)
}

/// [`assert_contained`], with `diff` exiting `diff_code` (2 when a definition itself
/// could not be read).
fn assert_contained_diff_exit(
    cwd: &Path,
    path: &str,
    warning: &str,
    forbidden: &[&str],
    diff_code: i32,
) -> serde_json::Value {
    let mut report = serde_json::Value::Null;
    for args in [
        &["generate", path, "--format", "json"][..],
        &["generate", path, "--format", "markdown"],
        &["generate", path, "--format", "policy"],
        &["diff", path, "--format", "markdown"],
        &["diff", path, "--format", "json"],
        &["graph", path, "--format", "json"],
    ] {
        let r = run(cwd, args);
        let code = if args[0] == "diff" { diff_code } else { 0 };
        assert_eq!(r.code, Some(code), "{args:?}: {}", r.stderr);
        for bad in [CANARY].iter().chain(forbidden) {
            assert!(!r.stdout.contains(bad), "{args:?} printed {bad}:\n{}", r.stdout);
            assert!(!r.stderr.contains(bad), "{args:?} warned {bad}:\n{}", r.stderr);
        }
        assert!(
            r.stderr.lines().any(|l| l == warning),
            "{args:?}: no line\n{warning}\nin\n{}",
            r.stderr
        );
        if args[3] == "json" && args[0] == "generate" {
            report = serde_json::from_str(&r.stdout).unwrap();
        }
    }
    report
}

/// The resources granted `s3:GetObject` in a JSON report.
fn get_object_resources(report: &serde_json::Value) -> Vec<String> {
    report["functions"][0]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"] == "s3:GetObject")
        .flat_map(|p| p["resources"].as_array().unwrap().iter())
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn terraform_file_of_proc_self_environ_is_not_read() {
    let (tmp, _) = repo(&[
        ("infra/main.tf", &terraform("file(\"/proc/self/environ\")")),
        ("infra/fn/app.py", HANDLER),
    ]);
    let report = assert_contained(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/main.tf:15: file(\"/proc/self/environ\") is outside the repository: not read [unsafe-path]",
        &["LEASTPRIV_TEST_SECRET", "PATH="],
    );
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"]);
}

#[test]
fn terraform_file_of_dev_zero_is_not_read() {
    let (tmp, _) = repo(&[
        ("infra/main.tf", &terraform("file(\"/dev/zero\")")),
        ("infra/fn/app.py", HANDLER),
    ]);
    assert_contained(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/main.tf:15: file(\"/dev/zero\") is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn terraform_templatefile_out_of_the_repository_is_not_read() {
    let (tmp, _) = repo(&[
        (
            "infra/main.tf",
            &terraform("templatefile(\"${path.module}/../../outside.tpl\", {})"),
        ),
        ("infra/fn/app.py", HANDLER),
    ]);
    assert_contained(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/main.tf:15: templatefile(\"repo/infra/../../outside.tpl\") is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn terraform_file_through_a_link_out_of_the_repository_is_not_read() {
    for (link, target) in [
        ("environ", PathBuf::from("/proc/self/environ")),
        ("out", PathBuf::from("../../outside.tpl")),
    ] {
        let (tmp, repo) = repo(&[
            (
                "infra/main.tf",
                &terraform(&format!("file(\"${{path.module}}/{link}\")")),
            ),
            ("infra/fn/app.py", HANDLER),
        ]);
        std::os::unix::fs::symlink(&target, repo.join("infra").join(link)).unwrap();
        assert_contained(
            tmp.path(),
            "repo/infra",
            &format!(
                "warning: repo/infra/main.tf:15: file(\"repo/infra/{link}\") is outside the repository: not read [unsafe-path]"
            ),
            &["LEASTPRIV_TEST_SECRET"],
        );
    }
}

#[test]
fn terraform_file_of_gits_own_config_is_not_read() {
    // A CI checkout keeps its token in .git/config; cut out of the line, it looks like a name.
    let expr = "trimprefix(trimspace(element(split(\"\\n\", file(\"${path.module}/../.git/config\")), 1)), \"extraheader = AUTHORIZATION: basic \")";
    let (tmp, repo) = repo(&[("infra/main.tf", &terraform(expr)), ("infra/fn/app.py", HANDLER)]);
    std::fs::write(
        repo.join(".git/config"),
        format!("[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {CANARY}\n"),
    )
    .unwrap();
    let report = assert_contained(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/main.tf:15: file(\"repo/infra/../.git/config\") is in the repository's .git folder: not read [unsafe-path]",
        &[],
    );
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"]);
}

#[test]
fn a_tf_file_linked_out_of_the_repository_is_not_read() {
    let (tmp, repo) = repo(&[("infra/main.tf", &terraform("\"media\"")), ("infra/fn/app.py", HANDLER)]);
    std::os::unix::fs::symlink("/proc/self/environ", repo.join("infra/vars.tf")).unwrap();
    // A definition file not read: `diff` cannot vouch for the module (exit 2).
    assert_contained_diff_exit(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/vars.tf: the file is outside the repository: not read [template-error]",
        &["LEASTPRIV_TEST_SECRET"],
        2,
    );
}

#[test]
fn serverless_file_of_etc_passwd_is_not_read() {
    let (tmp, _) = repo(&[
        ("svc/serverless.yml", &serverless("${file(/etc/passwd)}")),
        ("svc/fn/app.py", HANDLER),
    ]);
    let report = assert_contained(
        tmp.path(),
        "repo/svc",
        "warning: repo/svc/serverless.yml:9: ${file(/etc/passwd)} is outside the repository: not read [unsafe-path]",
        &["root:x:0:0", "/bin/"],
    );
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"]);
}

#[test]
fn serverless_file_escaping_the_repository_is_not_read() {
    let (tmp, _) = repo(&[
        ("svc/serverless.yml", &serverless("${file(../../outside.yml):SECRET}")),
        ("svc/fn/app.py", HANDLER),
    ]);
    assert_contained(
        tmp.path(),
        "repo/svc",
        "warning: repo/svc/serverless.yml:9: ${file(../../outside.yml)} is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn serverless_file_of_dev_zero_is_not_read() {
    let (tmp, _) = repo(&[
        ("svc/serverless.yml", &serverless("${file(/dev/zero)}")),
        ("svc/fn/app.py", HANDLER),
    ]);
    assert_contained(
        tmp.path(),
        "repo/svc",
        "warning: repo/svc/serverless.yml:9: ${file(/dev/zero)} is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn serverless_file_inside_the_repository_is_still_read() {
    let (tmp, _) = repo(&[
        ("svc/serverless.yml", &serverless("${file(./env.yml):BUCKET}")),
        ("svc/env.yml", "BUCKET: media-uploads\n"),
        ("svc/fn/app.py", HANDLER),
    ]);
    let r = run(tmp.path(), &["generate", "repo/svc", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::media-uploads/k"]);
}

#[test]
fn a_nested_stack_template_out_of_the_repository_is_not_read() {
    let kinds = [
        ("AWS::Serverless::Application", "Location"),
        ("AWS::CloudFormation::Stack", "TemplateURL"),
    ];
    for ((ty, key), location) in kinds
        .iter()
        .flat_map(|k| ["/dev/zero", "/proc/self/environ", "../../outside.yml"].map(|l| (k, l)))
    {
        let (tmp, _) = repo(&[(
            "app/template.yaml",
            &format!(
                "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: {ty}\n    Properties:\n      {key}: {location}\n"
            ),
        )]);
        let r = run(tmp.path(), &["generate", "repo/app", "--format", "json"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            !r.stdout.contains(CANARY) && !r.stderr.contains(CANARY),
            "{}{}",
            r.stdout,
            r.stderr
        );
        let line = format!(
            "warning: repo/app/template.yaml:4: Child: nested stack {key} \"{location}\" is outside the repository: not read [unsafe-path]"
        );
        assert!(r.stderr.lines().any(|l| l == line), "{line}\n{}", r.stderr);
    }
}

#[test]
fn environment_values_no_resource_name_could_be_become_a_star() {
    let huge = "a".repeat(5000);
    for (value, why) in [
        (format!("\"{CANARY}\\nsecond line\""), "a line break"),
        (format!("\"{CANARY}\\0AWS_SECRET_ACCESS_KEY=x\""), "a NUL byte"),
        (format!("\"{CANARY} and words\""), "whitespace"),
        (format!("{CANARY}{huge}"), "5017 bytes, longer than the 1024-byte limit"),
    ] {
        let template = format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn/\n      Handler: app.handler\n      Runtime: python3.12\n      Environment:\n        Variables:\n          BUCKET: {value}\n"
        );
        let (tmp, _) = repo(&[("app/template.yaml", &template), ("app/fn/app.py", HANDLER)]);
        let report = assert_contained(
            tmp.path(),
            "repo/app",
            &format!(
                "warning: repo/app/template.yaml:4: Orders: environment variable BUCKET: the value is not a plausible resource name or ARN ({why}): replaced by *, not shown [implausible-value]"
            ),
            &[&huge[..100]],
        );
        assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"], "{why}");
    }
}

/// A SAM function in `repo/app` with its code at `code_uri`.
fn sam(code_uri: &str) -> String {
    format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: {code_uri}\n      Handler: app.handler\n      Runtime: python3.12\n"
    )
}

/// Code outside the repository that names the canary as its bucket.
const OUTSIDE_CODE: &str = "import boto3\n\n\ndef handler(event, context):\n    return boto3.client(\"s3\").get_object(Bucket=\"sekrit-canary-XYZ\", Key=\"k\")\n";

#[test]
fn a_handler_file_linked_out_of_the_repository_is_not_read() {
    let (tmp, repo) = repo(&[("app/template.yaml", &sam("fn/")), ("app/fn/other.txt", "")]);
    std::fs::write(tmp.path().join("outside.py"), OUTSIDE_CODE).unwrap();
    std::os::unix::fs::symlink("../../../outside.py", repo.join("app/fn/app.py")).unwrap();
    assert_contained(
        tmp.path(),
        "repo/app",
        "warning: repo/app/template.yaml:4: Orders: handler file repo/app/fn/app.py is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn a_code_folder_out_of_the_repository_is_not_read() {
    let (tmp, _) = repo(&[("app/template.yaml", &sam("../../code/"))]);
    std::fs::create_dir_all(tmp.path().join("code")).unwrap();
    std::fs::write(tmp.path().join("code/app.py"), OUTSIDE_CODE).unwrap();
    assert_contained(
        tmp.path(),
        "repo/app",
        "warning: repo/app/template.yaml:4: Orders: code folder repo/app/../../code is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn a_terraform_module_out_of_the_repository_is_not_read() {
    let main = format!(
        "{}\nmodule \"evil\" {{\n  source = \"../../outside_mod\"\n}}\n",
        terraform("\"media\"")
    );
    let (tmp, _) = repo(&[("infra/main.tf", &main), ("infra/fn/app.py", HANDLER)]);
    std::fs::create_dir_all(tmp.path().join("outside_mod/fn")).unwrap();
    std::fs::write(
        tmp.path().join("outside_mod/main.tf"),
        terraform(&format!("\"{CANARY}\"")),
    )
    .unwrap();
    std::fs::write(tmp.path().join("outside_mod/fn/app.py"), HANDLER).unwrap();
    assert_contained(
        tmp.path(),
        "repo/infra",
        "warning: repo/infra/main.tf:20: module evil: source \"../../outside_mod\" is outside the repository: not read [unsafe-path]",
        &[],
    );
}

#[test]
fn a_service_file_linked_to_proc_is_not_read() {
    let (tmp, repo) = repo(&[("svc/fn/app.py", HANDLER)]);
    std::os::unix::fs::symlink("/proc/self/environ", repo.join("svc/serverless.yml")).unwrap();
    let r = run(tmp.path(), &["generate", "repo/svc", "--format", "json"]);
    assert!(
        !r.stdout.contains(CANARY) && !r.stderr.contains(CANARY),
        "{}{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l
                == "warning: repo/svc/serverless.yml: the file is outside the repository: not read [template-error]"),
        "{}",
        r.stderr
    );
}

#[test]
fn current_policies_from_a_device_are_refused_quickly() {
    let (tmp, _) = repo(&[("app/template.yaml", &sam("fn/")), ("app/fn/app.py", HANDLER)]);
    let r = run(tmp.path(), &["diff", "repo/app", "--current", "/dev/zero"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("is a kernel pseudo-file, not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_git_a_nested_stack_may_name_code_anywhere_under_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    for (rel, text) in [
        (
            "template.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: stacks/child.yaml\n".to_string(),
        ),
        ("stacks/child.yaml", sam("../src/")),
        ("src/app.py", HANDLER.to_string()),
    ] {
        std::fs::create_dir_all(app.join(rel).parent().unwrap()).unwrap();
        std::fs::write(app.join(rel), text).unwrap();
    }
    let r = run(tmp.path(), &["generate", "app", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("unsafe-path"), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::${env:BUCKET}/k"]);
}

/// A SAM app in `repo/app` with one function per logical id.
fn sam_functions(ids: &[&str]) -> String {
    let mut t =
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n".to_string();
    for id in ids {
        t += &format!(
            "  {id}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn/\n      Handler: app.handler\n      Runtime: python3.12\n"
        );
    }
    t
}

#[test]
fn out_replaces_a_link_planted_in_the_output_folder_and_never_writes_through_it() {
    let (tmp, repo) = repo(&[
        ("app/template.yaml", &sam_functions(&["Orders"])),
        ("app/fn/app.py", HANDLER),
    ]);
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "keep\n").unwrap();
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    // One link to an existing file, one dangling (that writing through would create).
    std::os::unix::fs::symlink("../../victim.txt", repo.join("policies/Orders.policy.json")).unwrap();
    std::os::unix::fs::symlink("../../created.txt", repo.join("policies/Orders.json")).unwrap();
    for format in ["policy", "json"] {
        let r = run(
            tmp.path(),
            &["generate", "repo/app", "--format", format, "--out", "repo/policies"],
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    assert!(
        !tmp.path().join("created.txt").exists(),
        "wrote through a dangling link"
    );
    for name in ["Orders.policy.json", "Orders.json"] {
        let meta = std::fs::symlink_metadata(repo.join("policies").join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is still a link");
    }
    let policy = std::fs::read_to_string(repo.join("policies/Orders.policy.json")).unwrap();
    assert!(policy.contains("s3:GetObject"), "{policy}");
    let left: Vec<_> = std::fs::read_dir(repo.join("policies"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "temporary files left: {left:?}");
}

#[test]
fn out_refuses_an_output_folder_that_is_a_link() {
    let (tmp, repo) = repo(&[
        ("app/template.yaml", &sam_functions(&["Orders"])),
        ("app/fn/app.py", HANDLER),
    ]);
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", repo.join("policies")).unwrap();
    for out in ["repo/policies", "repo/policies/sub"] {
        let r = run(
            tmp.path(),
            &["generate", "repo/app", "--format", "policy", "--out", out],
        );
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(
            r.stderr.lines().last().unwrap(),
            format!("error: --out {out}: repo/policies is a symbolic link: refusing to write through it")
        );
    }
    assert_eq!(std::fs::read_dir(tmp.path().join("elsewhere")).unwrap().count(), 0);
}

#[test]
fn out_fails_when_two_functions_map_to_one_file() {
    let service = "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  orders/v1:\n    handler: fn/app.handler\n  orders:v1:\n    handler: fn/app.handler\n";
    let (tmp, repo) = repo(&[("svc/serverless.yml", service), ("svc/fn/app.py", HANDLER)]);
    let r = run(
        tmp.path(),
        &["generate", "repo/svc", "--format", "policy", "--out", "repo/out"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().last().unwrap(),
        "error: --out repo/out: functions \"orders/v1\" and \"orders:v1\" both map to the file orders_v1.policy.json: write to stdout, or analyse them apart"
    );
    assert!(!repo.join("out").exists(), "wrote part of the output");
}

#[test]
fn trail_records_whose_event_source_is_no_aws_service_grant_nothing() {
    let code = "import boto3\n\n\ndef handler(event, context):\n    return boto3.client(\"s3\").get_object(Bucket=\"media\", Key=\"k\")\n";
    let (tmp, _) = repo(&[("fns/worker/app.py", code)]);
    let rec = |source: &str, params: serde_json::Value| {
        serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-11-02T10:00:00Z", "eventSource": source,
            "eventName": "GetObject", "awsRegion": "us-east-1", "recipientAccountId": "123456789012",
            "userAgent": "Boto3/1.34 exec-env/AWS_Lambda_python3.12", "requestParameters": params,
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/worker-role/worker",
                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::123456789012:role/worker-role", "userName": "worker-role"}}}})
    };
    let mut records = vec![rec(
        "s3.amazonaws.com",
        serde_json::json!({"bucketName": "media", "key": "k"}),
    )];
    for source in [
        "s3.evil.com",
        "S3.amazonaws.com",
        "s3.amazonaws.com ",
        "s3.amazonaws.com\u{0}",
        "s3.x.amazonaws.com",
        " s3.amazonaws.com",
    ] {
        records.push(rec(source, serde_json::Value::Null));
    }
    std::fs::create_dir_all(tmp.path().join("trail")).unwrap();
    std::fs::write(
        tmp.path().join("trail/t.json"),
        serde_json::json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let r = run(
        tmp.path(),
        &["generate", "repo/fns", "--cloudtrail", "trail", "--format", "json"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let line = "warning: trail/t.json: 6 malformed records skipped (6 with an eventSource that is no AWS service endpoint), 1 read [malformed-record]";
    assert!(r.stderr.lines().any(|l| l == line), "{line}\n{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::media/*"]);
    assert_eq!(report["cloudtrail"]["malformed"], 6);
}

#[test]
fn a_definition_that_cannot_be_read_fails_the_diff_gate() {
    let nested = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: child.yaml\n";
    for (files, path, unreadable) in [
        (
            vec![("app/template.yaml", "Resources:\n  Orders: [\n")],
            "repo/app",
            "repo/app/template.yaml",
        ),
        (
            vec![
                ("svc/serverless.yml", "service: shop\nfunctions: {\n"),
                ("svc/fn/app.py", HANDLER),
            ],
            "repo/svc",
            "repo/svc/serverless.yml",
        ),
        (
            vec![
                ("infra/main.tf", &terraform("\"media\"")[..]),
                ("infra/broken.tf", "resource \"aws_lambda_function\" \"other\" {\n"),
                ("infra/fn/app.py", HANDLER),
            ],
            "repo/infra",
            "repo/infra/broken.tf",
        ),
        (
            vec![("app/template.yaml", nested), ("app/child.yaml", "Resources: [\n")],
            "repo/app",
            "repo/app/child.yaml",
        ),
    ] {
        let (tmp, _) = repo(&files);
        for format in ["markdown", "json", "sarif"] {
            let r = run(tmp.path(), &["diff", path, "--fail-on", "any", "--format", format]);
            assert_eq!(r.code, Some(2), "{path} {format}: {}", r.stderr);
            assert_eq!(
                r.stderr.lines().last().unwrap(),
                format!("error: {unreadable} could not be read: its functions were not compared"),
            );
        }
        let r = run(tmp.path(), &["diff", path]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        let said = format!("warning: {unreadable}");
        assert!(
            r.stdout.lines().any(|l| l.starts_with("> ⚠️ ") && l.contains(&said)),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn a_linked_function_folder_or_module_is_said_to_be_skipped() {
    let (tmp, repo) = repo(&[("fns/orders/app.py", HANDLER), ("lib/shared.py", HANDLER)]);
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    std::fs::write(tmp.path().join("elsewhere/app.py"), OUTSIDE_CODE).unwrap();
    std::os::unix::fs::symlink("../../elsewhere", repo.join("fns/linked")).unwrap();
    std::os::unix::fs::symlink("../../lib", repo.join("fns/orders/lib")).unwrap();
    std::os::unix::fs::symlink("../../lib/shared.py", repo.join("fns/orders/shared.py")).unwrap();
    for args in [&["generate", "repo/fns", "--format", "json"][..], &["diff", "repo/fns"]] {
        let r = run(tmp.path(), args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stdout.contains(CANARY), "{}", r.stdout);
        for line in [
            "warning: repo/fns/linked: a symbolic link: not followed, not analysed as a function [unsafe-path]",
            "warning: repo/fns/orders/lib: a symbolic link: not followed by the folder walk (its code counts only where an import inside the repository reaches it) [unsafe-path]",
            "warning: repo/fns/orders/shared.py: a symbolic link: not followed by the folder walk (its code counts only where an import inside the repository reaches it) [unsafe-path]",
        ] {
            assert!(r.stderr.lines().any(|l| l == line), "{args:?}: {line}\n{}", r.stderr);
        }
    }
}

/// 64 values, each the one before twice: 2^64 bytes if evaluated naively.
const DOUBLINGS: usize = 64;

#[test]
fn values_that_double_themselves_become_a_star_quickly_and_in_little_memory() {
    let n = DOUBLINGS;
    let locals: String = (1..=n)
        .map(|i| format!("  a{i} = \"${{local.a{}}}${{local.a{}}}\"\n", i - 1, i - 1))
        .collect();
    let tf = format!(
        "locals {{\n  a0 = \"x\"\n{locals}}}\n{}",
        terraform(&format!("local.a{n}"))
    );
    let custom: String = (1..=n)
        .map(|i| format!("  a{i}: ${{self:custom.a{}}}${{self:custom.a{}}}\n", i - 1, i - 1))
        .collect();
    let sls = serverless(&format!("${{self:custom.a{n}}}"))
        .replace("functions:", &format!("custom:\n  a0: x\n{custom}functions:"));
    let cfn = |body: &dyn Fn(usize) -> String| {
        let mut t = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  B0:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: x\n".to_string();
        for i in 1..=n {
            t += &format!(
                "  B{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {}\n",
                body(i - 1)
            );
        }
        t + &format!(
            "  Orders:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn/\n      Handler: app.handler\n      Runtime: python3.12\n      Environment:\n        Variables:\n          BUCKET: !Ref B{n}\n"
        )
    };
    let join = cfn(&|p| format!("!Join ['', [!Ref B{p}, !Ref B{p}]]"));
    let sub = cfn(&|p| format!("!Sub '${{B{p}}}${{B{p}}}'"));
    let too_long = "a value grew past 65536 bytes (a value built from itself over and over)";
    let too_many = "evaluating its values took more than 1000000 steps (values that refer to each other over and over)";
    for (files, path, warning) in [
        (
            vec![("infra/main.tf", tf.as_str()), ("infra/fn/app.py", HANDLER)],
            "repo/infra",
            format!("warning: repo/infra: {too_long}; {too_many}: replaced by * [evaluation-limit]"),
        ),
        (
            vec![("svc/serverless.yml", sls.as_str()), ("svc/fn/app.py", HANDLER)],
            "repo/svc",
            format!("warning: repo/svc/serverless.yml: {too_long}; {too_many}: replaced by * [evaluation-limit]"),
        ),
        (
            vec![("app/template.yaml", join.as_str()), ("app/fn/app.py", HANDLER)],
            "repo/app",
            format!("warning: repo/app/template.yaml: {too_many}: replaced by * [evaluation-limit]"),
        ),
        (
            vec![("app/template.yaml", sub.as_str()), ("app/fn/app.py", HANDLER)],
            "repo/app",
            format!("warning: repo/app/template.yaml: {too_long}; {too_many}: replaced by * [evaluation-limit]"),
        ),
    ] {
        let (tmp, _) = repo(&files);
        let start = Instant::now();
        let r = run_within(tmp.path(), &["generate", path, "--format", "json"], 1_000_000);
        assert_eq!(r.code, Some(0), "{path}: {}", r.stderr);
        assert!(r.stderr.lines().any(|l| l == warning), "{warning}\n{}", r.stderr);
        assert!(r.stdout.len() < 100_000, "{path}: a {} byte report", r.stdout.len());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{path}: {:?}",
            start.elapsed()
        );
        // Cut short, the definition may have lost functions: a diff gate cannot pass.
        let d = run_within(tmp.path(), &["diff", path, "--fail-on", "any"], 1_000_000);
        assert_eq!(d.code, Some(2), "{path}: {}", d.stderr);
    }
}

#[test]
fn strings_code_doubles_become_a_star_with_a_warning() {
    let n = DOUBLINGS;
    let consts: String = (1..=n)
        .map(|i| format!("const a{i} = `${{a{}}}${{a{}}}`;\n", i - 1, i - 1))
        .collect();
    let js = format!(
        "const {{ S3Client, GetObjectCommand }} = require('@aws-sdk/client-s3');\nconst s3 = new S3Client({{}});\nconst a0 = 'x';\n{consts}exports.handler = async () => s3.send(new GetObjectCommand({{ Bucket: a{n}, Key: 'k' }}));\n"
    );
    let fstrings: String = (1..=n)
        .map(|i| format!("a{i} = f'{{a{}}}{{a{}}}'\n", i - 1, i - 1))
        .collect();
    let py = format!(
        "import boto3\ns3 = boto3.client('s3')\na0 = 'x'\n{fstrings}def handler(e, c):\n    return s3.get_object(Bucket=a{n}, Key='k')\n"
    );
    for (file, text, warning) in [
        (
            "fns/orders/index.js",
            js,
            format!(
                "orders: warning: repo/fns/orders/index.js:{}: s3.send(GetObjectCommand): parameter Bucket is built past 65536 bytes (a string doubled over and over): replaced by * [evaluation-limit]",
                n + 4
            ),
        ),
        (
            "fns/orders/app.py",
            py,
            format!(
                "orders: warning: repo/fns/orders/app.py:{}: s3.get_object: parameter Bucket is built past 65536 bytes (a string doubled over and over): replaced by * [evaluation-limit]",
                n + 5
            ),
        ),
    ] {
        let (tmp, _) = repo(&[(file, text.as_str())]);
        let r = run_within(tmp.path(), &["generate", "repo/fns", "--format", "json"], 1_000_000);
        assert_eq!(r.code, Some(0), "{file}: {}", r.stderr);
        assert!(r.stderr.lines().any(|l| l == warning), "{warning}\n{}", r.stderr);
        let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"], "{file}");
    }
}

#[test]
fn a_module_or_stack_that_includes_itself_is_a_cycle_read_once() {
    let tf = format!(
        "{}\nmodule \"again\" {{\n  source = \"./\"\n}}\n\nmodule \"twice\" {{\n  source = \"../infra\"\n}}\n",
        terraform("\"media\"")
    );
    let stack = format!(
        "{}  Again:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: template.yaml\n  Other:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n",
        sam("fn/")
    );
    let child = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Back:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: template.yaml\n";
    for (files, path, warnings) in [
        (
            vec![("infra/main.tf", tf.as_str()), ("infra/fn/app.py", HANDLER)],
            "repo/infra",
            vec![
                "warning: repo/infra/main.tf:20: module again: source \"./\" is a module it is part of (a cycle): not read again [inclusion-cycle]",
                "warning: repo/infra/main.tf:24: module twice: source \"../infra\" is a module it is part of (a cycle): not read again [inclusion-cycle]",
            ],
        ),
        (
            vec![
                ("app/template.yaml", stack.as_str()),
                ("app/child.yaml", child),
                ("app/fn/app.py", HANDLER),
            ],
            "repo/app",
            vec![
                "warning: repo/app/template.yaml:10: Again: nested stack Location \"template.yaml\" is a stack it is part of (a cycle): not read again [inclusion-cycle]",
                "warning: repo/app/child.yaml:3: Back: nested stack TemplateURL \"template.yaml\" is a stack it is part of (a cycle): not read again [inclusion-cycle]",
            ],
        ),
    ] {
        let (tmp, _) = repo(&files);
        let r = run(tmp.path(), &["generate", path, "--format", "json"]);
        assert_eq!(r.code, Some(0), "{path}: {}", r.stderr);
        for w in warnings {
            assert!(r.stderr.lines().any(|l| l == w), "{w}\n{}", r.stderr);
        }
        let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(report["functions"].as_array().unwrap().len(), 1, "{path}: {}", r.stdout);
    }
}

/// A SAM function whose inline policy is one statement of `actions` × `resources`.
fn sam_with_statement(actions: &[String], resources: &[String]) -> String {
    let list = |v: &[String]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "{}      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: [{}]\n              Resource: [{}]\n",
        sam("fn/"),
        list(actions),
        list(resources)
    )
}

#[test]
fn a_statement_repeating_one_action_and_resource_is_diffed_quickly() {
    // 39 KB: 1,000 copies of one action (in varied case) × 1,000 copies of one resource.
    let actions: Vec<String> = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                "s3:GetObject".into()
            } else {
                "S3:getobject".into()
            }
        })
        .collect();
    let resources = vec!["arn:aws:s3:::media/k".to_string(); 1000];
    let (tmp, _) = repo(&[
        ("app/template.yaml", &sam_with_statement(&actions, &resources)),
        ("app/fn/app.py", HANDLER),
    ]);
    for format in ["markdown", "json", "sarif"] {
        let start = Instant::now();
        let r = run_within(tmp.path(), &["diff", "repo/app", "--format", format], 1_000_000);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{format}: {:?}",
            start.elapsed()
        );
        assert!(r.stdout.len() < 20_000, "{format}: {} bytes", r.stdout.len());
    }
}

#[test]
fn a_diff_longer_than_a_github_comment_is_summarised() {
    let actions = vec!["s3:*".to_string(), "s3:Get*".into(), "dynamodb:*".into()];
    let resources: Vec<String> = (0..1000).map(|i| format!("arn:aws:s3:::media{i}/k")).collect();
    let (tmp, _) = repo(&[
        ("app/template.yaml", &sam_with_statement(&actions, &resources)),
        ("app/fn/app.py", HANDLER),
    ]);
    let r = run_within(tmp.path(), &["diff", "repo/app"], 1_000_000);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.chars().count() <= 65_536,
        "{} characters",
        r.stdout.chars().count()
    );
    assert!(
        r.stdout
            .contains("| `Orders` | ❌ missing 1 · excess 2000 · broader 3 |"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().any(|l| l == "_This diff is longer than a GitHub comment may be (65536 characters): the details of 1 functions left out. The whole diff is in `leastpriv diff --format json` or `--format sarif` (the action's `sarif` file)._"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_huge_trail_record_is_skipped_as_it_streams_in_bounded_memory() {
    use std::io::Write as _;
    let gzip = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let record = serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-11-02T10:00:00Z",
        "eventSource": "sqs.amazonaws.com", "eventName": "SendMessage", "awsRegion": "us-east-1",
        "recipientAccountId": "123456789012", "userAgent": "Boto3/1.34 exec-env/AWS_Lambda_python3.12",
        "requestParameters": {"queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"},
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/worker-role/worker",
            "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::123456789012:role/worker-role", "userName": "worker-role"}}}});
    // Gzip members concatenate: one record of 24 MB of padding in a 12 KB file, then a
    // good record.
    let mut data = gzip(br#"{"Records":[{"eventSource":"sqs.amazonaws.com","eventName":"SendMessage","pad":""#);
    let mib = gzip(&[b'a'; 1 << 20]);
    for _ in 0..24 {
        data.extend_from_slice(&mib);
    }
    data.extend_from_slice(&gzip(format!("\"}},{record}]}}").as_bytes()));
    let (tmp, _) = repo(&[("fns/worker/app.py", "import boto3\n")]);
    std::fs::create_dir_all(tmp.path().join("trail")).unwrap();
    for i in 0..8 {
        std::fs::write(tmp.path().join(format!("trail/t{i}.json.gz")), &data).unwrap();
    }
    let mut cmd_env = std::collections::BTreeMap::new();
    cmd_env.insert("RAYON_NUM_THREADS", "8");
    let r = run_env(
        tmp.path(),
        &["generate", "repo/fns", "--cloudtrail", "trail", "--format", "json"],
        &cmd_env,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for i in 0..8 {
        let line = format!(
            "warning: trail/t{i}.json.gz: 1 malformed records skipped (1 larger than 4 MiB, not read), 1 read [malformed-record]"
        );
        assert!(r.stderr.lines().any(|l| l == line), "{line}\n{}", r.stderr);
    }
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["cloudtrail"]["records"], 8, "{}", report["cloudtrail"]);
    assert_eq!(report["cloudtrail"]["malformed"], 8);
    // 8 readers at once, each record 24 MB: holding them would take 200 MB or more.
    assert!(r.peak_rss_kb < 150_000, "peak RSS {} kB", r.peak_rss_kb);
}

#[test]
fn a_file_a_definition_names_over_and_over_is_read_a_bounded_amount() {
    // 3 MB, naming itself twice: 2^32 reads of 3 MB if followed to the depth limit.
    let big = format!(
        "pad: {}\nv: ${{file(./big.yml):v}}${{file(./big.yml):v}}\n",
        "x".repeat(3 << 20)
    );
    let (tmp, _) = repo(&[
        ("svc/serverless.yml", &serverless("${file(./big.yml):v}")),
        ("svc/big.yml", &big),
        ("svc/fn/app.py", HANDLER),
    ]);
    let start = Instant::now();
    let r = run_within(tmp.path(), &["generate", "repo/svc", "--format", "json"], 1_000_000);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let line = "warning: repo/svc/serverless.yml: its values read more than 64 MiB of files (a file named over and over): replaced by * [evaluation-limit]";
    assert!(r.stderr.lines().any(|l| l == line), "{line}\n{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(get_object_resources(&report), ["arn:aws:s3:::*/k"]);
}

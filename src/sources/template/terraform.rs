//! Terraform projects: the `.tf` files of a root module and of the modules it calls from
//! local paths, indexed by address (`aws_dynamodb_table.orders`, `module.api.…`), with
//! variables (defaults, `terraform.tfvars`, module inputs) and locals. Functions come
//! from `aws_lambda_function` ([`terraform_lambda`](super::terraform_lambda)), their
//! roles' policies from [`terraform_iam`](super::terraform_iam), values from
//! [`terraform_eval`](super::terraform_eval).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression};

use crate::diagnostics::codes;
use crate::sources::contained::{self, Refusal, Root};
use crate::sources::discover::{Definition, Discovery};
use crate::sources::walk;

use super::cfn::Pseudo;
use super::terraform_eval::Eval;
use super::{lines, problem, template_error};

/// Module calls nested deeper than this are not followed.
const MAX_MODULE_DEPTH: usize = 8;

/// Blocks nested deeper than this are not searched for attribute lines.
const MAX_BLOCK_DEPTH: usize = 16;

/// One block of a module, with where it is written.
#[derive(Debug, Clone)]
pub struct Item {
    pub block: Block,
    pub file: PathBuf,
    pub line: Option<u32>,
    /// The line of each attribute written in a resource or data block (nested blocks'
    /// included; the first of a repeated name).
    pub attr_lines: BTreeMap<String, u32>,
}

impl Item {
    /// The line of attribute `key` (`kms_master_key_id`), as [`Item::attr_lines`] knows it.
    pub fn attr_line(&self, key: &str) -> Option<u32> {
        self.attr_lines.get(key).copied()
    }

    /// An attribute of the block (`handler`), or of a nested block (`environment.variables`).
    pub fn attr(&self, path: &str) -> Option<&Expression> {
        attr_in(self.block.body(), path)
    }

    /// The nested blocks named `ident` (`statement`, `inline_policy`).
    pub fn blocks<'b>(&'b self, ident: &'b str) -> impl Iterator<Item = &'b Block> + 'b {
        self.block.body().blocks().filter(move |b| b.identifier() == ident)
    }
}

/// `a.b`: attribute `b` of the first nested block `a`.
pub fn attr_in<'b>(body: &'b Body, path: &str) -> Option<&'b Expression> {
    match path.split_once('.') {
        None => body.attributes().find(|a| a.key() == path).map(|a| a.expr()),
        Some((block, rest)) => body
            .blocks()
            .filter(|b| b.identifier() == block)
            .find_map(|b| attr_in(b.body(), rest)),
    }
}

/// One module: a folder of `.tf` files.
#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    /// `""` for the root, `module.api.` for a called module (address prefix).
    pub prefix: String,
    /// `type.name` → block.
    pub resources: BTreeMap<String, Item>,
    pub data: BTreeMap<String, Item>,
    pub locals: BTreeMap<String, Expression>,
    /// Variable → its default.
    pub variables: BTreeMap<String, Option<Expression>>,
    pub outputs: BTreeMap<String, Expression>,
    /// Module calls by name, and the index of the module each loads.
    pub calls: BTreeMap<String, (Item, Option<usize>)>,
    /// The calling module and the call's name.
    pub parent: Option<(usize, String)>,
    /// Values of `terraform.tfvars` and `*.auto.tfvars` (root module only).
    pub tfvars: BTreeMap<String, Expression>,
}

/// Every module of a project, the root first.
#[derive(Debug, Default)]
pub struct Project {
    pub modules: Vec<Module>,
    pub pseudo: Pseudo,
    /// The folder every file the project names must be in (the repository).
    pub root: Option<Root>,
    /// Files `file()`/`templatefile()` named that were not read, for warnings.
    pub refused: RefCell<BTreeSet<Refused>>,
}

/// A file a function call named and leastpriv did not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Refused {
    pub module: usize,
    /// `file`, `templatefile`.
    pub function: String,
    /// The path as evaluated.
    pub path: String,
    /// Why (`is outside the repository`).
    pub refusal: String,
}

/// Does this folder hold Terraform files?
pub fn has_tf_files(dir: &Path) -> bool {
    !tf_files(dir).is_empty()
}

fn tf_files(dir: &Path) -> Vec<PathBuf> {
    walk::direct_entries(dir, |p| p.is_file() && p.extension().is_some_and(|e| e == "tf"))
}

/// Reads a root module and its local modules into `found`.
pub fn read(dir: &Path, pseudo: &Pseudo, found: &mut Discovery) {
    let mut project = Project {
        modules: Vec::new(),
        pseudo: pseudo.clone(),
        root: Some(Root::of(dir)),
        refused: RefCell::default(),
    };
    load(&mut project, dir, String::new(), None, 0, found);
    for ix in 0..project.modules.len() {
        let ev = Eval::new(&project, ix);
        definitions(&ev, found);
        super::terraform_lambda::functions(&ev, found);
    }
    for r in std::mem::take(&mut *project.refused.borrow_mut()) {
        let module = &project.modules[r.module];
        let (file, line) = call_site(&module.dir, &r.function, &r.path);
        found.diagnostics.push(problem(
            codes::UNSAFE_PATH,
            &file,
            line,
            format!("{}(\"{}\") {}: not read", r.function, r.path, r.refusal),
        ));
    }
}

/// The `.tf` file and line of a call `function(...)` naming `path` (or, failing that, of
/// the first call of `function`), for a warning; the module's folder when none is found.
fn call_site(dir: &Path, function: &str, path: &str) -> (PathBuf, Option<u32>) {
    let call = format!("{function}(");
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut first = None;
    for file in tf_files(dir) {
        let Ok(text) = Root::at(dir).read_text(&file, contained::MAX_BYTES) else {
            continue;
        };
        for (i, l) in text.lines().enumerate() {
            let at_call = l.match_indices(&call).any(|(at, _)| {
                at == 0 || !l.as_bytes()[at - 1].is_ascii_alphanumeric() && l.as_bytes()[at - 1] != b'_'
            });
            if !at_call {
                continue;
            }
            let here = (file.clone(), Some(i as u32 + 1));
            if !base.is_empty() && l.contains(base) {
                return here;
            }
            first.get_or_insert(here);
        }
    }
    first.unwrap_or_else(|| (dir.to_path_buf(), None))
}

/// Parses one module's files (and the local modules it calls); returns its index.
fn load(
    project: &mut Project,
    dir: &Path,
    prefix: String,
    parent: Option<(usize, String)>,
    depth: usize,
    found: &mut Discovery,
) -> usize {
    let mut module = Module {
        dir: dir.to_path_buf(),
        prefix,
        parent,
        ..Module::default()
    };
    let root = project.root.clone().unwrap_or_else(|| Root::of(dir));
    for file in tf_files(dir) {
        let text = match root.read_text(&file, contained::MAX_BYTES) {
            Ok(text) => text,
            Err(refusal) => {
                found
                    .diagnostics
                    .push(template_error(&file, None, format!("the file {refusal}: not read")));
                found.unreadable.push(file.clone());
                continue;
            }
        };
        let body = match hcl::parse(&text) {
            Ok(b) => b,
            Err(e) => {
                let (line, message) = match &e {
                    hcl::Error::Parse(p) => (Some(p.location().line() as u32), p.message().to_string()),
                    other => (None, other.to_string()),
                };
                found
                    .diagnostics
                    .push(template_error(&file, line, format!("not valid HCL: {message}")));
                found.unreadable.push(file.clone());
                continue;
            }
        };
        index(&mut module, body, &file, &text);
    }
    if module.parent.is_none() {
        module.tfvars = tfvars(dir, &root);
    }
    let ix = project.modules.len();
    project.modules.push(module);
    let calls: Vec<(String, Item)> = project.modules[ix]
        .calls
        .iter()
        .map(|(k, (item, _))| (k.clone(), item.clone()))
        .collect();
    for (name, item) in calls {
        let source = item.attr("source").and_then(|e| match e {
            Expression::String(s) => Some(s.clone()),
            _ => None,
        });
        let Some(source) = source.filter(|s| s.starts_with("./") || s.starts_with("../")) else {
            continue; // A registry or git module: not in the repository.
        };
        let child_dir = super::code::normalize(&dir.join(&source));
        if includes_itself(project, ix, &child_dir) {
            found.diagnostics.push(problem(
                codes::INCLUSION_CYCLE,
                &item.file,
                item.line,
                format!("module {name}: source \"{source}\" is a module it is part of (a cycle): not read again"),
            ));
            continue;
        }
        if let Err(refusal @ (Refusal::Outside | Refusal::GitMetadata)) = root.dir(&child_dir) {
            found.diagnostics.push(problem(
                codes::UNSAFE_PATH,
                &item.file,
                item.line,
                format!("module {name}: source \"{source}\" {refusal}: not read"),
            ));
            continue;
        }
        if depth >= MAX_MODULE_DEPTH || !child_dir.is_dir() {
            found.diagnostics.push(template_error(
                &item.file,
                item.line,
                format!(
                    "module {name}: {} is not a folder leastpriv can read",
                    child_dir.display()
                ),
            ));
            continue;
        }
        if !crate::sources::limits::include() {
            continue;
        }
        let prefix = format!("{}module.{name}.", project.modules[ix].prefix);
        let child = load(project, &child_dir, prefix, Some((ix, name.clone())), depth + 1, found);
        if let Some(call) = project.modules[ix].calls.get_mut(&name) {
            call.1 = Some(child);
        }
    }
    ix
}

/// Whether `child` (a module's source folder) is module `ix` or one of the modules that
/// include it, symlinks resolved.
fn includes_itself(project: &Project, ix: usize, child: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let child = real(child);
    let mut at = Some(ix);
    while let Some(i) = at {
        let module = &project.modules[i];
        if real(&module.dir) == child {
            return true;
        }
        at = module.parent.as_ref().map(|(p, _)| *p);
    }
    false
}

fn index(module: &mut Module, body: Body, file: &Path, text: &str) {
    let keys = lines::KeyIndex::new(text);
    let headers = block_headers(text);
    for block in body.into_blocks() {
        let labels: Vec<String> = block.labels().iter().map(|l| l.as_str().to_string()).collect();
        let line = headers
            .get(&header(block.identifier(), &labels))
            .copied()
            .or_else(|| block_line(text, block.identifier(), &labels));
        let mut attr_lines = BTreeMap::new();
        if let (Some(from), "resource" | "data") = (line, block.identifier()) {
            attribute_lines(block.body(), &keys, from, &mut attr_lines, 0);
        }
        let item = |block: Block| Item {
            block,
            file: file.to_path_buf(),
            line,
            attr_lines,
        };
        match (block.identifier(), labels.as_slice()) {
            ("resource", [ty, name]) => {
                module.resources.insert(format!("{ty}.{name}"), item(block));
            }
            ("data", [ty, name]) => {
                module.data.insert(format!("{ty}.{name}"), item(block));
            }
            ("variable", [name]) => {
                let default = attr_in(block.body(), "default").cloned();
                module.variables.insert(name.clone(), default);
            }
            ("output", [name]) => {
                if let Some(v) = attr_in(block.body(), "value") {
                    module.outputs.insert(name.clone(), v.clone());
                }
            }
            ("locals", []) => {
                for a in block.body().attributes() {
                    module.locals.insert(a.key().to_string(), a.expr().clone());
                }
            }
            ("module", [name]) => {
                module.calls.insert(name.clone(), (item(block), None));
            }
            _ => {}
        }
    }
}

/// The lines of a block's attributes, at or after the block's line `from`.
fn attribute_lines(body: &Body, keys: &lines::KeyIndex<'_>, from: u32, out: &mut BTreeMap<String, u32>, depth: usize) {
    if depth > MAX_BLOCK_DEPTH {
        return;
    }
    for a in body.attributes() {
        if !out.contains_key(a.key())
            && let Some(l) = keys.line_from(a.key(), from)
        {
            out.insert(a.key().to_string(), l);
        }
    }
    for b in body.blocks() {
        attribute_lines(b.body(), keys, from, out, depth + 1);
    }
}

/// The first line of each block header of a file (`resource "type" "name"`, spaces
/// normalised), indexed once so that thousands of blocks do not rescan the file each.
fn block_headers(text: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        // A block's opening brace is on its header's line.
        let Some((head, _)) = line.split_once('{') else {
            continue;
        };
        let key = head.split_whitespace().collect::<Vec<_>>().join(" ");
        if !key.is_empty() {
            out.entry(key).or_insert(i as u32 + 1);
        }
    }
    out
}

/// `resource "type" "name"`: a block's header as [`block_headers`] indexes it.
fn header(ident: &str, labels: &[String]) -> String {
    let mut out = ident.to_string();
    for l in labels {
        out.push_str(&format!(" \"{l}\""));
    }
    out
}

/// The line of `resource "type" "name" {`, scanning the text (a header written in a way
/// [`block_headers`] does not index).
fn block_line(text: &str, ident: &str, labels: &[String]) -> Option<u32> {
    let quoted: Vec<String> = labels.iter().map(|l| format!("\"{l}\"")).collect();
    text.lines()
        .position(|line| {
            let t = line.trim_start();
            t.starts_with(ident) && quoted.iter().all(|q| t.contains(q.as_str()))
        })
        .map(|i| i as u32 + 1)
        .or_else(|| lines::find_line(text, ident))
}

/// `terraform.tfvars` then `*.auto.tfvars`, later files winning.
fn tfvars(dir: &Path, root: &Root) -> BTreeMap<String, Expression> {
    let mut files = walk::direct_entries(dir, |p| walk::name_ends_with(p, ".auto.tfvars"));
    files.insert(0, dir.join("terraform.tfvars"));
    let mut out = BTreeMap::new();
    for f in files {
        let text = root.read_text(&f, contained::MAX_BYTES).ok();
        let Some(body) = text.and_then(|t| hcl::parse(&t).ok()) else {
            continue;
        };
        for a in body.attributes() {
            out.insert(a.key().to_string(), a.expr().clone());
        }
    }
    out
}

/// The resources of one module the graph can show.
fn definitions(ev: &Eval<'_>, found: &mut Discovery) {
    let module = ev.module();
    let stack = ev.stack_label();
    let mut keys = super::terraform_encryption::keys(ev);
    for (addr, item) in &module.resources {
        let ty = addr.split('.').next().unwrap_or("");
        if !super::terraform_eval::is_named_type(ty) || ty == "aws_lambda_function" {
            continue;
        }
        let name = ev.resource_attr(addr, "name_shown");
        let arn = ev.resource_attr(addr, "arn");
        ev.take_notes();
        found.definitions.push(Definition {
            id: format!("{}{addr}", module.prefix),
            kind: ty.to_string(),
            name: name.and_then(|v| v.as_str().map(String::from)),
            arn: arn.and_then(|v| v.as_str().map(String::from)).filter(|a| a != "*"),
            file: item.file.clone(),
            line: item.line,
            stack: Some(stack.clone()),
            encryption: keys.remove(addr),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_reads_only_inside_the_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo/infra");
        std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("name.txt"), "orders").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "sekrit").unwrap();
        std::fs::write(
            dir.join("main.tf"),
            "resource \"aws_sqs_queue\" \"in\" {\n  name = file(\"${path.module}/name.txt\")\n}\n\
             resource \"aws_sqs_queue\" \"out\" {\n  name = file(\"../../secret.txt\")\n}\n\
             resource \"aws_sqs_queue\" \"dev\" {\n  name = templatefile(\"/dev/zero\", {})\n}\n\
             resource \"aws_sqs_queue\" \"gone\" {\n  name = file(\"missing.txt\")\n}\n",
        )
        .unwrap();
        let mut found = Discovery::default();
        read(&dir, &Pseudo::default(), &mut found);
        let names: BTreeMap<&str, Option<&str>> = found
            .definitions
            .iter()
            .map(|d| (d.id.as_str(), d.name.as_deref()))
            .collect();
        assert_eq!(names["aws_sqs_queue.in"], Some("orders"));
        assert_eq!(names["aws_sqs_queue.out"], Some("*"));
        assert_eq!(names["aws_sqs_queue.dev"], Some("*"));
        assert_eq!(names["aws_sqs_queue.gone"], Some("*"));
        let warnings: Vec<String> = found.diagnostics.iter().map(|d| d.one_line()).collect();
        let main = dir.join("main.tf");
        assert_eq!(
            warnings,
            [
                format!(
                    "warning: {}:5: file(\"../../secret.txt\") is outside the repository: not read [unsafe-path]",
                    main.display()
                ),
                format!(
                    "warning: {}:8: templatefile(\"/dev/zero\") is outside the repository: not read [unsafe-path]",
                    main.display()
                ),
            ]
        );
    }

    #[test]
    fn indexed_block_headers_agree_with_scanning() {
        let text = "locals {\n  a = 1\n}\nresource \"aws_sqs_queue\" \"jobs\" {\n  name = \"j\"\n}\n\
                    resource  \"aws_sqs_queue\"   \"jobs2\"{ name = \"k\" }\n\
                    data \"aws_kms_key\" \"k\" {\n  key_id = \"alias/x\"\n}\nmodule \"api\" {\n  source = \"./api\"\n}\n";
        let headers = block_headers(text);
        let body = hcl::parse(text).unwrap();
        for block in body.blocks() {
            let labels: Vec<String> = block.labels().iter().map(|l| l.as_str().to_string()).collect();
            let indexed = headers.get(&header(block.identifier(), &labels)).copied();
            assert!(indexed.is_some(), "{} {labels:?}", block.identifier());
            assert_eq!(indexed, block_line(text, block.identifier(), &labels), "{labels:?}");
        }
    }
}

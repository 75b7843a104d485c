//! Fuzz target: the deployment-definition readers (SAM/CloudFormation YAML and JSON,
//! `serverless.yml`, Terraform HCL) turn any file into functions or diagnostics, never a
//! panic. The first byte picks the reader; the rest is the file, written into a scratch
//! folder of this process because the readers look at the folder around a definition.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use leastpriv::sources::discover::Discovery;
use leastpriv::sources::template::Source;
use leastpriv::sources::template::cfn::Pseudo;
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("scratch folder").keep())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let (name, source) = match pick % 4 {
        0 => ("template.yaml", None),
        1 => ("template.json", None),
        2 => ("serverless.yml", None),
        _ => ("main.tf", Some(Source::Terraform(dir.clone()))),
    };
    let path = dir.join(name);
    std::fs::write(&path, rest).expect("write the definition");
    let source = source.or_else(|| Source::of_file(&path)).expect("a definition");
    let mut found = Discovery::default();
    source.read(&Pseudo::default(), &mut found);
    let _ = std::fs::remove_file(&path);
    let _ = leastpriv::sources::template::yaml::parse(&String::from_utf8_lossy(rest));
});

//! Finding functions the way users run leastpriv: from inside the app's folder with no
//! PATH, `.`, the definition's bare file name, `..` and an absolute path, for every kind
//! of definition; each finds the functions that running from the repository root does.

mod common;

use common::{json, leastpriv, leastpriv_in, repo, stderr};
use std::collections::BTreeSet;

/// The function names a `generate` run reports, and its warnings.
fn names(out: &std::process::Output) -> BTreeSet<String> {
    assert!(out.status.success(), "{}", stderr(out));
    json(out)["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_definition_kind_is_found_from_inside_its_folder() {
    // (app folder, its definition file)
    let apps = [
        ("tests/fixtures/apps/serverless", "serverless.yml"),
        ("tests/fixtures/handlers/sls-node", "serverless.yml"),
        ("tests/fixtures/apps/sam", "template.yaml"),
        ("tests/fixtures/apps/terraform", "main.tf"),
        ("tests/fixtures/apps/cdk", "cdk.out"),
    ];
    for (app, definition) in apps {
        let expected = names(&leastpriv(&["generate", app, "--format", "json"]));
        assert!(!expected.is_empty(), "{app}");
        let dir = repo().join(app);
        let absolute = dir.to_string_lossy().into_owned();
        let from_parent = format!("./{}", dir.file_name().unwrap().to_string_lossy());
        // (folder run from, PATH given)
        let runs: [(std::path::PathBuf, Option<&str>); 5] = [
            (dir.clone(), None),
            (dir.clone(), Some(".")),
            (dir.clone(), Some(definition)),
            (dir.clone(), Some(absolute.as_str())),
            (dir.join(".."), Some(from_parent.as_str())),
        ];
        for (cwd, path) in runs {
            let mut args = vec!["generate", "--format", "json"];
            args.extend(path);
            let out = leastpriv_in(&cwd, &args);
            assert_eq!(names(&out), expected, "{app}: {args:?} in {}", cwd.display());
            assert!(
                !stderr(&out).contains("does not exist"),
                "{app}: {args:?}: {}",
                stderr(&out)
            );
        }
    }
}

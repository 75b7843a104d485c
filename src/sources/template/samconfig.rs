//! `samconfig.toml` beside a SAM template: the stack name, region and parameter
//! overrides of its `default` environment, so `${AWS::StackName}-orders` becomes
//! `shop-prod-orders` rather than `*-orders`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::sources::contained::{self, Root};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SamConfig {
    pub stack_name: Option<String>,
    pub region: Option<String>,
    pub parameters: BTreeMap<String, String>,
}

/// Reads the `default` environment of `samconfig.toml` in `dir`, if there is one.
pub fn read(dir: &Path) -> Option<SamConfig> {
    let path = dir.join("samconfig.toml");
    let text = Root::of(&path).read_text(&path, contained::MAX_BYTES).ok()?;
    parse(&text)
}

pub fn parse(text: &str) -> Option<SamConfig> {
    let doc: toml::Table = text.parse().ok()?;
    let env = doc.get("default")?.as_table()?;
    let get = |key: &str| -> Option<String> {
        ["deploy", "global"].iter().find_map(|section| {
            env.get(*section)?
                .get("parameters")?
                .get(key)?
                .as_str()
                .map(String::from)
        })
    };
    let mut parameters = BTreeMap::new();
    if let Some(overrides) = get("parameter_overrides") {
        for pair in split_overrides(&overrides) {
            if let Some((k, v)) = pair.split_once('=') {
                parameters.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
            }
        }
    }
    Some(SamConfig {
        stack_name: get("stack_name"),
        region: get("region"),
        parameters,
    })
}

/// `A="x y" B=z` → [`A="x y"`, `B=z`]: spaces inside quotes do not split.
fn split_overrides(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_environment() {
        let c = parse(
            "version = 0.1\n[default.global.parameters]\nstack_name = \"shop-prod\"\n[default.deploy.parameters]\nregion = \"us-east-1\"\nparameter_overrides = \"Stage=\\\"prod\\\" Name=\\\"a b\\\"\"\n",
        )
        .unwrap();
        assert_eq!(c.stack_name.as_deref(), Some("shop-prod"));
        assert_eq!(c.region.as_deref(), Some("us-east-1"));
        assert_eq!(c.parameters["Stage"], "prod");
        assert_eq!(c.parameters["Name"], "a b");
    }
}

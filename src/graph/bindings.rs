//! Environment-variable bindings of one function: from its template, then the user's
//! `--env NAME=VALUE` (which wins).

use std::collections::BTreeMap;

use crate::evidence::ResourcePattern;

#[derive(Debug, Clone, Default)]
pub struct Bindings {
    values: BTreeMap<String, String>,
}

impl Bindings {
    pub fn new(template: &BTreeMap<String, String>, overrides: &BTreeMap<String, String>) -> Bindings {
        let mut values = template.clone();
        values.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        Bindings { values }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The pattern with every bound variable replaced by its value.
    pub fn resolve(&self, pattern: &ResourcePattern) -> ResourcePattern {
        if pattern.env_vars().next().is_none() {
            return pattern.clone();
        }
        pattern.resolve_env(|name| self.values.get(name).cloned())
    }
}

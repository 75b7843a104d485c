//! Whether CloudTrail can show an action: a management event (logged by default), a
//! data event (logged only when the trail records data events for its resource type),
//! or not logged at all. Reviewed data: `service-catalog/cloudtrail-visibility.toml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const TABLE: &str = include_str!("../../service-catalog/cloudtrail-visibility.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Management,
    /// Logged only with data events for this CloudTrail resource type.
    Data(&'static str),
    NotLogged,
}

#[derive(Deserialize)]
struct Table {
    data: BTreeMap<String, Vec<String>>,
    unlogged: Unlogged,
}

#[derive(Deserialize)]
struct Unlogged {
    actions: Vec<String>,
}

struct Index {
    /// Lower-cased action → data event resource type.
    data: BTreeMap<String, &'static str>,
    unlogged: Vec<String>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        // Reviewed data compiled in; the test below parses it.
        let table: Table = toml::from_str(TABLE).unwrap_or(Table {
            data: BTreeMap::new(),
            unlogged: Unlogged { actions: vec![] },
        });
        let mut data = BTreeMap::new();
        for (ty, actions) in table.data {
            let ty: &'static str = Box::leak(ty.into_boxed_str());
            for a in actions {
                data.insert(a.to_ascii_lowercase(), ty);
            }
        }
        Index {
            data,
            unlogged: table.unlogged.actions.iter().map(|a| a.to_ascii_lowercase()).collect(),
        }
    })
}

/// How CloudTrail records calls authorized by `action`.
pub fn visibility(action: &str) -> Visibility {
    let key = action.to_ascii_lowercase();
    let idx = index();
    if idx.unlogged.contains(&key) {
        return Visibility::NotLogged;
    }
    match idx.data.get(&key) {
        Some(ty) => Visibility::Data(ty),
        None => Visibility::Management,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn table_names_real_actions() {
        let table: Table = toml::from_str(TABLE).expect("cloudtrail-visibility.toml parses");
        let catalog = Catalog::embedded();
        for a in table.data.values().flatten().chain(&table.unlogged.actions) {
            assert!(catalog.iam_action(a).is_some(), "{a} exists in the catalog");
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(visibility("s3:GetObject"), Visibility::Data("AWS::S3::Object"));
        assert_eq!(visibility("dynamodb:PutItem"), Visibility::Data("AWS::DynamoDB::Table"));
        assert_eq!(visibility("logs:PutLogEvents"), Visibility::NotLogged);
        assert_eq!(visibility("secretsmanager:GetSecretValue"), Visibility::Management);
    }
}

//! The reviewed TOML tables compiled into the binary (`service-catalog/*.toml`): each a
//! list of `[[rule]]` entries. Read leniently here (a table that does not parse is
//! empty); each table's own tests parse it strictly.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The `[[rule]]` entries of a reviewed table.
pub fn rules<T: DeserializeOwned>(text: &str) -> Vec<T> {
    #[derive(Deserialize)]
    #[serde(bound = "T: DeserializeOwned")]
    struct Table<T> {
        rule: Vec<T>,
    }
    toml::from_str::<Table<T>>(text).map(|t| t.rule).unwrap_or_default()
}

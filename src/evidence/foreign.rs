//! Calls made with credentials the code obtained elsewhere (a client built from an STS
//! AssumeRole session): their permissions belong to the assumed role, never to the
//! function's policy, so they are listed apart with where they are and what they need.
//! The `sts:AssumeRole` call itself stays a need of the function.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::sources::SdkCall;

use super::static_facts::needs_of_call;

/// One call the assumed role must allow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AssumedRoleCall {
    pub file: PathBuf,
    pub line: u32,
    /// The call as written (`s3.put_object`).
    pub call: String,
    /// The actions the assumed role needs for it, as the function's own would be.
    pub actions: BTreeSet<String>,
}

/// The calls made with foreign credentials, in file and line order.
pub fn assumed_role_calls(calls: &[SdkCall], catalog: &Catalog) -> Vec<AssumedRoleCall> {
    let mut out: Vec<AssumedRoleCall> = calls
        .iter()
        .filter(|c| c.foreign_credentials)
        .map(|c| {
            let mut own = c.clone();
            own.foreign_credentials = false;
            let (mut needs, mut diags) = (Vec::new(), Vec::new());
            needs_of_call(&own, catalog, &mut needs, &mut diags);
            AssumedRoleCall {
                file: c.file.clone(),
                line: c.line,
                call: c.call.clone(),
                actions: needs.into_iter().map(|n| n.action).collect(),
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_calls_are_listed_with_their_actions() {
        let mut put = SdkCall::new("s3", "PutObject", "app.py".into(), 7, "s3.put_object".into());
        put.foreign_credentials = true;
        let own = SdkCall::new("sts", "AssumeRole", "app.py".into(), 3, "sts.assume_role".into());
        let listed = assumed_role_calls(&[own, put], Catalog::embedded());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].line, 7);
        assert!(listed[0].actions.contains("s3:PutObject"), "{:?}", listed[0].actions);
    }
}

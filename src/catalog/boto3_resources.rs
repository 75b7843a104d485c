//! boto3's resource API (`resources-1.json` of each service, embedded as
//! `service-catalog/data/boto3_resources.json`): which client operation each resource
//! action, collection, sub-resource and waiter issues, and how identifiers fill its input.
//!
//! Example: `dynamodb.Table("Orders").put_item(...)` is the `PutItem` action of the
//! `Table` resource, whose request takes `TableName` from the `Name` identifier.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::names::normalize;

/// The resource models of every service boto3 ships one for.
#[derive(Debug, Default, Deserialize)]
pub struct Boto3Resources {
    #[serde(default)]
    services: BTreeMap<String, ResourceModel>,
}

/// One service's model: the service resource and its resource types.
#[derive(Debug, Default, Deserialize)]
pub struct ResourceModel {
    #[serde(default)]
    pub service: ResourceDef,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceDef>,
}

/// A resource type (or the service resource): identifiers, actions, references.
#[derive(Debug, Default, Deserialize)]
pub struct ResourceDef {
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    #[serde(default)]
    pub load: Option<Load>,
    #[serde(default)]
    pub actions: BTreeMap<String, Action>,
    #[serde(default, rename = "batchActions")]
    pub batch_actions: BTreeMap<String, Action>,
    #[serde(default)]
    pub waiters: BTreeMap<String, Waiter>,
    #[serde(default)]
    pub has: BTreeMap<String, Has>,
    #[serde(default, rename = "hasMany")]
    pub has_many: BTreeMap<String, HasMany>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identifier {
    pub name: String,
    #[serde(default, rename = "memberName")]
    pub member_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Load {
    pub request: Request,
}

/// A client request: the operation and how its input is filled.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub operation: String,
    #[serde(default)]
    pub params: Vec<Param>,
}

/// Where an input member (`target`) or a new resource's identifier comes from:
/// `identifier` (the parent's identifier `name`), `input` (the caller's argument),
/// `requestParameter` / `response` (`path` into the request or response), `string`,
/// `integer`, `boolean` (`value`), `data` (the loaded resource data).
#[derive(Debug, Clone, Deserialize)]
pub struct Param {
    pub target: String,
    pub source: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub request: Request,
    #[serde(default)]
    pub resource: Option<Target>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Waiter {
    #[serde(rename = "waiterName")]
    pub waiter_name: String,
    #[serde(default)]
    pub params: Vec<Param>,
}

/// A sub-resource reference (`Bucket.Object(key)`).
#[derive(Debug, Clone, Deserialize)]
pub struct Has {
    pub resource: Target,
}

/// A collection (`Bucket.objects`): the listing request and the item type.
#[derive(Debug, Clone, Deserialize)]
pub struct HasMany {
    pub request: Request,
    pub resource: Target,
}

/// The resource an action or reference yields, and where its identifiers come from.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub identifiers: Vec<Param>,
}

impl Boto3Resources {
    /// The model compiled into this binary (empty when the catalog data lacks it).
    pub fn embedded() -> &'static Boto3Resources {
        static MODELS: OnceLock<Boto3Resources> = OnceLock::new();
        MODELS.get_or_init(|| {
            super::embedded::FILES
                .iter()
                .find(|(path, _)| *path == "boto3_resources.json")
                // Generated and tested data; a broken file leaves the resource API unknown.
                .and_then(|(_, text)| Boto3Resources::from_json(text).ok())
                .unwrap_or_default()
        })
    }

    pub fn from_json(text: &str) -> Result<Boto3Resources, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn service(&self, name: &str) -> Option<&ResourceModel> {
        self.services.get(name)
    }
}

impl ResourceModel {
    /// The service resource (`rtype = None`) or a resource type.
    pub fn def(&self, rtype: Option<&str>) -> Option<&ResourceDef> {
        match rtype {
            None => Some(&self.service),
            Some(t) => self.resources.get(t),
        }
    }

    /// The resource `parent.name(...)` makes: a `has` reference, or on the service
    /// resource any resource type, all its identifiers given by the caller (boto3's
    /// `ResourceModel._get_has_definition`: `s3.Object(bucket, key)`).
    pub fn sub_resource(&self, parent: Option<&str>, name: &str) -> Option<Target> {
        let def = self.def(parent)?;
        if let Some(has) = def.has.get(name) {
            return Some(has.resource.clone());
        }
        if parent.is_some() || def.has.values().any(|h| h.resource.resource_type == name) {
            return None;
        }
        let rdef = self.resources.get(name)?;
        let identifiers = rdef
            .identifiers
            .iter()
            .map(|i| Param {
                target: i.name.clone(),
                source: "input".into(),
                name: None,
                path: None,
                value: None,
            })
            .collect();
        Some(Target {
            resource_type: name.to_string(),
            identifiers,
        })
    }
}

impl ResourceDef {
    /// The action a Python method name calls (`copy_from` → `CopyFrom`).
    pub fn action(&self, method: &str) -> Option<(&str, &Action)> {
        find(&self.actions, method)
    }

    /// The batch action a collection method calls (`delete` → `Delete`).
    pub fn batch_action(&self, method: &str) -> Option<(&str, &Action)> {
        find(&self.batch_actions, method)
    }

    /// The waiter behind `wait_until_<name>` (`wait_until_exists` → `Exists`).
    pub fn waiter(&self, method: &str) -> Option<&Waiter> {
        let name = method.strip_prefix("wait_until_")?;
        find(&self.waiters, name).map(|(_, w)| w)
    }

    /// A sub-resource by its exact name (`Object`, `Table`).
    pub fn sub_resource(&self, name: &str) -> Option<&Has> {
        self.has.get(name)
    }

    /// A collection by its Python attribute (`objects` → `Objects`).
    pub fn collection(&self, attr: &str) -> Option<(&str, &HasMany)> {
        if attr.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return None;
        }
        find(&self.has_many, attr)
    }

    /// The position of the identifier a Python attribute reads (`bucket_name`).
    pub fn identifier(&self, attr: &str) -> Option<usize> {
        let want = normalize(attr);
        self.identifiers.iter().position(|i| normalize(&i.name) == want)
    }
}

fn find<'m, T>(map: &'m BTreeMap<String, T>, method: &str) -> Option<(&'m str, &'m T)> {
    let want = normalize(method);
    map.iter()
        .find(|(k, _)| normalize(k) == want)
        .map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_has_the_common_resources() {
        let models = Boto3Resources::embedded();
        let Some(s3) = models.service("s3") else { return };
        let object = s3.def(Some("Object")).unwrap();
        assert_eq!(object.action("copy_from").unwrap().1.request.operation, "CopyObject");
        assert_eq!(object.waiter("wait_until_exists").unwrap().waiter_name, "ObjectExists");
        let bucket = s3.def(Some("Bucket")).unwrap();
        assert_eq!(bucket.collection("objects").unwrap().1.request.operation, "ListObjects");
        assert!(bucket.collection("Objects").is_none());
        assert_eq!(object.identifier("bucket_name"), Some(0));
        assert!(s3.def(None).unwrap().sub_resource("Bucket").is_some());
        let object = s3.sub_resource(None, "Object").unwrap();
        assert_eq!(object.identifiers.len(), 2);
        assert!(s3.sub_resource(Some("Bucket"), "Nope").is_none());
    }
}

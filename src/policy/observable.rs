//! Whether the CloudTrail sources of a run could have shown an action: the reviewed
//! visibility table (`catalog::visibility`) met with the data event resource types the
//! records read actually held. Feeds the diff's [`Observability`] hook and the report's
//! per-permission `observable` field.

use std::collections::BTreeSet;

use crate::catalog::visibility::{Visibility, visibility};

use crate::evidence::Origin;

use super::FunctionPolicy;
use super::diff::Observability;

/// What the trail could show of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observable {
    /// A management event, or a data event of a resource type the trail logged.
    Yes,
    /// A data event, and the records read held no data event of its resource type.
    NoDataEvents,
    /// CloudTrail does not record it.
    NotLogged,
    /// No CloudTrail source was read.
    NoTrail,
}

impl Observable {
    pub fn as_str(self) -> &'static str {
        match self {
            Observable::Yes => "yes",
            Observable::NoDataEvents => "no-data-events",
            Observable::NotLogged => "not-logged",
            Observable::NoTrail => "no-trail",
        }
    }

    /// Why the trail says nothing of it, for reports; `None` when it could have.
    pub fn explain(self) -> Option<&'static str> {
        match self {
            Observable::Yes => None,
            Observable::NoDataEvents => {
                Some("not observable here: a data event, and the trail read logged none of its resource type")
            }
            Observable::NotLogged => Some("not observable: CloudTrail does not record this call"),
            Observable::NoTrail => Some("no CloudTrail source was read"),
        }
    }
}

/// What the CloudTrail sources of a run held.
#[derive(Debug, Clone, Default)]
pub struct TrailView {
    /// At least one CloudTrail source was read.
    pub trail: bool,
    /// Data event resource types (`AWS::S3::Object`...) seen in the records read.
    pub data_types: BTreeSet<String>,
}

impl TrailView {
    pub fn of(&self, action: &str) -> Observable {
        if !self.trail {
            return Observable::NoTrail;
        }
        match visibility(action) {
            Visibility::Management => Observable::Yes,
            Visibility::Data(ty) if self.data_types.contains(ty) => Observable::Yes,
            Visibility::Data(_) => Observable::NoDataEvents,
            Visibility::NotLogged => Observable::NotLogged,
        }
    }
}

/// Marks each permission only static evidence asks for with what the trail could show
/// of it; permissions CloudTrail evidence backs need no mark.
pub fn annotate(policy: &mut FunctionPolicy, view: &TrailView) {
    for p in policy.permissions.iter_mut().chain(policy.possible.iter_mut()) {
        p.observable = (!p.sources.contains(&Origin::Cloudtrail)).then(|| view.of(&p.action).as_str());
    }
}

impl Observability for TrailView {
    fn observable(&self, action: &str) -> Option<bool> {
        self.trail.then(|| self.of(action) == Observable::Yes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(types: &[&str]) -> TrailView {
        TrailView {
            trail: true,
            data_types: types.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn management_events_are_observable() {
        assert_eq!(view(&[]).of("secretsmanager:GetSecretValue"), Observable::Yes);
        assert_eq!(view(&[]).observable("sqs:CreateQueue"), Some(true));
    }

    #[test]
    fn data_events_need_their_resource_type_in_the_trail() {
        assert_eq!(view(&[]).of("s3:GetObject"), Observable::NoDataEvents);
        assert_eq!(view(&["AWS::S3::Object"]).of("s3:GetObject"), Observable::Yes);
        assert_eq!(
            view(&["AWS::S3::Object"]).of("dynamodb:PutItem"),
            Observable::NoDataEvents
        );
        assert_eq!(view(&[]).observable("s3:PutObject"), Some(false));
    }

    #[test]
    fn unlogged_and_no_trail() {
        assert_eq!(view(&[]).of("logs:PutLogEvents"), Observable::NotLogged);
        let none = TrailView::default();
        assert_eq!(none.of("s3:GetObject"), Observable::NoTrail);
        assert_eq!(none.observable("s3:GetObject"), None);
        assert_eq!(Observable::NoDataEvents.as_str(), "no-data-events");
    }
}

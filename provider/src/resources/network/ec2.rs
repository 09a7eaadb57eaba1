//! EC2 helpers the network's rows share: tag specifications, ownership filters, list recording
//! and retagging.

use std::collections::BTreeMap;

use crate::tf::Value;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::NetworkState;
use crate::composite::{CompositeError, Ctx};
use crate::kinds::ownership::OWNER_TAG;
use crate::kinds::tags;
use crate::tf_value::StringList;

/// A tag specification of `tags` for a resource of type `rt`.
pub fn tag_spec(rt: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// A filter `name = values`.
pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// The filter of what `s` owns.
pub fn owned(s: &NetworkState) -> Filter {
    filter(&format!("tag:{OWNER_TAG}"), [s.owner()])
}

/// The value of tag `key` among EC2 tags.
pub fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

/// EC2 tags as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// A known list.
pub fn ids(v: &[String]) -> StringList {
    Value::Value(v.iter().cloned().map(Value::Value).collect())
}

/// Retag `ids` when `tags_all` (or, for the VPC, the profile) changed: every key of the new
/// base tags written, removed ones deleted; `Name` is left as it is.
pub async fn retag(
    ctx: &Ctx,
    ids: &[String],
    prior: &NetworkState,
    now: &NetworkState,
) -> Result<(), CompositeError> {
    if prior.tags_all == now.tags_all || ids.is_empty() {
        return Ok(());
    }
    tags::ec2(ctx, ids, &prior.base_tags(), &now.base_tags()).await
}

/// The error of an EC2 call `what`.
pub fn failed<E>(what: impl Into<String>) -> impl FnOnce(E) -> CompositeError
where
    E: std::error::Error + 'static,
{
    let what = what.into();
    move |e| CompositeError::aws(what, &e)
}

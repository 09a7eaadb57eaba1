//! What the database's RDS children share: tags on an RDS ARN, waiting for a status or for
//! the object to be gone, and adopting what an interrupted create left.

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_rds::types::Tag;

use crate::composite::{retry, Attempt, CompositeError, Ctx, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned, OWNER_TAG};
use crate::kinds::tags::removed_keys;

/// The tag holding the profile, read back by import.
pub const PROFILE_TAG: &str = "blueprint:profile";

/// RDS tags from a tag map.
pub fn tags(all: &BTreeMap<String, String>) -> Vec<Tag> {
    all.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as a map.
pub fn tag_map(list: &[Tag]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Make the tags of the RDS object `arn` equal to `want`, removing what `prior` had beyond it.
pub async fn retag(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let rds = ctx.clients.rds();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        rds.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Removing tags from {arn}"), &e))?;
    }
    rds.add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(tags(want)))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging {arn}"), &e))?;
    Ok(())
}

/// What a describe call saw.
pub enum Seen<T> {
    /// The object, with its status.
    Is(T, String),
    /// No such object.
    Gone,
}

/// Poll `describe` until the status is `available` (`Some(object)`) or, with `until_gone`,
/// until the object no longer exists (`None`). A failed status (`failed`,
/// `incompatible-…`, `inaccessible-…`) fails at once.
pub async fn wait<T, F, Fut>(
    ctx: &Ctx,
    what: &str,
    until_gone: bool,
    mut describe: F,
) -> Result<Option<T>, CompositeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Seen<T>, CompositeError>>,
{
    let policy = RetryPolicy {
        initial: std::time::Duration::from_millis(500),
        max: std::time::Duration::from_secs(15),
    };
    let doing = if until_gone {
        format!("waiting for {what} to be deleted")
    } else {
        format!("waiting for {what} to be available")
    };
    retry(&ctx.deadline, &doing, policy, || {
        let seen = describe();
        async {
            match seen.await {
                Err(e) => Err(Attempt::Fail(e)),
                Ok(Seen::Gone) if until_gone => Ok(None),
                Ok(Seen::Gone) => Err(Attempt::Fail(CompositeError::new(
                    format!("{what} vanished"),
                    format!("{what} was deleted while it was being made"),
                ))),
                Ok(Seen::Is(_, status)) if failed(&status) => {
                    Err(Attempt::Fail(CompositeError::new(
                        format!("{what} failed"),
                        format!("{what} is in status \"{status}\""),
                    )))
                }
                Ok(Seen::Is(obj, status)) if !until_gone && status == "available" => Ok(Some(obj)),
                Ok(Seen::Is(_, status)) => Err(Attempt::Retry(CompositeError::new(
                    format!("{what} not ready"),
                    format!("status \"{status}\""),
                ))),
            }
        }
    })
    .await
}

fn failed(status: &str) -> bool {
    status == "failed" || status.starts_with("incompatible-") || status.starts_with("inaccessible-")
}

/// After an `…AlreadyExists` error: the object's tags say whether an earlier, interrupted
/// create of this resource made it (adopt it) or something else did (refuse, naming it).
pub fn adopt(
    what: &str,
    found: Option<&BTreeMap<String, String>>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let owner = want.get(OWNER_TAG).map(String::as_str).unwrap_or_default();
    match found {
        Some(t) if owned(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) => Ok(()),
        _ => Err(not_ours(what, owner)),
    }
}

/// A final snapshot's identifier: `NAME-final-UNIXTIME` (unique per destroy).
pub fn final_snapshot_id(name: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("{name}-final-{secs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_snapshots_are_named_for_the_database() {
        let id = final_snapshot_id("senas-db");
        assert!(id.starts_with("senas-db-final-"), "{id}");
        assert!(id["senas-db-final-".len()..]
            .chars()
            .all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn only_our_own_objects_are_adopted() {
        let want: BTreeMap<String, String> =
            [(OWNER_TAG.to_string(), "blueprint_database/db".to_string())].into();
        assert!(adopt("cluster", Some(&want), &want).is_ok());
        let other: BTreeMap<String, String> =
            [(OWNER_TAG.to_string(), "blueprint_database/x".to_string())].into();
        assert!(adopt("cluster", Some(&other), &want).is_err());
        assert!(adopt("cluster", None, &want).is_err());
    }
}

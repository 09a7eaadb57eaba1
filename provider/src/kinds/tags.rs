//! Keeping every child's tags equal to the composite's `tags_all`: keys removed from the
//! resource are removed from each child, changed and added ones are written.

use std::collections::BTreeMap;

use crate::composite::{CompositeError, Ctx};

/// Keys that were in `prior` but are not in `want` (and are not `Name`, which the composite
/// manages on EC2 children).
pub fn removed_keys(
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Vec<String> {
    prior
        .keys()
        .filter(|k| !want.contains_key(*k) && k.as_str() != "Name")
        .cloned()
        .collect()
}

/// Make the tags of EC2 resources `ids` (instances, volumes, security groups, Elastic IP
/// allocations, key pairs by id) equal to `want`, removing what `prior` had beyond it.
pub async fn ec2(
    ctx: &Ctx,
    ids: &[String],
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    if ids.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        let mut call = ec2.delete_tags().set_resources(Some(ids.to_vec()));
        for k in &removed {
            call = call.tags(aws_sdk_ec2::types::Tag::builder().key(k).build());
        }
        call.send().await.map_err(|e| {
            CompositeError::aws(format!("Removing tags {removed:?} from {ids:?}"), &e)
        })?;
    }
    if !want.is_empty() {
        let mut call = ec2.create_tags().set_resources(Some(ids.to_vec()));
        for (k, v) in want {
            call = call.tags(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build());
        }
        call.send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging {ids:?}"), &e))?;
    }
    Ok(())
}

/// Make the tags of IAM role `role` equal to `want`.
pub async fn iam_role(
    ctx: &Ctx,
    role: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let iam = ctx.clients.iam();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        iam.untag_role()
            .role_name(role)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging role \"{role}\""), &e))?;
    }
    if !want.is_empty() {
        iam.tag_role()
            .role_name(role)
            .set_tags(Some(super::iam_role::tags(want)?))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging role \"{role}\""), &e))?;
    }
    Ok(())
}

/// Make the tags of IAM instance profile `profile` equal to `want`.
pub async fn iam_instance_profile(
    ctx: &Ctx,
    profile: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let iam = ctx.clients.iam();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        iam.untag_instance_profile()
            .instance_profile_name(profile)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Untagging instance profile \"{profile}\""), &e)
            })?;
    }
    if !want.is_empty() {
        iam.tag_instance_profile()
            .instance_profile_name(profile)
            .set_tags(Some(super::iam_role::tags(want)?))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Tagging instance profile \"{profile}\""), &e)
            })?;
    }
    Ok(())
}

/// ECS tags from a tag map.
pub fn ecs_tags(all: &BTreeMap<String, String>) -> Vec<aws_sdk_ecs::types::Tag> {
    all.iter()
        .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Make the tags of the ECS resource `arn` equal to `want`, removing what `prior` had beyond it.
pub async fn ecs(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let ecs = ctx.clients.ecs();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        ecs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    ecs.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(ecs_tags(want)))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    Ok(())
}

/// Make the tags of S3 bucket `bucket` equal to `want` (S3 replaces the whole set; an empty
/// set is removed). A bucket just made may not be visible yet: retried within the deadline.
pub async fn s3_bucket(
    ctx: &Ctx,
    bucket: &str,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let what = format!("Tagging bucket \"{bucket}\"");
    if want.is_empty() {
        let delete = || s3.delete_bucket_tagging().bucket(bucket).send();
        return super::s3_bucket::sent(ctx, what, delete).await;
    }
    let built =
        |e: aws_sdk_s3::error::BuildError| CompositeError::new("Building S3 tags", e.to_string());
    let tags = want
        .iter()
        .map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(built)?;
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(tags))
        .build()
        .map_err(built)?;
    let put = || {
        let call = s3.put_bucket_tagging().bucket(bucket);
        call.tagging(tagging.clone()).send()
    };
    super::s3_bucket::sent(ctx, what, put).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_keys_leave_name_to_the_composite() {
        let prior: BTreeMap<String, String> = [("a", "1"), ("b", "2"), ("Name", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let want: BTreeMap<String, String> = [("a".to_string(), "3".to_string())].into();
        assert_eq!(removed_keys(&prior, &want), ["b"]);
    }
}

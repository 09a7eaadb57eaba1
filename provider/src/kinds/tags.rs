//! Every tagging implementation of the provider, one per AWS tag API: keeping a child's tags
//! equal to the composite's `tags_all` (plus the owner tag). All of them follow one rule
//! ([`change`]): the keys the child had beyond what is wanted are removed (except `Name`, which
//! the composites manage on EC2 children), then the wanted tags are written, **never as an
//! empty write**: ELBv2's `AddTags` (and ECS's, RDS's and DynamoDB's `TagResource`) refuse an
//! empty tag list, and with nothing wanted there is nothing to write.
//!
//! S3 bucket tagging (a whole-set `PutBucketTagging`) lives with the bucket kind.

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

/// What a tag API is asked to do to go from `prior` to `want`: the keys to remove (`None`:
/// no removal call) and the tags to write (`None`: no write call, never an empty one).
pub fn change<'w>(
    prior: &BTreeMap<String, String>,
    want: &'w BTreeMap<String, String>,
) -> (Option<Vec<String>>, Option<&'w BTreeMap<String, String>>) {
    let removed = removed_keys(prior, want);
    (
        (!removed.is_empty()).then_some(removed),
        (!want.is_empty()).then_some(want),
    )
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
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        let mut call = ec2.delete_tags().set_resources(Some(ids.to_vec()));
        for k in &removed {
            call = call.tags(aws_sdk_ec2::types::Tag::builder().key(k).build());
        }
        call.send().await.map_err(|e| {
            CompositeError::aws(format!("Removing tags {removed:?} from {ids:?}"), &e)
        })?;
    }
    if let Some(want) = write {
        ec2_add(ctx, ids, want).await?;
    }
    Ok(())
}

/// Add (or overwrite) `tags` on EC2 resources `ids`, leaving their other tags.
pub async fn ec2_add(
    ctx: &Ctx,
    ids: &[String],
    tags: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    if ids.is_empty() || tags.is_empty() {
        return Ok(());
    }
    let mut call = ctx
        .clients
        .ec2()
        .create_tags()
        .set_resources(Some(ids.to_vec()));
    for (k, v) in tags {
        call = call.tags(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build());
    }
    call.send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging {ids:?}"), &e))?;
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
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        iam.untag_role()
            .role_name(role)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging role \"{role}\""), &e))?;
    }
    if let Some(want) = write {
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
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        iam.untag_instance_profile()
            .instance_profile_name(profile)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Untagging instance profile \"{profile}\""), &e)
            })?;
    }
    if let Some(want) = write {
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
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        ecs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    if let Some(want) = write {
        ecs.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(ecs_tags(want)))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    }
    Ok(())
}

/// ELBv2 tags from a map.
pub fn elb_tags(all: &BTreeMap<String, String>) -> Vec<aws_sdk_elasticloadbalancingv2::types::Tag> {
    all.iter()
        .map(|(k, v)| {
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
        })
        .collect()
}

/// The tags of ELBv2 resource `arn` (load balancer, listener, target group, rule).
pub async fn elb_read(ctx: &Ctx, arn: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    let out = ctx
        .clients
        .elbv2()
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{arn}\""), &e))?;
    // One description per ARN asked for; a tag without a value has the empty value.
    Ok(out
        .tag_descriptions()
        .iter()
        .filter(|d| d.resource_arn() == Some(arn))
        .flat_map(|d| d.tags())
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect())
}

/// Whether ELBv2 resource `arn` carries the owner tag `owner`.
pub async fn elb_owned(ctx: &Ctx, arn: &str, owner: &str) -> Result<bool, CompositeError> {
    let tags = elb_read(ctx, arn).await?;
    Ok(super::ownership::owned(
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        owner,
    ))
}

/// Make the tags of ELBv2 resource `arn` equal to `want`. An empty `want` sends no `AddTags`
/// (ELBv2 refuses an empty tag list).
pub async fn elb(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let elb = ctx.clients.elbv2();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        elb.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    if let Some(want) = write {
        elb.add_tags()
            .resource_arns(arn)
            .set_tags(Some(elb_tags(want)))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    }
    Ok(())
}

/// ACM tags from a map.
pub fn acm_tags(
    all: &BTreeMap<String, String>,
) -> Result<Vec<aws_sdk_acm::types::Tag>, CompositeError> {
    all.iter()
        .map(|(k, v)| {
            aws_sdk_acm::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| CompositeError::new("Building ACM tags", e.to_string()))
        })
        .collect()
}

/// Make the tags of ACM certificate `arn` equal to `want` (ACM removes by key and value).
pub async fn acm(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let acm = ctx.clients.acm();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        let removed: BTreeMap<String, String> = removed
            .into_iter()
            .filter_map(|k| prior.get(&k).map(|v| (k, v.clone())))
            .collect();
        acm.remove_tags_from_certificate()
            .certificate_arn(arn)
            .set_tags(Some(acm_tags(&removed)?))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging certificate {arn}"), &e))?;
    }
    if let Some(want) = write {
        acm.add_tags_to_certificate()
            .certificate_arn(arn)
            .set_tags(Some(acm_tags(want)?))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging certificate {arn}"), &e))?;
    }
    Ok(())
}

/// Make the tags of the CloudWatch Logs resource `arn` (a log group's `logGroupArn`, without
/// `:*`) equal to `want`, through the current tag API (`TagResource`/`UntagResource`).
pub async fn logs(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let logs = ctx.clients.logs();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        logs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    if let Some(want) = write {
        logs.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(want.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    }
    Ok(())
}

/// Make the tags of the Lambda function `arn` equal to `want`.
pub async fn lambda(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let lambda = ctx.clients.lambda();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        lambda
            .untag_resource()
            .resource(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    if let Some(want) = write {
        lambda
            .tag_resource()
            .resource(arn)
            .set_tags(Some(want.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    }
    Ok(())
}

/// Make the tags of the SQS queue at `url` (named `name` in errors) equal to `want`.
pub async fn sqs(
    ctx: &Ctx,
    url: &str,
    name: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let sqs = ctx.clients.sqs();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        sqs.untag_queue()
            .queue_url(url)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{name}\""), &e))?;
    }
    if let Some(want) = write {
        sqs.tag_queue()
            .queue_url(url)
            .set_tags(Some(want.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{name}\""), &e))?;
    }
    Ok(())
}

/// The tags of the DynamoDB table `arn` (named `table` in errors).
pub async fn dynamodb_read(
    ctx: &Ctx,
    arn: &str,
    table: &str,
) -> Result<BTreeMap<String, String>, CompositeError> {
    let out = ctx
        .clients
        .dynamodb()
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing tags of \"{table}\""), &e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Make the tags of the DynamoDB table `arn` (named `table` in errors) equal to `want`.
pub async fn dynamodb(
    ctx: &Ctx,
    arn: &str,
    table: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        ddb.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{table}\""), &e))?;
    }
    if let Some(want) = write {
        let tags = want
            .iter()
            .map(|(k, v)| {
                aws_sdk_dynamodb::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CompositeError::new("Building DynamoDB tags", e.to_string()))?;
        ddb.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{table}\""), &e))?;
    }
    Ok(())
}

/// RDS tags from a tag map.
pub fn rds_tags(all: &BTreeMap<String, String>) -> Vec<aws_sdk_rds::types::Tag> {
    all.iter()
        .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// RDS tags as a map (a tag without a value has the empty value).
pub fn rds_map(list: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// Make the tags of the RDS object `arn` equal to `want`, removing what `prior` had beyond it.
pub async fn rds(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let rds = ctx.clients.rds();
    let (removed, write) = change(prior, want);
    if let Some(removed) = removed {
        rds.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Removing tags from {arn}"), &e))?;
    }
    if let Some(want) = write {
        rds.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(rds_tags(want)))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging {arn}"), &e))?;
    }
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

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn removed_keys_leave_name_to_the_composite() {
        let prior = map(&[("a", "1"), ("b", "2"), ("Name", "x")]);
        let want = map(&[("a", "3")]);
        assert_eq!(removed_keys(&prior, &want), ["b"]);
    }

    #[test]
    fn an_empty_tag_set_is_never_written() {
        let prior = map(&[("a", "1")]);
        let nothing = BTreeMap::new();
        let (removed, write) = change(&prior, &nothing);
        assert_eq!(removed, Some(vec!["a".to_string()]));
        assert_eq!(write, None, "ELBv2 refuses an empty AddTags");
        let want = map(&[("a", "1")]);
        let (removed, write) = change(&want, &want);
        assert_eq!((removed, write), (None, Some(&want)));
    }
}

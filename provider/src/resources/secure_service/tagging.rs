//! Tags of the children whose services have no helper in `kinds::tags` (ECS tagging is
//! there, shared with `blueprint_cluster`): ELB (target group, listener rule) and CloudWatch Logs. Each child is created with
//! `tags_all` plus the owner tag, and its reconcile makes its tags follow a change.

use std::collections::BTreeMap;

use crate::composite::{CompositeError, Ctx};
use crate::kinds::tags::removed_keys;
pub use crate::kinds::tags::{ecs, ecs_tags};

/// ELB tags from a tag map.
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

/// Whether ELB resource `arn` carries the owner tag `owner`.
pub async fn elb_owned(ctx: &Ctx, arn: &str, owner: &str) -> Result<bool, CompositeError> {
    let out = ctx
        .clients
        .elbv2()
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{arn}\""), &e))?;
    Ok(out.tag_descriptions().iter().any(|d| {
        crate::kinds::ownership::owned(
            d.tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
            owner,
        )
    }))
}

/// Make the tags of the ELB resource `arn` equal to `want`.
pub async fn elb(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let elb = ctx.clients.elbv2();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        elb.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    elb.add_tags()
        .resource_arns(arn)
        .set_tags(Some(elb_tags(want)))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    Ok(())
}

/// Make the tags of the log group `arn` equal to `want`.
pub async fn logs(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let logs = ctx.clients.logs();
    let removed = removed_keys(prior, want);
    if !removed.is_empty() {
        logs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
    }
    logs.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(want.clone().into_iter().collect()))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
    Ok(())
}

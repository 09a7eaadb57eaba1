//! Tags of the load balancer's children that `kinds::tags` does not cover: ELBv2 resources
//! (the load balancer, its listeners) and ACM certificates. Each is made equal to the wanted
//! map, keys removed from the resource removed from the child.

use std::collections::BTreeMap;

use crate::composite::{CompositeError, Ctx};
use crate::kinds::tags::removed_keys;

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

/// A tag list as a map.
pub fn elb_map(tags: &[aws_sdk_elasticloadbalancingv2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The tags of ELBv2 resource `arn`.
pub async fn elb_read(ctx: &Ctx, arn: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    let out = ctx
        .clients
        .elbv2()
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of {arn}"), &e))?;
    Ok(out
        .tag_descriptions()
        .iter()
        .map(|d| elb_map(d.tags()))
        .next()
        .unwrap_or_default())
}

/// Make the tags of ELBv2 resource `arn` equal to `want`.
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
            .map_err(|e| CompositeError::aws(format!("Untagging {arn}"), &e))?;
    }
    if !want.is_empty() {
        elb.add_tags()
            .resource_arns(arn)
            .set_tags(Some(elb_tags(want)))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging {arn}"), &e))?;
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

/// Make the tags of ACM certificate `arn` equal to `want`.
pub async fn acm(
    ctx: &Ctx,
    arn: &str,
    prior: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let acm = ctx.clients.acm();
    let removed: BTreeMap<String, String> = removed_keys(prior, want)
        .into_iter()
        .filter_map(|k| prior.get(&k).map(|v| (k, v.clone())))
        .collect();
    if !removed.is_empty() {
        acm.remove_tags_from_certificate()
            .certificate_arn(arn)
            .set_tags(Some(acm_tags(&removed)?))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging certificate {arn}"), &e))?;
    }
    if !want.is_empty() {
        acm.add_tags_to_certificate()
            .certificate_arn(arn)
            .set_tags(Some(acm_tags(want)?))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging certificate {arn}"), &e))?;
    }
    Ok(())
}

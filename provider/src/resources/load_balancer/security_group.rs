//! The load balancer's security group: 443 and 80 in from `ingress_cidr_blocks`, TCP out only to
//! the VPC's CIDR (read from the VPC when the group is made).

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::{desired, LoadBalancerState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::security_group::{self as sg, Direction};
use crate::tf_value::{known, list};
use crate::types::sg_rule::to_strings;

/// The security group child.
pub struct SecurityGroup;

fn ec2_tags(s: &LoadBalancerState) -> Vec<Tag> {
    let mut all = s.child_tags();
    all.insert("Name".into(), s.sg_name());
    all.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The primary CIDR of `vpc`.
async fn vpc_cidr(ctx: &Ctx, vpc: &str) -> Result<String, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_vpcs()
        .vpc_ids(vpc)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading VPC \"{vpc}\""), &e))?;
    out.vpcs()
        .first()
        .and_then(|v| v.cidr_block())
        .map(str::to_string)
        .ok_or_else(|| {
            CompositeError::new(
                format!("VPC \"{vpc}\" not found"),
                "vpc_id names no VPC of this account and region",
            )
        })
}

/// An existing group named `name` in `vpc` made by this resource (an interrupted create).
async fn adopt(ctx: &Ctx, s: &LoadBalancerState, vpc: &str) -> Result<String, CompositeError> {
    let name = s.sg_name();
    let out = ctx
        .clients
        .ec2()
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(&name).build())
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Finding security group \"{name}\""), &e))?;
    let owner = s.owner();
    match out.security_groups().first() {
        Some(g)
            if owned(
                g.tags()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                &owner,
            ) =>
        {
            Ok(g.group_id().unwrap_or_default().to_string())
        }
        _ => Err(not_ours(&format!("security group \"{name}\""), &owner)),
    }
}

/// Make the group's rules what the state asks, and record them.
async fn converge(
    ctx: &Ctx,
    id: &str,
    s: &LoadBalancerState,
    rec: &Recorder<LoadBalancerState>,
) -> Result<(), CompositeError> {
    let Some(have) = sg::read(ctx, id).await? else {
        return Err(CompositeError::new(
            format!("Security group \"{id}\" vanished"),
            "it was deleted while being configured; apply again",
        ));
    };
    let ingress = desired::ingress(s).unwrap_or_default();
    let egress = desired::egress(s).unwrap_or_default();
    sg::converge(ctx, id, Direction::Ingress, &have.ingress, &ingress).await?;
    sg::converge(ctx, id, Direction::Egress, &have.egress, &egress).await?;
    rec.record(|s| {
        s.ingress_rules = list(to_strings(&ingress));
        s.egress_rules = list(to_strings(&egress));
    });
    Ok(())
}

#[async_trait]
impl ChildOps<LoadBalancerState> for SecurityGroup {
    fn name(&self) -> &'static str {
        "security_group"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let vpc = known(&s.vpc_id).unwrap_or_default().to_string();
        let cidr = vpc_cidr(ctx, &vpc).await?;
        let name = s.sg_name();
        let sent = ctx
            .clients
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(format!("Load balancer {} (Blueprint)", s.name()))
            .vpc_id(&vpc)
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::SecurityGroup)
                    .set_tags(Some(ec2_tags(&s)))
                    .build(),
            )
            .send()
            .await;
        let id = match sent {
            Ok(out) => out.group_id().unwrap_or_default().to_string(),
            Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") => {
                adopt(ctx, &s, &vpc).await?
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating security group \"{name}\""),
                    &e,
                ))
            }
        };
        rec.record(|s| {
            s.security_group_id = Value::Value(id.clone());
            s.vpc_cidr_block = Value::Value(cidr);
        });
        converge(ctx, &id, &rec.snapshot(), rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let id = known(&s.security_group_id).unwrap_or_default();
        match sg::read(ctx, id).await? {
            None => Ok(Found::Gone),
            Some(seen) => {
                rec.record(|s| {
                    s.ingress_rules = list(to_strings(&seen.ingress));
                    s.egress_rules = list(to_strings(&seen.egress));
                });
                Ok(Found::Present)
            }
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &LoadBalancerState,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let id = known(&s.security_group_id).unwrap_or_default().to_string();
        if prior.tags_all != s.tags_all {
            let mut want = s.child_tags();
            want.insert("Name".into(), s.sg_name());
            crate::kinds::tags::ec2(ctx, std::slice::from_ref(&id), &prior.child_tags(), &want)
                .await?;
        }
        converge(ctx, &id, &s, rec).await
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        match known(&state.security_group_id) {
            Some(id) => sg::delete(ctx, id).await,
            None => Ok(()),
        }
    }
}

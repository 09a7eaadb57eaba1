//! The `security_group` child: `NAME-sg` in the host's VPC (found here when not given), with
//! exactly the ingress rules the inputs ask for and the egress `restrict_egress` says. Rules
//! added or removed out of band are observed and repaired.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;

use super::{filter, list, tag_spec, MlHostState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::security_group::{self as sg, all_egress, converge, Direction};
use crate::kinds::tags;
use crate::types::sg_rule::{from_permissions, to_strings, SgRule};

/// The VPC and subnet to use: the given ones, else the default VPC and one of its subnets.
async fn placement(ctx: &Ctx, planned: &MlHostState) -> Result<(String, String), CompositeError> {
    let ec2 = ctx.clients.ec2();
    if let Value::Value(subnet) = &planned.subnet_id {
        let out = ec2
            .describe_subnets()
            .subnet_ids(subnet)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading subnet \"{subnet}\""), &e))?;
        let vpc = out
            .subnets()
            .first()
            .and_then(|s| s.vpc_id())
            .map(str::to_string)
            .ok_or_else(|| {
                CompositeError::new("Subnet not found", format!("no subnet \"{subnet}\""))
            })?;
        return Ok((vpc, subnet.clone()));
    }
    let vpc = match &planned.vpc_id {
        Value::Value(v) => v.clone(),
        _ => ec2
            .describe_vpcs()
            .filters(filter("is-default", "true"))
            .send()
            .await
            .map_err(|e| CompositeError::aws("Finding the default VPC", &e))?
            .vpcs()
            .first()
            .and_then(|v| v.vpc_id())
            .map(str::to_string)
            .ok_or_else(|| {
                CompositeError::new(
                    "No default VPC",
                    "this region has no default VPC: set vpc_id or subnet_id",
                )
            })?,
    };
    let out = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &vpc))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing subnets of \"{vpc}\""), &e))?;
    let mut subnets: Vec<(bool, String, String)> = out
        .subnets()
        .iter()
        .filter_map(|s| {
            Some((
                !s.default_for_az().unwrap_or(false),
                s.availability_zone().unwrap_or_default().to_string(),
                s.subnet_id()?.to_string(),
            ))
        })
        .collect();
    subnets.sort();
    let subnet = subnets.into_iter().next().map(|s| s.2).ok_or_else(|| {
        CompositeError::new(
            "No subnet",
            format!("VPC \"{vpc}\" has no subnet: set subnet_id"),
        )
    })?;
    Ok((vpc, subnet))
}

/// Make both sides of `group` what the inputs say, from `have`, recording each side when done.
async fn converge_rules(
    ctx: &Ctx,
    group: &str,
    have: &sg::Observed,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let planned = rec.snapshot();
    let want: Vec<SgRule> = planned.desired_ingress();
    converge(ctx, group, Direction::Ingress, &have.ingress, &want).await?;
    rec.record(|s| s.ingress_rules = list(to_strings(&want)));
    let want = planned.desired_egress();
    converge(ctx, group, Direction::Egress, &have.egress, &want).await?;
    rec.record(|s| s.egress_rules = list(to_strings(&want)));
    Ok(())
}

/// The security group's operations.
pub struct SecurityGroup;

#[async_trait]
impl ChildOps<MlHostState> for SecurityGroup {
    fn name(&self) -> &'static str {
        "security_group"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let (vpc, subnet) = placement(ctx, &planned).await?;
        rec.record(|s| {
            s.vpc_id = Value::Value(vpc.clone());
            s.subnet_id = Value::Value(subnet.clone());
        });
        let name = planned.sg_name_for();
        let ec2 = ctx.clients.ec2();
        let sent = ec2
            .create_security_group()
            .group_name(&name)
            .description(format!("blueprint_ml_host {}", planned.name()))
            .vpc_id(&vpc)
            .tag_specifications(tag_spec(&planned, ResourceType::SecurityGroup, &name))
            .send()
            .await;
        let (group, have) = match sent {
            Ok(out) => (
                out.group_id().unwrap_or_default().to_string(),
                sg::Observed {
                    ingress: Vec::new(),
                    egress: vec![all_egress()],
                },
            ),
            // Made by an earlier, interrupted create of this resource: adopt it, rules as
            // they are.
            Err(e)
                if crate::clients::error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") =>
            {
                let out = ec2
                    .describe_security_groups()
                    .filters(filter("group-name", &name))
                    .filters(filter("vpc-id", &vpc))
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Reading security group \"{name}\""), &e)
                    })?;
                let owner = planned.owner();
                match out.security_groups().first() {
                    Some(g)
                        if owned(
                            g.tags().iter().map(|t| {
                                (t.key().unwrap_or_default(), t.value().unwrap_or_default())
                            }),
                            &owner,
                        ) =>
                    {
                        (
                            g.group_id().unwrap_or_default().to_string(),
                            sg::Observed {
                                ingress: from_permissions(g.ip_permissions()),
                                egress: from_permissions(g.ip_permissions_egress()),
                            },
                        )
                    }
                    _ => return Err(not_ours(&format!("security group \"{name}\""), &owner)),
                }
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating security group \"{name}\""),
                    &e,
                ))
            }
        };
        rec.record(|s| {
            s.security_group_id = Value::Value(group.clone());
            s.ingress_rules = list(to_strings(&have.ingress));
            s.egress_rules = list(to_strings(&have.egress));
        });
        converge_rules(ctx, &group, &have, rec).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let Value::Value(group) = rec.snapshot().security_group_id else {
            return Ok(Found::Gone);
        };
        match sg::read(ctx, &group).await? {
            Some(observed) => {
                rec.record(|s| {
                    s.ingress_rules = list(to_strings(&observed.ingress));
                    s.egress_rules = list(to_strings(&observed.egress));
                });
                Ok(Found::Present)
            }
            None => Ok(Found::Gone),
        }
    }

    /// Rules added out of band are revoked, missing ones authorized (from the rules as they
    /// are now); tags follow `tags_all`.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let Value::Value(group) = planned.security_group_id.clone() else {
            return Ok(());
        };
        let Some(have) = sg::read(ctx, &group).await? else {
            // Its id is in the plan: a new group would not match it. The next plan makes it.
            return Err(CompositeError::new(
                format!("Security group {group} is gone"),
                "it was deleted after the plan was made; apply again: the next plan makes it again",
            ));
        };
        if planned.tags_all != prior.tags_all {
            tags::ec2(
                ctx,
                std::slice::from_ref(&group),
                &prior.tags_all_map(),
                &planned.tags_all_map(),
            )
            .await?;
        }
        converge_rules(ctx, &group, &have, rec).await
    }

    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        match &state.security_group_id {
            Value::Value(group) => sg::delete(ctx, group).await,
            _ => Ok(()),
        }
    }
}

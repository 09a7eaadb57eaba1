//! The internet gateway, the NAT gateways' Elastic IPs and the NAT gateways.

use std::time::Duration;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, NatGatewayState, ResourceType};

use super::ec2::{failed, filter, ids, owned, retag, tag, tag_spec};
use super::subnets::Tier;
use super::NetworkState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::OWNER_TAG;
use crate::tf_value::{known, strings};

/// How often a NAT gateway's state is polled.
const POLL: Duration = Duration::from_secs(5);

/// The internet gateway, attached to the VPC.
pub struct InternetGateway;

#[async_trait]
impl ChildOps<NetworkState> for InternetGateway {
    fn name(&self) -> &'static str {
        "internet_gateway"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let found = ec2
            .describe_internet_gateways()
            .filters(owned(&s))
            .send()
            .await
            .map_err(failed("Looking for the internet gateway"))?;
        let existing = found.internet_gateways().iter().find(|g| {
            g.attachments().is_empty()
                || g.attachments().iter().any(|a| a.vpc_id() == Some(s.vpc()))
        });
        let (id, attached) = match existing {
            Some(g) => (
                g.internet_gateway_id().unwrap_or_default().to_string(),
                !g.attachments().is_empty(),
            ),
            None => {
                let out = ec2
                    .create_internet_gateway()
                    .tag_specifications(tag_spec(
                        ResourceType::InternetGateway,
                        &s.child_tags("igw"),
                    ))
                    .send()
                    .await
                    .map_err(failed("Creating the internet gateway"))?;
                let id = out
                    .internet_gateway()
                    .and_then(|g| g.internet_gateway_id())
                    .unwrap_or_default()
                    .to_string();
                (id, false)
            }
        };
        rec.record(|st| st.internet_gateway_id = Value::Value(id.clone()));
        if !attached {
            ec2.attach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(s.vpc())
                .send()
                .await
                .map_err(failed(format!("Attaching \"{id}\" to \"{}\"", s.vpc())))?;
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let id = known(&s.internet_gateway_id).unwrap_or_default();
        let out = ctx
            .clients
            .ec2()
            .describe_internet_gateways()
            .filters(filter("internet-gateway-id", [id]))
            .send()
            .await
            .map_err(failed(format!("Reading internet gateway \"{id}\"")))?;
        let attached = out
            .internet_gateways()
            .iter()
            .any(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(s.vpc())));
        Ok(if attached {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let id: Vec<String> = known(&now.internet_gateway_id)
            .map(str::to_string)
            .into_iter()
            .collect();
        retag(ctx, &id, prior, &now).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        match known(&s.internet_gateway_id) {
            Some(id) => delete_igw(ctx, id, s.vpc()).await,
            None => Ok(()),
        }
    }
}

/// Detach internet gateway `id` from `vpc` and delete it (retrying while public addresses are
/// still mapped in the VPC).
pub async fn delete_igw(ctx: &Ctx, id: &str, vpc: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    if !vpc.is_empty() {
        let detached = ec2
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await;
        match detached {
            Ok(_) => {}
            Err(e)
                if matches!(
                    error_code(&e).as_deref(),
                    Some("Gateway.NotAttached")
                        | Some("InvalidInternetGatewayID.NotFound")
                        | Some("InvalidVpcID.NotFound")
                ) => {}
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Detaching internet gateway \"{id}\""),
                    &e,
                ))
            }
        }
    }
    delete_retrying(
        &ctx.deadline,
        &format!("internet gateway \"{id}\""),
        "InvalidInternetGatewayID.NotFound",
        "DependencyViolation",
        || ec2.delete_internet_gateway().internet_gateway_id(id).send(),
    )
    .await
}

/// The `Name` suffix of NAT gateway (and Elastic IP) `i`.
fn nat_suffix(s: &NetworkState, i: usize) -> String {
    format!("nat-{}", s.zone_suffix(i))
}

/// One Elastic IP per NAT gateway.
pub struct NatEips;

#[async_trait]
impl ChildOps<NetworkState> for NatEips {
    fn name(&self) -> &'static str {
        "nat_eips"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let existing = ec2
            .describe_addresses()
            .filters(owned(&s))
            .send()
            .await
            .map_err(failed("Looking for the NAT gateways' Elastic IPs"))?;
        let mut allocs: Vec<String> = Vec::new();
        let mut ips: Vec<String> = Vec::new();
        for i in 0..s.nat_count() {
            let name = s.child_name(&nat_suffix(&s, i));
            let found = existing
                .addresses()
                .iter()
                .find(|a| tag(a.tags(), "Name") == Some(name.as_str()));
            let (alloc, ip) = match found {
                Some(a) => (
                    a.allocation_id().unwrap_or_default().to_string(),
                    a.public_ip().unwrap_or_default().to_string(),
                ),
                None => {
                    let out = ec2
                        .allocate_address()
                        .domain(DomainType::Vpc)
                        .tag_specifications(tag_spec(
                            ResourceType::ElasticIp,
                            &s.child_tags(&nat_suffix(&s, i)),
                        ))
                        .send()
                        .await
                        .map_err(failed(format!("Allocating Elastic IP {name}")))?;
                    (
                        out.allocation_id().unwrap_or_default().to_string(),
                        out.public_ip().unwrap_or_default().to_string(),
                    )
                }
            };
            allocs.push(alloc);
            ips.push(ip);
            rec.record(|st| {
                st.nat_eip_allocation_ids = ids(&allocs);
                st.nat_public_ips = ids(&ips);
            });
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let want = strings(&s.nat_eip_allocation_ids);
        let out = ctx
            .clients
            .ec2()
            .describe_addresses()
            .filters(filter("allocation-id", want.clone()))
            .send()
            .await
            .map_err(failed("Reading the NAT gateways' Elastic IPs"))?;
        let whole = want.len() == s.nat_count()
            && want.iter().all(|id| {
                out.addresses()
                    .iter()
                    .any(|a| a.allocation_id() == Some(id.as_str()))
            });
        Ok(if whole { Found::Present } else { Found::Gone })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        retag(ctx, &strings(&now.nat_eip_allocation_ids), prior, &now).await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        release(ctx, &strings(&s.nat_eip_allocation_ids)).await
    }
}

/// Release Elastic IPs, retrying while a NAT gateway being deleted still holds one.
pub async fn release(ctx: &Ctx, allocs: &[String]) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    for id in allocs {
        delete_retrying(
            &ctx.deadline,
            &format!("Elastic IP \"{id}\""),
            "InvalidAllocationID.NotFound",
            "InvalidIPAddress.InUse",
            || ec2.release_address().allocation_id(id).send(),
        )
        .await?;
    }
    Ok(())
}

fn live(state: Option<&NatGatewayState>) -> bool {
    matches!(
        state,
        Some(NatGatewayState::Available) | Some(NatGatewayState::Pending)
    )
}

/// The NAT gateways: one in the first zone's public subnet, or one per zone.
pub struct NatGateways;

#[async_trait]
impl ChildOps<NetworkState> for NatGateways {
    fn name(&self) -> &'static str {
        "nat_gateways"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let existing = ec2
            .describe_nat_gateways()
            .filter(filter("vpc-id", [s.vpc()]))
            .filter(owned(&s))
            .send()
            .await
            .map_err(failed("Looking for the NAT gateways"))?;
        let subnets = Tier::Public.ids(&s);
        let allocs = strings(&s.nat_eip_allocation_ids);
        let owner = s.owner();
        let mut made: Vec<String> = Vec::new();
        for i in 0..s.nat_count() {
            let name = s.child_name(&nat_suffix(&s, i));
            let found = existing
                .nat_gateways()
                .iter()
                .filter(|n| live(n.state()) && tag(n.tags(), OWNER_TAG) == Some(owner.as_str()))
                .find(|n| tag(n.tags(), "Name") == Some(name.as_str()));
            let id = match found {
                Some(n) => n.nat_gateway_id().unwrap_or_default().to_string(),
                None => {
                    let (Some(subnet), Some(alloc)) = (subnets.get(i), allocs.get(i)) else {
                        return Err(CompositeError::new(
                            format!("Creating NAT gateway {name}"),
                            "its public subnet or Elastic IP is missing: apply again.",
                        ));
                    };
                    free_address(ctx, alloc, &existing).await?;
                    let out = ec2
                        .create_nat_gateway()
                        .subnet_id(subnet)
                        .allocation_id(alloc)
                        .tag_specifications(tag_spec(
                            ResourceType::Natgateway,
                            &s.child_tags(&nat_suffix(&s, i)),
                        ))
                        .send()
                        .await
                        .map_err(failed(format!("Creating NAT gateway {name}")))?;
                    out.nat_gateway()
                        .and_then(|n| n.nat_gateway_id())
                        .unwrap_or_default()
                        .to_string()
                }
            };
            made.push(id);
            rec.record(|st| st.nat_gateway_ids = ids(&made));
        }
        wait(ctx, &made, true).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let want = strings(&s.nat_gateway_ids);
        let out = ctx
            .clients
            .ec2()
            .describe_nat_gateways()
            .filter(filter("nat-gateway-id", want.clone()))
            .send()
            .await
            .map_err(failed("Reading the NAT gateways"))?;
        let whole = want.len() == s.nat_count()
            && want.iter().all(|id| {
                out.nat_gateways()
                    .iter()
                    .any(|n| n.nat_gateway_id() == Some(id.as_str()) && live(n.state()))
            });
        Ok(if whole { Found::Present } else { Found::Gone })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        retag(ctx, &strings(&now.nat_gateway_ids), prior, &now).await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        delete_nats(ctx, &strings(&s.nat_gateway_ids)).await
    }
}

/// The live NAT gateways this network owns in its VPC.
pub async fn owned_nat_ids(ctx: &Ctx, s: &NetworkState) -> Result<Vec<String>, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_nat_gateways()
        .filter(filter("vpc-id", [s.vpc()]))
        .filter(owned(s))
        .send()
        .await
        .map_err(failed("Listing the network's NAT gateways"))?;
    let owner = s.owner();
    Ok(out
        .nat_gateways()
        .iter()
        .filter(|n| live(n.state()) && tag(n.tags(), OWNER_TAG) == Some(owner.as_str()))
        .filter_map(|n| n.nat_gateway_id().map(str::to_string))
        .collect())
}

/// Delete NAT gateways and wait until they are deleted (their addresses and interfaces are
/// freed only then).
pub async fn delete_nats(ctx: &Ctx, nats: &[String]) -> Result<(), CompositeError> {
    if nats.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_nat_gateways()
        .filter(filter("nat-gateway-id", nats.to_vec()))
        .send()
        .await
        .map_err(failed("Reading the NAT gateways"))?;
    // Only those that exist and are not already going: deleting an unknown id is an error.
    for n in out.nat_gateways().iter().filter(|n| live(n.state())) {
        let id = n.nat_gateway_id().unwrap_or_default();
        done_unless_gone(
            ec2.delete_nat_gateway().nat_gateway_id(id).send().await,
            "NatGatewayNotFound",
            format!("Deleting NAT gateway \"{id}\""),
        )?;
    }
    wait(ctx, nats, false).await
}

/// Wait until every NAT gateway of `nats` is available (`up`) or deleted.
async fn wait(ctx: &Ctx, nats: &[String], up: bool) -> Result<(), CompositeError> {
    if nats.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    loop {
        let out = ec2
            .describe_nat_gateways()
            .filter(filter("nat-gateway-id", nats.to_vec()))
            .send()
            .await
            .map_err(failed("Waiting for the NAT gateways"))?;
        let all = out.nat_gateways();
        if up {
            if let Some(n) = all
                .iter()
                .find(|n| n.state() == Some(&NatGatewayState::Failed))
            {
                return Err(CompositeError::new(
                    format!(
                        "NAT gateway \"{}\" failed",
                        n.nat_gateway_id().unwrap_or_default()
                    ),
                    n.failure_message().unwrap_or("no reason given").to_string(),
                ));
            }
        }
        let done = if up {
            nats.iter().all(|id| {
                all.iter().any(|n| {
                    n.nat_gateway_id() == Some(id.as_str())
                        && n.state() == Some(&NatGatewayState::Available)
                })
            })
        } else {
            all.iter().all(|n| {
                matches!(
                    n.state(),
                    Some(NatGatewayState::Deleted) | Some(NatGatewayState::Failed)
                )
            })
        };
        if done {
            return Ok(());
        }
        let what = if up { "available" } else { "deleted" };
        ctx.deadline
            .sleep(
                POLL,
                &format!("waiting for NAT gateways {nats:?} to be {what}"),
            )
            .await?;
    }
}

/// Make Elastic IP `alloc` free for a new NAT gateway: an association left by a NAT gateway
/// that is no longer live (deleted out of band) is removed; one held by a live NAT gateway is
/// left (creating the new one then fails, naming it).
async fn free_address(
    ctx: &Ctx,
    alloc: &str,
    nats: &aws_sdk_ec2::operation::describe_nat_gateways::DescribeNatGatewaysOutput,
) -> Result<(), CompositeError> {
    let held = nats.nat_gateways().iter().any(|n| {
        live(n.state())
            && n.nat_gateway_addresses()
                .iter()
                .any(|a| a.allocation_id() == Some(alloc))
    });
    if held {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_addresses()
        .filters(filter("allocation-id", [alloc]))
        .send()
        .await
        .map_err(failed(format!("Reading Elastic IP \"{alloc}\"")))?;
    for assoc in out.addresses().iter().filter_map(|a| a.association_id()) {
        done_unless_gone(
            ec2.disassociate_address()
                .association_id(assoc)
                .send()
                .await,
            "InvalidAssociationID.NotFound",
            format!("Freeing Elastic IP \"{alloc}\" from a deleted NAT gateway"),
        )?;
    }
    Ok(())
}

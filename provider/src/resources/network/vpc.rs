//! The VPC row: made (or adopted by its ownership tag) with DNS support and hostnames on; its
//! delete first removes anything this network owns that is still in it, so nothing a forgotten
//! row made is left behind.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};

use super::ec2::{failed, filter, owned, tag_spec};
use super::{endpoints, gateways, routes, subnets, NetworkState};
use crate::clients::AwsClients;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::tf_value::{known, list};

/// The region's available zones (standard ones, not Local or Wavelength zones), by name.
pub async fn available_zones(clients: &AwsClients) -> Result<Vec<String>, CompositeError> {
    let out = clients
        .ec2()
        .describe_availability_zones()
        .filters(filter("state", ["available"]))
        .send()
        .await
        .map_err(failed("Listing the availability zones"))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    Ok(zones)
}

/// The VPC.
pub struct Vpc;

#[async_trait]
impl ChildOps<NetworkState> for Vpc {
    fn name(&self) -> &'static str {
        "vpc"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        if s.availability_zones.is_unknown() || s.zones().len() != s.zone_count() {
            // Planned without a configured provider: the zones and the derived plan now.
            let zones = available_zones(&ctx.clients).await?;
            let n = s.zone_count();
            if zones.len() < n {
                return Err(CompositeError::new(
                    "Not enough availability zones",
                    format!(
                        "the region has {} available zone(s), the network needs {n}.",
                        zones.len()
                    ),
                ));
            }
            rec.record(|st| {
                st.availability_zones = list(zones[..n].to_vec());
                super::fill_cidrs(st);
            });
        }
        let s = rec.snapshot();
        let found = ec2
            .describe_vpcs()
            .filters(owned(&s))
            .send()
            .await
            .map_err(failed("Looking for the network's VPC"))?;
        let id = match found.vpcs().iter().find_map(|v| v.vpc_id()) {
            Some(id) => id.to_string(),
            None => {
                let out = ec2
                    .create_vpc()
                    .cidr_block(known(&s.cidr_block).unwrap_or_default())
                    .tag_specifications(tag_spec(ResourceType::Vpc, &s.vpc_tags()))
                    .send()
                    .await
                    .map_err(failed(format!("Creating the VPC of \"{}\"", s.name())))?;
                out.vpc()
                    .and_then(|v| v.vpc_id())
                    .unwrap_or_default()
                    .to_string()
            }
        };
        rec.record(|st| {
            st.vpc_id = Value::Value(id.clone());
            st.id = Value::Value(id.clone());
        });
        for hostnames in [false, true] {
            let on = AttributeBooleanValue::builder().value(true).build();
            let call = ec2.modify_vpc_attribute().vpc_id(&id);
            let call = if hostnames {
                call.enable_dns_hostnames(on)
            } else {
                call.enable_dns_support(on)
            };
            call.send()
                .await
                .map_err(failed(format!("Turning DNS on in \"{id}\"")))?;
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let out = ctx
            .clients
            .ec2()
            .describe_vpcs()
            .filters(filter("vpc-id", [s.vpc()]))
            .send()
            .await
            .map_err(failed(format!("Reading VPC \"{}\"", s.vpc())))?;
        Ok(if out.vpcs().is_empty() {
            Found::Gone
        } else {
            Found::Present
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        if prior.vpc_tags() != now.vpc_tags() || prior.tags_all != now.tags_all {
            let mut before = prior.base_tags();
            before.insert(super::PROFILE_TAG.into(), prior.profile().to_string());
            let mut after = now.base_tags();
            after.insert(super::PROFILE_TAG.into(), now.profile().to_string());
            crate::kinds::tags::ec2(ctx, &[now.vpc().to_string()], &before, &after).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        sweep(ctx, s).await?;
        let ec2 = ctx.clients.ec2();
        let id = s.vpc().to_string();
        delete_retrying(
            &ctx.deadline,
            &format!("VPC \"{id}\""),
            "InvalidVpcID.NotFound",
            "DependencyViolation",
            || ec2.delete_vpc().vpc_id(&id).send(),
        )
        .await
    }
}

/// Delete what this network owns that is still in its VPC (a row whose ids the state lost):
/// endpoints, NAT gateways, route tables, subnets, internet gateways, then Elastic IPs.
async fn sweep(ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    let vpc = s.vpc();
    let in_vpc = || filter("vpc-id", [vpc]);
    let eps = ec2
        .describe_vpc_endpoints()
        .filters(in_vpc())
        .send()
        .await
        .map_err(failed("Listing the network's endpoints"))?;
    let owner = s.owner();
    let ids: Vec<String> = eps
        .vpc_endpoints()
        .iter()
        .filter(|e| !endpoints::is_deleted(e.state()))
        .filter(|e| {
            super::ec2::tag(e.tags(), crate::kinds::ownership::OWNER_TAG) == Some(owner.as_str())
        })
        .filter_map(|e| e.vpc_endpoint_id().map(str::to_string))
        .collect();
    endpoints::delete_ids(ctx, &ids).await?;
    let nats = gateways::owned_nat_ids(ctx, s).await?;
    gateways::delete_nats(ctx, &nats).await?;
    let tables = ec2
        .describe_route_tables()
        .filters(in_vpc())
        .filters(owned(s))
        .send()
        .await
        .map_err(failed("Listing the network's route tables"))?;
    for t in tables.route_tables() {
        let assoc: Vec<String> = t
            .associations()
            .iter()
            .filter(|a| a.main() != Some(true))
            .filter_map(|a| a.route_table_association_id().map(str::to_string))
            .collect();
        routes::disassociate(ctx, &assoc).await?;
        if let Some(id) = t.route_table_id() {
            routes::delete_table(ctx, id).await?;
        }
    }
    let subnets = ec2
        .describe_subnets()
        .filters(in_vpc())
        .filters(owned(s))
        .send()
        .await
        .map_err(failed("Listing the network's subnets"))?;
    let ids: Vec<String> = subnets
        .subnets()
        .iter()
        .filter_map(|x| x.subnet_id().map(str::to_string))
        .collect();
    subnets::delete_ids(ctx, &ids).await?;
    let igws = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", [vpc]))
        .send()
        .await
        .map_err(failed("Listing the VPC's internet gateways"))?;
    for g in igws.internet_gateways() {
        if let Some(id) = g.internet_gateway_id() {
            gateways::delete_igw(ctx, id, vpc).await?;
        }
    }
    let eips = ec2
        .describe_addresses()
        .filters(owned(s))
        .send()
        .await
        .map_err(failed("Listing the network's Elastic IPs"))?;
    let ids: Vec<String> = eips
        .addresses()
        .iter()
        .filter_map(|a| a.allocation_id().map(str::to_string))
        .collect();
    gateways::release(ctx, &ids).await?;
    Ok(())
}

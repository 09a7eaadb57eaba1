//! The three subnet rows (public, private, database): one subnet per zone, `NAME-TIER-a`...,
//! public ones mapping a public IP on launch, private and database ones never (read on every
//! refresh: switched on out of band, the next plan shows the subnets made again and the apply
//! switches it off on the same subnets).

use crate::kinds::codes as code;
use crate::kinds::id_in_answer;
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};

use super::ec2::{failed, filter, ids, owned, retag, tag, tag_spec};
use super::NetworkState;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::tf_value::{strings, StringList};

/// A tier of subnets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Public: routed to the internet gateway.
    Public,
    /// Private: routed to NAT.
    Private,
    /// Database: no route out of the VPC.
    Database,
}

impl Tier {
    /// The three tiers, in slot order.
    pub const ALL: [Tier; 3] = [Tier::Public, Tier::Private, Tier::Database];

    /// `public`, `private`, `database`.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Public => "public",
            Tier::Private => "private",
            Tier::Database => "database",
        }
    }

    fn index(self) -> usize {
        match self {
            Tier::Public => 0,
            Tier::Private => 1,
            Tier::Database => 2,
        }
    }

    /// The tier's subnet ids in `s`.
    pub fn ids(self, s: &NetworkState) -> Vec<String> {
        strings(self.list(s))
    }

    fn list(self, s: &NetworkState) -> &StringList {
        match self {
            Tier::Public => &s.public_subnet_ids,
            Tier::Private => &s.private_subnet_ids,
            Tier::Database => &s.database_subnet_ids,
        }
    }

    fn list_mut(self, s: &mut NetworkState) -> &mut StringList {
        match self {
            Tier::Public => &mut s.public_subnet_ids,
            Tier::Private => &mut s.private_subnet_ids,
            Tier::Database => &mut s.database_subnet_ids,
        }
    }

    /// Whether its subnets give instances a public IP on launch (public only).
    pub fn maps_public_ips(self) -> bool {
        self == Tier::Public
    }

    /// The `Name` suffix of zone `i`'s subnet.
    pub fn suffix(self, s: &NetworkState, i: usize) -> String {
        format!("{}-{}", self.label(), s.zone_suffix(i))
    }
}

/// A tier's subnets.
pub struct Subnets(pub Tier);

#[async_trait]
impl ChildOps<NetworkState> for Subnets {
    fn name(&self) -> &'static str {
        match self.0 {
            Tier::Public => "public_subnets",
            Tier::Private => "private_subnets",
            Tier::Database => "database_subnets",
        }
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let tier = self.0;
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let existing = ec2
            .describe_subnets()
            .filters(filter("vpc-id", [s.vpc()]))
            .filters(owned(&s))
            .send()
            .await
            .map_err(failed(format!("Looking for the {} subnets", tier.label())))?;
        let cidrs = s.tier_cidrs(tier.index());
        let zones = s.zones();
        let mut made: Vec<String> = Vec::new();
        for (i, zone) in zones.iter().enumerate() {
            let name = s.child_name(&tier.suffix(&s, i));
            let found = existing
                .subnets()
                .iter()
                .find(|x| tag(x.tags(), "Name") == Some(name.as_str()));
            let (id, mapped) = match found {
                Some(x) => (
                    id_in_answer(x.subnet_id(), &format!("subnet {name}"))?,
                    x.map_public_ip_on_launch() == Some(true),
                ),
                None => {
                    let cidr = cidrs.get(i).cloned().unwrap_or_default();
                    let out = ec2
                        .create_subnet()
                        .vpc_id(s.vpc())
                        .cidr_block(&cidr)
                        .availability_zone(zone)
                        .tag_specifications(tag_spec(
                            ResourceType::Subnet,
                            &s.child_tags(&tier.suffix(&s, i)),
                        ))
                        .send()
                        .await
                        .map_err(failed(format!("Creating subnet {name} ({cidr} in {zone})")))?;
                    (
                        id_in_answer(
                            out.subnet().and_then(|x| x.subnet_id()),
                            &format!("subnet {name}"),
                        )?,
                        false,
                    )
                }
            };
            made.push(id.clone());
            rec.record(|st| *tier.list_mut(st) = ids(&made));
            let want = tier.maps_public_ips();
            if mapped != want {
                ec2.modify_subnet_attribute()
                    .subnet_id(&id)
                    .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
                    .send()
                    .await
                    .map_err(failed(format!(
                        "Turning public IPs on launch {} in {name}",
                        if want { "on" } else { "off" }
                    )))?;
            }
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let want = self.0.ids(&s);
        let out = ctx
            .clients
            .ec2()
            .describe_subnets()
            .filters(filter("subnet-id", want.clone()))
            .send()
            .await
            .map_err(failed(format!("Reading the {} subnets", self.0.label())))?;
        let whole = want.len() == s.zones().len()
            && want.iter().all(|id| {
                out.subnets().iter().any(|x| {
                    x.subnet_id() == Some(id.as_str())
                        && x.map_public_ip_on_launch().unwrap_or(false) == self.0.maps_public_ips()
                })
            });
        Ok(if whole { Found::Present } else { Found::Gone })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        retag(ctx, &self.0.ids(&rec.snapshot()), prior, &rec.snapshot()).await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        delete_ids(ctx, &self.0.ids(s)).await
    }
}

/// Delete subnets, retrying while something (a NAT gateway's interface) still uses them.
pub async fn delete_ids(ctx: &Ctx, ids: &[String]) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    for id in ids {
        delete_retrying(
            &ctx.deadline,
            &format!("subnet \"{id}\""),
            code::ec2::INVALID_SUBNET_ID_NOT_FOUND,
            code::ec2::DEPENDENCY_VIOLATION,
            || ec2.delete_subnet().subnet_id(id).send(),
        )
        .await?;
    }
    Ok(())
}

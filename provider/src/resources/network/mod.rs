//! `blueprint_network`: seed 001's VPC over 2 (dev) or 3 (prod) availability zones, with
//! public, private and database subnets, an internet gateway, NAT gateways, route tables, S3 and
//! DynamoDB gateway endpoints and VPC flow logs to CloudWatch Logs.
//!
//! The children are the declaration's table ([`blueprint_declarations::composites::network`]);
//! each row's operations are in the file named for it. Rows made once per zone keep their ids
//! in a list; their `create` ensures the row: it adopts the members that exist (by recorded id
//! or by the ownership tag and `Name`) and makes only the missing ones, recording the list after
//! each call that made one. `reconcile` retags and ensures again (so a NAT gateway made again
//! gets its routes back). A read that finds any member gone says the row is gone.

mod cidr;
mod ec2;
mod endpoints;
mod flow_logs;
mod gateways;
mod import;
mod routes;
mod subnets;
mod vpc;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use blueprint_declarations::composites::network as declaration;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};

/// The tag carrying the profile on the VPC, for import.
pub const PROFILE_TAG: &str = "blueprint:profile";

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkState {
    /// The VPC id.
    pub id: Value<String>,
    /// Name of the network.
    pub name: Value<String>,
    /// `dev` or `prod`.
    pub profile: Value<String>,
    /// The VPC's CIDR.
    pub cidr_block: Value<String>,
    /// Number of zones (null: the profile's).
    /// A number as Terraform sends it: a fraction (`2.5`) decodes, and the declared check
    /// refuses it on `az_count` (an integer type would fail in the decoder, without a path).
    pub az_count: Value<f64>,
    /// The zones.
    pub availability_zones: StringList,
    /// Public subnet CIDRs.
    pub public_subnet_cidrs: StringList,
    /// Private subnet CIDRs.
    pub private_subnet_cidrs: StringList,
    /// Database subnet CIDRs.
    pub database_subnet_cidrs: StringList,
    /// `single` or `per_az` (null: the profile's).
    pub nat_gateways: Value<String>,
    /// Flow logs on (null: the profile's).
    pub flow_logs: Value<bool>,
    /// Flow log retention in days.
    pub flow_log_retention_days: Value<i64>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// The VPC id.
    pub vpc_id: Value<String>,
    /// The VPC's CIDR.
    pub vpc_cidr: Value<String>,
    /// Internet gateway.
    pub internet_gateway_id: Value<String>,
    /// Public subnets, zone order.
    pub public_subnet_ids: StringList,
    /// Private subnets.
    pub private_subnet_ids: StringList,
    /// Database subnets.
    pub database_subnet_ids: StringList,
    /// The NAT gateways' Elastic IPs.
    pub nat_eip_allocation_ids: StringList,
    /// Their public IPs.
    pub nat_public_ips: StringList,
    /// NAT gateways.
    pub nat_gateway_ids: StringList,
    /// Public route table.
    pub public_route_table_id: Value<String>,
    /// Private route tables, one per zone.
    pub private_route_table_ids: StringList,
    /// Database route table.
    pub database_route_table_id: Value<String>,
    /// Public associations.
    pub public_route_table_association_ids: StringList,
    /// Private associations.
    pub private_route_table_association_ids: StringList,
    /// Database associations.
    pub database_route_table_association_ids: StringList,
    /// S3 gateway endpoint.
    pub s3_endpoint_id: Value<String>,
    /// DynamoDB gateway endpoint.
    pub dynamodb_endpoint_id: Value<String>,
    /// Flow log group.
    pub flow_log_group_name: Value<String>,
    /// Flow log role.
    pub flow_log_role_name: Value<String>,
    /// Its ARN.
    pub flow_log_role_arn: Value<String>,
    /// The flow log.
    pub flow_log_id: Value<String>,
}

impl NetworkState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    fn profile(&self) -> &str {
        known(&self.profile).unwrap_or("dev")
    }
    fn sizing(&self) -> declaration::Sizing {
        declaration::sizing(self.profile())
    }
    /// The number of zones: `az_count`, else the profile's.
    fn zone_count(&self) -> usize {
        self.az_count
            .as_option()
            .and_then(|n| (n.fract() == 0.0 && (0.0..=64.0).contains(&n)).then_some(n as usize))
            .unwrap_or(self.sizing().az_count)
    }
    fn zones(&self) -> Vec<String> {
        strings(&self.availability_zones)
    }
    /// One NAT gateway per zone.
    fn nat_per_az(&self) -> bool {
        match known(&self.nat_gateways) {
            Some(mode) => mode == "per_az",
            None => self.sizing().nat_per_az,
        }
    }
    /// How many NAT gateways (and Elastic IPs).
    fn nat_count(&self) -> usize {
        if self.nat_per_az() {
            self.zones().len()
        } else {
            1
        }
    }
    /// Flow logs wanted.
    fn flow_logs_on(&self) -> bool {
        self.flow_logs
            .as_option()
            .unwrap_or(self.sizing().flow_logs)
    }
    fn vpc(&self) -> &str {
        known(&self.vpc_id).unwrap_or_default()
    }
    fn owner(&self) -> String {
        crate::kinds::ownership::owner(declaration::TYPE_NAME, self.name())
    }
    /// `tags_all` and the owner tag: what every child carries besides its `Name`.
    fn base_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&entries(&self.tags_all), &self.owner())
    }
    /// The tags of the child named `NAME-suffix` (`NAME` for an empty suffix).
    fn child_tags(&self, suffix: &str) -> BTreeMap<String, String> {
        let mut t = self.base_tags();
        t.insert("Name".into(), self.child_name(suffix));
        t
    }
    fn child_name(&self, suffix: &str) -> String {
        if suffix.is_empty() {
            self.name().to_string()
        } else {
            format!("{}-{suffix}", self.name())
        }
    }
    /// The VPC's tags: a child's, plus the profile marker.
    fn vpc_tags(&self) -> BTreeMap<String, String> {
        let mut t = self.child_tags("");
        t.insert(PROFILE_TAG.into(), self.profile().to_string());
        t
    }
    /// The short name of zone `i` (`a` for `us-east-1a`) for `Name` tags.
    fn zone_suffix(&self, i: usize) -> String {
        zone_suffix(
            self.zones().get(i).map(String::as_str).unwrap_or_default(),
            i,
        )
    }
    fn flow_log_group(&self) -> String {
        format!("/blueprint/network/{}/flow-logs", self.name())
    }
    fn flow_log_role(&self) -> String {
        format!("{}-flow-logs", self.name())
    }
    /// The planned CIDRs of tier `t` (0 public, 1 private, 2 database).
    fn tier_cidrs(&self, t: usize) -> Vec<String> {
        strings(match t {
            0 => &self.public_subnet_cidrs,
            1 => &self.private_subnet_cidrs,
            _ => &self.database_subnet_cidrs,
        })
    }
}

/// The letter(s) a zone's name ends with (`a` for `us-east-1a`), or its index.
pub fn zone_suffix(zone: &str, i: usize) -> String {
    let tail: String = zone
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_lowercase())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if tail.is_empty() {
        i.to_string()
    } else {
        tail
    }
}

/// The overrides of the three tiers as the configuration gives them (`None`: derived).
fn overrides(s: &NetworkState) -> Option<[Option<Vec<String>>; 3]> {
    let one = |l: &StringList| -> Option<Option<Vec<String>>> {
        match l {
            Value::Unknown => None,
            Value::Null => Some(None),
            Value::Value(items) => {
                if items.iter().any(|i| i.is_unknown()) {
                    None
                } else {
                    Some(Some(strings(l)))
                }
            }
        }
    };
    Some([
        one(&s.public_subnet_cidrs)?,
        one(&s.private_subnet_cidrs)?,
        one(&s.database_subnet_cidrs)?,
    ])
}

/// Fill the zones (from the region when unset and known), the CIDR plan and `tags_all`.
async fn derive(s: &mut NetworkState, clients: Option<&AwsClients>) {
    derive_known(s, clients);
    let count_known = !s.az_count.is_unknown() && !s.profile.is_unknown();
    if s.availability_zones.is_null() || s.availability_zones.is_unknown() {
        s.availability_zones = Value::Unknown;
        if let (Some(clients), true) = (clients, count_known) {
            if let Ok(zones) = vpc::available_zones(clients).await {
                if zones.len() >= s.zone_count() {
                    s.availability_zones = list(zones[..s.zone_count()].to_vec());
                }
            }
        }
    }
    fill_cidrs(s);
}

/// `vpc_cidr` and `tags_all`.
fn derive_known(s: &mut NetworkState, clients: Option<&AwsClients>) {
    if s.cidr_block.is_value() {
        s.vpc_cidr = s.cidr_block.clone();
    } else {
        s.vpc_cidr = Value::Unknown;
    }
    if let Some(clients) = clients {
        if !s.tags.is_unknown() {
            let mut all = clients.default_tags().clone();
            all.extend(entries(&s.tags));
            s.tags_all = map(all);
        }
    } else {
        s.tags_all = Value::Unknown;
    }
}

/// [`derive`] from the synchronous plan hooks: the zones come from one EC2 call, made on the
/// plugin's (multi-threaded) runtime; elsewhere they stay unknown until apply.
fn run_derive(s: &mut NetworkState, clients: Option<&AwsClients>) {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| h.block_on(derive(s, clients)))
        }
        _ => {
            derive_known(s, clients);
            if s.availability_zones.is_null() {
                s.availability_zones = Value::Unknown;
            }
            fill_cidrs(s);
        }
    }
}

/// The derived CIDR lists where unset, once the block and the zones are known.
fn fill_cidrs(s: &mut NetworkState) {
    let zones_known = s
        .availability_zones
        .as_ref_option()
        .is_some_and(|z| z.iter().all(|x| x.is_value()));
    let plan = match (known(&s.cidr_block), overrides(s), zones_known) {
        (Some(block), Some(o), true) => cidr::plan(block, s.zones().len(), o).ok(),
        _ => None,
    };
    for (t, l) in [
        &mut s.public_subnet_cidrs,
        &mut s.private_subnet_cidrs,
        &mut s.database_subnet_cidrs,
    ]
    .into_iter()
    .enumerate()
    {
        if l.is_null() || l.is_unknown() {
            *l = match &plan {
                Some(p) => list(p[t].iter().map(ToString::to_string).collect()),
                None => Value::Unknown,
            };
        }
    }
}

/// The ids and computed values that only apply can know.
fn mark_unknown(s: &mut NetworkState) {
    for v in [
        &mut s.id,
        &mut s.vpc_id,
        &mut s.internet_gateway_id,
        &mut s.public_route_table_id,
        &mut s.database_route_table_id,
        &mut s.s3_endpoint_id,
        &mut s.dynamodb_endpoint_id,
    ] {
        *v = Value::Unknown;
    }
    for l in [
        &mut s.public_subnet_ids,
        &mut s.private_subnet_ids,
        &mut s.database_subnet_ids,
        &mut s.nat_eip_allocation_ids,
        &mut s.nat_public_ips,
        &mut s.nat_gateway_ids,
        &mut s.private_route_table_ids,
        &mut s.public_route_table_association_ids,
        &mut s.private_route_table_association_ids,
        &mut s.database_route_table_association_ids,
    ] {
        *l = Value::Unknown;
    }
    mark_flow_logs(s);
}

/// The flow log children's values: unknown when wanted (to be made), null when not.
fn mark_flow_logs(s: &mut NetworkState) {
    let on = if s.flow_logs.is_unknown() || s.profile.is_unknown() {
        None
    } else {
        Some(s.flow_logs_on())
    };
    for v in [
        &mut s.flow_log_group_name,
        &mut s.flow_log_role_name,
        &mut s.flow_log_role_arn,
        &mut s.flow_log_id,
    ] {
        *v = match on {
            Some(false) => Value::Null,
            _ => Value::Unknown,
        };
    }
}

/// The composite.
pub struct Network;

#[async_trait]
impl Composite for Network {
    type State = NetworkState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        if let Some(c) = clients {
            zones_in_region(planned, &c.region(), diags);
        }
        run_derive(planned, clients);
        mark_unknown(planned);
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        plan_update(prior, planned, clients)
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        let mut out: Vec<Box<dyn ChildOps<NetworkState>>> = vec![
            Box::new(vpc::Vpc),
            Box::new(gateways::InternetGateway),
            Box::new(gateways::NatEips),
            Box::new(gateways::NatGateways),
            Box::new(endpoints::Endpoint::S3),
            Box::new(endpoints::Endpoint::DynamoDb),
            Box::new(flow_logs::LogGroup),
            Box::new(flow_logs::Role),
            Box::new(flow_logs::FlowLog),
        ];
        for tier in subnets::Tier::ALL {
            out.push(Box::new(subnets::Subnets(tier)));
            out.push(Box::new(routes::Associations(tier)));
        }
        out.push(Box::new(routes::PublicTable));
        out.push(Box::new(routes::PrivateTables));
        out.push(Box::new(routes::DatabaseTable));
        out
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        import::import(ctx, id).await
    }
}

/// The configured zones against the provider's region (known at plan): a zone of another
/// region is refused on its element, before anything is created.
fn zones_in_region(config: &NetworkState, region: &str, diags: &mut Diagnostics) {
    if region.is_empty() {
        return;
    }
    if let Value::Value(zones) = &config.availability_zones {
        for (i, z) in zones.iter().enumerate() {
            if let Value::Value(zone) = z {
                if let Err(e) =
                    blueprint_declarations::composites::network::zone_in_region(zone, region)
                {
                    diags.error(
                        "Availability zone of another region",
                        format!("availability_zones[{i}]: {e}"),
                        AttributePath::new("availability_zones").index(i as i64),
                    );
                }
            }
        }
    }
}

/// Cross-field checks: the zones against the count, the CIDR plan.
fn validate(config: &NetworkState, diags: &mut Diagnostics) {
    if config.profile.is_unknown() || config.az_count.is_unknown() {
        return;
    }
    let count = config.zone_count();
    if let Value::Value(z) = &config.availability_zones {
        if z.len() != count {
            diags.error(
                "Wrong number of availability zones",
                format!(
                    "availability_zones: names {} zone(s) but the network has {count} ({}): name exactly {count}, or set az_count to {}.",
                    z.len(),
                    if config.az_count.is_value() { "az_count".to_string() } else { format!("profile \"{}\"", config.profile()) },
                    z.len()
                ),
                AttributePath::new("availability_zones"),
            );
            return;
        }
        let mut seen = Vec::new();
        for (i, zone) in strings(&config.availability_zones).into_iter().enumerate() {
            if seen.contains(&zone) {
                diags.error(
                    "Repeated availability zone",
                    format!("\"{zone}\" is named twice: each zone holds one subnet per tier."),
                    AttributePath::new("availability_zones").index(i as i64),
                );
            }
            seen.push(zone);
        }
    }
    let Some(block) = known(&config.cidr_block).map(str::to_string).or_else(|| {
        config
            .cidr_block
            .is_null()
            .then(|| declaration::DEFAULT_CIDR.to_string())
    }) else {
        return;
    };
    let Some(o) = overrides(config) else {
        return;
    };
    if let Err(problems) = cidr::plan(&block, count, o) {
        for p in problems {
            let mut path = AttributePath::new(p.attr);
            let mut at = p.attr.to_string();
            if let Some(i) = p.index {
                path = path.index(i as i64);
                at = format!("{at}[{i}]");
            }
            diags.error("Invalid subnet plan", format!("{at}: {}", p.message), path);
        }
    }
}

fn plan_update(
    prior: &NetworkState,
    planned: &mut NetworkState,
    clients: Option<&AwsClients>,
) -> Vec<AttributePath> {
    let mut replace = Vec::new();
    // Values the configuration left unset keep the prior ones (optional+computed): derive
    // them again when what they come from changed.
    let count = planned.zone_count();
    if planned.zones().len() != count && planned.availability_zones == prior.availability_zones {
        planned.availability_zones = Value::Null;
    }
    if planned.cidr_block != prior.cidr_block || planned.availability_zones.is_null() {
        for (l, p) in [
            (&mut planned.public_subnet_cidrs, &prior.public_subnet_cidrs),
            (
                &mut planned.private_subnet_cidrs,
                &prior.private_subnet_cidrs,
            ),
            (
                &mut planned.database_subnet_cidrs,
                &prior.database_subnet_cidrs,
            ),
        ] {
            if l == p {
                *l = Value::Null;
            }
        }
    }
    run_derive(planned, clients);
    let differs = |a: &StringList, b: &StringList| !a.is_unknown() && a != b;
    for (name, changed) in [
        (
            "availability_zones",
            differs(&planned.availability_zones, &prior.availability_zones)
                || planned.availability_zones.is_unknown(),
        ),
        (
            "public_subnet_cidrs",
            differs(&planned.public_subnet_cidrs, &prior.public_subnet_cidrs),
        ),
        (
            "private_subnet_cidrs",
            differs(&planned.private_subnet_cidrs, &prior.private_subnet_cidrs),
        ),
        (
            "database_subnet_cidrs",
            differs(&planned.database_subnet_cidrs, &prior.database_subnet_cidrs),
        ),
    ] {
        if changed {
            replace.push(AttributePath::new(name));
        }
    }
    // Effective values, so that leaving az_count or nat_gateways to the profile and writing
    // what the profile says are the same network.
    if planned.zone_count() != prior.zone_count() && !planned.az_count.is_unknown() {
        replace.push(AttributePath::new("az_count"));
    }
    if planned.nat_per_az() != prior.nat_per_az() && !planned.nat_gateways.is_unknown() {
        replace.push(AttributePath::new("nat_gateways"));
    }
    // The VPC is gone (deleted out of band): everything in it went with it.
    if prior.vpc_id.is_null() {
        replace.push(AttributePath::new("vpc_id"));
    }
    if !replace.is_empty() {
        mark_unknown(planned);
        return replace;
    }
    if planned.flow_logs_on() != prior.flow_logs_on()
        || planned.flow_logs.is_unknown()
        || planned.profile.is_unknown()
    {
        mark_flow_logs(planned);
    }
    // A per-zone row whose list is short (a member gone) is made whole by the apply.
    let zones = planned.zones().len();
    let nats = planned.nat_count();
    for (l, want) in [
        (&mut planned.public_subnet_ids, zones),
        (&mut planned.private_subnet_ids, zones),
        (&mut planned.database_subnet_ids, zones),
        (&mut planned.private_route_table_ids, zones),
        (&mut planned.public_route_table_association_ids, zones),
        (&mut planned.private_route_table_association_ids, zones),
        (&mut planned.database_route_table_association_ids, zones),
        (&mut planned.nat_gateway_ids, nats),
        (&mut planned.nat_eip_allocation_ids, nats),
    ] {
        if l.as_ref_option().is_some_and(|v| v.len() != want) {
            *l = Value::Unknown;
        }
    }
    if planned.nat_eip_allocation_ids.is_unknown() {
        planned.nat_public_ips = Value::Unknown;
    }
    // The flow log role's policies need putting again (see flow_logs::Role::read).
    if planned.flow_log_role_arn.is_value() && planned.flow_log_role_name.is_null() {
        planned.flow_log_role_name = Value::Unknown;
    }
    cascade(planned);
    replace
}

/// Rows made again whose dependants change with them: an association names its subnet and
/// route table, so it is made again with either; the endpoints are made again with a new
/// route table.
fn cascade(planned: &mut NetworkState) {
    // Not recorded (gone, the children table plans it made again) or unknown: made again.
    let remade = |v: &Value<String>| v.is_null() || v.is_unknown();
    let remade_list = |v: &StringList| v.as_ref_option().is_none_or(|l| l.is_empty());
    if remade_list(&planned.private_route_table_ids) || remade(&planned.database_route_table_id) {
        planned.s3_endpoint_id = Value::Unknown;
        planned.dynamodb_endpoint_id = Value::Unknown;
    }
    if remade_list(&planned.public_subnet_ids) || remade(&planned.public_route_table_id) {
        planned.public_route_table_association_ids = Value::Unknown;
    }
    if remade_list(&planned.private_subnet_ids) || remade_list(&planned.private_route_table_ids) {
        planned.private_route_table_association_ids = Value::Unknown;
    }
    if remade_list(&planned.database_subnet_ids) || remade(&planned.database_route_table_id) {
        planned.database_route_table_association_ids = Value::Unknown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_suffixes_are_the_trailing_letters() {
        assert_eq!(zone_suffix("us-east-1a", 0), "a");
        assert_eq!(zone_suffix("us-west-2-lax-1b", 1), "b");
        assert_eq!(zone_suffix("", 2), "2");
    }

    fn state(profile: &str) -> NetworkState {
        NetworkState {
            name: Value::Value("n".into()),
            profile: Value::Value(profile.into()),
            cidr_block: Value::Value("10.0.0.0/16".into()),
            availability_zones: Value::Null,
            ..NetworkState::default()
        }
    }

    #[test]
    fn the_profile_sizes_the_network_and_inputs_override_it() {
        let mut dev = state("dev");
        dev.availability_zones = list(vec!["z-a".into(), "z-b".into()]);
        assert_eq!(
            (dev.zone_count(), dev.nat_count(), dev.flow_logs_on()),
            (2, 1, false)
        );
        let mut prod = state("prod");
        prod.availability_zones = list(vec!["z-a".into(), "z-b".into(), "z-c".into()]);
        assert_eq!(
            (prod.zone_count(), prod.nat_count(), prod.flow_logs_on()),
            (3, 3, true)
        );
        prod.nat_gateways = Value::Value("single".into());
        prod.flow_logs = Value::Value(false);
        assert_eq!((prod.nat_count(), prod.flow_logs_on()), (1, false));
        assert_eq!(prod.child_tags("public-a")["Name"], "n-public-a");
        assert_eq!(prod.vpc_tags()[PROFILE_TAG], "prod");
        assert_eq!(
            prod.base_tags()[crate::kinds::ownership::OWNER_TAG],
            "blueprint_network/n"
        );
    }

    #[test]
    fn derived_cidrs_follow_the_zones() {
        let mut s = state("dev");
        s.availability_zones = list(vec!["us-east-1a".into(), "us-east-1b".into()]);
        fill_cidrs(&mut s);
        assert_eq!(
            strings(&s.public_subnet_cidrs),
            ["10.0.0.0/20", "10.0.16.0/20"]
        );
        assert_eq!(
            strings(&s.database_subnet_cidrs),
            ["10.0.128.0/20", "10.0.144.0/20"]
        );
    }

    #[test]
    fn a_profile_change_that_keeps_the_sizing_replaces_nothing() {
        let mut prior = state("dev");
        // An existing network (a prior without its VPC is one deleted out of band).
        prior.vpc_id = Value::Value("vpc-1".into());
        prior.availability_zones = list(vec!["us-east-1a".into(), "us-east-1b".into()]);
        fill_cidrs(&mut prior);
        let mut planned = prior.clone();
        planned.profile = Value::Value("prod".into());
        planned.az_count = Value::Value(2.0);
        planned.nat_gateways = Value::Value("single".into());
        planned.flow_logs = Value::Value(false);
        let kept = plan_update(&prior, &mut planned, None);
        assert!(kept.is_empty(), "{kept:?}");
        let mut grown = prior.clone();
        grown.profile = Value::Value("prod".into());
        let replace = plan_update(&prior, &mut grown, None);
        assert!(
            replace.contains(&AttributePath::new("az_count")),
            "{replace:?}"
        );
    }

    /// `az_count = 2.5` decodes and is refused by the declared check, on `az_count`, with a
    /// message a user can act on (it used to fail in the decoder, with no attribute path).
    #[test]
    fn a_fractional_az_count_is_refused_on_its_attribute() {
        use crate::declare::value;
        let config =
            serde_json::json!({"name": "net", "cidr_block": "10.0.0.0/16", "az_count": 2.5});
        let generic = value::to_generic(&config).expect("encodes");
        let state: NetworkState = value::from_generic(&generic).expect("a fraction decodes");
        assert_eq!(state.az_count, Value::Value(2.5));
        let problems = crate::composite::plan::check(
            Network.declaration(),
            &value::to_generic(&state).expect("encodes"),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path.to_string(), "az_count");
        assert!(
            problems[0].detail.contains("whole number"),
            "{:?}",
            problems[0]
        );
    }
}

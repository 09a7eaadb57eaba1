//! Import by VPC id: the network's name and profile from the VPC's tags, every child found by
//! the ownership tag and its `Name`, the inputs the profile would give left unset.

use std::collections::BTreeMap;

use crate::tf::Value;

use super::ec2::{failed, filter, ids, owned, tag, tag_map};
use super::subnets::Tier;
use super::{NetworkState, PROFILE_TAG};
use crate::composite::{CompositeError, Ctx};
use crate::kinds::ownership::OWNER_TAG;
use crate::tf_value::{list, map};
use blueprint_declarations::composites::network as declaration;

fn not_found(id: &str, why: &str) -> CompositeError {
    CompositeError::new(
        format!("Cannot import \"{id}\""),
        format!("{why}. Import takes the id of a VPC made by blueprint_network (it carries the tag {OWNER_TAG} = \"blueprint_network/NAME\")."),
    )
}

/// The state of the network whose VPC is `id`.
pub async fn import(ctx: &Ctx, id: &str) -> Result<NetworkState, CompositeError> {
    let ec2 = ctx.clients.ec2();
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("vpc-id", [id]))
        .send()
        .await
        .map_err(failed(format!("Reading VPC \"{id}\"")))?;
    let Some(vpc) = vpcs.vpcs().first() else {
        return Err(not_found(id, "there is no such VPC"));
    };
    let vpc_tags = tag_map(vpc.tags());
    let Some(name) = vpc_tags
        .get(OWNER_TAG)
        .and_then(|o| o.strip_prefix(&format!("{}/", declaration::TYPE_NAME)))
    else {
        return Err(not_found(id, "this VPC was not made by blueprint_network"));
    };
    let all: BTreeMap<String, String> = vpc_tags
        .iter()
        .filter(|(k, _)| k.as_str() != "Name" && !k.starts_with("blueprint:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let defaults = ctx.clients.default_tags();
    let user: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let profile = vpc_tags
        .get(PROFILE_TAG)
        .cloned()
        .unwrap_or_else(|| "dev".into());
    let mut s = NetworkState {
        id: Value::Value(id.to_string()),
        vpc_id: Value::Value(id.to_string()),
        name: Value::Value(name.to_string()),
        profile: Value::Value(profile),
        cidr_block: Value::Value(vpc.cidr_block().unwrap_or_default().to_string()),
        vpc_cidr: Value::Value(vpc.cidr_block().unwrap_or_default().to_string()),
        tags: if user.is_empty() {
            Value::Null
        } else {
            map(user)
        },
        tags_all: map(all),
        flow_log_retention_days: Value::Value(declaration::DEFAULT_RETENTION),
        ..NetworkState::default()
    };

    // Subnets: the zones are those of the public subnets, in name order.
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", [id]))
        .filters(owned(&s))
        .send()
        .await
        .map_err(failed("Reading the network's subnets"))?;
    let prefix = |t: Tier| format!("{name}-{}-", t.label());
    let mut zones: Vec<String> = subnets
        .subnets()
        .iter()
        .filter(|x| tag(x.tags(), "Name").is_some_and(|n| n.starts_with(&prefix(Tier::Public))))
        .filter_map(|x| x.availability_zone().map(str::to_string))
        .collect();
    zones.sort();
    zones.dedup();
    s.availability_zones = list(zones.clone());
    for tier in Tier::ALL {
        let mut sids = Vec::new();
        let mut cidrs = Vec::new();
        for (i, _) in zones.iter().enumerate() {
            let n = s.child_name(&tier.suffix(&s, i));
            if let Some(x) = subnets
                .subnets()
                .iter()
                .find(|x| tag(x.tags(), "Name") == Some(n.as_str()))
            {
                sids.push(x.subnet_id().unwrap_or_default().to_string());
                cidrs.push(x.cidr_block().unwrap_or_default().to_string());
            }
        }
        let (sl, cl) = (ids(&sids), ids(&cidrs));
        match tier {
            Tier::Public => (s.public_subnet_ids, s.public_subnet_cidrs) = (sl, cl),
            Tier::Private => (s.private_subnet_ids, s.private_subnet_cidrs) = (sl, cl),
            Tier::Database => (s.database_subnet_ids, s.database_subnet_cidrs) = (sl, cl),
        }
    }
    let sizing = declaration::sizing(s.profile());
    if zones.len() != sizing.az_count {
        s.az_count = Value::Value(zones.len() as f64);
    }

    // Internet gateway.
    let igws = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", [id]))
        .send()
        .await
        .map_err(failed("Reading the VPC's internet gateway"))?;
    if let Some(g) = igws.internet_gateways().first() {
        s.internet_gateway_id = Value::Value(g.internet_gateway_id().unwrap_or_default().into());
    }

    // NAT gateways and their Elastic IPs, in zone order.
    let nats = ec2
        .describe_nat_gateways()
        .filter(filter("vpc-id", [id]))
        .send()
        .await
        .map_err(failed("Reading the network's NAT gateways"))?;
    let (mut nat_ids, mut allocs, mut ips) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..zones.len() {
        let n = s.child_name(&format!("nat-{}", s.zone_suffix(i)));
        let found = nats.nat_gateways().iter().find(|g| {
            tag(g.tags(), "Name") == Some(n.as_str())
                && matches!(
                    g.state(),
                    Some(aws_sdk_ec2::types::NatGatewayState::Available)
                        | Some(aws_sdk_ec2::types::NatGatewayState::Pending)
                )
        });
        if let Some(g) = found {
            nat_ids.push(g.nat_gateway_id().unwrap_or_default().to_string());
            let a = g.nat_gateway_addresses().first();
            allocs.push(
                a.and_then(|a| a.allocation_id())
                    .unwrap_or_default()
                    .to_string(),
            );
            ips.push(
                a.and_then(|a| a.public_ip())
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    let per_az = nat_ids.len() > 1;
    if per_az != sizing.nat_per_az {
        s.nat_gateways = Value::Value(if per_az { "per_az" } else { "single" }.into());
    }
    s.nat_gateway_ids = ids(&nat_ids);
    s.nat_eip_allocation_ids = ids(&allocs);
    s.nat_public_ips = ids(&ips);

    // Route tables and associations.
    let tables = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", [id]))
        .filters(owned(&s))
        .send()
        .await
        .map_err(failed("Reading the network's route tables"))?;
    let table = |suffix: &str| {
        let n = s.child_name(suffix);
        tables
            .route_tables()
            .iter()
            .find(|t| tag(t.tags(), "Name") == Some(n.as_str()))
            .cloned()
    };
    let assoc_of = |t: &Option<aws_sdk_ec2::types::RouteTable>, subnet: &str| {
        t.as_ref().and_then(|t| {
            t.associations()
                .iter()
                .find(|a| a.subnet_id() == Some(subnet))
                .and_then(|a| a.route_table_association_id().map(str::to_string))
        })
    };
    let public = table("public");
    let database = table("database");
    let private: Vec<_> = (0..zones.len())
        .map(|i| table(&Tier::Private.suffix(&s, i)))
        .collect();
    let field = |t: &Option<aws_sdk_ec2::types::RouteTable>| match t {
        Some(t) => Value::Value(t.route_table_id().unwrap_or_default().to_string()),
        None => Value::Null,
    };
    s.public_route_table_id = field(&public);
    s.database_route_table_id = field(&database);
    s.private_route_table_ids = ids(&private
        .iter()
        .flatten()
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect::<Vec<_>>());
    let snapshot = s.clone();
    let assocs = |tier: Tier, pick: &dyn Fn(usize) -> Option<aws_sdk_ec2::types::RouteTable>| {
        let a: Vec<String> = tier
            .ids(&snapshot)
            .iter()
            .enumerate()
            .filter_map(|(i, sub)| assoc_of(&pick(i), sub))
            .collect();
        ids(&a)
    };
    s.public_route_table_association_ids = assocs(Tier::Public, &|_| public.clone());
    s.private_route_table_association_ids =
        assocs(Tier::Private, &|i| private.get(i).cloned().flatten());
    s.database_route_table_association_ids = assocs(Tier::Database, &|_| database.clone());

    // Endpoints.
    let eps = ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", [id]))
        .send()
        .await
        .map_err(failed("Reading the VPC's endpoints"))?;
    let owner = s.owner();
    for (service, slot) in [
        ("s3", &mut s.s3_endpoint_id),
        ("dynamodb", &mut s.dynamodb_endpoint_id),
    ] {
        let want = format!("com.amazonaws.{}.{service}", ctx.clients.region());
        if let Some(e) = eps.vpc_endpoints().iter().find(|e| {
            e.service_name() == Some(want.as_str())
                && !super::endpoints::is_deleted(e.state())
                && tag(e.tags(), OWNER_TAG) == Some(owner.as_str())
        }) {
            *slot = Value::Value(e.vpc_endpoint_id().unwrap_or_default().to_string());
        }
    }

    // Flow logs.
    let flows = ec2
        .describe_flow_logs()
        .filter(filter("resource-id", [id]))
        .send()
        .await
        .map_err(failed("Reading the VPC's flow logs"))?;
    let group = s.flow_log_group();
    let flow = flows.flow_logs().iter().find(|f| {
        f.log_group_name() == Some(group.as_str())
            && tag(f.tags(), OWNER_TAG) == Some(owner.as_str())
    });
    if let Some(f) = flow {
        s.flow_log_id = Value::Value(f.flow_log_id().unwrap_or_default().to_string());
        s.flow_log_group_name = Value::Value(group.clone());
        s.flow_log_role_arn = Value::Value(
            f.deliver_logs_permission_arn()
                .unwrap_or_default()
                .to_string(),
        );
        s.flow_log_role_name = Value::Value(s.flow_log_role());
        let groups = ctx
            .clients
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(&group)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading log group \"{group}\""), &e))?;
        if let Some(days) = groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group.as_str()))
            .and_then(|g| g.retention_in_days())
        {
            s.flow_log_retention_days = Value::Value(i64::from(days));
        }
    }
    if flow.is_some() != sizing.flow_logs {
        s.flow_logs = Value::Value(flow.is_some());
    }
    if s.flow_log_id.is_null() {
        s.flow_log_group_name = Value::Null;
        s.flow_log_role_arn = Value::Null;
        s.flow_log_role_name = Value::Null;
    }
    Ok(s)
}

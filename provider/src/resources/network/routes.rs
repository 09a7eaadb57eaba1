//! Route tables (public: the internet gateway; private, one per zone: its NAT gateway;
//! database: nothing out of the VPC) and their associations with the subnets.
//!
//! What a table may carry besides the VPC's local route and its default route is part of the
//! guarantee, read on every refresh and repaired by the next apply ([`Guard`]): the database
//! table nothing but routes to VPC endpoints (the network's S3 and DynamoDB gateway endpoints);
//! a private table no route to an internet gateway, for any destination (other routes, such
//! as a peering connection or a transit gateway the user added, are left alone). Propagated
//! routes (a virtual private gateway's) cannot be deleted by a route call and are not judged.

use crate::kinds::codes as code;
use crate::kinds::id_in_answer;
use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, RouteTable};

use super::ec2::{failed, filter, ids, owned, retag, tag, tag_spec};
use super::subnets::Tier;
use super::NetworkState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::tf_value::{known, strings};

const ANYWHERE: &str = "0.0.0.0/0";

/// Where a table's default route goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Gateway(String),
    Nat(String),
}

/// Which routes a table may carry besides its local and default routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// The public table: anything.
    Anything,
    /// A private table: no route to an internet gateway.
    NoInternetGateway,
    /// The database table: routes to VPC endpoints only.
    EndpointsOnly,
}

/// Whether `r` is the table's own local route, or one AWS propagated (not ours to judge: a
/// route call cannot delete it).
fn local_or_propagated(r: &aws_sdk_ec2::types::Route) -> bool {
    r.gateway_id() == Some("local")
        || r.origin() == Some(&aws_sdk_ec2::types::RouteOrigin::EnableVgwRoutePropagation)
}

/// The routes of `t` that `guard` forbids.
fn forbidden(t: &RouteTable, guard: Guard) -> Vec<aws_sdk_ec2::types::Route> {
    t.routes()
        .iter()
        .filter(|r| !local_or_propagated(r))
        .filter(|r| match guard {
            Guard::Anything => false,
            Guard::NoInternetGateway => r.gateway_id().is_some_and(|g| g.starts_with("igw-")),
            Guard::EndpointsOnly => !r.gateway_id().is_some_and(|g| g.starts_with("vpce-")),
        })
        .cloned()
        .collect()
}

/// A route's destination, for messages.
fn destination(r: &aws_sdk_ec2::types::Route) -> &str {
    r.destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())
        .unwrap_or_default()
}

/// Delete the routes of table `id` that `guard` forbids (one already gone counts as done).
async fn remove_forbidden(
    ctx: &Ctx,
    id: &str,
    seen: Option<&RouteTable>,
    guard: Guard,
) -> Result<(), CompositeError> {
    let Some(t) = seen else { return Ok(()) };
    let ec2 = ctx.clients.ec2();
    for r in forbidden(t, guard) {
        let call = ec2
            .delete_route()
            .route_table_id(id)
            .set_destination_cidr_block(r.destination_cidr_block().map(str::to_string))
            .set_destination_ipv6_cidr_block(r.destination_ipv6_cidr_block().map(str::to_string))
            .set_destination_prefix_list_id(r.destination_prefix_list_id().map(str::to_string));
        crate::composite::done_unless_gone(
            call.send().await,
            "InvalidRoute.NotFound",
            format!(
                "Removing the route to {} from \"{id}\" (this table must not carry it)",
                destination(&r)
            ),
        )?;
    }
    Ok(())
}

/// The network's route tables in its VPC, by `Name`.
async fn owned_tables(ctx: &Ctx, s: &NetworkState) -> Result<Vec<RouteTable>, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_route_tables()
        .filters(filter("vpc-id", [s.vpc()]))
        .filters(owned(s))
        .send()
        .await
        .map_err(failed("Looking for the route tables"))?;
    Ok(out.route_tables().to_vec())
}

/// Find (by `Name`) or make route table `NAME-suffix`; returns its id.
async fn ensure_table(
    ctx: &Ctx,
    s: &NetworkState,
    existing: &[RouteTable],
    suffix: &str,
) -> Result<(String, Option<RouteTable>), CompositeError> {
    let name = s.child_name(suffix);
    if let Some(t) = existing
        .iter()
        .find(|t| tag(t.tags(), "Name") == Some(name.as_str()))
    {
        return Ok((
            id_in_answer(t.route_table_id(), &format!("route table {name}"))?,
            Some(t.clone()),
        ));
    }
    let out = ctx
        .clients
        .ec2()
        .create_route_table()
        .vpc_id(s.vpc())
        .tag_specifications(tag_spec(ResourceType::RouteTable, &s.child_tags(suffix)))
        .send()
        .await
        .map_err(failed(format!("Creating route table {name}")))?;
    Ok((
        id_in_answer(
            out.route_table().and_then(|t| t.route_table_id()),
            &format!("route table {name}"),
        )?,
        None,
    ))
}

/// Make the table's `0.0.0.0/0` route go to `target`.
async fn ensure_route(
    ctx: &Ctx,
    table: &str,
    seen: Option<&RouteTable>,
    target: &Target,
) -> Result<(), CompositeError> {
    let current = seen.and_then(|t| {
        t.routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some(ANYWHERE))
    });
    let ok = current.is_some_and(|r| match target {
        Target::Gateway(g) => r.gateway_id() == Some(g.as_str()),
        Target::Nat(n) => r.nat_gateway_id() == Some(n.as_str()),
    });
    if ok {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let what = format!("Routing {ANYWHERE} in \"{table}\" to {target:?}");
    if current.is_some() {
        let call = ec2
            .replace_route()
            .route_table_id(table)
            .destination_cidr_block(ANYWHERE);
        let call = match target {
            Target::Gateway(g) => call.gateway_id(g),
            Target::Nat(n) => call.nat_gateway_id(n),
        };
        call.send().await.map_err(failed(what))?;
    } else {
        let call = ec2
            .create_route()
            .route_table_id(table)
            .destination_cidr_block(ANYWHERE);
        let call = match target {
            Target::Gateway(g) => call.gateway_id(g),
            Target::Nat(n) => call.nat_gateway_id(n),
        };
        match call.send().await {
            Ok(_) => {}
            // Made meanwhile (a retried call): replace it.
            Err(e) if error_code(&e).as_deref() == Some(code::ec2::ROUTE_ALREADY_EXISTS) => {
                let call = ec2
                    .replace_route()
                    .route_table_id(table)
                    .destination_cidr_block(ANYWHERE);
                let call = match target {
                    Target::Gateway(g) => call.gateway_id(g),
                    Target::Nat(n) => call.nat_gateway_id(n),
                };
                call.send().await.map_err(failed(what))?;
            }
            Err(e) => return Err(CompositeError::aws(what, &e)),
        }
    }
    Ok(())
}

/// Whether tables `ids` exist, each with the default route `targets[i]` (or none wanted) and
/// no route `guard` forbids.
async fn tables_whole(
    ctx: &Ctx,
    ids: &[String],
    targets: &[Option<Target>],
    guard: Guard,
) -> Result<bool, CompositeError> {
    if ids.len() != targets.len() {
        return Ok(false);
    }
    let out = ctx
        .clients
        .ec2()
        .describe_route_tables()
        .filters(filter("route-table-id", ids.to_vec()))
        .send()
        .await
        .map_err(failed("Reading the route tables"))?;
    Ok(ids.iter().zip(targets).all(|(id, target)| {
        out.route_tables()
            .iter()
            .find(|t| t.route_table_id() == Some(id.as_str()))
            .filter(|t| forbidden(t, guard).is_empty())
            .is_some_and(|t| match target {
                None => true,
                Some(target) => t.routes().iter().any(|r| {
                    r.destination_cidr_block() == Some(ANYWHERE)
                        && match target {
                            Target::Gateway(g) => r.gateway_id() == Some(g.as_str()),
                            Target::Nat(n) => r.nat_gateway_id() == Some(n.as_str()),
                        }
                }),
            })
    }))
}

/// Delete route table `id`, removing what is still associated with it first (an association
/// the state lost track of), retrying while AWS still sees a dependency.
pub async fn delete_table(ctx: &Ctx, id: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_route_tables()
        .filters(filter("route-table-id", [id]))
        .send()
        .await
        .map_err(failed(format!("Reading route table \"{id}\"")))?;
    let left: Vec<String> = out
        .route_tables()
        .iter()
        .flat_map(|t| t.associations())
        .filter(|a| a.main() != Some(true))
        .filter_map(|a| a.route_table_association_id().map(str::to_string))
        .collect();
    disassociate(ctx, &left).await?;
    delete_retrying(
        &ctx.deadline,
        &format!("route table \"{id}\""),
        code::ec2::INVALID_ROUTE_TABLE_ID_NOT_FOUND,
        code::ec2::DEPENDENCY_VIOLATION,
        || ec2.delete_route_table().route_table_id(id).send(),
    )
    .await
}

/// The public route table.
pub struct PublicTable;

#[async_trait]
impl ChildOps<NetworkState> for PublicTable {
    fn name(&self) -> &'static str {
        "public_route_table"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let existing = owned_tables(ctx, &s).await?;
        let (id, seen) = ensure_table(ctx, &s, &existing, "public").await?;
        rec.record(|st| st.public_route_table_id = Value::Value(id.clone()));
        // The internet gateway is made in an earlier wave: without it there is no route.
        let Some(igw) = known(&s.internet_gateway_id) else {
            return Err(CompositeError::new(
                format!("Routing the public route table \"{id}\""),
                "the internet gateway is not recorded; apply again",
            ));
        };
        let igw = igw.to_string();
        ensure_route(ctx, &id, seen.as_ref(), &Target::Gateway(igw)).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(id) = known(&s.public_route_table_id) else {
            return Ok(Found::Gone);
        };
        let id = id.to_string();
        let igw = known(&s.internet_gateway_id).map(|g| Target::Gateway(g.to_string()));
        Ok(
            if tables_whole(ctx, &[id], &[igw], Guard::Anything).await? {
                Found::Present
            } else {
                Found::Gone
            },
        )
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let id: Vec<String> = known(&now.public_route_table_id)
            .map(str::to_string)
            .into_iter()
            .collect();
        retag(ctx, &id, prior, &now).await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        match known(&s.public_route_table_id) {
            Some(id) => delete_table(ctx, id).await,
            None => Ok(()),
        }
    }
}

/// The private route tables, one per zone.
pub struct PrivateTables;

fn private_targets(s: &NetworkState) -> Vec<Option<Target>> {
    let nats = strings(&s.nat_gateway_ids);
    (0..s.zones().len())
        .map(|i| {
            let n = if s.nat_per_az() {
                nats.get(i)
            } else {
                nats.first()
            };
            n.map(|n| Target::Nat(n.clone()))
        })
        .collect()
}

#[async_trait]
impl ChildOps<NetworkState> for PrivateTables {
    fn name(&self) -> &'static str {
        "private_route_tables"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let existing = owned_tables(ctx, &s).await?;
        let targets = private_targets(&s);
        let mut made = Vec::new();
        for (i, target) in targets.iter().enumerate() {
            let suffix = Tier::Private.suffix(&s, i);
            let (id, seen) = ensure_table(ctx, &s, &existing, &suffix).await?;
            made.push(id.clone());
            rec.record(|st| st.private_route_table_ids = ids(&made));
            remove_forbidden(ctx, &id, seen.as_ref(), Guard::NoInternetGateway).await?;
            if let Some(target) = target {
                ensure_route(ctx, &id, seen.as_ref(), target).await?;
            }
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let tables = strings(&s.private_route_table_ids);
        Ok(
            if tables_whole(ctx, &tables, &private_targets(&s), Guard::NoInternetGateway).await? {
                Found::Present
            } else {
                Found::Gone
            },
        )
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        retag(ctx, &strings(&now.private_route_table_ids), prior, &now).await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        for id in strings(&s.private_route_table_ids) {
            delete_table(ctx, &id).await?;
        }
        Ok(())
    }
}

/// The database route table: the VPC's local route only.
pub struct DatabaseTable;

#[async_trait]
impl ChildOps<NetworkState> for DatabaseTable {
    fn name(&self) -> &'static str {
        "database_route_table"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let existing = owned_tables(ctx, &s).await?;
        let (id, seen) = ensure_table(ctx, &s, &existing, "database").await?;
        rec.record(|st| st.database_route_table_id = Value::Value(id.clone()));
        remove_forbidden(ctx, &id, seen.as_ref(), Guard::EndpointsOnly).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(id) = known(&s.database_route_table_id) else {
            return Ok(Found::Gone);
        };
        let id = id.to_string();
        Ok(
            if tables_whole(ctx, &[id], &[None], Guard::EndpointsOnly).await? {
                Found::Present
            } else {
                Found::Gone
            },
        )
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let id: Vec<String> = known(&now.database_route_table_id)
            .map(str::to_string)
            .into_iter()
            .collect();
        retag(ctx, &id, prior, &now).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        match known(&s.database_route_table_id) {
            Some(id) => delete_table(ctx, id).await,
            None => Ok(()),
        }
    }
}

/// A tier's subnets associated with their route tables.
pub struct Associations(pub Tier);

impl Associations {
    fn ids(&self, s: &NetworkState) -> Vec<String> {
        strings(match self.0 {
            Tier::Public => &s.public_route_table_association_ids,
            Tier::Private => &s.private_route_table_association_ids,
            Tier::Database => &s.database_route_table_association_ids,
        })
    }

    fn record(&self, st: &mut NetworkState, made: &[String]) {
        let l = ids(made);
        match self.0 {
            Tier::Public => st.public_route_table_association_ids = l,
            Tier::Private => st.private_route_table_association_ids = l,
            Tier::Database => st.database_route_table_association_ids = l,
        }
    }

    /// The route table of zone `i`'s subnet.
    fn table(&self, s: &NetworkState, i: usize) -> String {
        match self.0 {
            Tier::Public => known(&s.public_route_table_id)
                .unwrap_or_default()
                .to_string(),
            Tier::Private => strings(&s.private_route_table_ids)
                .get(i)
                .cloned()
                .unwrap_or_default(),
            Tier::Database => known(&s.database_route_table_id)
                .unwrap_or_default()
                .to_string(),
        }
    }
}

#[async_trait]
impl ChildOps<NetworkState> for Associations {
    fn name(&self) -> &'static str {
        match self.0 {
            Tier::Public => "public_route_table_associations",
            Tier::Private => "private_route_table_associations",
            Tier::Database => "database_route_table_associations",
        }
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let subnets = self.0.ids(&s);
        let tables = ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [s.vpc()]))
            .send()
            .await
            .map_err(failed("Reading the VPC's route tables"))?;
        let mut made = Vec::new();
        for (i, subnet) in subnets.iter().enumerate() {
            let table = self.table(&s, i);
            // The subnet's explicit association, if it has one.
            let current = tables.route_tables().iter().find_map(|t| {
                t.associations()
                    .iter()
                    .find(|a| a.subnet_id() == Some(subnet.as_str()))
                    .map(|a| (t.route_table_id().unwrap_or("").to_string(), a.clone()))
            });
            let what = format!("the association of subnet \"{subnet}\"");
            let id = match current {
                Some((t, a)) if t == table => id_in_answer(a.route_table_association_id(), &what)?,
                Some((_, a)) => {
                    let moved = ec2
                        .replace_route_table_association()
                        .association_id(id_in_answer(a.route_table_association_id(), &what)?)
                        .route_table_id(&table)
                        .send()
                        .await
                        .map_err(failed(format!("Moving subnet \"{subnet}\" to \"{table}\"")))?;
                    id_in_answer(moved.new_association_id(), &what)?
                }
                None => {
                    let made = ec2
                        .associate_route_table()
                        .route_table_id(&table)
                        .subnet_id(subnet)
                        .send()
                        .await
                        .map_err(failed(format!(
                            "Associating subnet \"{subnet}\" with \"{table}\""
                        )))?;
                    id_in_answer(made.association_id(), &what)?
                }
            };
            made.push(id);
            rec.record(|st| self.record(st, &made));
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let want = self.ids(&s);
        let ec2 = ctx.clients.ec2();
        // The VPC's tables, then the associations by id: asking for the tables that hold any
        // of several association ids (a filter with several values on a set-valued field) is
        // answered by some implementations (moto) only for a table whose associations are all
        // or none of them, which a stale association left by a deleted subnet breaks.
        let tables = ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [s.vpc()]))
            .send()
            .await
            .map_err(failed("Reading the route table associations"))?;
        let subnets: Vec<String> = tables
            .route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|a| {
                a.route_table_association_id()
                    .is_some_and(|id| want.iter().any(|w| w == id))
            })
            .filter_map(|a| a.subnet_id().map(str::to_string))
            .collect();
        if subnets.len() != want.len() || want.len() != s.zones().len() {
            return Ok(Found::Gone);
        }
        // An association outlives its subnet in some APIs: the subnets must exist too.
        let out = ec2
            .describe_subnets()
            .filters(filter("subnet-id", subnets.clone()))
            .send()
            .await
            .map_err(failed("Reading the associated subnets"))?;
        Ok(if out.subnets().len() == subnets.len() {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        _prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        disassociate(ctx, &self.ids(s)).await
    }
}

/// Remove route table associations (already gone counts as done).
pub async fn disassociate(ctx: &Ctx, assoc: &[String]) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    for id in assoc {
        crate::composite::done_unless_gone(
            ec2.disassociate_route_table()
                .association_id(id)
                .send()
                .await,
            code::ec2::INVALID_ASSOCIATION_ID_NOT_FOUND,
            format!("Removing route table association \"{id}\""),
        )?;
    }
    Ok(())
}

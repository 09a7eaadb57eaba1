//! The S3 and DynamoDB gateway endpoints, on the private and database route tables.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, State, VpcEndpointType};

use super::ec2::{failed, filter, retag, tag, tag_spec};
use super::NetworkState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::OWNER_TAG;
use crate::tf_value::{known, strings};

/// One gateway endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `com.amazonaws.REGION.s3`.
    S3,
    /// `com.amazonaws.REGION.dynamodb`.
    DynamoDb,
}

impl Endpoint {
    fn service(self) -> &'static str {
        match self {
            Endpoint::S3 => "s3",
            Endpoint::DynamoDb => "dynamodb",
        }
    }

    fn id(self, s: &NetworkState) -> Option<String> {
        known(match self {
            Endpoint::S3 => &s.s3_endpoint_id,
            Endpoint::DynamoDb => &s.dynamodb_endpoint_id,
        })
        .map(str::to_string)
    }

    /// The route tables it serves: every private one and the database one.
    fn tables(s: &NetworkState) -> Vec<String> {
        let mut t = strings(&s.private_route_table_ids);
        t.extend(known(&s.database_route_table_id).map(str::to_string));
        t.sort();
        t
    }
}

/// Whether an endpoint state means it is gone or going.
pub fn is_deleted(state: Option<&State>) -> bool {
    // The API spells endpoint states in lower case (`deleted`), the SDK's enum capitalised.
    state.is_some_and(|st| {
        ["deleted", "deleting", "failed", "rejected", "expired"]
            .iter()
            .any(|g| st.as_str().eq_ignore_ascii_case(g))
    })
}

#[async_trait]
impl ChildOps<NetworkState> for Endpoint {
    fn name(&self) -> &'static str {
        match self {
            Endpoint::S3 => "s3_endpoint",
            Endpoint::DynamoDb => "dynamodb_endpoint",
        }
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let service = format!("com.amazonaws.{}.{}", ctx.clients.region(), self.service());
        let want = Self::tables(&s);
        let found = ec2
            .describe_vpc_endpoints()
            .filters(filter("vpc-id", [s.vpc()]))
            .send()
            .await
            .map_err(failed(format!(
                "Looking for the {} endpoint",
                self.service()
            )))?;
        let owner = s.owner();
        let existing = found.vpc_endpoints().iter().find(|e| {
            !is_deleted(e.state())
                && e.service_name() == Some(service.as_str())
                && tag(e.tags(), OWNER_TAG) == Some(owner.as_str())
        });
        if let Some(e) = existing {
            let id = e.vpc_endpoint_id().unwrap_or_default().to_string();
            let mut have: Vec<String> = e.route_table_ids().to_vec();
            have.sort();
            if have == want {
                rec.record(|st| self.record(st, &id));
                return Ok(());
            }
            // A route table was made again: make the endpoint again on the full set (its
            // routes are added on creation; ModifyVpcEndpoint's added tables are not routed
            // everywhere this provider runs).
            delete_ids(ctx, std::slice::from_ref(&id)).await?;
        }
        let out = ec2
            .create_vpc_endpoint()
            .vpc_id(s.vpc())
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .service_name(&service)
            .set_route_table_ids(Some(want))
            .tag_specifications(tag_spec(
                ResourceType::VpcEndpoint,
                &s.child_tags(self.service()),
            ))
            .send()
            .await
            .map_err(failed(format!("Creating the {service} gateway endpoint")))?;
        let id = out
            .vpc_endpoint()
            .and_then(|e| e.vpc_endpoint_id())
            .unwrap_or_default()
            .to_string();
        rec.record(|st| self.record(st, &id));
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let id = self.id(&s).unwrap_or_default();
        let sent = ctx
            .clients
            .ec2()
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(&id)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) if error_code(&e).as_deref() == Some("InvalidVpcEndpointId.NotFound") => {
                return Ok(Found::Gone)
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading endpoint \"{id}\""),
                    &e,
                ))
            }
        };
        let want = Self::tables(&s);
        let whole = out.vpc_endpoints().iter().any(|e| {
            let mut have = e.route_table_ids().to_vec();
            have.sort();
            e.vpc_endpoint_id() == Some(id.as_str()) && !is_deleted(e.state()) && have == want
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
        retag(
            ctx,
            &self.id(&now).into_iter().collect::<Vec<_>>(),
            prior,
            &now,
        )
        .await?;
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        delete_ids(ctx, &self.id(s).into_iter().collect::<Vec<_>>()).await
    }
}

impl Endpoint {
    fn record(self, st: &mut NetworkState, id: &str) {
        let v = Value::Value(id.to_string());
        match self {
            Endpoint::S3 => st.s3_endpoint_id = v,
            Endpoint::DynamoDb => st.dynamodb_endpoint_id = v,
        }
    }
}

/// Delete endpoints (already gone counts as done).
pub async fn delete_ids(ctx: &Ctx, ids: &[String]) -> Result<(), CompositeError> {
    if ids.is_empty() {
        return Ok(());
    }
    unroute_stale(ctx, ids).await?;
    let out = ctx
        .clients
        .ec2()
        .delete_vpc_endpoints()
        .set_vpc_endpoint_ids(Some(ids.to_vec()))
        .send()
        .await
        .map_err(failed(format!("Deleting endpoints {ids:?}")))?;
    let failures: Vec<String> = out
        .unsuccessful()
        .iter()
        .filter(|u| {
            u.error()
                .and_then(|e| e.code())
                .is_none_or(|c| !c.contains("NotFound"))
        })
        .map(|u| {
            format!(
                "{}: {}",
                u.resource_id().unwrap_or_default(),
                u.error().and_then(|e| e.message()).unwrap_or_default()
            )
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CompositeError::new(
            "Deleting the gateway endpoints",
            failures.join("; "),
        ))
    }
}

/// Take off endpoints `ids` the route tables that no longer route to them (a table deleted out
/// of band), so that deleting the endpoints does not trip over routes that are not there.
async fn unroute_stale(ctx: &Ctx, ids: &[String]) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    for id in ids {
        let sent = ec2
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) if error_code(&e).as_deref() == Some("InvalidVpcEndpointId.NotFound") => {
                continue
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading endpoint \"{id}\""),
                    &e,
                ))
            }
        };
        let Some(ep) = out.vpc_endpoints().first() else {
            continue;
        };
        let tables = ep.route_table_ids().to_vec();
        if tables.is_empty() || is_deleted(ep.state()) {
            continue;
        }
        let seen = ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [ep.vpc_id().unwrap_or_default()]))
            .send()
            .await
            .map_err(failed("Reading the VPC's route tables"))?;
        let stale: Vec<String> = tables
            .iter()
            .filter(|t| {
                !seen.route_tables().iter().any(|rt| {
                    rt.route_table_id() == Some(t.as_str())
                        && rt
                            .routes()
                            .iter()
                            .any(|r| r.gateway_id() == Some(id.as_str()))
                })
            })
            .cloned()
            .collect();
        if !stale.is_empty() {
            ec2.modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_remove_route_table_ids(Some(stale))
                .send()
                .await
                .map_err(failed(format!("Taking stale route tables off \"{id}\"")))?;
        }
    }
    Ok(())
}

//! The `elastic_ip` child (when `associate_elastic_ip`): allocated, associated with the
//! instance, re-associated when that drifts, released on delete unless `retain_elastic_ip`
//! (remembered on the address by a tag, read back on import).

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType, Tag, TagSpecification};

use super::{filter, tag_spec, MlHostState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::OWNER_TAG;
use crate::kinds::tags;

/// Tag that remembers `retain_elastic_ip` on the address itself (read back on import).
pub const RETAIN_TAG: &str = "blueprint:retain";

const NOT_FOUND: &str = "InvalidAllocationID.NotFound";

fn retain_tag(retain: bool) -> Tag {
    Tag::builder()
        .key(RETAIN_TAG)
        .value(retain.to_string())
        .build()
}

/// The address `allocation`, `None` when it is released.
async fn describe(ctx: &Ctx, allocation: &str) -> Result<Option<Address>, CompositeError> {
    match ctx
        .clients
        .ec2()
        .describe_addresses()
        .allocation_ids(allocation)
        .send()
        .await
    {
        Ok(out) => Ok(out.addresses().first().cloned()),
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading Elastic IP {allocation}"),
            &e,
        )),
    }
}

async fn associate(ctx: &Ctx, allocation: &str, instance: &str) -> Result<(), CompositeError> {
    ctx.clients
        .ec2()
        .associate_address()
        .allocation_id(allocation)
        .instance_id(instance)
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Associating {allocation} with {instance}"), &e)
        })?;
    Ok(())
}

/// Record whether `address` is on the state's instance and, when it is, its address.
fn observe(rec: &Recorder<MlHostState>, address: &Address) {
    rec.record(|s| {
        let on_us = address.instance_id().is_some()
            && address.instance_id() == s.instance_id.as_ref_option().map(String::as_str);
        s.elastic_ip_associated = Value::Value(on_us);
        if on_us {
            if let Some(ip) = address.public_ip() {
                s.public_ip = Value::Value(ip.to_string());
            }
        }
        s.endpoint = s.endpoint_now();
    });
}

/// Find the address on instance `id` (import): `associate_elastic_ip`, `retain_elastic_ip`
/// (from its tag) and the allocation id.
pub async fn find_for_instance(
    ctx: &Ctx,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let Value::Value(id) = rec.snapshot().instance_id else {
        return Ok(());
    };
    let out = ctx
        .clients
        .ec2()
        .describe_addresses()
        .filters(filter("instance-id", &id))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Finding the Elastic IP of {id}"), &e))?;
    let found = out.addresses().first();
    rec.record(|s| match found {
        Some(a) => {
            s.associate_elastic_ip = Value::Value(true);
            s.elastic_ip_allocation_id = a
                .allocation_id()
                .map(|x| Value::Value(x.to_string()))
                .unwrap_or(Value::Null);
            let retain = a
                .tags()
                .iter()
                .any(|t| t.key() == Some(RETAIN_TAG) && t.value() == Some("true"));
            s.retain_elastic_ip = Value::Value(retain);
        }
        None => {
            s.associate_elastic_ip = Value::Value(false);
            s.retain_elastic_ip = Value::Value(false);
        }
    });
    Ok(())
}

/// The Elastic IP's operations.
pub struct ElasticIp;

#[async_trait]
impl ChildOps<MlHostState> for ElasticIp {
    fn name(&self) -> &'static str {
        "elastic_ip"
    }

    fn wanted(&self, state: &MlHostState) -> bool {
        state.associate_elastic_ip.as_option() != Some(false)
    }

    /// Allocate (or adopt the address an interrupted create of this resource left), record,
    /// associate.
    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let Value::Value(instance) = &planned.instance_id else {
            return Ok(());
        };
        let retain = planned.retain_elastic_ip.as_option() == Some(true);
        let spec = tag_spec(&planned, ResourceType::ElasticIp, planned.name());
        let mut all = spec.tags().to_vec();
        all.push(retain_tag(retain));
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::ElasticIp)
            .set_tags(Some(all))
            .build();
        let ec2 = ctx.clients.ec2();
        let left = ec2
            .describe_addresses()
            .filters(filter(&format!("tag:{OWNER_TAG}"), &planned.owner()))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws("Looking for an Elastic IP left by an earlier create", &e)
            })?;
        let allocation = match left
            .addresses()
            .iter()
            .find_map(|a| a.allocation_id().map(str::to_string))
        {
            Some(a) => a,
            None => ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(spec)
                .send()
                .await
                .map_err(|e| CompositeError::aws("Allocating an Elastic IP", &e))?
                .allocation_id()
                .unwrap_or_default()
                .to_string(),
        };
        rec.record(|s| {
            s.elastic_ip_allocation_id = Value::Value(allocation.clone());
            s.elastic_ip_associated = Value::Value(false);
        });
        associate(ctx, &allocation, instance).await?;
        match describe(ctx, &allocation).await? {
            Some(a) => {
                observe(rec, &a);
                Ok(())
            }
            None => Err(CompositeError::new(
                format!("Elastic IP {allocation} is gone"),
                "it was released while being associated",
            )),
        }
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let Value::Value(allocation) = rec.snapshot().elastic_ip_allocation_id else {
            return Ok(Found::Gone);
        };
        match describe(ctx, &allocation).await? {
            Some(a) => {
                observe(rec, &a);
                Ok(Found::Present)
            }
            None => {
                rec.record(|s| s.elastic_ip_associated = Value::Value(false));
                Ok(Found::Gone)
            }
        }
    }

    /// Re-associate when the address left the instance; tags (and the retain tag) follow the
    /// inputs.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let (Value::Value(allocation), Value::Value(instance)) =
            (&planned.elastic_ip_allocation_id, &planned.instance_id)
        else {
            return Ok(());
        };
        if prior.elastic_ip_associated.as_option() != Some(true) {
            associate(ctx, allocation, instance).await?;
        }
        if planned.tags_all != prior.tags_all {
            tags::ec2(
                ctx,
                std::slice::from_ref(allocation),
                &prior.tags_all_map(),
                &planned.tags_all_map(),
            )
            .await?;
        }
        if planned.retain_elastic_ip != prior.retain_elastic_ip {
            let retain = planned.retain_elastic_ip.as_option() == Some(true);
            ctx.clients
                .ec2()
                .create_tags()
                .resources(allocation)
                .tags(retain_tag(retain))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging {allocation}"), &e))?;
        }
        match describe(ctx, allocation).await? {
            Some(a) => {
                observe(rec, &a);
                Ok(())
            }
            None => Err(CompositeError::new(
                format!("Elastic IP {allocation} is gone"),
                "it was released after the plan was made; apply again: the next plan allocates another",
            )),
        }
    }

    /// Disassociate, then release unless retained.
    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        let Value::Value(allocation) = &state.elastic_ip_allocation_id else {
            return Ok(());
        };
        let ec2 = ctx.clients.ec2();
        let Some(address) = describe(ctx, allocation).await? else {
            return Ok(());
        };
        if let Some(association) = address.association_id() {
            done_unless_gone(
                ec2.disassociate_address()
                    .association_id(association)
                    .send()
                    .await,
                "InvalidAssociationID.NotFound",
                format!("Disassociating {allocation}"),
            )?;
        }
        if state.retain_elastic_ip.as_option() == Some(true) {
            return Ok(());
        }
        done_unless_gone(
            ec2.release_address().allocation_id(allocation).send().await,
            NOT_FOUND,
            format!("Releasing Elastic IP {allocation}"),
        )
    }
}

//! The Elastic IP: allocate, associate, repair the association, release (or retain).

use aws_sdk_ec2::types::{DomainType, Filter, ResourceType, Tag};
use tf_provider::value::Value;

use super::{network, MlHostState};
use crate::clients::error_code;
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};

/// Tag that remembers `retain_elastic_ip` on the address itself (read back on import).
pub const RETAIN_TAG: &str = "blueprint:retain";

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

/// Allocate, record, associate.
pub async fn create(
    ctx: &Ctx,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let Value::Value(instance) = &planned.instance_id else {
        return Ok(());
    };
    let mut spec = network::tag_spec(planned, ResourceType::ElasticIp, planned.name());
    let retain = planned.retain_elastic_ip.as_option() == Some(true);
    let mut tags = spec.tags().to_vec();
    tags.push(
        Tag::builder()
            .key(RETAIN_TAG)
            .value(retain.to_string())
            .build(),
    );
    spec = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(ResourceType::ElasticIp)
        .set_tags(Some(tags))
        .build();
    let ec2 = ctx.clients.ec2();
    // An address allocated by an earlier, interrupted create of this resource is adopted.
    let left = ec2
        .describe_addresses()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{}", crate::children::ownership::OWNER_TAG))
                .values(planned.owner())
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws("Looking for an Elastic IP left by an earlier create", &e)
        })?;
    let (allocation, ip) = match left
        .addresses()
        .iter()
        .find(|a| a.allocation_id().is_some())
    {
        Some(a) => (
            a.allocation_id().unwrap_or_default().to_string(),
            a.public_ip().map(str::to_string),
        ),
        None => {
            let out = ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(spec)
                .send()
                .await
                .map_err(|e| CompositeError::aws("Allocating an Elastic IP", &e))?;
            (
                out.allocation_id().unwrap_or_default().to_string(),
                out.public_ip().map(str::to_string),
            )
        }
    };
    rec.record(|s| {
        s.elastic_ip_allocation_id = Value::Value(allocation.clone());
        s.elastic_ip_associated = Value::Value(false);
    });
    associate(ctx, &allocation, instance).await?;
    rec.record(|s| {
        s.elastic_ip_associated = Value::Value(true);
        if let Some(ip) = ip {
            s.public_ip = Value::Value(ip);
        }
    });
    Ok(())
}

/// Refresh the address and whether it is on this instance.
pub async fn read(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    let Value::Value(allocation) = state.elastic_ip_allocation_id.clone() else {
        state.elastic_ip_associated = Value::Value(false);
        return Ok(());
    };
    match ctx
        .clients
        .ec2()
        .describe_addresses()
        .allocation_ids(&allocation)
        .send()
        .await
    {
        Ok(out) => match out.addresses().first() {
            Some(a) => {
                let on_us = a.instance_id().is_some()
                    && a.instance_id() == state.instance_id.as_ref_option().map(String::as_str);
                state.elastic_ip_associated = Value::Value(on_us);
                if on_us {
                    state.public_ip = a
                        .public_ip()
                        .map(|p| Value::Value(p.to_string()))
                        .unwrap_or(Value::Null);
                }
            }
            None => {
                state.elastic_ip_allocation_id = Value::Null;
                state.elastic_ip_associated = Value::Value(false);
            }
        },
        Err(e) if error_code(&e).as_deref() == Some("InvalidAllocationID.NotFound") => {
            state.elastic_ip_allocation_id = Value::Null;
            state.elastic_ip_associated = Value::Value(false);
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading Elastic IP {allocation}"),
                &e,
            ))
        }
    }
    Ok(())
}

/// Find the address on an instance (import), with its retain tag.
pub async fn find_for_instance(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    let Value::Value(id) = state.instance_id.clone() else {
        return Ok(());
    };
    let out = ctx
        .clients
        .ec2()
        .describe_addresses()
        .filters(Filter::builder().name("instance-id").values(&id).build())
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Finding the Elastic IP of {id}"), &e))?;
    match out.addresses().first() {
        Some(a) => {
            state.associate_elastic_ip = Value::Value(true);
            state.elastic_ip_allocation_id = a
                .allocation_id()
                .map(|x| Value::Value(x.to_string()))
                .unwrap_or(Value::Null);
            let retain = a
                .tags()
                .iter()
                .any(|t| t.key() == Some(RETAIN_TAG) && t.value() == Some("true"));
            state.retain_elastic_ip = Value::Value(retain);
        }
        None => {
            state.associate_elastic_ip = Value::Value(false);
            state.retain_elastic_ip = Value::Value(false);
        }
    }
    Ok(())
}

/// Make the address match `associate_elastic_ip` and `retain_elastic_ip`.
pub async fn reconcile(
    ctx: &Ctx,
    prior: &MlHostState,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let want = planned.associate_elastic_ip.as_option() != Some(false);
    match (&prior.elastic_ip_allocation_id, want) {
        (Value::Value(allocation), true) => {
            if prior.elastic_ip_associated.as_option() != Some(true) {
                if let Value::Value(instance) = &prior.instance_id {
                    associate(ctx, allocation, instance).await?;
                }
            }
            if planned.retain_elastic_ip != prior.retain_elastic_ip {
                let retain = planned.retain_elastic_ip.as_option() == Some(true);
                ctx.clients
                    .ec2()
                    .create_tags()
                    .resources(allocation)
                    .tags(
                        Tag::builder()
                            .key(RETAIN_TAG)
                            .value(retain.to_string())
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| CompositeError::aws(format!("Tagging {allocation}"), &e))?;
            }
            let mut s = rec.snapshot();
            s.elastic_ip_allocation_id = Value::Value(allocation.clone());
            read(ctx, &mut s).await?;
            rec.record(|r| {
                r.elastic_ip_allocation_id = s.elastic_ip_allocation_id.clone();
                r.elastic_ip_associated = s.elastic_ip_associated;
                r.public_ip = s.public_ip.clone();
            });
        }
        (_, true) => {
            let mut p = planned.clone();
            p.instance_id = prior.instance_id.clone();
            create(ctx, &p, rec).await?;
        }
        (Value::Value(_), false) => {
            delete(ctx, prior).await?;
            rec.record(|r| {
                r.elastic_ip_allocation_id = Value::Null;
                r.elastic_ip_associated = Value::Value(false);
            });
        }
        (_, false) => {}
    }
    Ok(())
}

/// Disassociate, then release unless retained.
pub async fn delete(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
    let Value::Value(allocation) = &state.elastic_ip_allocation_id else {
        return Ok(());
    };
    let ec2 = ctx.clients.ec2();
    let out = match ec2
        .describe_addresses()
        .allocation_ids(allocation)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if error_code(&e).as_deref() == Some("InvalidAllocationID.NotFound") => {
            return Ok(())
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading Elastic IP {allocation}"),
                &e,
            ))
        }
    };
    if let Some(assoc) = out.addresses().first().and_then(|a| a.association_id()) {
        done_unless_gone(
            ec2.disassociate_address()
                .association_id(assoc)
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
        "InvalidAllocationID.NotFound",
        format!("Releasing Elastic IP {allocation}"),
    )
}

//! The `instance` child: Amazon Linux 2023 (or `ami_id`) with IMDSv2 required, an encrypted
//! root volume and the rendered boot script; launched idempotently (one client token per
//! create, an owned leftover adopted), changed in place (instance type with a stop and start,
//! tags), moved to a security group or instance profile that was made again, terminated.

use crate::kinds::codes as code;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, HttpTokensState, IamInstanceProfileSpecification,
    Instance as Described, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest,
    InstanceStateName, InstanceType, ResourceType, VolumeType,
};
use base64::Engine;

use super::{tag_spec, user_data, MlHostState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::instance::{change_type, use_profile, wait_for};
pub use crate::kinds::instance::{describe, latest_al2023};
use crate::kinds::tags;

/// Launch the instance (or adopt one an interrupted create left) and wait until it runs.
async fn launch(ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
    let planned = &rec.snapshot();
    let ami = match &planned.ami_id {
        Value::Value(a) => a.clone(),
        _ => latest_al2023(ctx).await?,
    };
    rec.record(|s| s.ami_id = Value::Value(ami.clone()));
    let region = ctx.clients.region();
    let script = planned.render_user_data(&region);
    let encoded = base64::engine::general_purpose::STANDARD.encode(script.as_bytes());
    if let Some(id) = owned_instance(ctx, planned).await? {
        // Launched by an earlier, interrupted create of this resource: adopt it.
        rec.record(|s| {
            s.id = Value::Value(id.clone());
            s.instance_id = Value::Value(id.clone());
            s.user_data_sha256 = Value::Value(user_data::sha256_hex(&script));
        });
        return settle(ctx, &id, rec).await;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // One token per create: the SDK's own retries reuse it, so a retry never starts two hosts.
    let token: String = format!("{}-{nanos}", planned.name())
        .chars()
        .take(64)
        .collect();
    let ec2 = ctx.clients.ec2();
    let profile_arn = planned.instance_profile_arn.as_ref_option().cloned();
    let sg = planned.security_group_id.as_ref_option().cloned();
    let subnet = planned.subnet_id.as_ref_option().cloned();
    let key = planned.key_name.as_ref_option().cloned();
    let size = planned
        .root_volume_size
        .as_option()
        .unwrap_or(super::DEFAULT_ROOT_VOLUME_SIZE) as i32;
    let instance_type = planned
        .instance_type
        .as_ref_option()
        .cloned()
        .unwrap_or_else(|| super::DEFAULT_INSTANCE_TYPE.to_string());
    let name = planned.name().to_string();
    let out = retry(
        &ctx.deadline,
        "launching the instance",
        RetryPolicy::default(),
        || async {
            ec2.run_instances()
                .image_id(&ami)
                .instance_type(InstanceType::from(instance_type.as_str()))
                .min_count(1)
                .max_count(1)
                .client_token(&token)
                .set_subnet_id(subnet.clone())
                .set_security_group_ids(sg.clone().map(|g| vec![g]))
                .set_key_name(key.clone())
                .iam_instance_profile(
                    IamInstanceProfileSpecification::builder()
                        .set_arn(profile_arn.clone())
                        .build(),
                )
                .metadata_options(
                    InstanceMetadataOptionsRequest::builder()
                        .http_tokens(HttpTokensState::Required)
                        .http_put_response_hop_limit(2)
                        .http_endpoint(InstanceMetadataEndpointState::Enabled)
                        .build(),
                )
                .block_device_mappings(
                    BlockDeviceMapping::builder()
                        .device_name("/dev/xvda")
                        .ebs(
                            EbsBlockDevice::builder()
                                .encrypted(true)
                                .volume_size(size)
                                .volume_type(VolumeType::Gp3)
                                .delete_on_termination(true)
                                .build(),
                        )
                        .build(),
                )
                .user_data(&encoded)
                .tag_specifications(tag_spec(planned, ResourceType::Instance, &name))
                .tag_specifications(tag_spec(planned, ResourceType::Volume, &name))
                .send()
                .await
                .map_err(|e| {
                    let code = error_code(&e);
                    let err = CompositeError::aws(format!("Launching instance \"{name}\""), &e);
                    // A new instance profile takes a while to be usable by EC2.
                    if crate::kinds::instance::profile_not_ready(code.as_deref(), &err.detail) {
                        Attempt::Retry(err)
                    } else {
                        Attempt::Fail(err)
                    }
                })
        },
    )
    .await?;
    let id = out
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .map(str::to_string)
        .ok_or_else(|| {
            CompositeError::new(
                "Launching the instance",
                "RunInstances returned no instance",
            )
        })?;
    rec.record(|s| {
        s.id = Value::Value(id.clone());
        s.instance_id = Value::Value(id.clone());
        s.user_data_sha256 = Value::Value(user_data::sha256_hex(&script));
    });
    settle(ctx, &id, rec).await
}

/// Wait until instance `id` runs and record what is observed of it.
async fn settle(ctx: &Ctx, id: &str, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
    wait_for(ctx, id, InstanceStateName::Running).await?;
    match describe(ctx, id).await? {
        Some(i) => {
            observe(rec, &i);
            Ok(())
        }
        None => Err(CompositeError::new(
            format!("Instance {id} terminated"),
            "the instance terminated while starting; check its console output",
        )),
    }
}

/// An instance of this resource that is not terminated (left by an interrupted create).
async fn owned_instance(
    ctx: &Ctx,
    planned: &MlHostState,
) -> Result<Option<String>, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{}", crate::kinds::ownership::OWNER_TAG))
                .values(planned.owner())
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-state-name")
                .values("pending")
                .values("running")
                .values("stopping")
                .values("stopped")
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws("Looking for an instance left by an earlier create", &e)
        })?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find_map(|i| i.instance_id().map(str::to_string)))
}

/// Record what is observed of the instance: type, placement, addresses and the endpoint. The
/// public address is the Elastic IP's while one is associated (its child records it).
pub fn observe(rec: &Recorder<MlHostState>, i: &Described) {
    let opt = |v: Option<&str>| {
        v.map(|s| Value::Value(s.to_string()))
            .unwrap_or(Value::Null)
    };
    rec.record(|s| {
        s.instance_type = opt(i.instance_type().map(|t| t.as_str()));
        s.ami_id = opt(i.image_id());
        s.subnet_id = opt(i.subnet_id());
        s.vpc_id = opt(i.vpc_id());
        s.private_ip = opt(i.private_ip_address());
        if !s.elastic_ip_holds_address() {
            s.public_ip = opt(i.public_ip_address());
        }
        s.endpoint = s.endpoint_now();
    });
}

/// The instance's operations.
pub struct Instance;

#[async_trait]
impl ChildOps<MlHostState> for Instance {
    fn name(&self) -> &'static str {
        "instance"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        launch(ctx, rec).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let Value::Value(id) = rec.snapshot().instance_id else {
            return Ok(Found::Gone);
        };
        match describe(ctx, &id).await? {
            Some(i) => {
                observe(rec, &i);
                Ok(Found::Present)
            }
            None => Ok(Found::Gone),
        }
    }

    /// Follows a security group or instance profile made again in this apply, changes the
    /// instance type (stop, modify, start) and tags (the instance and its volumes).
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let Value::Value(id) = now.instance_id.clone() else {
            return Ok(());
        };
        let ec2 = ctx.clients.ec2();
        if let Value::Value(group) = &now.security_group_id {
            if prior.security_group_id.as_ref_option() != Some(group) {
                ec2.modify_instance_attribute()
                    .instance_id(&id)
                    .groups(group)
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Moving {id} to security group {group}"), &e)
                    })?;
            }
        }
        if let Value::Value(arn) = &now.instance_profile_arn {
            if prior.instance_profile_arn.as_ref_option() != Some(arn) {
                use_profile(ctx, &id, arn).await?;
            }
        }
        if let Value::Value(t) = &now.instance_type {
            if prior.instance_type.as_ref_option() != Some(t) {
                change_type(ctx, &id, t).await?;
            }
        }
        let described = describe(ctx, &id).await?.ok_or_else(|| {
            CompositeError::new(
                format!("Instance {id} is gone"),
                "it was terminated after the plan was made; apply again: the next plan replaces the host",
            )
        })?;
        if now.tags_all != prior.tags_all {
            let mut ids = vec![id.clone()];
            ids.extend(
                described
                    .block_device_mappings()
                    .iter()
                    .filter_map(|m| m.ebs().and_then(|e| e.volume_id()))
                    .map(str::to_string),
            );
            tags::ec2(ctx, &ids, &prior.tags_all_map(), &now.tags_all_map()).await?;
        }
        observe(rec, &described);
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        let Value::Value(id) = &state.instance_id else {
            return Ok(());
        };
        match ctx
            .clients
            .ec2()
            .terminate_instances()
            .instance_ids(id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if error_code(&e).as_deref() == Some(code::ec2::INVALID_INSTANCE_ID_NOT_FOUND) =>
            {
                return Ok(())
            }
            Err(e) => return Err(CompositeError::aws(format!("Terminating {id}"), &e)),
        }
        wait_for(ctx, id, InstanceStateName::Terminated).await
    }
}

//! The EC2 instance: AMI lookup, launch (idempotent), waits, in-place changes, termination, import.

use std::time::Duration;

use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, Filter, HttpTokensState, IamInstanceProfileSpecification,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceStateName, InstanceType,
    ResourceType, VolumeType,
};
use base64::Engine;
use tf_provider::value::Value;

use super::{derive, list, map, network, user_data, MlHostState};
use crate::clients::error_code;
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::types::sg_rule::parse_all;

const WAIT: RetryPolicy = RetryPolicy {
    initial: Duration::from_millis(500),
    max: Duration::from_secs(5),
};

/// The newest Amazon Linux 2023 AMI for x86_64 in the region.
pub async fn latest_al2023(ctx: &Ctx) -> Result<String, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_images()
        .owners("amazon")
        .filters(
            Filter::builder()
                .name("name")
                .values("al2023-ami-2023.*-x86_64")
                .build(),
        )
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .map_err(|e| CompositeError::aws("Looking up the Amazon Linux 2023 AMI", &e))?;
    out.images()
        .iter()
        .filter(|i| i.image_id().is_some())
        .max_by_key(|i| (i.creation_date().unwrap_or_default().to_string(), i.name().unwrap_or_default().to_string()))
        .and_then(|i| i.image_id().map(str::to_string))
        .ok_or_else(|| {
            CompositeError::new(
                "No Amazon Linux 2023 AMI found",
                "DescribeImages found no al2023-ami-2023.*-x86_64 image owned by amazon: set ami_id",
            )
        })
}

fn instance_profile_not_ready(code: Option<&str>, message: &str) -> bool {
    code == Some("InvalidParameterValue") && message.contains("iamInstanceProfile")
}

/// Launch the instance and wait until it runs.
pub async fn create(
    ctx: &Ctx,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
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
                .tag_specifications(network::tag_spec(planned, ResourceType::Instance, &name))
                .tag_specifications(network::tag_spec(planned, ResourceType::Volume, &name))
                .send()
                .await
                .map_err(|e| {
                    let code = error_code(&e);
                    let err = CompositeError::aws(format!("Launching instance \"{name}\""), &e);
                    // A new instance profile takes a while to be usable by EC2.
                    if instance_profile_not_ready(code.as_deref(), &err.detail) {
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

/// Wait until instance `id` runs and record its addresses and type.
async fn settle(ctx: &Ctx, id: &str, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
    wait_for(ctx, id, InstanceStateName::Running).await?;
    let mut s = rec.snapshot();
    read(ctx, &mut s).await?;
    rec.record(|r| {
        r.private_ip = s.private_ip.clone();
        r.public_ip = s.public_ip.clone();
        r.instance_type = s.instance_type.clone();
    });
    Ok(())
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
                .name(format!("tag:{}", crate::children::ownership::OWNER_TAG))
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

async fn wait_for(ctx: &Ctx, id: &str, want: InstanceStateName) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    let what = format!("waiting for instance {id} to be {}", want.as_str());
    retry(&ctx.deadline, &what, WAIT, || async {
        let out = ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(|e| match error_code(&e).as_deref() {
                // Eventual consistency right after RunInstances.
                Some("InvalidInstanceID.NotFound") => {
                    Attempt::Retry(CompositeError::aws(format!("Describing {id}"), &e))
                }
                _ => Attempt::Fail(CompositeError::aws(format!("Describing {id}"), &e)),
            })?;
        let state = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| i.state().and_then(|s| s.name()).cloned());
        match state {
            Some(s) if s == want => Ok(()),
            Some(InstanceStateName::Terminated) if want != InstanceStateName::Terminated => {
                Err(Attempt::Fail(CompositeError::new(
                    format!("Instance {id} terminated"),
                    "the instance terminated while starting; check its console output",
                )))
            }
            other => Err(Attempt::Retry(CompositeError::new(
                format!("Instance {id} not {}", want.as_str()),
                format!("state {other:?}"),
            ))),
        }
    })
    .await
}

/// Compute the endpoint from the addresses.
pub fn finish_state(s: &mut MlHostState) {
    let ip = s
        .public_ip
        .as_ref_option()
        .or(s.private_ip.as_ref_option())
        .cloned();
    s.endpoint = match ip {
        Some(ip) => Value::Value(format!("http://{ip}:{}", s.host_port())),
        None => Value::Null,
    };
    if s.public_ip.is_unknown() {
        s.public_ip = Value::Null;
    }
    if s.elastic_ip_allocation_id.is_unknown() {
        s.elastic_ip_allocation_id = Value::Null;
    }
}

/// [`finish_state`] on the recorder.
pub fn finish(rec: &Recorder<MlHostState>) {
    rec.record(finish_state);
}

/// Refresh the instance part; `Ok(false)` when the instance is gone.
pub async fn read(ctx: &Ctx, state: &mut MlHostState) -> Result<bool, CompositeError> {
    let Value::Value(id) = state.instance_id.clone() else {
        return Ok(false);
    };
    let out = match ctx
        .clients
        .ec2()
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if error_code(&e).as_deref() == Some("InvalidInstanceID.NotFound") => {
            return Ok(false)
        }
        Err(e) => return Err(CompositeError::aws(format!("Reading instance {id}"), &e)),
    };
    let Some(i) = out.reservations().iter().flat_map(|r| r.instances()).next() else {
        return Ok(false);
    };
    let gone = matches!(
        i.state().and_then(|s| s.name()),
        Some(InstanceStateName::Terminated) | Some(InstanceStateName::ShuttingDown)
    );
    if gone {
        return Ok(false);
    }
    let opt = |v: Option<&str>| {
        v.map(|s| Value::Value(s.to_string()))
            .unwrap_or(Value::Null)
    };
    state.instance_type = opt(i.instance_type().map(|t| t.as_str()));
    state.ami_id = opt(i.image_id());
    state.subnet_id = opt(i.subnet_id());
    state.vpc_id = opt(i.vpc_id());
    state.private_ip = opt(i.private_ip_address());
    state.public_ip = opt(i.public_ip_address());
    Ok(true)
}

/// In-place changes: instance type (stop, modify, start) and tags.
pub async fn update(
    ctx: &Ctx,
    prior: &MlHostState,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let Value::Value(id) = prior.instance_id.clone() else {
        return Ok(());
    };
    let ec2 = ctx.clients.ec2();
    if planned.instance_type != prior.instance_type {
        if let Value::Value(t) = &planned.instance_type {
            ec2.stop_instances()
                .instance_ids(&id)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Stopping {id}"), &e))?;
            wait_for(ctx, &id, InstanceStateName::Stopped).await?;
            ec2.modify_instance_attribute()
                .instance_id(&id)
                .instance_type(
                    aws_sdk_ec2::types::AttributeValue::builder()
                        .value(t)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Changing the type of {id} to {t}"), &e)
                })?;
            ec2.start_instances()
                .instance_ids(&id)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Starting {id}"), &e))?;
            wait_for(ctx, &id, InstanceStateName::Running).await?;
        }
    }
    if planned.tags_all != prior.tags_all {
        retag(ctx, &id, prior, planned).await?;
    }
    let mut s = rec.snapshot();
    read(ctx, &mut s).await?;
    rec.record(|r| {
        r.private_ip = s.private_ip.clone();
        r.public_ip = s.public_ip.clone();
        r.instance_type = s.instance_type.clone();
    });
    Ok(())
}

/// Every child follows `tags_all`: the instance and its volumes, the security group, the
/// Elastic IP, the key pair, the role and the instance profile.
async fn retag(
    ctx: &Ctx,
    id: &str,
    prior: &MlHostState,
    planned: &MlHostState,
) -> Result<(), CompositeError> {
    let (old, want) = (prior.tags_all_map(), planned.tags_all_map());
    let ec2 = ctx.clients.ec2();
    let mut ids = vec![id.to_string()];
    let described = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading {id}"), &e))?;
    for i in described.reservations().iter().flat_map(|r| r.instances()) {
        for m in i.block_device_mappings() {
            if let Some(v) = m.ebs().and_then(|e| e.volume_id()) {
                ids.push(v.to_string());
            }
        }
    }
    ids.extend(prior.security_group_id.as_ref_option().cloned());
    ids.extend(prior.elastic_ip_allocation_id.as_ref_option().cloned());
    if let Value::Value(key) = &prior.key_name {
        if let Ok(out) = ec2.describe_key_pairs().key_names(key).send().await {
            ids.extend(
                out.key_pairs()
                    .iter()
                    .filter_map(|k| k.key_pair_id().map(str::to_string)),
            );
        }
    }
    crate::children::tags::ec2(ctx, &ids, &old, &want).await?;
    if prior.role_arn.is_value() {
        crate::children::tags::iam_role(ctx, &prior.role_name_for(), &old, &want).await?;
    }
    if prior.instance_profile_arn.is_value() {
        crate::children::tags::iam_instance_profile(ctx, &prior.profile_name_for(), &old, &want)
            .await?;
    }
    Ok(())
}

/// Terminate and wait until terminated.
pub async fn delete(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
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
        Err(e) if error_code(&e).as_deref() == Some("InvalidInstanceID.NotFound") => return Ok(()),
        Err(e) => return Err(CompositeError::aws(format!("Terminating {id}"), &e)),
    }
    wait_for(ctx, id, InstanceStateName::Terminated).await
}

/// Build the whole state from an instance id.
pub async fn import(ctx: &Ctx, id: &str) -> Result<MlHostState, CompositeError> {
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading instance {id}"), &e))?;
    let i = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .next()
        .cloned()
        .ok_or_else(|| CompositeError::new("Cannot import", format!("no instance {id}")))?;
    let attr = ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the user data of {id}"), &e))?;
    let script = attr
        .user_data()
        .and_then(|u| u.value())
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let parsed = user_data::parse(&script).ok_or_else(|| {
        CompositeError::new(
            "Cannot import",
            format!("instance {id} was not launched by blueprint_ml_host (its user data is not a Blueprint script)"),
        )
    })?;
    let defaults = ctx.clients.default_tags();
    let tags: std::collections::BTreeMap<String, String> = i
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        // Name and the provider's own markers (blueprint:owner) are not the user's tags.
        .filter(|(k, v)| k != "Name" && !k.starts_with("blueprint:") && defaults.get(k) != Some(v))
        .collect();
    let mut s = MlHostState {
        name: Value::Value(parsed.name.clone()),
        image: Value::Value(parsed.image),
        container_port: Value::Value(parsed.container_port),
        host_port: Value::Value(parsed.host_port),
        environment: if parsed.environment.is_empty() {
            Value::Null
        } else {
            map(parsed.environment)
        },
        secret_environment: if parsed.secrets.is_empty() {
            Value::Null
        } else {
            map(parsed.secrets)
        },
        instance_id: Value::Value(id.to_string()),
        id: Value::Value(id.to_string()),
        security_group_id: i
            .security_groups()
            .first()
            .and_then(|g| g.group_id())
            .map(|g| Value::Value(g.to_string()))
            .unwrap_or(Value::Null),
        tags: if tags.is_empty() {
            Value::Null
        } else {
            map(tags)
        },
        ..Default::default()
    };
    if let Some(key) = i.key_name() {
        let kp = ec2
            .describe_key_pairs()
            .key_names(key)
            .include_public_key(true)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading key pair {key}"), &e))?;
        s.ssh_public_key = kp
            .key_pairs()
            .first()
            .and_then(|k| k.public_key())
            .map(|k| Value::Value(k.trim().to_string()))
            .unwrap_or(Value::Null);
    }
    if let Some(root) = i.root_device_name() {
        let vol = i
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name() == Some(root))
            .and_then(|m| m.ebs())
            .and_then(|e| e.volume_id());
        if let Some(vol) = vol {
            let v = ec2
                .describe_volumes()
                .volume_ids(vol)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading volume {vol}"), &e))?;
            s.root_volume_size = v
                .volumes()
                .first()
                .and_then(|v| v.size())
                .map(|n| Value::Value(n as i64))
                .unwrap_or(Value::Null);
        }
    }
    read(ctx, &mut s).await?;
    network::read(ctx, &mut s).await?;
    let rules = parse_all(&super::strings(&s.ingress_rules));
    let (ssh, app, groups) = network::split_rules(&rules, parsed.host_port);
    s.ssh_cidr_blocks = list(ssh);
    s.app_cidr_blocks = list(app);
    s.allow_app_from_security_group_ids = list(groups);
    s.restrict_egress =
        Value::Value(parse_all(&super::strings(&s.egress_rules)) == [super::https_egress()]);
    super::eip::find_for_instance(ctx, &mut s).await?;
    derive(&mut s, Some(&ctx.clients));
    super::iam::discover(ctx, &mut s).await?;
    super::eip::read(ctx, &mut s).await?;
    if s.ssh_public_key.is_null() {
        s.key_name = Value::Null;
    }
    finish_state(&mut s);
    Ok(s)
}

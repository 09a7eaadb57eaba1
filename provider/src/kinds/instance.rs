//! EC2 instance children: IMDSv2 only (tokens required, hop limit 2), one encrypted gp3 root
//! volume of the given size, the given boot script, instance profile, subnet and security
//! groups. Launched idempotently (one client token per launch; an instance of the same owner and
//! `Name` left by an interrupted create is adopted), read back, changed in place (security
//! groups, instance profile, type with a stop and start, tags of the instance and its volumes),
//! terminated within the operation's deadline.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, Filter, HttpTokensState, IamInstanceProfileSpecification,
    Instance as Described, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest,
    InstanceStateName, InstanceType, ResourceType, Tag, TagSpecification, VolumeType,
};
use base64::Engine;

use super::codes as code;
use crate::clients::error_code;
use crate::composite::{retry, Attempt, CompositeError, Ctx, RetryPolicy};
use crate::kinds::ownership::OWNER_TAG;

const WAIT: RetryPolicy = RetryPolicy {
    initial: Duration::from_millis(500),
    max: Duration::from_secs(5),
};

/// The root device of Amazon Linux.
pub const ROOT_DEVICE: &str = "/dev/xvda";

/// What a launch asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The `Name` tag; with the owner tag, what finds an instance left by an interrupted create.
    pub name: String,
    /// AMI; `None`: the newest Amazon Linux 2023 for x86_64.
    pub ami: Option<String>,
    /// Instance type.
    pub instance_type: String,
    /// Subnet.
    pub subnet_id: String,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// Instance profile ARN.
    pub profile_arn: String,
    /// Root volume size (GiB), encrypted gp3.
    pub volume_size: i32,
    /// The boot script (cloud-init), plain text.
    pub user_data: String,
}

/// What is read of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Instance id.
    pub id: String,
    /// Instance type.
    pub instance_type: String,
    /// AMI.
    pub ami: String,
    /// Subnet.
    pub subnet_id: String,
    /// Security groups, sorted.
    pub security_group_ids: Vec<String>,
    /// Instance profile ARN.
    pub profile_arn: Option<String>,
    /// Whether IMDSv2 is required.
    pub imdsv2_required: bool,
    /// Private IP.
    pub private_ip: Option<String>,
    /// Public IP.
    pub public_ip: Option<String>,
    /// Volume ids attached.
    pub volume_ids: Vec<String>,
}

fn observed(i: &Described) -> Observed {
    let mut groups: Vec<String> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    groups.sort();
    Observed {
        id: i.instance_id().unwrap_or_default().to_string(),
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        ami: i.image_id().unwrap_or_default().to_string(),
        subnet_id: i.subnet_id().unwrap_or_default().to_string(),
        security_group_ids: groups,
        profile_arn: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .map(str::to_string),
        imdsv2_required: i.metadata_options().and_then(|m| m.http_tokens())
            == Some(&HttpTokensState::Required),
        private_ip: i.private_ip_address().map(str::to_string),
        public_ip: i.public_ip_address().map(str::to_string),
        volume_ids: i
            .block_device_mappings()
            .iter()
            .filter_map(|m| m.ebs().and_then(|e| e.volume_id()))
            .map(str::to_string)
            .collect(),
    }
}

/// EC2 tags of `resource`: `tags` with a `Name` (unless given).
pub fn tag_spec(
    resource: ResourceType,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    let mut tags = tags.clone();
    tags.entry("Name".to_string())
        .or_insert_with(|| name.to_string());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

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
        .max_by_key(|i| {
            (
                i.creation_date().unwrap_or_default().to_string(),
                i.name().unwrap_or_default().to_string(),
            )
        })
        .and_then(|i| i.image_id().map(str::to_string))
        .ok_or_else(|| {
            CompositeError::new(
                "No Amazon Linux 2023 AMI found",
                "DescribeImages found no al2023-ami-2023.*-x86_64 image owned by amazon: set ami_id",
            )
        })
}

/// Whether EC2 refused an instance profile only because it is too new to be usable yet.
pub fn profile_not_ready(code: Option<&str>, message: &str) -> bool {
    code == Some(code::ec2::INVALID_PARAMETER_VALUE) && message.contains("iamInstanceProfile")
}

/// An instance of `owner` named `name` that is not terminated (left by an interrupted create).
pub async fn find_owned(
    ctx: &Ctx,
    owner: &str,
    name: &str,
) -> Result<Option<String>, CompositeError> {
    let out = ctx
        .clients
        .ec2()
        .describe_instances()
        .filters(
            Filter::builder()
                .name(format!("tag:{OWNER_TAG}"))
                .values(owner)
                .build(),
        )
        .filters(Filter::builder().name("tag:Name").values(name).build())
        .filters(
            Filter::builder()
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
            CompositeError::aws(
                format!("Looking for instance \"{name}\" left by an earlier create"),
                &e,
            )
        })?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find_map(|i| i.instance_id().map(str::to_string)))
}

/// Launch `spec` tagged `tags` (with the owner tag), or adopt the instance an interrupted
/// create left; `made` gets the id the moment it exists; waits until it runs.
pub async fn ensure(
    ctx: &Ctx,
    spec: &Spec,
    tags: &BTreeMap<String, String>,
    made: impl FnOnce(&str) + Send,
) -> Result<Observed, CompositeError> {
    let owner = tags.get(OWNER_TAG).cloned().unwrap_or_default();
    let id = match find_owned(ctx, &owner, &spec.name).await? {
        Some(id) => id,
        None => launch(ctx, spec, tags).await?,
    };
    made(&id);
    wait_for(ctx, &id, InstanceStateName::Running).await?;
    read(ctx, &id).await?.ok_or_else(|| {
        CompositeError::new(
            format!("Instance {id} terminated"),
            "the instance terminated while starting; check its console output",
        )
    })
}

async fn launch(
    ctx: &Ctx,
    spec: &Spec,
    tags: &BTreeMap<String, String>,
) -> Result<String, CompositeError> {
    let ami = match &spec.ami {
        Some(a) => a.clone(),
        None => latest_al2023(ctx).await?,
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(spec.user_data.as_bytes());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // One token per launch: the SDK's own retries reuse it, so a retry never starts two hosts.
    let token: String = format!("{}-{nanos}", spec.name).chars().take(64).collect();
    let ec2 = ctx.clients.ec2();
    let out = retry(
        &ctx.deadline,
        &format!("launching instance \"{}\"", spec.name),
        RetryPolicy::default(),
        || async {
            ec2.run_instances()
                .image_id(&ami)
                .instance_type(InstanceType::from(spec.instance_type.as_str()))
                .min_count(1)
                .max_count(1)
                .client_token(&token)
                .subnet_id(&spec.subnet_id)
                .set_security_group_ids(Some(spec.security_group_ids.clone()))
                .iam_instance_profile(
                    IamInstanceProfileSpecification::builder()
                        .arn(&spec.profile_arn)
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
                        .device_name(ROOT_DEVICE)
                        .ebs(
                            EbsBlockDevice::builder()
                                .encrypted(true)
                                .volume_size(spec.volume_size)
                                .volume_type(VolumeType::Gp3)
                                .delete_on_termination(true)
                                .build(),
                        )
                        .build(),
                )
                .user_data(&encoded)
                .tag_specifications(tag_spec(ResourceType::Instance, tags, &spec.name))
                .tag_specifications(tag_spec(ResourceType::Volume, tags, &spec.name))
                .send()
                .await
                .map_err(|e| {
                    let code = error_code(&e);
                    let err =
                        CompositeError::aws(format!("Launching instance \"{}\"", spec.name), &e);
                    // A new instance profile takes a while to be usable by EC2.
                    if profile_not_ready(code.as_deref(), &err.detail) {
                        Attempt::Retry(err)
                    } else {
                        Attempt::Fail(err)
                    }
                })
        },
    )
    .await?;
    super::id_in_answer(
        out.instances().first().and_then(|i| i.instance_id()),
        &format!("instance \"{}\"", spec.name),
    )
}

/// Wait within the deadline until instance `id` is in state `want` (gone counts as terminated).
pub async fn wait_for(ctx: &Ctx, id: &str, want: InstanceStateName) -> Result<(), CompositeError> {
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
                Some(code::ec2::INVALID_INSTANCE_ID_NOT_FOUND) => {
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
            // Gone from EC2's answers while terminating counts as terminated.
            None if want == InstanceStateName::Terminated => Ok(()),
            other => Err(Attempt::Retry(CompositeError::new(
                format!("Instance {id} not {}", want.as_str()),
                format!("state {other:?}"),
            ))),
        }
    })
    .await
}

/// Instance `id` as EC2 describes it; `None` when it is gone (terminated, shutting down, or
/// unknown to EC2).
pub async fn describe(ctx: &Ctx, id: &str) -> Result<Option<Described>, CompositeError> {
    let out = match ctx
        .clients
        .ec2()
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if error_code(&e).as_deref() == Some(code::ec2::INVALID_INSTANCE_ID_NOT_FOUND) => {
            return Ok(None)
        }
        Err(e) => return Err(CompositeError::aws(format!("Reading instance {id}"), &e)),
    };
    let Some(i) = out.reservations().iter().flat_map(|r| r.instances()).next() else {
        return Ok(None);
    };
    let gone = matches!(
        i.state().and_then(|s| s.name()),
        Some(InstanceStateName::Terminated) | Some(InstanceStateName::ShuttingDown)
    );
    Ok((!gone).then(|| i.clone()))
}

/// Instance `id`; `None` when it is gone (terminated, shutting down, or unknown to EC2).
pub async fn read(ctx: &Ctx, id: &str) -> Result<Option<Observed>, CompositeError> {
    Ok(describe(ctx, id).await?.as_ref().map(observed))
}

/// Make instance `id`'s security groups exactly `groups`.
pub async fn set_groups(ctx: &Ctx, id: &str, groups: &[String]) -> Result<(), CompositeError> {
    ctx.clients
        .ec2()
        .modify_instance_attribute()
        .instance_id(id)
        .set_groups(Some(groups.to_vec()))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Setting the security groups of {id}"), &e))?;
    Ok(())
}

/// Give instance `id` the instance profile `arn` (one made again: EC2 still points at the old).
pub async fn use_profile(ctx: &Ctx, id: &str, arn: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_iam_instance_profile_associations()
        .filters(Filter::builder().name("instance-id").values(id).build())
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the instance profile of {id}"), &e))?;
    let current = out
        .iam_instance_profile_associations()
        .iter()
        .find(|a| {
            !matches!(
                a.state(),
                Some(aws_sdk_ec2::types::IamInstanceProfileAssociationState::Disassociated)
                    | Some(aws_sdk_ec2::types::IamInstanceProfileAssociationState::Disassociating)
            )
        })
        .and_then(|a| a.association_id())
        .map(str::to_string);
    let spec = IamInstanceProfileSpecification::builder().arn(arn).build();
    let what = format!("Giving {id} the instance profile {arn}");
    retry(&ctx.deadline, &what, RetryPolicy::default(), || async {
        let sent = match &current {
            Some(association) => ec2
                .replace_iam_instance_profile_association()
                .association_id(association)
                .iam_instance_profile(spec.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(aws_sdk_ec2::Error::from),
            None => ec2
                .associate_iam_instance_profile()
                .instance_id(id)
                .iam_instance_profile(spec.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(aws_sdk_ec2::Error::from),
        };
        sent.map_err(|e| {
            use aws_sdk_ec2::error::ProvideErrorMetadata;
            let code = e.code().map(str::to_string);
            let err = CompositeError::aws(what.clone(), &e);
            if profile_not_ready(code.as_deref(), &err.detail) {
                Attempt::Retry(err)
            } else {
                Attempt::Fail(err)
            }
        })
    })
    .await
}

/// Stop instance `id`, change its type, start it again.
pub async fn change_type(ctx: &Ctx, id: &str, instance_type: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    ec2.stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Stopping {id}"), &e))?;
    wait_for(ctx, id, InstanceStateName::Stopped).await?;
    ec2.modify_instance_attribute()
        .instance_id(id)
        .instance_type(
            aws_sdk_ec2::types::AttributeValue::builder()
                .value(instance_type)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Changing the type of {id} to {instance_type}"), &e)
        })?;
    ec2.start_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Starting {id}"), &e))?;
    wait_for(ctx, id, InstanceStateName::Running).await
}

/// Terminate instance `id` and wait until it is terminated (already gone is done).
pub async fn delete(ctx: &Ctx, id: &str) -> Result<(), CompositeError> {
    match ctx
        .clients
        .ec2()
        .terminate_instances()
        .instance_ids(id)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error_code(&e).as_deref() == Some(code::ec2::INVALID_INSTANCE_ID_NOT_FOUND) => {
            return Ok(())
        }
        Err(e) => return Err(CompositeError::aws(format!("Terminating {id}"), &e)),
    }
    wait_for(ctx, id, InstanceStateName::Terminated).await
}

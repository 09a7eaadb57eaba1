//! Placement (VPC and subnet), the security group with its ingress rules, and the key pair.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use tf_provider::value::Value;

use super::{list, MlHostState};
use crate::children::ownership::{not_ours, owned};
use crate::children::security_group::{self, all_egress, converge, Direction};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::types::sg_rule::{from_permissions, parse_all, to_strings, SgRule, Source};

/// EC2 tags for `resource` from the state's tags, with a Name.
pub fn tag_spec(state: &MlHostState, resource: ResourceType, name: &str) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    let mut tags = state.child_tags();
    tags.entry("Name".to_string())
        .or_insert_with(|| name.to_string());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The VPC and subnet to use: the given ones, else the default VPC and one of its subnets.
async fn placement(ctx: &Ctx, planned: &MlHostState) -> Result<(String, String), CompositeError> {
    let ec2 = ctx.clients.ec2();
    if let Value::Value(subnet) = &planned.subnet_id {
        let out = ec2
            .describe_subnets()
            .subnet_ids(subnet)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading subnet \"{subnet}\""), &e))?;
        let vpc = out
            .subnets()
            .first()
            .and_then(|s| s.vpc_id())
            .map(str::to_string)
            .ok_or_else(|| {
                CompositeError::new("Subnet not found", format!("no subnet \"{subnet}\""))
            })?;
        return Ok((vpc, subnet.clone()));
    }
    let vpc = match &planned.vpc_id {
        Value::Value(v) => v.clone(),
        _ => ec2
            .describe_vpcs()
            .filters(filter("is-default", "true"))
            .send()
            .await
            .map_err(|e| CompositeError::aws("Finding the default VPC", &e))?
            .vpcs()
            .first()
            .and_then(|v| v.vpc_id())
            .map(str::to_string)
            .ok_or_else(|| {
                CompositeError::new(
                    "No default VPC",
                    "this region has no default VPC: set vpc_id or subnet_id",
                )
            })?,
    };
    let out = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &vpc))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing subnets of \"{vpc}\""), &e))?;
    let mut subnets: Vec<(bool, String, String)> = out
        .subnets()
        .iter()
        .filter_map(|s| {
            Some((
                !s.default_for_az().unwrap_or(false),
                s.availability_zone().unwrap_or_default().to_string(),
                s.subnet_id()?.to_string(),
            ))
        })
        .collect();
    subnets.sort();
    let subnet = subnets.into_iter().next().map(|s| s.2).ok_or_else(|| {
        CompositeError::new(
            "No subnet",
            format!("VPC \"{vpc}\" has no subnet: set subnet_id"),
        )
    })?;
    Ok((vpc, subnet))
}

/// The security group and the rules the inputs ask for.
pub async fn create_security_group(
    ctx: &Ctx,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let (vpc, subnet) = placement(ctx, planned).await?;
    rec.record(|s| {
        s.vpc_id = Value::Value(vpc.clone());
        s.subnet_id = Value::Value(subnet.clone());
    });
    let name = planned.sg_name_for();
    let ec2 = ctx.clients.ec2();
    let sent = ec2
        .create_security_group()
        .group_name(&name)
        .description(format!("blueprint_ml_host {}", planned.name()))
        .vpc_id(&vpc)
        .tag_specifications(tag_spec(planned, ResourceType::SecurityGroup, &name))
        .send()
        .await;
    let (sg, have_ingress, have_egress) = match sent {
        Ok(out) => (
            out.group_id().unwrap_or_default().to_string(),
            Vec::new(),
            vec![all_egress()],
        ),
        // Made by an earlier, interrupted create of this resource: adopt it, rules as they are.
        Err(e) if crate::clients::error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") => {
            let out = ec2
                .describe_security_groups()
                .filters(filter("group-name", &name))
                .filters(filter("vpc-id", &vpc))
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Reading security group \"{name}\""), &e)
                })?;
            let owner = planned.owner();
            match out.security_groups().first() {
                Some(g)
                    if owned(
                        g.tags()
                            .iter()
                            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                        &owner,
                    ) =>
                {
                    (
                        g.group_id().unwrap_or_default().to_string(),
                        from_permissions(g.ip_permissions()),
                        from_permissions(g.ip_permissions_egress()),
                    )
                }
                _ => return Err(not_ours(&format!("security group \"{name}\""), &owner)),
            }
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Creating security group \"{name}\""),
                &e,
            ))
        }
    };
    rec.record(|s| {
        s.security_group_id = Value::Value(sg.clone());
        s.ingress_rules = list(to_strings(&have_ingress));
        s.egress_rules = list(to_strings(&have_egress));
    });
    let rules = planned.desired_ingress();
    converge(ctx, &sg, Direction::Ingress, &have_ingress, &rules).await?;
    rec.record(|s| s.ingress_rules = list(to_strings(&rules)));
    let egress = planned.desired_egress();
    converge(ctx, &sg, Direction::Egress, &have_egress, &egress).await?;
    rec.record(|s| s.egress_rules = list(to_strings(&egress)));
    Ok(())
}

/// Import the public key, if one was given.
pub async fn import_key_pair(
    ctx: &Ctx,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let Value::Value(key) = &planned.ssh_public_key else {
        return Ok(());
    };
    let name = planned.key_name_for();
    let ec2 = ctx.clients.ec2();
    let sent = ec2
        .import_key_pair()
        .key_name(&name)
        .public_key_material(aws_smithy_types::Blob::new(key.trim().as_bytes()))
        .tag_specifications(tag_spec(planned, ResourceType::KeyPair, &name))
        .send()
        .await;
    match sent {
        Ok(_) => {}
        // Imported by an earlier, interrupted create of this resource: adopt it.
        Err(e) if crate::clients::error_code(&e).as_deref() == Some("InvalidKeyPair.Duplicate") => {
            let out = ec2
                .describe_key_pairs()
                .key_names(&name)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading key pair \"{name}\""), &e))?;
            let owner = planned.owner();
            let ours = out.key_pairs().first().is_some_and(|k| {
                owned(
                    k.tags()
                        .iter()
                        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                    &owner,
                )
            });
            if !ours {
                return Err(not_ours(&format!("key pair \"{name}\""), &owner));
            }
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Importing key pair \"{name}\""),
                &e,
            ))
        }
    }
    rec.record(|s| s.key_name = Value::Value(name));
    Ok(())
}

/// Refresh the security group's id and rules (`security_group_id` null when it is gone).
pub async fn read(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    let Value::Value(sg) = state.security_group_id.clone() else {
        return Ok(());
    };
    match security_group::read(ctx, &sg).await? {
        Some(observed) => {
            state.ingress_rules = list(to_strings(&observed.ingress));
            state.egress_rules = list(to_strings(&observed.egress));
        }
        None => state.security_group_id = Value::Null,
    }
    Ok(())
}

/// Make the rules what the inputs say: revoke extras (added out of band), authorize missing.
pub async fn reconcile(
    ctx: &Ctx,
    prior: &MlHostState,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let Value::Value(sg) = &prior.security_group_id else {
        return Ok(());
    };
    let want = planned.desired_ingress();
    converge(
        ctx,
        sg,
        Direction::Ingress,
        &parse_all(&super::strings(&prior.ingress_rules)),
        &want,
    )
    .await?;
    rec.record(|s| s.ingress_rules = list(to_strings(&want)));
    let want = planned.desired_egress();
    converge(
        ctx,
        sg,
        Direction::Egress,
        &parse_all(&super::strings(&prior.egress_rules)),
        &want,
    )
    .await?;
    rec.record(|s| s.egress_rules = list(to_strings(&want)));
    Ok(())
}

/// Delete the security group, retrying while the terminated instance still holds it.
pub async fn delete_security_group(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
    match &state.security_group_id {
        Value::Value(sg) => security_group::delete(ctx, sg).await,
        _ => Ok(()),
    }
}

/// Delete the key pair the resource imported.
pub async fn delete_key_pair(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
    if !state.ssh_public_key.is_value() || !state.name.is_value() {
        return Ok(());
    }
    let name = state.key_name_for();
    done_unless_gone(
        ctx.clients
            .ec2()
            .delete_key_pair()
            .key_name(&name)
            .send()
            .await,
        "InvalidKeyPair.NotFound",
        format!("Deleting key pair \"{name}\""),
    )
}

/// Split rules back into SSH CIDRs, app CIDRs and app source groups (for import).
pub fn split_rules(rules: &[SgRule], host_port: i64) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut ssh, mut app, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for r in rules {
        if r.protocol != crate::types::sg_rule::Protocol::Tcp || r.from != r.to {
            continue;
        }
        let port = i64::from(r.from);
        match &r.source {
            Source::Cidr(c) if port == 22 => ssh.push(c.to_string()),
            Source::Cidr(c) if port == host_port => app.push(c.to_string()),
            Source::Group(g) if port == host_port => groups.push(g.clone()),
            _ => {}
        }
    }
    (ssh, app, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_split_back_into_inputs() {
        let rules = parse_all(&[
            "tcp 22-22 10.0.0.0/8",
            "tcp 8000-8000 ::/0",
            "tcp 8000-8000 sg-0123abcd",
            "all 0-65535 0.0.0.0/0",
        ]);
        let (ssh, app, groups) = split_rules(&rules, 8000);
        assert_eq!(ssh, ["10.0.0.0/8"]);
        assert_eq!(app, ["::/0"]);
        assert_eq!(groups, ["sg-0123abcd"]);
    }
}

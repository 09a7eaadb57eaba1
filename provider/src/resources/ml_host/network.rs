//! Placement (VPC and subnet), the security group with its ingress rules, and the key pair.

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use tf_provider::value::Value;

use super::{list, MlHostState};
use crate::clients::error_code;
use crate::composite::{
    done_unless_gone, retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy,
};

/// Whether `s` is an IPv4 or IPv6 CIDR block.
pub fn is_cidr(s: &str) -> bool {
    let Some((ip, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// EC2 tags for `resource` from the state's tags, with a Name.
pub fn tag_spec(state: &MlHostState, resource: ResourceType, name: &str) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    let mut tags = state.tags_all_map();
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

/// A canonical rule string as an EC2 permission.
fn permission(rule: &str) -> Option<IpPermission> {
    let mut parts = rule.split_whitespace();
    let proto = parts.next()?;
    let (from, to) = parts.next()?.split_once('-')?;
    let source = parts.next()?;
    let mut p = if proto == "all" {
        IpPermission::builder().ip_protocol("-1")
    } else {
        IpPermission::builder()
            .ip_protocol(proto)
            .from_port(from.parse().ok()?)
            .to_port(to.parse().ok()?)
    };
    p = if source.starts_with("sg-") {
        p.user_id_group_pairs(UserIdGroupPair::builder().group_id(source).build())
    } else if source.contains(':') {
        p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(source).build())
    } else {
        p.ip_ranges(IpRange::builder().cidr_ip(source).build())
    };
    Some(p.build())
}

/// Canonical strings of EC2 permissions.
fn canonical(perms: &[IpPermission]) -> Vec<String> {
    let mut out = Vec::new();
    for p in perms {
        let proto = match p.ip_protocol().unwrap_or("-1") {
            "-1" => "all",
            other => other,
        };
        let range = format!(
            "{}-{}",
            p.from_port().unwrap_or(-1),
            p.to_port().unwrap_or(-1)
        );
        for r in p.ip_ranges() {
            out.push(format!(
                "{proto} {range} {}",
                r.cidr_ip().unwrap_or_default()
            ));
        }
        for r in p.ipv6_ranges() {
            out.push(format!(
                "{proto} {range} {}",
                r.cidr_ipv6().unwrap_or_default()
            ));
        }
        for g in p.user_id_group_pairs() {
            out.push(format!(
                "{proto} {range} {}",
                g.group_id().unwrap_or_default()
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Which side of a security group a rule is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

/// Open (`open`) or close `rules` on one side of the security group.
async fn change_rules(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    open: bool,
    rules: &[String],
) -> Result<(), CompositeError> {
    let perms: Vec<IpPermission> = rules.iter().filter_map(|r| permission(r)).collect();
    if perms.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let perms = Some(perms);
    let sent = match (direction, open) {
        (Direction::Ingress, true) => ec2
            .authorize_security_group_ingress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Ingress, false) => ec2
            .revoke_security_group_ingress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Egress, true) => ec2
            .authorize_security_group_egress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Egress, false) => ec2
            .revoke_security_group_egress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
    };
    let verb = if open { "Opening" } else { "Closing" };
    sent.map_err(|e| CompositeError::aws(format!("{verb} {direction:?} {rules:?} on \"{sg}\""), &e))
}

/// Revoke what is not wanted and authorize what is missing, on one side.
async fn converge(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    have: &[String],
    want: &[String],
) -> Result<(), CompositeError> {
    let extra: Vec<String> = have.iter().filter(|r| !want.contains(r)).cloned().collect();
    let missing: Vec<String> = want.iter().filter(|r| !have.contains(r)).cloned().collect();
    // Authorize first so that the group is never left with no way out.
    change_rules(ctx, sg, direction, true, &missing).await?;
    change_rules(ctx, sg, direction, false, &extra).await
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
    let out = ctx
        .clients
        .ec2()
        .create_security_group()
        .group_name(&name)
        .description(format!("blueprint_ml_host {}", planned.name()))
        .vpc_id(&vpc)
        .tag_specifications(tag_spec(planned, ResourceType::SecurityGroup, &name))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Creating security group \"{name}\""), &e))?;
    let sg = out.group_id().unwrap_or_default().to_string();
    rec.record(|s| {
        s.security_group_id = Value::Value(sg.clone());
        s.ingress_rules = list(Vec::new());
        s.egress_rules = list(vec![super::ALL_EGRESS.to_string()]);
    });
    let rules = planned.desired_ingress();
    change_rules(ctx, &sg, Direction::Ingress, true, &rules).await?;
    rec.record(|s| s.ingress_rules = list(rules));
    let egress = planned.desired_egress();
    converge(
        ctx,
        &sg,
        Direction::Egress,
        &[super::ALL_EGRESS.to_string()],
        &egress,
    )
    .await?;
    rec.record(|s| s.egress_rules = list(egress));
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
    ctx.clients
        .ec2()
        .import_key_pair()
        .key_name(&name)
        .public_key_material(aws_smithy_types::Blob::new(key.trim().as_bytes()))
        .tag_specifications(tag_spec(planned, ResourceType::KeyPair, &name))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Importing key pair \"{name}\""), &e))?;
    rec.record(|s| s.key_name = Value::Value(name));
    Ok(())
}

/// Refresh the security group's id and rules (`security_group_id` null when it is gone).
pub async fn read(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    let Value::Value(sg) = state.security_group_id.clone() else {
        return Ok(());
    };
    match ctx
        .clients
        .ec2()
        .describe_security_groups()
        .group_ids(&sg)
        .send()
        .await
    {
        Ok(out) => match out.security_groups().first() {
            Some(g) => {
                state.ingress_rules = list(canonical(g.ip_permissions()));
                state.egress_rules = list(canonical(g.ip_permissions_egress()));
            }
            None => state.security_group_id = Value::Null,
        },
        Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.NotFound") => {
            state.security_group_id = Value::Null
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading security group \"{sg}\""),
                &e,
            ))
        }
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
        &super::strings(&prior.ingress_rules),
        &want,
    )
    .await?;
    rec.record(|s| s.ingress_rules = list(want));
    let want = planned.desired_egress();
    converge(
        ctx,
        sg,
        Direction::Egress,
        &super::strings(&prior.egress_rules),
        &want,
    )
    .await?;
    rec.record(|s| s.egress_rules = list(want));
    Ok(())
}

/// Delete the security group, retrying while the terminated instance still holds it.
pub async fn delete_security_group(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
    let Value::Value(sg) = &state.security_group_id else {
        return Ok(());
    };
    let ec2 = ctx.clients.ec2();
    retry(
        &ctx.deadline,
        "deleting the security group",
        RetryPolicy::default(),
        || async {
            match ec2.delete_security_group().group_id(sg).send().await {
                Ok(_) => Ok(()),
                Err(e) => match error_code(&e).as_deref() {
                    Some("InvalidGroup.NotFound") => Ok(()),
                    Some("DependencyViolation") => Err(Attempt::Retry(CompositeError::aws(
                        format!("Deleting security group \"{sg}\""),
                        &e,
                    ))),
                    _ => Err(Attempt::Fail(CompositeError::aws(
                        format!("Deleting security group \"{sg}\""),
                        &e,
                    ))),
                },
            }
        },
    )
    .await
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

/// Split canonical rules back into SSH CIDRs, app CIDRs and app source groups (for import).
pub fn split_rules(rules: &[String], host_port: i64) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut ssh, mut app, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    let app_range = format!("{host_port}-{host_port}");
    for r in rules {
        let parts: Vec<&str> = r.split_whitespace().collect();
        if parts.len() != 3 || parts[0] != "tcp" {
            continue;
        }
        if parts[1] == "22-22" {
            ssh.push(parts[2].to_string());
        } else if parts[1] == app_range {
            if parts[2].starts_with("sg-") {
                groups.push(parts[2].to_string());
            } else {
                app.push(parts[2].to_string());
            }
        }
    }
    (ssh, app, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(is_cidr("0.0.0.0/0"));
        assert!(is_cidr("10.0.0.0/16"));
        assert!(is_cidr("::/0"));
        assert!(!is_cidr("10.0.0.0"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("everyone"));
    }

    #[test]
    fn rules_round_trip_through_permissions() {
        let rules = vec![
            "tcp 22-22 10.0.0.0/8".to_string(),
            "tcp 8000-8000 ::/0".to_string(),
            "tcp 8000-8000 sg-0123".to_string(),
        ];
        let perms: Vec<IpPermission> = rules.iter().filter_map(|r| permission(r)).collect();
        assert_eq!(canonical(&perms), rules);
        let (ssh, app, groups) = split_rules(&rules, 8000);
        assert_eq!(ssh, ["10.0.0.0/8"]);
        assert_eq!(app, ["::/0"]);
        assert_eq!(groups, ["sg-0123"]);
    }
}

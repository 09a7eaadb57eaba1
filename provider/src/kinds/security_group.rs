//! Security group children: typed rules ([`SgRule`]), their convergence (authorize what is
//! missing, revoke what was added out of band), and deletion.

use super::codes as code;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::IpPermission;

use crate::clients::error_code;
use crate::composite::{delete_retrying, CompositeError, Ctx};
use crate::types::sg_rule::{from_permissions, SgRule, Source};

/// AWS's default egress rule of a new security group: everything to everywhere (IPv4).
pub fn all_egress() -> SgRule {
    SgRule::all(Source::Cidr(ipnet::IpNet::V4(ipnet::Ipv4Net::default())))
}

/// Which side of a security group a rule is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Traffic in.
    Ingress,
    /// Traffic out.
    Egress,
}

/// Open (`open`) or close `rules` on one side of the security group.
pub async fn change_rules(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    open: bool,
    rules: &[SgRule],
) -> Result<(), CompositeError> {
    if rules.is_empty() {
        return Ok(());
    }
    let perms: Vec<IpPermission> = rules
        .iter()
        .map(crate::types::sg_rule::permission)
        .collect();
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
    match sent {
        Ok(()) => Ok(()),
        // Already as wanted (a retried call, or an earlier interrupted apply): done.
        Err(e) if open && e.code() == Some(code::ec2::INVALID_PERMISSION_DUPLICATE) => Ok(()),
        Err(e) if !open && e.code() == Some(code::ec2::INVALID_PERMISSION_NOT_FOUND) => Ok(()),
        Err(e) => {
            let shown: Vec<String> = rules.iter().map(ToString::to_string).collect();
            Err(CompositeError::aws(
                format!("{verb} {direction:?} [{}] on \"{sg}\"", shown.join(", ")),
                &e,
            ))
        }
    }
}

/// Revoke what is not wanted and authorize what is missing, on one side.
pub async fn converge(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    have: &[SgRule],
    want: &[SgRule],
) -> Result<(), CompositeError> {
    let extra: Vec<SgRule> = have.iter().filter(|r| !want.contains(r)).cloned().collect();
    let missing: Vec<SgRule> = want.iter().filter(|r| !have.contains(r)).cloned().collect();
    // Authorize first so that the group is never left with no way out.
    change_rules(ctx, sg, direction, true, &missing).await?;
    change_rules(ctx, sg, direction, false, &extra).await
}

/// The observed rules of a security group, or `None` when it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Ingress rules, canonical and sorted.
    pub ingress: Vec<SgRule>,
    /// Egress rules, canonical and sorted.
    pub egress: Vec<SgRule>,
}

/// Read a security group's rules; `None` when it no longer exists.
pub async fn read(ctx: &Ctx, sg: &str) -> Result<Option<Observed>, CompositeError> {
    match ctx
        .clients
        .ec2()
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().first().map(|g| Observed {
            ingress: from_permissions(g.ip_permissions()),
            egress: from_permissions(g.ip_permissions_egress()),
        })),
        Err(e) if error_code(&e).as_deref() == Some(code::ec2::INVALID_GROUP_NOT_FOUND) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading security group \"{sg}\""),
            &e,
        )),
    }
}

/// Delete a security group, retrying while something (an instance, a task's network
/// interface) still holds it.
pub async fn delete(ctx: &Ctx, sg: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    delete_retrying(
        &ctx.deadline,
        &format!("security group \"{sg}\""),
        code::ec2::INVALID_GROUP_NOT_FOUND,
        code::ec2::DEPENDENCY_VIOLATION,
        || ec2.delete_security_group().group_id(sg).send(),
    )
    .await
}

/// Create security group `name` in `vpc` tagged `tags` (which carry the owner tag; `Name` is
/// added), or adopt the one an interrupted create of the same owner left (its rules as they
/// are); a foreign namesake is refused and left alone. Returns its id and rules.
pub async fn ensure_group(
    ctx: &Ctx,
    name: &str,
    description: &str,
    vpc: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<(String, Observed), CompositeError> {
    use crate::kinds::ownership::{not_ours, owned, OWNER_TAG};
    let ec2 = ctx.clients.ec2();
    let sent = ec2
        .create_security_group()
        .group_name(name)
        .description(description)
        .vpc_id(vpc)
        .tag_specifications(crate::kinds::instance::tag_spec(
            aws_sdk_ec2::types::ResourceType::SecurityGroup,
            tags,
            name,
        ))
        .send()
        .await;
    match sent {
        Ok(out) => Ok((
            super::id_in_answer(out.group_id(), &format!("security group \"{name}\""))?,
            Observed {
                ingress: Vec::new(),
                egress: vec![all_egress()],
            },
        )),
        Err(e)
            if crate::clients::error_code(&e).as_deref()
                == Some(code::ec2::INVALID_GROUP_DUPLICATE) =>
        {
            let owner = tags.get(OWNER_TAG).cloned().unwrap_or_default();
            let filter = |k: &str, v: &str| {
                aws_sdk_ec2::types::Filter::builder()
                    .name(k)
                    .values(v)
                    .build()
            };
            let out = ec2
                .describe_security_groups()
                .filters(filter("group-name", name))
                .filters(filter("vpc-id", vpc))
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Reading security group \"{name}\""), &e)
                })?;
            match out.security_groups().first() {
                Some(g)
                    if !owner.is_empty()
                        && owned(
                            g.tags().iter().map(|t| {
                                (t.key().unwrap_or_default(), t.value().unwrap_or_default())
                            }),
                            &owner,
                        ) =>
                {
                    Ok((
                        super::id_in_answer(g.group_id(), &format!("security group \"{name}\""))?,
                        Observed {
                            ingress: from_permissions(g.ip_permissions()),
                            egress: from_permissions(g.ip_permissions_egress()),
                        },
                    ))
                }
                _ => Err(not_ours(&format!("security group \"{name}\""), &owner)),
            }
        }
        Err(e) => Err(CompositeError::aws(
            format!("Creating security group \"{name}\""),
            &e,
        )),
    }
}

/// The id of security group `name` in `vpc` when it carries owner tag `owner` (one a failed
/// apply made but did not record); `None` when there is none or it is not ours.
pub async fn find_owned(
    ctx: &Ctx,
    name: &str,
    vpc: &str,
    owner: &str,
) -> Result<Option<String>, CompositeError> {
    let filter = |k: &str, v: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(k)
            .values(v)
            .build()
    };
    let out = ctx
        .clients
        .ec2()
        .describe_security_groups()
        .filters(filter("group-name", name))
        .filters(filter("vpc-id", vpc))
        .filters(filter(
            &format!("tag:{}", crate::kinds::ownership::OWNER_TAG),
            owner,
        ))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Looking for security group \"{name}\""), &e))?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.group_id())
        .map(str::to_string))
}

/// The tags of security group `sg`; `None` when it is gone.
pub async fn tags_of(
    ctx: &Ctx,
    sg: &str,
) -> Result<Option<std::collections::BTreeMap<String, String>>, CompositeError> {
    match ctx
        .clients
        .ec2()
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().first().map(|g| {
            g.tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect()
        })),
        Err(e) if error_code(&e).as_deref() == Some(code::ec2::INVALID_GROUP_NOT_FOUND) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading the tags of security group \"{sg}\""),
            &e,
        )),
    }
}

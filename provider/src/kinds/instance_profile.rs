//! IAM instance profile children: one profile holding one role. Find-owned (adopt what carries
//! our owner tag, refuse a foreign namesake), create, read (ARN and whether it holds the role),
//! put the role back, tags through [`super::tags::iam_instance_profile`], bounded delete.

use std::collections::BTreeMap;

use super::codes as code;
use crate::clients::error_code;
use crate::composite::{done_unless_gone, CompositeError, Ctx};
use crate::kinds::iam_role;
use crate::kinds::ownership::{not_ours, owned, OWNER_TAG};

/// What a read of a profile finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The profile's ARN.
    pub arn: String,
    /// Whether it holds the role asked about.
    pub has_role: bool,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// Read profile `profile` (and whether it holds `role`); `None` when it does not exist.
pub async fn read(
    ctx: &Ctx,
    profile: &str,
    role: &str,
) -> Result<Option<Observed>, CompositeError> {
    match ctx
        .clients
        .iam()
        .get_instance_profile()
        .instance_profile_name(profile)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile().map(|p| Observed {
            arn: p.arn().to_string(),
            has_role: p.roles().iter().any(|r| r.role_name() == role),
            tags: p
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        })),
        Err(e) if error_code(&e).as_deref() == Some(code::iam::NO_SUCH_ENTITY) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading instance profile \"{profile}\""),
            &e,
        )),
    }
}

/// Put `role` into `profile`.
pub async fn add_role(ctx: &Ctx, profile: &str, role: &str) -> Result<(), CompositeError> {
    ctx.clients
        .iam()
        .add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Adding \"{role}\" to \"{profile}\""), &e))?;
    Ok(())
}

/// Create profile `profile` tagged `tags` (which carry the owner tag) holding `role`, or adopt
/// the one an interrupted create of the same owner left; a foreign namesake is refused and left
/// alone. `made` gets the ARN the moment it exists. Returns the ARN.
pub async fn ensure(
    ctx: &Ctx,
    profile: &str,
    role: &str,
    tags: &BTreeMap<String, String>,
    made: impl FnOnce(&str) + Send,
) -> Result<String, CompositeError> {
    let iam = ctx.clients.iam();
    let sent = iam
        .create_instance_profile()
        .instance_profile_name(profile)
        .set_tags(Some(iam_role::tags(tags)?))
        .send()
        .await;
    let (arn, has_role) = match sent {
        Ok(out) => (
            super::id_in_answer(
                out.instance_profile().map(|p| p.arn()),
                &format!("instance profile \"{profile}\""),
            )?,
            false,
        ),
        Err(e) if error_code(&e).as_deref() == Some(code::iam::ENTITY_ALREADY_EXISTS) => {
            let owner = tags.get(OWNER_TAG).cloned().unwrap_or_default();
            match read(ctx, profile, role).await? {
                Some(o)
                    if !owner.is_empty()
                        && owned(o.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), &owner) =>
                {
                    (o.arn, o.has_role)
                }
                _ => return Err(not_ours(&format!("instance profile \"{profile}\""), &owner)),
            }
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Creating instance profile \"{profile}\""),
                &e,
            ))
        }
    };
    made(&arn);
    if !has_role {
        add_role(ctx, profile, role).await?;
    }
    Ok(arn)
}

/// Delete `profile`, first taking `role` out of it when it holds it; already gone is done.
pub async fn delete(ctx: &Ctx, profile: &str, role: &str) -> Result<(), CompositeError> {
    let iam = ctx.clients.iam();
    let Some(o) = read(ctx, profile, role).await? else {
        return Ok(());
    };
    if o.has_role {
        done_unless_gone(
            iam.remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await,
            code::iam::NO_SUCH_ENTITY,
            format!("Removing \"{role}\" from \"{profile}\""),
        )?;
    }
    done_unless_gone(
        iam.delete_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await,
        code::iam::NO_SUCH_ENTITY,
        format!("Deleting instance profile \"{profile}\""),
    )
}

//! The `instance_profile` child: `NAME-profile`, holding the role (put back if the role was
//! made again or removed from it out of band).

use crate::tf::Value;
use async_trait::async_trait;

use super::MlHostState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::{iam_role, tags};

fn missing(code: Option<String>) -> bool {
    code.as_deref() == Some("NoSuchEntity")
}

/// The profile's ARN and whether it holds `role`; `None` when it does not exist.
async fn describe(
    ctx: &Ctx,
    profile: &str,
    role: &str,
) -> Result<Option<(String, bool)>, CompositeError> {
    match ctx
        .clients
        .iam()
        .get_instance_profile()
        .instance_profile_name(profile)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile().map(|p| {
            (
                p.arn().to_string(),
                p.roles().iter().any(|r| r.role_name() == role),
            )
        })),
        Err(e) if missing(error_code(&e)) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading instance profile \"{profile}\""),
            &e,
        )),
    }
}

async fn add_role(ctx: &Ctx, profile: &str, role: &str) -> Result<(), CompositeError> {
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

/// The instance profile's operations.
pub struct InstanceProfile;

#[async_trait]
impl ChildOps<MlHostState> for InstanceProfile {
    fn name(&self) -> &'static str {
        "instance_profile"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let iam = ctx.clients.iam();
        let (profile, role) = (planned.profile_name_for(), planned.role_name_for());
        let sent = iam
            .create_instance_profile()
            .instance_profile_name(&profile)
            .set_tags(Some(iam_role::tags(&planned.child_tags())?))
            .send()
            .await;
        let (arn, has_role) = match sent {
            Ok(out) => (
                out.instance_profile()
                    .map(|p| p.arn().to_string())
                    .unwrap_or_default(),
                false,
            ),
            // Made by an earlier, interrupted create of this resource: adopt it.
            Err(e) if error_code(&e).as_deref() == Some("EntityAlreadyExists") => {
                let out = iam
                    .get_instance_profile()
                    .instance_profile_name(&profile)
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Reading instance profile \"{profile}\""), &e)
                    })?;
                let owner = planned.owner();
                match out.instance_profile() {
                    Some(p) if owned(p.tags().iter().map(|t| (t.key(), t.value())), &owner) => (
                        p.arn().to_string(),
                        p.roles().iter().any(|r| r.role_name() == role),
                    ),
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
        rec.record(|s| {
            s.instance_profile_arn = Value::Value(arn);
            s.instance_profile_name = Value::Value(profile.clone());
        });
        if !has_role {
            add_role(ctx, &profile, &role).await?;
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let profile = s.profile_name_for();
        match describe(ctx, &profile, &s.role_name_for()).await? {
            Some((arn, _)) => {
                rec.record(|s| {
                    s.instance_profile_arn = Value::Value(arn);
                    s.instance_profile_name = Value::Value(profile);
                });
                Ok(Found::Present)
            }
            None => Ok(Found::Gone),
        }
    }

    /// Tags follow `tags_all`; the role is put back when the profile no longer holds it (the
    /// role was made again, or removed out of band).
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let (profile, role) = (planned.profile_name_for(), planned.role_name_for());
        let Some((_, has_role)) = describe(ctx, &profile, &role).await? else {
            // Gone since the plan: make it again.
            return self.create(ctx, rec).await;
        };
        if planned.tags_all != prior.tags_all {
            tags::iam_instance_profile(
                ctx,
                &profile,
                &prior.tags_all_map(),
                &planned.tags_all_map(),
            )
            .await?;
        }
        if !has_role {
            add_role(ctx, &profile, &role).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        let iam = ctx.clients.iam();
        let (profile, role) = (state.profile_name_for(), state.role_name_for());
        // Remove the role only if the profile holds it (a create that failed half-way may not
        // have added it, and some implementations answer that case with an unparseable error).
        let Some((_, holds_role)) = describe(ctx, &profile, &role).await? else {
            return Ok(());
        };
        if holds_role {
            done_unless_gone(
                iam.remove_role_from_instance_profile()
                    .instance_profile_name(&profile)
                    .role_name(&role)
                    .send()
                    .await,
                "NoSuchEntity",
                format!("Removing \"{role}\" from \"{profile}\""),
            )?;
        }
        done_unless_gone(
            iam.delete_instance_profile()
                .instance_profile_name(&profile)
                .send()
                .await,
            "NoSuchEntity",
            format!("Deleting instance profile \"{profile}\""),
        )
    }
}

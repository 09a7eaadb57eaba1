//! Child `log_group`: `/ecs/NAME` with its retention.

use crate::tf::Value;
use async_trait::async_trait;

use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::known;

/// The log group's ARN (its account and region are the listener's).
fn arn(s: &SecureServiceState, group: &str) -> Option<String> {
    let scope = s.scope()?;
    Some(format!(
        "arn:{}:logs:{}:{}:log-group:{group}",
        scope.partition, scope.region, scope.account
    ))
}

async fn put_retention(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    let name = s.log_group();
    let days = s
        .log_retention_days
        .as_option()
        .unwrap_or(super::DEFAULT_LOG_RETENTION_DAYS);
    ctx.clients
        .logs()
        .put_retention_policy()
        .log_group_name(&name)
        .retention_in_days(days as i32)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Setting retention of \"{name}\""), &e))?;
    Ok(())
}

/// Whether the existing group `name` carries the service's owner tag.
async fn ours(ctx: &Ctx, s: &SecureServiceState, name: &str) -> Result<bool, CompositeError> {
    let Some(arn) = arn(s, name) else {
        return Ok(false);
    };
    let out = ctx
        .clients
        .logs()
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{name}\""), &e))?;
    Ok(owned(
        out.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        &s.owner(),
    ))
}

/// The service's log group.
pub struct LogGroup;

#[async_trait]
impl ChildOps<SecureServiceState> for LogGroup {
    fn name(&self) -> &'static str {
        "log_group"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let name = planned.log_group();
        let sent = ctx
            .clients
            .logs()
            .create_log_group()
            .log_group_name(&name)
            .set_tags(Some(planned.child_tags().into_iter().collect()))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            // Made by an earlier, interrupted create of this service: adopt it.
            Err(e) if error_code(&e).as_deref() == Some("ResourceAlreadyExistsException") => {
                if !ours(ctx, &planned, &name).await? {
                    return Err(not_ours(&format!("log group \"{name}\""), &planned.owner()));
                }
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating log group \"{name}\""),
                    &e,
                ))
            }
        }
        rec.record(|s| s.log_group_name = Value::Value(name.clone()));
        put_retention(ctx, &planned).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let name = known(&s.log_group_name).unwrap_or_default();
        let groups = ctx
            .clients
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading log group \"{name}\""), &e))?;
        let Some(group) = groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        else {
            return Ok(Found::Gone);
        };
        if let Some(days) = group.retention_in_days() {
            rec.record(|s| s.log_retention_days = Value::Value(i64::from(days)));
        }
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        if prior.log_retention_days != planned.log_retention_days {
            put_retention(ctx, &planned).await?;
        }
        if planned.tags_changed(prior) {
            let group = planned.log_group();
            if let Some(arn) = arn(&planned, &group) {
                super::tagging::logs(ctx, &arn, &prior.child_tags(), &planned.child_tags()).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        let Some(name) = known(&state.log_group_name) else {
            return Ok(());
        };
        done_unless_gone(
            ctx.clients
                .logs()
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await,
            "ResourceNotFoundException",
            format!("Deleting log group \"{name}\""),
        )
    }
}

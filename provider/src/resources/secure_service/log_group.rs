//! Child `log_group`: `/ecs/NAME` with its retention, through the log group kind.

use async_trait::async_trait;

use super::SecureServiceState;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::log_group::{self, LogGroupSpec};
use crate::kinds::{converge, ensure_recording, Kind};
use crate::tf::Value;
use crate::tf_value::known;

/// The group the service wants.
fn spec(s: &SecureServiceState) -> Result<LogGroupSpec, CompositeError> {
    let days = s
        .log_retention_days
        .as_option()
        .unwrap_or(super::DEFAULT_LOG_RETENTION_DAYS);
    LogGroupSpec::new(s.log_group(), days)
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
        let spec = spec(&planned)?;
        ensure_recording(
            &log_group::LogGroup,
            ctx,
            &spec,
            &planned.child_tags(),
            &planned.owner(),
            |name| rec.record(|s| s.log_group_name = Value::Value(name.clone())),
        )
        .await?;
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(name) = known(&s.log_group_name) else {
            return Ok(Found::Gone);
        };
        let Some(group) = log_group::describe(ctx, name).await? else {
            return Ok(Found::Gone);
        };
        if let Some(days) = group.retention_days {
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
        if prior.log_retention_days == planned.log_retention_days && !planned.tags_changed(prior) {
            return Ok(());
        }
        let spec = spec(&planned)?;
        if !converge(
            &log_group::LogGroup,
            ctx,
            &spec.name,
            &spec,
            &planned.child_tags(),
        )
        .await?
        {
            // Gone since the plan: make it again.
            return self.create(ctx, rec).await;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        match known(&state.log_group_name) {
            Some(name) => log_group::LogGroup.delete(ctx, &name.to_string()).await,
            None => Ok(()),
        }
    }
}

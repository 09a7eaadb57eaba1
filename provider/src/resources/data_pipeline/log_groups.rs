//! Child row `log_groups`: each stage's `/aws/lambda/NAME-STAGE` (where Lambda writes the
//! function's logs), with its retention and tags.

use async_trait::async_trait;

use super::{keys, put, remove, DataPipelineState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::log_group::{self, LogGroup, LogGroupSpec};
use crate::kinds::{converge, ensure_recording, Kind};
use blueprint_declarations::composites::data_pipeline::flow::names;

/// Stage `stage`'s group as the pipeline wants it.
fn spec(s: &DataPipelineState, stage: &str) -> Result<LogGroupSpec, CompositeError> {
    LogGroupSpec::new(names::log_group(s.pipeline(), stage), s.log_retention())
}

async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    ensure_recording(
        &LogGroup,
        ctx,
        &spec(s, stage)?,
        &s.child_tags(),
        &s.owner(),
        |name| rec.record(|st| put(&mut st.log_group_names, stage, name.clone())),
    )
    .await?;
    Ok(())
}

async fn delete_one(ctx: &Ctx, s: &DataPipelineState, stage: &str) -> Result<(), CompositeError> {
    LogGroup
        .delete(ctx, &names::log_group(s.pipeline(), stage))
        .await
}

fn wanted(s: &DataPipelineState) -> Vec<String> {
    s.flow().0.stages.into_iter().map(|st| st.name).collect()
}

/// The `log_groups` row.
pub struct LogGroups;

#[async_trait]
impl ChildOps<DataPipelineState> for LogGroups {
    fn name(&self) -> &'static str {
        "log_groups"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.log_group_names);
        for stage in wanted(&planned).into_iter().filter(|s| !have.contains(s)) {
            create_one(ctx, &planned, &stage, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let prefix = names::log_group(s.pipeline(), "");
        let found = log_group::list(ctx, &prefix).await?;
        let mut retention_seen = None;
        for stage in keys(&s.log_group_names) {
            let name = names::log_group(s.pipeline(), &stage);
            match found.iter().find(|g| g.name == name) {
                None => rec.record(|st| remove(&mut st.log_group_names, &stage)),
                Some(LogGroupSpec {
                    retention_days: days,
                    ..
                }) => {
                    if days.map(i64::from) != Some(s.log_retention()) {
                        retention_seen = Some(days.map(i64::from));
                    }
                }
            }
        }
        // A retention changed out of band shows as a change of `log_retention_days`.
        if let Some(days) = retention_seen {
            rec.record(|st| {
                st.log_retention_days = days.map_or(crate::tf::Value::Null, crate::tf::Value::Value)
            });
        }
        Ok(if rec.snapshot().log_group_names.is_value() {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DataPipelineState,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let want = wanted(&planned);
        let have = keys(&prior.log_group_names);
        for stage in have.iter().filter(|s| !want.contains(s)) {
            delete_one(ctx, prior, stage).await?;
        }
        for stage in &want {
            if !have.contains(stage) {
                create_one(ctx, &planned, stage, rec).await?;
                continue;
            }
            if prior.log_retention_days != planned.log_retention_days || planned.tags_changed(prior)
            {
                let spec = spec(&planned, stage)?;
                let tags = planned.child_tags();
                if !converge(&LogGroup, ctx, &spec.name, &spec, &tags).await? {
                    // Gone since the plan: make it again.
                    create_one(ctx, &planned, stage, rec).await?;
                }
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for stage in keys(&state.log_group_names) {
            delete_one(ctx, state, &stage).await?;
        }
        Ok(())
    }
}

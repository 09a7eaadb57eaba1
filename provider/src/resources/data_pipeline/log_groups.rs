//! Child row `log_groups`: each stage's `/aws/lambda/NAME-STAGE` (where Lambda writes the
//! function's logs), with its retention and tags.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{keys, put, remove, scope, DataPipelineState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::tags::removed_keys;
use blueprint_declarations::composites::data_pipeline::flow::names;

fn group(s: &DataPipelineState, stage: &str) -> String {
    names::log_group(s.pipeline(), stage)
}

async fn arn(ctx: &Ctx, group: &str) -> Result<String, CompositeError> {
    Ok(scope(ctx).await?.log_group_arn(group))
}

async fn tags_of(ctx: &Ctx, group: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    let out = ctx
        .clients
        .logs()
        .list_tags_for_resource()
        .resource_arn(arn(ctx, group).await?)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{group}\""), &e))?;
    Ok(out
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

async fn retention(ctx: &Ctx, s: &DataPipelineState, group: &str) -> Result<(), CompositeError> {
    ctx.clients
        .logs()
        .put_retention_policy()
        .log_group_name(group)
        .retention_in_days(s.log_retention() as i32)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Setting retention of \"{group}\""), &e))?;
    Ok(())
}

async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let name = group(s, stage);
    let sent = ctx
        .clients
        .logs()
        .create_log_group()
        .log_group_name(&name)
        .set_tags(Some(s.child_tags().into_iter().collect()))
        .send()
        .await;
    match sent {
        Ok(_) => {}
        Err(e) if error_code(&e).as_deref() == Some("ResourceAlreadyExistsException") => {
            let tags = tags_of(ctx, &name).await?;
            if !owned(
                tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &s.owner(),
            ) {
                return Err(not_ours(&format!("log group \"{name}\""), &s.owner()));
            }
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Creating log group \"{name}\""),
                &e,
            ))
        }
    }
    rec.record(|st| put(&mut st.log_group_names, stage, name.clone()));
    retention(ctx, s, &name).await
}

async fn delete_one(ctx: &Ctx, s: &DataPipelineState, stage: &str) -> Result<(), CompositeError> {
    let name = group(s, stage);
    done_unless_gone(
        ctx.clients
            .logs()
            .delete_log_group()
            .log_group_name(&name)
            .send()
            .await,
        "ResourceNotFoundException",
        format!("Deleting log group \"{name}\""),
    )
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
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let out = ctx
                .clients
                .logs()
                .describe_log_groups()
                .log_group_name_prefix(&prefix)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Listing log groups \"{prefix}*\""), &e)
                })?;
            found.extend(
                out.log_groups()
                    .iter()
                    .filter_map(|g| Some((g.log_group_name()?.to_string(), g.retention_in_days()))),
            );
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut retention_seen = None;
        for stage in keys(&s.log_group_names) {
            let name = group(&s, &stage);
            match found.iter().find(|(n, _)| *n == name) {
                None => rec.record(|st| remove(&mut st.log_group_names, &stage)),
                Some((_, days)) => {
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
            let name = group(&planned, stage);
            if prior.log_retention_days != planned.log_retention_days {
                retention(ctx, &planned, &name).await?;
            }
            if planned.tags_changed(prior) {
                let logs = ctx.clients.logs();
                let arn = arn(ctx, &name).await?;
                let removed = removed_keys(&prior.child_tags(), &planned.child_tags());
                if !removed.is_empty() {
                    logs.untag_resource()
                        .resource_arn(&arn)
                        .set_tag_keys(Some(removed))
                        .send()
                        .await
                        .map_err(|e| CompositeError::aws(format!("Untagging \"{name}\""), &e))?;
                }
                logs.tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(planned.child_tags().into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| CompositeError::aws(format!("Tagging \"{name}\""), &e))?;
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

//! Child row `dead_letter_queues`: each stage's `NAME-STAGE-dlq`, SQS with SQS-managed
//! server-side encryption, where failed asynchronous invocations end.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;

use super::{keys, put, remove, scope, DataPipelineState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::tags::removed_keys;
use blueprint_declarations::composites::data_pipeline::flow::names;

const GONE: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];

fn queue(s: &DataPipelineState, stage: &str) -> String {
    names::queue(s.pipeline(), stage)
}

/// The queue's URL, `None` when it does not exist.
async fn url(ctx: &Ctx, name: &str) -> Result<Option<String>, CompositeError> {
    match ctx
        .clients
        .sqs()
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.queue_url().map(str::to_string)),
        Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(None),
        Err(e) => Err(CompositeError::aws(format!("Finding queue \"{name}\""), &e)),
    }
}

async fn tags_of(ctx: &Ctx, url: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    let out = ctx
        .clients
        .sqs()
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{url}\""), &e))?;
    Ok(out
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let name = queue(s, stage);
    let existing = url(ctx, &name).await?;
    let url = match existing {
        // Made by an earlier, interrupted create of this pipeline: adopt it.
        Some(url) => {
            let tags = tags_of(ctx, &url).await?;
            if !owned(
                tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &s.owner(),
            ) {
                return Err(not_ours(&format!("SQS queue \"{name}\""), &s.owner()));
            }
            set_sse(ctx, &url).await?;
            url
        }
        None => ctx
            .clients
            .sqs()
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
            .set_tags(Some(s.child_tags().into_iter().collect::<HashMap<_, _>>()))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating queue \"{name}\""), &e))?
            .queue_url()
            .unwrap_or_default()
            .to_string(),
    };
    let _ = url;
    let arn = scope(ctx).await?.queue_arn(&name);
    rec.record(|st| put(&mut st.dlq_arns, stage, arn.clone()));
    Ok(())
}

async fn set_sse(ctx: &Ctx, url: &str) -> Result<(), CompositeError> {
    ctx.clients
        .sqs()
        .set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Encrypting queue \"{url}\""), &e))?;
    Ok(())
}

async fn delete_one(ctx: &Ctx, s: &DataPipelineState, stage: &str) -> Result<(), CompositeError> {
    let name = queue(s, stage);
    let Some(url) = url(ctx, &name).await? else {
        return Ok(());
    };
    match ctx
        .clients
        .sqs()
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(()),
        Err(e) => Err(CompositeError::aws(
            format!("Deleting queue \"{name}\""),
            &e,
        )),
    }
}

fn wanted(s: &DataPipelineState) -> Vec<String> {
    s.flow().0.stages.into_iter().map(|st| st.name).collect()
}

/// The `dead_letter_queues` row.
pub struct Queues;

#[async_trait]
impl ChildOps<DataPipelineState> for Queues {
    fn name(&self) -> &'static str {
        "dead_letter_queues"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.dlq_arns);
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
        for stage in keys(&s.dlq_arns) {
            if url(ctx, &queue(&s, &stage)).await?.is_none() {
                rec.record(|st| remove(&mut st.dlq_arns, &stage));
            }
        }
        Ok(if rec.snapshot().dlq_arns.is_value() {
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
        let have = keys(&prior.dlq_arns);
        for stage in have.iter().filter(|s| !want.contains(s)) {
            delete_one(ctx, prior, stage).await?;
        }
        for stage in &want {
            if !have.contains(stage) {
                create_one(ctx, &planned, stage, rec).await?;
            } else if planned.tags_changed(prior) {
                let name = queue(&planned, stage);
                let Some(url) = url(ctx, &name).await? else {
                    continue;
                };
                let sqs = ctx.clients.sqs();
                let removed = removed_keys(&prior.child_tags(), &planned.child_tags());
                if !removed.is_empty() {
                    sqs.untag_queue()
                        .queue_url(&url)
                        .set_tag_keys(Some(removed))
                        .send()
                        .await
                        .map_err(|e| CompositeError::aws(format!("Untagging \"{name}\""), &e))?;
                }
                sqs.tag_queue()
                    .queue_url(&url)
                    .set_tags(Some(planned.child_tags().into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| CompositeError::aws(format!("Tagging \"{name}\""), &e))?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for stage in keys(&state.dlq_arns) {
            delete_one(ctx, state, &stage).await?;
        }
        Ok(())
    }
}

//! Child row `buckets`: one bucket per `bucket` block, `NAME-SUFFIX`, through the S3 bucket
//! kind: every guaranteed setting (encryption, versioning, public access block, ACLs off,
//! TLS-only policy where the endpoint allows it), the block's lifecycle and its tags.

use async_trait::async_trait;

use super::{keys, put, remove, scope, DataPipelineState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::s3_bucket::{BucketSpec, LifecycleRule, S3Bucket};
use crate::kinds::{converge, ensure_recording, Kind};

/// Id of the lifecycle rule the resource writes.
pub const LIFECYCLE_ID: &str = "blueprint-data-lifecycle";

/// What bucket `suffix` must be: the secure settings, and the block's lifecycle.
fn spec(ctx: &Ctx, s: &DataPipelineState, suffix: &str) -> BucketSpec {
    let mut b = BucketSpec::secure(&s.bucket_name(suffix), &ctx.clients);
    if let Some(block) = s.bucket_block(suffix) {
        let glacier = block.glacier_transition_days.as_option();
        let noncurrent = block.noncurrent_version_expiration_days.as_option();
        if glacier.is_some() || noncurrent.is_some() {
            b.lifecycle = vec![LifecycleRule {
                glacier_transition_days: glacier.map(|d| d as i32),
                noncurrent_version_expiration_days: noncurrent.map(|d| d as i32),
                ..LifecycleRule::new(LIFECYCLE_ID)
            }];
        }
    }
    b
}

fn kind(s: &DataPipelineState) -> S3Bucket {
    S3Bucket::new(s.force_destroy.as_option() == Some(true))
}

/// Find bucket `suffix` (adopting one an interrupted create of this pipeline left, refusing
/// anyone else's), create it, record it, then bring it to its settings and tags.
async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let bucket = s.bucket_name(suffix);
    let arn = scope(ctx).await?.bucket_arn(&bucket);
    let owner = s.owner();
    ensure_recording(
        &kind(s),
        ctx,
        &spec(ctx, s, suffix),
        &s.bucket_tags(suffix),
        &owner,
        |_| {
            rec.record(|st| {
                put(&mut st.bucket_arns, suffix, arn.clone());
                put(&mut st.bucket_names, suffix, bucket.clone());
                put(&mut st.bucket_settings_ok, suffix, false);
            })
        },
    )
    .await
    .map_err(|mut err| {
        if err.summary.ends_with("already exists") {
            err.detail.push_str(&format!(
                " To manage a bucket of this pipeline made before owner tags existed, tag it as said and import the pipeline: `terraform import ADDR {}`.",
                s.pipeline()
            ));
        }
        err
    })?;
    rec.record(|st| put(&mut st.bucket_settings_ok, suffix, true));
    Ok(())
}

/// Whether bucket `suffix` exists (`None`: gone) and is exactly as wanted, tags included.
async fn observe(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
) -> Result<Option<bool>, CompositeError> {
    let Some((seen, tags)) = S3Bucket::default()
        .read(ctx, &s.bucket_name(suffix))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(
        seen == spec(ctx, s, suffix) && tags == s.bucket_tags(suffix),
    ))
}

/// The recorded name of bucket `suffix` (the derived one when the state lacks it).
fn known_name(s: &DataPipelineState, suffix: &str) -> String {
    s.bucket_names
        .as_ref_option()
        .and_then(|m| m.get(suffix))
        .and_then(|v| v.as_ref_option().cloned())
        .unwrap_or_else(|| s.bucket_name(suffix))
}

/// The wanted bucket suffixes.
fn wanted(s: &DataPipelineState) -> Vec<String> {
    s.flow().0.buckets.into_iter().map(|b| b.suffix).collect()
}

/// The `buckets` row.
pub struct Buckets;

#[async_trait]
impl ChildOps<DataPipelineState> for Buckets {
    fn name(&self) -> &'static str {
        "buckets"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.bucket_arns);
        let jobs: Vec<crate::composite::ChildFuture<'_>> = wanted(&planned)
            .into_iter()
            .filter(|b| !have.contains(b))
            .map(|b| {
                let planned = planned.clone();
                Box::pin(async move { create_one(ctx, &planned, &b, rec).await })
                    as crate::composite::ChildFuture<'_>
            })
            .collect();
        ctx.all(jobs).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for suffix in keys(&s.bucket_arns) {
            match observe(ctx, &s, &suffix).await? {
                None => rec.record(|st| {
                    remove(&mut st.bucket_arns, &suffix);
                    remove(&mut st.bucket_names, &suffix);
                    remove(&mut st.bucket_settings_ok, &suffix);
                }),
                Some(ok) => rec.record(|st| put(&mut st.bucket_settings_ok, &suffix, ok)),
            }
        }
        Ok(if rec.snapshot().bucket_arns.is_value() {
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
        for suffix in keys(&prior.bucket_arns) {
            if !want.contains(&suffix) {
                kind(prior).delete(ctx, &known_name(prior, &suffix)).await?;
            }
        }
        let have = keys(&prior.bucket_arns);
        for suffix in &want {
            if !have.contains(suffix) {
                create_one(ctx, &planned, suffix, rec).await?;
                continue;
            }
            let ok_before = prior
                .bucket_settings_ok
                .as_ref_option()
                .and_then(|m| m.get(suffix))
                .and_then(|v| v.as_option())
                == Some(true);
            // The bucket's own tags too: its position and `force_destroy` are tags.
            let changed = prior.bucket_block(suffix) != planned.bucket_block(suffix)
                || planned.tags_changed(prior)
                || prior.bucket_tags(suffix) != planned.bucket_tags(suffix);
            if !ok_before || changed {
                converge(
                    &kind(&planned),
                    ctx,
                    &planned.bucket_name(suffix),
                    &spec(ctx, &planned, suffix),
                    &planned.bucket_tags(suffix),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for suffix in keys(&state.bucket_arns) {
            kind(state).delete(ctx, &known_name(state, &suffix)).await?;
        }
        Ok(())
    }
}

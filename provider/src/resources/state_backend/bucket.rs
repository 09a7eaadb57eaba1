//! Child `bucket`: the state bucket, through the S3 bucket kind. What the resource guarantees
//! ([`spec`]) and how the observed bucket is recorded ([`record`]) are all that is its own.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::StateBackendState;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::s3_bucket::{self, BucketSpec, Encryption, LifecycleRule, S3Bucket};
use crate::kinds::{converge, ensure_recording, Kind};
use crate::tf::Value;
use crate::tf_value::map;

/// Id of the lifecycle rule for noncurrent versions.
pub const LIFECYCLE_ID: &str = "blueprint-noncurrent-version-expiration";

/// The bucket the resource guarantees: versioned, encrypted (SSE-KMS with `kms_key_arn`, else
/// SSE-S3), every public access blocked, plain HTTP denied where the endpoint allows it, and
/// noncurrent versions expired when asked.
pub fn spec(ctx: &Ctx, s: &StateBackendState) -> BucketSpec {
    let mut b = BucketSpec::secure(s.bucket_name(), &ctx.clients);
    if let Value::Value(key) = &s.kms_key_arn {
        b.encryption = Encryption::Kms {
            key: Some(key.clone()),
        };
    }
    if let Value::Value(days) = s.noncurrent_version_expiration_days {
        b.lifecycle = vec![LifecycleRule {
            noncurrent_version_expiration_days: Some(days as i32),
            ..LifecycleRule::new(LIFECYCLE_ID)
        }];
    }
    b
}

fn kind(s: &StateBackendState) -> S3Bucket {
    S3Bucket::new(s.force_destroy.as_ref_option() == Some(&true))
}

/// Find (adopting ours, refusing a foreign namesake), create, record, converge.
async fn create(ctx: &Ctx, rec: &Recorder<StateBackendState>) -> Result<(), CompositeError> {
    let planned = rec.snapshot();
    let arn = s3_bucket::arn(&ctx.clients, planned.bucket_name());
    ensure_recording(
        &kind(&planned),
        ctx,
        &spec(ctx, &planned),
        &planned.bucket_tags(),
        &planned.owner(),
        |_| rec.record(|s| s.bucket_arn = Value::Value(arn)),
    )
    .await
    .map_err(|mut err| {
        if err.summary.ends_with("already exists") {
            err.detail.push_str(
                " To manage it with this resource, import it: `terraform import ADDR BUCKET[,TABLE]`.",
            );
        }
        err
    })?;
    record_wanted(ctx, &planned, rec);
    Ok(())
}

/// After a successful create or converge: the observed settings are the wanted ones.
fn record_wanted(ctx: &Ctx, planned: &StateBackendState, rec: &Recorder<StateBackendState>) {
    let want = spec(ctx, planned);
    rec.record(|s| {
        s.public_access_blocked = Value::Value(want.public_access_block.all());
        s.versioning = Value::Value(want.versioning.as_str().to_string());
        s.sse_algorithm = Value::Value(want.encryption.algorithm().to_string());
        s.tls_only_policy = Value::Value(want.policy.deny_insecure_transport);
    });
}

/// Refresh `state` from the bucket. `Ok(false)`: the bucket is gone.
pub async fn read(ctx: &Ctx, state: &mut StateBackendState) -> Result<bool, CompositeError> {
    let bucket = state.bucket_name().to_string();
    let Some((seen, all)) = S3Bucket::default().read(ctx, &bucket).await? else {
        return Ok(false);
    };
    state.bucket_arn = Value::Value(s3_bucket::arn(&ctx.clients, &bucket));
    state.versioning = Value::Value(seen.versioning.as_str().to_string());
    state.sse_algorithm = Value::Value(seen.encryption.algorithm().to_string());
    state.kms_key_arn = match &seen.encryption {
        Encryption::Kms { key: Some(k) } => Value::Value(k.clone()),
        _ => Value::Null,
    };
    state.public_access_blocked = Value::Value(seen.public_access_block.all());
    state.tls_only_policy = Value::Value(seen.policy.deny_insecure_transport);
    state.noncurrent_version_expiration_days = seen
        .rule(LIFECYCLE_ID)
        .and_then(|r| r.noncurrent_version_expiration_days)
        .map_or(Value::Null, |d| Value::Value(i64::from(d)));

    // The provider's own markers (blueprint:owner) are neither the user's tags nor tags_all.
    let all: BTreeMap<String, String> = all
        .into_iter()
        .filter(|(k, _)| !k.starts_with("blueprint:"))
        .collect();
    let defaults = ctx.clients.default_tags();
    let user: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v) || state.user_tags().contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    state.tags = if user.is_empty() && !state.tags.is_value() {
        Value::Null
    } else {
        map(user)
    };
    state.tags_all = map(all);
    Ok(true)
}

/// Refuse early, before anything is deleted, when the bucket holds state and
/// `force_destroy` is off.
pub async fn ensure_deletable(ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
    if state.force_destroy.as_ref_option() == Some(&true) {
        return Ok(());
    }
    let bucket = state.bucket_name();
    if s3_bucket::holds_objects(ctx, bucket).await? {
        return Err(CompositeError::new(
            format!("Bucket \"{bucket}\" is not empty"),
            format!(
                "the state bucket \"{bucket}\" still holds objects (state files and their versions); \
                 it was not deleted, and neither was the lock table. Move the state elsewhere, or set \
                 force_destroy = true (and apply) to delete every version with the bucket."
            ),
        ));
    }
    Ok(())
}

/// The state bucket.
pub struct Bucket;

#[async_trait]
impl ChildOps<StateBackendState> for Bucket {
    fn name(&self) -> &'static str {
        "bucket"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<StateBackendState>,
    ) -> Result<(), CompositeError> {
        create(ctx, rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<StateBackendState>,
    ) -> Result<Found, CompositeError> {
        let mut seen = rec.snapshot();
        if !read(ctx, &mut seen).await? {
            return Ok(Found::Gone);
        }
        rec.record(|s| {
            s.bucket_arn = seen.bucket_arn;
            s.versioning = seen.versioning;
            s.sse_algorithm = seen.sse_algorithm;
            s.kms_key_arn = seen.kms_key_arn;
            s.public_access_blocked = seen.public_access_blocked;
            s.tls_only_policy = seen.tls_only_policy;
            s.noncurrent_version_expiration_days = seen.noncurrent_version_expiration_days;
            s.tags = seen.tags;
            s.tags_all = seen.tags_all;
        });
        Ok(Found::Present)
    }

    /// What differs from the plan is written: drift is repaired, changes made.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        _prior: &StateBackendState,
        rec: &Recorder<StateBackendState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let bucket = planned.bucket_name().to_string();
        let found = converge(
            &kind(&planned),
            ctx,
            &bucket,
            &spec(ctx, &planned),
            &planned.bucket_tags(),
        )
        .await?;
        if !found {
            return Err(CompositeError::new(
                format!("Bucket \"{bucket}\" is gone"),
                "it was deleted while this apply ran; apply again to make it",
            ));
        }
        record_wanted(ctx, &planned, rec);
        Ok(())
    }

    /// Refused, before anything is deleted, while the bucket holds state and `force_destroy`
    /// is off (the lock table, deleted after it, stays too).
    async fn delete(&self, ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
        ensure_deletable(ctx, state).await?;
        kind(state)
            .delete(ctx, &state.bucket_name().to_string())
            .await
    }
}

//! Child row `buckets`: one bucket per `bucket` block, `NAME-SUFFIX`, with every guaranteed
//! setting (encryption, versioning, public access block, TLS-only policy where the endpoint
//! allows it), its lifecycle and its tags.

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CreateBucketConfiguration,
    ExpirationStatus, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Transition,
    TransitionStorageClass, VersioningConfiguration,
};

use super::{keys, put, remove, scope, DataPipelineState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};
use crate::resources::state_backend::tls_policy_applies;

/// Id of the lifecycle rule the resource writes.
pub const LIFECYCLE_ID: &str = "blueprint-data-lifecycle";
/// Sid of the statement that denies plain-HTTP access.
pub const TLS_SID: &str = "BlueprintDenyInsecureTransport";

fn tls_policy(partition: &str, bucket: &str) -> String {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
    .to_string()
}

/// A bucket not visible yet is retried; anything else fails.
fn not_yet<E, R>(
    what: String,
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Attempt
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let code = error_code(&err);
    let e = CompositeError::aws(what, &err);
    match code.as_deref() {
        Some("NoSuchBucket") | Some("OperationAborted") => Attempt::Retry(e),
        _ => Attempt::Fail(e),
    }
}

/// The lifecycle the bucket block asks for (`None`: no rule).
fn lifecycle(s: &DataPipelineState, suffix: &str) -> Result<Option<LifecycleRule>, CompositeError> {
    let Some(b) = s.bucket_block(suffix) else {
        return Ok(None);
    };
    let glacier = b.glacier_transition_days.as_option();
    let noncurrent = b.noncurrent_version_expiration_days.as_option();
    if glacier.is_none() && noncurrent.is_none() {
        return Ok(None);
    }
    let mut rule = LifecycleRule::builder()
        .id(LIFECYCLE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build());
    if let Some(days) = glacier {
        rule = rule.transitions(
            Transition::builder()
                .days(days as i32)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        );
    }
    if let Some(days) = noncurrent {
        rule = rule.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(days as i32)
                .build(),
        );
    }
    rule.build()
        .map(Some)
        .map_err(|e| CompositeError::new("Building the lifecycle rule", e.to_string()))
}

/// Create bucket `suffix` (adopting one an interrupted create of this pipeline left) and record
/// it, then configure it.
async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = s.bucket_name(suffix);
    let region = ctx.clients.region();
    let mut req = s3.create_bucket().bucket(&bucket);
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(region.as_str().into())
                .build(),
        );
    }
    match req.send().await {
        Ok(_) => {}
        Err(err) if error_code(&err).as_deref() == Some("BucketAlreadyOwnedByYou") => {
            let tags = read_tags(ctx, &bucket).await?;
            if !owned(
                tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &s.owner(),
            ) {
                return Err(not_ours(&format!("S3 bucket \"{bucket}\""), &s.owner()));
            }
        }
        Err(err) => {
            return Err(CompositeError::aws(
                format!("Creating S3 bucket \"{bucket}\""),
                &err,
            ))
        }
    }
    let sc = scope(ctx).await?;
    let arn = sc.bucket_arn(&bucket);
    rec.record(|st| {
        put(&mut st.bucket_arns, suffix, arn.clone());
        put(&mut st.bucket_names, suffix, bucket.clone());
        put(&mut st.bucket_settings_ok, suffix, false);
    });
    configure(ctx, s, suffix).await?;
    rec.record(|st| put(&mut st.bucket_settings_ok, suffix, true));
    Ok(())
}

/// Apply every setting of bucket `suffix` as `s` says. Idempotent.
async fn configure(ctx: &Ctx, s: &DataPipelineState, suffix: &str) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = s.bucket_name(suffix);
    let policy = RetryPolicy::default();
    retry(&ctx.deadline, "blocking public access", policy, || async {
        s3.put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| not_yet(format!("Blocking public access to bucket \"{bucket}\""), e))
    })
    .await?;
    retry(&ctx.deadline, "enabling versioning", policy, || async {
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| not_yet(format!("Enabling versioning on bucket \"{bucket}\""), e))
    })
    .await?;
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| CompositeError::new("Building the encryption rule", e.to_string()))?;
    let sse = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .build(),
        )
        .build()
        .map_err(|e| CompositeError::new("Building the encryption rule", e.to_string()))?;
    retry(&ctx.deadline, "enabling encryption", policy, || async {
        s3.put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(sse.clone())
            .send()
            .await
            .map_err(|e| {
                not_yet(
                    format!("Enabling default encryption on bucket \"{bucket}\""),
                    e,
                )
            })
    })
    .await?;
    if tls_policy_applies(Some(&ctx.clients)) {
        let doc = tls_policy(ctx.clients.partition(), &bucket);
        retry(
            &ctx.deadline,
            "setting the TLS-only policy",
            policy,
            || async {
                s3.put_bucket_policy()
                    .bucket(&bucket)
                    .policy(&doc)
                    .send()
                    .await
                    .map_err(|e| {
                        not_yet(
                            format!("Setting the TLS-only policy of bucket \"{bucket}\""),
                            e,
                        )
                    })
            },
        )
        .await?;
    }
    match lifecycle(s, suffix)? {
        Some(rule) => {
            let config = BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(|e| CompositeError::new("Building the lifecycle rule", e.to_string()))?;
            s3.put_bucket_lifecycle_configuration()
                .bucket(&bucket)
                .lifecycle_configuration(config)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Setting the lifecycle of bucket \"{bucket}\""), &e)
                })?;
        }
        None => {
            s3.delete_bucket_lifecycle()
                .bucket(&bucket)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(
                        format!("Removing the lifecycle of bucket \"{bucket}\""),
                        &e,
                    )
                })?;
        }
    }
    let mut tagging = Tagging::builder();
    for (k, v) in s.bucket_tags(suffix) {
        tagging = tagging.tag_set(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| CompositeError::new("Building tags", e.to_string()))?,
        );
    }
    let tagging = tagging
        .build()
        .map_err(|e| CompositeError::new("Building tags", e.to_string()))?;
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Tagging bucket \"{bucket}\""), &e))?;
    Ok(())
}

async fn read_tags(ctx: &Ctx, bucket: &str) -> Result<Vec<(String, String)>, CompositeError> {
    match ctx
        .clients
        .s3()
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchTagSet") => Ok(Vec::new()),
        Err(e) => Err(CompositeError::aws(
            format!("Reading the tags of \"{bucket}\""),
            &e,
        )),
    }
}

/// Whether the bucket exists (`None`: gone) and has every guaranteed setting.
async fn observe(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
) -> Result<Option<bool>, CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = s.bucket_name(suffix);
    if let Err(err) = s3.head_bucket().bucket(&bucket).send().await {
        let not_found = err
            .raw_response()
            .is_some_and(|r| r.status().as_u16() == 404)
            || err.as_service_error().is_some_and(|e| e.is_not_found());
        if not_found {
            return Ok(None);
        }
        return Err(CompositeError::aws(
            format!("Reading bucket \"{bucket}\""),
            &err,
        ));
    }
    let read = |what: &str| format!("Reading {what} of \"{bucket}\"");
    let versioned = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .map_err(|e| CompositeError::aws(read("versioning"), &e))?
        .status()
        == Some(&BucketVersioningStatus::Enabled);
    let encrypted = match s3.get_bucket_encryption().bucket(&bucket).send().await {
        Ok(out) => out
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .is_some(),
        Err(e)
            if error_code(&e).as_deref()
                == Some("ServerSideEncryptionConfigurationNotFoundError") =>
        {
            false
        }
        Err(e) => return Err(CompositeError::aws(read("encryption"), &e)),
    };
    let blocked = match s3.get_public_access_block().bucket(&bucket).send().await {
        Ok(out) => out.public_access_block_configuration().is_some_and(|c| {
            c.block_public_acls() == Some(true)
                && c.ignore_public_acls() == Some(true)
                && c.block_public_policy() == Some(true)
                && c.restrict_public_buckets() == Some(true)
        }),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchPublicAccessBlockConfiguration") => {
            false
        }
        Err(e) => return Err(CompositeError::aws(read("the public access block"), &e)),
    };
    let tls = if tls_policy_applies(Some(&ctx.clients)) {
        match s3.get_bucket_policy().bucket(&bucket).send().await {
            Ok(out) => out.policy().is_some_and(|p| p.contains(TLS_SID)),
            Err(e) if error_code(&e).as_deref() == Some("NoSuchBucketPolicy") => false,
            Err(e) => return Err(CompositeError::aws(read("the policy"), &e)),
        }
    } else {
        true
    };
    let want = lifecycle(s, suffix)?;
    let lifecycle_ok = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
    {
        Ok(out) => {
            let ours = out.rules().iter().find(|r| r.id() == Some(LIFECYCLE_ID));
            match (&want, ours) {
                (None, None) => true,
                (Some(w), Some(h)) => {
                    w.transitions().first().and_then(|t| t.days())
                        == h.transitions().first().and_then(|t| t.days())
                        && w.noncurrent_version_expiration()
                            .and_then(|n| n.noncurrent_days())
                            == h.noncurrent_version_expiration()
                                .and_then(|n| n.noncurrent_days())
                }
                _ => false,
            }
        }
        Err(e) if error_code(&e).as_deref() == Some("NoSuchLifecycleConfiguration") => {
            want.is_none()
        }
        Err(e) => return Err(CompositeError::aws(read("the lifecycle"), &e)),
    };
    let tags: std::collections::BTreeMap<String, String> =
        read_tags(ctx, &bucket).await?.into_iter().collect();
    let tagged = tags == s.bucket_tags(suffix);
    Ok(Some(
        versioned && encrypted && blocked && tls && lifecycle_ok && tagged,
    ))
}

async fn delete_one(ctx: &Ctx, s: &DataPipelineState, suffix: &str) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = known_name(s, suffix);
    let force = s.force_destroy.as_option() == Some(true);
    if force {
        empty(ctx, &bucket).await?;
    }
    retry(&ctx.deadline, "deleting the bucket", RetryPolicy::default(), || async {
        match s3.delete_bucket().bucket(&bucket).send().await {
            Ok(_) => Ok(()),
            Err(err) => match error_code(&err).as_deref() {
                Some("NoSuchBucket") => Ok(()),
                Some("BucketNotEmpty") if force => Err(Attempt::Retry(CompositeError::aws(
                    format!("Deleting bucket \"{bucket}\""),
                    &err,
                ))),
                Some("BucketNotEmpty") => Err(Attempt::Fail(CompositeError::new(
                    format!("Bucket \"{bucket}\" is not empty"),
                    format!("bucket \"{bucket}\" still holds objects, so it was not deleted. Move them, or set force_destroy = true (and apply) to delete every version with the bucket."),
                ))),
                _ => Err(Attempt::Fail(CompositeError::aws(
                    format!("Deleting bucket \"{bucket}\""),
                    &err,
                ))),
            },
        }
    })
    .await
}

/// The recorded name of bucket `suffix` (the derived one when the state lacks it).
fn known_name(s: &DataPipelineState, suffix: &str) -> String {
    s.bucket_names
        .as_ref_option()
        .and_then(|m| m.get(suffix))
        .and_then(|v| v.as_ref_option().cloned())
        .unwrap_or_else(|| s.bucket_name(suffix))
}

async fn empty(ctx: &Ctx, bucket: &str) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    loop {
        let out = match s3.list_object_versions().bucket(bucket).send().await {
            Ok(out) => out,
            Err(err) if error_code(&err).as_deref() == Some("NoSuchBucket") => return Ok(()),
            Err(err) => {
                return Err(CompositeError::aws(
                    format!("Listing versions of \"{bucket}\""),
                    &err,
                ))
            }
        };
        let ids: Vec<(String, Option<String>)> = out
            .versions()
            .iter()
            .map(|v| {
                (
                    v.key().unwrap_or_default().to_string(),
                    v.version_id().map(str::to_string),
                )
            })
            .chain(out.delete_markers().iter().map(|m| {
                (
                    m.key().unwrap_or_default().to_string(),
                    m.version_id().map(str::to_string),
                )
            }))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        for (key, version) in ids {
            s3.delete_object()
                .bucket(bucket)
                .key(&key)
                .set_version_id(version)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Deleting \"{key}\" in \"{bucket}\""), &e)
                })?;
        }
    }
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
                delete_one(ctx, prior, &suffix).await?;
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
            let changed = prior.bucket_block(suffix) != planned.bucket_block(suffix)
                || planned.tags_changed(prior);
            if !ok_before || changed {
                configure(ctx, &planned, suffix).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for suffix in keys(&state.bucket_arns) {
            delete_one(ctx, state, &suffix).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_policy_denies_plain_http() {
        let v: serde_json::Value = serde_json::from_str(&tls_policy("aws", "ml-raw")).unwrap();
        assert_eq!(v["Statement"][0]["Effect"], "Deny");
        assert_eq!(
            v["Statement"][0]["Resource"],
            serde_json::json!(["arn:aws:s3:::ml-raw", "arn:aws:s3:::ml-raw/*"])
        );
    }
}

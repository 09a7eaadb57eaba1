//! Child `bucket`: the state bucket; create, configure (the always-on settings), read, delete.

use std::collections::BTreeMap;

use crate::tf::Value;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CreateBucketConfiguration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging,
};

use async_trait::async_trait;

use super::{StateBackendState, VERSIONING_ENABLED};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::map;

/// Sid of the statement that denies plain-HTTP access.
pub const TLS_SID: &str = "BlueprintDenyInsecureTransport";
/// Id of the lifecycle rule for noncurrent versions.
pub const LIFECYCLE_ID: &str = "blueprint-noncurrent-version-expiration";

fn arn(ctx: &Ctx, bucket: &str) -> String {
    format!("arn:{}:s3:::{bucket}", ctx.clients.partition())
}

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

/// Errors that mean "the bucket is not visible yet": retried.
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

/// Create the bucket, record it, then apply every always-on setting.
pub async fn create(
    ctx: &Ctx,
    planned: &StateBackendState,
    rec: &Recorder<StateBackendState>,
) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = planned.bucket_name().to_string();
    // CreateBucket of a bucket one already owns succeeds in us-east-1: look first. A bucket
    // left by an interrupted create of this resource is adopted, another one refused by name.
    if exists(ctx, &bucket).await? {
        let tags = tags_of(ctx, &bucket).await?;
        if !owned(
            tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &planned.owner(),
        ) {
            let mut err = not_ours(&format!("S3 bucket \"{bucket}\""), &planned.owner());
            err.detail.push_str(" To manage it with this resource, import it: `terraform import ADDR BUCKET[,TABLE]`.");
            return Err(err);
        }
        rec.record(|s| s.bucket_arn = Value::Value(arn(ctx, &bucket)));
        return configure(ctx, planned, rec).await;
    }
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
        // A retried CreateBucket whose first attempt went through.
        Err(err) if error_code(&err).as_deref() == Some("BucketAlreadyOwnedByYou") => {}
        Err(err) => {
            return Err(CompositeError::aws(
                format!("Creating S3 bucket \"{bucket}\""),
                &err,
            ))
        }
    }
    rec.record(|s| s.bucket_arn = Value::Value(arn(ctx, &bucket)));
    configure(ctx, planned, rec).await
}

/// Apply (or repair) every setting of the bucket to what `planned` says. Idempotent.
pub async fn configure(
    ctx: &Ctx,
    planned: &StateBackendState,
    rec: &Recorder<StateBackendState>,
) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = planned.bucket_name().to_string();
    let policy = RetryPolicy::default();

    // Tags first: the owner tag is what lets a later create adopt this bucket.
    let tags = planned.child_tags();
    if tags.is_empty() {
        s3.delete_bucket_tagging()
            .bucket(&bucket)
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Removing the tags of bucket \"{bucket}\""), &e)
            })?;
    } else {
        let mut tagging = Tagging::builder();
        for (k, v) in &tags {
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
        retry(&ctx.deadline, "tagging the bucket", policy, || async {
            s3.put_bucket_tagging()
                .bucket(&bucket)
                .tagging(tagging.clone())
                .send()
                .await
                .map_err(|e| not_yet(format!("Tagging bucket \"{bucket}\""), e))
        })
        .await?;
    }

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
    rec.record(|s| s.public_access_blocked = Value::Value(true));

    retry(&ctx.deadline, "enabling versioning", policy, || async {
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| not_yet(format!("Enabling versioning on bucket \"{bucket}\""), e))
    })
    .await?;
    rec.record(|s| s.versioning = Value::Value(VERSIONING_ENABLED.to_string()));

    let kms = planned.kms_key_arn.as_ref_option().cloned();
    retry(&ctx.deadline, "enabling encryption", policy, || async {
        let mut default =
            ServerSideEncryptionByDefault::builder().sse_algorithm(if kms.is_some() {
                ServerSideEncryption::AwsKms
            } else {
                ServerSideEncryption::Aes256
            });
        if let Some(k) = &kms {
            default = default.kms_master_key_id(k);
        }
        let default = default.build().map_err(|e| {
            Attempt::Fail(CompositeError::new(
                "Building the encryption rule",
                e.to_string(),
            ))
        })?;
        let config = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .bucket_key_enabled(kms.is_some())
                    .build(),
            )
            .build()
            .map_err(|e| {
                Attempt::Fail(CompositeError::new(
                    "Building the encryption rule",
                    e.to_string(),
                ))
            })?;
        s3.put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(config)
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
    let sse = planned.desired_sse().to_string();
    rec.record(|s| s.sse_algorithm = Value::Value(sse));

    if super::tls_policy_applies(Some(&ctx.clients)) {
        let policy_doc = tls_policy(ctx.clients.partition(), &bucket);
        retry(
            &ctx.deadline,
            "setting the TLS-only policy",
            policy,
            || async {
                s3.put_bucket_policy()
                    .bucket(&bucket)
                    .policy(&policy_doc)
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
        rec.record(|s| s.tls_only_policy = Value::Value(true));
    } else {
        rec.record(|s| s.tls_only_policy = Value::Value(false));
    }

    match planned.noncurrent_version_expiration_days {
        Value::Value(days) => {
            let rule = LifecycleRule::builder()
                .id(LIFECYCLE_ID)
                .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days as i32)
                        .build(),
                )
                .build()
                .map_err(|e| CompositeError::new("Building the lifecycle rule", e.to_string()))?;
            let config = BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(|e| CompositeError::new("Building the lifecycle rule", e.to_string()))?;
            retry(&ctx.deadline, "setting the lifecycle", policy, || async {
                s3.put_bucket_lifecycle_configuration()
                    .bucket(&bucket)
                    .lifecycle_configuration(config.clone())
                    .send()
                    .await
                    .map_err(|e| {
                        not_yet(format!("Setting the lifecycle of bucket \"{bucket}\""), e)
                    })
            })
            .await?;
        }
        _ => {
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

    Ok(())
}

/// Whether bucket `bucket` exists (and is reachable with these credentials).
async fn exists(ctx: &Ctx, bucket: &str) -> Result<bool, CompositeError> {
    match ctx.clients.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(err) => {
            let not_found = err
                .raw_response()
                .is_some_and(|r| r.status().as_u16() == 404)
                || err.as_service_error().is_some_and(|e| e.is_not_found());
            if not_found {
                Ok(false)
            } else {
                Err(CompositeError::aws(
                    format!("Reading bucket \"{bucket}\""),
                    &err,
                ))
            }
        }
    }
}

/// The bucket's tags (none: empty).
async fn tags_of(ctx: &Ctx, bucket: &str) -> Result<BTreeMap<String, String>, CompositeError> {
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
        Err(err) if error_code(&err).as_deref() == Some("NoSuchTagSet") => Ok(BTreeMap::new()),
        Err(err) => Err(CompositeError::aws(
            format!("Reading the tags of \"{bucket}\""),
            &err,
        )),
    }
}

/// Refresh `state` from the bucket. `Ok(false)`: the bucket is gone.
pub async fn read(ctx: &Ctx, state: &mut StateBackendState) -> Result<bool, CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = state.bucket_name().to_string();
    if !exists(ctx, &bucket).await? {
        return Ok(false);
    }
    state.bucket_arn = Value::Value(arn(ctx, &bucket));

    let versioning = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading versioning of \"{bucket}\""), &e))?;
    state.versioning = Value::Value(
        versioning
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Disabled".to_string()),
    );

    match s3.get_bucket_encryption().bucket(&bucket).send().await {
        Ok(out) => {
            let default = out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default());
            state.sse_algorithm = Value::Value(
                default
                    .map(|d| d.sse_algorithm().as_str().to_string())
                    .unwrap_or_default(),
            );
            state.kms_key_arn = default
                .and_then(|d| d.kms_master_key_id())
                .map(|k| Value::Value(k.to_string()))
                .unwrap_or(Value::Null);
        }
        Err(err)
            if error_code(&err).as_deref()
                == Some("ServerSideEncryptionConfigurationNotFoundError") =>
        {
            state.sse_algorithm = Value::Value(String::new());
        }
        Err(err) => {
            return Err(CompositeError::aws(
                format!("Reading encryption of \"{bucket}\""),
                &err,
            ))
        }
    }

    state.public_access_blocked = Value::Value(
        match s3.get_public_access_block().bucket(&bucket).send().await {
            Ok(out) => out.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            }),
            Err(err)
                if error_code(&err).as_deref() == Some("NoSuchPublicAccessBlockConfiguration") =>
            {
                false
            }
            Err(err) => {
                return Err(CompositeError::aws(
                    format!("Reading the public access block of \"{bucket}\""),
                    &err,
                ))
            }
        },
    );

    state.tls_only_policy =
        Value::Value(match s3.get_bucket_policy().bucket(&bucket).send().await {
            Ok(out) => out.policy().is_some_and(has_tls_statement),
            Err(err) if error_code(&err).as_deref() == Some("NoSuchBucketPolicy") => false,
            Err(err) => {
                return Err(CompositeError::aws(
                    format!("Reading the policy of \"{bucket}\""),
                    &err,
                ))
            }
        });

    state.noncurrent_version_expiration_days = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
    {
        Ok(out) => out
            .rules()
            .iter()
            .find(|r| r.id() == Some(LIFECYCLE_ID))
            .and_then(|r| r.noncurrent_version_expiration())
            .and_then(|n| n.noncurrent_days())
            .map(|d| Value::Value(d as i64))
            .unwrap_or(Value::Null),
        Err(err) if error_code(&err).as_deref() == Some("NoSuchLifecycleConfiguration") => {
            Value::Null
        }
        Err(err) => {
            return Err(CompositeError::aws(
                format!("Reading the lifecycle of \"{bucket}\""),
                &err,
            ))
        }
    };

    let all = tags_of(ctx, &bucket).await?;
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

fn has_tls_statement(policy: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return false;
    };
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        s @ serde_json::Value::Object(_) => vec![s.clone()],
        _ => Vec::new(),
    };
    statements.iter().any(|s| {
        s["Effect"] == "Deny"
            && s["Condition"]["Bool"]["aws:SecureTransport"]
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    })
}

/// Refuse early, before anything is deleted, when the bucket holds state and
/// `force_destroy` is off.
pub async fn ensure_deletable(ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
    if state.force_destroy.as_ref_option() == Some(&true) {
        return Ok(());
    }
    let bucket = state.bucket_name();
    match ctx
        .clients
        .s3()
        .list_object_versions()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await
    {
        Ok(out) if !out.versions().is_empty() || !out.delete_markers().is_empty() => {
            Err(CompositeError::new(
                format!("Bucket \"{bucket}\" is not empty"),
                format!(
                    "the state bucket \"{bucket}\" still holds objects (state files and their versions); \
                     it was not deleted, and neither was the lock table. Move the state elsewhere, or set \
                     force_destroy = true (and apply) to delete every version with the bucket."
                ),
            ))
        }
        Ok(_) => Ok(()),
        Err(err) if error_code(&err).as_deref() == Some("NoSuchBucket") => Ok(()),
        Err(err) => Err(CompositeError::aws(format!("Listing bucket \"{bucket}\""), &err)),
    }
}

/// Delete the bucket (and, with `force_destroy`, every object version first). A missing bucket
/// counts as deleted.
pub async fn delete(ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let bucket = state.bucket_name().to_string();
    if state.force_destroy.as_ref_option() == Some(&true) {
        empty(ctx, &bucket).await?;
    }
    retry(
        &ctx.deadline,
        "deleting the bucket",
        RetryPolicy::default(),
        || async {
            match s3.delete_bucket().bucket(&bucket).send().await {
                Ok(_) => Ok(()),
                Err(err) => match error_code(&err).as_deref() {
                    Some("NoSuchBucket") => Ok(()),
                    // Deleted versions can take a moment to disappear.
                    Some("BucketNotEmpty")
                        if state.force_destroy.as_ref_option() == Some(&true) =>
                    {
                        Err(Attempt::Retry(CompositeError::aws(
                            format!("Deleting bucket \"{bucket}\""),
                            &err,
                        )))
                    }
                    Some("BucketNotEmpty") => Err(Attempt::Fail(CompositeError::new(
                        format!("Bucket \"{bucket}\" is not empty"),
                        "set force_destroy = true to delete every object version with the bucket",
                    ))),
                    _ => Err(Attempt::Fail(CompositeError::aws(
                        format!("Deleting bucket \"{bucket}\""),
                        &err,
                    ))),
                },
            }
        },
    )
    .await
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
        let mut ids = Vec::new();
        for v in out.versions() {
            ids.push((
                v.key().unwrap_or_default().to_string(),
                v.version_id().map(str::to_string),
            ));
        }
        for m in out.delete_markers() {
            ids.push((
                m.key().unwrap_or_default().to_string(),
                m.version_id().map(str::to_string),
            ));
        }
        if ids.is_empty() {
            return Ok(());
        }
        for chunk in ids.chunks(1000) {
            let mut delete = aws_sdk_s3::types::Delete::builder().quiet(true);
            for (key, version) in chunk {
                delete = delete.objects(
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.clone())
                        .build()
                        .map_err(|e| {
                            CompositeError::new("Building the delete request", e.to_string())
                        })?,
                );
            }
            let delete = delete
                .build()
                .map_err(|e| CompositeError::new("Building the delete request", e.to_string()))?;
            s3.delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Deleting object versions in \"{bucket}\""), &e)
                })?;
        }
    }
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
        create(ctx, &rec.snapshot(), rec).await
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

    /// Every setting is applied again (idempotent): drift is repaired, changes made.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        _prior: &StateBackendState,
        rec: &Recorder<StateBackendState>,
    ) -> Result<(), CompositeError> {
        configure(ctx, &rec.snapshot(), rec).await
    }

    /// Refused, before anything is deleted, while the bucket holds state and `force_destroy`
    /// is off (the lock table, deleted after it, stays too).
    async fn delete(&self, ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
        ensure_deletable(ctx, state).await?;
        delete(ctx, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_policy_denies_plain_http_on_bucket_and_objects() {
        let doc = tls_policy("aws", "senas-tfstate");
        assert!(has_tls_statement(&doc));
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let s = &v["Statement"][0];
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(s["Principal"], "*");
        assert_eq!(
            s["Resource"],
            serde_json::json!(["arn:aws:s3:::senas-tfstate", "arn:aws:s3:::senas-tfstate/*"])
        );
    }

    #[test]
    fn other_policies_do_not_count_as_tls_only() {
        assert!(!has_tls_statement("not json"));
        assert!(!has_tls_statement(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#
        ));
        assert!(has_tls_statement(
            r#"{"Statement":{"Effect":"Deny","Condition":{"Bool":{"aws:SecureTransport":"False"}}}}"#
        ));
    }
}

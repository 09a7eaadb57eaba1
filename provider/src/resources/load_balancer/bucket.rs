//! The access-log bucket: `NAME-alb-logs-ACCOUNT`, SSE-S3 (the only encryption ELB log delivery
//! writes to), public access blocked, bucket-owner-enforced, and a policy that lets only ELB
//! log delivery write under `AWSLogs/ACCOUNT/` and denies plain HTTP.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_s3::types::{
    CreateBucketConfiguration, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};

use super::LoadBalancerState;
use crate::clients::{error_code, AwsClients};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::{known, map};

/// The log bucket child.
pub struct LogBucket;

/// Sid of the statement letting the ELB log delivery service write.
pub const DELIVERY_SID: &str = "BlueprintElbLogDelivery";
/// Sid of the statement letting the region's ELB account write (regions before August 2022).
pub const ACCOUNT_DELIVERY_SID: &str = "BlueprintElbAccountLogDelivery";
/// Sid of the statement denying plain HTTP.
pub const TLS_SID: &str = "BlueprintDenyInsecureTransport";

/// What the bucket's observed settings read when it is as this resource makes it.
pub fn wanted_settings(_clients: Option<&AwsClients>) -> BTreeMap<String, String> {
    [
        ("sse_algorithm", "AES256"),
        ("public_access_block", "all"),
        ("object_ownership", "BucketOwnerEnforced"),
        ("policy", "blueprint"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The AWS account of ELB log delivery in the regions that predate its service principal.
pub fn elb_account(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "127311923021",
        "us-east-2" => "033677994240",
        "us-west-1" => "027434742980",
        "us-west-2" => "797873946194",
        "af-south-1" => "098369216593",
        "ap-east-1" => "754344448648",
        "ap-southeast-3" => "589379963580",
        "ap-south-1" => "718504428378",
        "ap-northeast-3" => "383597477331",
        "ap-northeast-2" => "600734575887",
        "ap-southeast-1" => "114774131450",
        "ap-southeast-2" => "783225319266",
        "ap-northeast-1" => "582318560864",
        "ca-central-1" => "985666609251",
        "eu-central-1" => "054676820928",
        "eu-west-1" => "156460612806",
        "eu-west-2" => "652711504416",
        "eu-south-1" => "635631232127",
        "eu-west-3" => "009996457667",
        "eu-north-1" => "897822967062",
        "me-south-1" => "076674570225",
        "sa-east-1" => "507241528517",
        "us-gov-west-1" => "048591011584",
        "us-gov-east-1" => "190560391635",
        _ => return None,
    })
}

/// The bucket policy: ELB log delivery may put objects under `AWSLogs/ACCOUNT/`; with `tls`,
/// plain HTTP is denied.
pub fn policy(partition: &str, region: &str, account: &str, bucket: &str, tls: bool) -> String {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    let logs = format!("{arn}/AWSLogs/{account}/*");
    let mut statements = vec![serde_json::json!({
        "Sid": DELIVERY_SID,
        "Effect": "Allow",
        "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": logs,
    })];
    if let Some(elb) = elb_account(region) {
        statements.push(serde_json::json!({
            "Sid": ACCOUNT_DELIVERY_SID,
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{elb}:root")},
            "Action": "s3:PutObject",
            "Resource": logs,
        }));
    }
    if tls {
        statements.push(serde_json::json!({
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Whether two policy documents say the same (JSON equality, key order aside).
fn same_policy(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The account the bucket is named for.
async fn account(ctx: &Ctx) -> Result<String, CompositeError> {
    if let Some(a) = ctx.clients.account_id() {
        return Ok(a.to_string());
    }
    ctx.clients
        .caller_identity()
        .await
        .map(|i| i.account_id)
        .map_err(|e| CompositeError::new("Reading the account id", e.to_string()))
}

fn wanted_policy(ctx: &Ctx, account: &str, bucket: &str) -> String {
    let tls = crate::resources::state_backend::tls_policy_applies(Some(&ctx.clients));
    policy(
        ctx.clients.partition(),
        &ctx.clients.region(),
        account,
        bucket,
        tls,
    )
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

fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, CompositeError> {
    r.map_err(|e| CompositeError::new("Building an S3 request", e.to_string()))
}

/// Apply every setting and the tags. Idempotent.
async fn configure(ctx: &Ctx, s: &LoadBalancerState, bucket: &str) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    let account = account(ctx).await?;
    let rp = RetryPolicy::default();
    retry(&ctx.deadline, "blocking public access", rp, || async {
        s3.put_public_access_block()
            .bucket(bucket)
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
    let ownership = build(
        OwnershipControls::builder()
            .rules(build(
                OwnershipControlsRule::builder()
                    .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                    .build(),
            )?)
            .build(),
    )?;
    retry(&ctx.deadline, "enforcing bucket ownership", rp, || async {
        s3.put_bucket_ownership_controls()
            .bucket(bucket)
            .ownership_controls(ownership.clone())
            .send()
            .await
            .map_err(|e| not_yet(format!("Setting object ownership of \"{bucket}\""), e))
    })
    .await?;
    let sse = build(
        ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(build(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::Aes256)
                            .build(),
                    )?)
                    .build(),
            )
            .build(),
    )?;
    retry(&ctx.deadline, "enabling encryption", rp, || async {
        s3.put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(sse.clone())
            .send()
            .await
            .map_err(|e| not_yet(format!("Enabling encryption of \"{bucket}\""), e))
    })
    .await?;
    let doc = wanted_policy(ctx, &account, bucket);
    retry(&ctx.deadline, "setting the bucket policy", rp, || async {
        s3.put_bucket_policy()
            .bucket(bucket)
            .policy(&doc)
            .send()
            .await
            .map_err(|e| not_yet(format!("Setting the policy of \"{bucket}\""), e))
    })
    .await?;
    let mut tagging = Tagging::builder();
    for (k, v) in &s.child_tags() {
        tagging = tagging.tag_set(build(Tag::builder().key(k).value(v).build())?);
    }
    let tagging = build(tagging.build())?;
    retry(&ctx.deadline, "tagging the bucket", rp, || async {
        s3.put_bucket_tagging()
            .bucket(bucket)
            .tagging(tagging.clone())
            .send()
            .await
            .map_err(|e| not_yet(format!("Tagging bucket \"{bucket}\""), e))
    })
    .await?;
    Ok(())
}

/// The bucket's tags; `None` when it has none.
async fn tags(ctx: &Ctx, bucket: &str) -> Result<Option<Vec<(String, String)>>, CompositeError> {
    match ctx
        .clients
        .s3()
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(t) => Ok(Some(
            t.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        )),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchTagSet") => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading the tags of bucket \"{bucket}\""),
            &e,
        )),
    }
}

/// Whether the bucket exists (and is reachable).
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

/// The observed settings of `bucket`.
async fn observe(ctx: &Ctx, bucket: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    let s3 = ctx.clients.s3();
    let mut out = BTreeMap::new();
    let sse = match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(o) => o
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e)
            if error_code(&e).as_deref()
                == Some("ServerSideEncryptionConfigurationNotFoundError") =>
        {
            "none".into()
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading the encryption of \"{bucket}\""),
                &e,
            ))
        }
    };
    out.insert("sse_algorithm".to_string(), sse);
    let block = match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(o) => {
            let all = o.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            });
            if all {
                "all"
            } else {
                "partial"
            }
        }
        Err(e) if error_code(&e).as_deref() == Some("NoSuchPublicAccessBlockConfiguration") => {
            "none"
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading the public access block of \"{bucket}\""),
                &e,
            ))
        }
    };
    out.insert("public_access_block".to_string(), block.to_string());
    let ownership = match s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(o) => o
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) if error_code(&e).as_deref() == Some("OwnershipControlsNotFoundError") => {
            "none".into()
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading the object ownership of \"{bucket}\""),
                &e,
            ))
        }
    };
    out.insert("object_ownership".to_string(), ownership);
    let policy = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(o) => {
            let account = account(ctx).await?;
            if same_policy(
                o.policy().unwrap_or_default(),
                &wanted_policy(ctx, &account, bucket),
            ) {
                "blueprint"
            } else {
                "modified out of band"
            }
        }
        Err(e) if error_code(&e).as_deref() == Some("NoSuchBucketPolicy") => "none",
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading the policy of \"{bucket}\""),
                &e,
            ))
        }
    };
    out.insert("policy".to_string(), policy.to_string());
    Ok(out)
}

#[async_trait]
impl ChildOps<LoadBalancerState> for LogBucket {
    fn name(&self) -> &'static str {
        "access_logs_bucket"
    }

    fn wanted(&self, s: &LoadBalancerState) -> bool {
        s.access_logs_on() == Some(true)
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let bucket = format!("{}-alb-logs-{}", s.name(), account(ctx).await?);
        if exists(ctx, &bucket).await? {
            // Made by an interrupted create of this resource: adopt it; anything else: refuse.
            let owner = s.owner();
            let ours = tags(ctx, &bucket)
                .await?
                .is_some_and(|t| owned(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), &owner));
            if !ours {
                return Err(not_ours(&format!("S3 bucket \"{bucket}\""), &owner));
            }
        } else {
            let region = ctx.clients.region();
            let mut req = ctx.clients.s3().create_bucket().bucket(&bucket);
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(region.as_str().into())
                        .build(),
                );
            }
            match req.send().await {
                Ok(_) => {}
                Err(e) if error_code(&e).as_deref() == Some("BucketAlreadyOwnedByYou") => {}
                Err(e) => {
                    return Err(CompositeError::aws(
                        format!("Creating S3 bucket \"{bucket}\""),
                        &e,
                    ))
                }
            }
        }
        rec.record(|s| s.access_logs_bucket = Value::Value(bucket.clone()));
        configure(ctx, &rec.snapshot(), &bucket).await?;
        rec.record(|s| s.access_logs_bucket_settings = map(wanted_settings(None)));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let bucket = known(&s.access_logs_bucket).unwrap_or_default().to_string();
        if !exists(ctx, &bucket).await? {
            return Ok(Found::Gone);
        }
        let seen = observe(ctx, &bucket).await?;
        rec.record(|s| s.access_logs_bucket_settings = map(seen));
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &LoadBalancerState,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let bucket = known(&s.access_logs_bucket).unwrap_or_default().to_string();
        if prior.tags_all != s.tags_all
            || prior.access_logs_bucket_settings != s.access_logs_bucket_settings
        {
            configure(ctx, &s, &bucket).await?;
        }
        rec.record(|s| s.access_logs_bucket_settings = map(wanted_settings(None)));
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        let Some(bucket) = known(&state.access_logs_bucket) else {
            return Ok(());
        };
        empty(ctx, bucket).await?;
        match ctx.clients.s3().delete_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e).as_deref() == Some("NoSuchBucket") => Ok(()),
            Err(e) => Err(CompositeError::aws(
                format!("Deleting bucket \"{bucket}\""),
                &e,
            )),
        }
    }
}

/// Delete every object of `bucket` (the logs go with the load balancer).
async fn empty(ctx: &Ctx, bucket: &str) -> Result<(), CompositeError> {
    let s3 = ctx.clients.s3();
    loop {
        let out = match s3.list_objects_v2().bucket(bucket).send().await {
            Ok(o) => o,
            Err(e) if error_code(&e).as_deref() == Some("NoSuchBucket") => return Ok(()),
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Listing the logs in \"{bucket}\""),
                    &e,
                ))
            }
        };
        let keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let mut delete = aws_sdk_s3::types::Delete::builder().quiet(true);
        for k in keys {
            delete = delete.objects(build(
                aws_sdk_s3::types::ObjectIdentifier::builder()
                    .key(k)
                    .build(),
            )?);
        }
        s3.delete_objects()
            .bucket(bucket)
            .delete(build(delete.build())?)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Deleting the logs in \"{bucket}\""), &e))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_lets_only_log_delivery_write_and_denies_plain_http() {
        let p: serde_json::Value =
            serde_json::from_str(&policy("aws", "us-east-1", "123456789012", "b", true)).unwrap();
        let st = p["Statement"].as_array().unwrap();
        assert_eq!(st.len(), 3);
        assert_eq!(st[0]["Resource"], "arn:aws:s3:::b/AWSLogs/123456789012/*");
        assert_eq!(st[1]["Principal"]["AWS"], "arn:aws:iam::127311923021:root");
        assert_eq!(st[2]["Condition"]["Bool"]["aws:SecureTransport"], "false");
        let newer: serde_json::Value =
            serde_json::from_str(&policy("aws", "ap-southeast-5", "1", "b", false)).unwrap();
        assert_eq!(newer["Statement"].as_array().unwrap().len(), 1);
        assert!(same_policy(
            r#"{"a":1,"b":[1,2]}"#,
            r#"{ "b": [1, 2], "a": 1 }"#
        ));
        assert!(!same_policy(r#"{"a":1}"#, r#"{"a":2}"#));
    }
}

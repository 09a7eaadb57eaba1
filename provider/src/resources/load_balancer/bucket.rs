//! The access-log bucket, through the S3 bucket kind: `NAME-alb-logs-ACCOUNT`, SSE-S3 (the only
//! encryption ELB log delivery writes to), public access blocked, bucket-owner-enforced, not
//! versioned (its logs go with the load balancer), and a policy that lets only ELB log
//! delivery write under `AWSLogs/ACCOUNT/` and (where the endpoint allows it) denies plain
//! HTTP.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::ObjectOwnership;

use super::LoadBalancerState;
use crate::clients::AwsClients;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::s3_bucket::{BucketSpec, Encryption, Policy, S3Bucket, Versioning};
use crate::kinds::{converge, ensure_recording, Kind};
use crate::tf::Value;
use crate::tf_value::{known, map};

/// The log bucket child.
pub struct LogBucket;

/// Sid of the statement letting the ELB log delivery service write.
pub const DELIVERY_SID: &str = "BlueprintElbLogDelivery";
/// Sid of the statement letting the region's ELB account write (regions before August 2022).
pub const ACCOUNT_DELIVERY_SID: &str = "BlueprintElbAccountLogDelivery";

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

/// The statements letting ELB log delivery put objects under `AWSLogs/ACCOUNT/` (the kind adds
/// the one denying plain HTTP).
pub fn delivery_statements(
    partition: &str,
    region: &str,
    account: &str,
    bucket: &str,
) -> Vec<serde_json::Value> {
    let logs = format!("arn:{partition}:s3:::{bucket}/AWSLogs/{account}/*");
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
    statements
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

/// The log bucket as the resource makes it.
fn spec(ctx: &Ctx, account: &str, bucket: &str) -> BucketSpec {
    let secure = BucketSpec::secure(bucket, &ctx.clients);
    BucketSpec {
        versioning: Versioning::Off,
        encryption: Encryption::Aes256,
        object_ownership: Some(ObjectOwnership::BucketOwnerEnforced),
        policy: Policy {
            statements: delivery_statements(
                ctx.clients.partition(),
                &ctx.clients.region(),
                account,
                bucket,
            ),
            ..secure.policy.clone()
        },
        ..secure
    }
}

/// The observed settings, in the words of [`wanted_settings`].
fn settings(seen: &BucketSpec, want: &BucketSpec) -> BTreeMap<String, String> {
    let sse = match seen.encryption.algorithm() {
        "" => "none",
        a => a,
    };
    let block = if seen.public_access_block.all() {
        "all"
    } else if seen.public_access_block.none() {
        "none"
    } else {
        "partial"
    };
    let ownership = seen
        .object_ownership
        .as_ref()
        .map_or("none", |o| o.as_str());
    let policy = if seen.policy == want.policy {
        "blueprint"
    } else if seen.policy == Policy::default() {
        "none"
    } else {
        "modified out of band"
    };
    [
        ("sse_algorithm", sse),
        ("public_access_block", block),
        ("object_ownership", ownership),
        ("policy", policy),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The kind: the logs go with the load balancer, so the bucket is always emptied first.
const KIND: S3Bucket = S3Bucket {
    empty_on_delete: true,
};

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
        let account = account(ctx).await?;
        let bucket = format!("{}-alb-logs-{account}", s.name());
        ensure_recording(
            &KIND,
            ctx,
            &spec(ctx, &account, &bucket),
            &s.child_tags(),
            &s.owner(),
            |_| rec.record(|s| s.access_logs_bucket = Value::Value(bucket.clone())),
        )
        .await?;
        rec.record(|s| s.access_logs_bucket_settings = map(wanted_settings(None)));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(bucket) = known(&s.access_logs_bucket).map(str::to_string) else {
            return Ok(Found::Gone);
        };
        let Some((seen, _)) = KIND.read(ctx, &bucket).await? else {
            return Ok(Found::Gone);
        };
        let want = spec(ctx, &account(ctx).await?, &bucket);
        rec.record(|s| s.access_logs_bucket_settings = map(settings(&seen, &want)));
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &LoadBalancerState,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let Some(bucket) = known(&s.access_logs_bucket).map(str::to_string) else {
            return Ok(());
        };
        if prior.tags_all != s.tags_all
            || prior.access_logs_bucket_settings != s.access_logs_bucket_settings
        {
            let want = spec(ctx, &account(ctx).await?, &bucket);
            converge(&KIND, ctx, &bucket, &want, &s.child_tags()).await?;
        }
        rec.record(|s| s.access_logs_bucket_settings = map(wanted_settings(None)));
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        let Some(bucket) = known(&state.access_logs_bucket) else {
            return Ok(());
        };
        KIND.delete(ctx, &bucket.to_string()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_log_delivery_may_write() {
        let st = delivery_statements("aws", "us-east-1", "123456789012", "b");
        assert_eq!(st.len(), 2);
        assert_eq!(st[0]["Resource"], "arn:aws:s3:::b/AWSLogs/123456789012/*");
        assert_eq!(st[1]["Principal"]["AWS"], "arn:aws:iam::127311923021:root");
        let newer = delivery_statements("aws", "ap-southeast-5", "1", "b");
        assert_eq!(newer.len(), 1);
    }
}

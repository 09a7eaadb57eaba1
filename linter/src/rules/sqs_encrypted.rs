//! `sqs-encrypted`: SQS queues keep server-side encryption on.

use super::support::names_key;
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct SqsEncrypted;

static META: RuleMeta = RuleMeta {
    id: "sqs-encrypted",
    title: "SQS queues keep encryption at rest",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption at rest: RDS, S3, DynamoDB, SQS, SNS",
    },
    description: "SQS queues do not turn off server-side encryption (`sqs_managed_sse_enabled = false` without a KMS key).",
    fix: "Remove `sqs_managed_sse_enabled = false`, or set `kms_master_key_id`.",
    checkov: &["CKV_AWS_27"],
    trivy: &["AVD-AWS-0096"],
    checks: r##"`aws_sqs_queue` with `sqs_managed_sse_enabled = false` and no `kms_master_key_id`, or a `kms_master_key_id` of `""` (no key to AWS). New queues get SSE-SQS by default, so only turning it off is reported."##,
    notes: "",
    reads: &["aws_sqs_queue"],
    prod_only: false,
};

impl Rule for SqsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.model
            .of_types(&["aws_sqs_queue"])
            .filter(|r| {
                r.attributes.get("sqs_managed_sse_enabled").as_bool() == Some(false)
                    && names_key(r.attributes.get("kms_master_key_id")) == Some(false)
            })
            .map(|r| {
                ctx.finding(
                    &META,
                    r,
                    crate::path!["sqs_managed_sse_enabled"],
                    "server-side encryption is turned off".to_string(),
                )
            })
            .collect()
    }
}

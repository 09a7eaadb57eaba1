//! `sns-encrypted`: SNS topics use server-side encryption (off by default).

use super::support::names_key;
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct SnsEncrypted;

static META: RuleMeta = RuleMeta {
    id: "sns-encrypted",
    title: "SNS topics are encrypted at rest",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption at rest: RDS, S3, DynamoDB, SQS, SNS",
    },
    description:
        "SNS topics set `kms_master_key_id`; SNS does not encrypt messages at rest by default.",
    fix: "Set `kms_master_key_id = \"alias/aws/sns\"` or a customer-managed key.",
    checkov: &["CKV_AWS_26"],
    trivy: &["AVD-AWS-0095"],
    checks: r##"`aws_sns_topic` without `kms_master_key_id`, or with it set to `""` (what a variable defaulting to an empty string gives: AWS reads it as no key): unlike SQS, SNS does not encrypt at rest by default. A key known only after apply is not reported."##,
    notes: "",
    reads: &["aws_sns_topic"],
    prod_only: false,
};

impl Rule for SnsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.model
            .of_types(&["aws_sns_topic"])
            .filter(|r| names_key(r.attributes.get("kms_master_key_id")) == Some(false))
            .map(|r| {
                ctx.finding(
                    &META,
                    r,
                    crate::path!["kms_master_key_id"],
                    "topic is not encrypted at rest".to_string(),
                )
            })
            .collect()
    }
}

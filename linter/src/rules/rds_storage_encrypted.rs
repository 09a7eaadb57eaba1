//! `rds-storage-encrypted`: RDS instances and Aurora clusters encrypt storage at rest.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct RdsStorageEncrypted;

static META: RuleMeta = RuleMeta {
    id: "rds-storage-encrypted",
    title: "RDS storage is encrypted",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption at rest: RDS, S3, DynamoDB, SQS, SNS",
    },
    description: "RDS DB instances and Aurora/RDS clusters set `storage_encrypted = true` (it defaults to false).",
    fix: "Set `storage_encrypted = true` (and `kms_key_id` for a customer-managed key). Existing databases must be restored from an encrypted snapshot.",
    checkov: &["CKV_AWS_16", "CKV_AWS_96"],
    trivy: &["AVD-AWS-0080", "AVD-AWS-0079"],
    checks: r##"`aws_db_instance` and `aws_rds_cluster` without `storage_encrypted = true` (it defaults to false). Read replicas, Aurora member instances (encrypted through their cluster) and serverless v1 clusters (always encrypted) are skipped."##,
    notes: r##"S3 and DynamoDB are not checked: AWS encrypts every S3 object (SSE-S3, since January 2023) and every DynamoDB table at rest without configuration, so a rule would only report noise."##,
    reads: &["aws_db_instance", "aws_rds_cluster"],
    prod_only: false,
};

impl Rule for RdsStorageEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_db_instance", "aws_rds_cluster"]) {
            let a = &r.attributes;
            // Replicas inherit encryption; serverless v1 clusters are always encrypted.
            if !a.get("replicate_source_db").is_null()
                || a.get("engine_mode").as_str() == Some("serverless")
            {
                continue;
            }
            // Aurora instances take storage settings from their cluster.
            if r.resource_type == "aws_db_instance"
                && a.get("engine")
                    .as_str()
                    .is_some_and(|e| e.starts_with("aurora"))
            {
                continue;
            }
            let v = a.get("storage_encrypted");
            if v.is_null() || v.as_bool() == Some(false) {
                out.push(ctx.finding(
                    &META,
                    r,
                    crate::path!["storage_encrypted"],
                    "storage is not encrypted at rest".to_string(),
                ));
            }
        }
        out
    }
}

//! `ebs-encrypted`: EBS volumes, and the block devices of instances and launch templates, are
//! encrypted.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, PathStep, Severity};
use crate::model::Value;

/// The rule.
pub struct EbsEncrypted;

static META: RuleMeta = RuleMeta {
    id: "ebs-encrypted",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption at rest: RDS, S3, DynamoDB, SQS, SNS",
    },
    description: "EBS volumes and the block devices declared on instances and launch templates set `encrypted = true`.",
    fix: "Set `encrypted = true` (and `kms_key_id` for a customer-managed key), or turn on EBS encryption by default with `aws_ebs_encryption_by_default`.",
    checkov: &["CKV_AWS_3", "CKV_AWS_8"],
    trivy: &["AVD-AWS-0026", "AVD-AWS-0131"],
    prod_only: false,
};

fn unencrypted(v: &Value) -> bool {
    v.is_null() || v.as_bool() == Some(false)
}

impl Rule for EbsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        // Account-wide default encryption makes every volume encrypted.
        if ctx
            .model
            .of_types(&["aws_ebs_encryption_by_default"])
            .any(|r| r.attributes.get("enabled").as_bool() != Some(false))
        {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut flag = |r, path: Vec<PathStep>, what: &str| {
            out.push(ctx.finding(&META, r, path, format!("{what} is not encrypted")));
        };
        for r in ctx.model.of_types(&["aws_ebs_volume"]) {
            if r.attributes.get("snapshot_id").is_null()
                && unencrypted(r.attributes.get("encrypted"))
            {
                flag(r, crate::path!["encrypted"], "volume");
            }
        }
        for r in ctx.model.of_types(&["aws_instance"]) {
            for name in ["root_block_device", "ebs_block_device"] {
                for (i, b) in r.attributes.blocks(name) {
                    if unencrypted(b.get("encrypted")) && b.get("snapshot_id").is_null() {
                        flag(r, crate::path![name, i, "encrypted"], name);
                    }
                }
            }
        }
        for r in ctx.model.of_types(&["aws_launch_template"]) {
            for (i, m) in r.attributes.blocks("block_device_mappings") {
                for (j, ebs) in m.blocks("ebs") {
                    if unencrypted(ebs.get("encrypted")) && ebs.get("snapshot_id").is_null() {
                        flag(
                            r,
                            crate::path!["block_device_mappings", i, "ebs", j, "encrypted"],
                            "block device mapping",
                        );
                    }
                }
            }
        }
        out
    }
}

//! `dynamodb-pitr` (prod): DynamoDB tables have point-in-time recovery.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct DynamodbPitr;

static META: RuleMeta = RuleMeta {
    id: "dynamodb-pitr",
    title: "DynamoDB tables have point-in-time recovery",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "| **DynamoDB PITR** | Disabled | Enabled |",
    },
    description: "With the prod profile, DynamoDB tables enable point-in-time recovery.",
    fix: "Add `point_in_time_recovery { enabled = true }`.",
    checkov: &["CKV_AWS_28"],
    trivy: &["AVD-AWS-0024"],
    checks: r##"With `--profile prod`: `aws_dynamodb_table` without `point_in_time_recovery { enabled = true }`. A Terraform lock table (`hash_key = "LockID"`) is skipped."##,
    notes: "",
    reads: &["aws_dynamodb_table"],
    prod_only: true,
};

impl Rule for DynamodbPitr {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_dynamodb_table"]) {
            // The Terraform lock table holds no data worth recovering.
            if r.attributes.get("hash_key").as_str() == Some("LockID") {
                continue;
            }
            let blocks = r.attributes.blocks("point_in_time_recovery");
            let (path, enabled) = match blocks.first() {
                None => (crate::path!["point_in_time_recovery"], Some(false)),
                Some((i, b)) => (
                    crate::path!["point_in_time_recovery", *i, "enabled"],
                    if b.get("enabled").is_null() {
                        Some(false)
                    } else {
                        b.get("enabled").as_bool()
                    },
                ),
            };
            if enabled == Some(false) {
                out.push(ctx.finding(&META, r, path, "point-in-time recovery is off".to_string()));
            }
        }
        out
    }
}

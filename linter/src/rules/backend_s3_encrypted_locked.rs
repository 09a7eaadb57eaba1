//! `backend-s3-encrypted-locked`: the `backend "s3"` block encrypts the state and locks it.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Mode;

/// The rule.
pub struct BackendS3EncryptedLocked;

static META: RuleMeta = RuleMeta {
    id: "backend-s3-encrypted-locked",
    title: "The S3 state backend is encrypted and locked",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "DynamoDB Table: aplicacion-senas-terraform-locks",
    },
    description: "The `backend \"s3\"` block sets `encrypt = true` and a lock (`dynamodb_table` or `use_lockfile = true`).",
    fix: "Add `encrypt = true` and `dynamodb_table = \"<locks table>\"` (or `use_lockfile = true` on Terraform 1.10+).",
    checkov: &[],
    trivy: &[],
    checks: r##"A `terraform { backend "s3" { ... } }` block without `encrypt = true`, or without a lock: `dynamodb_table` or (Terraform 1.10+) `use_lockfile = true`. Seed 001 states both the encrypted state bucket and the lock table that "prevents concurrent modifications"."##,
    notes: r##"Checkov, Trivy, tflint and KICS do not read backend blocks."##,
    reads: &[],
    prod_only: false,
};

impl Rule for BackendS3EncryptedLocked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for b in ctx
            .model
            .resources
            .iter()
            .filter(|r| r.mode == Mode::Backend && r.resource_type == "s3")
        {
            let a = &b.attributes;
            let encrypt = a.get("encrypt");
            if encrypt.is_null() || encrypt.as_bool() == Some(false) {
                out.push(ctx.finding(
                    &META,
                    b,
                    crate::path!["encrypt"],
                    "state is stored without `encrypt = true`".to_string(),
                ));
            }
            let lockfile = a.get("use_lockfile").as_bool();
            if a.get("dynamodb_table").is_null()
                && lockfile != Some(true)
                && !a.get("use_lockfile").is_unknown()
            {
                out.push(
                    ctx.finding(
                        &META,
                        b,
                        crate::path!["dynamodb_table"],
                        "state is not locked: no `dynamodb_table` nor `use_lockfile = true`"
                            .to_string(),
                    ),
                );
            }
        }
        out
    }
}

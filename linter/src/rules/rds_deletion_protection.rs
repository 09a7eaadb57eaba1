//! `rds-deletion-protection`: production databases refuse deletion and leave a final snapshot.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct RdsDeletionProtection;

static META: RuleMeta = RuleMeta {
    id: "rds-deletion-protection",
    title: "Production databases are protected from deletion",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "| **RDS Backups** | 3 days | 14 days |",
    },
    description: "With the prod profile, RDS instances and Aurora clusters have deletion protection on and take a final snapshot when deleted.",
    fix: "Set `deletion_protection = true` and leave `skip_final_snapshot` false (with a `final_snapshot_identifier`) on production databases; `blueprint_database` does both with `profile = \"prod\"` unless told otherwise.",
    checkov: &["CKV_AWS_139", "CKV_AWS_293"],
    trivy: &["AVD-AWS-0177"],
    checks: r##"With `--profile prod` (and at `terraform plan` for a `blueprint_database` with `profile = "prod"`): `aws_db_instance` and `aws_rds_cluster` whose `deletion_protection` is not `true` (the default is off), or with `skip_final_snapshot = true` (deleting it then destroys every backup with it). Aurora member instances and read replicas are skipped: the cluster or the source holds the setting. Unknown values are not reported.

A warning, not an error: seed 001's sizing table turns both on in prod, and a prod database that turns them off on purpose (a short-lived staging copy) is allowed, but said."##,
    notes: r##"Checkov's CKV_AWS_139 (clusters) and CKV_AWS_293 (instances) and Trivy's AVD-AWS-0177 check deletion protection in every profile; none checks the final snapshot."##,
    reads: &["aws_db_instance", "aws_rds_cluster"],
    prod_only: true,
};

impl Rule for RdsDeletionProtection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_db_instance", "aws_rds_cluster"]) {
            let a = &r.attributes;
            let aurora_member = r.resource_type == "aws_db_instance"
                && a.get("engine")
                    .as_str()
                    .is_some_and(|e| e.starts_with("aurora"));
            if aurora_member || !a.get("replicate_source_db").is_null() {
                continue;
            }
            let protected = match a.get("deletion_protection") {
                Value::Null => Some(false),
                v => v.as_bool(),
            };
            if protected == Some(false) {
                out.push(ctx.finding(
                    &META,
                    r,
                    crate::path!["deletion_protection"],
                    "deletion protection is off".to_string(),
                ));
            }
            if a.get("skip_final_snapshot").as_bool() == Some(true) {
                out.push(ctx.finding(
                    &META,
                    r,
                    crate::path!["skip_final_snapshot"],
                    "no final snapshot is taken when the database is deleted".to_string(),
                ));
            }
        }
        out
    }
}

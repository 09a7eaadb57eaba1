//! `rds-backup-retention` (prod): databases keep automated backups for 14 days.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct RdsBackupRetention;

/// Seed 001's prod retention.
const PROD_DAYS: i64 = 14;

static META: RuleMeta = RuleMeta {
    id: "rds-backup-retention",
    title: "Databases keep backups",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "| **RDS Backups** | 3 days | 14 days |",
    },
    description: "With the prod profile, RDS instances and Aurora clusters keep automated backups for at least 14 days (`backup_retention_period`, default 1).",
    fix: "Set `backup_retention_period = 14` (or more) for production databases.",
    checkov: &["CKV_AWS_133"],
    trivy: &["AVD-AWS-0077"],
    checks: r##"With `--profile prod`: `aws_db_instance` and `aws_rds_cluster` with `backup_retention_period` below 14 days (the default is 1). Aurora member instances and replicas are skipped. Seed 001's sizing table gives 3 days for dev and 14 for prod."##,
    notes: "",
    reads: &["aws_db_instance", "aws_rds_cluster"],
    prod_only: true,
};

impl Rule for RdsBackupRetention {
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
            let days = match a.get("backup_retention_period") {
                Value::Null => Some(1),
                v => v.as_i64(),
            };
            if let Some(d) = days.filter(|d| *d < PROD_DAYS) {
                out.push(ctx.finding(
                    &META,
                    r,
                    crate::path!["backup_retention_period"],
                    format!("backups are kept {d} day(s); prod needs {PROD_DAYS}"),
                ));
            }
        }
        out
    }
}

//! `rds-not-public`: databases are not publicly accessible.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct RdsNotPublic;

static META: RuleMeta = RuleMeta {
    id: "rds-not-public",
    title: "Databases are not publicly accessible",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Private subnets for compute and database",
    },
    description:
        "RDS DB instances and Aurora cluster instances do not set `publicly_accessible = true`.",
    fix: "Set `publicly_accessible = false` and place the database in private (database) subnets.",
    checkov: &["CKV_AWS_17"],
    trivy: &["AVD-AWS-0180"],
    checks: r##"`aws_db_instance` and `aws_rds_cluster_instance` with `publicly_accessible = true`."##,
    notes: "",
    reads: &["aws_db_instance", "aws_rds_cluster_instance"],
    prod_only: false,
};

impl Rule for RdsNotPublic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.model
            .of_types(&["aws_db_instance", "aws_rds_cluster_instance"])
            .filter(|r| r.attributes.get("publicly_accessible").as_bool() == Some(true))
            .map(|r| {
                ctx.finding(
                    &META,
                    r,
                    crate::path!["publicly_accessible"],
                    "database is reachable from the internet".to_string(),
                )
            })
            .collect()
    }
}

//! `db-password-plaintext`: database master passwords are not written in the code.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct DbPasswordPlaintext;

static META: RuleMeta = RuleMeta {
    id: "db-password-plaintext",
    title: "Database passwords are not written in the configuration",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Secrets Manager for database credentials",
    },
    description: "Database master passwords are not literals, variable defaults or tfvars values: they end up in the repository.",
    fix: "Set `manage_master_user_password = true` (RDS keeps the secret in Secrets Manager), or read it from `aws_secretsmanager_secret_version` / `random_password`.",
    checkov: &[],
    trivy: &[],
    checks: r##"The master password of `aws_db_instance` (`password`), `aws_rds_cluster`, `aws_docdb_cluster`, `aws_redshift_cluster` (`master_password`) or the `auth_token` of `aws_elasticache_replication_group` is known before apply: a literal, a variable default, a tfvars value or a local built from them. All of these are committed to the repository. A variable with no value, `random_password.x.result` or a Secrets Manager data source is unknown and is not reported. The password itself is never printed."##,
    notes: r##"Checkov and Trivy have no rule for this."##,
    reads: &["aws_db_instance", "aws_docdb_cluster", "aws_elasticache_replication_group", "aws_rds_cluster", "aws_redshift_cluster"],
    prod_only: false,
};

const FIELDS: &[(&str, &str)] = &[
    ("aws_db_instance", "password"),
    ("aws_rds_cluster", "master_password"),
    ("aws_docdb_cluster", "master_password"),
    ("aws_redshift_cluster", "master_password"),
    ("aws_elasticache_replication_group", "auth_token"),
];

impl Rule for DbPasswordPlaintext {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for (ty, field) in FIELDS {
            for r in ctx.model.of_types(&[ty]) {
                if let Some(s) = r.attributes.get(field).as_str() {
                    if !s.is_empty() {
                        out.push(ctx.finding(
                            &META,
                            r,
                            crate::path![*field],
                            format!("`{field}` is known before apply, so it is written in the code or its variables"),
                        ));
                    }
                }
            }
        }
        out
    }
}

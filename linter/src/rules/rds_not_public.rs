//! `rds-not-public`: databases are not publicly accessible.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

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
        "RDS DB instances and Aurora cluster instances do not set `publicly_accessible = true`, and their subnet groups are not in a network's public subnets.",
    fix: "Set `publicly_accessible = false` and place the database in private (database) subnets.",
    checkov: &["CKV_AWS_17"],
    trivy: &["AVD-AWS-0180"],
    checks: r##"`aws_db_instance` and `aws_rds_cluster_instance` with `publicly_accessible = true`; and an `aws_db_subnet_group` (the one `blueprint_database` builds included) whose `subnet_ids` are public subnets: a `blueprint_network`'s `public_subnet_ids` (whole or an element), or `aws_subnet`s with `map_public_ip_on_launch = true`. A database in public subnets is one setting (or one security-group rule) away from the internet, and its subnets route there.

Which subnets are public is known only from the whole configuration (the network's outputs), so the subnet check runs in `blueprint-lint` on the configuration, not at `terraform plan` inside the provider (where `subnet_ids` are ids or not known yet)."##,
    notes: "",
    reads: &["aws_db_instance", "aws_db_subnet_group", "aws_rds_cluster_instance", "aws_subnet"],
    prod_only: false,
};

impl Rule for RdsNotPublic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out: Vec<Finding> = ctx
            .model
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
            .collect();
        for g in ctx.model.of_types(&["aws_db_subnet_group"]) {
            let ids = g.attributes.get("subnet_ids");
            let mut public = Vec::new();
            match ids {
                Value::List(items) => {
                    for (i, v) in items.iter().enumerate() {
                        if let Some(why) = public_subnet(ctx, v) {
                            public.push((crate::path!["subnet_ids", i], why));
                        }
                    }
                }
                v => {
                    if let Some(why) = public_subnet(ctx, v) {
                        public.push((crate::path!["subnet_ids"], why));
                    }
                }
            }
            for (path, why) in public {
                out.push(ctx.finding(
                    &META,
                    g,
                    path,
                    format!("the database's subnets are public: {why}"),
                ));
            }
        }
        out
    }
}

/// Why the subnet (or list of subnets) `v` is public, when it is known to be.
fn public_subnet(ctx: &Context<'_>, v: &Value) -> Option<String> {
    let r = v.as_reference()?;
    let target = ctx.model.resolve(r)?;
    match target.resource_type.as_str() {
        "blueprint_network"
            if r.attribute.first().map(String::as_str) == Some("public_subnet_ids") =>
        {
            Some(format!("`{}` is the network's public subnets", r))
        }
        "aws_subnet"
            if target.attributes.get("map_public_ip_on_launch").as_bool() == Some(true) =>
        {
            Some(format!(
                "`{}` gives its instances public IP addresses",
                target.address
            ))
        }
        _ => None,
    }
}

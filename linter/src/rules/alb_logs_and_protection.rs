//! `alb-logs-and-protection`: production load balancers keep access logs and refuse deletion.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct AlbLogsAndProtection;

static META: RuleMeta = RuleMeta {
    id: "alb-logs-and-protection",
    title: "Production load balancers keep access logs and refuse deletion",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "ALB Access Logs: Optional (can enable to S3)",
    },
    description: "With the prod profile, application load balancers write access logs and have deletion protection on.",
    fix: "Add an `access_logs { bucket = ..., enabled = true }` block and set `enable_deletion_protection = true`; `blueprint_load_balancer` does both with `profile = \"prod\"` unless `access_logs` or `deletion_protection` is set to false.",
    checkov: &["CKV_AWS_91", "CKV_AWS_150"],
    trivy: &["AVD-AWS-0052"],
    checks: r##"With `--profile prod` (and at `terraform plan` for a `blueprint_load_balancer` with `profile = "prod"`): `aws_lb` / `aws_alb` of type `application` (the default) without an `access_logs` block whose `enabled` is true (a block with a `bucket` and no `enabled` counts as on, as in AWS), or whose `enable_deletion_protection` is not `true` (the default is off). Unknown values are not reported.

A warning: the production profile turns both on, and a prod load balancer that turns one off on purpose (to destroy it, say) is allowed, but said."##,
    notes: r##"Checkov's CKV_AWS_91 (access logging) and CKV_AWS_150 (deletion protection) apply in every profile. Trivy's AVD-AWS-0052 is about dropping invalid headers, which `blueprint_load_balancer` always does; it is listed as the closest load-balancer hygiene check."##,
    reads: &["aws_alb", "aws_lb"],
    prod_only: true,
};

impl Rule for AlbLogsAndProtection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for lb in ctx.model.of_types(&["aws_lb", "aws_alb"]) {
            let a = &lb.attributes;
            match a.get("load_balancer_type") {
                Value::Null => {}
                v if v.as_str() == Some("application") => {}
                _ => continue,
            }
            let protected = match a.get("enable_deletion_protection") {
                Value::Null => Some(false),
                v => v.as_bool(),
            };
            if protected == Some(false) {
                out.push(ctx.finding(
                    &META,
                    lb,
                    crate::path!["enable_deletion_protection"],
                    "deletion protection is off".to_string(),
                ));
            }
            let blocks = a.blocks("access_logs");
            let logged = match blocks.first() {
                _ if a.get("access_logs").is_unknown() => None,
                None => Some(false),
                Some((_, b)) => match b.get("enabled") {
                    v if v.is_unknown() => None,
                    Value::Null => Some(!b.get("bucket").is_null()),
                    v => v.as_bool(),
                },
            };
            if logged == Some(false) {
                out.push(ctx.finding(
                    &META,
                    lb,
                    crate::path!["access_logs"],
                    "access logs are off".to_string(),
                ));
            }
        }
        out
    }
}

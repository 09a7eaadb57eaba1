//! `ecs-no-public-ip`: ECS services run in private subnets without public IPs.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct EcsNoPublicIp;

static META: RuleMeta = RuleMeta {
    id: "ecs-no-public-ip",
    title: "ECS tasks get no public IP address",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Private subnets for compute and database",
    },
    description: "ECS services do not assign public IPs to their tasks.",
    fix: "Set `assign_public_ip = false`, run the tasks in private subnets and reach the internet through a NAT gateway.",
    checkov: &["CKV_AWS_333"],
    trivy: &[],
    checks: r##"`aws_ecs_service` with `network_configuration { assign_public_ip = true }`."##,
    notes: "",
    reads: &["aws_ecs_service"],
    prod_only: false,
};

impl Rule for EcsNoPublicIp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in ctx.model.of_types(&["aws_ecs_service"]) {
            for (i, nc) in svc.attributes.blocks("network_configuration") {
                if nc.get("assign_public_ip").as_bool() == Some(true) {
                    out.push(ctx.finding(
                        &META,
                        svc,
                        crate::path!["network_configuration", i, "assign_public_ip"],
                        "tasks get a public IP".to_string(),
                    ));
                }
            }
        }
        out
    }
}

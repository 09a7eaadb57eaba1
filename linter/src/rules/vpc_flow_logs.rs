//! `vpc-flow-logs` (prod): every VPC has a flow log.

use std::collections::BTreeSet;

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct VpcFlowLogs;

static META: RuleMeta = RuleMeta {
    id: "vpc-flow-logs",
    title: "VPCs have flow logs",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "VPC Flow Logs → CloudWatch (prod only)",
    },
    description: "With the prod profile, every `aws_vpc` has an `aws_flow_log` whose `vpc_id` references it.",
    fix: "Add `resource \"aws_flow_log\"` with `vpc_id = aws_vpc.<name>.id`, `traffic_type = \"ALL\"` and a CloudWatch log group destination.",
    checkov: &["CKV2_AWS_11"],
    trivy: &["AVD-AWS-0178"],
    checks: r##"With `--profile prod`: an `aws_vpc` that no `aws_flow_log` references through `vpc_id`. When a flow log's `vpc_id` is unknown, nothing is reported."##,
    notes: "",
    reads: &["aws_flow_log", "aws_vpc"],
    prod_only: true,
};

impl Rule for VpcFlowLogs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut logged = BTreeSet::new();
        let mut unknown = false;
        for fl in ctx.model.of_types(&["aws_flow_log"]) {
            match fl
                .attributes
                .get("vpc_id")
                .as_reference()
                .and_then(|r| ctx.model.resolve(r))
            {
                Some(vpc) => {
                    logged.insert(vpc.address.clone());
                }
                None => unknown |= fl.attributes.get("vpc_id").is_unknown(),
            }
        }
        if unknown {
            return Vec::new(); // a flow log on an unknown VPC may be this one
        }
        ctx.model
            .of_types(&["aws_vpc"])
            .filter(|v| !logged.contains(&v.address))
            .map(|v| ctx.finding(&META, v, Vec::new(), "VPC has no flow log".to_string()))
            .collect()
    }
}

//! `iam-no-wildcard`: IAM policies must not grant `*` or `service:*` actions, nor `*`
//! resources where the actions allow scoping.

use super::support::{block_statements, json_policy_statements, Statement};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, PathStep, Severity};
use crate::model::Mode;

/// The rule.
pub struct IamNoWildcard;

static META: RuleMeta = RuleMeta {
    id: "iam-no-wildcard",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "IAM roles with scoped permissions (no wildcards)",
    },
    description: "IAM policies grant no `*` or `service:*` actions and no `*` resource where the actions support resource-level permissions.",
    fix: "List the exact actions the workload calls and the ARNs it touches (e.g. `aws_s3_bucket.media.arn`).",
    checkov: &["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_286", "CKV_AWS_355"],
    trivy: &["AVD-AWS-0057"],
    prod_only: false,
};

/// Actions that do not support resource-level permissions: `Resource = "*"` is required.
const UNSCOPABLE: &[&str] = &[
    "ecr:GetAuthorizationToken",
    "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "s3:ListAllMyBuckets",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:CreateCluster",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "kms:CreateKey",
    "tag:GetResources",
    "iam:CreateServiceLinkedRole",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:GetMessages",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:SendReply",
];

fn is_wildcard_action(a: &str) -> bool {
    a == "*" || a.ends_with(":*")
}

fn is_unscopable(a: &str) -> bool {
    if UNSCOPABLE.iter().any(|u| u.eq_ignore_ascii_case(a)) {
        return true;
    }
    let verb = a.split(':').nth(1).unwrap_or(a);
    verb.starts_with("Describe") || verb.starts_with("List")
}

impl Rule for IamNoWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in &ctx.model.resources {
            let a = &r.attributes;
            let stmts: Vec<Statement> = match (r.mode, r.resource_type.as_str()) {
                (
                    Mode::Managed,
                    "aws_iam_policy"
                    | "aws_iam_role_policy"
                    | "aws_iam_user_policy"
                    | "aws_iam_group_policy",
                ) => json_policy_statements(a.get("policy"), &[PathStep::attr("policy")]),
                (Mode::Managed, "aws_iam_role") => a
                    .blocks("inline_policy")
                    .into_iter()
                    .flat_map(|(i, b)| {
                        json_policy_statements(
                            b.get("policy"),
                            &[
                                PathStep::attr("inline_policy"),
                                PathStep::Index(i),
                                PathStep::attr("policy"),
                            ],
                        )
                    })
                    .collect(),
                (Mode::Data, "aws_iam_policy_document") => block_statements(a, "statement"),
                (Mode::Managed, "blueprint_secure_service") => {
                    block_statements(a, "task_role_policy_statements")
                }
                _ => continue,
            };
            for s in stmts.iter().filter(|s| s.allow) {
                let mut wildcard = false;
                for (j, act) in s.actions.iter().enumerate() {
                    let Some(act) = act else { continue };
                    if is_wildcard_action(act) {
                        wildcard = true;
                        let mut p = s.actions_path.clone();
                        p.push(PathStep::Index(j));
                        out.push(ctx.finding(
                            &META,
                            r,
                            p,
                            format!("action `{act}` grants every action of {}", service(act)),
                        ));
                    }
                }
                if wildcard {
                    continue;
                }
                let scopable: Vec<&str> = s
                    .actions
                    .iter()
                    .flatten()
                    .map(String::as_str)
                    .filter(|a| !is_unscopable(a))
                    .collect();
                if scopable.is_empty() {
                    continue;
                }
                for (j, res) in s.resources.iter().enumerate() {
                    if res.as_deref() == Some("*") {
                        let mut p = s.resources_path.clone();
                        p.push(PathStep::Index(j));
                        out.push(ctx.finding(
                            &META,
                            r,
                            p,
                            format!(
                                "resource `*` for `{}`, which can be scoped to specific ARNs",
                                scopable.join("`, `")
                            ),
                        ));
                    }
                }
            }
        }
        out
    }
}

fn service(action: &str) -> String {
    match action.split_once(':') {
        Some((svc, _)) => format!("`{svc}`"),
        None => "every service".to_string(),
    }
}

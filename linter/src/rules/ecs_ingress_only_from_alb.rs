//! `ecs-ingress-only-from-alb`: the security groups of an ECS service admit only the ALB's
//! security group. Follows references from `network_configuration.security_groups` to the
//! groups' inline rules, `aws_security_group_rule` and `aws_vpc_security_group_ingress_rule`.

use std::collections::{BTreeMap, BTreeSet};

use super::support::SourceKind;
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct EcsIngressOnlyFromAlb;

static META: RuleMeta = RuleMeta {
    id: "ecs-ingress-only-from-alb",
    title: "ECS services admit traffic only from a load balancer",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Security Groups: Least privilege (ECS ← ALB only)",
    },
    description: "Security groups attached to an ECS service admit traffic only from the security group of an application load balancer.",
    fix: "Replace the source with the ALB's security group (`referenced_security_group_id = aws_security_group.alb.id`).",
    checkov: &[],
    trivy: &[],
    checks: r##"For every `aws_ecs_service`, the rule follows `network_configuration.security_groups` to the `aws_security_group`s it references, then collects every ingress rule of those groups (inline, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`, matched through their `security_group_id` reference). Each source must be the security group of an application load balancer, i.e. a group referenced by an `aws_lb`/`aws_alb`'s `security_groups`.

- A CIDR source is reported (even a VPC-internal one: the seed says ALB only).
- A security-group source that is not an ALB's is reported, when the model has an ALB to compare with.
- Self references, prefix lists, literal `sg-...` ids and unknown values are not reported."##,
    notes: r##"None of Checkov, Trivy, tflint or KICS has this rule: it needs references followed across resources."##,
    reads: &["aws_alb", "aws_ecs_service", "aws_lb", "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
    prod_only: false,
};

impl Rule for EcsIngressOnlyFromAlb {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let model = ctx.model;
        // Security groups of application load balancers.
        let mut alb_groups = BTreeSet::new();
        for lb in model.of_types(&["aws_lb", "aws_alb"]) {
            match lb.attributes.get("load_balancer_type").as_str() {
                None | Some("application") => {}
                Some(_) => continue,
            }
            for (_, g) in lb.attributes.get("security_groups").elements() {
                if let Some(sg) = g.as_reference().and_then(|r| model.resolve(r)) {
                    alb_groups.insert(sg.address.clone());
                }
            }
        }
        // Security groups of ECS services (group address -> first service using it).
        let mut ecs_groups: BTreeMap<String, String> = BTreeMap::new();
        for svc in model.of_types(&["aws_ecs_service"]) {
            for (_, nc) in svc.attributes.blocks("network_configuration") {
                for (_, g) in nc.get("security_groups").elements() {
                    let Some(sg) = g.as_reference().and_then(|r| model.resolve(r)) else {
                        continue;
                    };
                    if sg.resource_type == "aws_security_group" && !alb_groups.contains(&sg.address)
                    {
                        ecs_groups
                            .entry(sg.address.clone())
                            .or_insert_with(|| svc.address.clone());
                    }
                }
            }
        }
        let mut out = Vec::new();
        for ing in ctx.ingress() {
            let Some(group) = ing.group.as_deref() else {
                continue;
            };
            let Some(service) = ecs_groups.get(group) else {
                continue;
            };
            for src in &ing.sources {
                let what = match &src.kind {
                    SourceKind::Cidr(c) => format!("CIDR `{c}`"),
                    SourceKind::SecurityGroup(r) => match model.resolve(r) {
                        Some(sg) if alb_groups.contains(&sg.address) => continue,
                        Some(sg) if !alb_groups.is_empty() => {
                            format!("security group `{}` (not an ALB's)", sg.address)
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                out.push(ctx.finding(
                    &META,
                    ing.resource,
                    src.path.clone(),
                    format!(
                        "`{group}` (used by ECS service `{service}`) admits {what} on {}",
                        ing.ports()
                    ),
                ));
            }
        }
        out
    }
}

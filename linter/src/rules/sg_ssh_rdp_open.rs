//! `sg-ssh-rdp-open`: SSH (22) or RDP (3389) open to `0.0.0.0/0` or `::/0`.

use super::support::{is_world, SourceKind};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct SgSshRdpOpen;

static META: RuleMeta = RuleMeta {
    id: "sg-ssh-rdp-open",
    title: "SSH and RDP are not open to the internet",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "000_d9fe8049713b8c54.txt",
        quote: "SSH: 0.0.0.0/0:22",
    },
    description: "Security group ingress opens SSH (22) or RDP (3389) to the whole internet.",
    fix: "Restrict the source to an admin CIDR or a bastion's security group, or use SSM Session Manager instead of SSH.",
    checkov: &["CKV_AWS_24", "CKV_AWS_25"],
    trivy: &["AVD-AWS-0107"],
    checks: r##"Ingress that admits TCP 22 or 3389 (or all protocols) from `0.0.0.0/0` or `::/0`, in all three ways to write a rule: inline `ingress` blocks of `aws_security_group` (including `dynamic "ingress"` blocks), `aws_security_group_rule` with `type = "ingress"`, and `aws_vpc_security_group_ingress_rule`. Blueprint composites are checked as the security groups they build (`ssh_cidr_blocks` of `blueprint_ml_host`), each finding on the composite's attribute.

It is a warning because seed 000 states the open SSH port as its design; the linter flags it rather than rejecting it. Only CIDR sources count: SSH from another security group (e.g. an ALB's) is not open to the world."##,
    notes: r##"Checkov misses `dynamic` blocks and reports SSH from a security group source as open to the world."##,
    reads: &["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
    prod_only: false,
};

impl Rule for SgSshRdpOpen {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for ing in ctx.ingress() {
            let ports: Vec<&str> = [(22, "SSH (22)"), (3389, "RDP (3389)")]
                .iter()
                .filter(|(p, _)| ing.covers(*p) == Some(true))
                .map(|(_, n)| *n)
                .collect();
            if ports.is_empty() {
                continue;
            }
            for src in &ing.sources {
                if let SourceKind::Cidr(c) = &src.kind {
                    if is_world(c) {
                        out.push(ctx.finding(
                            &META,
                            ing.resource,
                            src.path.clone(),
                            format!("{} open to `{c}`", ports.join(" and ")),
                        ));
                    }
                }
            }
        }
        out
    }
}

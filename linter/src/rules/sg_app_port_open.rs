//! `sg-app-port-open`: an application port (anything but 80/443) open to the whole internet.

use super::sg_db_port_open::DB_PORTS;
use super::support::open_sources;
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct SgAppPortOpen;

static META: RuleMeta = RuleMeta {
    id: "sg-app-port-open",
    title: "Application ports are not open to the internet",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "000_d9fe8049713b8c54.txt",
        quote: "FastAPI: 0.0.0.0/0:8000",
    },
    description: "Security group ingress opens an application port (not 80/443) to the whole internet, bypassing a load balancer or TLS.",
    fix: "Put the service behind an ALB with HTTPS and admit only the ALB's security group, or restrict the CIDR.",
    checkov: &["CKV_AWS_277"],
    trivy: &[],
    checks: r##"Ingress from the internet or from too wide a range (judged on addresses and on the union of the group's sources, with the thresholds of [`sg-ssh-rdp-open`](sg-ssh-rdp-open.md): `0.0.0.0/00`, `::ffff:0.0.0.0/96`, `2000::/3` or the two `/1` halves count as `0.0.0.0/0`; more than a `/8` of public IPv4 or a `/32` of IPv6 is too wide) on an application port: any single TCP port other than 80 and 443 (and other than SSH/RDP and database ports, which have their own rules), any TCP port range, or all protocols. Blueprint composites are checked as the security groups they build: `app_cidr_blocks` of `blueprint_ml_host` opens `host_port` (else `container_port`, else 8000, as the provider does), reported on the composite's attribute.

An application port open to the world bypasses the load balancer, TLS and any WAF in front of it."##,
    notes: r##"Checkov's CKV_AWS_277 reports all ports open to the world, a subset of this rule; CKV_AWS_260 (port 80) is not a peer, since port 80 in front of a load balancer is intended here. Trivy's AVD-AWS-0107 covers SSH and RDP only."##,
    reads: &["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
    prod_only: false,
};

/// Ports other rules report (or that are fine to open): web, SSH/RDP and database ports.
fn covered_elsewhere(port: i64) -> bool {
    matches!(port, 80 | 443 | 22 | 3389) || DB_PORTS.iter().any(|(p, _)| *p == port)
}

impl Rule for SgAppPortOpen {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let flagged: Vec<_> = ctx
            .ingress()
            .iter()
            .filter(|ing| {
                ing.all_ports
                    || match (ing.tcp, ing.from_port, ing.to_port) {
                        (Some(true), Some(a), Some(b)) if a == b => !covered_elsewhere(a),
                        (Some(true), Some(a), Some(b)) => a < b,
                        _ => false,
                    }
            })
            .collect();
        open_sources(&flagged)
            .into_iter()
            .map(|open| {
                ctx.finding(
                    &META,
                    open.ingress.resource,
                    open.source.path.clone(),
                    format!("{} open to {}", open.ingress.ports(), open.shown),
                )
            })
            .collect()
    }
}

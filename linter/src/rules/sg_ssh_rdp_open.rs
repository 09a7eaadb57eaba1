//! `sg-ssh-rdp-open`: SSH (22) or RDP (3389) open to `0.0.0.0/0` or `::/0`.

use super::support::{open_sources, OpenSource};
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
    description: "Security group ingress opens SSH (22) or RDP (3389) to the whole internet or to more than a /8 of it.",
    fix: "Restrict the source to an admin CIDR or a bastion's security group, or use SSM Session Manager instead of SSH.",
    checkov: &["CKV_AWS_24", "CKV_AWS_25"],
    trivy: &["AVD-AWS-0107"],
    checks: r##"Ingress that admits TCP 22 or 3389 (or all protocols) from the internet or from too wide a range, in all three ways to write a rule: inline `ingress` blocks of `aws_security_group` (including `dynamic "ingress"` blocks), `aws_security_group_rule` with `type = "ingress"`, and `aws_vpc_security_group_ingress_rule`. Blueprint composites are checked as the security groups they build (`ssh_cidr_blocks` of `blueprint_ml_host`), each finding on the composite's attribute.

Exposure is judged on addresses, not on how a CIDR is spelt, and on the union of every CIDR a security group admits on the port (all its rules together): `0.0.0.0/00`, `::0/0`, `0::/0`, `::ffff:0.0.0.0/96` (IPv4-mapped), `2000::/3`, the two `/1` halves or the four `/2` quarters of IPv4 are all the internet. *The internet* is every public IPv4 address (all of IPv4 but the RFC 6890 special-purpose blocks: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4) or every global unicast IPv6 address (`2000::/3`); *too wide* is more public addresses than a `/8` of IPv4 (2^24) or a `/32` of IPv6 (2^96). Each source of an open group that admits public addresses and is not inside another of its sources is reported, and the message says when it counts only with the group's other ranges. A CIDR that does not parse (refused at plan by the composites) is not judged.

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
        // Per port, the sources that open a group to the internet or too wide a range, judged
        // on the union of the group's sources admitting that port; then one finding per source
        // naming every port it opens.
        let mut hits: Vec<(OpenSource<'_, '_>, Vec<&str>)> = Vec::new();
        for (port, name) in [(22, "SSH (22)"), (3389, "RDP (3389)")] {
            let rules: Vec<_> = ctx
                .ingress()
                .iter()
                .filter(|ing| ing.covers(port) == Some(true))
                .collect();
            for open in open_sources(&rules) {
                let same =
                    |h: &(OpenSource<'_, '_>, Vec<&str>)| std::ptr::eq(h.0.source, open.source);
                match hits.iter_mut().find(|h| same(h)) {
                    Some(h) => h.1.push(name),
                    None => hits.push((open, vec![name])),
                }
            }
        }
        hits.into_iter()
            .map(|(open, ports)| {
                ctx.finding(
                    &META,
                    open.ingress.resource,
                    open.source.path.clone(),
                    format!("{} open to {}", ports.join(" and "), open.shown),
                )
            })
            .collect()
    }
}

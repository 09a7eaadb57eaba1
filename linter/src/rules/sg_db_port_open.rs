//! `sg-db-port-open`: database, cache or NFS ports open to a CIDR outside the VPC.

use super::support::{cidr_contains, is_private, referenced, SourceKind};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct SgDbPortOpen;

/// Database, cache and file-share ports, with their service names.
pub const DB_PORTS: &[(i64, &str)] = &[
    (5432, "PostgreSQL"),
    (3306, "MySQL"),
    (6379, "Redis"),
    (2049, "NFS"),
    (27017, "MongoDB/DocumentDB"),
];

static META: RuleMeta = RuleMeta {
    id: "sg-db-port-open",
    title: "Database ports are not open outside the VPC",
    severity: Severity::Error,
    seed: SeedRef {
        file: "002_97f35d77c6407a0d.txt",
        quote: "WEB_SG -->|PostgreSQL 5432| RDS_SG",
    },
    description: "Security group ingress opens a database, cache or NFS port (5432, 3306, 6379, 2049, 27017) to a CIDR outside the VPC.",
    fix: "Admit only the client tier's security group (`referenced_security_group_id` / `source_security_group_id`), or CIDRs inside the VPC.",
    checkov: &[],
    trivy: &[],
    checks: r##"Ingress on a database, cache or file-share port (PostgreSQL 5432, MySQL 3306, Redis 6379, NFS 2049, MongoDB/DocumentDB 27017, or a range or all-protocols rule covering one of them) from a CIDR outside the VPC. When the security group's `vpc_id` points to an `aws_vpc` with a literal `cidr_block`, "outside" means not contained in it; otherwise, outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7). Security-group sources are the intended pattern and are never reported."##,
    notes: r##"No peer check matches: Checkov's CKV_AWS_260 is port 80 open to the world and Trivy's AVD-AWS-0107 covers SSH and RDP only; neither looks at database ports or at the VPC's CIDR."##,
    reads: &["aws_security_group", "aws_security_group_rule", "aws_vpc", "aws_vpc_security_group_ingress_rule"],
    prod_only: false,
};

impl Rule for SgDbPortOpen {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for ing in ctx.ingress() {
            let names: Vec<String> = DB_PORTS
                .iter()
                .filter(|(p, _)| ing.covers(*p) == Some(true))
                .map(|(p, n)| format!("{n} ({p})"))
                .collect();
            if names.is_empty() {
                continue;
            }
            // The VPC's CIDR, when the group's `vpc_id` points to an `aws_vpc` with a literal one.
            let vpc_cidr = ing
                .group
                .as_deref()
                .and_then(|g| ctx.model.get(g))
                .and_then(|sg| referenced(ctx.model, sg.attributes.get("vpc_id")))
                .and_then(|vpc| {
                    vpc.attributes
                        .get("cidr_block")
                        .as_str()
                        .map(str::to_string)
                });
            for src in &ing.sources {
                let SourceKind::Cidr(c) = &src.kind else {
                    continue;
                };
                let outside = match &vpc_cidr {
                    Some(vpc) => cidr_contains(vpc, c).map(|inside| !inside),
                    None => is_private(c).map(|private| !private),
                };
                if outside == Some(true) {
                    let where_ = match &vpc_cidr {
                        Some(v) => format!("outside the VPC ({v})"),
                        None => "outside private address space".to_string(),
                    };
                    out.push(ctx.finding(
                        &META,
                        ing.resource,
                        src.path.clone(),
                        format!("{} open to `{c}`, {where_}", names.join(", ")),
                    ));
                }
            }
        }
        out
    }
}

//! `data-store-internet-reachable`: a database, cache or file server whose security groups the
//! internet reaches on its port, directly or through any chain of security-group rules that
//! carries the traffic on (see [`crate::graph::exposure`]).

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::graph::catalog::{store_engine, store_port, Kind};
use crate::graph::exposure::{exposure, ports_text, ALL_PORTS};
use crate::graph::members::members;

/// The rule.
pub struct DataStoreInternetReachable;

static META: RuleMeta = RuleMeta {
    id: "data-store-internet-reachable",
    title: "Databases, caches and file servers are not reachable from the internet",
    severity: Severity::Error,
    seed: SeedRef {
        file: "002_97f35d77c6407a0d.txt",
        quote: "WEB_SG -->|PostgreSQL 5432| RDS_SG",
    },
    description: "A database, cache or file server is reachable from the internet on its port through its security groups, directly or through a chain of security-group rules.",
    fix: "Admit only the security groups of the tier that uses the store, and keep the internet's ports off every group on the way (a load balancer's group forwards any port it admits).",
    checkov: &[],
    trivy: &[],
    checks: r##"Every RDS instance, Aurora/RDS cluster, ElastiCache cluster or replication group, MemoryDB, DocumentDB, Neptune, Redshift, OpenSearch/Elasticsearch domain, EFS file system (through its mount targets) and FSx file system, on the port it listens on (its `port`, else the engine's default: PostgreSQL 5432, MySQL/MariaDB/Aurora 3306, Oracle 1521, SQL Server 1433, Redis 6379, Memcached 11211, DocumentDB 27017, Neptune 8182, Redshift 5439, OpenSearch 443, NFS 2049, Lustre 988, SMB 445). The store is reported when one of its security groups is reached from the internet on that port: a CIDR outside the group's VPC (outside private address space when the VPC's CIDR is not known), or a group admitting a reached group. A group whose members are all load balancers passes on any port it admits; any other group passes on only the ports it was itself reached on, so the intended chain internet → ALB (443) → service (8080) → database (5432) is not reported, while internet → proxy (5432) → database (5432) is. The finding is on the store's reference to the group and names the chain. Unknown ports, protocols and sources are never reported."##,
    notes: r##"Peers check single rules (a database port open to 0.0.0.0/0, `sg-db-port-open` here); none follows chains of security groups or load balancers to the store they lead to. `blueprint-lint graph` draws the same chains."##,
    reads: &[
        "aws_autoscaling_group",
        "aws_db_instance",
        "aws_docdb_cluster",
        "aws_ecs_service",
        "aws_efs_mount_target",
        "aws_eks_cluster",
        "aws_eks_node_group",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_elasticsearch_domain",
        "aws_elb",
        "aws_fsx_lustre_file_system",
        "aws_fsx_ontap_file_system",
        "aws_fsx_openzfs_file_system",
        "aws_fsx_windows_file_system",
        "aws_instance",
        "aws_lambda_function",
        "aws_launch_configuration",
        "aws_launch_template",
        "aws_lb",
        "aws_memorydb_cluster",
        "aws_neptune_cluster",
        "aws_opensearch_domain",
        "aws_rds_cluster",
        "aws_redshift_cluster",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc",
        "aws_vpc_security_group_ingress_rule",
    ],
    prod_only: false,
};

impl Rule for DataStoreInternetReachable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let members = members(ctx.model);
        if !members.iter().any(|m| m.kind == Kind::DataStore) {
            return Vec::new();
        }
        let reach = exposure(ctx.model, ctx.ingress(), &members);
        let mut out = Vec::new();
        for m in members.iter().filter(|m| m.kind == Kind::DataStore) {
            let Some(store) = ctx.model.get(&m.node) else {
                continue;
            };
            let port = store_port(store);
            let hit = reach.get(&m.group).and_then(|list| {
                list.iter()
                    .filter(|e| match port {
                        Some(p) => e.covers(p),
                        None => e.ports == ALL_PORTS,
                    })
                    .min_by_key(|e| e.chain.len())
            });
            let Some(e) = hit else { continue };
            let mut chain = String::new();
            for (i, h) in e.chain.iter().enumerate() {
                if i == 0 {
                    chain.push_str(&format!("`{}`", h.source));
                }
                chain.push_str(&format!(" → `{}` ({})", h.group, ports_text(h.ports)));
            }
            let on = port.map(|p| format!(" on port {p}")).unwrap_or_default();
            let what = if m.node == m.resource.address {
                format!("`{}` ({})", m.node, store_engine(store))
            } else {
                format!(
                    "`{}` ({}, through this mount target)",
                    m.node,
                    store_engine(store)
                )
            };
            out.push(ctx.finding(
                &META,
                m.resource,
                m.path.clone(),
                format!("{what} is reachable from the internet{on}: {chain}"),
            ));
        }
        out
    }
}

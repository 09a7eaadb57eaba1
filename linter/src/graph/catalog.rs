//! What each resource type is in the picture: its kind, its service name, and for data stores
//! the port they listen on.

use crate::model::{Resource, Value};

/// The kind of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The internet (every CIDR outside private address space or the VPC).
    Internet,
    /// A private CIDR (a VPN, a peered network, the VPC itself).
    Cidr,
    /// A load balancer (or an API gateway, which forwards the same way).
    LoadBalancer,
    /// A load balancer listener.
    Listener,
    /// A target group.
    TargetGroup,
    /// Something that runs code: instances, ECS services, Lambda functions, EKS.
    Compute,
    /// A database, cache or file server (reached over the network through security groups).
    DataStore,
    /// A store reached through the AWS API, not a VPC address: DynamoDB, S3, SQS, SNS.
    ApiStore,
    /// A security group with nothing known attached to it.
    SecurityGroup,
}

/// One drawn resource type.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// Terraform type.
    pub ty: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Short service name shown on the node.
    pub service: &'static str,
}

const fn t(ty: &'static str, kind: Kind, service: &'static str) -> TypeInfo {
    TypeInfo { ty, kind, service }
}

/// Every resource type the graph draws.
pub static TYPES: &[TypeInfo] = &[
    t("aws_lb", Kind::LoadBalancer, "Load balancer"),
    t("aws_alb", Kind::LoadBalancer, "Load balancer"),
    t("aws_elb", Kind::LoadBalancer, "Classic load balancer"),
    t("aws_apigatewayv2_api", Kind::LoadBalancer, "API Gateway"),
    t(
        "aws_api_gateway_rest_api",
        Kind::LoadBalancer,
        "API Gateway (REST)",
    ),
    t("aws_lb_listener", Kind::Listener, "Listener"),
    t("aws_alb_listener", Kind::Listener, "Listener"),
    t("aws_lb_target_group", Kind::TargetGroup, "Target group"),
    t("aws_alb_target_group", Kind::TargetGroup, "Target group"),
    t("aws_instance", Kind::Compute, "EC2"),
    t("aws_autoscaling_group", Kind::Compute, "Auto Scaling group"),
    t("aws_ecs_service", Kind::Compute, "ECS service"),
    t("aws_lambda_function", Kind::Compute, "Lambda"),
    t("aws_eks_cluster", Kind::Compute, "EKS"),
    t("aws_eks_node_group", Kind::Compute, "EKS nodes"),
    t("aws_db_instance", Kind::DataStore, "RDS"),
    t("aws_rds_cluster", Kind::DataStore, "Aurora"),
    t("aws_elasticache_cluster", Kind::DataStore, "ElastiCache"),
    t(
        "aws_elasticache_replication_group",
        Kind::DataStore,
        "ElastiCache",
    ),
    t("aws_memorydb_cluster", Kind::DataStore, "MemoryDB"),
    t("aws_docdb_cluster", Kind::DataStore, "DocumentDB"),
    t("aws_neptune_cluster", Kind::DataStore, "Neptune"),
    t("aws_redshift_cluster", Kind::DataStore, "Redshift"),
    t("aws_opensearch_domain", Kind::DataStore, "OpenSearch"),
    t("aws_elasticsearch_domain", Kind::DataStore, "Elasticsearch"),
    t("aws_efs_file_system", Kind::DataStore, "EFS"),
    t("aws_fsx_lustre_file_system", Kind::DataStore, "FSx Lustre"),
    t(
        "aws_fsx_windows_file_system",
        Kind::DataStore,
        "FSx Windows",
    ),
    t("aws_fsx_ontap_file_system", Kind::DataStore, "FSx ONTAP"),
    t(
        "aws_fsx_openzfs_file_system",
        Kind::DataStore,
        "FSx OpenZFS",
    ),
    t("aws_dynamodb_table", Kind::ApiStore, "DynamoDB"),
    t("aws_s3_bucket", Kind::ApiStore, "S3"),
    t("aws_sqs_queue", Kind::ApiStore, "SQS"),
    t("aws_sns_topic", Kind::ApiStore, "SNS"),
];

/// Resource types read for the wiring between drawn nodes (rules, attachments, templates).
pub static WIRING_TYPES: &[&str] = &[
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
    "aws_lb_target_group_attachment",
    "aws_alb_target_group_attachment",
    "aws_efs_mount_target",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_vpc",
    "aws_apigatewayv2_integration",
    "aws_s3_bucket_notification",
    "aws_lambda_event_source_mapping",
];

/// The drawn type `ty`, if the graph draws it.
pub fn info(ty: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.ty == ty)
}

/// Whether the graph reads the attributes of resources of type `ty`.
pub fn reads_type(ty: &str) -> bool {
    info(ty).is_some() || WIRING_TYPES.contains(&ty) || crate::composite::is_composite(ty)
}

/// The TCP port a data store listens on: its `port` when known, else the engine's default.
/// `None` when neither is known.
pub fn store_port(r: &Resource) -> Option<i64> {
    let a = &r.attributes;
    match a.get("port") {
        Value::Null => {}
        v => return v.as_i64(), // a port that is not known stays unknown
    }
    let engine = |default: &str| -> Option<String> {
        match a.get("engine") {
            Value::Null => Some(default.to_string()),
            v => v.as_str().map(str::to_ascii_lowercase),
        }
    };
    let by_engine = |e: &str| -> Option<i64> {
        if e.contains("postgres") {
            Some(5432)
        } else if e.contains("mysql") || e.contains("mariadb") || e == "aurora" {
            Some(3306)
        } else if e.starts_with("oracle") {
            Some(1521)
        } else if e.starts_with("sqlserver") {
            Some(1433)
        } else if e.starts_with("db2") {
            Some(50000)
        } else if e == "redis" || e == "valkey" {
            Some(6379)
        } else if e == "memcached" {
            Some(11211)
        } else {
            None
        }
    };
    match r.resource_type.as_str() {
        "aws_db_instance" => by_engine(&engine("")?),
        "aws_rds_cluster" => by_engine(&engine("aurora")?),
        "aws_elasticache_cluster" => by_engine(&engine("")?),
        "aws_elasticache_replication_group" => by_engine(&engine("redis")?),
        "aws_memorydb_cluster" => Some(6379),
        "aws_docdb_cluster" => Some(27017),
        "aws_neptune_cluster" => Some(8182),
        "aws_redshift_cluster" => Some(5439),
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => Some(443),
        "aws_efs_file_system" | "aws_fsx_ontap_file_system" | "aws_fsx_openzfs_file_system" => {
            Some(2049)
        }
        "aws_fsx_lustre_file_system" => Some(988),
        "aws_fsx_windows_file_system" => Some(445),
        _ => None,
    }
}

/// What a data store is, for messages: `PostgreSQL`, `Redis`, `NFS`...
pub fn store_engine(r: &Resource) -> String {
    let engine = r.attributes.get("engine").as_str().unwrap_or("");
    if !engine.is_empty() {
        return engine.to_string();
    }
    info(&r.resource_type)
        .map(|t| t.service.to_string())
        .unwrap_or_else(|| r.resource_type.clone())
}

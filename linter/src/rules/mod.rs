//! The rules: one file per rule, each a [`Rule`] with its [`RuleMeta`], and the registry.

use crate::finding::{Finding, PathStep, Profile, Severity};
use crate::model::{Model, Resource};

pub mod support;

mod alb_https;
mod backend_s3_encrypted_locked;
mod cognito_mfa;
mod db_password_plaintext;
mod dynamodb_pitr;
mod ebs_encrypted;
mod ec2_imdsv2;
mod ecs_ingress_only_from_alb;
mod ecs_no_public_ip;
mod ecs_plaintext_secrets;
mod iam_no_wildcard;
mod rds_backup_retention;
mod rds_not_public;
mod rds_storage_encrypted;
mod s3_public_access_blocked;
mod s3_state_versioning;
mod sg_app_port_open;
mod sg_db_port_open;
mod sg_ssh_rdp_open;
mod sns_encrypted;
mod sqs_encrypted;
mod vpc_flow_logs;

/// The seed document sentence a rule enforces.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct SeedRef {
    /// File under `shared/seeds/`.
    pub file: &'static str,
    /// The sentence, quoted verbatim.
    pub quote: &'static str,
}

/// What a rule is: its id, severity, seed reference, description and equivalents elsewhere.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleMeta {
    /// Kebab-case id, e.g. `iam-no-wildcard`.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The seed sentence enforced.
    pub seed: SeedRef,
    /// One-line description.
    pub description: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// Equivalent Checkov check ids.
    pub checkov: &'static [&'static str],
    /// Equivalent Trivy (tfsec) ids.
    pub trivy: &'static [&'static str],
    /// Only checked with `--profile prod`.
    pub prod_only: bool,
}

/// What a rule sees: the model and the profile.
pub struct Context<'a> {
    /// The resources.
    pub model: &'a Model,
    /// The sizing profile.
    pub profile: Profile,
    ingress: std::sync::OnceLock<Vec<support::Ingress<'a>>>,
}

impl<'a> Context<'a> {
    /// A context over `model`.
    pub fn new(model: &'a Model, profile: Profile) -> Context<'a> {
        Context {
            model,
            profile,
            ingress: std::sync::OnceLock::new(),
        }
    }

    /// Every ingress rule of the model, computed once and shared by the rules.
    pub fn ingress(&self) -> &[support::Ingress<'a>] {
        self.ingress
            .get_or_init(|| support::ingress_rules(self.model))
    }

    /// A finding of rule `meta` on `resource` at `path`.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        resource: &Resource,
        path: Vec<PathStep>,
        message: String,
    ) -> Finding {
        Finding {
            rule_id: meta.id.to_string(),
            severity: meta.severity,
            message,
            fix: meta.fix.to_string(),
            address: resource.address.clone(),
            location: resource.location_of(&path),
            attribute_path: path,
        }
    }
}

/// A policy rule.
pub trait Rule: Send + Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// The findings on the model; must never report a value that is unknown.
    fn check(&self, ctx: &Context<'_>) -> Vec<Finding>;
}

static RULES: &[&dyn Rule] = &[
    &iam_no_wildcard::IamNoWildcard,
    &sg_ssh_rdp_open::SgSshRdpOpen,
    &sg_app_port_open::SgAppPortOpen,
    &sg_db_port_open::SgDbPortOpen,
    &ecs_ingress_only_from_alb::EcsIngressOnlyFromAlb,
    &ecs_no_public_ip::EcsNoPublicIp,
    &alb_https::AlbHttps,
    &rds_storage_encrypted::RdsStorageEncrypted,
    &sns_encrypted::SnsEncrypted,
    &sqs_encrypted::SqsEncrypted,
    &ebs_encrypted::EbsEncrypted,
    &rds_not_public::RdsNotPublic,
    &db_password_plaintext::DbPasswordPlaintext,
    &backend_s3_encrypted_locked::BackendS3EncryptedLocked,
    &s3_public_access_blocked::S3PublicAccessBlocked,
    &ec2_imdsv2::Ec2Imdsv2,
    &ecs_plaintext_secrets::EcsPlaintextSecrets,
    &s3_state_versioning::S3StateVersioning,
    &rds_backup_retention::RdsBackupRetention,
    &dynamodb_pitr::DynamodbPitr,
    &vpc_flow_logs::VpcFlowLogs,
    &cognito_mfa::CognitoMfa,
];

/// Resource and data source types whose attributes some rule reads. Attributes of any other
/// type are never read (such resources matter only as targets of references), so the plan
/// front-end keeps just their `id` and `arn`. A test checks that every type named in a rule's
/// source is listed.
pub static CHECKED_TYPES: &[&str] = &[
    "aws_alb",
    "aws_alb_listener",
    "aws_cognito_user_pool",
    "aws_db_instance",
    "aws_docdb_cluster",
    "aws_dynamodb_table",
    "aws_ebs_encryption_by_default",
    "aws_ebs_volume",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_elasticache_replication_group",
    "aws_flow_log",
    "aws_iam_group_policy",
    "aws_iam_policy",
    "aws_iam_policy_document",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_instance",
    "aws_launch_template",
    "aws_lb",
    "aws_lb_listener",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_redshift_cluster",
    "aws_s3_bucket",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_sns_topic",
    "aws_sqs_queue",
    "aws_vpc",
    "aws_vpc_security_group_ingress_rule",
    "blueprint_ml_host",
    "blueprint_secure_service",
];

/// Whether some rule reads the attributes of resources of type `ty`.
pub fn reads_type(ty: &str) -> bool {
    CHECKED_TYPES.contains(&ty)
}

/// Every rule, in a stable order.
pub fn registry() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with id `id`.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::CHECKED_TYPES;

    /// Every `"aws_..."`/`"blueprint_..."` literal in a rule's source is a checked type, so a
    /// plan never drops attributes a rule reads.
    #[test]
    fn checked_types_cover_every_rule() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("rules dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("reads");
            for part in text.split('"').skip(1).step_by(2) {
                let is_type = (part.starts_with("aws_") || part.starts_with("blueprint_"))
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if is_type && !CHECKED_TYPES.contains(&part) {
                    missing.push(format!("{}: {part}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "add to CHECKED_TYPES: {missing:?}");
        let mut sorted = CHECKED_TYPES.to_vec();
        sorted.sort();
        assert_eq!(sorted, CHECKED_TYPES, "keep CHECKED_TYPES sorted");
    }
}

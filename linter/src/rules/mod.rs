//! The rules: one file per rule, each a [`Rule`] with its [`RuleMeta`], and the registry.

use crate::finding::{Finding, PathStep, Profile, Severity};
use crate::model::{Model, Resource};

pub mod docs;
pub mod iam_actions;
pub mod support;

mod alb_https;
mod alb_logs_and_protection;
mod backend_s3_encrypted_locked;
mod cognito_mfa;
mod data_store_internet_reachable;
mod db_password_plaintext;
mod dynamodb_pitr;
mod ebs_encrypted;
mod ec2_imdsv2;
mod ecs_ingress_only_from_alb;
mod ecs_no_public_ip;
mod ecs_plaintext_secrets;
mod iam_no_wildcard;
mod rds_backup_retention;
mod rds_deletion_protection;
mod rds_not_public;
mod rds_storage_encrypted;
mod s3_public_access_blocked;
mod s3_state_versioning;
mod s3_trigger_whole_bucket;
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

/// What a rule is: the one source of its documentation (`docs/rules/<id>.md` is generated
/// from it and from the rule's fixtures, `terraform/lint-fixtures/<id>/{bad,good}/`), and of
/// the resource types the plan front-end must keep whole for it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleMeta {
    /// Kebab-case id, e.g. `iam-no-wildcard`.
    pub id: &'static str,
    /// Short title, a statement of what good configuration does.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The seed sentence enforced.
    pub seed: SeedRef,
    /// One-line description.
    pub description: &'static str,
    /// Remediation: how to fix a finding (also each finding's `fix`).
    pub fix: &'static str,
    /// Checkov check ids that test the same thing.
    pub checkov: &'static [&'static str],
    /// Trivy (tfsec) ids that test the same thing.
    pub trivy: &'static [&'static str],
    /// What exactly is checked and what is not (Markdown), the doc page's "What it checks".
    pub checks: &'static str,
    /// Remarks (Markdown, may be empty): how peers differ, what is left out and why.
    pub notes: &'static str,
    /// Resource and data source types whose attributes the rule reads, sorted. The plan
    /// front-end keeps only `id` and `arn` of every other type.
    pub reads: &'static [&'static str],
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
    &data_store_internet_reachable::DataStoreInternetReachable,
    &rds_deletion_protection::RdsDeletionProtection,
    &alb_logs_and_protection::AlbLogsAndProtection,
    &s3_trigger_whole_bucket::S3TriggerWholeBucket,
];

/// Whether some rule reads the attributes of resources of type `ty` (the union of every
/// rule's [`RuleMeta::reads`]).
pub fn reads_type(ty: &str) -> bool {
    static READ: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    READ.get_or_init(|| {
        RULES
            .iter()
            .flat_map(|r| r.meta().reads.iter().copied())
            .collect()
    })
    .contains(ty)
        // A composite is read whole: it is checked as the plain resources it builds.
        || crate::composite::is_composite(ty)
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
    use super::{reads_type, registry};

    #[test]
    fn reads_are_sorted_types() {
        for r in registry() {
            let m = r.meta();
            let mut sorted = m.reads.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted, m.reads, "{}: keep `reads` sorted and unique", m.id);
            for ty in m.reads {
                // Rules know plain resources only: composites are checked as what they build.
                assert!(ty.starts_with("aws_"), "{}: {ty}", m.id);
                assert!(reads_type(ty));
            }
        }
        assert!(!reads_type("aws_route53_record"));
    }
}

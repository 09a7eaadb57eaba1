//! `blueprint_ml_host`: seed 000's ML API host (one EC2 instance running a container pulled
//! from ECR), secure by default.
//!
//! Children: an IAM role with ECR read-only and its instance profile, a security group, an
//! optional key pair (created concurrently), then the instance (IMDSv2 required, encrypted root
//! volume, the rendered boot script), then an Elastic IP. Nothing is open unless asked:
//! `ssh_cidr_blocks` and `app_cidr_blocks` are empty by default, and opening either to the whole
//! internet gets a plan-time warning from the linter's own rules.

mod eip;
mod iam;
mod instance;
mod network;
pub mod user_data;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::AwsClients;
use crate::composite::timeouts::{self, TimeoutsValue};
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::lint_bridge;
use crate::schema_builder::{block, Attr};
pub(crate) use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};

/// Default instance type (seed 000).
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.micro";
/// Default container port (seed 000's FastAPI).
pub const DEFAULT_CONTAINER_PORT: i64 = 8000;
/// Default root volume size in GiB.
pub const DEFAULT_ROOT_VOLUME_SIZE: i64 = 8;
/// The one managed policy the host's role gets.
pub const ECR_READ_ONLY: &str = "policy/AmazonEC2ContainerRegistryReadOnly";

pub use crate::children::security_group::ALL_EGRESS;
/// The only egress rule with `restrict_egress`.
pub const HTTPS_EGRESS: &str = "tcp 443-443 0.0.0.0/0";

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlHostState {
    /// The instance id.
    pub id: Value<String>,
    /// Name of the host and prefix of its children.
    pub name: Value<String>,
    /// Container image (ECR URI with tag or digest).
    pub image: Value<String>,
    /// Port the container listens on.
    pub container_port: Value<i64>,
    /// Port published on the host and opened to `app_cidr_blocks`.
    pub host_port: Value<i64>,
    /// EC2 instance type.
    pub instance_type: Value<String>,
    /// AMI (default: latest Amazon Linux 2023).
    pub ami_id: Value<String>,
    /// VPC (default: the default VPC).
    pub vpc_id: Value<String>,
    /// Subnet (default: a default subnet of the VPC).
    pub subnet_id: Value<String>,
    /// Public key to import as the host's key pair.
    pub ssh_public_key: Value<String>,
    /// CIDRs allowed to SSH (default none: no SSH rule).
    pub ssh_cidr_blocks: StringList,
    /// CIDRs allowed to reach `host_port`.
    pub app_cidr_blocks: StringList,
    /// Security groups allowed to reach `host_port`.
    pub allow_app_from_security_group_ids: StringList,
    /// Container environment (not for secrets).
    pub environment: StringMap,
    /// Secret environment: variable name to a Secrets Manager secret or SSM parameter ARN.
    pub secret_environment: StringMap,
    /// Root volume size in GiB.
    pub root_volume_size: Value<i64>,
    /// Attach an Elastic IP.
    pub associate_elastic_ip: Value<bool>,
    /// Keep the Elastic IP allocated after destroy.
    pub retain_elastic_ip: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Instance id.
    pub instance_id: Value<String>,
    /// Public IP (the Elastic IP when associated).
    pub public_ip: Value<String>,
    /// Private IP.
    pub private_ip: Value<String>,
    /// Security group id.
    pub security_group_id: Value<String>,
    /// Role name.
    pub role_name: Value<String>,
    /// Role ARN.
    pub role_arn: Value<String>,
    /// Instance profile name.
    pub instance_profile_name: Value<String>,
    /// Instance profile ARN.
    pub instance_profile_arn: Value<String>,
    /// Key pair name (when `ssh_public_key` is set).
    pub key_name: Value<String>,
    /// Elastic IP allocation id.
    pub elastic_ip_allocation_id: Value<String>,
    /// `http://IP:PORT`.
    pub endpoint: Value<String>,
    /// SHA-256 of the boot script.
    pub user_data_sha256: Value<String>,
    /// Only HTTPS out (ECR, S3, Secrets Manager, SSM, package mirrors) instead of all traffic.
    pub restrict_egress: Value<bool>,
    /// Observed ingress rules, `PROTO FROM-TO SOURCE` (repaired to what the inputs say).
    pub ingress_rules: StringList,
    /// Observed egress rules, same form (repaired to what `restrict_egress` says).
    pub egress_rules: StringList,
    /// Observed managed policies of the role (repaired to ECR read-only only).
    pub role_policy_arns: StringList,
    /// Observed Elastic IP association (repaired when `associate_elastic_ip`).
    pub elastic_ip_associated: Value<bool>,
}

impl MlHostState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    fn host_port(&self) -> i64 {
        self.host_port
            .as_option()
            .or(self.container_port.as_option())
            .unwrap_or(DEFAULT_CONTAINER_PORT)
    }
    fn container_port(&self) -> i64 {
        self.container_port
            .as_option()
            .unwrap_or(DEFAULT_CONTAINER_PORT)
    }
    fn role_name_for(&self) -> String {
        format!("{}-role", self.name())
    }
    fn profile_name_for(&self) -> String {
        format!("{}-profile", self.name())
    }
    fn sg_name_for(&self) -> String {
        format!("{}-sg", self.name())
    }
    fn key_name_for(&self) -> String {
        format!("{}-key", self.name())
    }
    fn tags_all_map(&self) -> BTreeMap<String, String> {
        entries(&self.tags_all)
    }

    /// The ingress rules the inputs ask for, canonical and sorted.
    fn desired_ingress(&self) -> Vec<String> {
        let port = self.host_port();
        let mut rules: Vec<String> = strings(&self.ssh_cidr_blocks)
            .into_iter()
            .map(|c| format!("tcp 22-22 {c}"))
            .chain(
                strings(&self.app_cidr_blocks)
                    .into_iter()
                    .map(|c| format!("tcp {port}-{port} {c}")),
            )
            .chain(
                strings(&self.allow_app_from_security_group_ids)
                    .into_iter()
                    .map(|g| format!("tcp {port}-{port} {g}")),
            )
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }

    /// The egress rules `restrict_egress` asks for.
    fn desired_egress(&self) -> Vec<String> {
        if self.restrict_egress.as_option() == Some(true) {
            vec![HTTPS_EGRESS.to_string()]
        } else {
            vec![ALL_EGRESS.to_string()]
        }
    }

    fn render_user_data(&self, region: &str) -> String {
        let env = entries(&self.environment);
        let secrets = entries(&self.secret_environment);
        user_data::render(&user_data::Container {
            name: self.name(),
            image: known(&self.image).unwrap_or_default(),
            container_port: self.container_port(),
            host_port: self.host_port(),
            environment: &env,
            secrets: &secrets,
            region,
        })
    }
}

/// Fill defaults and the values derived from inputs.
fn derive(s: &mut MlHostState, clients: Option<&AwsClients>) {
    if s.container_port.is_null() {
        s.container_port = Value::Value(DEFAULT_CONTAINER_PORT);
    }
    if s.host_port.is_null() && s.container_port.is_value() {
        s.host_port = s.container_port;
    }
    if s.instance_type.is_null() {
        s.instance_type = Value::Value(DEFAULT_INSTANCE_TYPE.into());
    }
    for l in [
        &mut s.ssh_cidr_blocks,
        &mut s.app_cidr_blocks,
        &mut s.allow_app_from_security_group_ids,
    ] {
        if l.is_null() {
            *l = Value::Value(Vec::new());
        }
    }
    if s.root_volume_size.is_null() {
        s.root_volume_size = Value::Value(DEFAULT_ROOT_VOLUME_SIZE);
    }
    if s.associate_elastic_ip.is_null() {
        s.associate_elastic_ip = Value::Value(true);
    }
    if s.retain_elastic_ip.is_null() {
        s.retain_elastic_ip = Value::Value(false);
    }
    if s.restrict_egress.is_null() {
        s.restrict_egress = Value::Value(false);
    }
    s.egress_rules = if s.restrict_egress.is_unknown() {
        Value::Unknown
    } else {
        list(s.desired_egress())
    };
    if let Some(clients) = clients {
        if !s.tags.is_unknown() {
            let mut all = clients.default_tags().clone();
            all.extend(entries(&s.tags));
            s.tags_all = map(all);
        }
        let inputs_known = s.name.is_value()
            && s.image.is_value()
            && !s.environment.is_unknown()
            && !s.secret_environment.is_unknown()
            && s.container_port.is_value()
            && s.host_port.is_value();
        s.user_data_sha256 = if inputs_known {
            Value::Value(user_data::sha256_hex(
                &s.render_user_data(&clients.region()),
            ))
        } else {
            Value::Unknown
        };
        s.role_policy_arns = list(vec![format!(
            "arn:{}:iam::aws:{ECR_READ_ONLY}",
            clients.partition()
        )]);
    } else {
        s.tags_all = Value::Unknown;
        s.user_data_sha256 = Value::Unknown;
        s.role_policy_arns = Value::Unknown;
    }
    let lists_known = [
        &s.ssh_cidr_blocks,
        &s.app_cidr_blocks,
        &s.allow_app_from_security_group_ids,
    ]
    .iter()
    .all(|l| {
        l.as_ref_option()
            .is_some_and(|v| v.iter().all(|x| x.is_value()))
    });
    s.ingress_rules = if lists_known && s.host_port.is_value() {
        list(s.desired_ingress())
    } else {
        Value::Unknown
    };
    s.elastic_ip_associated = s.associate_elastic_ip;
    if s.name.is_value() {
        s.role_name = Value::Value(s.role_name_for());
        s.instance_profile_name = Value::Value(s.profile_name_for());
        s.key_name = if s.ssh_public_key.is_null() {
            Value::Null
        } else {
            Value::Value(s.key_name_for())
        };
    }
}

/// The attributes that replace the host when they change.
const REPLACE_ON: &[&str] = &[
    "name",
    "image",
    "container_port",
    "host_port",
    "environment",
    "secret_environment",
    "ami_id",
    "vpc_id",
    "subnet_id",
    "ssh_public_key",
    "root_volume_size",
];

fn changed(prior: &MlHostState, planned: &MlHostState, attr: &str) -> bool {
    let p = serde_json::to_value(prior).ok();
    let n = serde_json::to_value(planned).ok();
    match (p, n) {
        (Some(p), Some(n)) => {
            let (a, b) = (&p[attr], &n[attr]);
            // An optional+computed attribute left out of the configuration keeps its value.
            !(b.is_null() && matches!(attr, "ami_id" | "vpc_id" | "subnet_id")) && a != b
        }
        _ => false,
    }
}

/// The composite.
pub struct MlHost;

#[async_trait]
impl Composite for MlHost {
    type State = MlHostState;

    fn schema(&self) -> Schema {
        let strings_t = || AttributeType::List(Box::new(AttributeType::String));
        Schema {
            version: 1,
            block: block(
                "One EC2 host running a container image from ECR behind an Elastic IP (seed 000), with IMDSv2, an encrypted root volume, a least-privilege role and nothing open unless asked.",
                [
                    ("id", Attr::string("The instance id.").computed()),
                    ("name", Attr::string("Name of the host; prefixes its role, profile, security group and key pair. Replaces the host.").required()),
                    ("image", Attr::string("Container image, e.g. `ACCOUNT.dkr.ecr.REGION.amazonaws.com/ml-santiago-api:latest`. A change replaces the host (the boot script runs once).").required()),
                    ("container_port", Attr::number("Port the container listens on (default 8000).").optional_computed()),
                    ("host_port", Attr::number("Port published on the host (default: container_port).").optional_computed()),
                    ("instance_type", Attr::string("Instance type (default t3.micro); changed in place with a stop and start.").optional_computed()),
                    ("ami_id", Attr::string("AMI (default: the latest Amazon Linux 2023 for x86_64, found through the EC2 API). Replaces the host.").optional_computed()),
                    ("vpc_id", Attr::string("VPC (default: the default VPC).").optional_computed()),
                    ("subnet_id", Attr::string("Subnet (default: a default subnet). Replaces the host.").optional_computed()),
                    ("ssh_public_key", Attr::string("OpenSSH public key imported as the host's key pair (default: no key pair).").optional()),
                    ("ssh_cidr_blocks", Attr::of(strings_t(), "CIDRs allowed to SSH (default: none, and no SSH rule). `0.0.0.0/0` or `::/0` warns at plan time.").optional_computed()),
                    ("app_cidr_blocks", Attr::of(strings_t(), "CIDRs allowed to reach host_port (default: none). `0.0.0.0/0` or `::/0` warns at plan time.").optional_computed()),
                    ("allow_app_from_security_group_ids", Attr::of(strings_t(), "Security groups allowed to reach host_port (e.g. a load balancer's).").optional_computed()),
                    ("environment", Attr::string_map("Container environment. Written into the boot script: never put secrets here.").optional()),
                    ("secret_environment", Attr::string_map("Secret container environment: variable name to the ARN of a Secrets Manager secret or an SSM parameter. Read at boot with the instance role (granted exactly these ARNs); only the ARN is in the boot script.").optional()),
                    ("root_volume_size", Attr::number("Root volume size in GiB (default 8), always encrypted.").optional_computed()),
                    ("associate_elastic_ip", Attr::bool("Attach an Elastic IP (default true).").optional_computed()),
                    ("retain_elastic_ip", Attr::bool("Keep the Elastic IP allocated after destroy, as seed 000 does (default false).").optional_computed()),
                    ("tags", Attr::string_map("Tags of every child.").optional()),
                    ("tags_all", Attr::string_map("Tags including the provider's default_tags.").computed()),
                    ("instance_id", Attr::string("Instance id.").computed()),
                    ("public_ip", Attr::string("Public IP (the Elastic IP when attached).").computed()),
                    ("private_ip", Attr::string("Private IP.").computed()),
                    ("security_group_id", Attr::string("Security group id.").computed()),
                    ("role_name", Attr::string("IAM role name.").computed()),
                    ("role_arn", Attr::string("IAM role ARN.").computed()),
                    ("instance_profile_name", Attr::string("Instance profile name.").computed()),
                    ("instance_profile_arn", Attr::string("Instance profile ARN.").computed()),
                    ("key_name", Attr::string("Key pair name.").computed()),
                    ("elastic_ip_allocation_id", Attr::string("Elastic IP allocation id.").computed()),
                    ("endpoint", Attr::string("`http://IP:PORT` of the API.").computed()),
                    ("user_data_sha256", Attr::string("SHA-256 of the rendered boot script.").computed()),
                    ("restrict_egress", Attr::bool("Allow only HTTPS (443) out, which is all the host needs (ECR, S3, Secrets Manager, SSM, package mirrors), instead of AWS's default of all traffic (default false).").optional_computed()),
                    ("ingress_rules", Attr::of(strings_t(), "Observed ingress rules (`tcp FROM-TO SOURCE`); a rule added out of band is removed by the next apply.").computed()),
                    ("egress_rules", Attr::of(strings_t(), "Observed egress rules; repaired to what restrict_egress says.").computed()),
                    ("role_policy_arns", Attr::of(strings_t(), "Observed managed policies of the role; repaired to ECR read-only.").computed()),
                    ("elastic_ip_associated", Attr::bool("Observed Elastic IP association; repaired when associate_elastic_ip.").computed()),
                ],
                [("timeouts", timeouts::schema_block())],
            ),
        }
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        if let Some(n) = known(&config.name) {
            let ok = !n.is_empty()
                && n.len() <= 48
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                diags.error(
                    "Invalid name",
                    format!("name \"{n}\" must be 1 to 48 letters, digits, '-' or '_' (it prefixes IAM and EC2 names)."),
                    AttributePath::new("name"),
                );
            }
        }
        if let Some(i) = known(&config.image) {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/:@".contains(c);
            if i.is_empty() || !i.chars().all(allowed) {
                diags.error(
                    "Invalid image",
                    format!("image \"{i}\" is not an image reference (REGISTRY/REPOSITORY:TAG or @sha256:DIGEST)."),
                    AttributePath::new("image"),
                );
            }
        }
        for (attr, v) in [
            ("container_port", &config.container_port),
            ("host_port", &config.host_port),
        ] {
            if let Value::Value(p) = v {
                if !(1..=65535).contains(p) {
                    diags.error(
                        "Invalid port",
                        format!("{attr} must be between 1 and 65535, got {p}."),
                        AttributePath::new(attr),
                    );
                }
            }
        }
        if let Value::Value(size) = config.root_volume_size {
            if !(8..=16384).contains(&size) {
                diags.error(
                    "Invalid root_volume_size",
                    format!("root_volume_size must be between 8 and 16384 GiB, got {size}."),
                    AttributePath::new("root_volume_size"),
                );
            }
        }
        for attr in ["ssh_cidr_blocks", "app_cidr_blocks"] {
            let v = if attr == "ssh_cidr_blocks" {
                &config.ssh_cidr_blocks
            } else {
                &config.app_cidr_blocks
            };
            if let Value::Value(items) = v {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Value(c) = item {
                        if !crate::children::security_group::is_cidr(c) {
                            diags.error(
                                "Invalid CIDR block",
                                format!("\"{c}\" is not an IPv4 or IPv6 CIDR block."),
                                AttributePath::new(attr).index(i as i64),
                            );
                        }
                    }
                }
            }
        }
        if let Value::Value(secrets) = &config.secret_environment {
            for (name, arn) in secrets {
                let path = AttributePath::new("secret_environment").key(name.clone());
                let valid_name = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid_name {
                    diags.error(
                        "Invalid variable name",
                        format!("\"{name}\" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)."),
                        path.clone(),
                    );
                }
                if let Value::Value(arn) = arn {
                    if !crate::children::secret_ref::is_secret_reference(arn) {
                        diags.error(
                            "Invalid secret reference",
                            crate::children::secret_ref::not_a_reference(arn),
                            path,
                        );
                    }
                }
            }
        }
    }

    fn lint(&self, config: &Self::State, diags: &mut Diagnostics) {
        lint_bridge::warn(diags, "blueprint_ml_host", config);
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) {
        derive(planned, clients);
        for v in [
            &mut planned.id,
            &mut planned.instance_id,
            &mut planned.public_ip,
            &mut planned.private_ip,
            &mut planned.security_group_id,
            &mut planned.role_arn,
            &mut planned.instance_profile_arn,
            &mut planned.endpoint,
        ] {
            *v = Value::Unknown;
        }
        for v in [
            &mut planned.ami_id,
            &mut planned.vpc_id,
            &mut planned.subnet_id,
        ] {
            if v.is_null() {
                *v = Value::Unknown;
            }
        }
        planned.elastic_ip_allocation_id =
            if planned.associate_elastic_ip.as_option() == Some(false) {
                Value::Null
            } else {
                Value::Unknown
            };
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        for (v, p) in [
            (&mut planned.ami_id, &prior.ami_id),
            (&mut planned.vpc_id, &prior.vpc_id),
            (&mut planned.subnet_id, &prior.subnet_id),
        ] {
            if v.is_null() {
                *v = p.clone();
            }
        }
        derive(planned, clients);
        let mut replace: Vec<AttributePath> = REPLACE_ON
            .iter()
            .filter(|a| changed(prior, planned, a))
            .map(|a| AttributePath::new(*a))
            .collect();
        if prior.instance_id.is_null() {
            // The instance is gone (see read): build the host again.
            replace.push(AttributePath::new("instance_id"));
        }
        if !replace.is_empty() {
            for v in [
                &mut planned.id,
                &mut planned.instance_id,
                &mut planned.public_ip,
                &mut planned.private_ip,
                &mut planned.endpoint,
            ] {
                *v = Value::Unknown;
            }
            return replace;
        }
        let eip_changes = planned.associate_elastic_ip != prior.associate_elastic_ip
            || prior.elastic_ip_associated != planned.elastic_ip_associated;
        if eip_changes {
            planned.public_ip = Value::Unknown;
            planned.endpoint = Value::Unknown;
            planned.elastic_ip_allocation_id =
                if planned.associate_elastic_ip.as_option() == Some(false) {
                    Value::Null
                } else {
                    Value::Unknown
                };
        }
        if planned.instance_type != prior.instance_type
            && !eip_changes
            && !prior.elastic_ip_associated.as_option().unwrap_or(false)
        {
            // A stop and start changes the public IP unless an Elastic IP holds it.
            planned.public_ip = Value::Unknown;
            planned.endpoint = Value::Unknown;
        }
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn has_children(&self, s: &Self::State) -> bool {
        // A retained Elastic IP is not the resource's to delete, so it alone keeps nothing.
        [
            &s.role_arn,
            &s.instance_profile_arn,
            &s.security_group_id,
            &s.instance_id,
        ]
        .iter()
        .any(|v| v.is_value())
            || (s.key_name.is_value() && s.ssh_public_key.is_value())
            || (s.elastic_ip_allocation_id.is_value()
                && s.retain_elastic_ip.as_option() != Some(true))
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<Self::State>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        // Independent children first, concurrently.
        ctx.all(vec![
            Box::pin(iam::create(ctx, &planned, rec)),
            Box::pin(network::create_security_group(ctx, &planned, rec)),
            Box::pin(network::import_key_pair(ctx, &planned, rec)),
        ])
        .await?;
        instance::create(ctx, &rec.snapshot(), rec).await?;
        if planned.associate_elastic_ip.as_option() != Some(false) {
            eip::create(ctx, &rec.snapshot(), rec).await?;
        }
        instance::finish(rec);
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        state: Self::State,
    ) -> Result<Option<Self::State>, CompositeError> {
        let mut state = state;
        let alive = instance::read(ctx, &mut state).await?;
        network::read(ctx, &mut state).await?;
        iam::read(ctx, &mut state).await?;
        eip::read(ctx, &mut state).await?;
        if !alive {
            // Other children left (a failed create, an instance terminated out of band) keep
            // the resource in state so the next plan replaces it (see the skeleton).
            state.instance_id = Value::Null;
        }
        instance::finish_state(&mut state);
        Ok(Some(state))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Self::State,
        rec: &Recorder<Self::State>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        network::reconcile(ctx, prior, &planned, rec).await?;
        iam::reconcile(ctx, prior, &planned, rec).await?;
        instance::update(ctx, prior, &planned, rec).await?;
        eip::reconcile(ctx, prior, &planned, rec).await?;
        instance::finish(rec);
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &Self::State) -> Result<(), CompositeError> {
        eip::delete(ctx, state).await?;
        instance::delete(ctx, state).await?;
        ctx.all(vec![
            Box::pin(network::delete_key_pair(ctx, state)),
            Box::pin(network::delete_security_group(ctx, state)),
            Box::pin(iam::delete(ctx, state)),
        ])
        .await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        instance::import(ctx, id).await
    }
}

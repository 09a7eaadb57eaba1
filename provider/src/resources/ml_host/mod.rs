//! `blueprint_ml_host`: seed 000's ML API host (one EC2 instance running a container pulled
//! from ECR), secure by default.
//!
//! Its children, declared as a table (`blueprint_declarations::composites::ml_host`), each in
//! the file named for it: an IAM `role` with ECR read-only and its `instance_profile`, a
//! `security_group`, an optional `key_pair` (made at the same time), then the `instance`
//! (IMDSv2 required, encrypted root volume, the rendered boot script), then an `elastic_ip`.
//! The children table runs create, read, update and delete; this file holds the state, what
//! the plan derives, and import. Nothing is open unless asked: `ssh_cidr_blocks` and
//! `app_cidr_blocks` are empty by default, and opening either to the whole internet gets a
//! plan-time warning from the linter's own rules.

use blueprint_declarations::composites::ml_host as declaration;
mod elastic_ip;
mod import;
mod instance;
mod instance_profile;
mod key_pair;
mod role;
mod security_group;
pub mod user_data;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::lint_bridge;
pub(crate) use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};

/// Default instance type (seed 000).
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.micro";
/// Default container port (seed 000's FastAPI).
pub const DEFAULT_CONTAINER_PORT: i64 = 8000;
/// Default root volume size in GiB.
pub const DEFAULT_ROOT_VOLUME_SIZE: i64 = 8;
/// The one managed policy the host's role gets.
pub const ECR_READ_ONLY: &str = "policy/AmazonEC2ContainerRegistryReadOnly";

pub use crate::kinds::security_group::all_egress;
use crate::types::sg_rule::{canonical_set, parse_cidr, to_strings, SgRule, Source};

/// The only egress rule with `restrict_egress`: HTTPS anywhere.
pub fn https_egress() -> SgRule {
    SgRule::tcp(
        443,
        Source::Cidr(ipnet::IpNet::V4(ipnet::Ipv4Net::default())),
    )
}

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
    /// Who owns the children: this resource.
    fn owner(&self) -> String {
        crate::kinds::ownership::owner("blueprint_ml_host", self.name())
    }
    /// The tags every child is created with: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&self.tags_all_map(), &self.owner())
    }

    /// The ingress rules the inputs ask for, canonical and sorted (unparsable inputs are
    /// refused at plan by the declared checks, so they are simply left out here).
    fn desired_ingress(&self) -> Vec<SgRule> {
        let Ok(port) = u16::try_from(self.host_port()) else {
            return Vec::new();
        };
        let cidrs = |l: &StringList| -> Vec<Source> {
            strings(l)
                .iter()
                .filter_map(|c| parse_cidr(c).ok())
                .map(Source::Cidr)
                .collect()
        };
        let ssh = cidrs(&self.ssh_cidr_blocks)
            .into_iter()
            .map(|c| SgRule::tcp(22, c));
        let app = cidrs(&self.app_cidr_blocks)
            .into_iter()
            .chain(
                strings(&self.allow_app_from_security_group_ids)
                    .into_iter()
                    .map(Source::Group),
            )
            .map(|s| SgRule::tcp(port, s));
        canonical_set(ssh.chain(app))
    }

    /// The egress rules `restrict_egress` asks for.
    fn desired_egress(&self) -> Vec<SgRule> {
        if self.restrict_egress.as_option() == Some(true) {
            vec![https_egress()]
        } else {
            vec![all_egress()]
        }
    }

    /// Whether the Elastic IP holds the public address (its child records it then).
    fn elastic_ip_holds_address(&self) -> bool {
        self.elastic_ip_allocation_id.is_value()
            && self.elastic_ip_associated.as_option() == Some(true)
    }

    /// `http://IP:PORT` from the addresses recorded so far (the public one when there is one).
    fn endpoint_now(&self) -> Value<String> {
        match self
            .public_ip
            .as_ref_option()
            .or(self.private_ip.as_ref_option())
        {
            Some(ip) => Value::Value(format!("http://{ip}:{}", self.host_port())),
            None => Value::Null,
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

/// EC2 tags for `resource` from the state's tags and owner, with a Name.
fn tag_spec(state: &MlHostState, resource: ResourceType, name: &str) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    let mut tags = state.child_tags();
    tags.entry("Name".to_string())
        .or_insert_with(|| name.to_string());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

/// An EC2 filter `name` = `value`.
fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Fill defaults and the values derived from inputs.
fn derive(s: &mut MlHostState, clients: Option<&AwsClients>) {
    // Declared defaults are filled by the skeleton; host_port follows container_port.
    if s.host_port.is_null() && s.container_port.is_value() {
        s.host_port = s.container_port;
    }
    s.egress_rules = if s.restrict_egress.is_unknown() {
        Value::Unknown
    } else {
        list(to_strings(&s.desired_egress()))
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
        list(to_strings(&s.desired_ingress()))
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

/// The composite.
pub struct MlHost;

#[async_trait]
impl Composite for MlHost {
    type State = MlHostState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
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
        // Known once the key pair exists (a create that fails before must not claim it).
        if !planned.ssh_public_key.is_null() {
            planned.key_name = Value::Unknown;
        }
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        derive(planned, clients);
        let replace =
            crate::composite::plan::replacements(declaration::declaration(), prior, planned);
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

    /// One entry per declared child; the children table runs create, read, update and delete.
    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(role::Role),
            Box::new(instance_profile::InstanceProfile),
            Box::new(security_group::SecurityGroup),
            Box::new(key_pair::KeyPair),
            Box::new(instance::Instance),
            Box::new(elastic_ip::ElasticIp),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        import::import(ctx, id).await
    }
}

//! `blueprint_ml_host`, declared: every attribute once, and the children as a table.

use std::sync::OnceLock;

use crate::checks::image_reference;
use crate::checks::{instance_type, ssh_public_key};
use crate::{Attr, Check, Child, Declaration, Default, Type};

#[path = "ml_host_expand.rs"]
mod expand;

fn host_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= 48
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("name \"{n}\" must be 1 to 48 letters, digits, '-' or '_' (it prefixes IAM and EC2 names)."))
    }
}

fn env_name(name: &str) -> Result<(), String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{name}\" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)."
        ))
    }
}

const NOTES: &str = r#"
## The boot script

Rendered by the provider (snapshot-tested): installs and starts Docker, logs in to ECR with the
instance role (`aws ecr get-login-password`), pulls `image`, runs it as `--name NAME --restart
unless-stopped --publish HOST_PORT:CONTAINER_PORT` with `environment`, and writes its progress to
`/var/log/blueprint-ml-host.log`. Secrets are never inline: each `secret_environment` entry is
fetched at boot (`aws secretsmanager get-secret-value` / `aws ssm get-parameter
--with-decryption`) into the container's environment. `user_data_sha256` is the script's hash.

**A change of `image`, `environment`, ports or `name` replaces the host** (the plan says
`forces replacement`): the boot script runs once, and a fresh host is the only state that is
known to match it. Keep `retain_elastic_ip = true` if the address must survive. `environment` is
part of the script: never put secrets in it.

## Drift

Read reports the security group's rules, the role's managed policies and the Elastic IP's
association as they are. The plan sets them to what the arguments say, so an SSH rule added out
of band, a policy attached by hand or a disassociated address shows as an in-place update, and
apply removes, detaches or re-associates it. Every child carries `tags_all`; a tag changed on
the resource is changed on every child. A security group, instance profile, role, key pair or
Elastic IP deleted out of band shows in the next plan and is made again by apply, the host kept:
the instance moves to the new security group and instance profile, a new role goes back into the
profile, and the key pair is imported again under its name (the running instance keeps the key it
booted with, as with `aws_key_pair`). If the instance is terminated out of band, the next plan
replaces the host (and destroy cleans up): nothing leaks.

## Delete and import

Delete goes in reverse: the Elastic IP (released unless retained), the instance (waiting for
`terminated`), then key pair, security group (retrying `DependencyViolation`) and role/profile.
On any error the resource stays in state and the next destroy finishes.

Import by instance id rebuilds the whole state from the instance: its boot script (name, image,
ports, environment), security group rules, profile and role, key pair, root volume and Elastic
IP (with its `blueprint:retain` tag).

Example: [`terraform/examples/ml-api`](../../terraform/examples/ml-api/main.tf), using the module
[`terraform/modules/ml-api`](../../terraform/modules/ml-api/main.tf).
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_ml_host",
        version: 1,
        description: "Seed 000's ML API host: one EC2 instance running a container image from ECR behind an Elastic IP, with IMDSv2, an encrypted root volume, a least-privilege role and nothing open unless asked. Opening SSH or the API to the whole internet gets a plan-time warning from the linter's own rules.",
        attrs: vec![
            Attr::string("id", "The instance id.").computed(),
            Attr::string("name", "Name of the host; prefixes its role, profile, security group and key pair.")
                .required().replaces().check(Check::Custom { describe: "1 to 48 letters, digits, `-`, `_`", check: host_name }),
            Attr::string("image", "Container image, e.g. `ACCOUNT.dkr.ecr.REGION.amazonaws.com/ml-santiago-api:latest` (the boot script runs once, so a change replaces the host).")
                .required().replaces().check(Check::Custom { describe: "image reference", check: image_reference }),
            Attr::number("container_port", "Port the container listens on.")
                .default(Default::Number(8000)).replaces().check(Check::Range(1, 65535)),
            Attr::number("host_port", "Port published on the host and opened to `app_cidr_blocks`.")
                .default(Default::Derived("`container_port`")).replaces().check(Check::Range(1, 65535)),
            Attr::string("instance_type", "Instance type; changed in place with a stop and start.")
                .default(Default::String("t3.micro")).check(Check::Custom { describe: "`FAMILY.SIZE`", check: instance_type }),
            Attr::string("ami_id", "AMI (default: the latest Amazon Linux 2023 for x86_64, found through the EC2 API).")
                .optional_computed().replaces().check(Check::Id("ami-")),
            Attr::string("vpc_id", "VPC (default: the default VPC).")
                .optional_computed().replaces().check(Check::Id("vpc-")),
            Attr::string("subnet_id", "Subnet (default: a default subnet of the VPC).")
                .optional_computed().replaces().check(Check::Id("subnet-")),
            Attr::string("ssh_public_key", "OpenSSH public key imported as the host's key pair (default: no key pair).")
                .replaces().check(Check::Custom { describe: "OpenSSH public key", check: ssh_public_key }),
            Attr::strings("ssh_cidr_blocks", "CIDRs allowed to SSH (default: none, and no SSH rule). `0.0.0.0/0` or `::/0` warns at plan time (`sg-ssh-rdp-open`).")
                .default(Default::EmptyList).check(Check::each(Check::Cidr)),
            Attr::strings("app_cidr_blocks", "CIDRs allowed to reach `host_port`. `0.0.0.0/0` or `::/0` warns at plan time (`sg-app-port-open`).")
                .default(Default::EmptyList).check(Check::each(Check::Cidr)),
            Attr::strings("allow_app_from_security_group_ids", "Security groups allowed to reach `host_port` (e.g. a load balancer's).")
                .default(Default::EmptyList).check(Check::each(Check::GroupId)),
            Attr::string_map("environment", "Container environment, written into the boot script: never secrets (a token-like value fails the plan, `ecs-plaintext-secrets`).")
                .replaces().check(Check::keys(Check::Custom { describe: "variable names", check: env_name })),
            Attr::string_map("secret_environment", "Secret environment: variable name to the ARN of a Secrets Manager secret or an SSM parameter, read at boot with the instance role (granted exactly these ARNs); only the ARN is in the boot script.")
                .replaces()
                .check(Check::keys(Check::Custom { describe: "variable names", check: env_name }))
                .check(Check::each(Check::SecretArn)),
            Attr::number("root_volume_size", "Root volume size in GiB, always encrypted.")
                .default(Default::Number(8)).replaces().check(Check::Range(8, 16384)),
            Attr::bool("associate_elastic_ip", "Attach an Elastic IP.").default(Default::Bool(true)),
            Attr::bool("retain_elastic_ip", "Keep the Elastic IP allocated after destroy, as seed 000 does.").default(Default::Bool(false)),
            Attr::bool("restrict_egress", "Allow only HTTPS (443) out, which is all the host needs (ECR, S3, Secrets Manager, SSM, package mirrors), instead of AWS's default of all traffic.").default(Default::Bool(false)),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string("instance_id", "Instance id.").computed(),
            Attr::string("public_ip", "Public IP (the Elastic IP when attached).").computed(),
            Attr::string("private_ip", "Private IP.").computed(),
            Attr::string("security_group_id", "Security group id.").computed(),
            Attr::string("role_name", "IAM role name.").computed(),
            Attr::string("role_arn", "IAM role ARN.").computed(),
            Attr::string("instance_profile_name", "Instance profile name.").computed(),
            Attr::string("instance_profile_arn", "Instance profile ARN.").computed(),
            Attr::string("key_name", "Key pair name.").computed(),
            Attr::string("elastic_ip_allocation_id", "Elastic IP allocation id.").computed(),
            Attr::string("endpoint", "`http://IP:PORT` of the API.").computed(),
            Attr::string("user_data_sha256", "SHA-256 of the rendered boot script.").computed(),
            Attr::of("ingress_rules", Type::strings(), "Observed ingress rules (`PROTO FROM-TO SOURCE`); a rule added out of band is removed by the next apply.").computed(),
            Attr::of("egress_rules", Type::strings(), "Observed egress rules; repaired to what `restrict_egress` says.").computed(),
            Attr::of("role_policy_arns", Type::strings(), "Observed managed policies of the role; repaired to ECR read-only.").computed(),
            Attr::bool("elastic_ip_associated", "Observed Elastic IP association; repaired when `associate_elastic_ip`.").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("role", "aws_iam_role", "role_arn").aws_id("{role_name}").outputs(&["role_name"])
                .how("`NAME-role`, trusted by `ec2.amazonaws.com`; only `AmazonEC2ContainerRegistryReadOnly` attached, plus an inline policy for exactly the `secret_environment` ARNs"),
            Child::new("instance_profile", "aws_iam_instance_profile", "instance_profile_arn")
                .aws_id("{instance_profile_name}").outputs(&["instance_profile_name"])
                .after(&["role"]).how("`NAME-profile` holding the role"),
            Child::new("security_group", "aws_security_group", "security_group_id")
                .how("`NAME-sg`: ingress only from `ssh_cidr_blocks` (22), `app_cidr_blocks` and `allow_app_from_security_group_ids` (`host_port`); egress all traffic or, with `restrict_egress`, HTTPS only"),
            Child::new("key_pair", "aws_key_pair", "key_name")
                .optional().how("`NAME-key`, when `ssh_public_key` is set"),
            Child::new("instance", "aws_instance", "instance_id")
                .after(&["instance_profile", "security_group", "key_pair"]).replace_when_gone()
                .outputs(&["public_ip", "private_ip", "endpoint"])
                .how("Amazon Linux 2023 (or `ami_id`), IMDSv2 required with hop limit 2, encrypted gp3 root volume, the rendered boot script"),
            Child::new("elastic_ip", "aws_eip", "elastic_ip_allocation_id")
                .after(&["instance"]).optional().retained_when("retain_elastic_ip")
                .how("allocated and associated when `associate_elastic_ip`; kept after destroy when `retain_elastic_ip`"),
        ],
        import_id: "INSTANCE_ID",
        example: r#"resource "blueprint_ml_host" "api" {
  name            = "infra-ml"
  image           = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  app_cidr_blocks = ["203.0.113.0/24"]
}"#,
        notes: NOTES,
        expand: expand::expand,
    })
}

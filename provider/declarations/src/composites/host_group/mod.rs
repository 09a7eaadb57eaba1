//! `blueprint_host_group`, declared: EC2 hosts whose security-group rules are derived from the
//! connections they declare ([`topology`]), as the pipeline derives IAM from its data flow;
//! each host with its own group, role and instance profile, IMDSv2, an encrypted gp3 volume and
//! a cloud-init boot configuration ([`boot`]).

use std::sync::OnceLock;

pub mod boot;
pub mod expand;
pub mod topology;

use crate::checks::instance_type;
use crate::{Attr, Block, Check, Child, Declaration, Default, Nesting, Type};

/// Longest group name: `GROUP-HOST` names IAM roles and profiles (64) and security groups.
pub const MAX_NAME_LEN: usize = 24;
/// Longest host, service or outside target name.
pub const MAX_PART_LEN: usize = 24;

/// The managed policy that lets SSM Session Manager reach a host (the documented shell access).
pub const SSM_CORE: &str = "policy/AmazonSSMManagedInstanceCore";

/// Protocols a service may declare.
pub const PROTOCOLS: &[&str] = &["tcp", "udp"];

fn lower_name(n: &str, max: usize) -> bool {
    !n.is_empty()
        && n.len() <= max
        && !n.starts_with('-')
        && !n.ends_with('-')
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn group_name(n: &str) -> Result<(), String> {
    if lower_name(n, MAX_NAME_LEN) {
        Ok(())
    } else {
        Err(format!("\"{n}\" must be 1 to {MAX_NAME_LEN} lowercase letters, digits or '-', not starting or ending with '-' (it prefixes every host's security group, role and instance profile)."))
    }
}

fn part_name(n: &str) -> Result<(), String> {
    if lower_name(n, MAX_PART_LEN) {
        Ok(())
    } else {
        Err(format!("\"{n}\" must be 1 to {MAX_PART_LEN} lowercase letters, digits or '-', not starting or ending with '-'."))
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

fn not_whole_internet(c: &str) -> Result<(), String> {
    if topology::whole_internet(c) {
        Err(format!("\"{c}\" is the whole internet: SSH is only opened to explicit CIDRs (your office, your VPN). Leave `ssh_cidr_blocks` empty and use SSM Session Manager (`aws ssm start-session --target INSTANCE_ID`), which every host's role allows."))
    } else {
        Ok(())
    }
}

const NOTES: &str = r#"
## Network rules derived from connections

Each host declares what it `serves` (`{ name, port, protocol }`) and what it `connects_to`
(`{ host, service }`, another host's service) or `connects_to_external` (`{ name, port }`, a
`blueprint_database` or cache outside the group). From those edges alone each host's security
group (`GROUP-HOST`) gets exactly:

| edge | ingress rule on the target's group |
| --- | --- |
| `worker.connects_to = [{ host = "files", service = "nfs" }]`, `files.serves = [{ name = "nfs", port = 2049, protocol = "tcp" }]` | tcp 2049 **from the worker's group** (never a CIDR) |
| `public_ports = [80, 443]` | tcp 80 and 443 from `public_from_security_group_ids` (a `blueprint_load_balancer`'s group), or from `0.0.0.0/0` when none is given |
| `ssh_cidr_blocks = ["203.0.113.0/24"]` | tcp 22 from those CIDRs (the whole internet is refused at plan) |

Nothing else: a host nobody connects to and without public ports has no ingress at all. Egress
is AWS's default (all traffic). `ingress_rules` shows each host's rules as read back: a rule
added out of band is removed by the next apply, a missing one put back.

An outside target admits the hosts itself, in one of two ways:

- give the hosts that declare the connection the target's client group in
  `additional_security_group_ids` (`blueprint_database`'s `client_security_group_id`, which
  the database admits on 5432). The hosts may then also read the database's credentials
  (`secret_environment = { DATABASE_SECRET = blueprint_database.db.master_user_secret_arn }`):
  the host group depends on the database, never the other way round. This is what
  [`terraform/examples/video-ec2`](../../terraform/examples/video-ec2/main.tf) does;
- or give the target `client_security_group_ids[NAME]`, the groups of the hosts that declare a
  connection to `NAME` (`blueprint_database`'s `allowed_security_group_ids`). The database then
  depends on the host group, so the hosts cannot take its secret's ARN (Terraform would see a
  cycle).

## Plan-time checks

The plan fails, on the attribute's path, when a host connects to an undeclared host
(`host[1].connects_to[0].host`) or to a service its peer does not serve
(`host[1].connects_to[0].service`), when a host connects to itself, when two services of a host
use one port (`host[2].serves[1].port`) or one outside target is reached on two ports, when a
host or a host's service is declared twice, when `ssh_cidr_blocks` holds `0.0.0.0/0` or `::/0`,
and when `public_ports` holds 22 or 3389.

## Each host

| setting | how |
| --- | --- |
| instance metadata | IMDSv2 only (`http_tokens = required`, hop limit 2) |
| volume | one encrypted gp3 root volume of `volume_size` GiB, deleted with the instance |
| role | `GROUP-HOST`, trusted by EC2: `AmazonSSMManagedInstanceCore` (Session Manager) and an inline policy reading exactly the `secret_environment` ARNs |
| instance profile | `GROUP-HOST`, holding the role |
| boot | cloud-init: `packages`, then a script that reads each `secret_environment` entry with the role (`aws secretsmanager get-secret-value` / `aws ssm get-parameter --with-decryption`) into `/etc/blueprint/secrets.env` (root only, 0600; never echoed), then `commands` |
| tags | every child carries `tags_all`, `Name = GROUP-HOST` and `blueprint:owner = blueprint_host_group/GROUP`; the security group also carries the host's record for import (below) |

**Shell access** is through SSM Session Manager: `aws ssm start-session --target INSTANCE_ID`
(the role allows it; no port 22, no key pair).

A change of a host's `packages`, `commands`, `secret_environment`, `subnet_id`, `ami_id` or
`volume_size` launches that host again (its boot configuration runs once); `instance_type`
changes in place with a stop and start; a change of connections or public ports changes rules
in place. A host removed from the configuration is terminated and its group, role and profile
deleted; one added is made.

## Delete and import

Delete goes in reverse: the instances (waiting for `terminated`), the instance profiles and
roles, then the security groups (their rules that name each other first, retrying
`DependencyViolation`).

`terraform import blueprint_host_group.NAME GROUP_NAME` takes the group's `name`. AWS keeps the
instances, groups, roles and profiles but not the configuration they were derived from (which
host serves what, who connects to whom), so each host's security group records its whole `host`
block and its position among the blocks: tags `blueprint:host:0`, `blueprint:host:1`, ... hold
the block as compact JSON (short field names, unset fields left out) in unpadded base64url, cut
into values of at most 256 characters. That is its `name`, `instance_type`, `volume_size`,
`subnet_id`, `ami_id`, `serves`, `connects_to`, `connects_to_external`, `public_ports`,
`public_from_security_group_ids`, `additional_security_group_ids`, `ssh_cidr_blocks`,
`packages`, `commands` and `secret_environment` (variable names and ARNs, never secret
values). The record is written when the group is made, and every apply that updates the
resource puts each group's tags (`tags_all` and the record) back to what they should be, read
from AWS: a changed block is recorded, and a record changed or removed out of band is repaired
like the other tags (an out-of-band tag change alone does not show in a plan). Import finds the groups by their
owner tag, rebuilds the blocks in the configuration's order, takes `vpc_id` from the groups and
`tags` from their tags (less `default_tags`), finds the instances by owner and `Name` tags and
the roles and profiles by name, then reads every child as a refresh does: the imported state
equals the applied one and the plan after importing with the same configuration is empty.

A security group holds at most 50 tags: a host whose record would not fit beside `tags_all`,
`Name` and `blueprint:owner` (a typical host takes 1 or 2 tags; long `commands` take more)
fails the plan on `host[i]`. A group made by a version without the record cannot be imported
until an apply that updates the resource writes it.

Example: [`terraform/examples/video-ec2`](../../terraform/examples/video-ec2/main.tf), seed 002 on
Blueprint alone.
"#;

fn service() -> Type {
    Type::List(Box::new(Type::Object(vec![
        ("name", Type::String),
        ("port", Type::Number),
        ("protocol", Type::String),
    ])))
}

fn connection() -> Type {
    Type::List(Box::new(Type::Object(vec![
        ("host", Type::String),
        ("service", Type::String),
    ])))
}

fn external() -> Type {
    Type::List(Box::new(Type::Object(vec![
        ("name", Type::String),
        ("port", Type::Number),
    ])))
}

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_host_group",
        version: 0,
        description: "EC2 hosts (seed 002's web server, worker and file server) whose security-group rules are derived from the connections they declare: each host gets its own group admitting exactly its peers' connections, from their groups, never CIDRs; public ports only where declared; no SSH unless explicit CIDRs that are not the whole internet (shell access through SSM Session Manager). Each host has IMDSv2 only, an encrypted gp3 volume, its own least-privilege role and instance profile, and a cloud-init boot configuration that reads its secrets at boot.",
        attrs: vec![
            Attr::string("id", "The group's name.").computed(),
            Attr::string("name", "The group's name: each host's security group, role and instance profile are `NAME-HOST`.")
                .required().replaces().check(Check::Custom { describe: "1 to 24 lowercase letters, digits or '-'", check: group_name }),
            Attr::string("vpc_id", "VPC of the hosts' subnets (e.g. `blueprint_network`'s `vpc_id`); the security groups are made in it.")
                .required().replaces().check(Check::Id("vpc-")),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string_map("security_group_ids", "Each host's security group id, by host.").computed(),
            Attr::of("client_security_group_ids", Type::Map(Box::new(Type::strings())), "For each outside target named in `connects_to_external`, the security groups of the hosts that connect to it (give them to the target, e.g. `blueprint_database.allowed_security_group_ids`).").computed(),
            Attr::of("ingress_rules", Type::Map(Box::new(Type::strings())), "Each host's ingress rules (`PROTO FROM-TO SOURCE`) as read back, by host; repaired to what the connections imply.").computed(),
            Attr::string_map("role_arns", "Each host's role ARN, by host.").computed(),
            Attr::string_map("instance_profile_arns", "Each host's instance profile ARN, by host.").computed(),
            Attr::string_map("instance_ids", "Each host's instance id, by host.").computed(),
            Attr::string_map("private_ips", "Each host's private IP, by host.").computed(),
            Attr::string_map("user_data_sha256", "SHA-256 of each host's boot configuration, by host.").computed(),
        ],
        blocks: vec![Block {
            name: "host",
            description: "A host: its size, what it serves, what it connects to, its software.",
            nesting: Nesting::List,
            replaces: false,
            attrs: vec![
                Attr::string("name", "The host's name: its group, role and profile are `NAME-HOST`.")
                    .required().check(Check::Custom { describe: "1 to 24 lowercase letters, digits or '-'", check: part_name }),
                Attr::string("instance_type", "Instance type; changed in place with a stop and start.")
                    .default(Default::String("t3.small")).check(Check::Custom { describe: "`FAMILY.SIZE`", check: instance_type }),
                Attr::number("volume_size", "Root volume size in GiB (encrypted gp3).")
                    .default(Default::Number(50)).check(Check::Range(8, 16384)),
                Attr::string("subnet_id", "Subnet (a `blueprint_network`'s private subnet; public only for a host serving the internet directly).")
                    .required().check(Check::Id("subnet-")),
                Attr::string("ami_id", "AMI (default: the latest Amazon Linux 2023 for x86_64).")
                    .check(Check::Id("ami-")),
                Attr::of("serves", service(), "What it serves: `[{ name = \"nfs\", port = 2049, protocol = \"tcp\" }]`. Opened only to the hosts that connect to it.")
                    .check(Check::each(Check::Fields(&["name", "port", "protocol"]))),
                Attr::of("connects_to", connection(), "Its peers' services it connects to: `[{ host = \"files\", service = \"nfs\" }]`. Each admits it on that service's port, from its group.")
                    .check(Check::each(Check::Fields(&["host", "service"]))),
                Attr::of("connects_to_external", external(), "Outside targets it connects to (a `blueprint_database`, a cache): `[{ name = \"db\", port = 5432 }]`; its group is listed in `client_security_group_ids[NAME]`.")
                    .check(Check::each(Check::Fields(&["name", "port"]))),
                Attr::of("public_ports", Type::List(Box::new(Type::Number)), "Ports open to the public: from `public_from_security_group_ids`, else from the internet (e.g. `[80, 443]` on the web host).")
                    .default(Default::EmptyList).check(Check::each(Check::Range(1, 65535))),
                Attr::strings("public_from_security_group_ids", "Where the public ports are reached from (a `blueprint_load_balancer`'s `security_group_id`); empty: the internet.")
                    .default(Default::EmptyList).check(Check::each(Check::GroupId)),
                Attr::strings("additional_security_group_ids", "More security groups of the instance: a target's client group, such as `blueprint_database`'s `client_security_group_id`, which the database admits (give it only to the hosts that declare the connection in `connects_to_external`).")
                    .default(Default::EmptyList).check(Check::each(Check::GroupId)),
                Attr::strings("ssh_cidr_blocks", "CIDRs allowed to SSH (default none: no port 22). The whole internet is refused; use SSM Session Manager.")
                    .default(Default::EmptyList).check(Check::each(Check::Cidr))
                    .check(Check::each(Check::Custom { describe: "not the whole internet", check: not_whole_internet })),
                Attr::strings("packages", "Packages installed at first boot (cloud-init `packages`).")
                    .default(Default::EmptyList),
                Attr::strings("commands", "Commands run once at first boot, after the secrets are read (cloud-init `runcmd`). Never secrets: use `secret_environment`.")
                    .default(Default::EmptyList),
                Attr::string_map("secret_environment", "Secrets the host reads at boot: variable name to the ARN of a Secrets Manager secret or SSM parameter (e.g. `blueprint_database`'s `master_user_secret_arn`); the role may read exactly these; the values land in `/etc/blueprint/secrets.env` (root only), never in user data, state or logs.")
                    .check(Check::keys(Check::Custom { describe: "variable names", check: env_name }))
                    .check(Check::each(Check::SecretArn)),
            ],
        }],
        children: vec![
            Child::new("security_groups", "aws_security_group", "security_group_ids")
                .outputs(&["ingress_rules", "client_security_group_ids"])
                .how("one per host, `NAME-HOST` in `vpc_id`: ingress exactly what its peers' connections, its public ports and its SSH CIDRs imply"),
            Child::new("roles", "aws_iam_role", "role_arns")
                .how("one per host, `NAME-HOST`, trusted by EC2: `AmazonSSMManagedInstanceCore` and an inline policy reading exactly its `secret_environment` ARNs"),
            Child::new("instance_profiles", "aws_iam_instance_profile", "instance_profile_arns")
                .after(&["roles"])
                .how("one per host, `NAME-HOST`, holding its role"),
            Child::new("instances", "aws_instance", "instance_ids")
                .after(&["security_groups", "instance_profiles"])
                .outputs(&["private_ips", "user_data_sha256"])
                .how("one per host: Amazon Linux 2023 (or `ami_id`), IMDSv2 only, encrypted gp3 root volume of `volume_size`, its group and profile, the cloud-init boot configuration"),
        ],
        import_id: "GROUP_NAME",
        example: r#"resource "blueprint_host_group" "video" {
  name   = "anb"
  vpc_id = blueprint_network.main.vpc_id

  host {
    name         = "web"
    subnet_id    = blueprint_network.main.public_subnet_ids[0]
    serves       = [{ name = "http", port = 80, protocol = "tcp" }, { name = "https", port = 443, protocol = "tcp" }]
    public_ports = [80, 443]
    connects_to  = [{ host = "files", service = "nfs" }, { host = "files", service = "redis" }]
    connects_to_external = [{ name = "db", port = 5432 }]
    packages     = ["nginx", "python3-pip"]
  }
  host {
    name        = "worker"
    subnet_id   = blueprint_network.main.private_subnet_ids[0]
    connects_to = [{ host = "files", service = "nfs" }, { host = "files", service = "redis" }]
    connects_to_external = [{ name = "db", port = 5432 }]
  }
  host {
    name      = "files"
    subnet_id = blueprint_network.main.private_subnet_ids[0]
    serves    = [{ name = "nfs", port = 2049, protocol = "tcp" }, { name = "redis", port = 6379, protocol = "tcp" }]
    packages  = ["nfs-utils", "redis6"]
    secret_environment = { REDIS_PASSWORD = aws_ssm_parameter.redis.arn }
  }
}

resource "blueprint_database" "db" {
  # ...
  allowed_security_group_ids = blueprint_host_group.video.client_security_group_ids["db"]
}"#,
        notes: NOTES,
        expand: expand::expand,
    })
}

//! `blueprint_database`, declared: seed 001's PostgreSQL, as Aurora Serverless v2 or an RDS
//! instance, in the database subnets, never public, encrypted, with the master password kept
//! by RDS in Secrets Manager.

use std::sync::OnceLock;

use crate::expand::Plain;
use crate::value::{field, is_unknown, Generic, Path, Step};
use crate::{Attr, Check, Child, Declaration, Default, Type};

/// Aurora PostgreSQL (Serverless v2).
pub const AURORA: &str = "aurora-postgresql";
/// RDS for PostgreSQL (one instance).
pub const POSTGRES: &str = "postgres";
/// The PostgreSQL port, the only one the security group opens.
pub const PORT: i64 = 5432;
/// The instance class of Aurora Serverless v2 instances.
pub const SERVERLESS_CLASS: &str = "db.serverless";
/// Longest `name`: instance identifiers (`NAME-writer`, `NAME-reader`) stay within RDS's 63.
pub const MAX_NAME_LEN: usize = 50;
/// Fewest and most Aurora capacity units Serverless v2 accepts.
pub const ACU_RANGE: (f64, f64) = (0.5, 256.0);

/// The seed 001 sizing table: what `profile` sets when an attribute is left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizing {
    /// Automated backup retention, days.
    pub backup_retention_days: i64,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// Destroy without a final snapshot.
    pub skip_final_snapshot: bool,
    /// Serverless v2 minimum ACU.
    pub min_capacity: f64,
    /// Serverless v2 maximum ACU.
    pub max_capacity: f64,
    /// An Aurora reader instance besides the writer.
    pub reader: bool,
    /// RDS instance class.
    pub instance_class: &'static str,
    /// RDS allocated storage, GiB.
    pub allocated_storage: i64,
    /// RDS Multi-AZ standby.
    pub multi_az: bool,
}

/// The sizing of `profile` (`dev` or `prod`; anything else is refused at plan, `None` here).
pub fn sizing(profile: &str) -> Option<Sizing> {
    match profile {
        "dev" => Some(Sizing {
            backup_retention_days: 3,
            deletion_protection: false,
            skip_final_snapshot: true,
            min_capacity: 0.5,
            max_capacity: 2.0,
            reader: false,
            instance_class: "db.t4g.micro",
            allocated_storage: 20,
            multi_az: false,
        }),
        "prod" => Some(Sizing {
            backup_retention_days: 14,
            deletion_protection: true,
            skip_final_snapshot: false,
            min_capacity: 1.0,
            max_capacity: 4.0,
            reader: true,
            instance_class: "db.t4g.medium",
            allocated_storage: 100,
            multi_az: true,
        }),
        _ => None,
    }
}

/// A DB identifier RDS accepts as a prefix: a lowercase letter, then lowercase letters, digits
/// and single hyphens, not ending in a hyphen (RDS lowercases identifiers: upper case would
/// drift).
pub fn db_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= MAX_NAME_LEN
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !n.ends_with('-')
        && !n.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!("name \"{n}\" must be 1 to {MAX_NAME_LEN} lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen (it is the cluster or instance identifier)."))
    }
}

/// Words PostgreSQL or RDS keep for themselves, refused as the master user name.
const RESERVED_USERS: &[&str] = &[
    "admin",
    "rdsadmin",
    "rds_superuser",
    "rdsrepladmin",
    "rds_replication",
    "rds_password",
    "rdstopmgr",
    "public",
    "user",
    "all",
    "select",
    "table",
    "group",
    "order",
    "default",
    "none",
];

/// A PostgreSQL identifier: a letter, then letters, digits or `_`, at most 63 characters.
fn pg_identifier(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The master user name: a PostgreSQL identifier RDS accepts, not a reserved word.
pub fn master_username(u: &str) -> Result<(), String> {
    if !pg_identifier(u, 63) {
        return Err(format!("master_username \"{u}\" must be 1 to 63 letters, digits or '_', starting with a letter."));
    }
    let lower = u.to_ascii_lowercase();
    if RESERVED_USERS.contains(&lower.as_str()) || lower.starts_with("pg_") {
        return Err(format!("master_username \"{u}\" is reserved by PostgreSQL or RDS (reserved: {}, and names starting with pg_); pick another, e.g. \"dbadmin\".", RESERVED_USERS.join(", ")));
    }
    Ok(())
}

/// A master password RDS accepts: 8 to 128 printable ASCII characters other than `/`, `"`,
/// `@` and space. The message never repeats the value (it is a secret).
pub fn master_password(p: &str) -> Result<(), String> {
    let len = p.chars().count();
    if !(8..=128).contains(&len) {
        return Err(format!(
            "master_password_wo must be 8 to 128 characters; this one has {len}."
        ));
    }
    if let Some(bad) = p
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, '/' | '"' | '@'))
    {
        let what = match bad {
            '/' | '"' | '@' => format!("`{bad}`"),
            ' ' => "a space".to_string(),
            _ => "a character that is not printable ASCII".to_string(),
        };
        return Err(format!(
            "master_password_wo contains {what}, which RDS refuses in a master password (printable ASCII except `/`, `\"`, `@` and space)."
        ));
    }
    Ok(())
}

/// The initial database's name: a PostgreSQL identifier, not a template database.
pub fn database_name(d: &str) -> Result<(), String> {
    if !pg_identifier(d, 63) {
        return Err(format!(
            "database_name \"{d}\" must be 1 to 63 letters, digits or '_', starting with a letter."
        ));
    }
    if ["template0", "template1", "rdsadmin"].contains(&d.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "database_name \"{d}\" is reserved by PostgreSQL or RDS."
        ));
    }
    Ok(())
}

/// An RDS instance class: `db.FAMILY.SIZE` or `db.serverless`.
pub fn instance_class(c: &str) -> Result<(), String> {
    if c == SERVERLESS_CLASS {
        return Ok(());
    }
    let ok = c
        .strip_prefix("db.")
        .is_some_and(|rest| crate::checks::instance_type(rest).is_ok());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{c}\" is not an RDS instance class (db.FAMILY.SIZE, e.g. db.t4g.micro, or db.serverless)."
        ))
    }
}

/// An engine version: numbers separated by dots (`15.4`, `16`).
pub fn engine_version(v: &str) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "engine_version \"{v}\" is not a PostgreSQL version (e.g. \"15.4\" or \"16\")."
        ))
    }
}

/// The PostgreSQL major versions RDS offers, per engine (standard and extended support, as of
/// 2026). A version must name one: `16`, or a minor of it, `16.4`. Majors from 10 on have two
/// parts at most (`15.4.1` does not exist); 9.6 and earlier are gone from RDS.
pub const KNOWN_MAJORS: &[(&str, &[u32])] = &[
    (AURORA, &[11, 12, 13, 14, 15, 16, 17]),
    (POSTGRES, &[11, 12, 13, 14, 15, 16, 17]),
];

/// Why `version` is not a version of `engine` RDS offers (see [`KNOWN_MAJORS`]), or `Ok`.
/// The minor is not checked against a list: AWS adds minors every quarter, and a minor that
/// does not exist is refused by RDS at apply before anything is created.
pub fn engine_version_exists(engine: &str, version: &str) -> Result<(), String> {
    engine_version(version)?;
    let Some((_, majors)) = KNOWN_MAJORS.iter().find(|(e, _)| *e == engine) else {
        return Ok(());
    };
    let parts: Vec<&str> = version.split('.').collect();
    let major: Option<u32> = parts.first().and_then(|p| p.parse().ok());
    let listed = || {
        majors
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match major {
        Some(m) if majors.contains(&m) && parts.len() <= 2 => Ok(()),
        Some(m) if majors.contains(&m) => Err(format!(
            "\"{version}\" is not a {engine} version: from 10 on a version is MAJOR.MINOR (e.g. \"{m}.4\")."
        )),
        _ => Err(format!(
            "\"{version}\" is not a {engine} version RDS offers: the major version must be one of {}.",
            listed()
        )),
    }
}

/// Whether `acu` is a capacity Serverless v2 accepts: 0.5 to 256, in steps of 0.5.
pub fn acu_ok(acu: f64) -> bool {
    (ACU_RANGE.0..=ACU_RANGE.1).contains(&acu) && (acu * 2.0).fract() == 0.0
}

const NOTES: &str = r#"
## Profiles

`profile` applies seed 001's sizing table to every attribute left out:

| attribute | `dev` | `prod` |
| --- | --- | --- |
| `backup_retention_days` | 3 | 14 |
| `deletion_protection` | false | true |
| `skip_final_snapshot` | true | false |
| `min_capacity` / `max_capacity` (Aurora) | 0.5 / 2 ACU | 1 / 4 ACU |
| `reader` (Aurora) | false | true |
| `instance_class` (RDS) | `db.t4g.micro` | `db.t4g.medium` |
| `allocated_storage` (RDS) | 20 GiB | 100 GiB |
| `multi_az` (RDS) | false | true |

Changing `profile` moves every attribute that still has the old profile's value to the new
profile's; a value set in the configuration stays.

## What cannot be turned off

The database is never publicly accessible and its storage is always encrypted (with
`kms_key_id` or the account's `aws/rds` key). No password is ever in the plan or the state.

## The master password: two ways, exactly one

- **Managed by RDS** (the default): RDS generates the password and keeps it in Secrets Manager
  (`ManageMasterUserPassword`). `master_user_secret_arn` is the secret's ARN, ready for
  `blueprint_secure_service`'s `container { secrets = { DB_PASSWORD = ... } }` (the secret holds
  JSON with `username` and `password`).
- **Write-only** (Terraform 1.11 or newer): `master_password_wo` with
  `master_password_wo_version`, the AWS provider's `password_wo` convention. The password is
  sent to RDS at create, and again whenever `master_password_wo_version` changes; Terraform keeps
  neither it in the plan nor in the state, and the provider never logs it.
  `master_user_secret_arn` is then null. Give it from an ephemeral value so it is on no disk:

  ```hcl
  variable "db_password" {
    type      = string
    sensitive = true
    ephemeral = true
  }

  resource "blueprint_database" "main" {
    # ...
    master_password_wo         = var.db_password
    master_password_wo_version = 1 # 2 when the password changes
  }
  ```

  Terraform before 1.11 does not know write-only attributes and would store the value: a
  configuration that sets `master_password_wo` is refused at plan, saying Terraform 1.11 or
  newer is needed. Switching an existing database from one way to the other is an in-place
  update (`ModifyDBCluster`/`ModifyDBInstance`).

The ephemeral resource [`blueprint_database_credentials`](../ephemeral-resources/database_credentials.md)
gives the credentials for the length of a run (Terraform 1.10 or newer): the managed secret's
password, or, for the write-only way, the user name, host and port with a null password (its
source is yours).

## Security group

The security group admits TCP 5432 only from
`allowed_security_group_ids`; there is no CIDR input.

## Drift

Read reports the security group's ingress rules (`ingress_rules`) and the settings this
resource guarantees (`settings`: backup retention, deletion protection, encryption, public
access, the managed password, capacity or class and storage). The plan sets them to what the
arguments say, so a rule added out of band, a retention or deletion protection changed in the
console shows as an in-place update and apply puts it back. Every child carries `tags_all` and
`blueprint:owner`; the cluster (or instance) also carries `blueprint:profile`, which import
reads back.

## Destroy, deletion protection and the final snapshot

Deletion protection guards the database against deletion *outside* this resource (the console,
the CLI, another tool). `terraform destroy` of this resource is the explicit request to delete
it, so destroy turns deletion protection off first, then deletes the database, with a final
snapshot `NAME-final-UNIXTIME` unless `skip_final_snapshot` (prod keeps one, dev does not). To
guard against an accidental `terraform destroy`, add `lifecycle { prevent_destroy = true }`.
Delete goes in reverse: reader, writer (each waited on until gone), cluster (waited on until
gone), then the subnet group and the security group (retrying while RDS's network interfaces
still hold it).

## Import

Import by the cluster identifier (Aurora) or the instance identifier (RDS), which is `name`:
`terraform import blueprint_database.main senas-db`. The profile comes from the
`blueprint:profile` tag; an unencrypted or publicly accessible database is refused.
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_database",
        version: 1,
        description: "Seed 001's PostgreSQL: Aurora PostgreSQL Serverless v2 (a writer, and a reader in prod) or one RDS for PostgreSQL instance, in the database subnets through its own subnet group, never publicly accessible, storage encrypted, the master password generated and kept by RDS in Secrets Manager or, with Terraform 1.11+, given write-only (never in the plan or the state), reachable on 5432 only from the security groups it is given. `profile` sets backups (3 days in dev, 14 in prod), deletion protection and a final snapshot (prod), and capacity.",
        attrs: vec![
            Attr::string("id", "The cluster identifier (Aurora) or instance identifier (RDS), which is `name`; the import id.").computed(),
            Attr::string("name", "Cluster or instance identifier; names the subnet group (`NAME`), security group (`NAME-db`) and Aurora instances (`NAME-writer`, `NAME-reader`).")
                .required().replaces().check(Check::Custom { describe: "1 to 50 lowercase letters, digits, `-`", check: db_name }),
            Attr::string("profile", "`dev` or `prod`: the seed 001 sizing defaults (see Profiles).")
                .required().check(Check::OneOf(&["dev", "prod"])),
            Attr::string("engine", "`aurora-postgresql` (Serverless v2) or `postgres` (one RDS instance).")
                .default(Default::String(AURORA)).replaces().check(Check::OneOf(&[AURORA, POSTGRES])),
            Attr::string("engine_version", "PostgreSQL version, e.g. `15.4` (default: RDS's default for the engine). Its major must be one RDS offers for the engine (11 to 17 for both), as `MAJOR` or `MAJOR.MINOR`; another fails the plan (the version an existing database already runs, such as an imported one's, is accepted as it is). A change upgrades in place.")
                .optional_computed().check(Check::Custom { describe: "version, e.g. `15.4`", check: engine_version }),
            Attr::string("vpc_id", "VPC of the subnets; the security group is made in it.")
                .required().replaces().check(Check::Id("vpc-")),
            Attr::string_set("subnet_ids", "The database subnets (e.g. `blueprint_network`'s `database_subnet_ids`), at least two in different availability zones. A set: their order means nothing (an import reads them sorted).")
                .required().check(Check::Len(2, 20)).check(Check::each(Check::Id("subnet-"))),
            Attr::strings("allowed_security_group_ids", "Security groups admitted on 5432 (e.g. the services'); nothing else is.")
                .default(Default::EmptyList).check(Check::Len(0, 50)).check(Check::each(Check::GroupId)),
            Attr::string("database_name", "Name of the database created with it.")
                .default(Default::String("app")).replaces().check(Check::Custom { describe: "PostgreSQL identifier", check: database_name }),
            Attr::string("master_username", "Master user name (its password is generated by RDS into Secrets Manager).")
                .default(Default::String("dbadmin")).replaces().check(Check::Custom { describe: "PostgreSQL identifier, not reserved (`admin`, `rdsadmin`, `pg_…`)", check: master_username }),
            Attr::string("master_password_wo", "The master password, write-only (Terraform 1.11 or newer): the alternative to the RDS-managed secret. Sent to RDS at create and whenever `master_password_wo_version` changes; never in the plan, the state or a log. Set it from an ephemeral value (an `ephemeral = true` variable, an ephemeral resource) so it is nowhere on disk. Unset: RDS generates the password and keeps it in Secrets Manager (`master_user_secret_arn`). Older Terraform versions would store it and are refused at plan.")
                .write_only().check(Check::Custom { describe: "8 to 128 printable ASCII characters, not `/`, `\"`, `@` or a space", check: master_password }),
            Attr::number("master_password_wo_version", "Required with `master_password_wo`, forbidden without it: change it (e.g. 1 to 2) to send a new `master_password_wo` to RDS (Terraform cannot see a write-only value change).")
                .check(Check::Range(1, 2147483647)),
            Attr::string("kms_key_id", "KMS key ARN for storage encryption (default: the account's `aws/rds` key, read back after create). Storage is always encrypted.")
                .optional_computed().replaces().check(Check::Arn { service: "kms", prefix: "key/", wanted: "the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/ID)" }),
            Attr::number("min_capacity", "Aurora: fewest Serverless v2 capacity units, 0.5 to 256 in steps of 0.5.")
                .default(Default::Derived("0.5 in dev, 1 in prod (Aurora); null for RDS")),
            Attr::number("max_capacity", "Aurora: most Serverless v2 capacity units, at least `min_capacity`.")
                .default(Default::Derived("2 in dev, 4 in prod (Aurora); null for RDS")),
            Attr::bool("reader", "Aurora: a reader instance besides the writer.")
                .default(Default::Derived("`false` in dev, `true` in prod (Aurora); null for RDS")),
            Attr::string("instance_class", "Instance class: `db.serverless` for Aurora (its instances scale within the capacity units); for RDS e.g. `db.t4g.micro`.")
                .default(Default::Derived("`db.serverless` (Aurora); `db.t4g.micro` in dev, `db.t4g.medium` in prod (RDS)"))
                .check(Check::Custom { describe: "`db.FAMILY.SIZE` or `db.serverless`", check: instance_class }),
            Attr::number("allocated_storage", "RDS: storage in GiB (grows in place; it cannot shrink).")
                .default(Default::Derived("20 in dev, 100 in prod (RDS); null for Aurora")).check(Check::Range(20, 65536)),
            Attr::bool("multi_az", "RDS: a standby in another availability zone.")
                .default(Default::Derived("`false` in dev, `true` in prod (RDS); null for Aurora")),
            Attr::number("backup_retention_days", "Days of automated backups.")
                .default(Default::Derived("3 in dev, 14 in prod")).check(Check::Range(1, 35)),
            Attr::bool("deletion_protection", "Refuse deletion outside this resource (see Destroy).")
                .default(Default::Derived("`false` in dev, `true` in prod")),
            Attr::bool("skip_final_snapshot", "Destroy without a final snapshot `NAME-final-UNIXTIME`.")
                .default(Default::Derived("`true` in dev, `false` in prod")),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string("endpoint", "Writer endpoint (host name).").computed(),
            Attr::string("reader_endpoint", "Aurora reader endpoint (null for RDS).").computed(),
            Attr::number("port", "Port, 5432.").computed(),
            Attr::string("master_user_secret_arn", "ARN of the Secrets Manager secret RDS keeps the master credentials in (JSON `username`, `password`): give it to `blueprint_secure_service`'s `container.secrets`.").computed(),
            Attr::string("security_group_id", "The database's security group.").computed(),
            Attr::string("client_security_group_id", "The database's client security group: give it to what must reach the database (`blueprint_secure_service`'s `additional_security_group_ids`). It has no rules of its own; the database admits 5432 from it. Unlike `allowed_security_group_ids`, it needs nothing from the clients, so a client may also read `master_user_secret_arn` without a dependency cycle.").computed(),
            Attr::string("db_subnet_group_name", "The DB subnet group.").computed(),
            Attr::string("cluster_identifier", "Aurora cluster identifier (null for RDS).").computed(),
            Attr::string("cluster_arn", "Aurora cluster ARN.").computed(),
            Attr::string("writer_identifier", "Aurora writer instance identifier.").computed(),
            Attr::string("writer_arn", "Aurora writer instance ARN.").computed(),
            Attr::string("reader_identifier", "Aurora reader instance identifier (with `reader`).").computed(),
            Attr::string("reader_arn", "Aurora reader instance ARN.").computed(),
            Attr::string("instance_identifier", "RDS instance identifier (null for Aurora).").computed(),
            Attr::string("instance_arn", "RDS instance ARN.").computed(),
            Attr::of("ingress_rules", Type::strings(), "Observed ingress rules of the security group; anything but 5432 from `allowed_security_group_ids` is removed by the next apply.").computed(),
            Attr::string_map("settings", "Observed settings this resource guarantees (`backup_retention_period`, `deletion_protection`, `storage_encrypted`, `publicly_accessible`, `manage_master_user_password`, capacity or class and storage); one changed out of band is put back by the next apply.").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("subnet_group", "aws_db_subnet_group", "db_subnet_group_name")
                .how("`NAME`, the `subnet_ids`"),
            Child::new("client_security_group", "aws_security_group", "client_security_group_id")
                .how("`NAME-db-client` in `vpc_id`: no rules (its default egress is revoked); members reach the database"),
            Child::new("security_group", "aws_security_group", "security_group_id")
                .after(&["client_security_group"])
                .how("`NAME-db` in `vpc_id`: TCP 5432 from each of `allowed_security_group_ids`, nothing from CIDRs"),
            Child::new("cluster", "aws_rds_cluster", "cluster_identifier")
                .outputs(&["cluster_arn", "reader_endpoint"]).optional()
                .after(&["subnet_group", "security_group"])
                .how("Aurora: `NAME`, encrypted, RDS-managed master password, Serverless v2 `min_capacity`..`max_capacity`, backups, deletion protection, tags copied to snapshots; waited on until available"),
            Child::new("writer", "aws_rds_cluster_instance", "writer_identifier")
                .outputs(&["writer_arn"]).optional().after(&["cluster"])
                .how("Aurora: `NAME-writer`, `db.serverless`, not publicly accessible; waited on until available"),
            Child::new("reader", "aws_rds_cluster_instance", "reader_identifier")
                .outputs(&["reader_arn"]).optional().after(&["writer"])
                .how("Aurora with `reader`: `NAME-reader`, like the writer"),
            Child::new("instance", "aws_db_instance", "instance_identifier")
                .outputs(&["instance_arn"]).optional()
                .after(&["subnet_group", "security_group"])
                .how("RDS: `NAME`, `instance_class`, `allocated_storage` gp3 encrypted, RDS-managed master password, not publicly accessible, backups, deletion protection, `multi_az`; waited on until available"),
        ],
        import_id: "NAME",
        example: r#"resource "blueprint_database" "main" {
  name                       = "senas-db"
  profile                    = "prod"
  engine_version             = "15.4"
  vpc_id                     = blueprint_network.main.vpc_id
  subnet_ids                 = blueprint_network.main.database_subnet_ids
  allowed_security_group_ids = [blueprint_secure_service.content.security_group_id]
}

# blueprint_secure_service "content": container { secrets = {
#   DB_PASSWORD = blueprint_database.main.master_user_secret_arn } }"#,
        notes: NOTES,
        expand,
    })
}

/// The configured value of `name`, else the profile's (unknown when the profile is).
fn or_profile(config: &Generic, name: &str, from: impl Fn(&Sizing) -> Generic) -> Generic {
    match field(config, name) {
        Some(v) if !v.is_nil() => v.clone(),
        _ => match field(config, "profile") {
            Some(p) if is_unknown(p) => crate::value::unknown(),
            p => p
                .and_then(|p| p.as_str())
                .and_then(sizing)
                .map(|s| from(&s))
                .unwrap_or(Generic::Nil),
        },
    }
}

fn obj(entries: Vec<(&str, Generic)>) -> Generic {
    Generic::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Generic::from(k), v))
            .collect(),
    )
}

fn origin(plain: &str, composite: &str) -> (Path, Path) {
    (Path::attr(plain), Path::attr(composite))
}

fn field_or_nil(config: &Generic, name: &str) -> Generic {
    field(config, name).cloned().unwrap_or(Generic::Nil)
}

/// The plain resources a `blueprint_database` configuration builds, as terraform-provider-aws
/// names their attributes: the linter's rules on encryption at rest, public access, backups,
/// managed passwords and open database ports check them.
pub fn expand(config: &Generic) -> Vec<Plain> {
    let mut out = Vec::new();
    out.push(Plain {
        kind: "aws_db_subnet_group",
        name: "subnet_group",
        attrs: obj(vec![
            ("name", field_or_nil(config, "name")),
            ("subnet_ids", field_or_nil(config, "subnet_ids")),
        ]),
        origins: vec![origin("subnet_ids", "subnet_ids")],
    });
    let groups = field_or_nil(config, "allowed_security_group_ids");
    let mut groups = if groups.is_nil() {
        Generic::Array(Vec::new())
    } else {
        groups
    };
    // The client group, admitted beside `allowed_security_group_ids`: what carries it (a
    // reference to `client_security_group_id`) is drawn reaching the database.
    if let Generic::Array(g) = &mut groups {
        g.push(crate::expand::sibling(
            "aws_security_group",
            "client_security_group",
            "id",
        ));
    }
    out.push(Plain {
        kind: "aws_security_group",
        name: "security_group",
        attrs: obj(vec![
            ("vpc_id", field_or_nil(config, "vpc_id")),
            (
                "ingress",
                Generic::Array(vec![obj(vec![
                    ("protocol", Generic::from("tcp")),
                    ("from_port", Generic::from(PORT)),
                    ("to_port", Generic::from(PORT)),
                    ("cidr_blocks", Generic::Array(Vec::new())),
                    ("ipv6_cidr_blocks", Generic::Array(Vec::new())),
                    ("security_groups", groups),
                ])]),
            ),
        ]),
        origins: vec![(
            Path::attr("ingress")
                .then(Step::Index(0))
                .then(Step::Attr("security_groups".into())),
            Path::attr("allowed_security_group_ids"),
        )],
    });
    let engine = match field(config, "engine") {
        Some(v) if is_unknown(v) => None,
        Some(v) if v.is_nil() => Some(AURORA),
        Some(v) => v.as_str(),
        None => Some(AURORA),
    };
    // The write-only password replaces the managed secret; the value itself never goes to the
    // expansion (the linter sees that one is set, not what it is).
    let write_only = field(config, "master_password_wo").is_some_and(|v| !v.is_nil());
    let common = |extra: Vec<(&'static str, Generic)>| {
        let mut attrs = vec![
            ("engine", Generic::from(engine.unwrap_or(AURORA))),
            ("engine_version", field_or_nil(config, "engine_version")),
            ("storage_encrypted", Generic::from(true)),
            ("kms_key_id", field_or_nil(config, "kms_key_id")),
            ("manage_master_user_password", Generic::from(!write_only)),
            (
                "backup_retention_period",
                or_profile(config, "backup_retention_days", |s| {
                    Generic::from(s.backup_retention_days)
                }),
            ),
            (
                "deletion_protection",
                or_profile(config, "deletion_protection", |s| {
                    Generic::from(s.deletion_protection)
                }),
            ),
            (
                "skip_final_snapshot",
                or_profile(config, "skip_final_snapshot", |s| {
                    Generic::from(s.skip_final_snapshot)
                }),
            ),
            // Its own security group: the graph sees the database as the group's member.
            (
                "vpc_security_group_ids",
                Generic::Array(vec![crate::expand::sibling(
                    "aws_security_group",
                    "security_group",
                    "id",
                )]),
            ),
            ("db_subnet_group_name", field_or_nil(config, "name")),
        ];
        attrs.extend(extra);
        obj(attrs)
    };
    let origins = vec![
        origin("backup_retention_period", "backup_retention_days"),
        origin("deletion_protection", "deletion_protection"),
        origin("skip_final_snapshot", "skip_final_snapshot"),
        origin("kms_key_id", "kms_key_id"),
        origin("engine_version", "engine_version"),
    ];
    match engine {
        Some(POSTGRES) => {
            let mut o = origins;
            o.push(origin("instance_class", "instance_class"));
            o.push(origin("allocated_storage", "allocated_storage"));
            o.push(origin("multi_az", "multi_az"));
            out.push(Plain {
                kind: "aws_db_instance",
                name: "instance",
                attrs: common(vec![
                    ("identifier", field_or_nil(config, "name")),
                    (
                        "instance_class",
                        or_profile(config, "instance_class", |s| {
                            Generic::from(s.instance_class)
                        }),
                    ),
                    (
                        "allocated_storage",
                        or_profile(config, "allocated_storage", |s| {
                            Generic::from(s.allocated_storage)
                        }),
                    ),
                    (
                        "multi_az",
                        or_profile(config, "multi_az", |s| Generic::from(s.multi_az)),
                    ),
                    ("publicly_accessible", Generic::from(false)),
                    ("db_name", field_or_nil(config, "database_name")),
                    ("username", field_or_nil(config, "master_username")),
                ]),
                origins: o,
            });
        }
        Some(_) => {
            let capacity = obj(vec![
                (
                    "min_capacity",
                    or_profile(config, "min_capacity", |s| Generic::F64(s.min_capacity)),
                ),
                (
                    "max_capacity",
                    or_profile(config, "max_capacity", |s| Generic::F64(s.max_capacity)),
                ),
            ]);
            let mut o = origins;
            o.push((
                Path::attr("serverlessv2_scaling_configuration")
                    .then(Step::Index(0))
                    .then(Step::Attr("min_capacity".into())),
                Path::attr("min_capacity"),
            ));
            o.push((
                Path::attr("serverlessv2_scaling_configuration")
                    .then(Step::Index(0))
                    .then(Step::Attr("max_capacity".into())),
                Path::attr("max_capacity"),
            ));
            out.push(Plain {
                kind: "aws_rds_cluster",
                name: "cluster",
                attrs: common(vec![
                    ("cluster_identifier", field_or_nil(config, "name")),
                    ("engine_mode", Generic::from("provisioned")),
                    ("database_name", field_or_nil(config, "database_name")),
                    ("master_username", field_or_nil(config, "master_username")),
                    ("copy_tags_to_snapshot", Generic::from(true)),
                    (
                        "serverlessv2_scaling_configuration",
                        Generic::Array(vec![capacity]),
                    ),
                ]),
                origins: o,
            });
            let instance = |name: &'static str| Plain {
                kind: "aws_rds_cluster_instance",
                name,
                attrs: obj(vec![
                    ("cluster_identifier", field_or_nil(config, "name")),
                    ("engine", Generic::from(AURORA)),
                    ("instance_class", Generic::from(SERVERLESS_CLASS)),
                    ("publicly_accessible", Generic::from(false)),
                ]),
                origins: vec![],
            };
            out.push(instance("writer"));
            let reader = or_profile(config, "reader", |s| Generic::from(s.reader));
            if reader.as_bool() != Some(false) && !reader.is_nil() {
                out.push(instance("reader"));
            }
        }
        None => {}
    }
    // The client group (no rules of its own), last: what carries it reaches the database.
    out.push(Plain {
        kind: "aws_security_group",
        name: "client_security_group",
        attrs: obj(vec![("vpc_id", field_or_nil(config, "vpc_id"))]),
        origins: vec![],
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(entries: Vec<(&str, Generic)>) -> Generic {
        obj(entries)
    }

    #[test]
    fn names_and_users_are_checked() {
        assert!(db_name("senas-db").is_ok());
        for bad in [
            "",
            "Senas",
            "1db",
            "db-",
            "a--b",
            "db_1",
            "a".repeat(51).as_str(),
        ] {
            assert!(db_name(bad).is_err(), "{bad}");
        }
        assert!(master_username("dbadmin").is_ok());
        assert!(master_username("postgres").is_ok());
        for bad in ["admin", "ADMIN", "rdsadmin", "pg_monitor", "1x", "a-b", ""] {
            assert!(master_username(bad).is_err(), "{bad}");
        }
        assert!(master_password("correct-horse-9").is_ok());
        for bad in [
            "short",
            "has space in it",
            "slash/slash",
            "at@sign12",
            "quote\"quote",
        ] {
            let e = master_password(bad).unwrap_err();
            assert!(!e.contains(bad), "the message repeats the secret: {e}");
        }
        assert!(master_password(&"x".repeat(129)).is_err());
        assert!(database_name("app").is_ok());
        assert!(database_name("template1").is_err());
        assert!(database_name("my-db").is_err());
        assert!(instance_class("db.t4g.micro").is_ok());
        assert!(instance_class("db.serverless").is_ok());
        assert!(instance_class("t4g.micro").is_err());
        assert!(engine_version("15.4").is_ok());
        assert!(engine_version_exists(AURORA, "16.4").is_ok());
        assert!(engine_version_exists(POSTGRES, "17").is_ok());
        assert!(engine_version_exists(POSTGRES, "9.6.22").is_err());
        assert!(engine_version_exists(AURORA, "42.1").is_err());
        assert!(engine_version_exists(AURORA, "15.4.1").is_err());
        assert!(engine_version_exists(POSTGRES, "8").is_err());
        assert!(engine_version("15.").is_err());
    }

    #[test]
    fn capacity_units_come_in_halves() {
        assert!(acu_ok(0.5) && acu_ok(4.0) && acu_ok(256.0));
        assert!(!acu_ok(0.0) && !acu_ok(0.7) && !acu_ok(300.0));
    }

    #[test]
    fn profiles_follow_the_seed_sizing_table() {
        let dev = sizing("dev").unwrap();
        let prod = sizing("prod").unwrap();
        assert_eq!(
            (dev.backup_retention_days, prod.backup_retention_days),
            (3, 14)
        );
        assert!(!dev.deletion_protection && prod.deletion_protection);
        assert!(dev.skip_final_snapshot && !prod.skip_final_snapshot);
        assert_eq!((dev.min_capacity, prod.min_capacity), (0.5, 1.0));
        assert_eq!(prod.max_capacity, 4.0);
        assert!(sizing("staging").is_none());
    }

    #[test]
    fn the_expansion_is_encrypted_private_and_follows_the_profile() {
        let aurora = expand(&config(vec![
            ("name", Generic::from("db")),
            ("profile", Generic::from("prod")),
            ("engine", Generic::Nil),
            (
                "allowed_security_group_ids",
                Generic::Array(vec![Generic::from("sg-0123abcd")]),
            ),
        ]));
        let kinds: Vec<&str> = aurora.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                "aws_db_subnet_group",
                "aws_security_group",
                "aws_rds_cluster",
                "aws_rds_cluster_instance",
                "aws_rds_cluster_instance",
                "aws_security_group"
            ]
        );
        let cluster = &aurora[2].attrs;
        assert_eq!(
            field(cluster, "storage_encrypted"),
            Some(&Generic::from(true))
        );
        assert_eq!(
            field(cluster, "backup_retention_period"),
            Some(&Generic::from(14))
        );
        assert_eq!(
            field(cluster, "manage_master_user_password"),
            Some(&Generic::from(true))
        );
        assert_eq!(
            field(&aurora[3].attrs, "publicly_accessible"),
            Some(&Generic::from(false))
        );
        let rds = expand(&config(vec![
            ("name", Generic::from("db")),
            ("profile", Generic::from("dev")),
            ("engine", Generic::from("postgres")),
            ("backup_retention_days", Generic::from(7)),
        ]));
        assert_eq!(rds.len(), 4, "subnet group, group, instance, client group");
        assert_eq!(rds[2].kind, "aws_db_instance");
        assert_eq!(
            field(&rds[2].attrs, "backup_retention_period"),
            Some(&Generic::from(7))
        );
        assert_eq!(
            field(&rds[2].attrs, "instance_class"),
            Some(&Generic::from("db.t4g.micro"))
        );
        assert!(rds[2]
            .origins
            .contains(&origin("backup_retention_period", "backup_retention_days")));
        // The write-only way: no managed secret, and the password never reaches the expansion
        // (which the linter reads and may quote).
        let secret = "correct-horse-battery";
        let wo = expand(&config(vec![
            ("name", Generic::from("db")),
            ("profile", Generic::from("dev")),
            ("master_password_wo", Generic::from(secret)),
            ("master_password_wo_version", Generic::from(1)),
        ]));
        assert_eq!(
            field(&wo[2].attrs, "manage_master_user_password"),
            Some(&Generic::from(false))
        );
        assert!(!format!("{:?}", wo.iter().map(|p| &p.attrs).collect::<Vec<_>>()).contains(secret));
    }
}

//! `blueprint_network`, declared: seed 001's VPC over 2 (dev) or 3 (prod) availability zones,
//! with public, private and database subnets per zone, NAT, route tables, flow logs and gateway
//! endpoints; every attribute once, the children as a table, and its expansion into plain
//! `aws_*` resources for the linter.

use std::sync::OnceLock;

use crate::expand::Plain;
use crate::value::{self, Generic, Path, Step};
use crate::{Attr, Check, Child, Declaration, Default, Type};

/// The type name.
pub const TYPE_NAME: &str = "blueprint_network";
/// `profile`'s values.
pub const PROFILES: &[&str] = &["dev", "prod"];
/// `nat_gateways`' values.
pub const NAT_MODES: &[&str] = &["single", "per_az"];
/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// The default `cidr_block`.
pub const DEFAULT_CIDR: &str = "10.0.0.0/16";
/// The default flow log retention, in days.
pub const DEFAULT_RETENTION: i64 = 90;

/// Seed 001's sizing table: what a profile sets when the attribute is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// Availability zones.
    pub az_count: usize,
    /// One NAT gateway per zone (else one for all).
    pub nat_per_az: bool,
    /// VPC flow logs on.
    pub flow_logs: bool,
}

/// The sizing of `profile` (`dev` for anything but `prod`).
pub fn sizing(profile: &str) -> Sizing {
    if profile == "prod" {
        Sizing {
            az_count: 3,
            nat_per_az: true,
            flow_logs: true,
        }
    } else {
        Sizing {
            az_count: 2,
            nat_per_az: false,
            flow_logs: false,
        }
    }
}

fn network_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= 32
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("name \"{n}\" must be 1 to 32 letters, digits, '-' or '_', starting with a letter or digit (it prefixes the children's Name tags, the flow log group and role)."))
    }
}

fn availability_zone(z: &str) -> Result<(), String> {
    let ok = z.len() >= 4
        && z.ends_with(|c: char| c.is_ascii_lowercase())
        && z.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{z}\" is not an availability zone name (e.g. us-east-1a)."
        ))
    }
}

/// Why `zone` is not an availability zone of `region`: a zone is the region's name and one
/// letter (`us-east-2a`), or a Local or Wavelength Zone named after it (`us-east-1-bos-1a`).
pub fn zone_in_region(zone: &str, region: &str) -> Result<(), String> {
    let ok = zone.strip_prefix(region).is_some_and(|rest| {
        (rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()))
            || (rest.starts_with('-') && rest.len() > 1)
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{zone}\" is not an availability zone of the provider's region {region} (e.g. {region}a)."
        ))
    }
}

const NOTES: &str = r#"
## Sizing (seed 001)

| | `dev` | `prod` |
|---|---|---|
| availability zones (`az_count`) | 2 | 3 |
| NAT gateways (`nat_gateways`) | `single` (one, in the first zone) | `per_az` |
| VPC flow logs (`flow_logs`) | off | on |

`az_count`, `nat_gateways` and `flow_logs` override the profile. The zones are the first
`az_count` available zones of the region (EC2 `DescribeAvailabilityZones`, in name order) unless
`availability_zones` names them; then it must name exactly `az_count` zones (or the profile's
count).

## The CIDR plan

Each subnet is `cidrsubnet(cidr_block, 4, slot)`: a sixteenth of the VPC (a `/20` of the
default `/16`). Slot `i` is the public subnet of zone `i`, slot `4 + i` its private subnet,
slot `8 + i` its database subnet (zones 0 to 3): with `10.0.0.0/16`, public `10.0.0.0/20`,
`10.0.16.0/20`, ..., private `10.0.64.0/20`, ..., database `10.0.128.0/20`, ... A `cidr_block`
smaller than `/24` leaves no room for that plan: give the three `*_subnet_cidrs` lists then.
`public_subnet_cidrs`, `private_subnet_cidrs` and `database_subnet_cidrs` replace the derived
plan of their tier: one IPv4 CIDR per zone, inside `cidr_block`, `/16` to `/28`, none overlapping
another. Every such mistake fails at plan on the element's path.

## Routing

The public route table sends `0.0.0.0/0` to the internet gateway; each zone's private route
table sends it to its NAT gateway (to the only one with `nat_gateways = "single"`); the database
route table has no route out of the VPC. S3 and DynamoDB gateway endpoints are on the private
and database route tables, so that traffic never goes through NAT. Public subnets map a public
IP on launch; the others do not.

## Flow logs

With flow logs on, the VPC's traffic (`ALL`) goes to the log group
`/blueprint/network/NAME/flow-logs` (retention `flow_log_retention_days`), written by the role
`NAME-flow-logs`, trusted by `vpc-flow-logs.amazonaws.com` only, whose one inline policy allows
`logs:CreateLogStream`, `logs:PutLogEvents` and `logs:DescribeLogStreams` on that log group's ARN
and its streams (`ARN:*`) and nothing else. Turning `flow_logs` on or off adds or removes those
three children in place.

## Changes, drift, delete and import

Changing `name`, `cidr_block`, the subnet CIDRs, the zones (or their count) or the NAT layout
replaces the network: plan says so. `tags`, `profile` (when the effective sizing stays),
`flow_logs` and the retention change in place. Every child carries `tags_all`, the ownership
tag `blueprint:owner = blueprint_network/NAME` and a `Name` (`NAME`, `NAME-public-a`,
`NAME-private-b`, `NAME-nat-a`...); a tags change reaches every child. A child deleted out of
band (one subnet of a tier, a NAT gateway, a route, an endpoint, the log group...) shows in the
next plan and apply makes it again, adopting the members of its row that still exist; a deleted
VPC replaces the network. The VPC carries `blueprint:profile` so that import knows the profile.

Destroy goes in reverse: flow log, role and log group, endpoints, associations, route tables,
NAT gateways (waiting until they are deleted), their Elastic IPs, subnets, internet gateway,
VPC, retrying `DependencyViolation` until the delete timeout; before the VPC, anything left in it
that carries this network's ownership tag is deleted too, so nothing is left behind.

Import takes the VPC id: `terraform import blueprint_network.main vpc-0123456789abcdef0`. The
network's name and profile come from the VPC's tags; `az_count`, `nat_gateways` and `flow_logs`
come back unset (taken from the profile), and the plan after import is empty when the
configuration leaves them to the profile or sets them to what exists.
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: TYPE_NAME,
        version: 0,
        description: "Seed 001's network: a VPC over 2 (dev) or 3 (prod) availability zones with a public, a private and a database subnet in each, an internet gateway, NAT gateways with Elastic IPs (one in dev, one per zone in prod), route tables, S3 and DynamoDB gateway endpoints, and VPC flow logs to CloudWatch Logs (on in prod). Its outputs are what `blueprint_load_balancer` (public subnets), `blueprint_secure_service` (private subnets) and `blueprint_database` (database subnets) take.",
        attrs: vec![
            Attr::string("id", "The VPC id.").computed(),
            Attr::string("name", "Name of the network: the VPC's `Name`, prefix of every child's `Name`, of the flow log group and role.")
                .required().replaces().check(Check::Custom { describe: "1 to 32 letters, digits, `-`, `_`", check: network_name }),
            Attr::string("profile", "Seed 001's sizing: `dev` (2 zones, one NAT gateway, no flow logs) or `prod` (3 zones, a NAT gateway per zone, flow logs).")
                .default(Default::String("dev")).check(Check::OneOf(PROFILES)),
            Attr::string("cidr_block", "The VPC's IPv4 CIDR, `/16` to `/28`; the subnets are carved from it (see the CIDR plan).")
                .default(Default::String(DEFAULT_CIDR)).replaces().check(Check::Cidr),
            Attr::number("az_count", "Number of availability zones, 2 to 4 (unset: the profile's). Changing the effective count replaces the network.")
                .check(Check::Range(2, 4)),
            Attr::strings("availability_zones", "The zones, in order (unset: the first available zones of the region). Exactly `az_count` (or the profile's count) of them, each once and of the provider's region (another region's zone fails the plan); changing them replaces the network.")
                .optional_computed().replaces().check(Check::each(Check::Custom { describe: "availability zone name", check: availability_zone })),
            Attr::strings("public_subnet_cidrs", "The public subnets' CIDRs, one per zone in zone order (unset: derived from `cidr_block`). Changing them replaces the network.")
                .optional_computed().replaces().check(Check::each(Check::Cidr)),
            Attr::strings("private_subnet_cidrs", "The private subnets' CIDRs, one per zone (unset: derived). Changing them replaces the network.")
                .optional_computed().replaces().check(Check::each(Check::Cidr)),
            Attr::strings("database_subnet_cidrs", "The database subnets' CIDRs, one per zone (unset: derived). Changing them replaces the network.")
                .optional_computed().replaces().check(Check::each(Check::Cidr)),
            Attr::string("nat_gateways", "`single` (one NAT gateway, in the first zone's public subnet) or `per_az` (one per zone); unset: the profile's. Changing the effective layout replaces the network.")
                .check(Check::OneOf(NAT_MODES)),
            Attr::bool("flow_logs", "VPC flow logs to CloudWatch Logs (unset: on in `prod`, off in `dev`). Changed in place.")
                ,
            Attr::number("flow_log_retention_days", "Retention of the flow log group, in days (one of CloudWatch Logs' periods).")
                .default(Default::Number(DEFAULT_RETENTION)).check(Check::OneOfNumbers(RETENTION_DAYS)),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these (plus `Name` and `blueprint:owner`).").computed(),
            Attr::string("vpc_id", "The VPC id.").computed(),
            Attr::string("vpc_cidr", "The VPC's CIDR.").computed(),
            Attr::string("internet_gateway_id", "The internet gateway id.").computed(),
            Attr::of("public_subnet_ids", Type::strings(), "Public subnet ids, in zone order (for `blueprint_load_balancer`).").computed(),
            Attr::of("private_subnet_ids", Type::strings(), "Private subnet ids, in zone order (for `blueprint_secure_service`).").computed(),
            Attr::of("database_subnet_ids", Type::strings(), "Database subnet ids, in zone order (for `blueprint_database`).").computed(),
            Attr::of("nat_eip_allocation_ids", Type::strings(), "The NAT gateways' Elastic IP allocation ids.").computed(),
            Attr::of("nat_public_ips", Type::strings(), "The NAT gateways' public IPs (what the outside world sees from the private subnets).").computed(),
            Attr::of("nat_gateway_ids", Type::strings(), "NAT gateway ids (one, or one per zone in zone order).").computed(),
            Attr::string("public_route_table_id", "The public route table id.").computed(),
            Attr::of("private_route_table_ids", Type::strings(), "The private route tables, one per zone.").computed(),
            Attr::string("database_route_table_id", "The database route table id.").computed(),
            Attr::of("public_route_table_association_ids", Type::strings(), "Associations of the public subnets with the public route table.").computed(),
            Attr::of("private_route_table_association_ids", Type::strings(), "Associations of each private subnet with its zone's route table.").computed(),
            Attr::of("database_route_table_association_ids", Type::strings(), "Associations of the database subnets with the database route table.").computed(),
            Attr::string("s3_endpoint_id", "The S3 gateway endpoint id.").computed(),
            Attr::string("dynamodb_endpoint_id", "The DynamoDB gateway endpoint id.").computed(),
            Attr::string("flow_log_group_name", "The flow log group (null without flow logs).").computed(),
            Attr::string("flow_log_role_name", "The role flow logs write with (null without flow logs).").computed(),
            Attr::string("flow_log_role_arn", "Its ARN.").computed(),
            Attr::string("flow_log_id", "The VPC flow log id (null without flow logs).").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("vpc", "aws_vpc", "vpc_id").outputs(&["id"]).replace_when_gone()
                .how("`cidr_block`, DNS support and DNS hostnames on, `Name = NAME`"),
            Child::new("internet_gateway", "aws_internet_gateway", "internet_gateway_id").after(&["vpc"])
                .how("attached to the VPC, `NAME-igw`"),
            Child::new("public_subnets", "aws_subnet", "public_subnet_ids").after(&["vpc"])
                .how("one per zone, `NAME-public-a`..., public IPs mapped on launch"),
            Child::new("private_subnets", "aws_subnet", "private_subnet_ids").after(&["vpc"])
                .how("one per zone, `NAME-private-a`..., never mapping a public IP on launch (switched on out of band: seen at refresh, switched off by the next apply)"),
            Child::new("database_subnets", "aws_subnet", "database_subnet_ids").after(&["vpc"])
                .how("one per zone, `NAME-database-a`..., never mapping a public IP on launch (as the private ones)"),
            Child::new("nat_eips", "aws_eip", "nat_eip_allocation_ids").outputs(&["nat_public_ips"])
                .how("one Elastic IP per NAT gateway, `NAME-nat-a`..."),
            Child::new("nat_gateways", "aws_nat_gateway", "nat_gateway_ids")
                .after(&["public_subnets", "nat_eips", "internet_gateway"])
                .how("in the first zone's public subnet (`single`) or in each zone's (`per_az`), waiting until available; `NAME-nat-a`..."),
            Child::new("public_route_table", "aws_route_table", "public_route_table_id").after(&["internet_gateway"])
                .how("`NAME-public`: `0.0.0.0/0` to the internet gateway"),
            Child::new("private_route_tables", "aws_route_table", "private_route_table_ids").after(&["nat_gateways"])
                .how("one per zone, `NAME-private-a`...: `0.0.0.0/0` to the zone's NAT gateway and no route to the internet gateway for any destination (one added out of band is seen at refresh and removed by the next apply; other routes, e.g. to a peering connection or a transit gateway, are left alone)"),
            Child::new("database_route_table", "aws_route_table", "database_route_table_id").after(&["vpc"])
                .how("`NAME-database`: no route out of the VPC: only the local route and routes to VPC endpoints (the S3 and DynamoDB gateway endpoints); any other route added out of band is seen at refresh and removed by the next apply (routes propagated by a virtual private gateway cannot be removed by a route call and are not judged)"),
            Child::new("public_route_table_associations", "aws_route_table_association", "public_route_table_association_ids")
                .after(&["public_route_table", "public_subnets"])
                .how("each public subnet with the public route table"),
            Child::new("private_route_table_associations", "aws_route_table_association", "private_route_table_association_ids")
                .after(&["private_route_tables", "private_subnets"])
                .how("each private subnet with its zone's route table"),
            Child::new("database_route_table_associations", "aws_route_table_association", "database_route_table_association_ids")
                .after(&["database_route_table", "database_subnets"])
                .how("each database subnet with the database route table"),
            Child::new("s3_endpoint", "aws_vpc_endpoint", "s3_endpoint_id")
                .after(&["private_route_tables", "database_route_table"])
                .how("gateway endpoint for S3 on the private and database route tables, `NAME-s3`"),
            Child::new("dynamodb_endpoint", "aws_vpc_endpoint", "dynamodb_endpoint_id")
                .after(&["private_route_tables", "database_route_table"])
                .how("gateway endpoint for DynamoDB on the private and database route tables, `NAME-dynamodb`"),
            Child::new("flow_log_group", "aws_cloudwatch_log_group", "flow_log_group_name").optional()
                .how("`/blueprint/network/NAME/flow-logs` with `flow_log_retention_days`, when flow logs are on"),
            Child::new("flow_log_role", "aws_iam_role", "flow_log_role_arn").aws_id("{flow_log_role_name}").optional()
                .after(&["flow_log_group"])
                .how("`NAME-flow-logs`, trusted by `vpc-flow-logs.amazonaws.com`, writing to that log group only"),
            Child::new("flow_log", "aws_flow_log", "flow_log_id").optional()
                .after(&["vpc", "flow_log_group", "flow_log_role"])
                .how("all the VPC's traffic to the log group, when flow logs are on"),
        ],
        import_id: "VPC_ID",
        example: r#"resource "blueprint_network" "main" {
  name    = "senas-prod"
  profile = "prod" # 3 zones, a NAT gateway per zone, flow logs
  tags = {
    project = "senas"
  }
}

# blueprint_load_balancer: subnet_ids = blueprint_network.main.public_subnet_ids
# blueprint_secure_service: subnet_ids = blueprint_network.main.private_subnet_ids
# blueprint_database: subnet_ids = blueprint_network.main.database_subnet_ids"#,
        notes: NOTES,
        expand,
    })
}

fn string_field<'v>(config: &'v Generic, name: &str) -> Option<&'v str> {
    value::field(config, name).and_then(|v| v.as_str())
}

/// Whether flow logs are on in `config` (`None` while unknown).
pub fn flow_logs_on(config: &Generic) -> Option<bool> {
    match value::field(config, "flow_logs") {
        Some(v) if value::is_unknown(v) => None,
        Some(Generic::Boolean(b)) => Some(*b),
        _ => match value::field(config, "profile") {
            Some(v) if value::is_unknown(v) => None,
            _ => Some(sizing(string_field(config, "profile").unwrap_or("dev")).flow_logs),
        },
    }
}

fn obj(pairs: Vec<(&str, Generic)>) -> Generic {
    Generic::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Generic::from(k), v))
            .collect(),
    )
}

fn from(plain: &str, composite: &str) -> (Path, Path) {
    (Path::attr(plain), Path::attr(composite))
}

fn field_or_nil(config: &Generic, name: &str) -> Generic {
    value::field(config, name).cloned().unwrap_or(Generic::Nil)
}

/// The plain resources a `blueprint_network` configuration builds, named as
/// terraform-provider-aws names their attributes (one resource per row; a per-zone row stands
/// for each of its members, which share these attributes).
pub fn expand(config: &Generic) -> Vec<Plain> {
    let tags = field_or_nil(config, "tags");
    let tagged = |mut pairs: Vec<(&str, Generic)>| {
        pairs.push(("tags", tags.clone()));
        obj(pairs)
    };
    let tag_origin = || from("tags", "tags");
    let subnet = |name: &'static str, public: bool, cidrs: &'static str| Plain {
        kind: "aws_subnet",
        name,
        attrs: tagged(vec![
            ("map_public_ip_on_launch", Generic::from(public)),
            ("cidr_block", field_or_nil(config, cidrs)),
        ]),
        origins: vec![from("cidr_block", cidrs), tag_origin()],
    };
    let gateway_endpoint = |name: &'static str, service: &str| Plain {
        kind: "aws_vpc_endpoint",
        name,
        attrs: tagged(vec![
            ("vpc_endpoint_type", Generic::from("Gateway")),
            (
                "service_name",
                Generic::from(format!("com.amazonaws.REGION.{service}")),
            ),
        ]),
        origins: vec![tag_origin()],
    };
    let route_table = |name: &'static str, target: Option<&str>| Plain {
        kind: "aws_route_table",
        name,
        attrs: tagged(vec![(
            "route",
            Generic::Array(
                target
                    .map(|t| {
                        obj(vec![
                            ("cidr_block", Generic::from("0.0.0.0/0")),
                            (t, Generic::from("(known after apply)")),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        )]),
        origins: vec![tag_origin()],
    };
    let mut out = vec![
        Plain {
            kind: "aws_vpc",
            name: "vpc",
            attrs: tagged(vec![
                ("cidr_block", field_or_nil(config, "cidr_block")),
                ("enable_dns_support", Generic::from(true)),
                ("enable_dns_hostnames", Generic::from(true)),
            ]),
            origins: vec![from("cidr_block", "cidr_block"), tag_origin()],
        },
        Plain {
            kind: "aws_internet_gateway",
            name: "internet_gateway",
            attrs: tagged(vec![]),
            origins: vec![tag_origin()],
        },
        subnet("public_subnets", true, "public_subnet_cidrs"),
        subnet("private_subnets", false, "private_subnet_cidrs"),
        subnet("database_subnets", false, "database_subnet_cidrs"),
        Plain {
            kind: "aws_eip",
            name: "nat_eips",
            attrs: tagged(vec![("domain", Generic::from("vpc"))]),
            origins: vec![tag_origin()],
        },
        Plain {
            kind: "aws_nat_gateway",
            name: "nat_gateways",
            attrs: tagged(vec![("connectivity_type", Generic::from("public"))]),
            origins: vec![
                (Path::attr("connectivity_type"), Path::attr("nat_gateways")),
                tag_origin(),
            ],
        },
        route_table("public_route_table", Some("gateway_id")),
        route_table("private_route_tables", Some("nat_gateway_id")),
        route_table("database_route_table", None),
        gateway_endpoint("s3_endpoint", "s3"),
        gateway_endpoint("dynamodb_endpoint", "dynamodb"),
    ];
    // Unknown `flow_logs`: the linter sees the flow log (the stricter reading is not to warn
    // about a missing one that may well be there).
    if flow_logs_on(config) != Some(false) {
        out.push(Plain {
            kind: "aws_cloudwatch_log_group",
            name: "flow_log_group",
            attrs: tagged(vec![(
                "retention_in_days",
                value::field(config, "flow_log_retention_days")
                    .filter(|v| !v.is_nil())
                    .cloned()
                    .unwrap_or(Generic::from(DEFAULT_RETENTION)),
            )]),
            origins: vec![
                from("retention_in_days", "flow_log_retention_days"),
                tag_origin(),
            ],
        });
        out.push(Plain {
            kind: "aws_iam_role",
            name: "flow_log_role",
            attrs: tagged(vec![(
                "assume_role_policy",
                Generic::from(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                ),
            )]),
            origins: vec![tag_origin()],
        });
        out.push(Plain {
            kind: "aws_flow_log",
            name: "flow_log",
            attrs: tagged(vec![
                ("traffic_type", Generic::from("ALL")),
                ("log_destination_type", Generic::from("cloud-watch-logs")),
                // The VPC's id is known after apply: unknown, which the rules read as "this
                // flow log may be the VPC's" (it is: the composite makes it for its VPC).
                ("vpc_id", value::unknown()),
            ]),
            origins: vec![
                (Path::attr("traffic_type"), Path::attr("flow_logs")),
                (Path::attr("log_destination_type"), Path::attr("flow_logs")),
                tag_origin(),
            ],
        });
    }
    out
}

/// The path of element `i` of list attribute `attr`.
pub fn element_path(attr: &str, i: usize) -> Path {
    Path::attr(attr).then(Step::Index(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::composites::registry;

    fn config(pairs: Vec<(&str, Generic)>) -> Generic {
        obj(pairs)
    }

    #[test]
    fn registered_and_every_child_id_is_computed() {
        let d = declaration();
        assert!(registry().iter().any(|r| r.type_name == TYPE_NAME));
        for c in &d.children {
            let a = d.attr(c.id_attr).expect(c.id_attr);
            assert_eq!(a.presence, crate::Presence::Computed, "{}", c.name);
        }
    }

    #[test]
    fn the_sizing_table_is_seed_001s() {
        assert_eq!(
            sizing("dev"),
            Sizing {
                az_count: 2,
                nat_per_az: false,
                flow_logs: false
            }
        );
        assert_eq!(
            sizing("prod"),
            Sizing {
                az_count: 3,
                nat_per_az: true,
                flow_logs: true
            }
        );
    }

    #[test]
    fn names_and_zones_are_checked() {
        assert!(network_name("senas-prod").is_ok());
        assert!(network_name("").is_err());
        assert!(network_name("-x").is_err());
        assert!(network_name("a b").is_err());
        assert!(network_name(&"a".repeat(33)).is_err());
        assert!(availability_zone("us-east-1a").is_ok());
        assert!(availability_zone("us-east-1").is_err());
        assert!(availability_zone("US-EAST-1A").is_err());
    }

    #[test]
    fn the_expansion_follows_the_flow_logs_switch() {
        let kinds =
            |c: &Generic| -> Vec<&'static str> { expand(c).iter().map(|p| p.kind).collect() };
        let dev = config(vec![("profile", Generic::from("dev"))]);
        assert!(!kinds(&dev).contains(&"aws_flow_log"));
        let prod = config(vec![("profile", Generic::from("prod"))]);
        assert!(kinds(&prod).contains(&"aws_flow_log"));
        let dev_on = config(vec![
            ("profile", Generic::from("dev")),
            ("flow_logs", Generic::from(true)),
        ]);
        assert!(kinds(&dev_on).contains(&"aws_flow_log"));
        let prod_off = config(vec![
            ("profile", Generic::from("prod")),
            ("flow_logs", Generic::from(false)),
        ]);
        assert!(!kinds(&prod_off).contains(&"aws_flow_log"));
        // Every plain kind is a declared child's kind.
        let declared: Vec<&str> = declaration().children.iter().map(|c| c.kind).collect();
        for k in kinds(&prod) {
            assert!(declared.contains(&k), "{k}");
        }
        let public = expand(&prod)
            .into_iter()
            .find(|p| p.name == "public_subnets")
            .unwrap();
        assert_eq!(
            value::field(&public.attrs, "map_public_ip_on_launch"),
            Some(&Generic::from(true))
        );
        let private = expand(&prod)
            .into_iter()
            .find(|p| p.name == "private_subnets")
            .unwrap();
        assert_eq!(
            value::field(&private.attrs, "map_public_ip_on_launch"),
            Some(&Generic::from(false))
        );
    }
}

#[cfg(test)]
mod zone_tests {
    use super::zone_in_region;

    #[test]
    fn zones_of_another_region_are_refused() {
        assert!(zone_in_region("us-east-2a", "us-east-2").is_ok());
        assert!(zone_in_region("us-east-1-bos-1a", "us-east-1").is_ok());
        assert!(zone_in_region("us-east-1a", "us-east-2").is_err());
        assert!(zone_in_region("us-east-2", "us-east-2").is_err());
        assert!(zone_in_region("eu-west-1b", "us-east-2").is_err());
    }
}

//! `blueprint_load_balancer`, declared: seed 001's public entry point, an internet-facing ALB
//! that serves HTTPS only (HTTP redirects), with its security group, listeners, an optional
//! access-log bucket and, for tests and demos, a self-signed certificate imported into ACM.

use std::sync::OnceLock;

use crate::expand::Plain;
use crate::value::{field, Generic, Path, Step};
use crate::{Attr, Check, Child, Declaration, Default, Type};

/// The HTTPS listener's default security policy (TLS 1.3 and 1.2, AWS's recommendation).
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// The ELB security policies that accept only TLS 1.2 and later: `ssl_policy` must be one.
pub const TLS12_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
];

/// The profiles and what they change.
pub const PROFILES: &[&str] = &["dev", "prod"];

/// Whether `profile` turns deletion protection and access logs on by default.
pub fn prod(profile: Option<&str>) -> bool {
    profile == Some("prod")
}

/// Why the ACM certificate `arn` cannot serve a load balancer in `region` (ACM certificates are
/// regional: a listener takes only one of its own region). `Ok` when the ARN's region is that
/// region, or when either is not known.
pub fn certificate_region(arn: &str, region: &str) -> Result<(), String> {
    let Ok(parsed) = arn.parse::<crate::types::arn::Arn>() else {
        return Ok(()); // the attribute's own check refuses a malformed ARN
    };
    if region.is_empty() || parsed.region.is_empty() || parsed.region == region {
        Ok(())
    } else {
        Err(format!(
            "the certificate is in {}, the load balancer in the provider's region {region}: import or request it in {region}.",
            parsed.region
        ))
    }
}

/// A load balancer name: 1 to 32 lowercase letters, digits and hyphens, not starting or ending
/// with a hyphen nor starting with `internal-` (it also names the security group and the log
/// bucket, hence lowercase).
pub fn lb_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= 32
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !n.starts_with('-')
        && !n.ends_with('-')
        && !n.starts_with("internal-");
    if ok {
        // It starts the log bucket's name (`NAME-alb-logs-ACCOUNT`).
        match crate::composites::state_backend::naming::reserved_bucket_affix(&format!(
            "{n}-alb-logs"
        )) {
            Some(why) => Err(format!(
                "name \"{n}\" starts the access-log bucket's name, which {why}."
            )),
            None => Ok(()),
        }
    } else {
        Err(format!(
            "name \"{n}\" must be 1 to 32 lowercase letters, digits or '-', not starting or ending with '-' nor starting with \"internal-\" (it names the load balancer, its security group and its log bucket)."
        ))
    }
}

/// A DNS name for the self-signed certificate: labels of letters, digits and hyphens, an
/// optional leading `*.`, at most 253 characters.
pub fn domain_name(d: &str) -> Result<(), String> {
    let body = d.strip_prefix("*.").unwrap_or(d);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !d.is_empty() && d.len() <= 253 && body.contains('.') && body.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!(
            "\"{d}\" is not a DNS name (labels of letters, digits and '-', separated by dots, e.g. app.example.org)."
        ))
    }
}

const NOTES: &str = r#"
## What it builds

An internet-facing Application Load Balancer in `public_subnet_ids` (two or more, in different
zones — `blueprint_network`'s `public_subnet_ids` output) that only speaks HTTPS:

- its security group admits TCP 443 and 80 from `ingress_cidr_blocks` (default the whole
  internet: it is a public ALB) and lets traffic out only to the VPC's CIDR (read from the VPC
  when the group is made), where the targets are;
- the HTTPS listener (443) uses `ssl_policy` (TLS 1.2 or later, checked against AWS's list at
  plan) and the certificate, and answers `404` to anything no rule routes;
- the HTTP listener (80) only redirects to HTTPS with a `301`;
- invalid HTTP headers are dropped (`routing.http.drop_invalid_header_fields.enabled`);
- in `prod`, deletion protection and access logs are on unless turned off.

Services attach to it: three `blueprint_secure_service` resources take `https_listener_arn` as
their `listener_arn` and `security_group_id` as their `alb_security_group_id`, each with its
path patterns and priority (`/content`, `/users`, `/ml` in seed 001).

## The certificate

Production passes `certificate_arn`: an ACM certificate for the service's domain, issued and
validated elsewhere (ACM with DNS validation). Without it, the resource makes a **self-signed**
certificate for `domain_name` (ECDSA P-256, valid 395 days) and imports it into ACM
(`ImportCertificate`); its ARN is `self_signed_certificate_arn`. That is for tests and demos:
browsers and clients do not trust it. The private key only exists in the provider's memory while
it is imported: it is never in the state, the plan or the logs. Changing `domain_name` re-imports
a new certificate under the same ARN; setting `certificate_arn` later moves the listener to it
and deletes the self-signed one. The self-signed certificate is not renewed: apply with another
`domain_name` (or taint the resource) within the year.

## Access logs

With `access_logs` (default: on in `prod`), the load balancer writes its access logs to the
bucket `NAME-alb-logs-ACCOUNT`: encrypted with SSE-S3 (the only encryption ELB log delivery
supports), all public access blocked, objects owned by the bucket owner, and a policy that denies
plain-HTTP requests and lets only the ELB log delivery service (and the region's ELB account, in
regions older than August 2022) write under `AWSLogs/ACCOUNT/`. The TLS-only statement is left out
when the provider reaches S3 over plain HTTP (`endpoints.s3 = "http://…"`), as
`blueprint_state_backend` does. Destroy (or turning `access_logs` off) deletes the bucket **with
its logs**: copy them first if they must be kept.

## Drift, tags, delete and import

Read reports the security group's rules, the load balancer's settings (security group, subnets,
deletion protection, header dropping, access logs), each listener's settings (protocol, port,
policy, certificate, default action) and the log bucket's settings as they are; the plan sets
them back to what the arguments say, so a rule added out of band, a listener edited or deleted, or
deletion protection turned off in the console shows as an in-place update and apply repairs it. A
child deleted out of band is made again. Every child carries `tags_all` and the ownership tag
`blueprint:owner = blueprint_load_balancer/NAME`; a tag change reaches every child.

Destroy goes in reverse: listeners, load balancer, then the security group (retried while the
load balancer's network interfaces linger), the certificate (retried while ACM still sees it in
use) and the log bucket. While deletion protection is on, destroy refuses before deleting
anything: set `deletion_protection = false` and apply first.

Import by the load balancer's ARN: `terraform import blueprint_load_balancer.public
arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID`. The profile is inferred
(`prod` when both deletion protection and access logs are on), `deletion_protection` and
`access_logs` are set only where they differ from it; `public_subnet_ids` come in the order AWS
lists them (reorder the configuration's list if the next plan shows only a reordering).
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_load_balancer",
        version: 0,
        description: "Seed 001's public entry point: an internet-facing Application Load Balancer in the public subnets that serves HTTPS only (TLS 1.2+ policy, default fixed 404, HTTP redirected with a 301), its security group (443 and 80 in, only the VPC out), optional encrypted access logs, and either your ACM certificate or a self-signed one imported into ACM for tests and demos. `blueprint_secure_service` attaches to its `https_listener_arn` and `security_group_id`.",
        attrs: vec![
            Attr::string("id", "The load balancer's ARN.").computed(),
            Attr::string("name", "Name of the load balancer; also names its security group (`NAME-alb`) and log bucket.")
                .required().replaces().check(Check::Custom { describe: "1 to 32 lowercase letters, digits, `-`", check: lb_name }),
            Attr::string("profile", "`dev` or `prod` (seed 001's sizing table): `prod` turns deletion protection and access logs on by default.")
                .default(Default::String("dev")).check(Check::OneOf(PROFILES)),
            Attr::string("vpc_id", "The VPC of the public subnets.")
                .required().replaces().check(Check::Id("vpc-")),
            Attr::strings("public_subnet_ids", "Two or more public subnets in different availability zones (`blueprint_network`'s `public_subnet_ids`); changed in place.")
                .required().check(Check::Len(2, 16)).check(Check::each(Check::Id("subnet-"))).check(Check::Distinct),
            Attr::string("certificate_arn", "ACM certificate of the HTTPS listener, for production, in the provider's region (a certificate of another region fails the plan). Unset: a self-signed certificate for `domain_name` is made and imported into ACM (tests and demos only).")
                .check(Check::Arn { service: "acm", prefix: "certificate/", wanted: "the ARN of an ACM certificate (arn:aws:acm:REGION:ACCOUNT:certificate/ID)" }),
            Attr::string("domain_name", "DNS name of the self-signed certificate; required when `certificate_arn` is unset, refused when it is set.")
                .check(Check::Custom { describe: "DNS name", check: domain_name }),
            Attr::string("ssl_policy", "Security policy of the HTTPS listener: one that accepts only TLS 1.2 and later.")
                .default(Default::String(DEFAULT_SSL_POLICY)).check(Check::OneOf(TLS12_POLICIES)),
            Attr::strings("ingress_cidr_blocks", "Who may connect (443, and 80 which only redirects).")
                .default(Default::Derived("`[\"0.0.0.0/0\"]`")).check(Check::Len(1, 50)).check(Check::each(Check::Cidr)),
            Attr::bool("deletion_protection", "Deletion protection of the load balancer. Unset: on in `prod`, off in `dev`."),
            Attr::bool("access_logs", "Access logs to an encrypted bucket made for them. Unset: on in `prod`, off in `dev`."),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string("arn", "The load balancer's ARN.").computed(),
            Attr::string("dns_name", "The load balancer's DNS name (point the domain's record here).").computed(),
            Attr::string("zone_id", "The load balancer's canonical hosted zone id (for a Route 53 alias).").computed(),
            Attr::string("security_group_id", "The load balancer's security group: `blueprint_secure_service`'s `alb_security_group_id`.").computed(),
            Attr::string("vpc_cidr_block", "The VPC's CIDR, read when the security group is made: the only egress destination.").computed(),
            Attr::string("https_listener_arn", "The HTTPS listener: `blueprint_secure_service`'s `listener_arn`.").computed(),
            Attr::string("http_listener_arn", "The HTTP listener (redirects to HTTPS).").computed(),
            Attr::string("self_signed_certificate_arn", "The imported self-signed certificate, when `certificate_arn` is unset.").computed(),
            Attr::string("access_logs_bucket", "The access-log bucket, when `access_logs` is on.").computed(),
            Attr::of("ingress_rules", Type::strings(), "Observed ingress rules of the security group (`PROTO FROM-TO SOURCE`); repaired to 443 and 80 from `ingress_cidr_blocks`.").computed(),
            Attr::of("egress_rules", Type::strings(), "Observed egress rules; repaired to TCP to the VPC's CIDR.").computed(),
            Attr::of("load_balancer_settings", Type::string_map(), "Observed settings of the load balancer (security groups, subnets, deletion protection, header dropping, access logs); repaired to what the arguments say.").computed(),
            Attr::of("https_listener_settings", Type::string_map(), "Observed settings of the HTTPS listener (protocol, port, policy, certificate, default action): the certificate served is `certificate_arn`.").computed(),
            Attr::of("http_listener_settings", Type::string_map(), "Observed settings of the HTTP listener (protocol, port, default action).").computed(),
            Attr::of("access_logs_bucket_settings", Type::string_map(), "Observed settings of the log bucket (encryption, public access block, ownership, policy).").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("security_group", "aws_security_group", "security_group_id")
                .outputs(&["vpc_cidr_block"])
                .how("`NAME-alb` in `vpc_id`: TCP 443 and 80 from `ingress_cidr_blocks`, TCP out only to the VPC's CIDR"),
            Child::new("certificate", "aws_acm_certificate", "self_signed_certificate_arn")
                .optional()
                .how("when `certificate_arn` is unset: a self-signed certificate for `domain_name`, imported into ACM (the key is never stored)"),
            Child::new("access_logs_bucket", "aws_s3_bucket", "access_logs_bucket")
                .optional()
                .how("when `access_logs`: `NAME-alb-logs-ACCOUNT`, SSE-S3, public access blocked, bucket-owner-enforced, TLS-only and ELB log delivery policy"),
            Child::new("load_balancer", "aws_lb", "arn")
                .outputs(&["id", "dns_name", "zone_id"])
                .after(&["security_group", "access_logs_bucket"])
                .how("internet-facing `application` load balancer `NAME` in `public_subnet_ids` with the security group, invalid headers dropped, deletion protection and access logs as the arguments say"),
            Child::new("https_listener", "aws_lb_listener", "https_listener_arn")
                .after(&["load_balancer", "certificate"])
                .how("HTTPS on 443 with `ssl_policy` and the certificate; default action: fixed response 404"),
            Child::new("http_listener", "aws_lb_listener", "http_listener_arn")
                .after(&["load_balancer"])
                .how("HTTP on 80; default action: redirect to HTTPS on 443 with a 301"),
        ],
        import_id: "LOAD_BALANCER_ARN",
        example: r#"resource "blueprint_load_balancer" "public" {
  name              = "senas"
  profile           = "prod"
  vpc_id            = blueprint_network.main.vpc_id
  public_subnet_ids = blueprint_network.main.public_subnet_ids
  certificate_arn   = "arn:aws:acm:us-east-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
}

# Tests and demos: no certificate_arn, a self-signed certificate is imported into ACM.
resource "blueprint_load_balancer" "demo" {
  name              = "senas-demo"
  vpc_id            = blueprint_network.main.vpc_id
  public_subnet_ids = blueprint_network.main.public_subnet_ids
  domain_name       = "senas.example.org"
}"#,
        notes: NOTES,
        expand,
    })
}

fn s(v: &str) -> Generic {
    Generic::from(v)
}

fn obj(fields: Vec<(&str, Generic)>) -> Generic {
    Generic::Map(
        fields
            .into_iter()
            .filter(|(_, v)| !v.is_nil())
            .map(|(k, v)| (Generic::from(k), v))
            .collect(),
    )
}

fn attr<'v>(config: &'v Generic, name: &str) -> &'v Generic {
    static NIL: Generic = Generic::Nil;
    field(config, name).unwrap_or(&NIL)
}

fn path(steps: &[Step]) -> Path {
    Path(steps.to_vec())
}

fn a(name: &str) -> Step {
    Step::Attr(name.to_string())
}

/// A boolean input with a profile default: the value when set (unknown stays unknown), else
/// what the profile says (unknown when the profile is).
fn by_profile(config: &Generic, name: &str) -> Generic {
    match attr(config, name) {
        Generic::Nil => match attr(config, "profile") {
            Generic::Nil => Generic::Boolean(false),
            p => match p.as_str() {
                Some(p) => Generic::Boolean(prod(Some(p))),
                None => p.clone(),
            },
        },
        other => other.clone(),
    }
}

/// The plain resources: the security group, the load balancer, both listeners.
pub fn expand(config: &Generic) -> Vec<Plain> {
    let cidrs = match attr(config, "ingress_cidr_blocks") {
        Generic::Nil => Generic::Array(vec![s("0.0.0.0/0")]),
        other => other.clone(),
    };
    let ingress = |port: i64| {
        obj(vec![
            ("from_port", Generic::from(port)),
            ("to_port", Generic::from(port)),
            ("protocol", s("tcp")),
            ("cidr_blocks", cidrs.clone()),
        ])
    };
    let sg = Plain {
        kind: "aws_security_group",
        name: "security_group",
        attrs: obj(vec![
            ("vpc_id", attr(config, "vpc_id").clone()),
            ("ingress", Generic::Array(vec![ingress(443), ingress(80)])),
        ]),
        origins: vec![
            (
                path(&[a("ingress"), Step::Index(0), a("cidr_blocks")]),
                Path::attr("ingress_cidr_blocks"),
            ),
            (
                path(&[a("ingress"), Step::Index(1), a("cidr_blocks")]),
                Path::attr("ingress_cidr_blocks"),
            ),
            (Path::attr("vpc_id"), Path::attr("vpc_id")),
        ],
    };
    let access_logs = by_profile(config, "access_logs");
    let lb = Plain {
        kind: "aws_lb",
        name: "load_balancer",
        attrs: obj(vec![
            ("name", attr(config, "name").clone()),
            ("internal", Generic::Boolean(false)),
            ("load_balancer_type", s("application")),
            ("subnets", attr(config, "public_subnet_ids").clone()),
            // Its own security group: the graph sees the load balancer as the group's member.
            (
                "security_groups",
                Generic::Array(vec![crate::expand::sibling(
                    "aws_security_group",
                    "security_group",
                    "id",
                )]),
            ),
            ("drop_invalid_header_fields", Generic::Boolean(true)),
            (
                "enable_deletion_protection",
                by_profile(config, "deletion_protection"),
            ),
            (
                "access_logs",
                Generic::Array(vec![obj(vec![("enabled", access_logs)])]),
            ),
        ]),
        origins: vec![
            (Path::attr("name"), Path::attr("name")),
            (Path::attr("subnets"), Path::attr("public_subnet_ids")),
            (
                Path::attr("enable_deletion_protection"),
                Path::attr("deletion_protection"),
            ),
            (Path::attr("access_logs"), Path::attr("access_logs")),
        ],
    };
    let ssl_policy = match attr(config, "ssl_policy") {
        Generic::Nil => s(DEFAULT_SSL_POLICY),
        other => other.clone(),
    };
    let https = Plain {
        kind: "aws_lb_listener",
        name: "https_listener",
        attrs: obj(vec![
            ("port", Generic::from(443)),
            ("protocol", s("HTTPS")),
            ("ssl_policy", ssl_policy),
            ("certificate_arn", attr(config, "certificate_arn").clone()),
            (
                "default_action",
                Generic::Array(vec![obj(vec![
                    ("type", s("fixed-response")),
                    (
                        "fixed_response",
                        Generic::Array(vec![obj(vec![
                            ("status_code", s("404")),
                            ("content_type", s("text/plain")),
                        ])]),
                    ),
                ])]),
            ),
        ]),
        origins: vec![
            (Path::attr("ssl_policy"), Path::attr("ssl_policy")),
            (Path::attr("certificate_arn"), Path::attr("certificate_arn")),
        ],
    };
    let http = Plain {
        kind: "aws_lb_listener",
        name: "http_listener",
        attrs: obj(vec![
            ("port", Generic::from(80)),
            ("protocol", s("HTTP")),
            (
                "default_action",
                Generic::Array(vec![obj(vec![
                    ("type", s("redirect")),
                    (
                        "redirect",
                        Generic::Array(vec![obj(vec![
                            ("protocol", s("HTTPS")),
                            ("port", s("443")),
                            ("status_code", s("HTTP_301")),
                        ])]),
                    ),
                ])]),
            ),
        ]),
        origins: Vec::new(),
    };
    vec![sg, lb, https, http]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::unknown;

    fn problems(name: &str, v: Generic) -> Vec<String> {
        let d = declaration();
        let mut out = Vec::new();
        for c in &d.attr(name).unwrap().checks {
            c.run(name, &v, &Path::attr(name), &mut out);
        }
        out.into_iter().map(|p| p.detail).collect()
    }

    fn list(items: &[&str]) -> Generic {
        Generic::Array(items.iter().map(|i| s(i)).collect())
    }

    #[test]
    fn certificates_of_another_region_are_refused() {
        let arn = |r: &str| {
            format!("arn:aws:acm:{r}:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666")
        };
        assert!(certificate_region(&arn("us-east-2"), "us-east-2").is_ok());
        let e = certificate_region(&arn("us-east-1"), "us-east-2").unwrap_err();
        assert!(e.contains("us-east-1") && e.contains("us-east-2"), "{e}");
        assert!(certificate_region(&arn("us-east-1"), "").is_ok());
    }

    #[test]
    fn names_and_domains() {
        assert!(lb_name("senas").is_ok());
        assert!(lb_name("senas-prod-01").is_ok());
        for bad in [
            "",
            "Senas",
            "-senas",
            "senas-",
            "internal-x",
            "a_b",
            "sthree-web",
            "xn--web",
            &"x".repeat(33),
        ] {
            assert!(lb_name(bad).is_err(), "{bad:?}");
        }
        assert!(domain_name("senas.example.org").is_ok());
        assert!(domain_name("*.example.org").is_ok());
        for bad in [
            "",
            "localhost",
            "a..b",
            "-a.b",
            "a b.org",
            "*.org.",
            "ex_ample.org",
        ] {
            assert!(domain_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_tls12_policies_pass() {
        assert!(problems("ssl_policy", s(DEFAULT_SSL_POLICY)).is_empty());
        assert!(problems("ssl_policy", s("ELBSecurityPolicy-FS-1-2-Res-2020-10")).is_empty());
        for old in [
            "ELBSecurityPolicy-TLS13-1-0-2021-06",
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-TLS-1-1-2017-01",
            "ELBSecurityPolicy-FS-1-1-2019-08",
        ] {
            let p = problems("ssl_policy", s(old));
            assert_eq!(p.len(), 1, "{old}: {p:?}");
            assert!(p[0].starts_with("ssl_policy: \""), "{p:?}");
        }
    }

    #[test]
    fn certificates_subnets_and_cidrs_are_checked_on_their_paths() {
        let good =
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        assert!(problems("certificate_arn", s(good)).is_empty());
        for bad in [
            "arn:aws:iam::123456789012:server-certificate/x",
            "arn:aws:acm:us-east-1:123456789012:private-ca/x",
            "not-an-arn",
        ] {
            assert_eq!(problems("certificate_arn", s(bad)).len(), 1, "{bad}");
        }
        assert_eq!(
            problems("public_subnet_ids", list(&["subnet-0123abcd"])),
            ["public_subnet_ids: must be 2 to 16 long, got 1."]
        );
        let p = problems(
            "public_subnet_ids",
            list(&["subnet-0123abcd", "sg-0123abcd"]),
        );
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("public_subnet_ids[1]: "), "{p:?}");
        let p = problems("ingress_cidr_blocks", list(&["0.0.0.0/0", "10.0.0.1/8"]));
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("ingress_cidr_blocks[1]: "), "{p:?}");
        assert_eq!(problems("ingress_cidr_blocks", list(&[])).len(), 1);
        assert_eq!(problems("profile", s("staging")).len(), 1);
    }

    fn config(fields: Vec<(&str, Generic)>) -> Generic {
        obj(fields)
    }

    fn plain<'p>(plains: &'p [Plain], name: &str) -> &'p Plain {
        plains.iter().find(|p| p.name == name).unwrap()
    }

    #[test]
    fn the_expansion_is_what_the_rules_read() {
        let c = config(vec![
            ("name", s("senas")),
            ("profile", s("prod")),
            ("ssl_policy", s("ELBSecurityPolicy-TLS13-1-3-2021-06")),
            ("ingress_cidr_blocks", list(&["203.0.113.0/24"])),
        ]);
        let plains = expand(&c);
        let kinds: Vec<&str> = plains.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                "aws_security_group",
                "aws_lb",
                "aws_lb_listener",
                "aws_lb_listener"
            ]
        );
        // Every kind is a declared child's.
        for p in &plains {
            assert!(declaration().children.iter().any(|c| c.kind == p.kind));
        }
        let lb = &plain(&plains, "load_balancer").attrs;
        assert_eq!(field(lb, "internal"), Some(&Generic::Boolean(false)));
        assert_eq!(
            field(lb, "drop_invalid_header_fields"),
            Some(&Generic::Boolean(true))
        );
        assert_eq!(
            field(lb, "enable_deletion_protection"),
            Some(&Generic::Boolean(true))
        );
        let https = plain(&plains, "https_listener");
        assert_eq!(field(&https.attrs, "protocol"), Some(&s("HTTPS")));
        assert_eq!(
            field(&https.attrs, "ssl_policy"),
            Some(&s("ELBSecurityPolicy-TLS13-1-3-2021-06"))
        );
        assert!(https
            .origins
            .iter()
            .any(|(p, c)| p == &Path::attr("ssl_policy") && c == &Path::attr("ssl_policy")));
        let http = &plain(&plains, "http_listener").attrs;
        assert_eq!(field(http, "protocol"), Some(&s("HTTP")));
        let action = match field(http, "default_action") {
            Some(Generic::Array(a)) => a[0].clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(&action, "type"), Some(&s("redirect")));
        let sg = plain(&plains, "security_group");
        let ingress = match field(&sg.attrs, "ingress") {
            Some(Generic::Array(a)) => a.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(ingress.len(), 2);
        assert_eq!(
            field(&ingress[0], "cidr_blocks"),
            Some(&list(&["203.0.113.0/24"]))
        );
        assert!(sg.origins.iter().any(|(p, c)| {
            p == &path(&[a("ingress"), Step::Index(1), a("cidr_blocks")])
                && c == &Path::attr("ingress_cidr_blocks")
        }));
    }

    #[test]
    fn defaults_and_unknowns_in_the_expansion() {
        let plains = expand(&config(vec![("name", s("senas"))]));
        let lb = &plain(&plains, "load_balancer").attrs;
        assert_eq!(
            field(lb, "enable_deletion_protection"),
            Some(&Generic::Boolean(false))
        );
        let https = &plain(&plains, "https_listener").attrs;
        assert_eq!(field(https, "ssl_policy"), Some(&s(DEFAULT_SSL_POLICY)));
        let sg = &plain(&plains, "security_group").attrs;
        let Some(Generic::Array(ingress)) = field(sg, "ingress") else {
            panic!()
        };
        assert_eq!(
            field(&ingress[1], "cidr_blocks"),
            Some(&list(&["0.0.0.0/0"]))
        );
        let plains = expand(&config(vec![("profile", unknown())]));
        let lb = &plain(&plains, "load_balancer").attrs;
        assert_eq!(field(lb, "enable_deletion_protection"), Some(&unknown()));
    }
}

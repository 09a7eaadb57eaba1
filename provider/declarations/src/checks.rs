//! Plan-time checks declared on attributes: id formats, enumerations, ranges, ARNs, CIDRs,
//! tags. Each reports on the exact path of the offending value, so `terraform plan` fails on
//! the attribute, before anything is created. Unknown values are skipped (checked again once
//! known).

use super::value::{Generic, Path, Step};
use crate::types::arn::{parse_secret_reference, Arn};
use crate::types::sg_rule::{parse_cidr, parse_group_id};

/// One check.
#[derive(Debug, Clone)]
pub enum Check {
    /// A whole number between the two bounds, inclusive.
    Range(i64, i64),
    /// One of these numbers.
    OneOfNumbers(&'static [i64]),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A string's length in characters, or a list's length, between the bounds.
    Len(usize, usize),
    /// An AWS id: the prefix (`sg-`, `subnet-`, `ami-`, `vpc-`) and 8 or 17 hex digits.
    Id(&'static str),
    /// An IPv4 or IPv6 CIDR block without host bits.
    Cidr,
    /// A security group id.
    GroupId,
    /// An ARN of `service` whose resource starts with `prefix`; `wanted` names it.
    Arn {
        /// Service namespace.
        service: &'static str,
        /// Resource prefix.
        prefix: &'static str,
        /// Words for the error: what was expected.
        wanted: &'static str,
    },
    /// The exact ARN of one Secrets Manager secret or SSM parameter.
    SecretArn,
    /// Tag keys and values AWS accepts (no `aws:` prefix, 128/256 characters).
    Tags,
    /// A check of the composite's own: `Err(detail)` refuses the value.
    Custom {
        /// How the docs describe it.
        describe: &'static str,
        /// The check.
        check: fn(&str) -> Result<(), String>,
    },
    /// Applies the inner check to each element of a list or each value of a map.
    Each(Box<Check>),
    /// Applies the inner check to each key of a map.
    Keys(Box<Check>),
    /// A map of strings whose keys and values together are at most this many bytes (Lambda's
    /// 4 KB environment). Judged only when every key and value is known.
    MapBytes(usize),
    /// No element of a list appears twice (known elements).
    Distinct,
    /// An object whose named fields must all be set (null refused; unknown is checked later).
    Fields(&'static [&'static str]),
}

/// The most tags AWS accepts on any child kind the composites make (EC2 and VPC resources,
/// load balancers and listeners, RDS, ECS, IAM roles, S3 buckets, Lambda functions, SQS queues,
/// CloudWatch log groups, DynamoDB tables, ACM certificates: 50 each).
pub const CHILD_TAG_LIMIT: usize = 50;

/// The most tags a composite's `tags` may hold: the limit less the three the composites add.
pub const MAX_USER_TAGS: usize = CHILD_TAG_LIMIT - 3;

/// A refused value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: Path,
    /// One line.
    pub summary: String,
    /// What is wrong and what is accepted.
    pub detail: String,
}

impl Check {
    /// A check on each element or map value.
    pub fn each(inner: Check) -> Check {
        Check::Each(Box::new(inner))
    }

    /// A check on each map key.
    pub fn keys(inner: Check) -> Check {
        Check::Keys(Box::new(inner))
    }

    /// How the check reads in documentation.
    pub fn describe(&self) -> String {
        match self {
            Check::Range(a, b) => format!("{a} to {b}"),
            Check::OneOfNumbers(v) => format!(
                "one of {}",
                v.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Check::OneOf(v) => format!(
                "one of {}",
                v.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Check::Len(a, b) if b == &usize::MAX => format!("at least {a} long"),
            Check::Len(a, b) => format!("{a} to {b} long"),
            Check::Id(p) => format!("`{p}…` id"),
            Check::Cidr => "CIDR block, no host bits".into(),
            Check::GroupId => "`sg-…` id".into(),
            Check::Arn { wanted, .. } => wanted.to_string(),
            Check::SecretArn => "exact secret or parameter ARN".into(),
            Check::Tags => format!("tag keys without `aws:`, at most {MAX_USER_TAGS} tags"),
            Check::Custom { describe, .. } => describe.to_string(),
            Check::Each(inner) => format!("each: {}", inner.describe()),
            Check::Keys(inner) => format!("keys: {}", inner.describe()),
            Check::MapBytes(max) => format!("at most {max} bytes of names and values"),
            Check::Distinct => "no duplicates".into(),
            Check::Fields(f) => format!(
                "{} required",
                f.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Run the check on `v` at `path`, adding what it refuses to `out`.
    pub fn run(&self, attr: &str, v: &Generic, path: &Path, out: &mut Vec<Problem>) {
        if v.is_nil() || super::value::is_unknown(v) {
            return;
        }
        let mut refuse = |detail: String| {
            out.push(Problem {
                path: path.clone(),
                summary: format!("Invalid {attr}"),
                detail: format!("{path}: {detail}"),
            })
        };
        match self {
            Check::Range(min, max) => match whole_number(v) {
                Some(n) if (*min..=*max).contains(&n) => {}
                Some(n) => refuse(format!("must be between {min} and {max}, got {n}.")),
                None => refuse(format!(
                    "must be a whole number between {min} and {max}, got {}.",
                    show(v)
                )),
            },
            Check::OneOfNumbers(allowed) => match whole_number(v) {
                Some(n) if allowed.contains(&n) => {}
                _ => refuse(format!(
                    "{} is not one of {}.",
                    show(v),
                    allowed
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            Check::OneOf(allowed) => {
                if let Some(s) = v.as_str() {
                    if !allowed.contains(&s) {
                        refuse(format!(
                            "\"{s}\" is not one of {}.",
                            allowed
                                .iter()
                                .map(|a| format!("\"{a}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
            Check::Len(min, max) => {
                let len = match v {
                    rmpv::Value::String(s) => s.as_str().map(|s| s.chars().count()),
                    rmpv::Value::Array(items) => Some(items.len()),
                    rmpv::Value::Map(entries) => Some(entries.len()),
                    _ => None,
                };
                if let Some(len) = len {
                    if len < *min || len > *max {
                        let bound = if *max == usize::MAX {
                            format!("at least {min}")
                        } else {
                            format!("{min} to {max}")
                        };
                        refuse(format!("must be {bound} long, got {len}."));
                    }
                }
            }
            Check::Id(prefix) => {
                if let Some(s) = v.as_str() {
                    let ok = s.strip_prefix(prefix).is_some_and(|hex| {
                        (hex.len() == 8 || hex.len() == 17)
                            && hex.chars().all(|c| c.is_ascii_hexdigit())
                    });
                    if !ok {
                        refuse(format!(
                            "\"{s}\" is not an id of the form {prefix}0123abcd ({prefix} and 8 or 17 hex digits)."
                        ));
                    }
                }
            }
            Check::Cidr => {
                if let Some(s) = v.as_str() {
                    if let Err(e) = parse_cidr(s) {
                        refuse(format!("{e}."));
                    }
                }
            }
            Check::GroupId => {
                if let Some(s) = v.as_str() {
                    if let Err(e) = parse_group_id(s) {
                        refuse(format!("{e}."));
                    }
                }
            }
            Check::Arn {
                service,
                prefix,
                wanted,
            } => {
                if let Some(s) = v.as_str() {
                    if let Err(e) = Arn::parse_kind(s, service, prefix, wanted) {
                        refuse(format!("{e}."));
                    }
                }
            }
            Check::SecretArn => {
                if let Some(s) = v.as_str() {
                    if let Err(e) = parse_secret_reference(s) {
                        refuse(format!("{e}."));
                    }
                }
            }
            Check::Tags => {
                if let rmpv::Value::Map(entries) = v {
                    // Every child kind the composites make (EC2, ELB, RDS, ECS, IAM, S3,
                    // Lambda, SQS, CloudWatch Logs, DynamoDB, ACM) takes at most 50 tags; the
                    // composites add `Name`, `blueprint:owner` and `blueprint:profile`.
                    let own = entries
                        .iter()
                        .filter(|(k, _)| {
                            !matches!(
                                k.as_str(),
                                Some("Name" | "blueprint:owner" | "blueprint:profile")
                            )
                        })
                        .count();
                    if own > MAX_USER_TAGS {
                        refuse(format!(
                            "{own} tags: every child carries these and the composite's own `Name`, `blueprint:owner` and `blueprint:profile`, and AWS accepts at most {CHILD_TAG_LIMIT} tags on each kind the composites make, so at most {MAX_USER_TAGS} (with the provider's `default_tags`)."
                        ));
                    }
                    for (k, val) in entries {
                        let key = k.as_str().unwrap_or_default();
                        let at = path.then(Step::Key(key.to_string()));
                        let mut bad = |detail: String| {
                            out.push(Problem {
                                path: at.clone(),
                                summary: format!("Invalid {attr}"),
                                detail: format!("{at}: {detail}"),
                            })
                        };
                        if key.to_ascii_lowercase().starts_with("aws:") {
                            bad(format!("tag key \"{key}\" starts with \"aws:\", which AWS reserves for its own tags."));
                        } else if key.is_empty() || key.chars().count() > 128 {
                            bad(format!("tag key \"{key}\" must be 1 to 128 characters."));
                        }
                        if let Some(s) = val.as_str() {
                            if s.chars().count() > 256 {
                                bad(format!(
                                    "tag value of \"{key}\" must be at most 256 characters."
                                ));
                            }
                        }
                    }
                }
            }
            Check::Custom { check, .. } => {
                if let Some(s) = v.as_str() {
                    if let Err(detail) = check(s) {
                        refuse(detail);
                    }
                }
            }
            Check::Each(inner) => match v {
                rmpv::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        inner.run(attr, item, &path.then(Step::Index(i)), out);
                    }
                }
                rmpv::Value::Map(entries) => {
                    for (k, item) in entries {
                        let key = k.as_str().unwrap_or_default().to_string();
                        inner.run(attr, item, &path.then(Step::Key(key)), out);
                    }
                }
                _ => {}
            },
            Check::Keys(inner) => {
                if let rmpv::Value::Map(entries) = v {
                    for (k, _) in entries {
                        let key = k.as_str().unwrap_or_default().to_string();
                        inner.run(attr, k, &path.then(Step::Key(key)), out);
                    }
                }
            }
            Check::Fields(fields) => {
                if let rmpv::Value::Map(_) = v {
                    for f in *fields {
                        let missing = super::value::field(v, f).is_none_or(|x| x.is_nil());
                        if missing {
                            out.push(Problem {
                                path: path.then(Step::Attr((*f).to_string())),
                                summary: format!("Missing {attr}.{f}"),
                                detail: format!(
                                    "{}: is required (\"\" for no filter).",
                                    path.then(Step::Attr((*f).to_string()))
                                ),
                            });
                        }
                    }
                }
            }
            Check::Distinct => {
                if let rmpv::Value::Array(items) = v {
                    for (i, item) in items.iter().enumerate() {
                        if item.is_nil() || super::value::is_unknown(item) {
                            continue;
                        }
                        if let Some(first) = items[..i].iter().position(|x| x == item) {
                            out.push(Problem {
                                path: path.then(Step::Index(i)),
                                summary: format!("Invalid {attr}"),
                                detail: format!(
                                    "{}: {} is already element {first}: each must appear once.",
                                    path.then(Step::Index(i)),
                                    show(item)
                                ),
                            });
                        }
                    }
                }
            }
            Check::MapBytes(max) => {
                if let rmpv::Value::Map(entries) = v {
                    let sizes: Option<Vec<usize>> = entries
                        .iter()
                        .map(|(k, v)| Some(k.as_str()?.len() + v.as_str()?.len()))
                        .collect();
                    if let Some(total) = sizes.map(|s| s.iter().sum::<usize>()) {
                        if total > *max {
                            refuse(format!(
                                "names and values take {total} bytes; at most {max} are accepted."
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// A number that is whole and fits an i64 (Terraform numbers are arbitrary precision: a
/// fraction or a huge value must be refused, not wrapped).
fn whole_number(v: &Generic) -> Option<i64> {
    match v {
        rmpv::Value::Integer(i) => i.as_i64(),
        rmpv::Value::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        rmpv::Value::F32(f) if f.fract() == 0.0 && f.abs() < 1.0e7 => Some(*f as i64),
        _ => None,
    }
}

fn show(v: &Generic) -> String {
    match v {
        rmpv::Value::Integer(i) => i.to_string(),
        rmpv::Value::F64(f) => f.to_string(),
        rmpv::Value::F32(f) => f.to_string(),
        rmpv::Value::String(s) => format!("\"{}\"", s.as_str().unwrap_or_default()),
        other => other.to_string(),
    }
}

/// A container image reference: `REGISTRY/REPOSITORY:TAG` or `@sha256:DIGEST`.
pub fn image_reference(i: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/:@".contains(c);
    if !i.is_empty() && i.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "image \"{i}\" is not an image reference (REGISTRY/REPOSITORY:TAG or @sha256:DIGEST)."
        ))
    }
}

/// Instance types look like `FAMILY.SIZE` (`t3.micro`, `m7g.2xlarge`, `u-6tb1.metal`).
pub fn instance_type(s: &str) -> Result<(), String> {
    let ok = s.split_once('.').is_some_and(|(family, size)| {
        !family.is_empty()
            && !size.is_empty()
            && family
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
            && family
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && size
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{s}\" is not an EC2 instance type (FAMILY.SIZE, e.g. t3.micro)."
        ))
    }
}

/// An OpenSSH public key: a known key type, then base64 whose embedded type matches.
pub fn ssh_public_key(s: &str) -> Result<(), String> {
    use base64::Engine;
    const TYPES: &[&str] = &[
        "ssh-rsa",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
    ];
    let mut parts = s.split_whitespace();
    let (Some(kind), Some(body)) = (parts.next(), parts.next()) else {
        return Err("is not an OpenSSH public key (TYPE BASE64 [COMMENT], e.g. ssh-ed25519 AAAA… you@host).".into());
    };
    if !TYPES.contains(&kind) {
        return Err(format!(
            "key type \"{kind}\" is not one EC2 imports ({}).",
            TYPES.join(", ")
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| "the key body is not base64.".to_string())?;
    // The blob starts with the key type as a length-prefixed string.
    let embedded = decoded
        .get(..4)
        .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
        .and_then(|len| decoded.get(4..4 + len));
    if embedded != Some(kind.as_bytes()) {
        return Err(format!("the key body is not a \"{kind}\" key."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(check: Check, v: Generic) -> Vec<String> {
        let mut out = Vec::new();
        check.run("x", &v, &Path::attr("x"), &mut out);
        out.into_iter().map(|p| p.detail).collect()
    }

    fn s(v: &str) -> Generic {
        Generic::from(v)
    }

    #[test]
    fn more_tags_than_the_children_accept_are_refused() {
        let tags = |n: usize| {
            Generic::Map(
                (0..n)
                    .map(|i| (s(&format!("k{i}")), s("v")))
                    .chain([(s("Name"), s("x"))])
                    .collect(),
            )
        };
        assert!(problems(Check::Tags, tags(MAX_USER_TAGS)).is_empty());
        let p = problems(Check::Tags, tags(MAX_USER_TAGS + 1));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("at most 47"), "{p:?}");
    }

    #[test]
    fn duplicates_are_refused_on_the_repeated_element() {
        let list = Generic::Array(vec![
            s("subnet-0123abcd"),
            s("subnet-4567abcd"),
            s("subnet-0123abcd"),
        ]);
        let mut out = Vec::new();
        Check::Distinct.run("subnet_ids", &list, &Path::attr("subnet_ids"), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path.to_string(), "subnet_ids[2]");
        assert!(out[0].detail.contains("already element 0"), "{:?}", out[0]);
    }

    #[test]
    fn ranges_refuse_what_would_wrap() {
        assert!(problems(Check::Range(1, 2147483647), Generic::from(30)).is_empty());
        assert_eq!(
            problems(Check::Range(1, 2147483647), Generic::from(4294967297_i64)),
            ["x: must be between 1 and 2147483647, got 4294967297."]
        );
        assert_eq!(
            problems(Check::Range(1, 10), Generic::F64(1.5)),
            ["x: must be a whole number between 1 and 10, got 1.5."]
        );
        assert!(problems(Check::Range(1, 10), Generic::Nil).is_empty());
        assert!(problems(Check::Range(1, 10), super::super::value::unknown()).is_empty());
    }

    #[test]
    fn ids_cidrs_and_arns() {
        assert!(problems(Check::Id("subnet-"), s("subnet-0123abcd")).is_empty());
        assert_eq!(problems(Check::Id("subnet-"), s("")).len(), 1);
        assert_eq!(problems(Check::Id("ami-"), s("ami-xyz")).len(), 1);
        assert_eq!(problems(Check::GroupId, s("default")).len(), 1);
        assert_eq!(
            problems(Check::Cidr, s("10.0.0.1/8")),
            ["x: \"10.0.0.1/8\" has host bits set: the network is 10.0.0.0/8."]
        );
        let listener = Check::Arn {
            service: "elasticloadbalancing",
            prefix: "listener/",
            wanted: "the ARN of an ALB listener",
        };
        assert_eq!(problems(listener, s("arn:aws:s3:::b")).len(), 1);
        assert_eq!(
            problems(
                Check::SecretArn,
                s("arn:aws:secretsmanager:us-east-1:*:secret:db")
            )
            .len(),
            1
        );
    }

    #[test]
    fn each_and_tags_name_the_element() {
        let list = Generic::Array(vec![s("subnet-0123abcd"), s("")]);
        let mut out = Vec::new();
        Check::each(Check::Id("subnet-")).run(
            "subnet_ids",
            &list,
            &Path::attr("subnet_ids"),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path.to_string(), "subnet_ids[1]");
        let tags = Generic::Map(vec![(s("aws:owner"), s("me")), (s("team"), s("ml"))]);
        let mut out = Vec::new();
        Check::Tags.run("tags", &tags, &Path::attr("tags"), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path.to_string(), "tags[\"aws:owner\"]");
    }

    #[test]
    fn instance_types_and_keys() {
        assert!(instance_type("t3.micro").is_ok());
        assert!(instance_type("m7g.2xlarge").is_ok());
        assert!(instance_type("").is_err());
        assert!(instance_type("made-up").is_err());
        assert!(instance_type("T3.MICRO").is_err());
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfZvC3zaXxP3G7jXw0YyX9qv2yQ8C9fTqCpR3m1kP1s me@host";
        assert!(ssh_public_key(key).is_ok(), "{:?}", ssh_public_key(key));
        assert!(ssh_public_key("").is_err());
        assert!(ssh_public_key("ssh-rsa garbage!!").is_err());
        assert!(ssh_public_key(
            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHfZvC3zaXxP3G7jXw0YyX9qv2yQ8C9fTqCpR3m1kP1s"
        )
        .is_err());
    }
}

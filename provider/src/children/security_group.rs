//! Security group children: rules in a canonical text form (`PROTO FROM-TO SOURCE`), their
//! convergence (authorize what is missing, revoke what was added out of band), and deletion.

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, UserIdGroupPair};

use crate::clients::error_code;
use crate::composite::{delete_retrying, CompositeError, Ctx};

/// AWS's default egress rule of a new security group.
pub const ALL_EGRESS: &str = "all 0-65535 0.0.0.0/0";

/// Whether `s` is an IPv4 or IPv6 CIDR block.
pub fn is_cidr(s: &str) -> bool {
    let Some((ip, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// The canonical rule admitting TCP `port` from `source` (a CIDR or a security group id).
pub fn tcp_rule(port: i64, source: &str) -> String {
    format!("tcp {port}-{port} {source}")
}

/// A canonical rule string as an EC2 permission.
pub fn permission(rule: &str) -> Option<IpPermission> {
    let mut parts = rule.split_whitespace();
    let proto = parts.next()?;
    let (from, to) = parts.next()?.split_once('-')?;
    let source = parts.next()?;
    let mut p = if proto == "all" {
        IpPermission::builder().ip_protocol("-1")
    } else {
        IpPermission::builder()
            .ip_protocol(proto)
            .from_port(from.parse().ok()?)
            .to_port(to.parse().ok()?)
    };
    p = if source.starts_with("sg-") {
        p.user_id_group_pairs(UserIdGroupPair::builder().group_id(source).build())
    } else if source.contains(':') {
        p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(source).build())
    } else {
        p.ip_ranges(IpRange::builder().cidr_ip(source).build())
    };
    Some(p.build())
}

/// Canonical strings of EC2 permissions, sorted.
pub fn canonical(perms: &[IpPermission]) -> Vec<String> {
    let mut out = Vec::new();
    for p in perms {
        let proto = match p.ip_protocol().unwrap_or("-1") {
            "-1" => "all",
            other => other,
        };
        let range = format!(
            "{}-{}",
            p.from_port().unwrap_or(-1),
            p.to_port().unwrap_or(-1)
        );
        for r in p.ip_ranges() {
            out.push(format!(
                "{proto} {range} {}",
                r.cidr_ip().unwrap_or_default()
            ));
        }
        for r in p.ipv6_ranges() {
            out.push(format!(
                "{proto} {range} {}",
                r.cidr_ipv6().unwrap_or_default()
            ));
        }
        for g in p.user_id_group_pairs() {
            out.push(format!(
                "{proto} {range} {}",
                g.group_id().unwrap_or_default()
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Which side of a security group a rule is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Traffic in.
    Ingress,
    /// Traffic out.
    Egress,
}

/// Open (`open`) or close `rules` on one side of the security group.
pub async fn change_rules(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    open: bool,
    rules: &[String],
) -> Result<(), CompositeError> {
    let perms: Vec<IpPermission> = rules.iter().filter_map(|r| permission(r)).collect();
    if perms.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.clients.ec2();
    let perms = Some(perms);
    let sent = match (direction, open) {
        (Direction::Ingress, true) => ec2
            .authorize_security_group_ingress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Ingress, false) => ec2
            .revoke_security_group_ingress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Egress, true) => ec2
            .authorize_security_group_egress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
        (Direction::Egress, false) => ec2
            .revoke_security_group_egress()
            .group_id(sg)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_ec2::Error::from),
    };
    let verb = if open { "Opening" } else { "Closing" };
    sent.map_err(|e| CompositeError::aws(format!("{verb} {direction:?} {rules:?} on \"{sg}\""), &e))
}

/// Revoke what is not wanted and authorize what is missing, on one side.
pub async fn converge(
    ctx: &Ctx,
    sg: &str,
    direction: Direction,
    have: &[String],
    want: &[String],
) -> Result<(), CompositeError> {
    let extra: Vec<String> = have.iter().filter(|r| !want.contains(r)).cloned().collect();
    let missing: Vec<String> = want.iter().filter(|r| !have.contains(r)).cloned().collect();
    // Authorize first so that the group is never left with no way out.
    change_rules(ctx, sg, direction, true, &missing).await?;
    change_rules(ctx, sg, direction, false, &extra).await
}

/// The observed rules of a security group, or `None` when it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Ingress rules, canonical and sorted.
    pub ingress: Vec<String>,
    /// Egress rules, canonical and sorted.
    pub egress: Vec<String>,
}

/// Read a security group's rules; `None` when it no longer exists.
pub async fn read(ctx: &Ctx, sg: &str) -> Result<Option<Observed>, CompositeError> {
    match ctx
        .clients
        .ec2()
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().first().map(|g| Observed {
            ingress: canonical(g.ip_permissions()),
            egress: canonical(g.ip_permissions_egress()),
        })),
        Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.NotFound") => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading security group \"{sg}\""),
            &e,
        )),
    }
}

/// Delete a security group, retrying while something (an instance, a task's network
/// interface) still holds it.
pub async fn delete(ctx: &Ctx, sg: &str) -> Result<(), CompositeError> {
    let ec2 = ctx.clients.ec2();
    delete_retrying(
        &ctx.deadline,
        &format!("security group \"{sg}\""),
        "InvalidGroup.NotFound",
        "DependencyViolation",
        || ec2.delete_security_group().group_id(sg).send(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(is_cidr("0.0.0.0/0"));
        assert!(is_cidr("10.0.0.0/16"));
        assert!(is_cidr("::/0"));
        assert!(!is_cidr("10.0.0.0"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("everyone"));
    }

    #[test]
    fn rules_round_trip_through_permissions() {
        let rules = vec![
            "tcp 22-22 10.0.0.0/8".to_string(),
            "tcp 8000-8000 ::/0".to_string(),
            tcp_rule(8000, "sg-0123"),
        ];
        let perms: Vec<IpPermission> = rules.iter().filter_map(|r| permission(r)).collect();
        assert_eq!(canonical(&perms), rules);
        assert!(permission("tcp nonsense").is_none());
    }
}

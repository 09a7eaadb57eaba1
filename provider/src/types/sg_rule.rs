//! Security-group rules (the value type is `blueprint_declarations::types::sg_rule`) in EC2's
//! form: an `IpPermission` to authorize or revoke, and the rules a described group holds.

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use ipnet::IpNet;

pub use blueprint_declarations::types::sg_rule::*;

/// The rule as an EC2 permission.
pub fn permission(rule: &SgRule) -> IpPermission {
    let mut p = IpPermission::builder().ip_protocol(rule.protocol.ec2());
    if rule.protocol != Protocol::All {
        p = p.from_port(rule.from).to_port(rule.to);
    }
    p = match &rule.source {
        Source::Cidr(IpNet::V4(net)) => {
            p.ip_ranges(IpRange::builder().cidr_ip(net.to_string()).build())
        }
        Source::Cidr(IpNet::V6(net)) => {
            p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(net.to_string()).build())
        }
        Source::Group(g) => p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).build()),
        Source::PrefixList(pl) => {
            p.prefix_list_ids(PrefixListId::builder().prefix_list_id(pl).build())
        }
    };
    p.build()
}

/// Every rule an EC2 permission holds (one per source), canonical.
pub fn from_permission(p: &IpPermission) -> Vec<SgRule> {
    let Some(protocol) = Protocol::parse(p.ip_protocol().unwrap_or("-1")) else {
        return Vec::new();
    };
    let from = p.from_port().unwrap_or(-1);
    let to = p.to_port().unwrap_or(-1);
    let mut sources = Vec::new();
    for r in p.ip_ranges() {
        if let Some(net) = r.cidr_ip().and_then(|c| c.parse::<IpNet>().ok()) {
            sources.push(Source::Cidr(net.trunc()));
        }
    }
    for r in p.ipv6_ranges() {
        if let Some(net) = r.cidr_ipv6().and_then(|c| c.parse::<IpNet>().ok()) {
            sources.push(Source::Cidr(net.trunc()));
        }
    }
    for g in p.user_id_group_pairs() {
        if let Some(id) = g.group_id() {
            sources.push(Source::Group(id.to_string()));
        }
    }
    for pl in p.prefix_list_ids() {
        if let Some(id) = pl.prefix_list_id() {
            sources.push(Source::PrefixList(id.to_string()));
        }
    }
    sources
        .into_iter()
        .map(|s| SgRule::new(protocol, from, to, s))
        .collect()
}

/// Every rule of a list of EC2 permissions, sorted and without duplicates.
pub fn from_permissions(perms: &[IpPermission]) -> Vec<SgRule> {
    canonical_set(perms.iter().flat_map(from_permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Source {
        Source::Cidr(parse_cidr(s).unwrap())
    }

    #[test]
    fn all_protocol_rules_compare_equal_whatever_their_ports() {
        let planned = SgRule::all(cidr("0.0.0.0/0"));
        let read_back = IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        let with_minus_one = IpPermission::builder()
            .ip_protocol("-1")
            .from_port(-1)
            .to_port(-1)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        assert_eq!(from_permission(&read_back), vec![planned.clone()]);
        assert_eq!(from_permission(&with_minus_one), vec![planned.clone()]);
        assert_eq!("all -1--1 0.0.0.0/0".parse::<SgRule>().unwrap(), planned);
        assert_eq!("all 0-65535 0.0.0.0/0".parse::<SgRule>().unwrap(), planned);
        assert_eq!(planned.to_string(), "all 0-65535 0.0.0.0/0");
    }

    #[test]
    fn rules_round_trip_through_permissions_and_text() {
        let rules = vec![
            SgRule::tcp(22, cidr("10.0.0.0/8")),
            SgRule::tcp(8000, cidr("::/0")),
            SgRule::tcp(8000, Source::Group("sg-0123abcd".into())),
            SgRule::new(Protocol::Udp, 53, 53, Source::PrefixList("pl-1234".into())),
            SgRule::new(Protocol::Icmp, 8, 0, cidr("10.1.0.0/16")),
        ];
        for r in &rules {
            assert_eq!(from_permission(&permission(r)), vec![r.clone()]);
            assert_eq!(r.to_string().parse::<SgRule>().unwrap(), *r);
        }
    }

    #[test]
    fn one_permission_with_several_sources_is_several_rules() {
        let p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build();
        let got = to_strings(&from_permissions(&[p]));
        assert_eq!(got, ["tcp 443-443 10.0.0.0/8", "tcp 443-443 ::/0"]);
    }
}

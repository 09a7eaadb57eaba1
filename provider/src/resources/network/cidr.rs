//! The network's CIDR plan: each tier's subnets carved from the VPC's block
//! (`cidrsubnet(cidr_block, NEWBITS, slot)`, slot `tier * 4 + zone`), or given per tier and
//! checked: IPv4, inside the VPC, `/16` to `/28`, one per zone, none overlapping another.

use ipnet::{IpNet, Ipv4Net};

use crate::types::sg_rule::parse_cidr;

/// Bits added to the VPC's prefix for a derived subnet (a sixteenth of the VPC).
pub const NEWBITS: u8 = 4;
/// Slots per tier in the derived plan (so at most this many zones).
pub const SLOTS_PER_TIER: u32 = 4;
/// The smallest and largest prefix AWS accepts for a VPC or a subnet.
pub const PREFIX_RANGE: (u8, u8) = (16, 28);

/// The three tiers, in slot order, with their override attribute.
pub const TIERS: [(&str, &str); 3] = [
    ("public", "public_subnet_cidrs"),
    ("private", "private_subnet_cidrs"),
    ("database", "database_subnet_cidrs"),
];

/// A problem with the plan, on an attribute (and an element of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The attribute.
    pub attr: &'static str,
    /// The list element, for the subnet lists.
    pub index: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn problem(attr: &'static str, index: Option<usize>, message: String) -> Problem {
    Problem {
        attr,
        index,
        message,
    }
}

/// Parse the VPC block: IPv4, no host bits, `/16` to `/28`.
pub fn vpc_block(cidr: &str) -> Result<Ipv4Net, String> {
    match parse_cidr(cidr).map_err(|e| e.to_string())? {
        IpNet::V4(net) if (PREFIX_RANGE.0..=PREFIX_RANGE.1).contains(&net.prefix_len()) => Ok(net),
        IpNet::V4(net) => Err(format!(
            "a VPC's CIDR must be /{} to /{}, got /{}.",
            PREFIX_RANGE.0,
            PREFIX_RANGE.1,
            net.prefix_len()
        )),
        IpNet::V6(_) => Err(format!("\"{cidr}\" is IPv6: the VPC needs an IPv4 CIDR.")),
    }
}

/// The derived subnet of `tier` (0 public, 1 private, 2 database) in zone `zone`.
pub fn derived(vpc: Ipv4Net, tier: usize, zone: usize) -> Result<Ipv4Net, String> {
    let prefix = vpc.prefix_len() + NEWBITS;
    if prefix > PREFIX_RANGE.1 {
        return Err(format!(
            "{vpc} is too small for the derived plan (subnets of /{prefix}; AWS's smallest is /{}): use /{} or larger, or give public_subnet_cidrs, private_subnet_cidrs and database_subnet_cidrs.",
            PREFIX_RANGE.1,
            PREFIX_RANGE.1 - NEWBITS
        ));
    }
    if zone as u32 >= SLOTS_PER_TIER {
        return Err(format!(
            "the derived plan has room for {SLOTS_PER_TIER} zones per tier."
        ));
    }
    let slot = tier as u32 * SLOTS_PER_TIER + zone as u32;
    let step = 1u32 << (32 - prefix);
    let base = u32::from(vpc.network());
    let addr = std::net::Ipv4Addr::from(base + slot * step);
    Ipv4Net::new(addr, prefix).map_err(|e| e.to_string())
}

/// The plan: for each tier, one subnet per zone, from `overrides[tier]` when given, else
/// derived. Every problem is returned, each on its attribute (and element).
pub fn plan(
    cidr_block: &str,
    zones: usize,
    overrides: [Option<Vec<String>>; 3],
) -> Result<[Vec<Ipv4Net>; 3], Vec<Problem>> {
    let vpc = vpc_block(cidr_block).map_err(|m| vec![problem("cidr_block", None, m)])?;
    let mut problems = Vec::new();
    let mut tiers: [Vec<Ipv4Net>; 3] = Default::default();
    // (subnet, attribute, index) of every subnet placed so far, for the overlap check.
    let mut placed: Vec<(Ipv4Net, &'static str, usize)> = Vec::new();
    for (t, (_, attr)) in TIERS.iter().enumerate() {
        match &overrides[t] {
            Some(given) => {
                if given.len() != zones {
                    problems.push(problem(
                        attr,
                        None,
                        format!(
                            "needs one CIDR per availability zone: {zones}, got {}.",
                            given.len()
                        ),
                    ));
                }
                for (i, c) in given.iter().enumerate() {
                    let net = match parse_cidr(c) {
                        Ok(IpNet::V4(n)) => n,
                        Ok(IpNet::V6(_)) => {
                            problems.push(problem(
                                attr,
                                Some(i),
                                format!("\"{c}\" is IPv6: subnets here are IPv4."),
                            ));
                            continue;
                        }
                        Err(e) => {
                            problems.push(problem(attr, Some(i), e.to_string()));
                            continue;
                        }
                    };
                    if !(PREFIX_RANGE.0..=PREFIX_RANGE.1).contains(&net.prefix_len()) {
                        problems.push(problem(
                            attr,
                            Some(i),
                            format!(
                                "{net} is too {}: a subnet is /{} to /{}.",
                                if net.prefix_len() > PREFIX_RANGE.1 {
                                    "small"
                                } else {
                                    "large"
                                },
                                PREFIX_RANGE.0,
                                PREFIX_RANGE.1
                            ),
                        ));
                        continue;
                    }
                    if !vpc.contains(&net) {
                        problems.push(problem(
                            attr,
                            Some(i),
                            format!("{net} is outside the VPC's {vpc}."),
                        ));
                        continue;
                    }
                    if let Some((other, oattr, oi)) = placed
                        .iter()
                        .find(|(o, _, _)| o.contains(&net) || net.contains(o))
                    {
                        problems.push(problem(
                            attr,
                            Some(i),
                            format!("{net} overlaps {oattr}[{oi}] ({other})."),
                        ));
                        continue;
                    }
                    placed.push((net, attr, i));
                    tiers[t].push(net);
                }
            }
            None => {
                for z in 0..zones {
                    match derived(vpc, t, z) {
                        Ok(net) => {
                            if let Some((other, oattr, oi)) = placed
                                .iter()
                                .find(|(o, _, _)| o.contains(&net) || net.contains(o))
                            {
                                problems.push(problem(
                                    oattr,
                                    Some(*oi),
                                    format!("{other} overlaps the derived {} subnet {net} of zone {z}: give {attr} too.", TIERS[t].0),
                                ));
                            }
                            placed.push((net, attr, z));
                            tiers[t].push(net);
                        }
                        Err(m) => {
                            problems.push(problem("cidr_block", None, m));
                            return Err(problems);
                        }
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(tiers)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|x| x.to_string()).collect())
    }

    fn strings(n: &[Ipv4Net]) -> Vec<String> {
        n.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_default_plan_is_sixteenths_by_tier_and_zone() {
        let [public, private, database] = plan("10.0.0.0/16", 3, [None, None, None]).unwrap();
        assert_eq!(
            strings(&public),
            ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
        );
        assert_eq!(
            strings(&private),
            ["10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20"]
        );
        assert_eq!(
            strings(&database),
            ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]
        );
        let [p, _, d] = plan("172.16.0.0/24", 2, [None, None, None]).unwrap();
        assert_eq!(strings(&p), ["172.16.0.0/28", "172.16.0.16/28"]);
        assert_eq!(strings(&d), ["172.16.0.128/28", "172.16.0.144/28"]);
    }

    #[test]
    fn a_vpc_too_small_for_the_derived_plan_fails_on_cidr_block() {
        let e = plan("10.0.0.0/25", 2, [None, None, None]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].attr, "cidr_block");
        assert!(e[0].message.contains("too small"), "{:?}", e);
        let e = plan("10.0.0.0/8", 2, [None, None, None]).unwrap_err();
        assert!(e[0].message.contains("/16 to /28"), "{:?}", e);
        let e = plan("fd00::/56", 2, [None, None, None]).unwrap_err();
        assert!(e[0].message.contains("IPv6"), "{:?}", e);
    }

    #[test]
    fn overrides_are_checked_on_their_elements() {
        let e = plan(
            "10.0.0.0/16",
            2,
            [
                s(&["10.0.0.0/24", "10.0.1.0/24"]),
                s(&["10.0.0.128/25", "10.1.0.0/24"]),
                s(&["10.0.9.0/29", "10.0.10.0/24", "10.0.11.0/24"]),
            ],
        )
        .unwrap_err();
        let at: Vec<(&str, Option<usize>)> = e.iter().map(|p| (p.attr, p.index)).collect();
        assert_eq!(
            at,
            [
                ("private_subnet_cidrs", Some(0)),
                ("private_subnet_cidrs", Some(1)),
                ("database_subnet_cidrs", None),
                ("database_subnet_cidrs", Some(0)),
            ],
            "{e:?}"
        );
        assert!(e[0]
            .message
            .contains("overlaps public_subnet_cidrs[0] (10.0.0.0/24)"));
        assert!(e[1].message.contains("outside the VPC's 10.0.0.0/16"));
        assert!(e[2]
            .message
            .contains("needs one CIDR per availability zone: 2, got 3"));
        assert!(e[3].message.contains("too small"), "{}", e[3].message);
    }

    #[test]
    fn a_derived_subnet_overlapping_an_override_names_the_override() {
        let e = plan(
            "10.0.0.0/16",
            2,
            [s(&["10.0.64.0/24", "10.0.65.0/24"]), None, None],
        )
        .unwrap_err();
        assert_eq!(e[0].attr, "public_subnet_cidrs");
        assert_eq!(e[0].index, Some(0));
        assert!(e[0].message.contains("give private_subnet_cidrs"), "{e:?}");
    }

    #[test]
    fn valid_overrides_mix_with_derived_tiers() {
        let [p, q, d] = plan(
            "10.0.0.0/16",
            2,
            [s(&["10.0.250.0/24", "10.0.251.0/24"]), None, None],
        )
        .unwrap();
        assert_eq!(strings(&p), ["10.0.250.0/24", "10.0.251.0/24"]);
        assert_eq!(strings(&q), ["10.0.64.0/20", "10.0.80.0/20"]);
        assert_eq!(d.len(), 2);
    }
}

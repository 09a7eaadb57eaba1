//! Sets of IP addresses, and how much of the internet a set admits.
//!
//! A security group's exposure is judged on the addresses its rules admit, never on how a CIDR
//! is spelt: `0.0.0.0/00`, `::0/0`, `0::/0`, `::ffff:0.0.0.0/96` (the IPv4-mapped block),
//! `2000::/3` (every global unicast IPv6 address), the two `/1` halves or the four `/2`
//! quarters of IPv4 all admit the whole internet. An [`AddrSet`] is the union of any number of
//! CIDR blocks, kept as merged, sorted ranges (IPv4 and IPv6 apart; an IPv4-mapped IPv6 block
//! `::ffff:a.b.c.d/96+n` counts as the IPv4 block `a.b.c.d/n` it names), so the union of a
//! rule's (or a whole group's) sources can be compared with the internet.
//!
//! **The thresholds** (the rule docs quote them):
//! - *the internet*: a set is open to the internet when it holds every public IPv4 address
//!   (all of IPv4 but the special-purpose blocks of [`V4_NOT_INTERNET`]) or every global
//!   unicast IPv6 address (`2000::/3`);
//! - *too wide*: otherwise, when it holds more public addresses than a `/8` of IPv4 (2^24) or a
//!   `/32` of IPv6 (2^96) — wider than any single organisation's own range.
//!
//! **Spellings.** [`parse_cidr`] reads a block as EC2 accepts it: the address and a prefix
//! length in decimal (one or two digits for IPv4, up to three for IPv6; a leading zero of the
//! length is allowed: `/00` is `/0`), IPv6 in any of its compressed forms (`::0`, `0::`,
//! `0:0:0:0:0:0:0:0`), upper or lower case, and with an embedded IPv4 tail
//! (`::ffff:0.0.0.0/96`). It refuses, at plan, a bare address, a length over 32 (IPv4) or 128
//! (IPv6) or of more digits, octets with leading zeros (`010.0.0.0/8`: some parsers read them
//! as octal, and the AWS provider refuses them), host bits set (`10.0.0.1/8`, which EC2 would
//! refuse or silently widen), zone ids (`fe80::1%eth0/64`) and surrounding spaces.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::sg_rule::{parse_cidr as parse_network, RuleError};

/// IPv4 blocks that are not the internet (RFC 6890 special-purpose blocks that never route
/// across it): "this network", private (RFC 1918), shared (RFC 6598), loopback, link-local,
/// IETF protocol assignments, documentation, benchmarking, multicast and reserved.
pub const V4_NOT_INTERNET: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// The IPv6 internet: global unicast.
pub const V6_INTERNET: &str = "2000::/3";

/// A set is too wide when it holds more public IPv4 addresses than this (a `/8`)...
pub const V4_TOO_WIDE: u128 = 1 << 24;

/// ... or more public IPv6 addresses than this (a `/32`).
pub const V6_TOO_WIDE: u128 = 1 << 96;

/// Private address space (RFC 1918, RFC 6598 shared space, IPv6 unique local): what is inside a
/// VPC when the VPC's own CIDR is not known.
pub const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

/// How much of the internet a set admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exposure {
    /// No public address, or no more than the thresholds.
    Narrow,
    /// More public addresses than a `/8` of IPv4 or a `/32` of IPv6, but not all of them.
    TooWide,
    /// Every public IPv4 address or every global unicast IPv6 address.
    Internet,
}

/// A set of IPv4 and IPv6 addresses: sorted, merged, inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

/// The IPv4 block an IPv4-mapped IPv6 block (`::ffff:0:0/96` or inside it) names.
fn mapped_v4(net: &Ipv6Net) -> Option<Ipv4Net> {
    if net.prefix_len() < 96 {
        return None;
    }
    let v4 = net.network().to_ipv4_mapped()?;
    Ipv4Net::new(v4, net.prefix_len() - 96).ok()
}

/// A range end: IPv4 (`u32`) or IPv6 (`u128`) addresses as numbers.
trait Bound: Copy + Ord + Into<u128> {
    /// `self + 1`, `None` at the maximum.
    fn succ(self) -> Option<Self>;
    /// `self - 1`, `None` at zero.
    fn pred(self) -> Option<Self>;
}

impl Bound for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Bound for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// Adds `lo..=hi` to sorted, merged ranges, merging overlapping and adjacent ones.
fn insert_range<T: Bound>(ranges: &mut Vec<(T, T)>, lo: T, hi: T) {
    ranges.push((lo, hi));
    ranges.sort();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(a, b) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if a <= last.1 || last.1.succ() == Some(a) => {
                if b > last.1 {
                    last.1 = b;
                }
            }
            _ => merged.push((a, b)),
        }
    }
    *ranges = merged;
}

/// `a` minus `b`, both sorted and merged.
fn minus<T: Bound>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    for &(lo, hi) in a {
        let mut cur = Some(lo);
        for &(blo, bhi) in b {
            let Some(c) = cur else { break };
            if bhi < c || blo > hi {
                continue;
            }
            if blo > c {
                if let Some(end) = blo.pred() {
                    out.push((c, end));
                }
            }
            cur = if bhi >= hi { None } else { bhi.succ() };
        }
        if let Some(c) = cur {
            out.push((c, hi));
        }
    }
    out
}

/// Number of addresses in ranges, saturating at `u128::MAX` (all of IPv6 is 2^128).
fn count<T: Bound>(ranges: &[(T, T)]) -> u128 {
    ranges.iter().fold(0u128, |acc, &(a, b)| {
        acc.saturating_add((b.into() - a.into()).saturating_add(1))
    })
}

fn set_of(blocks: &[&str]) -> AddrSet {
    let mut s = AddrSet::new();
    for b in blocks {
        if let Ok(net) = b.parse::<IpNet>() {
            s.insert(net);
        }
    }
    s
}

/// The public internet: IPv4 but its special-purpose blocks, and global unicast IPv6.
pub fn internet() -> &'static AddrSet {
    static I: std::sync::OnceLock<AddrSet> = std::sync::OnceLock::new();
    I.get_or_init(|| {
        let mut all = set_of(&["0.0.0.0/0", V6_INTERNET]);
        all.v4 = minus(&all.v4, &set_of(V4_NOT_INTERNET).v4);
        all
    })
}

/// Private address space ([`PRIVATE`]).
pub fn private() -> &'static AddrSet {
    static P: std::sync::OnceLock<AddrSet> = std::sync::OnceLock::new();
    P.get_or_init(|| set_of(PRIVATE))
}

impl AddrSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The union of `nets`.
    pub fn of(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let mut s = Self::new();
        for n in nets {
            s.insert(n);
        }
        s
    }

    /// Adds a block (an IPv4-mapped IPv6 block as the IPv4 block it names).
    pub fn insert(&mut self, net: IpNet) {
        match net {
            IpNet::V4(n) => insert_range(
                &mut self.v4,
                u32::from(n.network()),
                u32::from(n.broadcast()),
            ),
            IpNet::V6(n) => match mapped_v4(&n) {
                Some(v4) => self.insert(IpNet::V4(v4)),
                None => insert_range(
                    &mut self.v6,
                    u128::from(n.network()),
                    u128::from(n.broadcast()),
                ),
            },
        }
    }

    /// Adds every address of `other`.
    pub fn extend(&mut self, other: &AddrSet) {
        for &(a, b) in &other.v4 {
            insert_range(&mut self.v4, a, b);
        }
        for &(a, b) in &other.v6 {
            insert_range(&mut self.v6, a, b);
        }
    }

    /// Whether the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The addresses of `self` that are not in `other`.
    pub fn minus(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: minus(&self.v4, &other.v4),
            v6: minus(&self.v6, &other.v6),
        }
    }

    /// The addresses of `self` that are also in `other`.
    pub fn intersect(&self, other: &AddrSet) -> AddrSet {
        self.minus(&self.minus(other))
    }

    /// Whether every address of `other` is in `self`.
    pub fn contains_set(&self, other: &AddrSet) -> bool {
        other.minus(self).is_empty()
    }

    /// Whether `addr` is in the set.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let mut one = AddrSet::new();
        one.insert(IpNet::from(addr));
        self.contains_set(&one)
    }

    /// Number of IPv4 addresses.
    pub fn v4_count(&self) -> u128 {
        count(&self.v4)
    }

    /// Number of IPv6 addresses (saturating: all of IPv6 counts `u128::MAX`).
    pub fn v6_count(&self) -> u128 {
        count(&self.v6)
    }

    /// The addresses of the set that are on the internet.
    pub fn public(&self) -> AddrSet {
        self.intersect(internet())
    }

    /// How much of the internet the set admits (see the module's thresholds).
    pub fn exposure(&self) -> Exposure {
        let public = self.public();
        let net = internet();
        let all_v4 = AddrSet {
            v4: net.v4.clone(),
            v6: Vec::new(),
        };
        let all_v6 = AddrSet {
            v4: Vec::new(),
            v6: net.v6.clone(),
        };
        if public.contains_set(&all_v4) || public.contains_set(&all_v6) {
            Exposure::Internet
        } else if public.v4_count() > V4_TOO_WIDE || public.v6_count() > V6_TOO_WIDE {
            Exposure::TooWide
        } else {
            Exposure::Narrow
        }
    }

    /// The set as a minimal list of CIDR blocks (IPv4 first).
    pub fn to_cidrs(&self) -> Vec<IpNet> {
        let mut out: Vec<IpNet> = Vec::new();
        for &(a, b) in &self.v4 {
            out.extend(
                ipnet::Ipv4Subnets::new(Ipv4Addr::from(a), Ipv4Addr::from(b), 0).map(IpNet::V4),
            );
        }
        for &(a, b) in &self.v6 {
            out.extend(
                ipnet::Ipv6Subnets::new(Ipv6Addr::from(a), Ipv6Addr::from(b), 0).map(IpNet::V6),
            );
        }
        out
    }
}

/// Parses a CIDR block as AWS accepts it (see the module docs), refusing host bits.
pub fn parse_cidr(s: &str) -> Result<IpNet, RuleError> {
    // Rust's parser already refuses leading-zero octets, zone ids, spaces and long lengths,
    // and reads `/00` and every IPv6 compression; `sg_rule::parse_cidr` adds host bits.
    parse_network(s)
}

/// The set of one CIDR block, when it parses.
pub fn set_of_cidr(s: &str) -> Option<AddrSet> {
    parse_cidr(s).ok().map(|n| AddrSet::of([n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cidrs: &[&str]) -> AddrSet {
        AddrSet::of(cidrs.iter().map(|c| parse_cidr(c).unwrap()))
    }

    #[test]
    fn the_worlds_spellings_are_the_internet() {
        for spelt in [
            &["0.0.0.0/0"][..],
            &["0.0.0.0/00"],
            &["::/0"],
            &["::0/0"],
            &["0::/0"],
            &["0:0:0:0:0:0:0:0/0"],
            &["::ffff:0.0.0.0/96"],
            &["::ffff:0:0/96"],
            &["2000::/3"],
            &["0.0.0.0/1", "128.0.0.0/1"],
            &["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
            &["::ffff:0.0.0.0/97", "128.0.0.0/1"],
            &["2000::/4", "3000::/4"],
        ] {
            assert_eq!(set(spelt).exposure(), Exposure::Internet, "{spelt:?}");
        }
    }

    #[test]
    fn narrow_and_wide_sets() {
        assert_eq!(set(&["10.0.0.0/8"]).exposure(), Exposure::Narrow);
        assert_eq!(set(&["fc00::/7"]).exposure(), Exposure::Narrow);
        assert_eq!(set(&["203.0.113.0/24"]).exposure(), Exposure::Narrow);
        assert_eq!(set(&["8.0.0.0/8"]).exposure(), Exposure::Narrow);
        assert_eq!(
            set(&["8.0.0.0/8", "9.0.0.0/32"]).exposure(),
            Exposure::TooWide
        );
        assert_eq!(set(&["0.0.0.0/1"]).exposure(), Exposure::TooWide);
        assert_eq!(set(&["2001:db8::/32"]).exposure(), Exposure::Narrow);
        assert_eq!(set(&["2400::/16"]).exposure(), Exposure::TooWide);
        // Private space, however wide, is not the internet.
        assert_eq!(
            set(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]).exposure(),
            Exposure::Narrow
        );
    }

    #[test]
    fn spellings_aws_refuses_are_refused() {
        for bad in [
            "010.0.0.0/8",
            "10.0.0.0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.1/8",
            " 0.0.0.0/0",
            "fe80::1%eth0/64",
            "0.0.0.0/-1",
            "0.0.0.0/",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unions_merge_and_print_minimally() {
        let s = set(&["10.0.0.0/9", "10.128.0.0/9", "10.1.0.0/16"]);
        assert_eq!(s.to_cidrs(), vec![parse_cidr("10.0.0.0/8").unwrap()]);
        assert!(s.contains("10.200.0.1".parse().unwrap()));
        assert!(!s.contains("11.0.0.1".parse().unwrap()));
        assert!(set(&["::ffff:10.0.0.0/104"]).contains("10.1.2.3".parse().unwrap()));
        assert_eq!(set(&["::/0"]).v6_count(), u128::MAX);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A random spelling of the IPv6 address `::` (groups of one to four zeros, `::` at a
        /// random place or not at all), with a random prefix length spelling of 0.
        fn zero_v6() -> impl Strategy<Value = String> {
            (
                proptest::collection::vec(1usize..=4, 8),
                proptest::option::of(0usize..7),
                0usize..=2,
            )
                .prop_flat_map(|(widths, gap, len_zeros)| {
                    let groups: Vec<String> = widths.iter().map(|w| "0".repeat(*w)).collect();
                    let addr = match gap {
                        None => groups.join(":"),
                        Some(at) => {
                            let end = (at + 1 + at % 3).min(8);
                            format!("{}::{}", groups[..at].join(":"), groups[end..].join(":"))
                        }
                    };
                    let len = format!("/{}", "0".repeat(len_zeros.max(1)));
                    Just(format!("{addr}{len}"))
                })
        }

        /// A spelling of `0.0.0.0/0`, as IPv4, IPv4-mapped IPv6 or the global unicast block.
        fn world() -> impl Strategy<Value = String> {
            prop_oneof![
                (1usize..=2).prop_map(|z| format!("0.0.0.0/{}", "0".repeat(z))),
                zero_v6(),
                Just("::ffff:0.0.0.0/96".to_string()),
                Just("::FFFF:0:0/96".to_string()),
                Just("0:0:0:0:0:ffff:0.0.0.0/96".to_string()),
                Just("2000::/3".to_string()),
            ]
        }

        /// `net` split into halves `splits` times at random (choices pick which block splits).
        fn split(net: IpNet, choices: &[u16]) -> Vec<IpNet> {
            let mut blocks = vec![net];
            for c in choices {
                let i = usize::from(*c) % blocks.len();
                let b = blocks[i];
                let max = if b.addr().is_ipv4() { 32 } else { 128 };
                if b.prefix_len() >= max {
                    continue;
                }
                let halves: Vec<IpNet> = b.subnets(b.prefix_len() + 1).unwrap().collect();
                blocks.splice(i..=i, halves);
            }
            blocks
        }

        /// An IPv4 block as written: plain, or as its IPv4-mapped IPv6 block.
        fn spelt(net: IpNet, mapped: bool) -> String {
            match net {
                IpNet::V4(n) if mapped => {
                    format!("::ffff:{}/{}", n.network(), n.prefix_len() + 96)
                }
                n => n.to_string(),
            }
        }

        proptest! {
            #[test]
            fn every_spelling_of_the_world_is_the_internet(s in world()) {
                let net = parse_cidr(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(AddrSet::of([net]).exposure(), Exposure::Internet, "{}", s);
            }

            #[test]
            fn every_split_of_the_world_is_the_internet(
                choices in proptest::collection::vec(any::<u16>(), 0..40),
                mapped in proptest::collection::vec(any::<bool>(), 41),
                drop in any::<u16>(),
            ) {
                let blocks = split("0.0.0.0/0".parse().unwrap(), &choices);
                let cidrs: Vec<String> = blocks
                    .iter()
                    .zip(&mapped)
                    .map(|(b, m)| spelt(*b, *m))
                    .collect();
                let set = AddrSet::of(cidrs.iter().map(|c| parse_cidr(c).unwrap()));
                prop_assert_eq!(set.exposure(), Exposure::Internet, "{:?}", cidrs);
                // Without one block that holds public addresses, it is no longer the internet.
                let i = usize::from(drop) % blocks.len();
                if !AddrSet::of([blocks[i]]).public().is_empty() && blocks.len() > 1 {
                    let rest = AddrSet::of(
                        blocks.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, b)| *b),
                    );
                    prop_assert_ne!(rest.exposure(), Exposure::Internet);
                }
            }

            #[test]
            fn splits_of_a_wide_public_range_are_too_wide(
                choices in proptest::collection::vec(any::<u16>(), 0..40),
                mapped in proptest::collection::vec(any::<bool>(), 41),
            ) {
                // 8.0.0.0/7 is public and twice a /8; 8.0.0.0/8 alone is not too wide.
                for (net, want) in [("8.0.0.0/7", Exposure::TooWide), ("8.0.0.0/8", Exposure::Narrow)] {
                    let blocks = split(net.parse().unwrap(), &choices);
                    let cidrs: Vec<String> = blocks
                        .iter()
                        .zip(&mapped)
                        .map(|(b, m)| spelt(*b, *m))
                        .collect();
                    let set = AddrSet::of(cidrs.iter().map(|c| parse_cidr(c).unwrap()));
                    prop_assert_eq!(set.exposure(), want, "{:?}", cidrs);
                }
                let v6 = split("2400::/31".parse().unwrap(), &choices);
                prop_assert_eq!(AddrSet::of(v6).exposure(), Exposure::TooWide);
            }

            #[test]
            fn a_set_is_the_union_of_its_blocks(
                nets in proptest::collection::vec((any::<u32>(), 0u8..=32), 1..12),
                probe in any::<u32>(),
            ) {
                let blocks: Vec<IpNet> = nets
                    .iter()
                    .map(|(a, l)| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(*a), *l).unwrap().trunc()))
                    .collect();
                let set = AddrSet::of(blocks.clone());
                let addr = IpAddr::V4(Ipv4Addr::from(probe));
                prop_assert_eq!(set.contains(addr), blocks.iter().any(|b| b.contains(&addr)));
                prop_assert_eq!(AddrSet::of(set.to_cidrs()), set);
            }
        }
    }
}

//! A security-group rule as a value: protocol, port range and one source, in a canonical form.
//!
//! EC2 describes the same rule in several ways (an all-protocol rule comes back with ports
//! `-1`, absent, or `0-65535`; ICMP uses type/code in the port fields), so rules are compared
//! as values, never as the strings they print as. The printed form
//! (`PROTO FROM-TO SOURCE`, e.g. `tcp 22-22 10.0.0.0/8`, `all 0-65535 0.0.0.0/0`) is what the
//! composites' observed attributes (`ingress_rules`, `egress_rules`) show.

use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;

/// The IP protocol of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// Every protocol (EC2's `-1`): ports do not apply.
    All,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (the port fields carry type and code).
    Icmp,
    /// Any other protocol by number.
    Number(u8),
}

impl Protocol {
    /// The protocol as EC2 writes it (`-1` for all).
    pub fn ec2(self) -> String {
        match self {
            Protocol::All => "-1".into(),
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Number(n) => n.to_string(),
        }
    }

    /// A protocol by name or number (`-1`/`all`, `tcp`/`6`, ...).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            other => Protocol::Number(other.parse().ok()?),
        })
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::All => f.write_str("all"),
            Protocol::Tcp => f.write_str("tcp"),
            Protocol::Udp => f.write_str("udp"),
            Protocol::Icmp => f.write_str("icmp"),
            Protocol::Number(n) => write!(f, "{n}"),
        }
    }
}

/// Where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// An IPv4 or IPv6 CIDR block (host bits zero).
    Cidr(IpNet),
    /// Another security group, `sg-…`.
    Group(String),
    /// A managed prefix list, `pl-…`.
    PrefixList(String),
}

impl Source {
    /// Whether the source admits the whole IPv4 or IPv6 internet, however it is spelt
    /// (judged on its addresses: `::ffff:0.0.0.0/96` and `2000::/3` are the internet too).
    pub fn is_world(&self) -> bool {
        matches!(self, Source::Cidr(net)
            if super::addr_set::AddrSet::of([*net]).exposure() == super::addr_set::Exposure::Internet)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Cidr(net) => write!(f, "{net}"),
            Source::Group(g) | Source::PrefixList(g) => f.write_str(g),
        }
    }
}

/// Why a CIDR, a group id or a rule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Not `ADDRESS/LENGTH`.
    #[error("\"{0}\" is not an IPv4 or IPv6 CIDR block (ADDRESS/LENGTH)")]
    NotCidr(String),
    /// Host bits set: AWS would refuse it (or silently mean another network).
    #[error("\"{given}\" has host bits set: the network is {network}")]
    HostBits {
        /// What was written.
        given: String,
        /// The network it lies in.
        network: String,
    },
    /// Not `sg-` followed by hex digits.
    #[error("\"{0}\" is not a security group id (sg- followed by 8 or 17 hex digits)")]
    NotGroupId(String),
    /// A rule string that does not parse.
    #[error("\"{0}\" is not a rule (PROTO FROM-TO SOURCE)")]
    NotRule(String),
}

/// Whether an IPv4 part of `s` (plain or the tail of an IPv6 address) has an octet with a
/// leading zero (`010.0.0.0/8`): some parsers read it as octal, AWS's provider refuses it.
fn leading_zero_octet(s: &str) -> bool {
    let addr = s.split('/').next().unwrap_or_default();
    let v4 = addr.rsplit(':').next().unwrap_or_default();
    v4.contains('.') && v4.split('.').any(|o| o.len() > 1 && o.starts_with('0'))
}

/// Parse a CIDR block, refusing host bits (`10.0.0.1/8`) and octets with leading zeros.
pub fn parse_cidr(s: &str) -> Result<IpNet, RuleError> {
    if leading_zero_octet(s) {
        return Err(RuleError::NotCidr(s.to_string()));
    }
    let net: IpNet = s.parse().map_err(|_| RuleError::NotCidr(s.to_string()))?;
    if net.trunc() != net {
        return Err(RuleError::HostBits {
            given: s.to_string(),
            network: net.trunc().to_string(),
        });
    }
    Ok(net)
}

/// Check a security group id (`sg-` and 8 or 17 lowercase hex digits).
pub fn parse_group_id(s: &str) -> Result<String, RuleError> {
    let ok = s.strip_prefix("sg-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit())
    });
    if ok {
        Ok(s.to_string())
    } else {
        Err(RuleError::NotGroupId(s.to_string()))
    }
}

/// One rule: protocol, port range (ignored for all protocols) and one source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SgRule {
    /// The protocol.
    pub protocol: Protocol,
    /// First port (or ICMP type); 0 for all protocols.
    pub from: i32,
    /// Last port (or ICMP code); 65535 for all protocols.
    pub to: i32,
    /// The peer.
    pub source: Source,
}

impl SgRule {
    /// TCP on one port from `source`.
    pub fn tcp(port: u16, source: Source) -> Self {
        Self::new(Protocol::Tcp, i32::from(port), i32::from(port), source)
    }

    /// Every protocol and port to or from `source`.
    pub fn all(source: Source) -> Self {
        Self::new(Protocol::All, 0, 65535, source)
    }

    /// A rule in canonical form (all-protocol rules cover every port, whatever was given).
    pub fn new(protocol: Protocol, from: i32, to: i32, source: Source) -> Self {
        let (from, to) = match protocol {
            Protocol::All => (0, 65535),
            Protocol::Tcp | Protocol::Udp if from == -1 && to == -1 => (0, 65535),
            _ => (from, to),
        };
        Self {
            protocol,
            from,
            to,
            source,
        }
    }

    /// Whether the rule admits TCP `port`.
    pub fn admits_tcp(&self, port: i32) -> bool {
        match self.protocol {
            Protocol::All => true,
            Protocol::Tcp => self.from <= port && port <= self.to,
            _ => false,
        }
    }
}

impl fmt::Display for SgRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}-{} {}",
            self.protocol, self.from, self.to, self.source
        )
    }
}

impl FromStr for SgRule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || RuleError::NotRule(s.to_string());
        let mut parts = s.split_whitespace();
        let (Some(proto), Some(range), Some(source), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let protocol = Protocol::parse(proto).ok_or_else(bad)?;
        // `-1--1` (EC2's "no ports") splits at the second '-'.
        let (from, to) = if let Some(rest) = range.strip_prefix('-') {
            let (a, b) = rest.split_once('-').ok_or_else(bad)?;
            (format!("-{a}"), b.to_string())
        } else {
            let (a, b) = range.split_once('-').ok_or_else(bad)?;
            (a.to_string(), b.to_string())
        };
        let from: i32 = from.parse().map_err(|_| bad())?;
        let to: i32 = to.parse().map_err(|_| bad())?;
        let source = if source.starts_with("sg-") {
            Source::Group(source.to_string())
        } else if source.starts_with("pl-") {
            Source::PrefixList(source.to_string())
        } else {
            Source::Cidr(parse_cidr(source)?)
        };
        Ok(SgRule::new(protocol, from, to, source))
    }
}

/// Rules sorted and without duplicates.
pub fn canonical_set(rules: impl IntoIterator<Item = SgRule>) -> Vec<SgRule> {
    let mut v: Vec<SgRule> = rules.into_iter().collect();
    v.sort();
    v.dedup();
    v
}

/// Printed forms of rules (for the observed attributes).
pub fn to_strings(rules: &[SgRule]) -> Vec<String> {
    rules.iter().map(ToString::to_string).collect()
}

/// Rules from their printed forms; strings that are not rules are left out (state written by
/// an older version may hold them, and a later read replaces them with what exists).
pub fn parse_all<S: AsRef<str>>(items: &[S]) -> Vec<SgRule> {
    canonical_set(items.iter().filter_map(|s| s.as_ref().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Source {
        Source::Cidr(parse_cidr(s).unwrap())
    }

    #[test]
    fn cidrs_with_host_bits_and_bad_ids_are_refused() {
        assert!(parse_cidr("10.0.0.0/16").is_ok());
        assert!(parse_cidr("::/0").is_ok());
        assert_eq!(
            parse_cidr("10.0.0.1/8").unwrap_err().to_string(),
            "\"10.0.0.1/8\" has host bits set: the network is 10.0.0.0/8"
        );
        assert!(parse_cidr("10.0.0.0").is_err());
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_group_id("sg-0123abcd").is_ok());
        assert!(parse_group_id("sg-0123456789abcdef0").is_ok());
        assert!(parse_group_id("sg-xyz").is_err());
        assert!(parse_group_id("").is_err());
        assert!("tcp nonsense".parse::<SgRule>().is_err());
    }

    #[test]
    fn world_and_port_checks() {
        assert!(SgRule::tcp(22, cidr("0.0.0.0/0")).source.is_world());
        assert!(!SgRule::tcp(22, cidr("10.0.0.0/8")).source.is_world());
        assert!(SgRule::all(cidr("10.0.0.0/8")).admits_tcp(5432));
        assert!(!SgRule::tcp(22, cidr("10.0.0.0/8")).admits_tcp(5432));
    }
}

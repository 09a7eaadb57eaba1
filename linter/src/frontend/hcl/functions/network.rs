//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`, on IPv4 and
//! IPv6 prefixes as Terraform computes them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{arg, at_most, int_arg, str_arg, FnResult, Reason};
use crate::model::Value;

/// A parsed prefix: its address as a number, its length, and the address family's width.
#[derive(Clone, Copy)]
struct Prefix {
    addr: u128,
    len: u32,
    bits: u32,
    v6: bool,
}

impl Prefix {
    fn parse(s: &str) -> Result<Prefix, Reason> {
        let net: ipnet::IpNet = s
            .parse()
            .map_err(|e| Reason::new(format!("invalid CIDR expression {s:?}: {e}")))?;
        let (addr, bits, v6) = match net.network() {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32, false),
            IpAddr::V6(a) => (u128::from(a), 128, true),
        };
        Ok(Prefix {
            addr,
            len: u32::from(net.prefix_len()),
            bits,
            v6,
        })
    }

    fn host_bits(&self) -> u32 {
        self.bits - self.len
    }

    fn ip(&self, addr: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(addr).to_string()
        } else {
            Ipv4Addr::from(addr as u32).to_string()
        }
    }

    /// The `num`th subnet with `newbits` more prefix bits.
    fn subnet(&self, newbits: i64, num: i64) -> Result<Prefix, Reason> {
        if newbits < 0 {
            return Err(Reason::new("newbits must not be negative"));
        }
        let newlen = i64::from(self.len) + newbits;
        if newlen > i64::from(self.bits) {
            return Err(Reason::new(format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                self.len
            )));
        }
        let newbits = newbits as u32;
        let max = if newbits >= 64 {
            i64::MAX
        } else {
            (1i64 << newbits) - 1
        };
        if num < 0 || num > max {
            return Err(Reason::new(format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
            )));
        }
        let shift = self.bits - newlen as u32;
        let addr = self.addr | ((num as u128) << shift);
        Ok(Prefix {
            addr,
            len: newlen as u32,
            ..*self
        })
    }

    fn cidr(&self) -> String {
        format!("{}/{}", self.ip(self.addr), self.len)
    }
}

/// `cidrhost(prefix, hostnum)`: a negative number counts back from the end of the range.
pub(super) fn cidrhost(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let p = Prefix::parse(&str_arg(&args, 0)?)?;
    let num = int_arg(&args, 1)?;
    let size: u128 = if p.host_bits() >= 128 {
        u128::MAX
    } else {
        1u128 << p.host_bits()
    };
    let offset = if num < 0 {
        size.checked_sub(u128::from(num.unsigned_abs()))
    } else {
        Some(num as u128).filter(|n| *n < size)
    };
    let offset = offset.ok_or_else(|| {
        Reason::new(format!(
            "prefix of {} bits cannot accommodate a host numbered {num}",
            p.host_bits()
        ))
    })?;
    Ok(Value::String(p.ip(p.addr + offset)))
}

/// `cidrnetmask(prefix)`: IPv4 only.
pub(super) fn cidrnetmask(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let p = Prefix::parse(&str_arg(&args, 0)?)?;
    if p.v6 {
        return Err(Reason::new("IPv6 addresses cannot have a netmask"));
    }
    let mask = u32::MAX.checked_shl(32 - p.len).unwrap_or(0);
    Ok(Value::String(Ipv4Addr::from(mask).to_string()))
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(super) fn cidrsubnet(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let p = Prefix::parse(&str_arg(&args, 0)?)?;
    let sub = p.subnet(int_arg(&args, 1)?, int_arg(&args, 2)?)?;
    Ok(Value::String(sub.cidr()))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned to its own size.
pub(super) fn cidrsubnets(args: Vec<Value>) -> FnResult {
    let p = Prefix::parse(&str_arg(&args, 0)?)?;
    arg(&args, 0)?;
    let mut next: u128 = p.addr;
    let end: u128 = p.addr
        + if p.host_bits() >= 128 {
            u128::MAX - p.addr
        } else {
            1u128 << p.host_bits()
        };
    let mut out = Vec::new();
    for i in 1..args.len() {
        let nb = int_arg(&args, i)?;
        if nb < 1 {
            return Err(Reason::new(format!(
                "must extend prefix by at least one bit, got {nb}"
            )));
        }
        let newlen = i64::from(p.len) + nb;
        if newlen > i64::from(p.bits) {
            return Err(Reason::new(format!(
                "would extend prefix to {newlen} bits, which is too long for an IPv{} address",
                if p.v6 { 6 } else { 4 }
            )));
        }
        let size: u128 = 1u128 << (p.bits - newlen as u32);
        // Round up to this subnet's alignment.
        let start = next.div_ceil(size) * size;
        if start.checked_add(size).is_none_or(|e| e > end) {
            return Err(Reason::new(format!(
                "not enough remaining address space for a subnet with a prefix of {newlen} bits after {}",
                out.last().and_then(Value::as_str).unwrap_or("the start")
            )));
        }
        let sub = Prefix {
            addr: start,
            len: newlen as u32,
            ..p
        };
        out.push(Value::String(sub.cidr()));
        next = start + size;
    }
    Ok(Value::List(out))
}

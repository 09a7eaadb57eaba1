//! Which ports of which security groups the internet reaches, through any chain of
//! security-group rules that carries the traffic on: a CIDR outside the VPC admitted by a group,
//! then each group that admits that group. A hop through a group whose members are all load
//! balancers forwards any port (a load balancer passes traffic to its targets); a hop through a
//! group of anything else (instances, services, nothing known) carries only the ports it was
//! reached on: a host reached on 443 that may open 5432 is an application in between, the
//! design the seeds draw, while one reached on 5432 that may open 5432 is a pass-through.
//! Unknown ports, protocols and sources carry nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::Kind;
use super::members::Member;
use crate::finding::PathStep;
use crate::model::Model;
use crate::rules::support::{cidr_contains, is_private, referenced, Ingress, SourceKind};

/// Every port.
pub const ALL_PORTS: (i64, i64) = (0, 65535);

/// One security-group rule on the way from the internet.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// Address of the resource holding the rule.
    pub address: String,
    /// Path of the admitted source in it.
    pub path: Vec<PathStep>,
    /// The group it admits traffic into.
    pub group: String,
    /// What it admits: a CIDR or a group address.
    pub source: String,
    /// The ports it opens.
    pub ports: (i64, i64),
}

/// Ports of a group the internet reaches, and the chain that gets there (first hop first).
#[derive(Debug, Clone, PartialEq)]
pub struct Exposed {
    /// First and last port reached.
    pub ports: (i64, i64),
    /// The rules on the way.
    pub chain: Vec<Hop>,
}

impl Exposed {
    /// Whether `port` is reached.
    pub fn covers(&self, port: i64) -> bool {
        self.ports.0 <= port && port <= self.ports.1
    }
}

/// The group an ingress rule belongs to.
pub fn group_of(ing: &Ingress<'_>) -> Option<String> {
    ing.group.clone()
}

/// The TCP ports an ingress rule opens, when known.
pub fn ports_of(ing: &Ingress<'_>) -> Option<(i64, i64)> {
    if ing.all_ports {
        return Some(ALL_PORTS);
    }
    if ing.tcp != Some(true) {
        return None;
    }
    Some((ing.from_port?, ing.to_port?))
}

/// Whether `cidr` admitted into `group` is the internet: outside the group's VPC when its
/// `vpc_id` points to an `aws_vpc` with a literal CIDR, else outside private address space.
pub fn is_internet(model: &Model, group: Option<&str>, cidr: &str) -> Option<bool> {
    let vpc = group
        .and_then(|g| model.get(g))
        .and_then(|sg| referenced(model, sg.attributes.get("vpc_id")))
        .and_then(|v| v.attributes.get("cidr_block").as_str());
    match vpc {
        Some(v) => cidr_contains(v, cidr).map(|inside| !inside),
        None => is_private(cidr).map(|p| !p),
    }
}

/// A rule admitting one security group into another.
struct GroupSource<'i, 'm> {
    ing: &'i Ingress<'m>,
    group: String,
    ports: (i64, i64),
    source: String,
    path: Vec<PathStep>,
}

/// The internet's reach into every group, through chains of rules (shortest chains first).
pub fn exposure(
    model: &Model,
    ingress: &[Ingress<'_>],
    members: &[Member<'_>],
) -> BTreeMap<String, Vec<Exposed>> {
    // Groups whose members are all load balancers forward any port.
    let mut kinds: BTreeMap<&str, BTreeSet<Kind>> = BTreeMap::new();
    for m in members {
        kinds.entry(m.group.as_str()).or_default().insert(m.kind);
    }
    let forwards = |g: &str| {
        kinds
            .get(g)
            .is_some_and(|k| k.iter().all(|k| *k == Kind::LoadBalancer))
    };
    let mut out: BTreeMap<String, Vec<Exposed>> = BTreeMap::new();
    let add = |out: &mut BTreeMap<String, Vec<Exposed>>, group: &str, e: Exposed| -> bool {
        let list = out.entry(group.to_string()).or_default();
        if list
            .iter()
            .any(|x| x.ports.0 <= e.ports.0 && e.ports.1 <= x.ports.1)
        {
            return false;
        }
        list.push(e);
        true
    };
    // Direct: CIDRs outside the VPC.
    for ing in ingress {
        let (Some(group), Some(ports)) = (group_of(ing), ports_of(ing)) else {
            continue;
        };
        for src in &ing.sources {
            let SourceKind::Cidr(c) = &src.kind else {
                continue;
            };
            if is_internet(model, ing.group.as_deref(), c) != Some(true) {
                continue;
            }
            let hop = Hop {
                address: ing.resource.address.clone(),
                path: src.path.clone(),
                group: group.clone(),
                source: c.clone(),
                ports,
            };
            add(
                &mut out,
                &group,
                Exposed {
                    ports,
                    chain: vec![hop],
                },
            );
        }
    }
    // Chains: a group admitting a reached group. Each round adds only ranges not yet covered,
    // and ranges only shrink along a chain, so this ends; the bound is a safety net.
    let sg_sources: Vec<GroupSource<'_, '_>> = ingress
        .iter()
        .filter_map(|ing| Some((ing, group_of(ing)?, ports_of(ing)?)))
        .flat_map(|(ing, group, ports)| {
            ing.sources.iter().filter_map(move |src| match &src.kind {
                SourceKind::SecurityGroup(r) => model.resolve(r).map(|sg| GroupSource {
                    ing,
                    group: group.clone(),
                    ports,
                    source: sg.address.clone(),
                    path: src.path.clone(),
                }),
                _ => None,
            })
        })
        .collect();
    for _ in 0..64 {
        let mut changed = false;
        for GroupSource {
            ing,
            group,
            ports,
            source,
            path,
        } in &sg_sources
        {
            if group == source {
                continue;
            }
            let Some(reached) = out.get(source).cloned() else {
                continue;
            };
            for e in reached {
                let carried = if forwards(source) {
                    Some(*ports)
                } else {
                    let (a, b) = (ports.0.max(e.ports.0), ports.1.min(e.ports.1));
                    (a <= b).then_some((a, b))
                };
                let Some(carried) = carried else { continue };
                if e.chain.iter().any(|h| &h.group == group) {
                    continue;
                }
                let mut chain = e.chain.clone();
                chain.push(Hop {
                    address: ing.resource.address.clone(),
                    path: path.clone(),
                    group: group.clone(),
                    source: source.clone(),
                    ports: carried,
                });
                changed |= add(
                    &mut out,
                    group,
                    Exposed {
                        ports: carried,
                        chain,
                    },
                );
            }
        }
        if !changed {
            break;
        }
    }
    out
}

/// Ports as text: `5432`, `8000-8010`, `all ports`.
pub fn ports_text((a, b): (i64, i64)) -> String {
    if (a, b) == ALL_PORTS {
        "all ports".to_string()
    } else if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

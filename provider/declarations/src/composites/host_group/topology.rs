//! The hosts of a `blueprint_host_group` and their declared connections, and everything derived
//! from them: each host's ingress (exactly what its peers' connections imply, from their groups),
//! which hosts reach each external target (a database, a cache), and the plan-time problems.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::{self, Generic, Path, Step};

/// A service a host serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its name (`nfs`).
    pub name: String,
    /// Its port.
    pub port: i64,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// A connection to another host's service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The host connected to.
    pub host: String,
    /// Its service.
    pub service: String,
}

/// A connection to something outside the group (a `blueprint_database`, a cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// Its name (`db`): the key of `client_security_group_ids`.
    pub name: String,
    /// Its port.
    pub port: i64,
}

/// One host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Host {
    /// Its name.
    pub name: String,
    /// What it serves.
    pub serves: Vec<Service>,
    /// Which peers' services it connects to.
    pub connects_to: Vec<Connection>,
    /// Which outside targets it connects to.
    pub connects_to_external: Vec<External>,
    /// Ports open to the public (the internet, or `public_from`).
    pub public_ports: Vec<i64>,
    /// Groups the public ports are open to (empty: the internet).
    pub public_from: Vec<String>,
    /// CIDRs allowed to SSH.
    pub ssh_cidr_blocks: Vec<String>,
}

/// The hosts of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    /// The group's name.
    pub name: String,
    /// The hosts, in order.
    pub hosts: Vec<Host>,
}

/// Which parts of the configuration were fully known when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Known {
    /// Every host's name, services, connections and sources are known.
    pub all: bool,
}

/// Where a rule's traffic comes from, before group ids are known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum From {
    /// The security group of the host of this name.
    Host(String),
    /// A security group by id (a load balancer's).
    Group(String),
    /// A CIDR block.
    Cidr(String),
}

/// One derived ingress rule of a host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ingress {
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The port.
    pub port: i64,
    /// From where.
    pub from: From,
    /// Why (`web -> nfs`, `public`, `ssh`).
    pub why: String,
}

/// The names the group's children take.
pub mod names {
    /// A host's security group, role, profile and `Name` tag: `GROUP-HOST`.
    pub fn host(group: &str, host: &str) -> String {
        format!("{group}-{host}")
    }
}

/// The whole internet (IPv4 and IPv6).
pub fn whole_internet(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

impl Topology {
    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The ingress host `name` gets: from each peer that connects to one of its services, that
    /// service's port from the peer's group; its public ports from `public_from` (else the
    /// internet); 22 from its `ssh_cidr_blocks`. Sorted, without duplicates.
    pub fn ingress(&self, name: &str) -> Vec<Ingress> {
        let Some(host) = self.host(name) else {
            return Vec::new();
        };
        let mut out = BTreeSet::new();
        for peer in &self.hosts {
            if peer.name == name {
                continue;
            }
            for c in peer.connects_to.iter().filter(|c| c.host == name) {
                if let Some(s) = host.serves.iter().find(|s| s.name == c.service) {
                    out.insert(Ingress {
                        protocol: s.protocol.clone(),
                        port: s.port,
                        from: From::Host(peer.name.clone()),
                        why: format!("{} -> {}", peer.name, s.name),
                    });
                }
            }
        }
        for &port in &host.public_ports {
            if host.public_from.is_empty() {
                out.insert(Ingress {
                    protocol: "tcp".into(),
                    port,
                    from: From::Cidr("0.0.0.0/0".into()),
                    why: "public".into(),
                });
            }
            for g in &host.public_from {
                out.insert(Ingress {
                    protocol: "tcp".into(),
                    port,
                    from: From::Group(g.clone()),
                    why: "public".into(),
                });
            }
        }
        for c in &host.ssh_cidr_blocks {
            out.insert(Ingress {
                protocol: "tcp".into(),
                port: 22,
                from: From::Cidr(c.clone()),
                why: "ssh".into(),
            });
        }
        out.into_iter().collect()
    }

    /// Each outside target's name and the hosts that connect to it.
    pub fn clients(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for h in &self.hosts {
            for e in &h.connects_to_external {
                let v = out.entry(e.name.clone()).or_default();
                if !v.contains(&h.name) {
                    v.push(h.name.clone());
                }
            }
        }
        out
    }
}

/// A problem with the topology, on an attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: Path,
    /// One line.
    pub summary: String,
    /// What is wrong and what to do.
    pub detail: String,
}

fn at(i: usize, field: &str) -> Path {
    Path::attr("host")
        .then(Step::Index(i))
        .then(Step::Attr(field.to_string()))
}

fn at_item(i: usize, field: &str, j: usize, sub: Option<&str>) -> Path {
    let p = at(i, field).then(Step::Index(j));
    match sub {
        Some(s) => p.then(Step::Attr(s.to_string())),
        None => p,
    }
}

fn quoted(v: &[&str]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is wrong with the topology: duplicate hosts or services, two services on one port, a
/// connection to an undeclared host or service or to the host itself, SSH or a public port 22
/// open to the whole internet, an outside target declared with two ports. Parts not yet known
/// are skipped.
pub fn problems(t: &Topology, known: &Known) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |path: Path, summary: &str, detail: String| {
        out.push(Problem {
            path,
            summary: summary.into(),
            detail,
        })
    };
    let mut seen = BTreeSet::new();
    for (i, h) in t.hosts.iter().enumerate() {
        if !seen.insert(h.name.as_str()) {
            push(
                at(i, "name"),
                "Duplicate host",
                format!("host \"{}\" is declared twice.", h.name),
            );
        }
        let mut names = BTreeSet::new();
        let mut ports: BTreeMap<(i64, &str), &str> = BTreeMap::new();
        for (j, s) in h.serves.iter().enumerate() {
            if !names.insert(s.name.as_str()) {
                push(
                    at_item(i, "serves", j, Some("name")),
                    "Duplicate service",
                    format!("host \"{}\" serves \"{}\" twice.", h.name, s.name),
                );
            }
            if let Some(other) = ports.insert((s.port, s.protocol.as_str()), s.name.as_str()) {
                push(
                    at_item(i, "serves", j, Some("port")),
                    "Port clash",
                    format!(
                        "host \"{}\": services \"{other}\" and \"{}\" both use {} port {}; one port serves one service.",
                        h.name, s.name, s.protocol, s.port
                    ),
                );
            }
        }
        for (j, c) in h.ssh_cidr_blocks.iter().enumerate() {
            if whole_internet(c) {
                push(
                    at_item(i, "ssh_cidr_blocks", j, None),
                    "SSH open to the internet",
                    format!("host \"{}\": SSH from \"{c}\" opens port 22 to the whole internet. Give the CIDRs of your office or VPN, or none and use SSM Session Manager (`aws ssm start-session --target INSTANCE_ID`), which the host's role allows.", h.name),
                );
            }
        }
        for (j, p) in h.public_ports.iter().enumerate() {
            if *p == 22 || *p == 3389 {
                push(
                    at_item(i, "public_ports", j, None),
                    "Administration port made public",
                    format!("host \"{}\": port {p} is for administration, not a public service: use `ssh_cidr_blocks` with CIDRs that are not the whole internet, or SSM Session Manager.", h.name),
                );
            }
        }
        for (j, e) in h.connects_to_external.iter().enumerate() {
            if t.host(&e.name).is_some() {
                push(
                    at_item(i, "connects_to_external", j, Some("name")),
                    "Outside target named like a host",
                    format!("host \"{}\": \"{}\" is a host of this group: use `connects_to = [{{ host = \"{}\", service = ... }}]`.", h.name, e.name, e.name),
                );
            }
        }
    }
    if !known.all {
        return out;
    }
    let hosts: Vec<&str> = t.hosts.iter().map(|h| h.name.as_str()).collect();
    for (i, h) in t.hosts.iter().enumerate() {
        for (j, c) in h.connects_to.iter().enumerate() {
            if c.host == h.name {
                push(
                    at_item(i, "connects_to", j, Some("host")),
                    "Connection to itself",
                    format!("host \"{}\" connects to its own service \"{}\": traffic within a host needs no rule, and a group admitting itself would admit every later member. Remove the connection.", h.name, c.service),
                );
                continue;
            }
            let Some(peer) = t.host(&c.host) else {
                push(
                    at_item(i, "connects_to", j, Some("host")),
                    "Undeclared host",
                    format!("host \"{}\" connects to host \"{}\", which is not one of this group's hosts ({}).", h.name, c.host, quoted(&hosts)),
                );
                continue;
            };
            if !peer.serves.iter().any(|s| s.name == c.service) {
                let served: Vec<&str> = peer.serves.iter().map(|s| s.name.as_str()).collect();
                push(
                    at_item(i, "connects_to", j, Some("service")),
                    "Undeclared service",
                    format!("host \"{}\" connects to \"{}\" on service \"{}\", which \"{}\" does not serve (it serves {}). Add it to \"{}\"'s `serves`.", h.name, c.host, c.service, c.host, quoted(&served), c.host),
                );
            }
        }
    }
    let mut ext_ports: BTreeMap<&str, (i64, usize, usize)> = BTreeMap::new();
    for (i, h) in t.hosts.iter().enumerate() {
        for (j, e) in h.connects_to_external.iter().enumerate() {
            match ext_ports.get(e.name.as_str()) {
                Some((p, _, _)) if *p != e.port => push(
                    at_item(i, "connects_to_external", j, Some("port")),
                    "Port clash",
                    format!("\"{}\" is reached on port {p} by another host and on {} by \"{}\": one outside target has one port.", e.name, e.port, h.name),
                ),
                Some(_) => {}
                None => {
                    ext_ports.insert(e.name.as_str(), (e.port, i, j));
                }
            }
        }
    }
    out
}

fn text(v: Option<&Generic>) -> Option<String> {
    let v = v?;
    if value::is_unknown(v) {
        return None;
    }
    v.as_str().map(str::to_string)
}

fn items(v: Option<&Generic>) -> (Vec<&Generic>, bool) {
    match v {
        Some(Generic::Array(items)) => (items.iter().collect(), true),
        Some(v) if value::is_unknown(v) => (Vec::new(), false),
        _ => (Vec::new(), true),
    }
}

fn strings(v: Option<&Generic>, known: &mut bool) -> Vec<String> {
    let (list, k) = items(v);
    *known &= k;
    list.into_iter()
        .filter_map(|x| {
            let t = text(Some(x));
            *known &= t.is_some();
            t
        })
        .collect()
}

fn numbers(v: Option<&Generic>, known: &mut bool) -> Vec<i64> {
    let (list, k) = items(v);
    *known &= k;
    list.into_iter()
        .filter_map(|x| {
            let n = x.as_i64();
            *known &= n.is_some();
            n
        })
        .collect()
}

/// The topology of a configuration (in Terraform's encoding), and whether it was all known.
pub fn from_config(config: &Generic) -> (Topology, Known) {
    let mut known = true;
    let mut t = Topology {
        name: text(value::field(config, "name")).unwrap_or_default(),
        hosts: Vec::new(),
    };
    let (hosts, k) = items(value::field(config, "host"));
    known &= k;
    for h in hosts {
        let Some(name) = text(value::field(h, "name")) else {
            known = false;
            continue;
        };
        let mut host = Host {
            name,
            ..Host::default()
        };
        let (serves, k) = items(value::field(h, "serves"));
        known &= k;
        for s in serves {
            match (
                text(value::field(s, "name")),
                value::field(s, "port").and_then(|p| p.as_i64()),
                text(value::field(s, "protocol")),
            ) {
                (Some(name), Some(port), Some(protocol)) => host.serves.push(Service {
                    name,
                    port,
                    protocol,
                }),
                _ => known = false,
            }
        }
        let (conns, k) = items(value::field(h, "connects_to"));
        known &= k;
        for c in conns {
            match (
                text(value::field(c, "host")),
                text(value::field(c, "service")),
            ) {
                (Some(host_name), Some(service)) => host.connects_to.push(Connection {
                    host: host_name,
                    service,
                }),
                _ => known = false,
            }
        }
        let (ext, k) = items(value::field(h, "connects_to_external"));
        known &= k;
        for e in ext {
            match (
                text(value::field(e, "name")),
                value::field(e, "port").and_then(|p| p.as_i64()),
            ) {
                (Some(name), Some(port)) => host.connects_to_external.push(External { name, port }),
                _ => known = false,
            }
        }
        host.public_ports = numbers(value::field(h, "public_ports"), &mut known);
        host.public_from = strings(
            value::field(h, "public_from_security_group_ids"),
            &mut known,
        );
        host.ssh_cidr_blocks = strings(value::field(h, "ssh_cidr_blocks"), &mut known);
        t.hosts.push(host);
    }
    (t, Known { all: known })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str, port: i64) -> Service {
        Service {
            name: name.into(),
            port,
            protocol: "tcp".into(),
        }
    }

    fn conn(host: &str, service: &str) -> Connection {
        Connection {
            host: host.into(),
            service: service.into(),
        }
    }

    /// Seed 002: web and worker reach the file server on NFS and Redis and the database.
    pub fn seed_002() -> Topology {
        let db = External {
            name: "db".into(),
            port: 5432,
        };
        Topology {
            name: "anb".into(),
            hosts: vec![
                Host {
                    name: "web".into(),
                    serves: vec![svc("http", 80), svc("https", 443)],
                    connects_to: vec![conn("files", "nfs"), conn("files", "redis")],
                    connects_to_external: vec![db.clone()],
                    public_ports: vec![80, 443],
                    ..Host::default()
                },
                Host {
                    name: "worker".into(),
                    connects_to: vec![conn("files", "nfs"), conn("files", "redis")],
                    connects_to_external: vec![db],
                    ..Host::default()
                },
                Host {
                    name: "files".into(),
                    serves: vec![svc("nfs", 2049), svc("redis", 6379)],
                    ..Host::default()
                },
            ],
        }
    }

    fn shown(rules: &[Ingress]) -> Vec<String> {
        rules
            .iter()
            .map(|r| format!("{} {} {:?}", r.protocol, r.port, r.from))
            .collect()
    }

    #[test]
    fn each_host_gets_exactly_the_ingress_its_peers_connections_imply() {
        let t = seed_002();
        assert!(problems(&t, &Known { all: true }).is_empty());
        assert_eq!(
            shown(&t.ingress("files")),
            [
                "tcp 2049 Host(\"web\")",
                "tcp 2049 Host(\"worker\")",
                "tcp 6379 Host(\"web\")",
                "tcp 6379 Host(\"worker\")",
            ]
        );
        // The worker serves nothing and nobody connects to it: no ingress at all, no SSH.
        assert!(t.ingress("worker").is_empty());
        // The web host: only its declared public ports.
        assert_eq!(
            shown(&t.ingress("web")),
            ["tcp 80 Cidr(\"0.0.0.0/0\")", "tcp 443 Cidr(\"0.0.0.0/0\")"]
        );
        let clients = t.clients();
        assert_eq!(clients["db"], ["web", "worker"]);
    }

    #[test]
    fn public_ports_behind_a_load_balancer_come_from_its_group_only() {
        let mut t = seed_002();
        t.hosts[0].public_from = vec!["sg-0123456789abcdef0".into()];
        assert_eq!(
            shown(&t.ingress("web")),
            [
                "tcp 80 Group(\"sg-0123456789abcdef0\")",
                "tcp 443 Group(\"sg-0123456789abcdef0\")"
            ]
        );
    }

    fn paths(t: &Topology) -> Vec<(String, String)> {
        problems(t, &Known { all: true })
            .into_iter()
            .map(|p| (p.path.to_string(), p.summary))
            .collect()
    }

    #[test]
    fn bad_connections_fail_on_their_paths() {
        let mut t = seed_002();
        t.hosts[1].connects_to.push(conn("cache", "redis"));
        t.hosts[1].connects_to.push(conn("files", "postgres"));
        t.hosts[2].connects_to.push(conn("files", "nfs"));
        assert_eq!(
            paths(&t),
            [
                (
                    "host[1].connects_to[2].host".to_string(),
                    "Undeclared host".to_string()
                ),
                (
                    "host[1].connects_to[3].service".to_string(),
                    "Undeclared service".to_string()
                ),
                (
                    "host[2].connects_to[0].host".to_string(),
                    "Connection to itself".to_string()
                ),
            ]
        );
        // Not yet known: the cross-host checks wait.
        assert!(problems(&t, &Known { all: false }).is_empty());
    }

    #[test]
    fn port_clashes_duplicates_and_ssh_to_the_world_fail_on_their_paths() {
        let mut t = seed_002();
        t.hosts[2].serves.push(svc("postgres", 6379));
        t.hosts[2].serves.push(svc("nfs", 2050));
        t.hosts.push(Host {
            name: "web".into(),
            ..Host::default()
        });
        t.hosts[0].ssh_cidr_blocks = vec!["203.0.113.0/24".into(), "0.0.0.0/0".into()];
        t.hosts[0].public_ports.push(22);
        t.hosts[1].connects_to_external.push(External {
            name: "db".into(),
            port: 5433,
        });
        assert_eq!(
            paths(&t),
            [
                (
                    "host[0].ssh_cidr_blocks[1]".to_string(),
                    "SSH open to the internet".to_string()
                ),
                (
                    "host[0].public_ports[2]".to_string(),
                    "Administration port made public".to_string()
                ),
                (
                    "host[2].serves[2].port".to_string(),
                    "Port clash".to_string()
                ),
                (
                    "host[2].serves[3].name".to_string(),
                    "Duplicate service".to_string()
                ),
                ("host[3].name".to_string(), "Duplicate host".to_string()),
                (
                    "host[1].connects_to_external[1].port".to_string(),
                    "Port clash".to_string()
                ),
            ]
        );
        // SSH from a CIDR that is not the whole internet is a rule of its own.
        assert!(t
            .ingress("web")
            .iter()
            .any(|r| r.port == 22 && r.from == From::Cidr("203.0.113.0/24".into())));
    }
}

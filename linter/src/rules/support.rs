//! Helpers shared by rules: security-group ingress in all three styles, CIDRs, IAM statements.

use std::net::IpAddr;

use blueprint_declarations::types::addr_set::{self, AddrSet, Exposure};
use ipnet::IpNet;

use crate::finding::PathStep;
use crate::model::{Model, Reference, Resource, Value};

/// Builds a path from attribute names and indexes: `path!["ingress", 0, "cidr_blocks"]`.
#[macro_export]
macro_rules! path {
    ($($step:expr),* $(,)?) => {
        vec![$($crate::rules::support::IntoStep::into_step($step)),*]
    };
}

/// Conversion used by [`path!`].
pub trait IntoStep {
    /// The path step.
    fn into_step(self) -> PathStep;
}
impl IntoStep for &str {
    fn into_step(self) -> PathStep {
        PathStep::Attribute(self.to_string())
    }
}
impl IntoStep for usize {
    fn into_step(self) -> PathStep {
        PathStep::Index(self)
    }
}

/// Where an ingress rule admits traffic from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// A CIDR block.
    Cidr(String),
    /// Another security group, by reference.
    SecurityGroup(Reference),
    /// A security group given by a literal id (`sg-...`).
    SecurityGroupId(String),
    /// The group itself.
    SelfRef,
    /// A managed prefix list.
    PrefixList,
    /// Not known before apply.
    Unknown,
}

/// One source of an ingress rule, with the attribute path where it is written.
#[derive(Debug, Clone)]
pub struct Source {
    /// What it is.
    pub kind: SourceKind,
    /// Its attribute path in the resource.
    pub path: Vec<PathStep>,
}

/// One ingress rule, in whichever of the three styles it is written.
#[derive(Debug, Clone)]
pub struct Ingress<'a> {
    /// The resource that holds the rule.
    pub resource: &'a Resource,
    /// Path of the rule in the resource (`ingress[0]` for inline rules, empty otherwise).
    pub base: Vec<PathStep>,
    /// Address of the `aws_security_group` it belongs to, when known.
    pub group: Option<String>,
    /// First port, `None` when unknown. All ports when `all_ports`.
    pub from_port: Option<i64>,
    /// Last port.
    pub to_port: Option<i64>,
    /// Protocol is `-1`/`all`: every port.
    pub all_ports: bool,
    /// Protocol is known to be TCP or all.
    pub tcp: Option<bool>,
    /// Sources.
    pub sources: Vec<Source>,
}

impl Ingress<'_> {
    /// Whether the rule admits TCP `port`: `Some(true/false)`, or `None` when unknown.
    pub fn covers(&self, port: i64) -> Option<bool> {
        if self.all_ports {
            return Some(true);
        }
        if !self.tcp? {
            return Some(false);
        }
        Some(self.from_port? <= port && port <= self.to_port?)
    }

    /// Port range as text.
    pub fn ports(&self) -> String {
        match (self.all_ports, self.from_port, self.to_port) {
            (true, _, _) => "all ports".into(),
            (_, Some(a), Some(b)) if a == b => format!("port {a}"),
            (_, Some(a), Some(b)) => format!("ports {a}-{b}"),
            _ => "unknown ports".into(),
        }
    }
}

fn protocol(v: &Value) -> (bool, Option<bool>) {
    match v {
        Value::Null => (false, Some(true)),
        v => match v.to_template_string().map(|s| s.to_ascii_lowercase()) {
            Some(p) if p == "-1" || p == "all" => (true, Some(true)),
            Some(p) if p == "tcp" || p == "6" => (false, Some(true)),
            Some(_) => (false, Some(false)),
            None => (false, None),
        },
    }
}

fn push_cidrs(v: &Value, path: Vec<PathStep>, out: &mut Vec<Source>) {
    match v {
        Value::Null => {}
        Value::List(l) => {
            for (i, e) in l.iter().enumerate() {
                let mut p = path.clone();
                p.push(PathStep::Index(i));
                let kind = match e {
                    Value::String(s) => SourceKind::Cidr(s.clone()),
                    _ => SourceKind::Unknown,
                };
                out.push(Source { kind, path: p });
            }
        }
        Value::String(s) => out.push(Source {
            kind: SourceKind::Cidr(s.clone()),
            path,
        }),
        _ => out.push(Source {
            kind: SourceKind::Unknown,
            path,
        }),
    }
}

fn push_groups(v: &Value, path: Vec<PathStep>, out: &mut Vec<Source>) {
    let kind_of = |e: &Value| match e {
        Value::Reference(r) => SourceKind::SecurityGroup(r.clone()),
        Value::String(s) => SourceKind::SecurityGroupId(s.clone()),
        _ => SourceKind::Unknown,
    };
    match v {
        Value::Null => {}
        Value::List(l) => {
            for (i, e) in l.iter().enumerate() {
                let mut p = path.clone();
                p.push(PathStep::Index(i));
                out.push(Source {
                    kind: kind_of(e),
                    path: p,
                });
            }
        }
        e => out.push(Source {
            kind: kind_of(e),
            path,
        }),
    }
}

fn group_of(v: &Value, model: &Model) -> Option<String> {
    let r = v.as_reference()?;
    model.resolve(r).map(|res| res.address.clone())
}

/// Every ingress rule in the model, inline or separate, including `dynamic` ones.
pub fn ingress_rules(model: &Model) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for r in &model.resources {
        if r.mode != crate::model::Mode::Managed {
            continue;
        }
        let a = &r.attributes;
        match r.resource_type.as_str() {
            "aws_security_group" => {
                for (i, b) in a.blocks("ingress") {
                    let base = crate::path!["ingress", i];
                    let (all_ports, tcp) = protocol(b.get("protocol"));
                    let mut sources = Vec::new();
                    let sub = |name: &str| {
                        let mut p = base.clone();
                        p.push(PathStep::attr(name));
                        p
                    };
                    push_cidrs(b.get("cidr_blocks"), sub("cidr_blocks"), &mut sources);
                    push_cidrs(
                        b.get("ipv6_cidr_blocks"),
                        sub("ipv6_cidr_blocks"),
                        &mut sources,
                    );
                    push_groups(
                        b.get("security_groups"),
                        sub("security_groups"),
                        &mut sources,
                    );
                    push_self(b.get("self"), sub("self"), &mut sources);
                    push_prefix(
                        b.get("prefix_list_ids"),
                        sub("prefix_list_ids"),
                        &mut sources,
                    );
                    out.push(Ingress {
                        resource: r,
                        base,
                        group: Some(r.address.clone()),
                        from_port: b.get("from_port").as_i64(),
                        to_port: b.get("to_port").as_i64(),
                        all_ports,
                        tcp,
                        sources,
                    });
                }
            }
            "aws_security_group_rule" => {
                match a.get("type").as_str() {
                    Some("ingress") => {}
                    _ => continue,
                }
                let (all_ports, tcp) = protocol(a.get("protocol"));
                let mut sources = Vec::new();
                push_cidrs(
                    a.get("cidr_blocks"),
                    crate::path!["cidr_blocks"],
                    &mut sources,
                );
                push_cidrs(
                    a.get("ipv6_cidr_blocks"),
                    crate::path!["ipv6_cidr_blocks"],
                    &mut sources,
                );
                push_groups(
                    a.get("source_security_group_id"),
                    crate::path!["source_security_group_id"],
                    &mut sources,
                );
                push_self(a.get("self"), crate::path!["self"], &mut sources);
                push_prefix(
                    a.get("prefix_list_ids"),
                    crate::path!["prefix_list_ids"],
                    &mut sources,
                );
                out.push(Ingress {
                    resource: r,
                    base: Vec::new(),
                    group: group_of(a.get("security_group_id"), model),
                    from_port: a.get("from_port").as_i64(),
                    to_port: a.get("to_port").as_i64(),
                    all_ports,
                    tcp,
                    sources,
                });
            }
            "aws_vpc_security_group_ingress_rule" => {
                let (all_ports, tcp) = match a.get("ip_protocol") {
                    Value::Null => (false, None),
                    v => protocol(v),
                };
                let mut sources = Vec::new();
                push_cidrs(a.get("cidr_ipv4"), crate::path!["cidr_ipv4"], &mut sources);
                push_cidrs(a.get("cidr_ipv6"), crate::path!["cidr_ipv6"], &mut sources);
                push_groups(
                    a.get("referenced_security_group_id"),
                    crate::path!["referenced_security_group_id"],
                    &mut sources,
                );
                push_prefix(
                    a.get("prefix_list_id"),
                    crate::path!["prefix_list_id"],
                    &mut sources,
                );
                out.push(Ingress {
                    resource: r,
                    base: Vec::new(),
                    group: group_of(a.get("security_group_id"), model),
                    from_port: a.get("from_port").as_i64(),
                    to_port: a.get("to_port").as_i64(),
                    all_ports,
                    tcp,
                    sources,
                });
            }
            _ => {}
        }
    }
    out
}

fn push_self(v: &Value, path: Vec<PathStep>, out: &mut Vec<Source>) {
    match v.as_bool() {
        Some(true) => out.push(Source {
            kind: SourceKind::SelfRef,
            path,
        }),
        Some(false) => {}
        None if v.is_null() => {}
        None => out.push(Source {
            kind: SourceKind::Unknown,
            path,
        }),
    }
}

fn push_prefix(v: &Value, path: Vec<PathStep>, out: &mut Vec<Source>) {
    match v {
        Value::Null => {}
        Value::List(l) if l.is_empty() => {}
        _ => out.push(Source {
            kind: SourceKind::PrefixList,
            path,
        }),
    }
}

/// The addresses of a CIDR (a bare address counts as a host route), when it parses; spellings
/// are read as AWS reads them and IPv4-mapped IPv6 blocks count as IPv4 (see
/// [`blueprint_declarations::types::addr_set`]).
pub fn cidr_set(cidr: &str) -> Option<AddrSet> {
    parse_cidr(cidr).map(|n| AddrSet::of([n]))
}

/// Whether `cidr` alone admits the whole IPv4 or IPv6 internet, however it is spelt
/// (`0.0.0.0/00`, `::0/0`, `::ffff:0.0.0.0/96`, `2000::/3`...).
pub fn is_world(cidr: &str) -> bool {
    cidr_set(cidr).is_some_and(|s| s.exposure() == Exposure::Internet)
}

/// Parses a CIDR (a bare address counts as a host route). Host bits are masked off, as the
/// AWS provider's plan shows them to AWS.
pub fn parse_cidr(cidr: &str) -> Option<IpNet> {
    let c = cidr.trim();
    addr_set::parse_cidr(c)
        .ok()
        .or_else(|| c.parse::<IpNet>().ok().map(|n| n.trunc()))
        .or_else(|| c.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Whether `cidr` lies inside private address space (RFC 1918, RFC 6598 or IPv6 ULA).
pub fn is_private(cidr: &str) -> Option<bool> {
    Some(addr_set::private().contains_set(&cidr_set(cidr)?))
}

/// Whether `inner` lies inside `outer`.
pub fn cidr_contains(outer: &str, inner: &str) -> Option<bool> {
    Some(cidr_set(outer)?.contains_set(&cidr_set(inner)?))
}

/// One CIDR source of a group judged with the group's other sources.
#[derive(Debug, Clone)]
pub struct OpenSource<'r, 'm> {
    /// The rule holding it.
    pub ingress: &'r Ingress<'m>,
    /// The source.
    pub source: &'r Source,
    /// The CIDR as written.
    pub cidr: String,
    /// How it reads in a message: the CIDR, and why it counts when it is not
    /// `0.0.0.0/0` or `::/0` itself.
    pub shown: String,
}

/// The CIDR sources of `rules` (each already known to matter, e.g. to admit SSH) that open
/// their security group to the internet or to a too-wide range, judged on the union of every
/// source of the same group among `rules` (a rule's own sources when its group is unknown):
/// the two `/1` halves of IPv4 in two rules of one group are the internet. Of a group that is
/// open, each source that admits public addresses and is not strictly inside another of its
/// sources is reported (`0.0.0.0/0` beside `8.8.8.8/32` reports only the first).
pub fn open_sources<'r, 'm>(rules: &[&'r Ingress<'m>]) -> Vec<OpenSource<'r, 'm>> {
    let key = |ing: &Ingress<'_>| {
        ing.group.clone().unwrap_or_else(|| {
            format!(
                "{}{}",
                ing.resource.address,
                crate::finding::path_to_string(&ing.base)
            )
        })
    };
    let mut groups: std::collections::BTreeMap<
        String,
        Vec<(&'r Ingress<'m>, &'r Source, String, AddrSet)>,
    > = std::collections::BTreeMap::new();
    for &ing in rules {
        for src in &ing.sources {
            let SourceKind::Cidr(c) = &src.kind else {
                continue;
            };
            let Some(set) = cidr_set(c) else { continue };
            groups
                .entry(key(ing))
                .or_default()
                .push((ing, src, c.clone(), set));
        }
    }
    let mut out = Vec::new();
    for sources in groups.values() {
        let mut union = AddrSet::new();
        for (_, _, _, set) in sources {
            union.extend(set);
        }
        let whole = union.exposure();
        if whole == Exposure::Narrow {
            continue;
        }
        for (i, (ing, src, c, set)) in sources.iter().enumerate() {
            let public = set.public();
            if public.is_empty() {
                continue;
            }
            let inside_another = sources.iter().enumerate().any(|(j, (_, _, _, other))| {
                j != i && other.contains_set(set) && !set.contains_set(other)
            });
            if inside_another {
                continue;
            }
            let alone = set.exposure();
            let why = match (alone, whole) {
                (Exposure::Internet, _) if matches!(c.trim(), "0.0.0.0/0" | "::/0") => None,
                (Exposure::Internet, _) => Some("the whole internet".to_string()),
                (_, Exposure::Internet) => {
                    Some("with the group's other ranges, the whole internet".to_string())
                }
                (Exposure::TooWide, _) => Some(too_wide(&public)),
                _ => Some(format!(
                    "with the group's other ranges, {}",
                    too_wide(&union.public())
                )),
            };
            let shown = match why {
                Some(w) => format!("`{c}` ({w})"),
                None => format!("`{c}`"),
            };
            out.push(OpenSource {
                ingress: ing,
                source: src,
                cidr: c.clone(),
                shown,
            });
        }
    }
    out
}

/// "N public IPv4 addresses, more than a /8" (or IPv6 and a /32).
fn too_wide(public: &AddrSet) -> String {
    if public.v4_count() > addr_set::V4_TOO_WIDE {
        format!(
            "{} public IPv4 addresses, more than a /8",
            public.v4_count()
        )
    } else {
        "more public IPv6 addresses than a /32".to_string()
    }
}

/// A list of strings in a statement (`Action`, `NotResource`, ...), with where it is written.
#[derive(Debug, Clone)]
pub struct StringList {
    /// The elements (`None`: unknown).
    pub items: Vec<Option<String>>,
    /// Path of the list in the resource.
    pub path: Vec<PathStep>,
}

/// One IAM policy statement, normalized from JSON or from a policy document block.
#[derive(Debug, Clone)]
pub struct Statement {
    /// `Allow` (default) or `Deny`.
    pub allow: bool,
    /// Actions (`None` element: unknown).
    pub actions: Vec<Option<String>>,
    /// Resources.
    pub resources: Vec<Option<String>>,
    /// Path of the statement in the resource.
    pub path: Vec<PathStep>,
    /// Path of the actions list.
    pub actions_path: Vec<PathStep>,
    /// Path of the resources list.
    pub resources_path: Vec<PathStep>,
    /// `NotAction` / `not_actions`, when present: every action but these.
    pub not_actions: Option<StringList>,
    /// `NotResource` / `not_resources`, when present: every resource but these.
    pub not_resources: Option<StringList>,
}

fn strings(v: &Value) -> Vec<Option<String>> {
    match v {
        Value::Null => Vec::new(),
        Value::List(l) => l.iter().map(|e| e.as_str().map(str::to_string)).collect(),
        Value::String(s) => vec![Some(s.clone())],
        _ => vec![None],
    }
}

/// A `NotAction`-style list when it is certainly present: `None` when it is null, empty,
/// unknown (a variable without a value, an `optional()` field left out) or holds nothing but
/// unknown and null elements. An unknown is never reported as if it were written.
fn string_list(v: &Value, path: Vec<PathStep>) -> Option<StringList> {
    match v {
        Value::Null | Value::Unknown | Value::Reference(_) => None,
        Value::List(l)
            if l.iter()
                .all(|e| matches!(e, Value::Null | Value::Unknown | Value::Reference(_))) =>
        {
            None
        }
        v => Some(StringList {
            items: strings(v),
            path,
        }),
    }
}

/// A policy attribute that holds text which is not JSON: it cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy is not valid JSON ({0} of the policy text), so it was not checked")]
pub struct PolicyNotJson(pub String);

/// Statements of a JSON policy held in `v` (a JSON string or an already-decoded object).
/// `path` is the attribute holding the policy. Text that is not JSON is an error (with the
/// line and column inside the policy text); anything else without statements gives none.
pub fn json_policy_statements(
    v: &Value,
    path: &[PathStep],
) -> Result<Vec<Statement>, PolicyNotJson> {
    let decoded;
    let doc = match v {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => {
                decoded = Value::from_json(&j);
                &decoded
            }
            Err(e) => return Err(PolicyNotJson(e.to_string())),
        },
        Value::Map(_) => v,
        _ => return Ok(Vec::new()),
    };
    let stmts = match doc.get("Statement") {
        Value::List(l) => l.iter().enumerate().collect::<Vec<_>>(),
        m @ Value::Map(_) => vec![(0, m)],
        _ => Vec::new(),
    };
    Ok(stmts
        .into_iter()
        .map(|(i, s)| {
            let mut p = path.to_vec();
            p.extend([PathStep::attr("Statement"), PathStep::Index(i)]);
            let sub = |k: &str| {
                let mut q = p.clone();
                q.push(PathStep::attr(k));
                q
            };
            Statement {
                allow: s.get("Effect").as_str() != Some("Deny"),
                actions: strings(s.get("Action")),
                resources: strings(s.get("Resource")),
                actions_path: sub("Action"),
                resources_path: sub("Resource"),
                not_actions: string_list(s.get("NotAction"), sub("NotAction")),
                not_resources: string_list(s.get("NotResource"), sub("NotResource")),
                path: p,
            }
        })
        .collect())
}

/// Statements of an `aws_iam_policy_document` data source, or of a composite's
/// `{actions, resources, effect}` objects under `attr`.
pub fn block_statements(attrs: &Value, attr: &str) -> Vec<Statement> {
    attrs
        .blocks(attr)
        .into_iter()
        .map(|(i, s)| {
            let p = crate::path![attr, i];
            let sub = |k: &str| {
                let mut q = p.clone();
                q.push(PathStep::attr(k));
                q
            };
            Statement {
                allow: !matches!(s.get("effect").as_str(), Some(e) if e.eq_ignore_ascii_case("deny")),
                actions: strings(s.get("actions")),
                resources: strings(s.get("resources")),
                actions_path: sub("actions"),
                resources_path: sub("resources"),
                not_actions: string_list(s.get("not_actions"), sub("not_actions")),
                not_resources: string_list(s.get("not_resources"), sub("not_resources")),
                path: p,
            }
        })
        .collect()
}

/// Whether a customer-managed key attribute (`kms_master_key_id`, `kms_key_id`, ...) names a
/// key: `Some(false)` when absent, `null` or `""` (an empty string means no key to AWS),
/// `None` when unknown before apply.
pub fn names_key(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        Value::String(s) => Some(!s.trim().is_empty()),
        Value::Unknown => None,
        _ => Some(true),
    }
}

/// The launch template an instance or an Auto Scaling group takes its settings from.
#[derive(Debug, Clone, Copy)]
pub enum LaunchTemplate<'m> {
    /// It names none.
    None,
    /// The `aws_launch_template` of the model it names.
    Found(&'m Resource),
    /// It names one that cannot be followed (an id or name from a variable, a data source, a
    /// template outside the configuration): its settings are unknown.
    Unknown,
}

/// The launch template named by `launch_template { id | name }` in `attrs` (an
/// `aws_instance`, or an `aws_autoscaling_group`, also through
/// `mixed_instances_policy.launch_template.launch_template_specification`).
pub fn launch_template<'m>(model: &'m Model, attrs: &Value) -> LaunchTemplate<'m> {
    let mut specs: Vec<&Value> = attrs
        .blocks("launch_template")
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    for (_, mixed) in attrs.blocks("mixed_instances_policy") {
        for (_, lt) in mixed.blocks("launch_template") {
            specs.extend(
                lt.blocks("launch_template_specification")
                    .into_iter()
                    .map(|(_, b)| b),
            );
        }
    }
    let Some(spec) = specs.first() else {
        return LaunchTemplate::None;
    };
    for key in ["launch_template_id", "id", "launch_template_name", "name"] {
        match spec.get(key) {
            Value::Null => continue,
            Value::Reference(r) => {
                return match model.resolve(r) {
                    Some(t) if t.resource_type == "aws_launch_template" => LaunchTemplate::Found(t),
                    _ => LaunchTemplate::Unknown,
                }
            }
            Value::String(name) if key.ends_with("name") => {
                return model
                    .of_types(&["aws_launch_template"])
                    .find(|t| t.attributes.get("name").as_str() == Some(name.as_str()))
                    .map_or(LaunchTemplate::Unknown, LaunchTemplate::Found);
            }
            _ => return LaunchTemplate::Unknown,
        }
    }
    LaunchTemplate::Unknown
}

/// The resource a reference attribute (e.g. `vpc_id = aws_vpc.main.id`) points to.
pub fn referenced<'m>(model: &'m Model, v: &Value) -> Option<&'m Resource> {
    model.resolve(v.as_reference()?)
}

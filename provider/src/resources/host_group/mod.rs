//! `blueprint_host_group`: EC2 hosts whose security-group rules are derived from the
//! connections they declare (`blueprint_declarations::composites::host_group::topology`).
//!
//! Every child kind is one row of the children table whose id attribute is a map by host name
//! (as in `blueprint_data_pipeline`): a row creates the entries it lacks, reads each recorded
//! one (a gone entry leaves the map, so the next plan shows it made again), and its reconcile
//! deletes the entries of hosts no longer configured, makes the missing ones and updates the
//! rest in place. The AWS calls are the kinds library's (`kinds::security_group`,
//! `kinds::iam_role`, `kinds::instance_profile`, `kinds::instance`).

mod import;
mod instances;
mod profiles;
pub mod record;
mod roles;
mod security_groups;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::plan::attribute_path;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::declare::value;
use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use crate::tf_value::{entries, known, map, strings, StringList, StringMap};
use crate::types::sg_rule::{canonical_set, parse_cidr, to_strings, Protocol, SgRule, Source};
pub use blueprint_declarations::composites::host_group as declaration;
use declaration::boot::{self, Boot};
use declaration::topology::{self, names, From, Known, Topology};

/// `serves` element.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceValue {
    /// Service name.
    pub name: Value<String>,
    /// Port.
    pub port: Value<i64>,
    /// `tcp` or `udp`.
    pub protocol: Value<String>,
}

/// `connects_to` element.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionValue {
    /// The peer host.
    pub host: Value<String>,
    /// Its service.
    pub service: Value<String>,
}

/// `connects_to_external` element.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalValue {
    /// The outside target's name.
    pub name: Value<String>,
    /// Its port.
    pub port: Value<i64>,
}

/// `host { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostValue {
    /// Host name.
    pub name: Value<String>,
    /// Instance type.
    pub instance_type: Value<String>,
    /// Root volume size (GiB).
    pub volume_size: Value<i64>,
    /// Subnet.
    pub subnet_id: Value<String>,
    /// AMI.
    pub ami_id: Value<String>,
    /// What it serves.
    pub serves: Value<Vec<Value<ServiceValue>>>,
    /// Peers' services it connects to.
    pub connects_to: Value<Vec<Value<ConnectionValue>>>,
    /// Outside targets it connects to.
    pub connects_to_external: Value<Vec<Value<ExternalValue>>>,
    /// Public ports.
    pub public_ports: Value<Vec<Value<i64>>>,
    /// Where the public ports are reached from.
    pub public_from_security_group_ids: StringList,
    /// More security groups of the instance.
    pub additional_security_group_ids: StringList,
    /// SSH CIDRs.
    pub ssh_cidr_blocks: StringList,
    /// Packages.
    pub packages: StringList,
    /// Boot commands.
    pub commands: StringList,
    /// Secrets read at boot.
    pub secret_environment: StringMap,
}

impl HostValue {
    fn host_name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }

    /// Whether everything its boot configuration is made of is known.
    fn boot_known(&self) -> bool {
        let list_known = |l: &StringList| {
            l.is_null()
                || l.as_ref_option()
                    .is_some_and(|v| v.iter().all(|x| x.is_value()))
        };
        list_known(&self.packages)
            && list_known(&self.commands)
            && (self.secret_environment.is_null()
                || self
                    .secret_environment
                    .as_ref_option()
                    .is_some_and(|m| m.values().all(|x| x.is_value())))
            && self.name.is_value()
    }

    /// Whether a change from `prior` launches the host again (what it booted with changed).
    fn relaunch_from(&self, prior: &HostValue) -> bool {
        self.subnet_id != prior.subnet_id
            || self.ami_id != prior.ami_id
            || self.volume_size != prior.volume_size
            || self.packages != prior.packages
            || self.commands != prior.commands
            || self.secret_environment != prior.secret_environment
    }
}

/// A map-of-lists attribute.
pub type ListMap = Value<BTreeMap<String, Value<Vec<Value<String>>>>>;

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostGroupState {
    /// The group's name.
    pub id: Value<String>,
    /// Prefix of every child's name.
    pub name: Value<String>,
    /// VPC.
    pub vpc_id: Value<String>,
    /// Tags.
    pub tags: StringMap,
    /// Hosts.
    pub host: Value<Vec<Value<HostValue>>>,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Security group ids by host (the security groups' id map).
    pub security_group_ids: StringMap,
    /// Groups of the hosts connecting to each outside target.
    pub client_security_group_ids: ListMap,
    /// Observed ingress rules by host.
    pub ingress_rules: ListMap,
    /// Role ARNs by host.
    pub role_arns: StringMap,
    /// Instance profile ARNs by host.
    pub instance_profile_arns: StringMap,
    /// Instance ids by host.
    pub instance_ids: StringMap,
    /// Private IPs by host.
    pub private_ips: StringMap,
    /// Boot configuration hashes by host.
    pub user_data_sha256: StringMap,
}

/// The owner tag's value of group `name`.
fn owner_of(name: &str) -> String {
    crate::kinds::ownership::owner(declaration::declaration().type_name, name)
}

impl HostGroupState {
    fn group(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }

    fn owner(&self) -> String {
        owner_of(self.group())
    }

    /// The tags every child carries: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&entries(&self.tags_all), &self.owner())
    }

    fn tags_changed(&self, prior: &HostGroupState) -> bool {
        prior.child_tags() != self.child_tags()
    }

    /// `host`'s position among the blocks and its block.
    fn positioned(&self, host: &str) -> Option<(usize, &HostValue)> {
        self.hosts()
            .into_iter()
            .enumerate()
            .find(|(_, h)| h.host_name() == host)
    }

    /// The tags of `host`'s security group: the children's, and the host's record
    /// ([`record`]), which import reads back.
    fn group_tags(&self, host: &str) -> BTreeMap<String, String> {
        let mut t = self.child_tags();
        if let Some((i, h)) = self
            .positioned(host)
            .filter(|(_, h)| record::known_block(h))
        {
            if let Ok(r) = record::encode(i, h) {
                t.extend(r);
            }
        }
        t
    }

    /// The plan's errors: a host whose record would not fit in its security group's tags
    /// beside `tags_all`, `Name` and the owner tag.
    fn record_problems(&self, diags: &mut Diagnostics) {
        use blueprint_declarations::checks::CHILD_TAG_LIMIT;
        let Some(all) = self.tags_all.as_ref_option() else {
            return;
        };
        let own = all
            .keys()
            .filter(|k| !matches!(k.as_str(), "Name" | crate::kinds::ownership::OWNER_TAG))
            .count()
            + 2;
        for (i, h) in self.hosts().into_iter().enumerate() {
            let Some(n) = record::tag_count(i, h) else {
                continue;
            };
            if own + n > CHILD_TAG_LIMIT {
                diags.error(
                    "Host configuration too large to record",
                    format!(
                        "host[{i}]: import reads each host's configuration back from its security group's tags ({} tags of at most {} characters, `{}N`), which holds {n} of them beside {own} others (`tags_all`, `Name`, `blueprint:owner`); AWS accepts at most {CHILD_TAG_LIMIT}. Shorten its `commands` or `packages`, or use fewer `tags`.",
                        record::RECORD_TAG, record::CHUNK, record::RECORD_TAG
                    ),
                    AttributePath::new("host").index(i64::try_from(i).unwrap_or(i64::MAX)),
                );
            }
        }
    }

    /// The hosts, as configured.
    fn hosts(&self) -> Vec<&HostValue> {
        self.host
            .as_ref_option()
            .map(|l| l.iter().filter_map(Value::as_ref_option).collect())
            .unwrap_or_default()
    }

    fn host_block(&self, name: &str) -> Option<&HostValue> {
        self.hosts().into_iter().find(|h| h.host_name() == name)
    }

    /// The names of the configured hosts.
    fn wanted(&self) -> Vec<String> {
        self.hosts()
            .into_iter()
            .filter(|h| h.name.is_value())
            .map(|h| h.host_name().to_string())
            .collect()
    }

    /// The hosts a delete covers: those recorded in `ids` and those configured (a child whose
    /// id a failed apply did not record is found by its name and owner tag).
    fn hosts_to_delete<T>(&self, ids: &Value<BTreeMap<String, Value<T>>>) -> Vec<String> {
        let mut all = keys(ids);
        for h in self.wanted() {
            if !all.contains(&h) {
                all.push(h);
            }
        }
        all
    }

    /// `GROUP-HOST`.
    fn child_name(&self, host: &str) -> String {
        names::host(self.group(), host)
    }

    /// The topology, and whether it is all known.
    pub fn topology(&self) -> (Topology, Known) {
        match value::to_generic(self) {
            Ok(g) => topology::from_config(&g),
            Err(_) => (Topology::default(), Known::default()),
        }
    }

    /// The boot configuration of `host` in `region`.
    fn boot(&self, host: &str, region: &str) -> Option<String> {
        let h = self.host_block(host)?;
        let secrets = entries(&h.secret_environment);
        Some(boot::render(&Boot {
            owner: &format!("{}/{host}", self.group()),
            packages: &strings(&h.packages),
            commands: &strings(&h.commands),
            secrets: &secrets,
            region,
        }))
    }

    /// The ingress rules of `host`, with its peers' group ids from `groups`; `None` while a
    /// peer's group is not known.
    fn desired_ingress(
        &self,
        topo: &Topology,
        host: &str,
        groups: &BTreeMap<String, String>,
    ) -> Option<Vec<SgRule>> {
        let mut out = Vec::new();
        for r in topo.ingress(host) {
            let source = match &r.from {
                From::Host(peer) => Source::Group(groups.get(peer)?.clone()),
                From::Group(g) => Source::Group(g.clone()),
                From::Cidr(c) => Source::Cidr(parse_cidr(c).ok()?),
            };
            let port = i32::try_from(r.port).ok()?;
            let protocol = Protocol::parse(&r.protocol)?;
            out.push(SgRule::new(protocol, port, port, source));
        }
        Some(canonical_set(out))
    }

    /// Groups of the hosts connecting to each outside target; `None` while one is not known.
    fn clients(
        &self,
        topo: &Topology,
        groups: &BTreeMap<String, String>,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let mut out = BTreeMap::new();
        for (target, hosts) in topo.clients() {
            let mut ids = Vec::new();
            for h in hosts {
                ids.push(groups.get(&h)?.clone());
            }
            out.insert(target, ids);
        }
        Some(out)
    }
}

/// The keys of a map-valued attribute (unknown and null: none).
fn keys<T>(m: &Value<BTreeMap<String, Value<T>>>) -> Vec<String> {
    m.as_ref_option()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The value at `key` of a string map, when known.
fn at(m: &StringMap, key: &str) -> Option<String> {
    m.as_ref_option()
        .and_then(|m| m.get(key))
        .and_then(|v| v.as_ref_option())
        .cloned()
}

/// Set `key` in the map attribute `m` (creating the map).
fn put<T>(m: &mut Value<BTreeMap<String, Value<T>>>, key: &str, v: T) {
    if !m.is_value() {
        *m = Value::Value(BTreeMap::new());
    }
    if let Value::Value(inner) = m {
        inner.insert(key.to_string(), Value::Value(v));
    }
}

/// Remove `key` from the map attribute `m`; an emptied map becomes null.
fn remove<T>(m: &mut Value<BTreeMap<String, Value<T>>>, key: &str) {
    if let Value::Value(inner) = m {
        inner.remove(key);
        if inner.is_empty() {
            *m = Value::Null;
        }
    }
}

fn list_map(m: BTreeMap<String, Vec<String>>) -> ListMap {
    if m.is_empty() {
        return Value::Null;
    }
    Value::Value(
        m.into_iter()
            .map(|(k, v)| (k, Value::Value(v.into_iter().map(Value::Value).collect())))
            .collect(),
    )
}

/// Fill what the plan derives: `id`, `tags_all`, each host's boot hash, and, once the groups
/// exist (`prior` recorded them), each host's ingress and the outside targets' clients.
fn derive(s: &mut HostGroupState, prior: Option<&HostGroupState>, clients: Option<&AwsClients>) {
    s.id = s.name.clone();
    s.tags_all = match clients {
        Some(c) if !s.tags.is_unknown() => {
            let mut all = c.default_tags().clone();
            all.extend(entries(&s.tags));
            map(all)
        }
        _ => Value::Unknown,
    };
    let (topo, known_parts) = s.topology();
    let hosts = s.wanted();
    s.user_data_sha256 = match clients {
        Some(c) if s.name.is_value() => {
            let mut m = BTreeMap::new();
            for h in s.hosts() {
                let v = if h.boot_known() {
                    s.boot(h.host_name(), &c.region())
                        .map(|t| Value::Value(crate::resources::ml_host::user_data::sha256_hex(&t)))
                        .unwrap_or(Value::Unknown)
                } else {
                    Value::Unknown
                };
                m.insert(h.host_name().to_string(), v);
            }
            if m.is_empty() {
                Value::Null
            } else {
                Value::Value(m)
            }
        }
        _ => Value::Unknown,
    };
    let groups: Option<BTreeMap<String, String>> = prior
        .filter(|p| p.name == s.name && p.vpc_id == s.vpc_id)
        .map(|p| entries(&p.security_group_ids))
        .filter(|g| hosts.iter().all(|h| g.contains_key(h)));
    match (groups, known_parts.all) {
        (Some(groups), true) => {
            let mut rules = BTreeMap::new();
            let mut all_known = true;
            for h in &hosts {
                match s.desired_ingress(&topo, h, &groups) {
                    Some(r) => {
                        rules.insert(h.clone(), to_strings(&r));
                    }
                    None => all_known = false,
                }
            }
            s.ingress_rules = if all_known {
                list_map(rules)
            } else {
                Value::Unknown
            };
            s.client_security_group_ids = match s.clients(&topo, &groups) {
                Some(c) => list_map(c),
                None => Value::Unknown,
            };
        }
        _ => {
            s.ingress_rules = Value::Unknown;
            s.client_security_group_ids = if known_parts.all && topo.clients().is_empty() {
                Value::Null
            } else {
                Value::Unknown
            };
        }
    }
}

/// The composite.
pub struct HostGroup;

#[async_trait]
impl Composite for HostGroup {
    type State = HostGroupState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn lint(&self, config: &Self::State, diags: &mut Diagnostics) {
        crate::lint_bridge::warn(diags, "blueprint_host_group", config);
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        let (topo, known_parts) = config.topology();
        for p in topology::problems(&topo, &known_parts) {
            diags.error(
                p.summary,
                format!("{}: {}", p.path, p.detail),
                attribute_path(&p.path),
            );
        }
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        derive(planned, None, clients);
        planned.record_problems(diags);
        for m in [
            &mut planned.security_group_ids,
            &mut planned.role_arns,
            &mut planned.instance_profile_arns,
            &mut planned.instance_ids,
            &mut planned.private_ips,
        ] {
            *m = Value::Unknown;
        }
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        let replace = match crate::composite::plan::replacements(
            declaration::declaration(),
            prior,
            planned,
        ) {
            Ok(r) => r,
            Err(e) => {
                CompositeError::from(e).report(diags);
                return Vec::new();
            }
        };
        derive(planned, Some(prior), clients);
        planned.record_problems(diags);
        if !replace.is_empty() {
            return replace;
        }
        let hosts = planned.wanted();
        let mut want = hosts.clone();
        want.sort();
        // A map whose hosts change is known after apply; one whose hosts stay keeps its ids
        // (so a failed apply never loses an id the state had).
        let differs = |m: &StringMap| {
            let mut had = keys(m);
            had.sort();
            had != want
        };
        for (changed, m) in [
            (
                differs(&prior.security_group_ids),
                &mut planned.security_group_ids,
            ),
            (differs(&prior.role_arns), &mut planned.role_arns),
            (
                differs(&prior.instance_profile_arns),
                &mut planned.instance_profile_arns,
            ),
        ] {
            if changed {
                *m = Value::Unknown;
            }
        }
        let relaunch = differs(&prior.instance_ids)
            || hosts
                .iter()
                .any(|h| match (planned.host_block(h), prior.host_block(h)) {
                    (Some(n), Some(b)) => n.relaunch_from(b),
                    _ => true,
                });
        if relaunch {
            planned.instance_ids = Value::Unknown;
            planned.private_ips = Value::Unknown;
        }
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(security_groups::SecurityGroups),
            Box::new(roles::Roles),
            Box::new(profiles::Profiles),
            Box::new(instances::Instances),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        import::import(ctx, id).await
    }
}

#[cfg(test)]
mod tests;

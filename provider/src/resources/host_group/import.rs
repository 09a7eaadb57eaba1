//! Import by the group's name: the security groups carrying its owner tag are found, each
//! host's block and position read back from its group's record ([`super::record`]), `vpc_id`
//! from the groups and `tags` from their tags; the instances are found by owner and `Name`
//! tags, the roles and profiles by name (`NAME-HOST`), and every row then reads its children
//! as a refresh does, so the state equals the applied one.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use super::{derive, owner_of, put, record, HostGroup, HostGroupState};
use crate::composite::engine::Table;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::OWNER_TAG;
use crate::tf::Value;
use crate::tf_value::map;

/// One host's security group as found.
struct Found {
    host: String,
    group_id: String,
    vpc_id: String,
    tags: BTreeMap<String, String>,
}

/// The security groups of group `name` (owner tag `owner`).
async fn groups(ctx: &Ctx, name: &str, owner: &str) -> Result<Vec<Found>, CompositeError> {
    let ec2 = ctx.clients.ec2();
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = ec2
            .describe_security_groups()
            .filters(
                Filter::builder()
                    .name(format!("tag:{OWNER_TAG}"))
                    .values(owner)
                    .build(),
            )
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| CompositeError::aws("Listing security groups", &e))?;
        for g in page.security_groups() {
            let tags: BTreeMap<String, String> = g
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            // The filter is the server's; check the tag again.
            if tags.get(OWNER_TAG).map(String::as_str) != Some(owner) {
                continue;
            }
            let (Some(group_name), Some(id), Some(vpc)) =
                (g.group_name(), g.group_id(), g.vpc_id())
            else {
                continue;
            };
            let Some(host) = group_name.strip_prefix(&format!("{name}-")) else {
                continue;
            };
            out.push(Found {
                host: host.to_string(),
                group_id: id.to_string(),
                vpc_id: vpc.to_string(),
                tags,
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Build the state of group `id` from its children.
pub async fn import(ctx: &Ctx, id: &str) -> Result<HostGroupState, CompositeError> {
    let name = id.trim();
    let d = super::declaration::declaration();
    let mut problems = Vec::new();
    for c in d
        .attr("name")
        .map(|a| a.checks.as_slice())
        .unwrap_or_default()
    {
        c.run(
            "name",
            &blueprint_declarations::value::Generic::from(name),
            &blueprint_declarations::value::Path::attr("name"),
            &mut problems,
        );
    }
    if let Some(p) = problems.first() {
        return Err(CompositeError::new(
            "Invalid import id",
            format!("the import id is the group's name: {}", p.detail),
        ));
    }
    let owner = owner_of(name);
    let found = groups(ctx, name, &owner).await?;
    if found.is_empty() {
        return Err(CompositeError::new(
            "Cannot import",
            format!("no security group carries the tag {OWNER_TAG} = \"{owner}\""),
        ));
    }
    let mut vpcs: Vec<&str> = found.iter().map(|f| f.vpc_id.as_str()).collect();
    vpcs.sort_unstable();
    vpcs.dedup();
    let [vpc] = vpcs[..] else {
        return Err(CompositeError::new(
            "Cannot import",
            format!("the security groups of \"{name}\" are in several VPCs: {vpcs:?}"),
        ));
    };
    let mut hosts = Vec::new();
    for f in &found {
        let (position, block) = record::decode(&f.tags).map_err(|e| {
            CompositeError::new(
                format!("Cannot import host \"{}\"", f.host),
                format!("security group {} ({name}-{}): {e}", f.group_id, f.host),
            )
        })?;
        if block.host_name() != f.host {
            return Err(CompositeError::new(
                format!("Cannot import host \"{}\"", f.host),
                format!(
                    "security group {} records host \"{}\", not \"{}\"",
                    f.group_id,
                    block.host_name(),
                    f.host
                ),
            ));
        }
        hosts.push((position, block));
    }
    hosts.sort_by_key(|(p, _)| *p);
    // The user's tags: what a group carries beyond the provider's default tags and markers.
    let defaults = ctx.clients.default_tags();
    let user: BTreeMap<String, String> = found[0]
        .tags
        .iter()
        .filter(|(k, v)| {
            !k.starts_with("blueprint:") && k.as_str() != "Name" && defaults.get(*k) != Some(*v)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut state = HostGroupState {
        name: Value::Value(name.to_string()),
        vpc_id: Value::Value(vpc.to_string()),
        tags: if user.is_empty() {
            Value::Null
        } else {
            map(user)
        },
        host: Value::Value(hosts.into_iter().map(|(_, h)| Value::Value(h)).collect()),
        ..Default::default()
    };
    // The children's ids: the groups as found, the instances by owner and `Name`, the roles
    // and profiles by name (their rows read them by name and fill the ARNs).
    for f in &found {
        put(&mut state.security_group_ids, &f.host, f.group_id.clone());
    }
    for host in state.wanted() {
        put(&mut state.role_arns, &host, String::new());
        put(&mut state.instance_profile_arns, &host, String::new());
        let child = state.child_name(&host);
        if let Some(i) = crate::kinds::instance::find_owned(ctx, &owner, &child).await? {
            put(&mut state.instance_ids, &host, i);
        }
    }
    let with_groups = state.clone();
    derive(&mut state, Some(&with_groups), Some(&ctx.clients));
    let rec = Recorder::new(state);
    let table = Table::new(HostGroup.declaration(), HostGroup.children())
        .map_err(|e| CompositeError::new("Internal error in the provider", e.to_string()))?;
    table.read_all(ctx, &rec).await?;
    let mut state = rec.snapshot();
    for m in [
        &mut state.role_arns,
        &mut state.instance_profile_arns,
        &mut state.instance_ids,
        &mut state.private_ips,
    ] {
        if m.is_unknown() {
            *m = Value::Null;
        }
    }
    Ok(state)
}

//! Child row `security_groups`: each host's group `GROUP-HOST` in `vpc_id`, with exactly the
//! ingress its peers' connections, its public ports and its SSH CIDRs imply (peers by their
//! groups), and AWS's default egress. Rules added or removed out of band are observed in
//! `ingress_rules` and repaired.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{at, keys, list_map, put, remove, HostGroupState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::security_group::{self as sg, all_egress, Direction};
use crate::tf::Value;
use crate::tf_value::entries;
use crate::types::sg_rule::{to_strings, SgRule, Source};

async fn create_one(
    ctx: &Ctx,
    s: &HostGroupState,
    host: &str,
    rec: &Recorder<HostGroupState>,
) -> Result<(), CompositeError> {
    let Value::Value(vpc) = &s.vpc_id else {
        return Err(CompositeError::new(
            "Creating a security group",
            "vpc_id is not known",
        ));
    };
    let name = s.child_name(host);
    let (id, _) = sg::ensure_group(
        ctx,
        &name,
        &format!("blueprint_host_group {} host {host}", s.group()),
        vpc,
        &s.group_tags(host),
    )
    .await?;
    rec.record(|st| put(&mut st.security_group_ids, host, id.clone()));
    Ok(())
}

/// `rules` without those naming a group that no longer exists: EC2 refuses to revoke them
/// (`InvalidGroup.NotFound`). AWS never lets such a group go while a rule names it; moto does.
async fn revocable(ctx: &Ctx, rules: &[SgRule]) -> Result<Vec<SgRule>, CompositeError> {
    let mut out = Vec::new();
    for r in rules {
        if let Source::Group(g) = &r.source {
            if sg::read(ctx, g).await?.is_none() {
                continue;
            }
        }
        out.push(r.clone());
    }
    Ok(out)
}

/// Bring every group's rules to what the topology derives, then record them and the clients.
async fn converge_all(ctx: &Ctx, rec: &Recorder<HostGroupState>) -> Result<(), CompositeError> {
    let s = rec.snapshot();
    let groups = entries(&s.security_group_ids);
    let (topo, _) = s.topology();
    let mut recorded = BTreeMap::new();
    for host in s.wanted() {
        let Some(group) = groups.get(&host) else {
            continue;
        };
        let want = s.desired_ingress(&topo, &host, &groups).ok_or_else(|| {
            CompositeError::new(
                format!("Deriving the ingress of host \"{host}\""),
                "a peer's security group is not recorded; apply again",
            )
        })?;
        let have = sg::read(ctx, group).await?.ok_or_else(|| {
            CompositeError::new(
                format!("Security group {group} of host \"{host}\" is gone"),
                "it was deleted during the apply; apply again: the next plan makes it again",
            )
        })?;
        let have_ingress: Vec<SgRule> = revocable(ctx, &have.ingress).await?;
        sg::converge(ctx, group, Direction::Ingress, &have_ingress, &want).await?;
        sg::converge(ctx, group, Direction::Egress, &have.egress, &[all_egress()]).await?;
        recorded.insert(host, to_strings(&want));
    }
    let clients = s.clients(&topo, &groups).unwrap_or_default();
    rec.record(|st| {
        st.ingress_rules = list_map(recorded);
        st.client_security_group_ids = list_map(clients);
    });
    Ok(())
}

/// Revoke every ingress rule of `groups` (they name each other, which would keep a group from
/// being deleted), then delete them.
async fn delete_groups(ctx: &Ctx, groups: &[String]) -> Result<(), CompositeError> {
    for g in groups {
        if let Some(have) = sg::read(ctx, g).await? {
            let rules = revocable(ctx, &have.ingress).await?;
            sg::change_rules(ctx, g, Direction::Ingress, false, &rules).await?;
        }
    }
    for g in groups {
        sg::delete(ctx, g).await?;
    }
    Ok(())
}

/// The `security_groups` row.
pub struct SecurityGroups;

#[async_trait]
impl ChildOps<HostGroupState> for SecurityGroups {
    fn name(&self) -> &'static str {
        "security_groups"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.security_group_ids);
        for host in planned.wanted().into_iter().filter(|h| !have.contains(h)) {
            create_one(ctx, &planned, &host, rec).await?;
        }
        converge_all(ctx, rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let mut observed = BTreeMap::new();
        for host in keys(&s.security_group_ids) {
            let Some(group) = at(&s.security_group_ids, &host) else {
                continue;
            };
            match sg::read(ctx, &group).await? {
                None => rec.record(|st| remove(&mut st.security_group_ids, &host)),
                Some(o) => {
                    observed.insert(host, to_strings(&o.ingress));
                }
            }
        }
        rec.record(|st| st.ingress_rules = list_map(observed));
        Ok(if rec.snapshot().security_group_ids.is_value() {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &HostGroupState,
        rec: &Recorder<HostGroupState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let want = planned.wanted();
        let had = entries(&prior.security_group_ids);
        // Keep the groups of hosts still configured; make the missing ones.
        rec.record(|st| {
            st.security_group_ids = Value::Null;
            for (h, g) in &had {
                if want.contains(h) {
                    put(&mut st.security_group_ids, h, g.clone());
                }
            }
        });
        for host in want.iter().filter(|h| !had.contains_key(*h)) {
            create_one(ctx, &planned, host, rec).await?;
        }
        // Each kept group's tags: `tags_all` and its host's record, as they are now (a change
        // of either, or one made out of band, is put right; `aws:` keys are AWS's own).
        for (h, g) in had.iter().filter(|(h, _)| want.contains(h)) {
            let after = planned.group_tags(h);
            let before: BTreeMap<String, String> = sg::tags_of(ctx, g)
                .await?
                .unwrap_or_else(|| prior.group_tags(h))
                .into_iter()
                .filter(|(k, _)| !k.starts_with("aws:"))
                .collect();
            if before != after {
                crate::kinds::tags::ec2(ctx, std::slice::from_ref(g), &before, &after).await?;
            }
        }
        // The remaining groups stop naming the removed ones, which are then deleted.
        converge_all(ctx, rec).await?;
        let removed: Vec<String> = had
            .iter()
            .filter(|(h, _)| !want.contains(h))
            .map(|(_, g)| g.clone())
            .collect();
        delete_groups(ctx, &removed).await
    }

    async fn delete(&self, ctx: &Ctx, state: &HostGroupState) -> Result<(), CompositeError> {
        let recorded = entries(&state.security_group_ids);
        let mut groups: Vec<String> = recorded.values().cloned().collect();
        if let Value::Value(vpc) = &state.vpc_id {
            for host in state.hosts_to_delete(&state.security_group_ids) {
                if recorded.contains_key(&host) {
                    continue;
                }
                if let Some(g) =
                    sg::find_owned(ctx, &state.child_name(&host), vpc, &state.owner()).await?
                {
                    groups.push(g);
                }
            }
        }
        delete_groups(ctx, &groups).await
    }
}

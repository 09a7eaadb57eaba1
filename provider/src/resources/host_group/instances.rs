//! Child row `instances`: each host's instance (`kinds::instance`: IMDSv2 only, encrypted gp3
//! root volume of `volume_size`, its group and profile, its cloud-init). A change of what it
//! booted with launches it again; its type changes in place with a stop and start; a group or
//! profile made again is given to it.

use async_trait::async_trait;

use super::{at, keys, put, remove, HostGroupState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::instance::{self, Spec};
use crate::resources::ml_host::user_data::sha256_hex;
use crate::tf::Value;
use crate::tf_value::known;

fn spec(ctx: &Ctx, s: &HostGroupState, host: &str) -> Result<(Spec, String), CompositeError> {
    let missing = |what: &str| {
        CompositeError::new(
            format!("Launching host \"{host}\""),
            format!("its {what} is not recorded; apply again"),
        )
    };
    let h = s.host_block(host).ok_or_else(|| missing("configuration"))?;
    let group = at(&s.security_group_ids, host).ok_or_else(|| missing("security group"))?;
    let profile = at(&s.instance_profile_arns, host).ok_or_else(|| missing("instance profile"))?;
    let mut groups = vec![group];
    groups.extend(crate::tf_value::strings(&h.additional_security_group_ids));
    groups.sort();
    groups.dedup();
    let boot = s
        .boot(host, &ctx.clients.region())
        .ok_or_else(|| missing("boot configuration"))?;
    let volume = h
        .volume_size
        .as_option()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| missing("volume size"))?;
    Ok((
        Spec {
            name: s.child_name(host),
            ami: known(&h.ami_id).map(str::to_string),
            instance_type: known(&h.instance_type)
                .ok_or_else(|| missing("instance type"))?
                .to_string(),
            subnet_id: known(&h.subnet_id)
                .ok_or_else(|| missing("subnet"))?
                .to_string(),
            security_group_ids: groups,
            profile_arn: profile,
            volume_size: volume,
            user_data: boot.clone(),
        },
        boot,
    ))
}

async fn launch(
    ctx: &Ctx,
    s: &HostGroupState,
    host: &str,
    rec: &Recorder<HostGroupState>,
) -> Result<(), CompositeError> {
    let (spec, boot) = spec(ctx, s, host)?;
    let observed = instance::ensure(ctx, &spec, &s.child_tags(), |id| {
        rec.record(|st| {
            put(&mut st.instance_ids, host, id.to_string());
            put(&mut st.user_data_sha256, host, sha256_hex(&boot));
        })
    })
    .await?;
    rec.record(|st| match &observed.private_ip {
        Some(ip) => put(&mut st.private_ips, host, ip.clone()),
        None => remove(&mut st.private_ips, host),
    });
    Ok(())
}

/// The `instances` row.
pub struct Instances;

#[async_trait]
impl ChildOps<HostGroupState> for Instances {
    fn name(&self) -> &'static str {
        "instances"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        if planned.private_ips.is_unknown() {
            rec.record(|st| st.private_ips = Value::Null);
        }
        let have = keys(&planned.instance_ids);
        for host in planned.wanted().into_iter().filter(|h| !have.contains(h)) {
            launch(ctx, &rec.snapshot(), &host, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for host in keys(&s.instance_ids) {
            let Some(id) = at(&s.instance_ids, &host) else {
                continue;
            };
            match instance::read(ctx, &id).await? {
                None => rec.record(|st| {
                    remove(&mut st.instance_ids, &host);
                    remove(&mut st.private_ips, &host);
                }),
                Some(o) => rec.record(|st| {
                    if let Some(ip) = &o.private_ip {
                        put(&mut st.private_ips, &host, ip.clone());
                    }
                }),
            }
        }
        Ok(if rec.snapshot().instance_ids.is_value() {
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
        let had = keys(&prior.instance_ids);
        rec.record(|st| {
            if st.instance_ids.is_unknown() {
                st.instance_ids = prior.instance_ids.clone();
            }
            if st.private_ips.is_unknown() {
                st.private_ips = prior.private_ips.clone();
            }
        });
        for host in had.iter().filter(|h| !want.contains(h)) {
            if let Some(id) = at(&prior.instance_ids, host) {
                instance::delete(ctx, &id).await?;
            }
            rec.record(|st| {
                remove(&mut st.instance_ids, host);
                remove(&mut st.private_ips, host);
            });
        }
        for host in &want {
            let now = rec.snapshot();
            let Some(id) = at(&prior.instance_ids, host) else {
                launch(ctx, &now, host, rec).await?;
                continue;
            };
            let relaunch = match (now.host_block(host), prior.host_block(host)) {
                (Some(n), Some(b)) => n.relaunch_from(b),
                _ => true,
            };
            let Some(observed) = instance::read(ctx, &id).await?.filter(|_| !relaunch) else {
                instance::delete(ctx, &id).await?;
                rec.record(|st| {
                    remove(&mut st.instance_ids, host);
                    remove(&mut st.private_ips, host);
                });
                launch(ctx, &rec.snapshot(), host, rec).await?;
                continue;
            };
            let (spec, _) = spec(ctx, &now, host)?;
            if observed.security_group_ids != spec.security_group_ids {
                instance::set_groups(ctx, &id, &spec.security_group_ids).await?;
            }
            if observed.profile_arn.as_deref() != Some(spec.profile_arn.as_str()) {
                instance::use_profile(ctx, &id, &spec.profile_arn).await?;
            }
            if observed.instance_type != spec.instance_type {
                instance::change_type(ctx, &id, &spec.instance_type).await?;
            }
            if now.tags_changed(prior) {
                let mut ids = vec![id.clone()];
                ids.extend(observed.volume_ids.iter().cloned());
                crate::kinds::tags::ec2(ctx, &ids, &prior.child_tags(), &now.child_tags()).await?;
            }
            rec.record(|st| {
                put(&mut st.instance_ids, host, id.clone());
                if let Some(ip) = &observed.private_ip {
                    put(&mut st.private_ips, host, ip.clone());
                }
            });
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &HostGroupState) -> Result<(), CompositeError> {
        let owner = state.owner();
        for host in state.hosts_to_delete(&state.instance_ids) {
            let id = match at(&state.instance_ids, &host) {
                Some(id) => Some(id),
                None => instance::find_owned(ctx, &owner, &state.child_name(&host)).await?,
            };
            if let Some(id) = id {
                instance::delete(ctx, &id).await?;
            }
            // One launched by an earlier, interrupted launch of the same host.
            if let Some(left) = instance::find_owned(ctx, &owner, &state.child_name(&host)).await? {
                instance::delete(ctx, &left).await?;
            }
        }
        Ok(())
    }
}

//! Child row `instance_profiles`: each host's profile `GROUP-HOST`, holding its role (put back
//! when the role was made again or taken out of it out of band).

use async_trait::async_trait;

use super::{keys, put, remove, HostGroupState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::instance_profile;
use crate::tf::Value;

async fn ensure_one(
    ctx: &Ctx,
    s: &HostGroupState,
    host: &str,
    rec: &Recorder<HostGroupState>,
) -> Result<(), CompositeError> {
    let name = s.child_name(host);
    instance_profile::ensure(ctx, &name, &name, &s.child_tags(), |arn| {
        rec.record(|st| put(&mut st.instance_profile_arns, host, arn.to_string()))
    })
    .await?;
    Ok(())
}

/// The `instance_profiles` row.
pub struct Profiles;

#[async_trait]
impl ChildOps<HostGroupState> for Profiles {
    fn name(&self) -> &'static str {
        "instance_profiles"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.instance_profile_arns);
        for host in planned.wanted().into_iter().filter(|h| !have.contains(h)) {
            ensure_one(ctx, &planned, &host, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for host in keys(&s.instance_profile_arns) {
            let name = s.child_name(&host);
            match instance_profile::read(ctx, &name, &name).await? {
                None => rec.record(|st| remove(&mut st.instance_profile_arns, &host)),
                Some(o) => {
                    rec.record(|st| put(&mut st.instance_profile_arns, &host, o.arn.clone()))
                }
            }
        }
        Ok(if rec.snapshot().instance_profile_arns.is_value() {
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
        let had = keys(&prior.instance_profile_arns);
        for host in had.iter().filter(|h| !want.contains(h)) {
            let name = prior.child_name(host);
            instance_profile::delete(ctx, &name, &name).await?;
            rec.record(|st| remove(&mut st.instance_profile_arns, host));
        }
        for host in &want {
            let name = planned.child_name(host);
            match instance_profile::read(ctx, &name, &name).await? {
                None => ensure_one(ctx, &planned, host, rec).await?,
                Some(o) => {
                    rec.record(|st| put(&mut st.instance_profile_arns, host, o.arn.clone()));
                    if !o.has_role {
                        instance_profile::add_role(ctx, &name, &name).await?;
                    }
                    if planned.tags_changed(prior) {
                        crate::kinds::tags::iam_instance_profile(
                            ctx,
                            &name,
                            &prior.child_tags(),
                            &planned.child_tags(),
                        )
                        .await?;
                    }
                }
            }
        }
        if want.is_empty() {
            rec.record(|st| st.instance_profile_arns = Value::Null);
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &HostGroupState) -> Result<(), CompositeError> {
        for host in state.hosts_to_delete(&state.instance_profile_arns) {
            let name = state.child_name(&host);
            instance_profile::delete(ctx, &name, &name).await?;
        }
        Ok(())
    }
}

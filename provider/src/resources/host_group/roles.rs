//! Child row `roles`: each host's role `GROUP-HOST`, trusted by EC2, with only
//! `AmazonSSMManagedInstanceCore` attached (Session Manager) and an inline policy reading
//! exactly its `secret_environment` ARNs. A policy attached or changed out of band is put back.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{declaration, keys, put, HostGroupState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::iam_role;
use crate::tf::Value;
use crate::tf_value::entries;

/// Name of the inline policy that lets a host read exactly its secrets.
pub const SECRETS_POLICY: &str = "blueprint-secrets";

fn ssm_core(ctx: &Ctx) -> String {
    format!(
        "arn:{}:iam::aws:{}",
        ctx.clients.partition(),
        declaration::SSM_CORE
    )
}

/// The inline policies `host`'s role must have.
pub fn inline_policies(s: &HostGroupState, host: &str) -> BTreeMap<String, String> {
    let Some(h) = s.host_block(host) else {
        return BTreeMap::new();
    };
    let arns: Vec<String> = entries(&h.secret_environment).into_values().collect();
    if arns.is_empty() {
        return BTreeMap::new();
    }
    let (ssm, sm): (Vec<String>, Vec<String>) =
        arns.into_iter().partition(|a| declaration::boot::is_ssm(a));
    let mut statements = Vec::new();
    if !sm.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sm,
        }));
    }
    if !ssm.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": ssm,
        }));
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    [(SECRETS_POLICY.to_string(), doc)].into()
}

async fn converge(
    ctx: &Ctx,
    s: &HostGroupState,
    host: &str,
    have: &iam_role::Observed,
) -> Result<(), CompositeError> {
    let role = s.child_name(host);
    let want = ssm_core(ctx);
    iam_role::converge(
        ctx,
        &role,
        have,
        &inline_policies(s, host),
        std::slice::from_ref(&want),
    )
    .await?;
    if !have.attached.contains(&want) {
        ctx.clients
            .iam()
            .attach_role_policy()
            .role_name(&role)
            .policy_arn(&want)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Attaching {want} to \"{role}\""), &e))?;
    }
    Ok(())
}

async fn create_one(
    ctx: &Ctx,
    s: &HostGroupState,
    host: &str,
    rec: &Recorder<HostGroupState>,
) -> Result<(), CompositeError> {
    let role = s.child_name(host);
    let arn = iam_role::create(
        ctx,
        &role,
        "ec2.amazonaws.com",
        &format!("blueprint_host_group {} host {host}", s.group()),
        &s.child_tags(),
    )
    .await?;
    rec.record(|st| put(&mut st.role_arns, host, arn.clone()));
    let have = iam_role::read(ctx, &role).await?.unwrap_or_default();
    converge(ctx, s, host, &have).await
}

/// The `roles` row.
pub struct Roles;

#[async_trait]
impl ChildOps<HostGroupState> for Roles {
    fn name(&self) -> &'static str {
        "roles"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.role_arns);
        for host in planned.wanted().into_iter().filter(|h| !have.contains(h)) {
            create_one(ctx, &planned, &host, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<HostGroupState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for host in keys(&s.role_arns) {
            match iam_role::read(ctx, &s.child_name(&host)).await? {
                None => rec.record(|st| super::remove(&mut st.role_arns, &host)),
                Some(o) => rec.record(|st| put(&mut st.role_arns, &host, o.arn.clone())),
            }
        }
        Ok(if rec.snapshot().role_arns.is_value() {
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
        let had = keys(&prior.role_arns);
        for host in had.iter().filter(|h| !want.contains(h)) {
            iam_role::delete(ctx, &prior.child_name(host)).await?;
            rec.record(|st| super::remove(&mut st.role_arns, host));
        }
        for host in &want {
            let role = planned.child_name(host);
            let Some(have) = iam_role::read(ctx, &role).await? else {
                create_one(ctx, &planned, host, rec).await?;
                continue;
            };
            rec.record(|st| put(&mut st.role_arns, host, have.arn.clone()));
            converge(ctx, &planned, host, &have).await?;
            if planned.tags_changed(prior) && had.contains(host) {
                crate::kinds::tags::iam_role(
                    ctx,
                    &role,
                    &prior.child_tags(),
                    &planned.child_tags(),
                )
                .await?;
            }
        }
        if want.is_empty() {
            rec.record(|st| st.role_arns = Value::Null);
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &HostGroupState) -> Result<(), CompositeError> {
        for host in state.hosts_to_delete(&state.role_arns) {
            iam_role::delete(ctx, &state.child_name(&host)).await?;
        }
        Ok(())
    }
}

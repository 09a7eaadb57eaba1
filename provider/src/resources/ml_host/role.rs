//! The `role` child: `NAME-role`, trusted by EC2, with only ECR read-only attached and an inline
//! policy granting exactly the `secret_environment` ARNs. Drift (a policy attached or an
//! inline policy changed out of band) is observed in `role_policy_arns` and repaired.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;

use super::{list, MlHostState, ECR_READ_ONLY};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::{iam_role, tags};

/// Name of the inline policy that lets the host read exactly its secrets.
pub const SECRETS_POLICY: &str = "blueprint-secrets";

fn ecr_policy(ctx: &Ctx) -> String {
    format!("arn:{}:iam::aws:{ECR_READ_ONLY}", ctx.clients.partition())
}

/// Read access to exactly the ARNs of `secret_environment`, or `None` when there are none.
pub fn secrets_policy(state: &MlHostState) -> Option<String> {
    let arns: Vec<String> = super::entries(&state.secret_environment)
        .into_values()
        .collect();
    if arns.is_empty() {
        return None;
    }
    let (ssm, sm): (Vec<String>, Vec<String>) = arns
        .into_iter()
        .partition(|a| crate::types::arn::is_ssm_parameter(a));
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
    Some(serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

/// The inline policies the role must have: the secrets policy, when there are secrets.
fn inline_policies(state: &MlHostState) -> BTreeMap<String, String> {
    secrets_policy(state)
        .map(|doc| (SECRETS_POLICY.to_string(), doc))
        .into_iter()
        .collect()
}

async fn attach_ecr(ctx: &Ctx, role: &str) -> Result<(), CompositeError> {
    ctx.clients
        .iam()
        .attach_role_policy()
        .role_name(role)
        .policy_arn(ecr_policy(ctx))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Attaching ECR read-only to \"{role}\""), &e))?;
    Ok(())
}

/// The role's operations.
pub struct Role;

#[async_trait]
impl ChildOps<MlHostState> for Role {
    fn name(&self) -> &'static str {
        "role"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let role = planned.role_name_for();
        let arn = iam_role::create(
            ctx,
            &role,
            "ec2.amazonaws.com",
            "blueprint_ml_host: pull images from ECR",
            &planned.child_tags(),
        )
        .await?;
        rec.record(|s| {
            s.role_arn = Value::Value(arn);
            s.role_name = Value::Value(role.clone());
        });
        attach_ecr(ctx, &role).await?;
        for (name, doc) in inline_policies(&planned) {
            iam_role::put_inline(ctx, &role, &name, &doc).await?;
        }
        rec.record(|s| s.role_policy_arns = list(vec![ecr_policy(ctx)]));
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let role = rec.snapshot().role_name_for();
        match iam_role::read(ctx, &role).await? {
            Some(observed) => {
                rec.record(|s| {
                    s.role_arn = Value::Value(observed.arn);
                    s.role_name = Value::Value(role);
                    s.role_policy_arns = list(observed.attached);
                });
                Ok(Found::Present)
            }
            None => {
                rec.record(|s| s.role_policy_arns = list(Vec::new()));
                Ok(Found::Gone)
            }
        }
    }

    /// Tags follow `tags_all`; a managed policy attached or an inline policy changed out of
    /// band is removed or restored.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let role = planned.role_name_for();
        let Some(have) = iam_role::read(ctx, &role).await? else {
            // Gone since the plan: make it again.
            return self.create(ctx, rec).await;
        };
        if planned.tags_all != prior.tags_all {
            tags::iam_role(ctx, &role, &prior.tags_all_map(), &planned.tags_all_map()).await?;
        }
        let want = ecr_policy(ctx);
        iam_role::converge(
            ctx,
            &role,
            &have,
            &inline_policies(&planned),
            std::slice::from_ref(&want),
        )
        .await?;
        if !have.attached.contains(&want) {
            attach_ecr(ctx, &role).await?;
        }
        rec.record(|s| s.role_policy_arns = list(vec![want]));
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        iam_role::delete(ctx, &state.role_name_for()).await
    }
}

//! Child row `roles`: each stage's role `NAME-STAGE`, trusted by Lambda, with exactly one
//! inline policy derived from the stage's edges (`flow::Flow::grants`) and nothing attached.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{keys, put, remove, scope, DataPipelineState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::iam_role::{self, canonical_document};
use blueprint_declarations::composites::data_pipeline::flow::{names, POLICY_NAME};

/// The trusted service.
const LAMBDA: &str = "lambda.amazonaws.com";

fn role(s: &DataPipelineState, stage: &str) -> String {
    names::role(s.pipeline(), stage)
}

/// The derived policy of `stage` (canonical form).
async fn document(ctx: &Ctx, s: &DataPipelineState, stage: &str) -> Result<String, CompositeError> {
    let sc = scope(ctx).await?;
    let (flow, _) = s.flow();
    let st = flow.stage(stage).ok_or_else(|| {
        CompositeError::new(
            "Deriving a policy",
            format!("stage \"{stage}\" is not configured"),
        )
    })?;
    Ok(canonical_document(&flow.policy_document(&sc, st)))
}

/// What the state records as a role's policy: the one inline document when it is alone,
/// otherwise every inline document and attached policy (so any addition shows as drift).
fn observed_document(obs: &iam_role::Observed) -> String {
    if obs.attached.is_empty() && obs.inline.len() == 1 {
        if let Some(doc) = obs.inline.get(POLICY_NAME) {
            return doc.clone();
        }
    }
    serde_json::json!({"inline": obs.inline, "attached": obs.attached}).to_string()
}

async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let name = role(s, stage);
    let arn = iam_role::create(
        ctx,
        &name,
        LAMBDA,
        &format!("Stage {stage} of data pipeline {}", s.pipeline()),
        &s.child_tags(),
    )
    .await?;
    rec.record(|st| put(&mut st.role_arns, stage, arn.clone()));
    converge(ctx, s, stage, rec).await
}

/// Make the role's policies exactly the derived one.
async fn converge(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let name = role(s, stage);
    let doc = document(ctx, s, stage).await?;
    let have = iam_role::read(ctx, &name).await?.unwrap_or_default();
    let want: BTreeMap<String, String> = [(POLICY_NAME.to_string(), doc.clone())].into();
    iam_role::converge(ctx, &name, &have, &want, &[]).await?;
    rec.record(|st| put(&mut st.policy_documents, stage, doc.clone()));
    Ok(())
}

fn wanted(s: &DataPipelineState) -> Vec<String> {
    s.flow().0.stages.into_iter().map(|st| st.name).collect()
}

/// The `roles` row.
pub struct Roles;

#[async_trait]
impl ChildOps<DataPipelineState> for Roles {
    fn name(&self) -> &'static str {
        "roles"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.role_arns);
        for stage in wanted(&planned).into_iter().filter(|s| !have.contains(s)) {
            create_one(ctx, &planned, &stage, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for stage in keys(&s.role_arns) {
            match iam_role::read(ctx, &role(&s, &stage)).await? {
                None => rec.record(|st| {
                    remove(&mut st.role_arns, &stage);
                    remove(&mut st.policy_documents, &stage);
                }),
                Some(obs) => {
                    let doc = observed_document(&obs);
                    rec.record(|st| {
                        put(&mut st.role_arns, &stage, obs.arn.clone());
                        put(&mut st.policy_documents, &stage, doc);
                    })
                }
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
        prior: &DataPipelineState,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let want = wanted(&planned);
        let have = keys(&prior.role_arns);
        for stage in have.iter().filter(|s| !want.contains(s)) {
            iam_role::delete(ctx, &role(prior, stage)).await?;
        }
        for stage in &want {
            if !have.contains(stage) {
                create_one(ctx, &planned, stage, rec).await?;
                continue;
            }
            let before = prior
                .policy_documents
                .as_ref_option()
                .and_then(|m| m.get(stage));
            let after = planned
                .policy_documents
                .as_ref_option()
                .and_then(|m| m.get(stage));
            if before != after || after.is_none_or(|v| !v.is_value()) {
                converge(ctx, &planned, stage, rec).await?;
            }
            if planned.tags_changed(prior) {
                crate::kinds::tags::iam_role(
                    ctx,
                    &role(&planned, stage),
                    &prior.child_tags(),
                    &planned.child_tags(),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for stage in keys(&state.role_arns) {
            iam_role::delete(ctx, &role(state, &stage)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_beside_the_derived_policy_is_drift() {
        let mut obs = iam_role::Observed {
            arn: "arn:aws:iam::1:role/r".into(),
            inline: [(POLICY_NAME.to_string(), "{}".to_string())].into(),
            attached: vec![],
        };
        assert_eq!(observed_document(&obs), "{}");
        obs.attached
            .push("arn:aws:iam::aws:policy/AmazonS3FullAccess".into());
        assert_ne!(observed_document(&obs), "{}");
        obs.attached.clear();
        obs.inline.insert("extra".into(), "{}".into());
        assert!(observed_document(&obs).contains("extra"));
    }
}

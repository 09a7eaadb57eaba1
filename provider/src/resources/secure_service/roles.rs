//! The execution role (pull, logs, secrets) and the task role (exactly the given statements).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::policies::{self, EXECUTION, TASK, TASK_POLICY};
use super::SecureServiceState;
use crate::children::iam_role;
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::tf_value::{entries, list, map};

const TRUSTED: &str = "ecs-tasks.amazonaws.com";

/// The wanted policies, or an error naming what is still unknown.
fn wanted(s: &SecureServiceState) -> Result<BTreeMap<String, String>, CompositeError> {
    s.desired_role_policies().ok_or_else(|| {
        CompositeError::new(
            "Cannot derive the role policies",
            "listener_arn must be an ARN with region and account, and the container's image and secrets must be known",
        )
    })
}

/// Inline policies of one role (`kind`) out of the `ROLE/POLICY` map.
fn inline_of(all: &BTreeMap<String, String>, kind: &str) -> BTreeMap<String, String> {
    all.iter()
        .filter_map(|(k, v)| {
            let (role, policy) = k.split_once('/')?;
            (role == kind && !policy.starts_with("attached:"))
                .then(|| (policy.to_string(), v.clone()))
        })
        .collect()
}

async fn create_one(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
    kind: &'static str,
    docs: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let name = planned.role_name(kind);
    let arn = iam_role::create(
        ctx,
        &name,
        TRUSTED,
        &format!("blueprint_secure_service {}: {kind} role", planned.name()),
        &planned.tags_all_map(),
    )
    .await?;
    rec.record(|s| {
        if kind == EXECUTION {
            s.execution_role_arn = Value::Value(arn);
        } else {
            s.task_role_arn = Value::Value(arn);
        }
    });
    for (policy, doc) in inline_of(docs, kind) {
        iam_role::put_inline(ctx, &name, &policy, &doc).await?;
        rec.record(|s| {
            let mut m = entries(&s.role_policies);
            m.insert(format!("{kind}/{policy}"), doc.clone());
            s.role_policies = map(m);
        });
    }
    Ok(())
}

/// Both roles with their policies, concurrently.
pub async fn create(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let docs = wanted(planned)?;
    rec.record(|s| s.role_policies = map(BTreeMap::new()));
    ctx.all(vec![
        Box::pin(create_one(ctx, planned, rec, EXECUTION, &docs)),
        Box::pin(create_one(ctx, planned, rec, TASK, &docs)),
    ])
    .await
}

/// Both roles as they are.
#[derive(Debug)]
pub struct Observed {
    execution: Option<iam_role::Observed>,
    task: Option<iam_role::Observed>,
}

impl Observed {
    /// Put the observation into the state: role ARNs (null when gone), the policies, and the
    /// task role's statements.
    pub fn apply(self, s: &mut SecureServiceState) {
        let mut all = BTreeMap::new();
        for (kind, role) in [(EXECUTION, &self.execution), (TASK, &self.task)] {
            let Some(role) = role else { continue };
            for (policy, doc) in &role.inline {
                all.insert(format!("{kind}/{policy}"), doc.clone());
            }
            for arn in &role.attached {
                all.insert(format!("{kind}/attached:{arn}"), "attached".to_string());
            }
        }
        s.role_policies = map(all);
        s.execution_role_arn = match self.execution {
            Some(r) => Value::Value(r.arn),
            None => Value::Null,
        };
        let statements = self
            .task
            .as_ref()
            .and_then(|t| t.inline.get(TASK_POLICY))
            .map(|doc| policies::statements_of(doc))
            .unwrap_or_default();
        s.task_role_arn = match self.task {
            Some(r) => Value::Value(r.arn),
            None => Value::Null,
        };
        let prior_empty = match &s.task_role_policy_statements {
            Value::Value(l) => l.is_empty(),
            _ => true,
        };
        if !(statements.is_empty() && prior_empty) {
            s.task_role_policy_statements = Value::Value(
                statements
                    .into_iter()
                    .map(|st| {
                        Value::Value(super::StatementValue {
                            actions: list(st.actions),
                            resources: list(st.resources),
                        })
                    })
                    .collect(),
            );
        }
    }
}

/// Read both roles (by name: they are named after the service).
pub async fn read(ctx: &Ctx, s: &SecureServiceState) -> Result<Option<Observed>, CompositeError> {
    if !s.name.is_value() {
        return Ok(None);
    }
    let (exec_name, task_name) = (s.role_name(EXECUTION), s.role_name(TASK));
    let (execution, task) = futures::join!(
        iam_role::read(ctx, &exec_name),
        iam_role::read(ctx, &task_name),
    );
    Ok(Some(Observed {
        execution: execution?,
        task: task?,
    }))
}

/// Make both roles' policies what the inputs derive, removing what was added out of band.
pub async fn reconcile(
    ctx: &Ctx,
    _prior: &SecureServiceState,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let docs = wanted(planned)?;
    for kind in [EXECUTION, TASK] {
        let name = planned.role_name(kind);
        let Some(have) = iam_role::read(ctx, &name).await? else {
            continue;
        };
        iam_role::converge(ctx, &name, &have, &inline_of(&docs, kind), &[]).await?;
    }
    rec.record(|s| s.role_policies = map(docs));
    Ok(())
}

/// Delete both roles with their policies.
pub async fn delete(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    if !s.name.is_value() {
        return Ok(());
    }
    let (exec_name, task_name) = (s.role_name(EXECUTION), s.role_name(TASK));
    let (a, b) = futures::join!(
        iam_role::delete(ctx, &exec_name),
        iam_role::delete(ctx, &task_name),
    );
    a.and(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::secure_service::policies::EXECUTION_POLICY;

    #[test]
    fn policies_split_by_role() {
        let mut all = BTreeMap::new();
        all.insert(format!("{EXECUTION}/{EXECUTION_POLICY}"), "e".to_string());
        all.insert(format!("{TASK}/{TASK_POLICY}"), "t".to_string());
        all.insert(format!("{TASK}/attached:arn:x"), "attached".to_string());
        let task = inline_of(&all, TASK);
        assert_eq!(task.len(), 1);
        assert_eq!(task[TASK_POLICY], "t");
        assert_eq!(inline_of(&all, EXECUTION)[EXECUTION_POLICY], "e");
    }
}

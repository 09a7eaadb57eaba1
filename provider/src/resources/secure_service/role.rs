//! Children `execution_role` (pull, logs, secrets) and `task_role` (exactly the given
//! statements): `NAME-execution` and `NAME-task`, trusted by ECS tasks, one inline policy each.
//! A role of that name that does not carry this service's owner tag is never read, changed or
//! deleted as its own.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;

use super::policies::{self, EXECUTION, TASK, TASK_POLICY};
use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::iam_role;
use crate::kinds::ownership::owned;
use crate::tf_value::{entries, list, map};

const TRUSTED: &str = "ecs-tasks.amazonaws.com";

/// One of the two roles.
pub struct Role {
    /// `execution` or `task` (the key prefix in `role_policies`).
    kind: &'static str,
}

impl Role {
    /// The execution role.
    pub const EXECUTION: Role = Role { kind: EXECUTION };
    /// The task role.
    pub const TASK: Role = Role { kind: TASK };

    fn arn<'s>(&self, s: &'s mut SecureServiceState) -> &'s mut Value<String> {
        if self.kind == EXECUTION {
            &mut s.execution_role_arn
        } else {
            &mut s.task_role_arn
        }
    }

    /// Replace this role's entries of `role_policies` with `policies` (name to document) and
    /// `attached` managed policies.
    fn set_policies(
        &self,
        s: &mut SecureServiceState,
        policies: &BTreeMap<String, String>,
        attached: &[String],
    ) {
        let prefix = format!("{}/", self.kind);
        let mut all: BTreeMap<String, String> = entries(&s.role_policies)
            .into_iter()
            .filter(|(k, _)| !k.starts_with(&prefix))
            .collect();
        for (policy, doc) in policies {
            all.insert(format!("{prefix}{policy}"), doc.clone());
        }
        for arn in attached {
            all.insert(format!("{prefix}attached:{arn}"), "attached".to_string());
        }
        s.role_policies = map(all);
    }
}

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

/// Whether role `name` exists (`None`: it does not) and carries `owner`'s tag.
async fn ours(ctx: &Ctx, name: &str, owner: &str) -> Result<Option<bool>, CompositeError> {
    match ctx.clients.iam().get_role().role_name(name).send().await {
        Ok(out) => Ok(Some(out.role().is_some_and(|r| {
            owned(r.tags().iter().map(|t| (t.key(), t.value())), owner)
        }))),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(CompositeError::aws(format!("Reading role \"{name}\""), &e)),
    }
}

#[async_trait]
impl ChildOps<SecureServiceState> for Role {
    fn name(&self) -> &'static str {
        if self.kind == EXECUTION {
            "execution_role"
        } else {
            "task_role"
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let docs = wanted(&planned)?;
        let name = planned.role_name(self.kind);
        // Adopts a role of this name left by an interrupted create of this service; refuses,
        // naming it, one that is not its own.
        let arn = iam_role::create(
            ctx,
            &name,
            TRUSTED,
            &format!(
                "blueprint_secure_service {}: {} role",
                planned.name(),
                self.kind
            ),
            &planned.child_tags(),
        )
        .await?;
        // What is on it (nothing for a new role; an adopted one keeps what it had until
        // converged below).
        let have = iam_role::read(ctx, &name).await?.unwrap_or_default();
        rec.record(|s| {
            *self.arn(s) = Value::Value(arn);
            self.set_policies(s, &have.inline, &have.attached);
        });
        let docs = inline_of(&docs, self.kind);
        iam_role::converge(ctx, &name, &have, &docs, &[]).await?;
        rec.record(|s| self.set_policies(s, &docs, &[]));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let name = s.role_name(self.kind);
        // A role of this name that is not this service's (its own deleted, another made in its
        // place) is not read as its own: the plan makes it again, and create refuses it.
        if ours(ctx, &name, &s.owner()).await? != Some(true) {
            rec.record(|s| self.set_policies(s, &BTreeMap::new(), &[]));
            return Ok(Found::Gone);
        }
        let Some(observed) = iam_role::read(ctx, &name).await? else {
            rec.record(|s| self.set_policies(s, &BTreeMap::new(), &[]));
            return Ok(Found::Gone);
        };
        rec.record(|s| {
            self.set_policies(s, &observed.inline, &observed.attached);
            *self.arn(s) = Value::Value(observed.arn.clone());
            if self.kind == TASK {
                record_statements(s, observed.inline.get(TASK_POLICY));
            }
        });
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let docs = inline_of(&wanted(&planned)?, self.kind);
        let name = planned.role_name(self.kind);
        let Some(have) = iam_role::read(ctx, &name).await? else {
            // Gone since the refresh: make it again.
            return self.create(ctx, rec).await;
        };
        // What was added out of band (policies, attached managed policies) is removed.
        iam_role::converge(ctx, &name, &have, &docs, &[]).await?;
        rec.record(|s| self.set_policies(s, &docs, &[]));
        if planned.tags_changed(prior) {
            crate::kinds::tags::iam_role(ctx, &name, &prior.child_tags(), &planned.child_tags())
                .await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        let name = state.role_name(self.kind);
        // Only its own: a role of this name made by someone else stays.
        if ours(ctx, &name, &state.owner()).await? != Some(true) {
            return Ok(());
        }
        iam_role::delete(ctx, &name).await
    }
}

/// The task role's statements as observed (unchanged when there are none, as configured).
fn record_statements(s: &mut SecureServiceState, doc: Option<&String>) {
    let statements = doc
        .map(|doc| policies::statements_of(doc))
        .unwrap_or_default();
    let prior_empty = match &s.task_role_policy_statements {
        Value::Value(l) => l.is_empty(),
        _ => true,
    };
    if statements.is_empty() && prior_empty {
        return;
    }
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

/// On import: the ARNs of the roles named after the service (the table's read then checks that
/// they are its own).
pub async fn import_inputs(ctx: &Ctx, s: &mut SecureServiceState) -> Result<(), CompositeError> {
    for role in [Role::EXECUTION, Role::TASK] {
        let name = s.role_name(role.kind);
        let arn = match ctx.clients.iam().get_role().role_name(&name).send().await {
            Ok(out) => out.role().map(|r| Value::Value(r.arn().to_string())),
            Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => None,
            Err(e) => return Err(CompositeError::aws(format!("Reading role \"{name}\""), &e)),
        };
        *role.arn(s) = arn.unwrap_or(Value::Null);
    }
    Ok(())
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

    #[test]
    fn each_role_replaces_only_its_own_policies() {
        let mut s = SecureServiceState::default();
        let docs: BTreeMap<String, String> = [("p".to_string(), "d".to_string())].into();
        Role::EXECUTION.set_policies(&mut s, &docs, &[]);
        Role::TASK.set_policies(&mut s, &docs, &["arn:x".to_string()]);
        Role::EXECUTION.set_policies(&mut s, &BTreeMap::new(), &[]);
        let all = entries(&s.role_policies);
        assert_eq!(
            all.keys().collect::<Vec<_>>(),
            ["task/attached:arn:x", "task/p"]
        );
    }
}

//! Child `task_definition`: the Fargate task definition, one revision per change of the
//! container. A new revision (a changed container, or one deregistered out of band) is rolled
//! into the service by the service's reconcile, which then deregisters the revision it replaced.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode,
    PortMapping, Secret, TaskDefinitionStatus,
};

use super::tagging::ecs_tags;
use super::{ContainerValue, SecureServiceState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::tf_value::{entries, known, map};

/// Whether `cpu` units with `memory` MiB is a Fargate task size.
pub fn fargate_size_ok(cpu: i64, memory: i64) -> bool {
    let in_steps =
        |from: i64, to: i64, step: i64| (from..=to).contains(&memory) && memory % step == 0;
    match cpu {
        256 => matches!(memory, 512 | 1024 | 2048),
        512 => in_steps(1024, 4096, 1024),
        1024 => in_steps(2048, 8192, 1024),
        2048 => in_steps(4096, 16384, 1024),
        4096 => in_steps(8192, 30720, 1024),
        8192 => in_steps(16384, 61440, 4096),
        16384 => in_steps(32768, 122880, 8192),
        _ => false,
    }
}

/// Whether the change from `prior` to `planned` needs a new revision.
pub fn changes(prior: &SecureServiceState, planned: &SecureServiceState) -> bool {
    prior.container != planned.container
}

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building the task definition", e.to_string())
}

fn container_definition(
    s: &SecureServiceState,
    region: &str,
) -> Result<ContainerDefinition, CompositeError> {
    let c = s.container();
    let mut log = LogConfiguration::builder().log_driver(LogDriver::Awslogs);
    for (k, v) in [
        ("awslogs-group", s.log_group()),
        ("awslogs-region", region.to_string()),
        ("awslogs-stream-prefix", "ecs".to_string()),
    ] {
        log = log.options(k, v);
    }
    let mut def = ContainerDefinition::builder()
        .name(s.name())
        .image(known(&c.image).unwrap_or_default())
        .essential(true)
        .port_mappings(
            PortMapping::builder()
                .container_port(s.port() as i32)
                .protocol(aws_sdk_ecs::types::TransportProtocol::Tcp)
                .build(),
        )
        .log_configuration(log.build().map_err(build_err)?);
    for (k, v) in entries(&c.environment) {
        def = def.environment(KeyValuePair::builder().name(k).value(v).build());
    }
    for (k, v) in entries(&c.secrets) {
        def = def.secrets(
            Secret::builder()
                .name(k)
                .value_from(v)
                .build()
                .map_err(build_err)?,
        );
    }
    Ok(def.build())
}

async fn register(ctx: &Ctx, s: &SecureServiceState) -> Result<String, CompositeError> {
    let c = s.container();
    let family = s.name();
    let out = ctx
        .clients
        .ecs()
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu(c.cpu.as_option().unwrap_or(super::DEFAULT_CPU).to_string())
        .memory(
            c.memory
                .as_option()
                .unwrap_or(super::DEFAULT_MEMORY)
                .to_string(),
        )
        .execution_role_arn(known(&s.execution_role_arn).unwrap_or_default())
        .task_role_arn(known(&s.task_role_arn).unwrap_or_default())
        .container_definitions(container_definition(s, &ctx.clients.region())?)
        .set_tags(Some(ecs_tags(&s.child_tags())))
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Registering task definition \"{family}\""), &e)
        })?;
    Ok(out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

pub async fn deregister(ctx: &Ctx, arn: &str) -> Result<(), CompositeError> {
    match ctx
        .clients
        .ecs()
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // Already deregistered or never there.
        Err(e) if error_code(&e).as_deref() == Some("ClientException") => Ok(()),
        Err(e) => Err(CompositeError::aws(
            format!("Deregistering task definition \"{arn}\""),
            &e,
        )),
    }
}

/// The container as task definition `def` describes it (what it does not say stays as in
/// `prior`).
fn observed_container(
    def: &aws_sdk_ecs::types::TaskDefinition,
    prior: &ContainerValue,
) -> Option<ContainerValue> {
    let c = def.container_definitions().first()?;
    let env: BTreeMap<String, String> = c
        .environment()
        .iter()
        .filter_map(|kv| Some((kv.name()?.to_string(), kv.value()?.to_string())))
        .collect();
    let secrets: BTreeMap<String, String> = c
        .secrets()
        .iter()
        .map(|x| (x.name().to_string(), x.value_from().to_string()))
        .collect();
    // An empty map observed where the configuration has none is no change.
    let keep_empty = |observed: BTreeMap<String, String>, prior: &crate::tf_value::StringMap| {
        if observed.is_empty() && prior.as_ref_option().is_none_or(|m| m.is_empty()) {
            prior.clone()
        } else {
            map(observed)
        }
    };
    Some(ContainerValue {
        image: c
            .image()
            .map(|i| Value::Value(i.to_string()))
            .unwrap_or(Value::Null),
        port: c
            .port_mappings()
            .first()
            .and_then(|p| p.container_port())
            .map(|p| Value::Value(p as i64))
            .unwrap_or(prior.port),
        cpu: def
            .cpu()
            .and_then(|c| c.parse().ok())
            .map(Value::Value)
            .unwrap_or(prior.cpu),
        memory: def
            .memory()
            .and_then(|m| m.parse().ok())
            .map(Value::Value)
            .unwrap_or(prior.memory),
        environment: keep_empty(env, &prior.environment),
        secrets: keep_empty(secrets, &prior.secrets),
    })
}

/// The service's task definition.
pub struct TaskDefinition;

#[async_trait]
impl ChildOps<SecureServiceState> for TaskDefinition {
    fn name(&self) -> &'static str {
        "task_definition"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let arn = register(ctx, &rec.snapshot()).await?;
        rec.record(|s| s.task_definition_arn = Value::Value(arn));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let td = known(&s.task_definition_arn).unwrap_or_default();
        let out = match ctx
            .clients
            .ecs()
            .describe_task_definition()
            .task_definition(td)
            .send()
            .await
        {
            Ok(o) => o,
            // Deleted: ECS answers with a client error naming the revision.
            Err(e) if error_code(&e).as_deref() == Some("ClientException") => {
                return Ok(Found::Gone)
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading task definition \"{td}\""),
                    &e,
                ))
            }
        };
        let Some(def) = out.task_definition() else {
            return Ok(Found::Gone);
        };
        // A deregistered revision cannot start tasks: it is gone for the service.
        if def.status() != Some(&TaskDefinitionStatus::Active) {
            return Ok(Found::Gone);
        }
        if let Some(c) = observed_container(def, &s.container()) {
            rec.record(|s| s.container = Value::Value(c));
        }
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        if planned.tags_changed(prior) {
            let td = known(&planned.task_definition_arn).unwrap_or_default();
            super::tagging::ecs(ctx, td, &prior.child_tags(), &planned.child_tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        delete_family(ctx, state).await
    }
}

/// Deregister and delete every revision of the service's task definition family.
async fn delete_family(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    if !s.task_definition_arn.is_value() || !s.name.is_value() {
        return Ok(());
    }
    let ecs = ctx.clients.ecs();
    let family = s.name();
    let out = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing task definitions \"{family}\""), &e))?;
    let ours: Vec<String> = out
        .task_definition_arns()
        .iter()
        .filter(|a| {
            a.rsplit_once("task-definition/")
                .and_then(|(_, r)| r.rsplit_once(':'))
                .is_some_and(|(f, _)| f == family)
        })
        .cloned()
        .collect();
    for arn in &ours {
        deregister(ctx, arn).await?;
    }
    for chunk in ours.chunks(10) {
        ecs.delete_task_definitions()
            .set_task_definitions(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Deleting task definitions \"{family}\""), &e)
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes() {
        assert!(fargate_size_ok(256, 512));
        assert!(fargate_size_ok(1024, 3072));
        assert!(!fargate_size_ok(256, 4096));
        assert!(!fargate_size_ok(300, 512));
    }
}

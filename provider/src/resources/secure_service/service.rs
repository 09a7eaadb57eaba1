//! The task definition and the ECS service: private subnets, no public IP, behind the target
//! group, with the deployment circuit breaker; waited on until stable, and a rolled-back
//! deployment is a failure.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition,
    DeploymentCircuitBreaker, DeploymentConfiguration, DeploymentRolloutState, KeyValuePair,
    LaunchType, LoadBalancer, LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode,
    PortMapping, PropagateTags, Secret, Service, ServiceField, Tag, TaskDefinitionStatus,
};
use tf_provider::value::Value;

use super::{ContainerValue, SecureServiceState};
use crate::clients::error_code;
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::tf_value::{entries, known, list, map, strings};

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

/// Whether the change from `prior` to `planned` needs a new task definition revision.
pub fn task_definition_changes(prior: &SecureServiceState, planned: &SecureServiceState) -> bool {
    prior.container != planned.container || prior.task_definition_arn.is_null()
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

fn ecs_tags(s: &SecureServiceState) -> Vec<Tag> {
    s.tags_all_map()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
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
        .set_tags(Some(ecs_tags(s)))
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

/// Register the first revision.
pub async fn register_task_definition(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let arn = register(ctx, planned).await?;
    rec.record(|s| s.task_definition_arn = Value::Value(arn));
    Ok(())
}

fn network(s: &SecureServiceState) -> Result<NetworkConfiguration, CompositeError> {
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(strings(&s.subnet_ids)))
                .security_groups(known(&s.security_group_id).unwrap_or_default())
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .map_err(build_err)?,
        )
        .build())
}

/// Create the service and wait until it is stable.
pub async fn create(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let name = planned.name();
    let td = known(&planned.task_definition_arn).unwrap_or_default();
    let out = ctx
        .clients
        .ecs()
        .create_service()
        .cluster(known(&planned.cluster).unwrap_or_default())
        .service_name(name)
        .task_definition(td)
        .desired_count(planned.desired_count.as_option().unwrap_or(1) as i32)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(planned)?)
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(known(&planned.target_group_arn).unwrap_or_default())
                .container_name(name)
                .container_port(planned.port() as i32)
                .build(),
        )
        .health_check_grace_period_seconds(60)
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .deployment_circuit_breaker(
                    DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                )
                .minimum_healthy_percent(100)
                .maximum_percent(200)
                .build(),
        )
        .propagate_tags(PropagateTags::Service)
        .enable_ecs_managed_tags(true)
        .set_tags(Some(ecs_tags(planned)))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Creating ECS service \"{name}\""), &e))?;
    let arn = out
        .service()
        .and_then(|s| s.service_arn())
        .unwrap_or_default()
        .to_string();
    rec.record(|s| s.service_arn = Value::Value(arn));
    wait_stable(ctx, planned, td).await
}

/// Where a deployment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stability {
    /// One deployment, all tasks running, on the wanted task definition.
    Stable,
    /// Still deploying: what is happening.
    Waiting(String),
    /// The deployment failed or was rolled back: why.
    Failed(String),
}

/// How `svc` stands against the task definition `want`.
pub fn stability(svc: &Service, want: &str) -> Stability {
    if let Some(d) = svc
        .deployments()
        .iter()
        .find(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed))
    {
        return Stability::Failed(format!(
            "deployment {} failed: {}",
            d.id().unwrap_or_default(),
            d.rollout_state_reason().unwrap_or("no reason given")
        ));
    }
    let current = svc.task_definition().unwrap_or_default();
    if !want.is_empty() && current != want {
        return Stability::Failed(format!(
            "the deployment of {want} was rolled back to {current}"
        ));
    }
    let deployments = svc.deployments().len();
    if deployments <= 1 && svc.running_count() == svc.desired_count() {
        Stability::Stable
    } else {
        Stability::Waiting(format!(
            "{} of {} tasks running, {deployments} deployments",
            svc.running_count(),
            svc.desired_count()
        ))
    }
}

async fn describe(ctx: &Ctx, s: &SecureServiceState) -> Result<Option<Service>, CompositeError> {
    let name = s.name();
    let out = ctx
        .clients
        .ecs()
        .describe_services()
        .cluster(known(&s.cluster).unwrap_or_default())
        .services(name)
        .include(ServiceField::Tags)
        .send()
        .await;
    match out {
        Ok(o) => Ok(o
            .services()
            .iter()
            .find(|svc| svc.status() != Some("INACTIVE"))
            .cloned()),
        Err(e) if error_code(&e).as_deref() == Some("ClusterNotFoundException") => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading ECS service \"{name}\""),
            &e,
        )),
    }
}

async fn wait_stable(ctx: &Ctx, s: &SecureServiceState, want: &str) -> Result<(), CompositeError> {
    let name = s.name();
    let policy = RetryPolicy {
        initial: std::time::Duration::from_millis(500),
        max: std::time::Duration::from_secs(15),
    };
    retry(
        &ctx.deadline,
        &format!("waiting for service \"{name}\" to be stable"),
        policy,
        || async {
            let svc = describe(ctx, s).await.map_err(Attempt::Fail)?;
            let Some(svc) = svc else {
                return Err(Attempt::Fail(CompositeError::new(
                    format!("ECS service \"{name}\" disappeared"),
                    "it was deleted while it was being deployed",
                )));
            };
            match stability(&svc, want) {
                Stability::Stable => Ok(()),
                Stability::Waiting(why) => Err(Attempt::Retry(CompositeError::new(
                    format!("ECS service \"{name}\" is not stable yet"),
                    why,
                ))),
                Stability::Failed(why) => Err(Attempt::Fail(CompositeError::new(
                    format!("ECS service \"{name}\" did not deploy"),
                    format!("{why}; the service keeps running the previous task definition, see its events in the ECS console"),
                ))),
            }
        },
    )
    .await
}

/// Read the service and its task definition into the state; the service as described, or
/// `None` when it is gone.
pub async fn read(
    ctx: &Ctx,
    s: &mut SecureServiceState,
) -> Result<Option<Service>, CompositeError> {
    if !s.name.is_value() || !s.cluster.is_value() {
        return Ok(None);
    }
    let Some(svc) = describe(ctx, s).await? else {
        return Ok(None);
    };
    s.service_arn = svc
        .service_arn()
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    if s.autoscaling.is_null() {
        s.desired_count = Value::Value(svc.desired_count() as i64);
    }
    let subnets: Vec<String> = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|a| a.subnets().to_vec())
        .unwrap_or_default();
    let (mut have, mut got) = (strings(&s.subnet_ids), subnets.clone());
    have.sort();
    got.sort();
    if have != got {
        s.subnet_ids = list(subnets);
    }
    let Some(td) = svc.task_definition() else {
        return Ok(Some(svc));
    };
    s.task_definition_arn = Value::Value(td.to_string());
    let out = match ctx
        .clients
        .ecs()
        .describe_task_definition()
        .task_definition(td)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some("ClientException") => return Ok(Some(svc)),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading task definition \"{td}\""),
                &e,
            ))
        }
    };
    if let Some(def) = out.task_definition() {
        let prior = s.container();
        if let Some(c) = def.container_definitions().first() {
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
            let keep_empty = |observed: BTreeMap<String, String>,
                              prior: &crate::tf_value::StringMap| {
                if observed.is_empty() && prior.as_ref_option().is_none_or(|m| m.is_empty()) {
                    prior.clone()
                } else {
                    map(observed)
                }
            };
            s.container = Value::Value(ContainerValue {
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
            });
        }
    }
    Ok(Some(svc))
}

/// On import: the ids the service names (target group, security group) and the tags.
pub fn import_inputs(ctx: &Ctx, svc: &Service, s: &mut SecureServiceState) {
    s.target_group_arn = svc
        .load_balancers()
        .first()
        .and_then(|l| l.target_group_arn())
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    s.security_group_id = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .and_then(|a| a.security_groups().first())
        .map(|g| Value::Value(g.clone()))
        .unwrap_or(Value::Null);
    s.log_group_name = Value::Value(s.log_group());
    let defaults = ctx.clients.default_tags();
    let own: BTreeMap<String, String> = svc
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .filter(|(k, v)| defaults.get(k) != Some(v))
        .collect();
    s.tags = if own.is_empty() {
        Value::Null
    } else {
        map(own)
    };
}

/// Roll out a new task definition revision, a new count or new subnets, and wait until stable;
/// then the old revision is deregistered.
pub async fn update(
    ctx: &Ctx,
    prior: &SecureServiceState,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let new_revision = task_definition_changes(prior, planned);
    let mut td = known(&prior.task_definition_arn)
        .unwrap_or_default()
        .to_string();
    if new_revision {
        td = register(ctx, planned).await?;
        rec.record(|s| s.task_definition_arn = Value::Value(td.clone()));
    }
    let count = planned.autoscaling.is_null() && prior.desired_count != planned.desired_count;
    let subnets = prior.subnet_ids != planned.subnet_ids;
    if !(new_revision || count || subnets) {
        return Ok(());
    }
    let name = planned.name();
    let mut req = ctx
        .clients
        .ecs()
        .update_service()
        .cluster(known(&planned.cluster).unwrap_or_default())
        .service(name)
        .task_definition(&td);
    if count {
        req = req.desired_count(planned.desired_count.as_option().unwrap_or(1) as i32);
    }
    if subnets {
        req = req.network_configuration(network(planned)?);
    }
    req.send()
        .await
        .map_err(|e| CompositeError::aws(format!("Updating ECS service \"{name}\""), &e))?;
    wait_stable(ctx, planned, &td).await?;
    if new_revision {
        if let Value::Value(old) = &prior.task_definition_arn {
            deregister(ctx, old).await?;
        }
    }
    Ok(())
}

async fn deregister(ctx: &Ctx, arn: &str) -> Result<(), CompositeError> {
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

/// Scale to zero, delete the service and wait until it is gone.
pub async fn delete(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    if s.service_arn.is_null() || describe(ctx, s).await?.is_none() {
        return Ok(());
    }
    let ecs = ctx.clients.ecs();
    let name = s.name();
    let cluster = known(&s.cluster).unwrap_or_default();
    let gone = |code: Option<String>| {
        matches!(
            code.as_deref(),
            Some("ServiceNotFoundException" | "ServiceNotActiveException")
        )
    };
    match ecs
        .update_service()
        .cluster(cluster)
        .service(name)
        .desired_count(0)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if gone(error_code(&e)) => return Ok(()),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Scaling ECS service \"{name}\" to 0"),
                &e,
            ))
        }
    }
    match ecs
        .delete_service()
        .cluster(cluster)
        .service(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if gone(error_code(&e)) => return Ok(()),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Deleting ECS service \"{name}\""),
                &e,
            ))
        }
    }
    retry(
        &ctx.deadline,
        &format!("waiting for service \"{name}\" to be deleted"),
        RetryPolicy::default(),
        || async {
            match describe(ctx, s).await {
                Ok(None) => Ok(()),
                Ok(Some(svc)) => Err(Attempt::Retry(CompositeError::new(
                    format!(
                        "ECS service \"{name}\" is still {}",
                        svc.status().unwrap_or("there")
                    ),
                    "its tasks are draining",
                ))),
                Err(e) => Err(Attempt::Fail(e)),
            }
        },
    )
    .await
}

/// Deregister and delete every revision of the service's task definition family.
pub async fn delete_task_definitions(
    ctx: &Ctx,
    s: &SecureServiceState,
) -> Result<(), CompositeError> {
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
    use aws_sdk_ecs::types::Deployment;

    fn service(td: &str, running: i32, desired: i32, deployments: Vec<Deployment>) -> Service {
        Service::builder()
            .task_definition(td)
            .running_count(running)
            .desired_count(desired)
            .set_deployments(Some(deployments))
            .build()
    }

    fn deployment(td: &str, state: Option<DeploymentRolloutState>) -> Deployment {
        Deployment::builder()
            .id("ecs-svc/1")
            .task_definition(td)
            .set_rollout_state(state)
            .rollout_state_reason("tasks failed to start")
            .build()
    }

    #[test]
    fn stable_only_with_one_deployment_all_running_on_the_wanted_revision() {
        let d = |td| deployment(td, Some(DeploymentRolloutState::Completed));
        assert_eq!(
            stability(&service("td:2", 2, 2, vec![d("td:2")]), "td:2"),
            Stability::Stable
        );
        assert!(matches!(
            stability(&service("td:2", 1, 2, vec![d("td:2")]), "td:2"),
            Stability::Waiting(_)
        ));
        assert!(matches!(
            stability(&service("td:2", 2, 2, vec![d("td:2"), d("td:1")]), "td:2"),
            Stability::Waiting(_)
        ));
    }

    #[test]
    fn a_failed_or_rolled_back_deployment_is_a_failure() {
        let failed = deployment("td:2", Some(DeploymentRolloutState::Failed));
        match stability(&service("td:2", 1, 1, vec![failed]), "td:2") {
            Stability::Failed(why) => assert!(why.contains("tasks failed to start"), "{why}"),
            other => panic!("{other:?}"),
        }
        // The circuit breaker put the service back on revision 1.
        let back = deployment("td:1", Some(DeploymentRolloutState::Completed));
        match stability(&service("td:1", 1, 1, vec![back]), "td:2") {
            Stability::Failed(why) => assert!(why.contains("rolled back to td:1"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fargate_sizes() {
        assert!(fargate_size_ok(256, 512));
        assert!(fargate_size_ok(1024, 3072));
        assert!(!fargate_size_ok(256, 4096));
        assert!(!fargate_size_ok(300, 512));
    }
}

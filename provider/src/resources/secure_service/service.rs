//! Child `service`: the ECS service in private subnets, no public IP, behind the target group,
//! with the deployment circuit breaker; waited on until stable, and a rolled-back deployment is
//! a failure. Its reconcile rolls in what changed under it: a new task definition revision, a
//! security group or target group made again, new subnets or count.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker, DeploymentConfiguration,
    DeploymentRolloutState, LaunchType, LoadBalancer, NetworkConfiguration, PropagateTags, Service,
    ServiceField,
};

use super::tagging::ecs_tags;
use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::{known, list, map, strings};

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building the service request", e.to_string())
}

fn network(s: &SecureServiceState) -> Result<NetworkConfiguration, CompositeError> {
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(strings(&s.subnet_ids)))
                .set_security_groups(Some(task_groups(s)))
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .map_err(build_err)?,
        )
        .build())
}

/// The groups the tasks carry: the service's own first, then `additional_security_group_ids`.
fn task_groups(s: &SecureServiceState) -> Vec<String> {
    known(&s.security_group_id)
        .map(str::to_string)
        .into_iter()
        .chain(strings(&s.additional_security_group_ids))
        .collect()
}

fn load_balancer(s: &SecureServiceState) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(known(&s.target_group_arn).unwrap_or_default())
        .container_name(s.name())
        .container_port(s.port() as i32)
        .build()
}

fn desired_count(s: &SecureServiceState) -> i32 {
    s.desired_count.as_option().unwrap_or(1) as i32
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

pub async fn describe(
    ctx: &Ctx,
    s: &SecureServiceState,
) -> Result<Option<Service>, CompositeError> {
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

/// The ECS service.
pub struct EcsService;

#[async_trait]
impl ChildOps<SecureServiceState> for EcsService {
    fn name(&self) -> &'static str {
        "service"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let name = planned.name();
        let td = known(&planned.task_definition_arn)
            .unwrap_or_default()
            .to_string();
        // CreateService refuses a name in use: one left by an interrupted create of this
        // service is adopted and brought to the plan, another one is refused by name.
        if let Some(svc) = describe(ctx, &planned).await? {
            let owner = planned.owner();
            let ours = owned(
                svc.tags()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                &owner,
            );
            if !ours {
                return Err(not_ours(&format!("ECS service \"{name}\""), &owner));
            }
            let arn = svc.service_arn().unwrap_or_default().to_string();
            rec.record(|s| s.service_arn = Value::Value(arn));
            return roll(ctx, &planned, true, true).await;
        }
        let out = ctx
            .clients
            .ecs()
            .create_service()
            .cluster(known(&planned.cluster).unwrap_or_default())
            .service_name(name)
            .task_definition(&td)
            .desired_count(desired_count(&planned))
            .launch_type(LaunchType::Fargate)
            .network_configuration(network(&planned)?)
            .load_balancers(load_balancer(&planned))
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
            .set_tags(Some(ecs_tags(&planned.child_tags())))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating ECS service \"{name}\""), &e))?;
        let arn = out
            .service()
            .and_then(|s| s.service_arn())
            .unwrap_or_default()
            .to_string();
        rec.record(|s| s.service_arn = Value::Value(arn));
        wait_stable(ctx, &planned, &td).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let Some(svc) = describe(ctx, &rec.snapshot()).await? else {
            return Ok(Found::Gone);
        };
        let subnets: Vec<String> = svc
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .map(|a| a.subnets().to_vec())
            .unwrap_or_default();
        let groups: Vec<String> = svc
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .map(|a| a.security_groups().to_vec())
            .unwrap_or_default();
        rec.record(|s| {
            s.service_arn = svc
                .service_arn()
                .map(|a| Value::Value(a.to_string()))
                .unwrap_or(Value::Null);
            // With autoscaling the count is the scaler's.
            if s.autoscaling.is_null() {
                s.desired_count = Value::Value(svc.desired_count() as i64);
            }
            let (mut have, mut got) = (strings(&s.subnet_ids), subnets.clone());
            have.sort();
            got.sort();
            if have != got {
                s.subnet_ids = list(subnets);
            }
            // The tasks' other groups, as observed (a group added or removed out of band shows
            // in the next plan).
            let own = known(&s.security_group_id).map(str::to_string);
            let (mut have, mut got): (Vec<String>, Vec<String>) = (
                strings(&s.additional_security_group_ids),
                groups
                    .iter()
                    .filter(|g| Some(*g) != own.as_ref())
                    .cloned()
                    .collect(),
            );
            let observed = got.clone();
            have.sort();
            got.sort();
            if have != got {
                s.additional_security_group_ids = list(observed);
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
        // `planned` holds what the children before it recorded: a new task definition, a
        // security group or target group made again.
        let planned = rec.snapshot();
        let new_revision = prior.task_definition_arn != planned.task_definition_arn;
        let count = planned.autoscaling.is_null() && prior.desired_count != planned.desired_count;
        let network = prior.subnet_ids != planned.subnet_ids
            || prior.security_group_id != planned.security_group_id
            || prior.additional_security_group_ids != planned.additional_security_group_ids;
        let target = prior.target_group_arn != planned.target_group_arn;
        if new_revision || count || network || target {
            roll(ctx, &planned, network, target).await?;
            if new_revision {
                if let Some(old) = known(&prior.task_definition_arn) {
                    super::task_definition::deregister(ctx, old).await?;
                }
            }
        }
        if planned.tags_changed(prior) {
            let arn = known(&planned.service_arn).unwrap_or_default();
            super::tagging::ecs(ctx, arn, &prior.child_tags(), &planned.child_tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        delete(ctx, state).await
    }
}

/// Update the service to the planned task definition and count (and, when asked, network and
/// load balancer), then wait until it is stable.
async fn roll(
    ctx: &Ctx,
    planned: &SecureServiceState,
    network_too: bool,
    target_too: bool,
) -> Result<(), CompositeError> {
    let name = planned.name();
    let td = known(&planned.task_definition_arn)
        .unwrap_or_default()
        .to_string();
    let mut req = ctx
        .clients
        .ecs()
        .update_service()
        .cluster(known(&planned.cluster).unwrap_or_default())
        .service(name)
        .task_definition(&td);
    if planned.autoscaling.is_null() {
        req = req.desired_count(desired_count(planned));
    }
    if network_too {
        req = req.network_configuration(network(planned)?);
    }
    if target_too {
        req = req.load_balancers(load_balancer(planned));
    }
    req.send()
        .await
        .map_err(|e| CompositeError::aws(format!("Updating ECS service \"{name}\""), &e))?;
    wait_stable(ctx, planned, &td).await
}

/// On import: the ids the service names (target group, security group) and the tags.
pub fn import_inputs(ctx: &Ctx, svc: &Service, s: &mut SecureServiceState) {
    s.target_group_arn = svc
        .load_balancers()
        .first()
        .and_then(|l| l.target_group_arn())
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    let groups: Vec<String> = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|a| a.security_groups().to_vec())
        .unwrap_or_default();
    // The service's own group is the first; the rest are `additional_security_group_ids`.
    s.security_group_id = groups
        .first()
        .map(|g| Value::Value(g.clone()))
        .unwrap_or(Value::Null);
    s.additional_security_group_ids = list(groups.iter().skip(1).cloned().collect());
    s.service_arn = svc
        .service_arn()
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    s.task_definition_arn = svc
        .task_definition()
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    s.log_group_name = Value::Value(s.log_group());
    let defaults = ctx.clients.default_tags();
    let own: BTreeMap<String, String> = svc
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        // The provider's own markers (blueprint:owner) are not the user's tags.
        .filter(|(k, v)| !k.starts_with("blueprint:") && defaults.get(k) != Some(v))
        .collect();
    s.tags = if own.is_empty() {
        Value::Null
    } else {
        map(own)
    };
}

/// Scale to zero, delete the service and wait until it is gone.
async fn delete(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    if describe(ctx, s).await?.is_none() {
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
}

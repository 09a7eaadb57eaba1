//! Target-tracking autoscaling of the service's desired count (seed 001: CPU 70 %, memory 80 %).

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTarget,
    ScalingPolicy, ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use tf_provider::value::Value;

use super::{AutoscalingValue, SecureServiceState};
use crate::clients::error_code;
use crate::composite::{CompositeError, Ctx};

/// The two policies: name suffix, metric, and the target it tracks.
fn policies(a: &AutoscalingValue) -> [(&'static str, MetricType, i64); 2] {
    [
        (
            "cpu",
            MetricType::EcsServiceAverageCpuUtilization,
            a.cpu_target
                .as_option()
                .unwrap_or(super::DEFAULT_CPU_TARGET),
        ),
        (
            "memory",
            MetricType::EcsServiceAverageMemoryUtilization,
            a.memory_target
                .as_option()
                .unwrap_or(super::DEFAULT_MEMORY_TARGET),
        ),
    ]
}

fn resource_id(s: &SecureServiceState) -> String {
    format!("service/{}/{}", s.cluster_name(), s.name())
}

fn policy_name(s: &SecureServiceState, suffix: &str) -> String {
    format!("{}-{suffix}", s.name())
}

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building the scaling policy", e.to_string())
}

/// Register the scalable target and put both policies when `planned` asks for autoscaling and
/// it changed since `prior`; remove them when `planned` no longer asks.
pub async fn apply(
    ctx: &Ctx,
    prior: Option<&SecureServiceState>,
    planned: &SecureServiceState,
) -> Result<(), CompositeError> {
    if prior.is_some_and(|p| p.autoscaling == planned.autoscaling) {
        return Ok(());
    }
    let Value::Value(a) = &planned.autoscaling else {
        return match prior {
            Some(p) => delete(ctx, p).await,
            None => Ok(()),
        };
    };
    let aas = ctx.clients.application_autoscaling();
    let id = resource_id(planned);
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(a.min.as_option().unwrap_or(1) as i32)
        .max_capacity(a.max.as_option().unwrap_or(1) as i32)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Registering \"{id}\" for autoscaling"), &e))?;
    for (suffix, metric, target) in policies(a) {
        let name = policy_name(planned, suffix);
        let config = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(target as f64)
            .predefined_metric_specification(
                PredefinedMetricSpecification::builder()
                    .predefined_metric_type(metric)
                    .build()
                    .map_err(build_err)?,
            )
            .build()
            .map_err(build_err)?;
        aas.put_scaling_policy()
            .policy_name(&name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .policy_type(PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(config)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Putting scaling policy \"{name}\""), &e))?;
    }
    Ok(())
}

/// What autoscaling looks like: `None` inside when the service has none.
#[derive(Debug)]
pub struct Observed(Option<AutoscalingValue>);

impl Observed {
    /// Put the observation into the state.
    pub fn apply(self, s: &mut SecureServiceState) {
        s.autoscaling = match self.0 {
            Some(a) => Value::Value(a),
            None => Value::Null,
        };
    }
}

/// The service's scalable targets.
async fn scalable_targets(ctx: &Ctx, id: &str) -> Result<Vec<ScalableTarget>, CompositeError> {
    let out = ctx
        .clients
        .application_autoscaling()
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading autoscaling of \"{id}\""), &e))?;
    Ok(out.scalable_targets().to_vec())
}

/// The service's scaling policies.
async fn scaling_policies(ctx: &Ctx, id: &str) -> Result<Vec<ScalingPolicy>, CompositeError> {
    let out = ctx
        .clients
        .application_autoscaling()
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading scaling policies of \"{id}\""), &e))?;
    Ok(out.scaling_policies().to_vec())
}

/// Read the scalable target and the two policies' targets.
pub async fn read(ctx: &Ctx, s: &SecureServiceState) -> Result<Option<Observed>, CompositeError> {
    if !s.name.is_value() || !s.cluster.is_value() {
        return Ok(None);
    }
    let id = resource_id(s);
    let targets = scalable_targets(ctx, &id).await?;
    let Some(target) = targets
        .iter()
        .find(|t| t.scalable_dimension() == &ScalableDimension::EcsServiceDesiredCount)
    else {
        return Ok(Some(Observed(None)));
    };
    let mut a = AutoscalingValue {
        min: Value::Value(target.min_capacity() as i64),
        max: Value::Value(target.max_capacity() as i64),
        cpu_target: Value::Null,
        memory_target: Value::Null,
    };
    let found = scaling_policies(ctx, &id).await?;
    for p in &found {
        let Some(c) = p.target_tracking_scaling_policy_configuration() else {
            continue;
        };
        let metric = c
            .predefined_metric_specification()
            .map(|m| m.predefined_metric_type().clone());
        let value = Value::Value(c.target_value().round() as i64);
        match metric {
            Some(MetricType::EcsServiceAverageCpuUtilization) => a.cpu_target = value,
            Some(MetricType::EcsServiceAverageMemoryUtilization) => a.memory_target = value,
            _ => {}
        }
    }
    Ok(Some(Observed(Some(a))))
}

/// Delete the policies, then the scalable target: only what exists (implementations disagree
/// on the error for a missing one), tolerating what went in between.
pub async fn delete(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    if !s.name.is_value() || !s.cluster.is_value() || s.autoscaling.is_null() {
        return Ok(());
    }
    let aas = ctx.clients.application_autoscaling();
    let id = resource_id(s);
    let gone = |code: Option<String>| code.as_deref() == Some("ObjectNotFoundException");
    let found = scaling_policies(ctx, &id).await?;
    for policy in &found {
        let name = policy.policy_name();
        match aas
            .delete_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if gone(error_code(&e)) => {}
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Deleting scaling policy \"{name}\""),
                    &e,
                ))
            }
        }
    }
    let targets = scalable_targets(ctx, &id).await?;
    if targets.is_empty() {
        return Ok(());
    }
    match aas
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if gone(error_code(&e)) => Ok(()),
        Err(e) => Err(CompositeError::aws(
            format!("Removing autoscaling of \"{id}\""),
            &e,
        )),
    }
}

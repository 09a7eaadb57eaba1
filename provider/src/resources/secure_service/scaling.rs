//! Children `scalable_target`, `cpu_policy` and `memory_policy`: target-tracking autoscaling of
//! the service's desired count (seed 001: CPU 70 %, memory 80 %), only with `autoscaling`.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};

use super::{AutoscalingValue, SecureServiceState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};

/// The scalable target's resource id: `service/CLUSTER/NAME`.
fn resource_id(s: &SecureServiceState) -> String {
    format!("service/{}/{}", s.cluster_name(), s.name())
}

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building the scaling policy", e.to_string())
}

/// Whether the resource asks for autoscaling.
fn wanted(s: &SecureServiceState) -> bool {
    !s.autoscaling.is_null()
}

/// Record `f` into the autoscaling block (made when the state has none: import).
fn in_block(s: &mut SecureServiceState, f: impl FnOnce(&mut AutoscalingValue)) {
    match &mut s.autoscaling {
        Value::Value(a) => f(a),
        other => {
            let mut a = AutoscalingValue::default();
            f(&mut a);
            *other = Value::Value(a);
        }
    }
}

/// Errors meaning "there is no such target or policy" (implementations disagree on which).
fn missing(code: Option<String>) -> bool {
    matches!(
        code.as_deref(),
        Some("ObjectNotFoundException" | "ValidationException")
    )
}

/// Whether the scalable target exists.
async fn target_exists(ctx: &Ctx, id: &str) -> Result<Option<(i64, i64)>, CompositeError> {
    let out = ctx
        .clients
        .application_autoscaling()
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading autoscaling of \"{id}\""), &e))?;
    Ok(out
        .scalable_targets()
        .iter()
        .find(|t| t.resource_id() == id)
        .map(|t| (t.min_capacity() as i64, t.max_capacity() as i64)))
}

/// The service's scalable target.
pub struct ScalableTarget;

impl ScalableTarget {
    async fn register(
        ctx: &Ctx,
        s: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let a = s.scaling();
        let id = resource_id(s);
        let mut req = ctx
            .clients
            .application_autoscaling()
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(a.min.as_option().unwrap_or(1) as i32)
            .max_capacity(a.max.as_option().unwrap_or(1) as i32);
        // Tags apply when the target is first registered (a registration of an existing
        // target keeps its tags).
        for (k, v) in s.child_tags() {
            req = req.tags(k, v);
        }
        req.send().await.map_err(|e| {
            CompositeError::aws(format!("Registering \"{id}\" for autoscaling"), &e)
        })?;
        rec.record(|s| s.scalable_target_id = Value::Value(id));
        Ok(())
    }
}

#[async_trait]
impl ChildOps<SecureServiceState> for ScalableTarget {
    fn name(&self) -> &'static str {
        "scalable_target"
    }

    fn wanted(&self, state: &SecureServiceState) -> bool {
        wanted(state)
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        // Registration is idempotent: a target left by an interrupted create is taken over.
        Self::register(ctx, &rec.snapshot(), rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let id = resource_id(&rec.snapshot());
        let Some((min, max)) = target_exists(ctx, &id).await? else {
            return Ok(Found::Gone);
        };
        rec.record(|s| {
            in_block(s, |a| {
                a.min = Value::Value(min);
                a.max = Value::Value(max);
            })
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
        let range = |s: &SecureServiceState| {
            let a = s.scaling();
            (a.min, a.max)
        };
        if range(prior) != range(&planned) {
            Self::register(ctx, &planned, rec).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        let id = resource_id(state);
        // Only what exists (implementations disagree on the error for a missing one).
        if target_exists(ctx, &id).await?.is_none() {
            return Ok(());
        }
        match ctx
            .clients
            .application_autoscaling()
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if missing(error_code(&e)) => Ok(()),
            Err(e) => Err(CompositeError::aws(
                format!("Removing autoscaling of \"{id}\""),
                &e,
            )),
        }
    }
}

/// One of the two target-tracking policies.
pub struct Policy {
    /// The child's name.
    child: &'static str,
    /// The policy name's suffix (`NAME-cpu`).
    suffix: &'static str,
    metric: fn() -> MetricType,
}

impl Policy {
    /// Average CPU at `autoscaling.cpu_target`.
    pub const CPU: Policy = Policy {
        child: "cpu_policy",
        suffix: "cpu",
        metric: || MetricType::EcsServiceAverageCpuUtilization,
    };
    /// Average memory at `autoscaling.memory_target`.
    pub const MEMORY: Policy = Policy {
        child: "memory_policy",
        suffix: "memory",
        metric: || MetricType::EcsServiceAverageMemoryUtilization,
    };

    fn is_cpu(&self) -> bool {
        self.suffix == "cpu"
    }

    fn policy_name(&self, s: &SecureServiceState) -> String {
        format!("{}-{}", s.name(), self.suffix)
    }

    fn arn<'s>(&self, s: &'s mut SecureServiceState) -> &'s mut Value<String> {
        if self.is_cpu() {
            &mut s.cpu_policy_arn
        } else {
            &mut s.memory_policy_arn
        }
    }

    fn target(&self, s: &SecureServiceState) -> Value<i64> {
        let a = s.scaling();
        if self.is_cpu() {
            a.cpu_target
        } else {
            a.memory_target
        }
    }

    fn default_target(&self) -> i64 {
        if self.is_cpu() {
            super::DEFAULT_CPU_TARGET
        } else {
            super::DEFAULT_MEMORY_TARGET
        }
    }

    async fn put(
        &self,
        ctx: &Ctx,
        s: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let name = self.policy_name(s);
        let target = self.target(s).as_option().unwrap_or(self.default_target());
        let config = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(target as f64)
            .predefined_metric_specification(
                PredefinedMetricSpecification::builder()
                    .predefined_metric_type((self.metric)())
                    .build()
                    .map_err(build_err)?,
            )
            .build()
            .map_err(build_err)?;
        let out = ctx
            .clients
            .application_autoscaling()
            .put_scaling_policy()
            .policy_name(&name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(s))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .policy_type(PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(config)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Putting scaling policy \"{name}\""), &e))?;
        let arn = out.policy_arn().to_string();
        rec.record(|s| *self.arn(s) = Value::Value(arn));
        Ok(())
    }

    async fn find(
        &self,
        ctx: &Ctx,
        s: &SecureServiceState,
    ) -> Result<Option<ScalingPolicy>, CompositeError> {
        let name = self.policy_name(s);
        let id = resource_id(s);
        let out = ctx
            .clients
            .application_autoscaling()
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .policy_names(&name)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading scaling policy \"{name}\""), &e))?;
        Ok(out
            .scaling_policies()
            .iter()
            .find(|p| p.policy_name() == name)
            .cloned())
    }
}

#[async_trait]
impl ChildOps<SecureServiceState> for Policy {
    fn name(&self) -> &'static str {
        self.child
    }

    fn wanted(&self, state: &SecureServiceState) -> bool {
        wanted(state)
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        // Put is idempotent: a policy left by an interrupted create is taken over.
        self.put(ctx, &rec.snapshot(), rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let Some(policy) = self.find(ctx, &rec.snapshot()).await? else {
            return Ok(Found::Gone);
        };
        let target = policy
            .target_tracking_scaling_policy_configuration()
            .map(|c| c.target_value().round() as i64);
        let arn = policy.policy_arn().to_string();
        rec.record(|s| {
            *self.arn(s) = Value::Value(arn);
            if let Some(t) = target {
                in_block(s, |a| {
                    if self.is_cpu() {
                        a.cpu_target = Value::Value(t);
                    } else {
                        a.memory_target = Value::Value(t);
                    }
                });
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
        // A scalable target registered again keeps its policies; only a new target value
        // is put.
        if self.target(prior) != self.target(&planned) {
            self.put(ctx, &planned, rec).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        // Only what exists (implementations disagree on the error for a missing one).
        if self.find(ctx, state).await?.is_none() {
            return Ok(());
        }
        let name = self.policy_name(state);
        match ctx
            .clients
            .application_autoscaling()
            .delete_scaling_policy()
            .policy_name(&name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(state))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if missing(error_code(&e)) => Ok(()),
            Err(e) => Err(CompositeError::aws(
                format!("Deleting scaling policy \"{name}\""),
                &e,
            )),
        }
    }
}

/// On import: the scalable target and policies the service has (the table's read then fills
/// the `autoscaling` block from them).
pub async fn import_inputs(ctx: &Ctx, s: &mut SecureServiceState) -> Result<(), CompositeError> {
    let id = resource_id(s);
    if target_exists(ctx, &id).await?.is_none() {
        return Ok(());
    }
    s.scalable_target_id = Value::Value(id);
    in_block(s, |_| {});
    for p in [Policy::CPU, Policy::MEMORY] {
        if let Some(found) = p.find(ctx, s).await? {
            *p.arn(s) = Value::Value(found.policy_arn().to_string());
        }
    }
    Ok(())
}

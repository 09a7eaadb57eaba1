//! The ECS cluster child: create (or adopt an owned leftover), read with drift, reconcile
//! settings and tags, delete once its services are gone.

use crate::kinds::codes as code;
use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};

use super::ClusterState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership;
use crate::tf_value::{entries, map};

/// An active cluster as AWS describes it.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Its ARN.
    pub arn: String,
    /// Whether Container Insights is on.
    pub insights: bool,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// The active cluster named (or with ARN) `name`, if any.
pub async fn find(ctx: &Ctx, name: &str) -> Result<Option<Cluster>, CompositeError> {
    let out = ctx
        .clients
        .ecs()
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading ECS cluster \"{name}\""), &e))?;
    let Some(c) = out.clusters().iter().find(|c| c.status() == Some("ACTIVE")) else {
        return Ok(None);
    };
    let arn = c.cluster_arn().unwrap_or_default().to_string();
    // Tags through their own call: not every endpoint includes them in DescribeClusters.
    let tags = ctx
        .clients
        .ecs()
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Reading the tags of ECS cluster \"{name}\""), &e)
        })?
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect();
    Ok(Some(Cluster {
        arn,
        insights: c.settings().iter().any(|s| {
            s.name() == Some(&ClusterSettingName::ContainerInsights)
                && matches!(s.value(), Some("enabled") | Some("enhanced"))
        }),
        tags,
    }))
}

/// Record what exists: ARN, observed settings and tags (user tags are those that are not the
/// provider's default tags, unless the configuration names them).
pub fn record(rec: &Recorder<ClusterState>, found: &Cluster) {
    rec.record(|s| {
        s.arn = Value::Value(found.arn.clone());
        s.container_insights = Value::Value(found.insights);
    });
}

/// Record the cluster's tags: `tags_all` is what it carries apart from its owner tag. An owner
/// tag that is not this cluster's (changed or removed out of band: a later import would refuse
/// the cluster) stays in `tags_all` as found, or as an empty value when missing, so the next
/// plan shows it and the apply puts the right one back.
fn record_tags(rec: &Recorder<ClusterState>, ctx: &Ctx, found: &Cluster) {
    let mut all = found.tags.clone();
    let owner = rec.snapshot().owner();
    match all.get(ownership::OWNER_TAG) {
        Some(v) if *v == owner => {
            all.remove(ownership::OWNER_TAG);
        }
        Some(_) => {}
        None => {
            all.insert(ownership::OWNER_TAG.to_string(), String::new());
        }
    }
    let defaults = ctx.clients.default_tags();
    rec.record(|s| {
        let configured = entries(&s.tags);
        let user: BTreeMap<String, String> = all
            .iter()
            .filter(|(k, v)| defaults.get(*k) != Some(*v) || configured.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        s.tags = if user.is_empty() && !s.tags.is_value() {
            Value::Null
        } else {
            map(user)
        };
        s.tags_all = map(all.clone());
    });
}

fn insights_setting(on: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if on { "enabled" } else { "disabled" })
        .build()
}

/// Make the cluster's settings and tags what `want` says.
async fn converge(ctx: &Ctx, found: &Cluster, want: &ClusterState) -> Result<(), CompositeError> {
    let ecs = ctx.clients.ecs();
    let name = want.name();
    if found.insights != want.insights() {
        // UpdateCluster takes the settings as UpdateClusterSettings does (and moto 5.1 has only
        // UpdateCluster).
        ecs.update_cluster()
            .cluster(&found.arn)
            .settings(insights_setting(want.insights()))
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(
                    format!("Updating the settings of ECS cluster \"{name}\""),
                    &e,
                )
            })?;
    }
    // Tags follow what the cluster carries now (an adopted one may hold others).
    crate::kinds::tags::ecs(ctx, &found.arn, &found.tags, &want.child_tags()).await?;
    Ok(())
}

/// The cluster, as a row of the children table.
pub struct EcsCluster;

#[async_trait]
impl ChildOps<ClusterState> for EcsCluster {
    fn name(&self) -> &'static str {
        "cluster"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<ClusterState>) -> Result<(), CompositeError> {
        let want = rec.snapshot();
        let name = want.name().to_string();
        // An interrupted create may have left it: adopt it if it is ours, refuse it if not.
        if let Some(found) = find(ctx, &name).await? {
            let owned = ownership::owned(
                found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &want.owner(),
            );
            if !owned {
                return Err(ownership::not_ours(
                    &format!("ECS cluster \"{name}\""),
                    &want.owner(),
                ));
            }
            rec.record(|s| s.arn = Value::Value(found.arn.clone()));
            converge(ctx, &found, &want).await?;
            rec.record(|s| s.container_insights = Value::Value(want.insights()));
            return Ok(());
        }
        let out = ctx
            .clients
            .ecs()
            .create_cluster()
            .cluster_name(&name)
            .settings(insights_setting(want.insights()))
            .set_tags(Some(crate::kinds::tags::ecs_tags(&want.child_tags())))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating ECS cluster \"{name}\""), &e))?;
        let arn = out
            .cluster()
            .and_then(|c| c.cluster_arn())
            .unwrap_or_default()
            .to_string();
        rec.record(|s| s.arn = Value::Value(arn));
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<ClusterState>) -> Result<Found, CompositeError> {
        let state = rec.snapshot();
        let Some(arn) = state.arn.as_option() else {
            return Ok(Found::Gone);
        };
        match find(ctx, &arn).await? {
            None => Ok(Found::Gone),
            Some(found) => {
                record(rec, &found);
                record_tags(rec, ctx, &found);
                Ok(Found::Present)
            }
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        _prior: &ClusterState,
        rec: &Recorder<ClusterState>,
    ) -> Result<(), CompositeError> {
        let want = rec.snapshot();
        let Some(arn) = want.arn.clone().as_option() else {
            return Ok(());
        };
        let Some(found) = find(ctx, &arn).await? else {
            return Err(CompositeError::new(
                format!("ECS cluster \"{}\" is gone", want.name()),
                "It was deleted while this apply ran; apply again to create it.",
            ));
        };
        converge(ctx, &found, &want).await
    }

    async fn delete(&self, ctx: &Ctx, state: &ClusterState) -> Result<(), CompositeError> {
        let Some(arn) = state.arn.clone().as_option() else {
            return Ok(());
        };
        let name = state.name().to_string();
        // Services being drained by their own destroy keep the cluster busy for a while.
        retry(
            &ctx.deadline,
            &format!("deleting ECS cluster \"{name}\""),
            RetryPolicy::default(),
            || {
                let ecs = ctx.clients.ecs();
                let arn = arn.clone();
                let name = name.clone();
                async move {
                    match ecs.delete_cluster().cluster(&arn).send().await {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let err =
                                CompositeError::aws(format!("Deleting ECS cluster \"{name}\""), &e);
                            match error_code(&e).as_deref() {
                                Some(code::ecs::CLUSTER_NOT_FOUND_EXCEPTION) => Ok(()),
                                Some(code::ecs::CLUSTER_CONTAINS_SERVICES_EXCEPTION)
                                | Some(code::ecs::CLUSTER_CONTAINS_TASKS_EXCEPTION)
                                | Some(code::ecs::UPDATE_IN_PROGRESS_EXCEPTION) => {
                                    Err(Attempt::Retry(err))
                                }
                                _ => Err(Attempt::Fail(err)),
                            }
                        }
                    }
                }
            },
        )
        .await
    }
}

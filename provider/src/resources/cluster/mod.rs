//! `blueprint_cluster`: the ECS cluster of seed 001's services, on the children table (one
//! child, [`ecs_cluster::EcsCluster`]).

mod ecs_cluster;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::kinds::ownership;
use crate::tf_value::{entries, known, StringMap};
use blueprint_declarations::composites::cluster as declaration;

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterState {
    /// The cluster name.
    pub id: Value<String>,
    /// Cluster name.
    pub name: Value<String>,
    /// `dev` or `prod`.
    pub profile: Value<String>,
    /// Container Insights on.
    pub container_insights: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Cluster ARN.
    pub arn: Value<String>,
}

impl ClusterState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    fn owner(&self) -> String {
        ownership::owner("blueprint_cluster", self.name())
    }
    /// `tags_all` and the owner tag: what the cluster carries.
    fn child_tags(&self) -> BTreeMap<String, String> {
        ownership::with_owner(&entries(&self.tags_all), &self.owner())
    }
    fn insights(&self) -> bool {
        self.container_insights.as_option().unwrap_or(false)
    }
}

/// Container Insights follows the profile unless set.
fn derive(planned: &mut ClusterState) {
    if planned.container_insights.is_null() {
        planned.container_insights = match &planned.profile {
            Value::Value(p) => Value::Value(p == "prod"),
            _ => Value::Unknown,
        };
    }
    if planned.name.is_value() {
        planned.id = planned.name.clone();
    }
}

/// The composite.
pub struct Cluster;

#[async_trait]
impl Composite for Cluster {
    type State = ClusterState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![Box::new(ecs_cluster::EcsCluster)]
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        _clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) {
        derive(planned);
        planned.arn = Value::Unknown;
    }

    fn plan_update(
        &self,
        _prior: &Self::State,
        planned: &mut Self::State,
        _clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        // A profile change with `container_insights` unset moves insights along.
        derive(planned);
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        let state = ClusterState {
            id: Value::Value(id.to_string()),
            name: Value::Value(id.to_string()),
            ..ClusterState::default()
        };
        let found = ecs_cluster::find(ctx, id).await?.ok_or_else(|| {
            CompositeError::new(
                format!("Cannot import ECS cluster \"{id}\""),
                "No active ECS cluster has this name in the provider's region.",
            )
        })?;
        if !ownership::owned(
            found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &state.owner(),
        ) {
            return Err(ownership::not_ours(
                &format!("ECS cluster \"{id}\""),
                &state.owner(),
            ));
        }
        // The rest is what a read records (settings, tags apart from the provider's defaults);
        // the profile is not stored in AWS: the one Container Insights implies.
        let state = ClusterState {
            arn: Value::Value(found.arn.clone()),
            profile: Value::Value(if found.insights { "prod" } else { "dev" }.to_string()),
            ..state
        };
        let read = self.read(ctx, state).await?;
        read.ok_or_else(|| {
            CompositeError::new(
                format!("Cannot import ECS cluster \"{id}\""),
                "It disappeared while being imported.",
            )
        })
    }
}

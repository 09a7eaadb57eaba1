//! A declared setting of a composite's child changed out of band, by the child's plain
//! Terraform type (`kind`) and id, and whether the change is still there: the generic check's
//! drift steps (seen in the plan, repaired by apply, next plan empty) use these.

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_ec2::types::AttributeBooleanValue;
use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};

use super::AwsProbe;

/// One out-of-band change. Values taken from the composite's state name the state attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `aws_route_table`: a route from `destination` to the internet gateway whose id the
    /// state attribute `gateway_attr` holds.
    RouteToGateway {
        /// The destination CIDR block (IPv4 or IPv6).
        destination: &'static str,
        /// The state attribute holding the internet gateway's id.
        gateway_attr: &'static str,
    },
    /// `aws_subnet`: `MapPublicIpOnLaunch` set to the value (on every subnet of the row).
    MapPublicIpOnLaunch(bool),
    /// `aws_lambda_function`: an environment variable added (or changed).
    LambdaVariable {
        /// Its name.
        key: &'static str,
        /// Its value.
        value: &'static str,
    },
    /// `aws_lambda_function`: the timeout, in seconds.
    LambdaTimeout(i32),
    /// `aws_lambda_function`: the memory, in MB.
    LambdaMemory(i32),
    /// `aws_ecs_cluster`: Container Insights on or off.
    ContainerInsights(bool),
    /// `aws_ecs_cluster`: a tag set to a value (the owner tag of another owner...).
    EcsTag {
        /// The key.
        key: &'static str,
        /// The value.
        value: &'static str,
    },
}

impl Change {
    /// A value the change writes that may be a secret (an environment value): it must never
    /// reach the plan or the state.
    pub fn secret(&self) -> Option<&'static str> {
        match self {
            Change::LambdaVariable { value, .. } => Some(value),
            _ => None,
        }
    }

    /// What the change is, for messages.
    pub fn describe(&self) -> String {
        match self {
            Change::RouteToGateway {
                destination,
                gateway_attr,
            } => format!("route {destination} to the gateway in `{gateway_attr}` added"),
            Change::MapPublicIpOnLaunch(on) => format!("MapPublicIpOnLaunch set to {on}"),
            Change::LambdaVariable { key, .. } => format!("environment variable {key} added"),
            Change::LambdaTimeout(t) => format!("timeout set to {t} s"),
            Change::LambdaMemory(m) => format!("memory set to {m} MB"),
            Change::ContainerInsights(on) => format!("Container Insights set to {on}"),
            Change::EcsTag { key, value } => format!("tag {key} set to {value:?}"),
        }
    }
}

fn attr<'v>(state: &'v serde_json::Value, name: &str) -> Result<&'v str> {
    state[name]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| anyhow!("state attribute `{name}` is not a string: {}", state[name]))
}

/// The ids of a child whose id attribute lists several (`a,b,c`, see
/// [`crate::composite_case::ChildRef::id_in`]).
fn each(id: &str) -> Vec<String> {
    id.split(',').map(str::to_string).collect()
}

impl AwsProbe {
    /// Make `change` to the child `kind` with id `id` (the first of several, or every one for
    /// a subnet row), out of band. `state`: the composite's state values.
    pub async fn drift_child(
        &self,
        kind: &str,
        id: &str,
        change: &Change,
        state: &serde_json::Value,
    ) -> Result<()> {
        let first = each(id).into_iter().next().unwrap_or_default();
        match (kind, change) {
            (
                "aws_route_table",
                Change::RouteToGateway {
                    destination,
                    gateway_attr,
                },
            ) => {
                let gateway = attr(state, gateway_attr)?;
                let call = self
                    .ec2()
                    .create_route()
                    .route_table_id(&first)
                    .gateway_id(gateway);
                let call = if destination.contains(':') {
                    call.destination_ipv6_cidr_block(*destination)
                } else {
                    call.destination_cidr_block(*destination)
                };
                call.send().await.context("CreateRoute")?;
            }
            ("aws_subnet", Change::MapPublicIpOnLaunch(on)) => {
                for subnet in each(id) {
                    self.ec2()
                        .modify_subnet_attribute()
                        .subnet_id(&subnet)
                        .map_public_ip_on_launch(
                            AttributeBooleanValue::builder().value(*on).build(),
                        )
                        .send()
                        .await
                        .context("ModifySubnetAttribute")?;
                }
            }
            ("aws_lambda_function", c) => {
                let lambda = aws_sdk_lambda::Client::new(&self.config);
                let mut call = lambda.update_function_configuration().function_name(&first);
                match c {
                    Change::LambdaVariable { key, value } => {
                        let now = lambda
                            .get_function_configuration()
                            .function_name(&first)
                            .send()
                            .await
                            .context("GetFunctionConfiguration")?;
                        let mut vars = now
                            .environment()
                            .and_then(|e| e.variables())
                            .cloned()
                            .unwrap_or_default();
                        vars.insert(key.to_string(), value.to_string());
                        call = call.environment(
                            aws_sdk_lambda::types::Environment::builder()
                                .set_variables(Some(vars))
                                .build(),
                        );
                    }
                    Change::LambdaTimeout(t) => call = call.timeout(*t),
                    Change::LambdaMemory(m) => call = call.memory_size(*m),
                    other => bail!("{} does not apply to {kind}", other.describe()),
                }
                call.send().await.context("UpdateFunctionConfiguration")?;
            }
            ("aws_ecs_cluster", Change::ContainerInsights(on)) => {
                self.ecs()
                    .update_cluster()
                    .cluster(&first)
                    .settings(
                        ClusterSetting::builder()
                            .name(ClusterSettingName::ContainerInsights)
                            .value(if *on { "enabled" } else { "disabled" })
                            .build(),
                    )
                    .send()
                    .await
                    .context("UpdateCluster")?;
            }
            ("aws_ecs_cluster", Change::EcsTag { key, value }) => {
                let arn = self.ecs_cluster_arn(&first).await?;
                self.ecs()
                    .tag_resource()
                    .resource_arn(arn)
                    .tags(
                        aws_sdk_ecs::types::Tag::builder()
                            .key(*key)
                            .value(*value)
                            .build(),
                    )
                    .send()
                    .await
                    .context("TagResource")?;
            }
            (kind, change) => bail!("{} does not apply to {kind}", change.describe()),
        }
        Ok(())
    }

    /// Whether `change` (made by [`AwsProbe::drift_child`]) is still there.
    pub async fn drift_present(
        &self,
        kind: &str,
        id: &str,
        change: &Change,
        state: &serde_json::Value,
    ) -> Result<bool> {
        let first = each(id).into_iter().next().unwrap_or_default();
        Ok(match (kind, change) {
            (
                "aws_route_table",
                Change::RouteToGateway {
                    destination,
                    gateway_attr,
                },
            ) => {
                let gateway = attr(state, gateway_attr)?;
                let out = self
                    .ec2()
                    .describe_route_tables()
                    .route_table_ids(&first)
                    .send()
                    .await
                    .context("DescribeRouteTables")?;
                out.route_tables().iter().flat_map(|t| t.routes()).any(|r| {
                    r.gateway_id() == Some(gateway)
                        && (r.destination_cidr_block() == Some(destination)
                            || r.destination_ipv6_cidr_block() == Some(destination))
                })
            }
            ("aws_subnet", Change::MapPublicIpOnLaunch(on)) => {
                let out = self
                    .ec2()
                    .describe_subnets()
                    .set_subnet_ids(Some(each(id)))
                    .send()
                    .await
                    .context("DescribeSubnets")?;
                out.subnets()
                    .iter()
                    .any(|s| s.map_public_ip_on_launch() == Some(*on))
            }
            ("aws_lambda_function", c) => {
                let now = aws_sdk_lambda::Client::new(&self.config)
                    .get_function_configuration()
                    .function_name(&first)
                    .send()
                    .await
                    .context("GetFunctionConfiguration")?;
                match c {
                    Change::LambdaVariable { key, value } => now
                        .environment()
                        .and_then(|e| e.variables())
                        .and_then(|v| v.get(*key))
                        .is_some_and(|v| v.as_str() == *value),
                    Change::LambdaTimeout(t) => now.timeout() == Some(*t),
                    Change::LambdaMemory(m) => now.memory_size() == Some(*m),
                    other => bail!("{} does not apply to {kind}", other.describe()),
                }
            }
            ("aws_ecs_cluster", Change::ContainerInsights(on)) => {
                let out = self
                    .ecs()
                    .describe_clusters()
                    .clusters(&first)
                    .include(ClusterField::Settings)
                    .send()
                    .await
                    .context("DescribeClusters")?;
                let enabled = out.clusters().iter().flat_map(|c| c.settings()).any(|s| {
                    s.name() == Some(&ClusterSettingName::ContainerInsights)
                        && s.value() != Some("disabled")
                });
                enabled == *on
            }
            ("aws_ecs_cluster", Change::EcsTag { key, value }) => {
                let arn = self.ecs_cluster_arn(&first).await?;
                let out = self
                    .ecs()
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
                    .await
                    .context("ListTagsForResource")?;
                out.tags()
                    .iter()
                    .any(|t| t.key() == Some(*key) && t.value() == Some(*value))
            }
            (kind, change) => bail!("{} does not apply to {kind}", change.describe()),
        })
    }

    /// The `DbClusterResourceId` of DB cluster `id`: it tells a cluster from one made again
    /// under the same identifier.
    pub async fn rds_cluster_resource_id(&self, id: &str) -> Result<String> {
        let out = aws_sdk_rds::Client::new(&self.config)
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .context("DescribeDBClusters")?;
        out.db_clusters()
            .first()
            .and_then(|c| c.db_cluster_resource_id())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("DB cluster {id} has no resource id"))
    }

    async fn ecs_cluster_arn(&self, id: &str) -> Result<String> {
        let out = self
            .ecs()
            .describe_clusters()
            .clusters(id)
            .send()
            .await
            .context("DescribeClusters")?;
        out.clusters()
            .first()
            .and_then(|c| c.cluster_arn())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("ECS cluster {id} not found"))
    }
}

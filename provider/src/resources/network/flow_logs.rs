//! VPC flow logs: the log group, the role flow logs write with (that log group only) and the
//! flow log itself, when flow logs are on.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType};

use super::ec2::{failed, filter, tag, tag_spec};
use super::NetworkState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::iam_role;
use crate::kinds::ownership::{not_ours, owned, OWNER_TAG};
use crate::tf_value::known;
use crate::types::arn::Arn;

/// The service flow logs assume the role as.
pub const FLOW_LOGS_SERVICE: &str = "vpc-flow-logs.amazonaws.com";
/// The inline policy's name.
pub const POLICY_NAME: &str = "write-flow-logs";

/// The inline policy: write to `group_arn` (the log group's ARN, without `:*`) and its streams.
pub fn policy(group_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [group_arn, format!("{group_arn}:*")],
        }],
    })
    .to_string()
}

/// The log group's ARN, from the role's ARN (same partition and account).
fn group_arn(ctx: &Ctx, s: &NetworkState) -> Result<String, CompositeError> {
    let role: Arn = known(&s.flow_log_role_arn)
        .unwrap_or_default()
        .parse()
        .map_err(|e: crate::types::arn::ArnError| {
            CompositeError::new("Reading the flow log role's ARN", e.to_string())
        })?;
    Ok(Arn {
        partition: role.partition,
        service: "logs".into(),
        region: ctx.clients.region(),
        account: role.account,
        resource: format!("log-group:{}", s.flow_log_group()),
    }
    .to_string())
}

/// The flow log group.
pub struct LogGroup;

async fn group_tags(ctx: &Ctx, name: &str) -> Result<BTreeMap<String, String>, CompositeError> {
    #[allow(deprecated)]
    let out = ctx
        .clients
        .logs()
        .list_tags_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of \"{name}\""), &e))?;
    Ok(out
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

#[async_trait]
impl ChildOps<NetworkState> for LogGroup {
    fn name(&self) -> &'static str {
        "flow_log_group"
    }

    fn wanted(&self, s: &NetworkState) -> bool {
        s.flow_logs_on()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = s.flow_log_group();
        let logs = ctx.clients.logs();
        let tags = s.base_tags();
        let made = logs
            .create_log_group()
            .log_group_name(&name)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await;
        match made {
            Ok(_) => {}
            Err(e) if error_code(&e).as_deref() == Some("ResourceAlreadyExistsException") => {
                let have = group_tags(ctx, &name).await?;
                let owner = s.owner();
                if !owned(have.iter().map(|(k, v)| (k.as_str(), v.as_str())), &owner) {
                    return Err(not_ours(&format!("log group \"{name}\""), &owner));
                }
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating log group \"{name}\""),
                    &e,
                ))
            }
        }
        rec.record(|st| st.flow_log_group_name = Value::Value(name.clone()));
        let days = s
            .flow_log_retention_days
            .as_option()
            .unwrap_or(blueprint_declarations::composites::network::DEFAULT_RETENTION);
        logs.put_retention_policy()
            .log_group_name(&name)
            .retention_in_days(i32::try_from(days).unwrap_or(90))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Setting the retention of \"{name}\""), &e))?;
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let name = known(&s.flow_log_group_name)
            .unwrap_or_default()
            .to_string();
        let out = ctx
            .clients
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(&name)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading log group \"{name}\""), &e))?;
        let Some(group) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name.as_str()))
        else {
            return Ok(Found::Gone);
        };
        // Retention as it is: a difference shows in the next plan, and apply sets it again.
        let days = group.retention_in_days().map(i64::from);
        rec.record(|st| {
            st.flow_log_retention_days = days.map_or(Value::Null, Value::Value);
        });
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let name = now.flow_log_group();
        if prior.tags_all != now.tags_all {
            let logs = ctx.clients.logs();
            let want = now.base_tags();
            let removed = crate::kinds::tags::removed_keys(&prior.base_tags(), &want);
            #[allow(deprecated)]
            if !removed.is_empty() {
                logs.untag_log_group()
                    .log_group_name(&name)
                    .set_tags(Some(removed))
                    .send()
                    .await
                    .map_err(|e| CompositeError::aws(format!("Untagging \"{name}\""), &e))?;
            }
            #[allow(deprecated)]
            logs.tag_log_group()
                .log_group_name(&name)
                .set_tags(Some(want.into_iter().collect()))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging \"{name}\""), &e))?;
        }
        self.create(ctx, rec).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        let name = known(&s.flow_log_group_name).unwrap_or_default();
        done_unless_gone(
            ctx.clients
                .logs()
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await,
            "ResourceNotFoundException",
            format!("Deleting log group \"{name}\""),
        )
    }
}

/// The role flow logs write with.
pub struct Role;

#[async_trait]
impl ChildOps<NetworkState> for Role {
    fn name(&self) -> &'static str {
        "flow_log_role"
    }

    fn wanted(&self, s: &NetworkState) -> bool {
        s.flow_logs_on()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = s.flow_log_role();
        let arn = iam_role::create(
            ctx,
            &name,
            FLOW_LOGS_SERVICE,
            &format!("VPC flow logs of blueprint_network {}", s.name()),
            &s.base_tags(),
        )
        .await?;
        rec.record(|st| {
            st.flow_log_role_name = Value::Value(name.clone());
            st.flow_log_role_arn = Value::Value(arn.clone());
        });
        let doc = policy(&group_arn(ctx, &rec.snapshot())?);
        iam_role::put_inline(ctx, &name, POLICY_NAME, &doc).await
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let name = known(&s.flow_log_role_name)
            .map(str::to_string)
            .unwrap_or_else(|| s.flow_log_role());
        let Some(observed) = iam_role::read(ctx, &name).await? else {
            return Ok(Found::Gone);
        };
        let want: BTreeMap<String, String> = [(
            POLICY_NAME.to_string(),
            iam_role::canonical_document(&policy(&group_arn(ctx, &s)?)),
        )]
        .into();
        // Policies not as wanted (a failed put, a change out of band): the role stays recorded
        // (its ARN) but its name is cleared, so the next plan shows it and apply puts them.
        if observed.inline != want || !observed.attached.is_empty() {
            rec.record(|st| st.flow_log_role_name = Value::Null);
        }
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        if prior.tags_all != now.tags_all {
            crate::kinds::tags::iam_role(
                ctx,
                &now.flow_log_role(),
                &prior.base_tags(),
                &now.base_tags(),
            )
            .await?;
        }
        self.create(ctx, rec).await?;
        let now = rec.snapshot();
        if let Some(have) = iam_role::read(ctx, &now.flow_log_role()).await? {
            let inline: BTreeMap<String, String> =
                [(POLICY_NAME.to_string(), policy(&group_arn(ctx, &now)?))].into();
            iam_role::converge(ctx, &now.flow_log_role(), &have, &inline, &[]).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        let name = known(&s.flow_log_role_name)
            .map(str::to_string)
            .unwrap_or_else(|| s.flow_log_role());
        iam_role::delete(ctx, &name).await
    }
}

/// The VPC's flow log.
pub struct FlowLog;

#[async_trait]
impl ChildOps<NetworkState> for FlowLog {
    fn name(&self) -> &'static str {
        "flow_log"
    }

    fn wanted(&self, s: &NetworkState) -> bool {
        s.flow_logs_on()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let ec2 = ctx.clients.ec2();
        let group = s.flow_log_group();
        let found = ec2
            .describe_flow_logs()
            .filter(filter("resource-id", [s.vpc()]))
            .send()
            .await
            .map_err(failed("Looking for the VPC's flow log"))?;
        let owner = s.owner();
        let existing = found.flow_logs().iter().find(|f| {
            f.log_group_name() == Some(group.as_str())
                && tag(f.tags(), OWNER_TAG) == Some(owner.as_str())
        });
        let id = match existing.and_then(|f| f.flow_log_id()) {
            Some(id) => id.to_string(),
            None => {
                let out = ec2
                    .create_flow_logs()
                    .resource_type(FlowLogsResourceType::Vpc)
                    .resource_ids(s.vpc())
                    .traffic_type(TrafficType::All)
                    .log_destination_type(LogDestinationType::CloudWatchLogs)
                    .log_group_name(&group)
                    .deliver_logs_permission_arn(known(&s.flow_log_role_arn).unwrap_or_default())
                    .tag_specifications(tag_spec(
                        ResourceType::VpcFlowLog,
                        &s.child_tags("flow-logs"),
                    ))
                    .send()
                    .await
                    .map_err(failed(format!("Creating the flow log of \"{}\"", s.vpc())))?;
                if let Some(u) = out.unsuccessful().first() {
                    return Err(CompositeError::new(
                        format!("Creating the flow log of \"{}\"", s.vpc()),
                        u.error()
                            .and_then(|e| e.message())
                            .unwrap_or("refused without a reason")
                            .to_string(),
                    ));
                }
                out.flow_log_ids().first().cloned().unwrap_or_default()
            }
        };
        rec.record(|st| st.flow_log_id = Value::Value(id.clone()));
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<NetworkState>) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let id = known(&s.flow_log_id).unwrap_or_default().to_string();
        let out = ctx
            .clients
            .ec2()
            .describe_flow_logs()
            .filter(filter("flow-log-id", [id.clone()]))
            .send()
            .await
            .map_err(failed(format!("Reading flow log \"{id}\"")))?;
        Ok(
            if out
                .flow_logs()
                .iter()
                .any(|f| f.flow_log_id() == Some(id.as_str()))
            {
                Found::Present
            } else {
                Found::Gone
            },
        )
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &NetworkState,
        rec: &Recorder<NetworkState>,
    ) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let id: Vec<String> = known(&now.flow_log_id)
            .map(str::to_string)
            .into_iter()
            .collect();
        super::ec2::retag(ctx, &id, prior, &now).await
    }

    async fn delete(&self, ctx: &Ctx, s: &NetworkState) -> Result<(), CompositeError> {
        let id = known(&s.flow_log_id).unwrap_or_default();
        done_unless_gone(
            ctx.clients
                .ec2()
                .delete_flow_logs()
                .flow_log_ids(id)
                .send()
                .await,
            "InvalidFlowLogId.NotFound",
            format!("Deleting flow log \"{id}\""),
        )
    }
}

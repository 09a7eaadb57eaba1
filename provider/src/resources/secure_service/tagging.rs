//! Every child follows `tags_all`: a tag changed on the resource is changed, and a removed one
//! removed, on the service, the task definition, the target group, the listener rule, the
//! security group, both roles and the log group.

use tf_provider::value::Value;

use super::policies::{EXECUTION, TASK};
use super::SecureServiceState;
use crate::children::tags::{self, removed_keys};
use crate::composite::{CompositeError, Ctx};

/// Retag every existing child from `prior.tags_all` to `planned.tags_all`.
pub async fn retag(
    ctx: &Ctx,
    prior: &SecureServiceState,
    planned: &SecureServiceState,
) -> Result<(), CompositeError> {
    let (old, want) = (prior.tags_all_map(), planned.tags_all_map());
    let removed = removed_keys(&old, &want);
    let ecs = ctx.clients.ecs();
    for arn in [&prior.service_arn, &prior.task_definition_arn]
        .into_iter()
        .filter_map(Value::as_ref_option)
    {
        if !removed.is_empty() {
            ecs.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed.clone()))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Untagging \"{arn}\""), &e))?;
        }
        if !want.is_empty() {
            let t: Vec<aws_sdk_ecs::types::Tag> = want
                .iter()
                .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
                .collect();
            ecs.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(t))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging \"{arn}\""), &e))?;
        }
    }
    let elb_arns: Vec<String> = [&prior.target_group_arn, &prior.listener_rule_arn]
        .into_iter()
        .filter_map(|v| v.as_ref_option().cloned())
        .collect();
    if !elb_arns.is_empty() {
        let elb = ctx.clients.elbv2();
        if !removed.is_empty() {
            elb.remove_tags()
                .set_resource_arns(Some(elb_arns.clone()))
                .set_tag_keys(Some(removed.clone()))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Untagging {elb_arns:?}"), &e))?;
        }
        if !want.is_empty() {
            let t: Vec<aws_sdk_elasticloadbalancingv2::types::Tag> = want
                .iter()
                .map(|(k, v)| {
                    aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                })
                .collect();
            elb.add_tags()
                .set_resource_arns(Some(elb_arns.clone()))
                .set_tags(Some(t))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging {elb_arns:?}"), &e))?;
        }
    }
    if let Value::Value(sg) = &prior.security_group_id {
        tags::ec2(ctx, std::slice::from_ref(sg), &old, &want).await?;
    }
    for (kind, arn) in [
        (EXECUTION, &prior.execution_role_arn),
        (TASK, &prior.task_role_arn),
    ] {
        if arn.is_value() {
            tags::iam_role(ctx, &prior.role_name(kind), &old, &want).await?;
        }
    }
    if let (Value::Value(group), Some(scope)) = (&prior.log_group_name, prior.scope()) {
        let arn = format!(
            "arn:{}:logs:{}:{}:log-group:{group}",
            scope.partition, scope.region, scope.account
        );
        let logs = ctx.clients.logs();
        if !removed.is_empty() {
            logs.untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed.clone()))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Untagging log group \"{group}\""), &e))?;
        }
        if !want.is_empty() {
            logs.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(want.clone().into_iter().collect()))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging log group \"{group}\""), &e))?;
        }
    }
    Ok(())
}

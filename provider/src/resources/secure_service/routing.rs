//! The log group, the target group (type `ip`, with the health check) and the listener rule
//! that routes the service's paths on the shared ALB.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Matcher, PathPatternConditionConfig, ProtocolEnum, RuleCondition,
    RulePriorityPair, Tag, TargetTypeEnum,
};
use tf_provider::value::Value;

use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::{delete_retrying, done_unless_gone, CompositeError, Ctx, Recorder};
use crate::tf_value::{known, list, strings};

fn elb_tags(s: &SecureServiceState) -> Vec<Tag> {
    s.tags_all_map()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The log group with its retention.
pub async fn create_log_group(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let name = planned.log_group();
    let logs = ctx.clients.logs();
    logs.create_log_group()
        .log_group_name(&name)
        .set_tags(Some(planned.tags_all_map().into_iter().collect()))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Creating log group \"{name}\""), &e))?;
    rec.record(|s| s.log_group_name = Value::Value(name.clone()));
    put_retention(ctx, planned).await
}

async fn put_retention(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    let name = s.log_group();
    let days = s
        .log_retention_days
        .as_option()
        .unwrap_or(super::DEFAULT_LOG_RETENTION_DAYS);
    ctx.clients
        .logs()
        .put_retention_policy()
        .log_group_name(&name)
        .retention_in_days(days as i32)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Setting retention of \"{name}\""), &e))?;
    Ok(())
}

/// The target group of type `ip` on the container port.
pub async fn create_target_group(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let name = planned.target_group_name();
    let out = ctx
        .clients
        .elbv2()
        .create_target_group()
        .name(&name)
        .protocol(ProtocolEnum::Http)
        .port(planned.port() as i32)
        .vpc_id(known(&planned.vpc_id).unwrap_or_default())
        .target_type(TargetTypeEnum::Ip)
        .health_check_enabled(true)
        .health_check_path(
            known(&planned.health_check_path).unwrap_or(super::DEFAULT_HEALTH_CHECK_PATH),
        )
        .matcher(Matcher::builder().http_code("200-399").build())
        .set_tags(Some(elb_tags(planned)))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Creating target group \"{name}\""), &e))?;
    let arn = out
        .target_groups()
        .first()
        .and_then(|t| t.target_group_arn())
        .unwrap_or_default()
        .to_string();
    rec.record(|s| s.target_group_arn = Value::Value(arn));
    Ok(())
}

fn path_condition(paths: Vec<String>) -> RuleCondition {
    RuleCondition::builder()
        .field("path-pattern")
        .path_pattern_config(
            PathPatternConditionConfig::builder()
                .set_values(Some(paths))
                .build(),
        )
        .build()
}

/// The listener rule forwarding the service's paths to its target group.
pub async fn create_rule(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let listener = known(&planned.listener_arn).unwrap_or_default();
    let tg = known(&planned.target_group_arn).unwrap_or_default();
    let out = ctx
        .clients
        .elbv2()
        .create_rule()
        .listener_arn(listener)
        .priority(planned.priority.as_option().unwrap_or(1) as i32)
        .conditions(path_condition(strings(&planned.path_patterns)))
        .actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg)
                .build(),
        )
        .set_tags(Some(elb_tags(planned)))
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Creating the listener rule on \"{listener}\""), &e)
        })?;
    let arn = out
        .rules()
        .first()
        .and_then(|r| r.rule_arn())
        .unwrap_or_default()
        .to_string();
    rec.record(|s| s.listener_rule_arn = Value::Value(arn));
    Ok(())
}

/// What the log group, target group and rule look like.
#[derive(Debug, Default)]
pub struct Observed {
    /// Retention of the log group; `None` when it is gone.
    log_retention: Option<Option<i64>>,
    /// Health check path of the target group; `None` when it is gone.
    health_check_path: Option<Option<String>>,
    /// Priority and path patterns of the rule; `None` when it is gone.
    rule: Option<(Option<i64>, Vec<String>)>,
}

impl Observed {
    /// Put the observation into the state.
    pub fn apply(self, s: &mut SecureServiceState) {
        match self.log_retention {
            Some(days) => {
                if let Some(d) = days {
                    s.log_retention_days = Value::Value(d);
                }
            }
            None => s.log_group_name = Value::Null,
        }
        match self.health_check_path {
            Some(path) => {
                if let Some(p) = path {
                    s.health_check_path = Value::Value(p);
                }
            }
            None => s.target_group_arn = Value::Null,
        }
        match self.rule {
            Some((priority, paths)) => {
                if let Some(p) = priority {
                    s.priority = Value::Value(p);
                }
                let mut have = strings(&s.path_patterns);
                let mut got = paths.clone();
                have.sort();
                got.sort();
                // Same patterns in another order are no change.
                if have != got {
                    s.path_patterns = list(paths);
                }
            }
            None => s.listener_rule_arn = Value::Null,
        }
    }
}

/// Read the log group, the target group and the rule.
pub async fn read(ctx: &Ctx, s: &SecureServiceState) -> Result<Option<Observed>, CompositeError> {
    let mut out = Observed::default();
    if let Value::Value(name) = &s.log_group_name {
        let groups = ctx
            .clients
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading log group \"{name}\""), &e))?;
        out.log_retention = groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
            .map(|g| g.retention_in_days().map(i64::from));
    } else {
        out.log_retention = Some(None);
    }
    let elb = ctx.clients.elbv2();
    if let Value::Value(tg) = &s.target_group_arn {
        match elb
            .describe_target_groups()
            .target_group_arns(tg)
            .send()
            .await
        {
            Ok(o) => {
                out.health_check_path = o
                    .target_groups()
                    .first()
                    .map(|t| t.health_check_path().map(str::to_string))
            }
            Err(e) if error_code(&e).as_deref() == Some("TargetGroupNotFound") => {}
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading target group \"{tg}\""),
                    &e,
                ))
            }
        }
    } else {
        out.health_check_path = Some(None);
    }
    if let Value::Value(rule) = &s.listener_rule_arn {
        match elb.describe_rules().rule_arns(rule).send().await {
            Ok(o) => {
                out.rule = o.rules().first().map(|r| {
                    let priority = r.priority().and_then(|p| p.parse().ok());
                    let paths = r
                        .conditions()
                        .iter()
                        .filter(|c| c.field() == Some("path-pattern"))
                        .flat_map(|c| match c.path_pattern_config() {
                            Some(p) => p.values().to_vec(),
                            None => c.values().to_vec(),
                        })
                        .collect();
                    (priority, paths)
                })
            }
            Err(e) if error_code(&e).as_deref() == Some("RuleNotFound") => {}
            Err(e) => return Err(CompositeError::aws(format!("Reading rule \"{rule}\""), &e)),
        }
    } else {
        out.rule = Some((None, strings(&s.path_patterns)));
    }
    Ok(Some(out))
}

/// Repair and change in place: health check path, retention, the rule (made again when gone).
pub async fn reconcile(
    ctx: &Ctx,
    prior: &SecureServiceState,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let elb = ctx.clients.elbv2();
    if prior.health_check_path != planned.health_check_path {
        let tg = known(&prior.target_group_arn).unwrap_or_default();
        elb.modify_target_group()
            .target_group_arn(tg)
            .health_check_path(known(&planned.health_check_path).unwrap_or_default())
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Changing the health check of \"{tg}\""), &e)
            })?;
    }
    if prior.log_group_name.is_null() {
        // Deleted out of band: the plan showed it coming back.
        create_log_group(ctx, planned, rec).await?;
    } else if prior.log_retention_days != planned.log_retention_days {
        put_retention(ctx, planned).await?;
    }
    let Value::Value(rule) = &prior.listener_rule_arn else {
        return create_rule(ctx, planned, rec).await;
    };
    if prior.priority != planned.priority {
        elb.set_rule_priorities()
            .rule_priorities(
                RulePriorityPair::builder()
                    .rule_arn(rule)
                    .priority(planned.priority.as_option().unwrap_or(1) as i32)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Changing the priority of \"{rule}\""), &e))?;
    }
    if prior.path_patterns != planned.path_patterns {
        elb.modify_rule()
            .rule_arn(rule)
            .conditions(path_condition(strings(&planned.path_patterns)))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Changing the paths of \"{rule}\""), &e))?;
    }
    Ok(())
}

/// On import: the target group's VPC, and the listener rule forwarding to it.
pub async fn import_inputs(ctx: &Ctx, s: &mut SecureServiceState) -> Result<(), CompositeError> {
    let Value::Value(tg) = s.target_group_arn.clone() else {
        return Ok(());
    };
    let elb = ctx.clients.elbv2();
    let out = elb
        .describe_target_groups()
        .target_group_arns(&tg)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading target group \"{tg}\""), &e))?;
    let Some(group) = out.target_groups().first() else {
        return Ok(());
    };
    s.vpc_id = group
        .vpc_id()
        .map(|v| Value::Value(v.to_string()))
        .unwrap_or(Value::Null);
    for lb in group.load_balancer_arns() {
        let listeners = elb
            .describe_listeners()
            .load_balancer_arn(lb)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Listing listeners of \"{lb}\""), &e))?;
        for listener in listeners.listeners() {
            let Some(larn) = listener.listener_arn() else {
                continue;
            };
            let rules = elb
                .describe_rules()
                .listener_arn(larn)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Listing rules of \"{larn}\""), &e))?;
            let found = rules.rules().iter().find(|r| {
                !r.is_default().unwrap_or(false)
                    && r.actions()
                        .iter()
                        .any(|a| a.target_group_arn() == Some(tg.as_str()))
            });
            if let Some(rule) = found {
                s.listener_arn = Value::Value(larn.to_string());
                s.listener_rule_arn = rule
                    .rule_arn()
                    .map(|r| Value::Value(r.to_string()))
                    .unwrap_or(Value::Null);
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Delete the listener rule.
pub async fn delete_rule(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    let Value::Value(rule) = &s.listener_rule_arn else {
        return Ok(());
    };
    done_unless_gone(
        ctx.clients
            .elbv2()
            .delete_rule()
            .rule_arn(rule)
            .send()
            .await,
        "RuleNotFound",
        format!("Deleting listener rule \"{rule}\""),
    )
}

/// Delete the target group, retrying while a rule still forwards to it.
pub async fn delete_target_group(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    let Value::Value(tg) = &s.target_group_arn else {
        return Ok(());
    };
    let elb = ctx.clients.elbv2();
    delete_retrying(
        &ctx.deadline,
        &format!("target group \"{tg}\""),
        "TargetGroupNotFound",
        "ResourceInUse",
        || elb.delete_target_group().target_group_arn(tg).send(),
    )
    .await
}

/// Delete the log group.
pub async fn delete_log_group(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    let Value::Value(name) = &s.log_group_name else {
        return Ok(());
    };
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

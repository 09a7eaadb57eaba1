//! Child `listener_rule`: `path_patterns` at `priority` on the shared ALB's listener, forwarded
//! to the service's target group.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, PathPatternConditionConfig, RuleCondition, RulePriorityPair,
};

use super::tagging::{elb_owned, elb_tags};
use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::not_ours;
use crate::tf_value::{known, list, strings};

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

fn forward(s: &SecureServiceState) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(known(&s.target_group_arn).unwrap_or_default())
        .build()
}

fn priority(s: &SecureServiceState) -> i32 {
    s.priority.as_option().unwrap_or(1) as i32
}

/// Make rule `rule` route the planned paths to the planned target group.
async fn modify(ctx: &Ctx, rule: &str, s: &SecureServiceState) -> Result<(), CompositeError> {
    ctx.clients
        .elbv2()
        .modify_rule()
        .rule_arn(rule)
        .conditions(path_condition(strings(&s.path_patterns)))
        .actions(forward(s))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Changing listener rule \"{rule}\""), &e))?;
    Ok(())
}

/// The rule at the planned priority on the listener (`PriorityInUse`): adopted when it is this
/// service's (left by an interrupted create), refused otherwise.
async fn adopt(ctx: &Ctx, planned: &SecureServiceState) -> Result<String, CompositeError> {
    let listener = known(&planned.listener_arn).unwrap_or_default();
    let want = priority(planned).to_string();
    let what = format!("listener rule at priority {want} on \"{listener}\"");
    let rules = ctx
        .clients
        .elbv2()
        .describe_rules()
        .listener_arn(listener)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing rules of \"{listener}\""), &e))?;
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.priority() == Some(want.as_str()))
        .and_then(|r| r.rule_arn())
        .map(str::to_string);
    match rule {
        Some(rule) if elb_owned(ctx, &rule, &planned.owner()).await? => Ok(rule),
        _ => Err(not_ours(&what, &planned.owner())),
    }
}

/// The service's listener rule.
pub struct ListenerRule;

#[async_trait]
impl ChildOps<SecureServiceState> for ListenerRule {
    fn name(&self) -> &'static str {
        "listener_rule"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let listener = known(&planned.listener_arn).unwrap_or_default();
        let sent = ctx
            .clients
            .elbv2()
            .create_rule()
            .listener_arn(listener)
            .priority(priority(&planned))
            .conditions(path_condition(strings(&planned.path_patterns)))
            .actions(forward(&planned))
            .set_tags(Some(elb_tags(&planned.child_tags())))
            .send()
            .await;
        match sent {
            Ok(out) => {
                let arn = out
                    .rules()
                    .first()
                    .and_then(|r| r.rule_arn())
                    .unwrap_or_default()
                    .to_string();
                rec.record(|s| s.listener_rule_arn = Value::Value(arn));
                Ok(())
            }
            Err(e) if error_code(&e).as_deref() == Some("PriorityInUse") => {
                let rule = adopt(ctx, &planned).await?;
                rec.record(|s| s.listener_rule_arn = Value::Value(rule.clone()));
                modify(ctx, &rule, &planned).await
            }
            Err(e) => Err(CompositeError::aws(
                format!("Creating the listener rule on \"{listener}\""),
                &e,
            )),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let rule = known(&s.listener_rule_arn).unwrap_or_default();
        let out = match ctx
            .clients
            .elbv2()
            .describe_rules()
            .rule_arns(rule)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if error_code(&e).as_deref() == Some("RuleNotFound") => return Ok(Found::Gone),
            Err(e) => return Err(CompositeError::aws(format!("Reading rule \"{rule}\""), &e)),
        };
        let Some(r) = out.rules().first() else {
            return Ok(Found::Gone);
        };
        let priority: Option<i64> = r.priority().and_then(|p| p.parse().ok());
        let paths: Vec<String> = r
            .conditions()
            .iter()
            .filter(|c| c.field() == Some("path-pattern"))
            .flat_map(|c| match c.path_pattern_config() {
                Some(p) => p.values().to_vec(),
                None => c.values().to_vec(),
            })
            .collect();
        rec.record(|s| {
            if let Some(p) = priority {
                s.priority = Value::Value(p);
            }
            let (mut have, mut got) = (strings(&s.path_patterns), paths.clone());
            have.sort();
            got.sort();
            // Same patterns in another order are no change.
            if have != got {
                s.path_patterns = list(paths);
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
        let rule = known(&planned.listener_rule_arn).unwrap_or_default();
        if prior.priority != planned.priority {
            ctx.clients
                .elbv2()
                .set_rule_priorities()
                .rule_priorities(
                    RulePriorityPair::builder()
                        .rule_arn(rule)
                        .priority(priority(&planned))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Changing the priority of \"{rule}\""), &e)
                })?;
        }
        // New paths, or a target group made again.
        if prior.path_patterns != planned.path_patterns
            || prior.target_group_arn != planned.target_group_arn
        {
            modify(ctx, rule, &planned).await?;
        }
        if planned.tags_changed(prior) {
            super::tagging::elb(ctx, rule, &prior.child_tags(), &planned.child_tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        let Some(rule) = known(&state.listener_rule_arn) else {
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
}

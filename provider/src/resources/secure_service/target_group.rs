//! Child `target_group`: `NAME-tg`, type `ip`, HTTP on the container port, with the health
//! check.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Matcher, ProtocolEnum, TargetTypeEnum};

use super::tagging::{elb_owned, elb_tags};
use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::not_ours;
use crate::tf_value::known;

fn health_check_path(s: &SecureServiceState) -> &str {
    known(&s.health_check_path).unwrap_or(super::DEFAULT_HEALTH_CHECK_PATH)
}

async fn set_health_check(
    ctx: &Ctx,
    tg: &str,
    s: &SecureServiceState,
) -> Result<(), CompositeError> {
    ctx.clients
        .elbv2()
        .modify_target_group()
        .target_group_arn(tg)
        .health_check_path(health_check_path(s))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Changing the health check of \"{tg}\""), &e))?;
    Ok(())
}

/// The ARN of the target group named `name`, if there is one.
async fn find(ctx: &Ctx, name: &str) -> Result<Option<String>, CompositeError> {
    match ctx
        .clients
        .elbv2()
        .describe_target_groups()
        .names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .target_groups()
            .first()
            .and_then(|t| t.target_group_arn())
            .map(str::to_string)),
        Err(e) if error_code(&e).as_deref() == Some("TargetGroupNotFound") => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading target group \"{name}\""),
            &e,
        )),
    }
}

/// The service's target group.
pub struct TargetGroup;

#[async_trait]
impl ChildOps<SecureServiceState> for TargetGroup {
    fn name(&self) -> &'static str {
        "target_group"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let name = planned.target_group_name();
        // CreateTargetGroup returns an existing group of the same name and settings as if it
        // made it: look first, adopt one left by an interrupted create of this service, refuse
        // one that is not its own.
        if let Some(arn) = find(ctx, &name).await? {
            if !elb_owned(ctx, &arn, &planned.owner()).await? {
                return Err(not_ours(
                    &format!("target group \"{name}\""),
                    &planned.owner(),
                ));
            }
            rec.record(|s| s.target_group_arn = Value::Value(arn.clone()));
            return set_health_check(ctx, &arn, &planned).await;
        }
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
            .health_check_path(health_check_path(&planned))
            .matcher(Matcher::builder().http_code("200-399").build())
            .set_tags(Some(elb_tags(&planned.child_tags())))
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

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let tg = known(&s.target_group_arn).unwrap_or_default();
        let out = match ctx
            .clients
            .elbv2()
            .describe_target_groups()
            .target_group_arns(tg)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if error_code(&e).as_deref() == Some("TargetGroupNotFound") => {
                return Ok(Found::Gone)
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading target group \"{tg}\""),
                    &e,
                ))
            }
        };
        let Some(group) = out.target_groups().first() else {
            return Ok(Found::Gone);
        };
        if let Some(path) = group.health_check_path() {
            let path = path.to_string();
            rec.record(|s| s.health_check_path = Value::Value(path));
        }
        Ok(Found::Present)
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let tg = known(&planned.target_group_arn).unwrap_or_default();
        if prior.health_check_path != planned.health_check_path {
            set_health_check(ctx, tg, &planned).await?;
        }
        if planned.tags_changed(prior) {
            super::tagging::elb(ctx, tg, &prior.child_tags(), &planned.child_tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        let Some(tg) = known(&state.target_group_arn) else {
            return Ok(());
        };
        // Retried while a rule still forwards to it.
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

//! Child `security_group`: `NAME-service`, whose only ingress rule admits the ALB's group on the
//! container port.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::SecureServiceState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::security_group::{self, converge, Direction};
use crate::tf_value::{known, list, strings};
use crate::types::sg_rule::{from_permissions, parse_all, to_strings, Source};

fn tag_spec(state: &SecureServiceState, name: &str) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(ResourceType::SecurityGroup);
    let mut tags = state.child_tags();
    tags.entry("Name".to_string())
        .or_insert_with(|| name.to_string());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The service's security group.
pub struct SecurityGroup;

#[async_trait]
impl ChildOps<SecureServiceState> for SecurityGroup {
    fn name(&self) -> &'static str {
        "security_group"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let name = planned.sg_name();
        let vpc = known(&planned.vpc_id).unwrap_or_default().to_string();
        let ec2 = ctx.clients.ec2();
        let sent = ec2
            .create_security_group()
            .group_name(&name)
            .description(format!(
                "blueprint_secure_service {}: only from the ALB",
                planned.name()
            ))
            .vpc_id(&vpc)
            .tag_specifications(tag_spec(&planned, &name))
            .send()
            .await;
        let (sg, have) = match sent {
            Ok(out) => (out.group_id().unwrap_or_default().to_string(), Vec::new()),
            // Made by an earlier, interrupted create of this service: adopt it, rules as
            // they are.
            Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") => {
                let out = ec2
                    .describe_security_groups()
                    .filters(filter("group-name", &name))
                    .filters(filter("vpc-id", &vpc))
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Reading security group \"{name}\""), &e)
                    })?;
                let owner = planned.owner();
                match out.security_groups().first() {
                    Some(g)
                        if owned(
                            g.tags().iter().map(|t| {
                                (t.key().unwrap_or_default(), t.value().unwrap_or_default())
                            }),
                            &owner,
                        ) =>
                    {
                        (
                            g.group_id().unwrap_or_default().to_string(),
                            from_permissions(g.ip_permissions()),
                        )
                    }
                    _ => return Err(not_ours(&format!("security group \"{name}\""), &owner)),
                }
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating security group \"{name}\""),
                    &e,
                ))
            }
        };
        rec.record(|s| {
            s.security_group_id = Value::Value(sg.clone());
            s.ingress_rules = list(to_strings(&have));
        });
        let want = planned.desired_ingress();
        converge(ctx, &sg, Direction::Ingress, &have, &want).await?;
        rec.record(|s| s.ingress_rules = list(to_strings(&want)));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let sg = known(&s.security_group_id).unwrap_or_default();
        match security_group::read(ctx, sg).await? {
            Some(observed) => {
                rec.record(|s| s.ingress_rules = list(to_strings(&observed.ingress)));
                Ok(Found::Present)
            }
            None => Ok(Found::Gone),
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &SecureServiceState,
        rec: &Recorder<SecureServiceState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let sg = known(&planned.security_group_id)
            .unwrap_or_default()
            .to_string();
        // Rules added out of band go; the ALB's rule comes back if it went.
        let want = planned.desired_ingress();
        let have = parse_all(&strings(&prior.ingress_rules));
        converge(ctx, &sg, Direction::Ingress, &have, &want).await?;
        rec.record(|s| s.ingress_rules = list(to_strings(&want)));
        if planned.tags_changed(prior) {
            crate::kinds::tags::ec2(
                ctx,
                std::slice::from_ref(&sg),
                &prior.child_tags(),
                &planned.child_tags(),
            )
            .await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &SecureServiceState) -> Result<(), CompositeError> {
        // Retried while the tasks' network interfaces still hold it.
        match known(&state.security_group_id) {
            Some(sg) => security_group::delete(ctx, sg).await,
            None => Ok(()),
        }
    }
}

/// On import: the ALB's group is the source of the rule on the container port.
pub fn import_inputs(s: &mut SecureServiceState) {
    let port = s.port();
    let source = parse_all(&strings(&s.ingress_rules))
        .into_iter()
        .find_map(|r| match r.source {
            Source::Group(g) if r.admits_tcp(port as i32) && r.from == r.to => Some(g),
            _ => None,
        });
    s.alb_security_group_id = source.map(Value::Value).unwrap_or(Value::Null);
}

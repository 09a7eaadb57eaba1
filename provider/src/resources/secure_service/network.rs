//! The service's security group: its only ingress rule admits the ALB's group on the
//! container port.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use tf_provider::value::Value;

use super::SecureServiceState;
use crate::children::security_group::{self, change_rules, converge, Direction};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::tf_value::{known, list, strings};
use crate::types::sg_rule::{parse_all, to_strings, Source};

fn tag_spec(state: &SecureServiceState, name: &str) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(ResourceType::SecurityGroup);
    let mut tags = state.tags_all_map();
    tags.entry("Name".to_string())
        .or_insert_with(|| name.to_string());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

/// Create the group and its one rule.
pub async fn create(
    ctx: &Ctx,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let name = planned.sg_name();
    let vpc = known(&planned.vpc_id).unwrap_or_default();
    let out = ctx
        .clients
        .ec2()
        .create_security_group()
        .group_name(&name)
        .description(format!(
            "blueprint_secure_service {}: only from the ALB",
            planned.name()
        ))
        .vpc_id(vpc)
        .tag_specifications(tag_spec(planned, &name))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Creating security group \"{name}\""), &e))?;
    let sg = out.group_id().unwrap_or_default().to_string();
    rec.record(|s| {
        s.security_group_id = Value::Value(sg.clone());
        s.ingress_rules = list(Vec::new());
    });
    let rules = planned.desired_ingress();
    change_rules(ctx, &sg, Direction::Ingress, true, &rules).await?;
    rec.record(|s| s.ingress_rules = list(to_strings(&rules)));
    Ok(())
}

/// What the group looks like: `None` when it is gone.
#[derive(Debug)]
pub struct Observed(Option<Vec<crate::types::sg_rule::SgRule>>);

impl Observed {
    /// Put the observation into the state.
    pub fn apply(self, s: &mut SecureServiceState) {
        match self.0 {
            Some(ingress) => s.ingress_rules = list(to_strings(&ingress)),
            None => s.security_group_id = Value::Null,
        }
    }
}

/// Read the group's ingress rules.
pub async fn read(ctx: &Ctx, s: &SecureServiceState) -> Result<Option<Observed>, CompositeError> {
    let Value::Value(sg) = &s.security_group_id else {
        return Ok(None);
    };
    let observed = security_group::read(ctx, sg).await?;
    Ok(Some(Observed(observed.map(|o| o.ingress))))
}

/// Remove rules added out of band; add the ALB's rule if it is missing or changed.
pub async fn reconcile(
    ctx: &Ctx,
    prior: &SecureServiceState,
    planned: &SecureServiceState,
    rec: &Recorder<SecureServiceState>,
) -> Result<(), CompositeError> {
    let Value::Value(sg) = &prior.security_group_id else {
        return Ok(());
    };
    let want = planned.desired_ingress();
    converge(
        ctx,
        sg,
        Direction::Ingress,
        &parse_all(&strings(&prior.ingress_rules)),
        &want,
    )
    .await?;
    rec.record(|s| s.ingress_rules = list(to_strings(&want)));
    Ok(())
}

/// Delete the group, retrying while the tasks' network interfaces still hold it.
pub async fn delete(ctx: &Ctx, s: &SecureServiceState) -> Result<(), CompositeError> {
    match &s.security_group_id {
        Value::Value(sg) => security_group::delete(ctx, sg).await,
        _ => Ok(()),
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

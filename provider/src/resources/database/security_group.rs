//! The security group `NAME-db`: TCP 5432 from each allowed security group, nothing from a
//! CIDR, no egress (a database answers; it does not call out).

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::security_group::{self, all_egress, change_rules, converge, Direction};
use crate::tf_value::{known, list, strings};
use crate::types::sg_rule::{parse_all, to_strings, Source};

/// The security group child.
pub struct SecurityGroup;

fn tag_spec(s: &DatabaseState) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(ResourceType::SecurityGroup);
    for (k, v) in with_name(s) {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

fn with_name(s: &DatabaseState) -> std::collections::BTreeMap<String, String> {
    let mut t = s.child_tags();
    t.entry("Name".to_string()).or_insert_with(|| s.sg_name());
    t
}

/// The group an interrupted create of this resource left, by name in the VPC.
async fn adopt(ctx: &Ctx, s: &DatabaseState) -> Result<String, CompositeError> {
    let name = s.sg_name();
    let out = ctx
        .clients
        .ec2()
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(&name).build())
        .filters(
            Filter::builder()
                .name("vpc-id")
                .values(known(&s.vpc_id).unwrap_or_default())
                .build(),
        )
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading security group \"{name}\""), &e))?;
    let owner = s.owner();
    match out.security_groups().first() {
        Some(g)
            if owned(
                g.tags()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                &owner,
            ) =>
        {
            Ok(g.group_id().unwrap_or_default().to_string())
        }
        _ => Err(not_ours(&format!("security group \"{name}\""), &owner)),
    }
}

#[async_trait]
impl ChildOps<DatabaseState> for SecurityGroup {
    fn name(&self) -> &'static str {
        "security_group"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = s.sg_name();
        let sent = ctx
            .clients
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(format!(
                "blueprint_database {}: PostgreSQL from the allowed security groups only",
                s.name()
            ))
            .vpc_id(known(&s.vpc_id).unwrap_or_default())
            .tag_specifications(tag_spec(&s))
            .send()
            .await;
        let (sg, adopted) = match sent {
            Ok(out) => (out.group_id().unwrap_or_default().to_string(), false),
            Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") => {
                (adopt(ctx, &s).await?, true)
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating security group \"{name}\""),
                    &e,
                ))
            }
        };
        rec.record(|r| {
            r.security_group_id = Value::Value(sg.clone());
            r.ingress_rules = list(Vec::new());
        });
        let want = s.desired_ingress();
        if adopted {
            // As an interrupted create left it: converge both sides.
            let have = security_group::read(ctx, &sg).await?;
            let (ingress, egress) = have.map(|o| (o.ingress, o.egress)).unwrap_or_default();
            converge(ctx, &sg, Direction::Ingress, &ingress, &want).await?;
            converge(ctx, &sg, Direction::Egress, &egress, &[]).await?;
        } else {
            change_rules(ctx, &sg, Direction::Egress, false, &[all_egress()]).await?;
            change_rules(ctx, &sg, Direction::Ingress, true, &want).await?;
        }
        rec.record(|r| r.ingress_rules = list(to_strings(&want)));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(sg) = known(&s.security_group_id) else {
            return Ok(Found::Gone);
        };
        match security_group::read(ctx, sg).await? {
            Some(o) => {
                rec.record(|r| r.ingress_rules = list(to_strings(&o.ingress)));
                Ok(Found::Present)
            }
            None => Ok(Found::Gone),
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DatabaseState,
        rec: &Recorder<DatabaseState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let Some(sg) = known(&s.security_group_id).map(str::to_string) else {
            return Ok(());
        };
        let want = s.desired_ingress();
        let have = parse_all(&strings(&prior.ingress_rules));
        if have != want {
            converge(ctx, &sg, Direction::Ingress, &have, &want).await?;
            rec.record(|r| r.ingress_rules = list(to_strings(&want)));
        }
        if with_name(prior) != with_name(&s) {
            crate::kinds::tags::ec2(ctx, &[sg], &with_name(prior), &with_name(&s)).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        match known(&state.security_group_id) {
            Some(sg) => security_group::delete(ctx, sg).await,
            None => Ok(()),
        }
    }
}

/// On import: the groups admitted on 5432 are the allowed ones.
pub fn import_inputs(s: &mut DatabaseState) {
    let groups: Vec<String> = parse_all(&strings(&s.ingress_rules))
        .into_iter()
        .filter_map(|r| match r.source {
            Source::Group(g)
                if r.admits_tcp(super::PORT as i32)
                    && known(&s.client_security_group_id) != Some(g.as_str()) =>
            {
                Some(g)
            }
            _ => None,
        })
        .collect();
    s.allowed_security_group_ids = list(groups);
}

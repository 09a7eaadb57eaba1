//! The client security group `NAME-db-client`: no rules of its own (the default egress is
//! revoked); the database's group admits 5432 from it, so whatever carries it (a service's tasks)
//! reaches the database without the database having to know the clients.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::security_group::{self, all_egress, change_rules};
use crate::tf_value::known;

/// The client security group child.
pub struct ClientSecurityGroup;

fn group_name(s: &DatabaseState) -> String {
    format!("{}-db-client", s.name())
}

fn tags(s: &DatabaseState) -> std::collections::BTreeMap<String, String> {
    let mut t = s.child_tags();
    t.entry("Name".to_string()).or_insert_with(|| group_name(s));
    t
}

/// The client group of this resource in its VPC, by name, if it exists and is ours.
pub async fn find(ctx: &Ctx, s: &DatabaseState) -> Result<Option<String>, CompositeError> {
    let name = group_name(s);
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
    let Some(g) = out.security_groups().first() else {
        return Ok(None);
    };
    let ours = owned(
        g.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
        &s.owner(),
    );
    if !ours {
        return Err(not_ours(&format!("security group \"{name}\""), &s.owner()));
    }
    Ok(g.group_id().map(str::to_string))
}

#[async_trait]
impl ChildOps<DatabaseState> for ClientSecurityGroup {
    fn name(&self) -> &'static str {
        "client_security_group"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = group_name(&s);
        let mut spec = TagSpecification::builder().resource_type(ResourceType::SecurityGroup);
        for (k, v) in tags(&s) {
            spec = spec.tags(Tag::builder().key(k).value(v).build());
        }
        let sent = ctx
            .clients
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(format!(
                "blueprint_database {}: members reach the database on 5432",
                s.name()
            ))
            .vpc_id(known(&s.vpc_id).unwrap_or_default())
            .tag_specifications(spec.build())
            .send()
            .await;
        let sg = match sent {
            Ok(out) => out.group_id().unwrap_or_default().to_string(),
            // An interrupted create left it: adopt it if it is ours.
            Err(e) if error_code(&e).as_deref() == Some("InvalidGroup.Duplicate") => {
                find(ctx, &s).await?.ok_or_else(|| {
                    CompositeError::new(
                        format!("Security group \"{name}\" is in the way"),
                        "It exists but cannot be read back; delete it and apply again.",
                    )
                })?
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating security group \"{name}\""),
                    &e,
                ))
            }
        };
        rec.record(|r| r.client_security_group_id = Value::Value(sg.clone()));
        // Revoking what is not there is tolerated, so an adopted group converges too.
        change_rules(
            ctx,
            &sg,
            security_group::Direction::Egress,
            false,
            &[all_egress()],
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(sg) = known(&s.client_security_group_id) else {
            return Ok(Found::Gone);
        };
        Ok(match security_group::read(ctx, sg).await? {
            Some(_) => Found::Present,
            None => Found::Gone,
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DatabaseState,
        rec: &Recorder<DatabaseState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let Some(sg) = known(&s.client_security_group_id).map(str::to_string) else {
            return Ok(());
        };
        if tags(prior) != tags(&s) {
            crate::kinds::tags::ec2(ctx, &[sg], &tags(prior), &tags(&s)).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        match known(&state.client_security_group_id) {
            Some(sg) => security_group::delete(ctx, sg).await,
            None => Ok(()),
        }
    }
}

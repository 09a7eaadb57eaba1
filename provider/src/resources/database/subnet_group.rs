//! The DB subnet group `NAME`: the database subnets.

use crate::tf::Value;
use async_trait::async_trait;

use super::rds::{self, tag_map};
use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::tf_value::{known, list, strings};

const GONE: &str = "DBSubnetGroupNotFoundFault";

/// The subnet group child.
pub struct SubnetGroup;

/// What AWS says about the group: ARN, VPC and subnets; `None` when it does not exist.
async fn describe(
    ctx: &Ctx,
    name: &str,
) -> Result<Option<(String, String, Vec<String>)>, CompositeError> {
    match ctx
        .clients
        .rds()
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_subnet_groups().first().map(|g| {
            let mut subnets: Vec<String> = g
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier().map(str::to_string))
                .collect();
            subnets.sort();
            (
                g.db_subnet_group_arn().unwrap_or_default().to_string(),
                g.vpc_id().unwrap_or_default().to_string(),
                subnets,
            )
        })),
        Err(e) if error_code(&e).as_deref() == Some(GONE) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading DB subnet group \"{name}\""),
            &e,
        )),
    }
}

#[async_trait]
impl ChildOps<DatabaseState> for SubnetGroup {
    fn name(&self) -> &'static str {
        "subnet_group"
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = s.name().to_string();
        let want = s.child_tags();
        let sent = ctx
            .clients
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(format!("blueprint_database {name}"))
            .set_subnet_ids(Some(strings(&s.subnet_ids)))
            .set_tags(Some(rds::tags(&want)))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            Err(e) if error_code(&e).as_deref() == Some("DBSubnetGroupAlreadyExists") => {
                let mut found = None;
                if let Some((arn, _, _)) = describe(ctx, &name).await? {
                    found = ctx
                        .clients
                        .rds()
                        .list_tags_for_resource()
                        .resource_name(&arn)
                        .send()
                        .await
                        .ok()
                        .map(|t| tag_map(t.tag_list()));
                }
                rds::adopt(
                    &format!("DB subnet group \"{name}\""),
                    found.as_ref(),
                    &want,
                )?;
                rec.record(|s| s.db_subnet_group_name = Value::Value(name.clone()));
                // Adopted as it is: bring its subnets to the plan.
                return ctx
                    .clients
                    .rds()
                    .modify_db_subnet_group()
                    .db_subnet_group_name(&name)
                    .set_subnet_ids(Some(strings(&s.subnet_ids)))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        CompositeError::aws(format!("Updating DB subnet group \"{name}\""), &e)
                    });
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating DB subnet group \"{name}\""),
                    &e,
                ))
            }
        }
        rec.record(|s| s.db_subnet_group_name = Value::Value(name));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(name) = known(&s.db_subnet_group_name) else {
            return Ok(Found::Gone);
        };
        Ok(match describe(ctx, name).await? {
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
        let Some(name) = known(&s.db_subnet_group_name).map(str::to_string) else {
            return Ok(());
        };
        let mut want = strings(&s.subnet_ids);
        want.sort();
        let mut had = strings(&prior.subnet_ids);
        had.sort();
        if want != had {
            ctx.clients
                .rds()
                .modify_db_subnet_group()
                .db_subnet_group_name(&name)
                .set_subnet_ids(Some(want))
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Updating DB subnet group \"{name}\""), &e)
                })?;
        }
        if prior.child_tags() != s.child_tags() {
            if let Some((arn, _, _)) = describe(ctx, &name).await? {
                rds::retag(ctx, &arn, &prior.child_tags(), &s.child_tags()).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        let Some(name) = known(&state.db_subnet_group_name) else {
            return Ok(());
        };
        let rds = ctx.clients.rds();
        delete_retrying(
            &ctx.deadline,
            &format!("DB subnet group \"{name}\""),
            GONE,
            "InvalidDBSubnetGroupStateFault",
            || {
                rds.delete_db_subnet_group()
                    .db_subnet_group_name(name)
                    .send()
            },
        )
        .await
    }
}

/// On import: the VPC and subnets from the group.
pub async fn import_inputs(ctx: &Ctx, s: &mut DatabaseState) -> Result<(), CompositeError> {
    let Some(name) = known(&s.db_subnet_group_name).map(str::to_string) else {
        return Ok(());
    };
    if let Some((_, vpc, subnets)) = describe(ctx, &name).await? {
        s.vpc_id = Value::Value(vpc);
        s.subnet_ids = list(subnets);
    }
    Ok(())
}

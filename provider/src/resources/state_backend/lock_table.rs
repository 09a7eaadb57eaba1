//! Child `lock_table` (only with DynamoDB locking): `LockID` string hash key, on-demand billing,
//! encrypted, point-in-time recovery.

use std::time::Duration;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    ScalarAttributeType, SseSpecification, SseType, TableStatus, Tag,
};

use super::StateBackendState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};

/// The hash key Terraform's S3 backend writes its locks under.
pub const LOCK_KEY: &str = "LockID";

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building a DynamoDB request", e.to_string())
}

/// Create the table, record it, wait until it is active, then set point-in-time recovery.
pub async fn create(
    ctx: &Ctx,
    planned: &StateBackendState,
    rec: &Recorder<StateBackendState>,
) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let table = planned.table_name();
    let mut sse = SseSpecification::builder().enabled(true);
    if let Value::Value(k) = &planned.kms_key_arn {
        sse = sse.sse_type(SseType::Kms).kms_master_key_id(k);
    }
    let mut req = ddb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(LOCK_KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_err)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(LOCK_KEY)
                .key_type(KeyType::Hash)
                .build()
                .map_err(build_err)?,
        )
        .sse_specification(sse.build());
    for (k, v) in planned.child_tags() {
        req = req.tags(Tag::builder().key(k).value(v).build().map_err(build_err)?);
    }
    match req.send().await {
        Ok(out) => {
            if let Some(arn) = out.table_description().and_then(|d| d.table_arn()) {
                let arn = arn.to_string();
                rec.record(|s| s.lock_table_arn = Value::Value(arn));
            }
        }
        // A table of this name: adopted when an interrupted create of this resource left it,
        // refused otherwise.
        Err(e) if error_code(&e).as_deref() == Some("ResourceInUseException") => {
            let arn = adopt(ctx, planned).await?;
            rec.record(|s| s.lock_table_arn = Value::Value(arn));
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Creating lock table \"{table}\""),
                &e,
            ))
        }
    }
    wait_active(ctx, &table).await?;
    set_pitr(ctx, planned).await?;
    Ok(())
}

/// The ARN of the existing table when it carries this resource's owner tag; else the error
/// naming it and how to import it.
async fn adopt(ctx: &Ctx, planned: &StateBackendState) -> Result<String, CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let table = planned.table_name();
    let out = ddb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Describing \"{table}\""), &e))?;
    let arn = out
        .table()
        .and_then(|t| t.table_arn())
        .unwrap_or_default()
        .to_string();
    let tags = ddb
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing tags of \"{table}\""), &e))?;
    if owned(
        tags.tags().iter().map(|t| (t.key(), t.value())),
        &planned.owner(),
    ) {
        return Ok(arn);
    }
    let mut err = not_ours(&format!("DynamoDB table \"{table}\""), &planned.owner());
    err.detail.push_str(" To manage it with this resource, import it: `terraform import ADDR BUCKET,TABLE`; or choose another lock_table.");
    Err(err)
}

async fn wait_active(ctx: &Ctx, table: &str) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let policy = RetryPolicy {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(5),
    };
    retry(
        &ctx.deadline,
        "waiting for the lock table",
        policy,
        || async {
            let out = ddb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| {
                    Attempt::Fail(CompositeError::aws(format!("Describing \"{table}\""), &e))
                })?;
            match out.table().and_then(|t| t.table_status()) {
                Some(TableStatus::Active) => Ok(()),
                other => Err(Attempt::Retry(CompositeError::new(
                    format!("Lock table \"{table}\" not active"),
                    format!("status {other:?}"),
                ))),
            }
        },
    )
    .await
}

async fn set_pitr(ctx: &Ctx, planned: &StateBackendState) -> Result<(), CompositeError> {
    let table = planned.table_name();
    let enabled = planned.point_in_time_recovery.as_ref_option() != Some(&false);
    ctx.clients
        .dynamodb()
        .update_continuous_backups()
        .table_name(&table)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(enabled)
                .build()
                .map_err(build_err)?,
        )
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Setting point-in-time recovery on \"{table}\""), &e)
        })?;
    Ok(())
}

/// Create the table if it went missing, else repair point-in-time recovery and tags.
pub async fn ensure(
    ctx: &Ctx,
    planned: &StateBackendState,
    rec: &Recorder<StateBackendState>,
) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let table = planned.table_name();
    let arn = match ddb.describe_table().table_name(&table).send().await {
        Ok(out) => out.table().and_then(|t| t.table_arn()).map(str::to_string),
        Err(err) if error_code(&err).as_deref() == Some("ResourceNotFoundException") => None,
        Err(err) => return Err(CompositeError::aws(format!("Describing \"{table}\""), &err)),
    };
    let Some(arn) = arn else {
        return create(ctx, planned, rec).await;
    };
    rec.record(|s| s.lock_table_arn = Value::Value(arn.clone()));
    set_pitr(ctx, planned).await?;
    let tags = planned.child_tags();
    // Keys no longer in tags_all go (the table follows tags_all exactly).
    let have = ddb
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing tags of \"{table}\""), &e))?;
    let removed: Vec<String> = have
        .tags()
        .iter()
        .map(|t| t.key().to_string())
        .filter(|k| !tags.contains_key(k))
        .collect();
    if !removed.is_empty() {
        ddb.untag_resource()
            .resource_arn(&arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Untagging \"{table}\""), &e))?;
    }
    if !tags.is_empty() {
        let mut req = ddb.tag_resource().resource_arn(&arn);
        for (k, v) in tags {
            req = req.tags(Tag::builder().key(k).value(v).build().map_err(build_err)?);
        }
        req.send()
            .await
            .map_err(|e| CompositeError::aws(format!("Tagging \"{table}\""), &e))?;
    }
    Ok(())
}

/// Refresh the table part of `state` (`lock_table_arn` null when the table is gone).
pub async fn read(ctx: &Ctx, state: &mut StateBackendState) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let table = state.table_name();
    match ddb.describe_table().table_name(&table).send().await {
        Ok(out) => {
            state.lock_table_arn = out
                .table()
                .and_then(|t| t.table_arn())
                .map(|a| Value::Value(a.to_string()))
                .unwrap_or(Value::Null);
        }
        Err(err) if error_code(&err).as_deref() == Some("ResourceNotFoundException") => {
            state.lock_table_arn = Value::Null;
            return Ok(());
        }
        Err(err) => return Err(CompositeError::aws(format!("Describing \"{table}\""), &err)),
    }
    let backups = ddb
        .describe_continuous_backups()
        .table_name(&table)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading backups of \"{table}\""), &e))?;
    let pitr = backups
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED");
    state.point_in_time_recovery = Value::Value(pitr);
    Ok(())
}

/// The lock table.
pub struct LockTable;

#[async_trait]
impl ChildOps<StateBackendState> for LockTable {
    fn name(&self) -> &'static str {
        "lock_table"
    }

    fn wanted(&self, state: &StateBackendState) -> bool {
        state.uses_table()
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<StateBackendState>,
    ) -> Result<(), CompositeError> {
        create(ctx, &rec.snapshot(), rec).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<StateBackendState>,
    ) -> Result<Found, CompositeError> {
        let mut seen = rec.snapshot();
        read(ctx, &mut seen).await?;
        if seen.lock_table_arn.is_null() {
            return Ok(Found::Gone);
        }
        rec.record(|s| {
            s.lock_table_arn = seen.lock_table_arn;
            s.point_in_time_recovery = seen.point_in_time_recovery;
        });
        Ok(Found::Present)
    }

    /// Point-in-time recovery and tags repaired (the table made again if it went since the
    /// refresh).
    async fn reconcile(
        &self,
        ctx: &Ctx,
        _prior: &StateBackendState,
        rec: &Recorder<StateBackendState>,
    ) -> Result<(), CompositeError> {
        ensure(ctx, &rec.snapshot(), rec).await
    }

    async fn delete(&self, ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
        delete(ctx, state).await
    }
}

/// Delete the table and wait until it is gone; a missing table counts as deleted.
pub async fn delete(ctx: &Ctx, state: &StateBackendState) -> Result<(), CompositeError> {
    let ddb = ctx.clients.dynamodb();
    let table = state.table_name();
    match ddb.delete_table().table_name(&table).send().await {
        Ok(_) => {}
        Err(err) if error_code(&err).as_deref() == Some("ResourceNotFoundException") => {
            return Ok(())
        }
        Err(err) => {
            return Err(CompositeError::aws(
                format!("Deleting lock table \"{table}\""),
                &err,
            ))
        }
    }
    retry(
        &ctx.deadline,
        "waiting for the lock table to go",
        RetryPolicy::default(),
        || async {
            match ddb.describe_table().table_name(&table).send().await {
                Err(err) if error_code(&err).as_deref() == Some("ResourceNotFoundException") => {
                    Ok(())
                }
                Err(err) => Err(Attempt::Fail(CompositeError::aws(
                    format!("Describing \"{table}\""),
                    &err,
                ))),
                Ok(_) => Err(Attempt::Retry(CompositeError::new(
                    format!("Lock table \"{table}\" still exists"),
                    "deletion in progress",
                ))),
            }
        },
    )
    .await
}

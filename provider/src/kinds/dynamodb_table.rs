//! DynamoDB table (`aws_dynamodb_table`): on-demand, a string hash key (and optional string
//! range key), encrypted at rest with KMS (the AWS-managed key `alias/aws/dynamodb`),
//! point-in-time recovery and deletion protection as the profile asks. Its id is its name.
//!
//! Deletion protection guards against deletes made out of band; the composite's own delete
//! (a `terraform destroy`) turns it off first.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ScalarAttributeType, SseSpecification, SseStatus, SseType,
    TableStatus,
};

use super::codes as code;
use super::ownership::{not_ours, owned};
use super::{tags, Kind, Lookup, Tags};
use crate::clients::error_code;
use crate::composite::{retry, Attempt, CompositeError, Ctx, RetryPolicy};

/// A table's settings, as wanted and as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// Its name.
    pub name: String,
    /// The string hash key's name.
    pub hash_key: String,
    /// The string range key's name, if any.
    pub range_key: Option<String>,
    /// Encrypted at rest with KMS (the AWS-managed key `alias/aws/dynamodb`), rather than
    /// with a key AWS owns.
    pub kms_encrypted: bool,
    /// Point-in-time recovery.
    pub point_in_time_recovery: bool,
    /// Deletion protection.
    pub deletion_protection: bool,
}

/// The DynamoDB table kind. Its id is its name.
pub struct DynamodbTable;

fn what(name: &str) -> String {
    format!("DynamoDB table \"{name}\"")
}

fn build_err(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building a DynamoDB request", e.to_string())
}

fn gone(code: Option<String>) -> bool {
    code.is_some_and(|c| {
        c == code::dynamodb::RESOURCE_NOT_FOUND_EXCEPTION
            || c == code::dynamodb::TABLE_NOT_FOUND_EXCEPTION
    })
}

/// The table's description; `None` when it is gone.
async fn describe(
    ctx: &Ctx,
    name: &str,
) -> Result<Option<aws_sdk_dynamodb::types::TableDescription>, CompositeError> {
    match ctx
        .clients
        .dynamodb()
        .describe_table()
        .table_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.table().cloned()),
        Err(e) if gone(error_code(&e)) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Describing {}", what(name)),
            &e,
        )),
    }
}

fn arn_of(
    name: &str,
    t: &aws_sdk_dynamodb::types::TableDescription,
) -> Result<String, CompositeError> {
    super::id_in_answer(t.table_arn(), &what(name))
}

/// Wait until the table is `ACTIVE` (within the deadline).
async fn wait_active(ctx: &Ctx, name: &str) -> Result<(), CompositeError> {
    let policy = RetryPolicy {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(5),
    };
    retry(
        &ctx.deadline,
        &format!("waiting for {}", what(name)),
        policy,
        || async {
            match describe(ctx, name).await.map_err(Attempt::Fail)? {
                Some(t) if t.table_status() == Some(&TableStatus::Active) => Ok(()),
                other => Err(Attempt::Retry(CompositeError::new(
                    format!("{} not active", what(name)),
                    format!("status {:?}", other.and_then(|t| t.table_status().cloned())),
                ))),
            }
        },
    )
    .await
}

async fn set_pitr(ctx: &Ctx, name: &str, enabled: bool) -> Result<(), CompositeError> {
    ctx.clients
        .dynamodb()
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(enabled)
                .build()
                .map_err(build_err)?,
        )
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(
                format!("Setting point-in-time recovery of {}", what(name)),
                &e,
            )
        })?;
    Ok(())
}

async fn set_deletion_protection(
    ctx: &Ctx,
    name: &str,
    enabled: bool,
) -> Result<(), CompositeError> {
    ctx.clients
        .dynamodb()
        .update_table()
        .table_name(name)
        .deletion_protection_enabled(enabled)
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Setting deletion protection of {}", what(name)), &e)
        })?;
    Ok(())
}

fn sse(spec: &TableSpec) -> SseSpecification {
    let b = SseSpecification::builder().enabled(spec.kms_encrypted);
    if spec.kms_encrypted {
        b.sse_type(SseType::Kms).build()
    } else {
        b.build()
    }
}

fn key(
    name: &str,
    kind: KeyType,
) -> Result<(AttributeDefinition, KeySchemaElement), CompositeError> {
    Ok((
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_err)?,
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(build_err)?,
    ))
}

#[async_trait]
impl Kind for DynamodbTable {
    type Spec = TableSpec;
    type Id = String;

    const TERRAFORM_TYPE: &'static str = "aws_dynamodb_table";

    async fn find(
        &self,
        ctx: &Ctx,
        spec: &TableSpec,
        owner: &str,
    ) -> Result<Lookup<String>, CompositeError> {
        let Some(t) = describe(ctx, &spec.name).await? else {
            return Ok(Lookup::Absent);
        };
        let arn = arn_of(&spec.name, &t)?;
        let tags = tags::dynamodb_read(ctx, &arn, &spec.name).await?;
        if owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            Ok(Lookup::Ours(spec.name.clone()))
        } else {
            Err(not_ours(&what(&spec.name), owner))
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        spec: &TableSpec,
        tags: &Tags,
    ) -> Result<String, CompositeError> {
        let mut req = ctx
            .clients
            .dynamodb()
            .create_table()
            .table_name(&spec.name)
            .billing_mode(BillingMode::PayPerRequest)
            .sse_specification(sse(spec))
            .deletion_protection_enabled(spec.deletion_protection);
        let (def, schema) = key(&spec.hash_key, KeyType::Hash)?;
        req = req.attribute_definitions(def).key_schema(schema);
        if let Some(range) = &spec.range_key {
            let (def, schema) = key(range, KeyType::Range)?;
            req = req.attribute_definitions(def).key_schema(schema);
        }
        for (k, v) in tags {
            req = req.tags(
                aws_sdk_dynamodb::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(build_err)?,
            );
        }
        req.send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating {}", what(&spec.name)), &e))?;
        // Point-in-time recovery is set once the table is active (by `converge`'s update).
        wait_active(ctx, &spec.name).await?;
        Ok(spec.name.clone())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        name: &String,
    ) -> Result<Option<(TableSpec, Tags)>, CompositeError> {
        let Some(t) = describe(ctx, name).await? else {
            return Ok(None);
        };
        let arn = arn_of(name, &t)?;
        let key_named = |kind: KeyType| {
            t.key_schema()
                .iter()
                .find(|k| k.key_type() == &kind)
                .map(|k| k.attribute_name().to_string())
        };
        let kms_encrypted = t.sse_description().is_some_and(|s| {
            matches!(
                s.status(),
                Some(SseStatus::Enabled) | Some(SseStatus::Enabling)
            ) && s.sse_type() == Some(&SseType::Kms)
        });
        let pitr = match ctx
            .clients
            .dynamodb()
            .describe_continuous_backups()
            .table_name(name)
            .send()
            .await
        {
            Ok(out) => {
                out.continuous_backups_description()
                    .and_then(|c| c.point_in_time_recovery_description())
                    .and_then(|p| p.point_in_time_recovery_status())
                    == Some(&PointInTimeRecoveryStatus::Enabled)
            }
            Err(e) if gone(error_code(&e)) => return Ok(None),
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading the backups of {}", what(name)),
                    &e,
                ))
            }
        };
        let tags = tags::dynamodb_read(ctx, &arn, name).await?;
        let spec = TableSpec {
            name: name.clone(),
            // A table without a hash key cannot be: an empty name never equals the wanted one.
            hash_key: key_named(KeyType::Hash).unwrap_or_default(),
            range_key: key_named(KeyType::Range),
            kms_encrypted,
            point_in_time_recovery: pitr,
            deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
        };
        Ok(Some((spec, tags)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        name: &String,
        observed: &TableSpec,
        wanted: &TableSpec,
    ) -> Result<(), CompositeError> {
        if observed.hash_key != wanted.hash_key || observed.range_key != wanted.range_key {
            return Err(CompositeError::new(
                format!("Updating {}", what(name)),
                format!(
                    "its key is {}{} but {}{} is wanted: a table's key cannot change in place. Rename the table (its data stays in the old one) or delete it.",
                    observed.hash_key,
                    observed.range_key.as_deref().map(|r| format!("/{r}")).unwrap_or_default(),
                    wanted.hash_key,
                    wanted.range_key.as_deref().map(|r| format!("/{r}")).unwrap_or_default(),
                ),
            ));
        }
        if observed.kms_encrypted != wanted.kms_encrypted {
            ctx.clients
                .dynamodb()
                .update_table()
                .table_name(name)
                .sse_specification(sse(wanted))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Encrypting {}", what(name)), &e))?;
            wait_active(ctx, name).await?;
        }
        if observed.point_in_time_recovery != wanted.point_in_time_recovery {
            set_pitr(ctx, name, wanted.point_in_time_recovery).await?;
        }
        if observed.deletion_protection != wanted.deletion_protection {
            set_deletion_protection(ctx, name, wanted.deletion_protection).await?;
        }
        Ok(())
    }

    async fn set_tags(
        &self,
        ctx: &Ctx,
        name: &String,
        observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError> {
        let Some(t) = describe(ctx, name).await? else {
            return Err(CompositeError::new(
                format!("Tagging {}", what(name)),
                "it is gone; apply again to make it",
            ));
        };
        let arn = arn_of(name, &t)?;
        tags::dynamodb(ctx, &arn, name, observed, wanted).await
    }

    async fn delete(&self, ctx: &Ctx, name: &String) -> Result<(), CompositeError> {
        let Some(t) = describe(ctx, name).await? else {
            return Ok(());
        };
        if t.deletion_protection_enabled() == Some(true) {
            set_deletion_protection(ctx, name, false).await?;
        }
        let ddb = ctx.clients.dynamodb();
        crate::composite::delete_retrying(
            &ctx.deadline,
            &what(name),
            code::dynamodb::RESOURCE_NOT_FOUND_EXCEPTION,
            code::dynamodb::RESOURCE_IN_USE_EXCEPTION,
            || ddb.delete_table().table_name(name).send(),
        )
        .await
    }
}

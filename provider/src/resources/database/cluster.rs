//! The Aurora PostgreSQL cluster `NAME`: encrypted, the master password managed by RDS,
//! Serverless v2 capacity, backups and deletion protection from the profile.

use crate::kinds::codes as code;
use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_rds::types::{DbCluster, ServerlessV2ScalingConfiguration};
use blueprint_declarations::composites::database::{sizing, AURORA};

use super::rds::{self, Seen, PROFILE_TAG};
use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::tags::{self, rds_map as tag_map};
use crate::tf_value::{entries, known, map};

const GONE: &str = code::rds::DB_CLUSTER_NOT_FOUND_FAULT;

/// The cluster child.
pub struct Cluster;

async fn describe(ctx: &Ctx, id: &str) -> Result<Option<DbCluster>, CompositeError> {
    match ctx
        .clients
        .rds()
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_clusters().first().cloned()),
        Err(e) if error_code(&e).as_deref() == Some(GONE) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading DB cluster \"{id}\""),
            &e,
        )),
    }
}

async fn wait_available(ctx: &Ctx, id: &str) -> Result<DbCluster, CompositeError> {
    let what = format!("DB cluster \"{id}\"");
    let found = rds::wait(ctx, &what, false, || async {
        Ok(match describe(ctx, id).await? {
            Some(c) => {
                let status = c.status().unwrap_or_default().to_string();
                Seen::Is(c, status)
            }
            None => Seen::Gone,
        })
    })
    .await?;
    found.ok_or_else(|| CompositeError::new(format!("{what} vanished"), "it is gone"))
}

/// The settings a cluster shows.
fn settings(c: &DbCluster) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put(
        "backup_retention_period",
        c.backup_retention_period().map(|d| d.to_string()),
    );
    put(
        "deletion_protection",
        Some(c.deletion_protection().unwrap_or(false).to_string()),
    );
    put(
        "storage_encrypted",
        Some(c.storage_encrypted().unwrap_or(false).to_string()),
    );
    put(
        "manage_master_user_password",
        Some(c.master_user_secret().is_some().to_string()),
    );
    let scaling = c.serverless_v2_scaling_configuration();
    put(
        "min_capacity",
        scaling
            .and_then(|s| s.min_capacity())
            .map(|v| v.to_string()),
    );
    put(
        "max_capacity",
        scaling
            .and_then(|s| s.max_capacity())
            .map(|v| v.to_string()),
    );
    m
}

/// Record what the cluster shows: its ARN, endpoints, port, secret and settings.
fn observe(s: &mut DatabaseState, c: &DbCluster) {
    s.cluster_arn = Value::Value(c.db_cluster_arn().unwrap_or_default().to_string());
    s.endpoint = c
        .endpoint()
        .map(|e| Value::Value(e.to_string()))
        .unwrap_or(Value::Null);
    s.reader_endpoint = c
        .reader_endpoint()
        .map(|e| Value::Value(e.to_string()))
        .unwrap_or(Value::Null);
    s.port = Value::Value(c.port().map(i64::from).unwrap_or(super::PORT));
    s.master_user_secret_arn = c
        .master_user_secret()
        .and_then(|m| m.secret_arn())
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    if s.engine_version.is_unknown() {
        s.engine_version = c
            .engine_version()
            .map(|v| Value::Value(v.to_string()))
            .unwrap_or(Value::Null);
    }
    if s.kms_key_id.is_unknown() {
        s.kms_key_id = super::key_arn(c.kms_key_id());
    }
    s.observe(settings(c));
}

fn scaling(s: &DatabaseState) -> Option<ServerlessV2ScalingConfiguration> {
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .min_capacity(s.min_capacity.as_option()?)
            .max_capacity(s.max_capacity.as_option()?)
            .build(),
    )
}

#[async_trait]
impl ChildOps<DatabaseState> for Cluster {
    fn name(&self) -> &'static str {
        "cluster"
    }

    fn wanted(&self, s: &DatabaseState) -> bool {
        s.aurora()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let id = s.name().to_string();
        let want = s.main_tags();
        // A cluster of the same name deleted moments ago may still hold the name of its last
        // automated snapshot (`rds:NAME-DATE-HH-MM`): that clears within the minute, so the
        // create is tried again until the deadline.
        let sent = retry(
            &ctx.deadline,
            &format!("creating DB cluster \"{id}\""),
            RetryPolicy::default(),
            || async {
                match create_request(ctx, &s, &id, &want).await {
                    Err(e)
                        if error_code(&e).as_deref()
                            == Some(code::rds::DB_CLUSTER_SNAPSHOT_ALREADY_EXISTS_FAULT) =>
                    {
                        Err(Attempt::Retry(CompositeError::aws(
                            format!("Creating DB cluster \"{id}\""),
                            &e,
                        )))
                    }
                    other => Ok(other),
                }
            },
        )
        .await?;
        match sent {
            Ok(_) => {}
            Err(e)
                if error_code(&e).as_deref()
                    == Some(code::rds::DB_CLUSTER_ALREADY_EXISTS_FAULT) =>
            {
                let found = describe(ctx, &id).await?.map(|c| tag_map(c.tag_list()));
                rds::adopt(&format!("DB cluster \"{id}\""), found.as_ref(), &want)?;
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating DB cluster \"{id}\""),
                    &e,
                ))
            }
        }
        rec.record(|r| r.cluster_identifier = Value::Value(id.clone()));
        let c = wait_available(ctx, &id).await?;
        rec.record(|r| observe(r, &c));
        Ok(())
    }
    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(id) = known(&s.cluster_identifier) else {
            return Ok(Found::Gone);
        };
        match describe(ctx, id).await? {
            Some(c) => {
                rec.record(|r| observe(r, &c));
                Ok(Found::Present)
            }
            None => {
                rec.record(|r| {
                    r.endpoint = Value::Null;
                    r.master_user_secret_arn = Value::Null;
                });
                Ok(Found::Gone)
            }
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DatabaseState,
        rec: &Recorder<DatabaseState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let Some(id) = known(&s.cluster_identifier).map(str::to_string) else {
            return Ok(());
        };
        // A create interrupted while the cluster was being made recorded it the moment
        // CreateDBCluster returned: the resumed apply waits for it to become available (and
        // records its endpoint, which the plan left unknown) before anything else.
        let ready = describe(ctx, &id)
            .await?
            .is_some_and(|c| c.status() == Some("available"));
        if !ready || prior.endpoint.is_null() {
            let c = wait_available(ctx, &id).await?;
            rec.record(|r| observe(r, &c));
        }
        let have = entries(&prior.settings);
        let want = s.desired_settings().unwrap_or_default();
        let differs = |k: &str| have.get(k) != want.get(k);
        let mut call = ctx
            .clients
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(&id)
            .apply_immediately(true);
        let mut changed = false;
        if differs("backup_retention_period") {
            call = call.backup_retention_period(s.retention());
            changed = true;
        }
        if differs("deletion_protection") {
            call = call.deletion_protection(s.protected());
            changed = true;
        }
        if differs("min_capacity") || differs("max_capacity") {
            call = call.set_serverless_v2_scaling_configuration(scaling(&s));
            changed = true;
        }
        // The master password: a new write-only one (a new version, or a switch from the
        // managed secret), or back to the managed secret.
        let switching = differs("manage_master_user_password");
        if let Some(password) = s.password_to_send(Some(prior)) {
            call = call.master_user_password(password);
            if switching {
                call = call.manage_master_user_password(false);
            }
            changed = true;
        } else if switching && !s.write_only_password() {
            call = call.manage_master_user_password(true);
            changed = true;
        }
        // A security group made again (deleted out of band) replaces the old one.
        if let (Some(sg), true) = (
            known(&s.security_group_id),
            s.security_group_id != prior.security_group_id,
        ) {
            call = call.vpc_security_group_ids(sg);
            changed = true;
        }
        if let (Some(v), true) = (
            known(&s.engine_version),
            s.engine_version != prior.engine_version,
        ) {
            call = call.engine_version(v).allow_major_version_upgrade(true);
            changed = true;
        }
        if changed {
            call.send()
                .await
                .map_err(|e| CompositeError::aws(format!("Updating DB cluster \"{id}\""), &e))?;
            let c = wait_available(ctx, &id).await?;
            rec.record(|r| observe(r, &c));
        }
        if prior.main_tags() != s.main_tags() {
            if let Some(arn) = known(&s.cluster_arn) {
                tags::rds(ctx, arn, &prior.main_tags(), &s.main_tags()).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        let Some(id) = known(&state.cluster_identifier) else {
            return Ok(());
        };
        let Some(c) = describe(ctx, id).await? else {
            return Ok(());
        };
        let rds = ctx.clients.rds();
        // Destroy is the explicit request to delete: protection (against deletion anywhere
        // else) goes first.
        if c.deletion_protection() == Some(true) {
            rds.modify_db_cluster()
                .db_cluster_identifier(id)
                .deletion_protection(false)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(
                        format!("Turning off deletion protection of DB cluster \"{id}\""),
                        &e,
                    )
                })?;
        }
        let snapshot = (!state.skip_snapshot()).then(|| rds::final_snapshot_id(id));
        retry(
            &ctx.deadline,
            &format!("deleting DB cluster \"{id}\""),
            RetryPolicy::default(),
            || {
                let call = rds
                    .delete_db_cluster()
                    .db_cluster_identifier(id)
                    .skip_final_snapshot(snapshot.is_none())
                    .set_final_db_snapshot_identifier(snapshot.clone())
                    .send();
                async move {
                    match call.await {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let err =
                                CompositeError::aws(format!("Deleting DB cluster \"{id}\""), &e);
                            match error_code(&e).as_deref() {
                                Some(GONE) => Ok(()),
                                // Its instances are still going, or it is busy (a modification).
                                Some(code::rds::INVALID_DB_CLUSTER_STATE_FAULT) => {
                                    Err(Attempt::Retry(err))
                                }
                                _ => Err(Attempt::Fail(err)),
                            }
                        }
                    }
                }
            },
        )
        .await?;
        rds::wait(ctx, &format!("DB cluster \"{id}\""), true, || async {
            Ok(match describe(ctx, id).await? {
                Some(c) => {
                    let status = c.status().unwrap_or_default().to_string();
                    Seen::Is(c, status)
                }
                None => Seen::Gone,
            })
        })
        .await?;
        Ok(())
    }
}

/// The state of an existing cluster `id` (children ids and the inputs it shows); `None` when
/// there is no such cluster.
pub async fn import(ctx: &Ctx, id: &str) -> Result<Option<DatabaseState>, CompositeError> {
    let Some(c) = describe(ctx, id).await? else {
        return Ok(None);
    };
    if c.storage_encrypted() != Some(true) {
        return Err(CompositeError::new(
            "Cannot import",
            format!("DB cluster \"{id}\" is not encrypted: blueprint_database keeps storage encrypted, which an existing cluster cannot be changed to (restore it from an encrypted snapshot first)"),
        ));
    }
    let tags = tag_map(c.tag_list());
    let profile = tags.get(PROFILE_TAG).cloned().unwrap_or_else(|| {
        if c.deletion_protection() == Some(true) {
            "prod"
        } else {
            "dev"
        }
        .to_string()
    });
    let members = c.db_cluster_members();
    let writer = members
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .and_then(|m| m.db_instance_identifier());
    let reader = members
        .iter()
        .find(|m| m.is_cluster_writer() != Some(true))
        .and_then(|m| m.db_instance_identifier());
    let scaling = c.serverless_v2_scaling_configuration();
    let opt = |v: Option<&str>| {
        v.map(|v| Value::Value(v.to_string()))
            .unwrap_or(Value::Null)
    };
    let s = DatabaseState {
        profile: Value::Value(profile.clone()),
        engine: Value::Value(AURORA.to_string()),
        engine_version: opt(c.engine_version()),
        database_name: opt(c.database_name()),
        master_username: opt(c.master_username()),
        kms_key_id: super::key_arn(c.kms_key_id()),
        min_capacity: scaling
            .and_then(|s| s.min_capacity())
            .map(Value::Value)
            .unwrap_or(Value::Null),
        max_capacity: scaling
            .and_then(|s| s.max_capacity())
            .map(Value::Value)
            .unwrap_or(Value::Null),
        reader: Value::Value(reader.is_some()),
        instance_class: Value::Value(super::SERVERLESS_CLASS.to_string()),
        backup_retention_days: c
            .backup_retention_period()
            .map(|d| Value::Value(i64::from(d)))
            .unwrap_or(Value::Null),
        deletion_protection: Value::Value(c.deletion_protection().unwrap_or(false)),
        skip_final_snapshot: Value::Value(sizing(&profile).is_none_or(|z| z.skip_final_snapshot)),
        tags: map(tags),
        cluster_identifier: Value::Value(id.to_string()),
        db_subnet_group_name: opt(c.db_subnet_group()),
        security_group_id: opt(c
            .vpc_security_groups()
            .first()
            .and_then(|g| g.vpc_security_group_id())),
        writer_identifier: opt(writer),
        reader_identifier: opt(reader),
        port: Value::Value(super::PORT),
        ..Default::default()
    };
    Ok(Some(s))
}

/// The CreateDBCluster call for `s`.
async fn create_request(
    ctx: &Ctx,
    s: &DatabaseState,
    id: &str,
    want: &std::collections::BTreeMap<String, String>,
) -> Result<
    aws_sdk_rds::operation::create_db_cluster::CreateDbClusterOutput,
    aws_sdk_rds::error::SdkError<aws_sdk_rds::operation::create_db_cluster::CreateDBClusterError>,
> {
    ctx.clients
        .rds()
        .create_db_cluster()
        .db_cluster_identifier(id)
        .engine(AURORA)
        .set_engine_version(known(&s.engine_version).map(str::to_string))
        .master_username(known(&s.master_username).unwrap_or_default())
        // RDS-managed secret, or the write-only password: exactly one.
        .set_manage_master_user_password(s.master_password_wo.known().is_none().then_some(true))
        .set_master_user_password(s.master_password_wo.known().map(str::to_string))
        .set_database_name(known(&s.database_name).map(str::to_string))
        .set_db_subnet_group_name(known(&s.db_subnet_group_name).map(str::to_string))
        .set_vpc_security_group_ids(known(&s.security_group_id).map(|g| vec![g.to_string()]))
        .storage_encrypted(true)
        .set_kms_key_id(known(&s.kms_key_id).map(str::to_string))
        .backup_retention_period(s.retention())
        .deletion_protection(s.protected())
        .copy_tags_to_snapshot(true)
        .set_serverless_v2_scaling_configuration(scaling(s))
        .set_tags(Some(tags::rds_tags(want)))
        .send()
        .await
}

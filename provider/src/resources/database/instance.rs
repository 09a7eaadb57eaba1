//! The RDS for PostgreSQL instance `NAME` (engine `postgres`), and what the Aurora instances
//! share with it: describing, waiting, deleting.

use crate::kinds::codes as code;
use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;
use blueprint_declarations::composites::database::{sizing, POSTGRES};

use super::rds::{self, Seen, PROFILE_TAG};
use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::tags::{self, rds_map as tag_map};
use crate::tf_value::{entries, known, map};

const GONE: &str = code::rds::DB_INSTANCE_NOT_FOUND;

/// The instance `id`, or `None` when it does not exist.
pub async fn describe(ctx: &Ctx, id: &str) -> Result<Option<DbInstance>, CompositeError> {
    match ctx
        .clients
        .rds()
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_instances().first().cloned()),
        Err(e) if error_code(&e).as_deref() == Some(GONE) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading DB instance \"{id}\""),
            &e,
        )),
    }
}

fn seen(i: Option<DbInstance>) -> Seen<DbInstance> {
    match i {
        Some(i) => {
            let status = i.db_instance_status().unwrap_or_default().to_string();
            Seen::Is(i, status)
        }
        None => Seen::Gone,
    }
}

/// Wait until instance `id` is available.
pub async fn wait_available(ctx: &Ctx, id: &str) -> Result<DbInstance, CompositeError> {
    let what = format!("DB instance \"{id}\"");
    rds::wait(ctx, &what, false, || async {
        Ok(seen(describe(ctx, id).await?))
    })
    .await?
    .ok_or_else(|| CompositeError::new(format!("{what} vanished"), "it is gone"))
}

/// Delete instance `id` (with a final snapshot when `snapshot` names one) and wait until it
/// is gone; already gone is done, already deleting is waited on.
pub async fn delete_instance(
    ctx: &Ctx,
    id: &str,
    snapshot: Option<String>,
) -> Result<(), CompositeError> {
    let rds = ctx.clients.rds();
    retry(
        &ctx.deadline,
        &format!("deleting DB instance \"{id}\""),
        RetryPolicy::default(),
        || {
            let call = rds
                .delete_db_instance()
                .db_instance_identifier(id)
                .skip_final_snapshot(snapshot.is_none())
                .set_final_db_snapshot_identifier(snapshot.clone())
                .send();
            let rds = rds.clone();
            async move {
                match call.await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let err = CompositeError::aws(format!("Deleting DB instance \"{id}\""), &e);
                        match error_code(&e).as_deref() {
                            Some(GONE) => Ok(()),
                            // Already being deleted: wait for it below.
                            Some(code::rds::INVALID_DB_INSTANCE_STATE) => {
                                match describe_status(&rds, id).await {
                                    Some(s) if s == "deleting" => Ok(()),
                                    _ => Err(Attempt::Retry(err)),
                                }
                            }
                            _ => Err(Attempt::Fail(err)),
                        }
                    }
                }
            }
        },
    )
    .await?;
    rds::wait(ctx, &format!("DB instance \"{id}\""), true, || async {
        Ok(seen(describe(ctx, id).await?))
    })
    .await?;
    Ok(())
}

async fn describe_status(rds: &aws_sdk_rds::Client, id: &str) -> Option<String> {
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .ok()?;
    out.db_instances()
        .first()?
        .db_instance_status()
        .map(str::to_string)
}

/// The RDS instance child.
pub struct Instance;

fn settings(i: &DbInstance) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put(
        "backup_retention_period",
        i.backup_retention_period().map(|d| d.to_string()),
    );
    put(
        "deletion_protection",
        Some(i.deletion_protection().unwrap_or(false).to_string()),
    );
    put(
        "storage_encrypted",
        Some(i.storage_encrypted().unwrap_or(false).to_string()),
    );
    put(
        "manage_master_user_password",
        Some(i.master_user_secret().is_some().to_string()),
    );
    put(
        "publicly_accessible",
        Some(i.publicly_accessible().unwrap_or(false).to_string()),
    );
    put("instance_class", i.db_instance_class().map(str::to_string));
    put(
        "allocated_storage",
        i.allocated_storage().map(|g| g.to_string()),
    );
    put("multi_az", Some(i.multi_az().unwrap_or(false).to_string()));
    m
}

fn observe(s: &mut DatabaseState, i: &DbInstance) {
    s.instance_arn = Value::Value(i.db_instance_arn().unwrap_or_default().to_string());
    s.endpoint = i
        .endpoint()
        .and_then(|e| e.address())
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    s.port = Value::Value(
        i.endpoint()
            .and_then(|e| e.port())
            .map(i64::from)
            .unwrap_or(super::PORT),
    );
    s.master_user_secret_arn = i
        .master_user_secret()
        .and_then(|m| m.secret_arn())
        .map(|a| Value::Value(a.to_string()))
        .unwrap_or(Value::Null);
    if s.engine_version.is_unknown() {
        s.engine_version = i
            .engine_version()
            .map(|v| Value::Value(v.to_string()))
            .unwrap_or(Value::Null);
    }
    if s.kms_key_id.is_unknown() {
        s.kms_key_id = super::key_arn(i.kms_key_id());
    }
    s.observe(settings(i));
}

fn storage(s: &DatabaseState) -> Option<i32> {
    s.allocated_storage
        .as_option()
        .and_then(|g| i32::try_from(g).ok())
}

#[async_trait]
impl ChildOps<DatabaseState> for Instance {
    fn name(&self) -> &'static str {
        "instance"
    }

    fn wanted(&self, s: &DatabaseState) -> bool {
        s.postgres()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let id = s.name().to_string();
        let want = s.main_tags();
        let sent = ctx
            .clients
            .rds()
            .create_db_instance()
            .db_instance_identifier(&id)
            .engine(POSTGRES)
            .set_engine_version(known(&s.engine_version).map(str::to_string))
            .db_instance_class(known(&s.instance_class).unwrap_or_default())
            .set_allocated_storage(storage(&s))
            .storage_type("gp3")
            .storage_encrypted(true)
            .set_kms_key_id(known(&s.kms_key_id).map(str::to_string))
            .master_username(known(&s.master_username).unwrap_or_default())
            // RDS-managed secret, or the write-only password: exactly one.
            .set_manage_master_user_password(s.master_password_wo.known().is_none().then_some(true))
            .set_master_user_password(s.master_password_wo.known().map(str::to_string))
            .set_db_name(known(&s.database_name).map(str::to_string))
            .set_db_subnet_group_name(known(&s.db_subnet_group_name).map(str::to_string))
            .set_vpc_security_group_ids(known(&s.security_group_id).map(|g| vec![g.to_string()]))
            .publicly_accessible(false)
            .backup_retention_period(s.retention())
            .deletion_protection(s.protected())
            .multi_az(s.multi_az.as_option().unwrap_or(false))
            .copy_tags_to_snapshot(true)
            .set_tags(Some(tags::rds_tags(&want)))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            Err(e) if error_code(&e).as_deref() == Some(code::rds::DB_INSTANCE_ALREADY_EXISTS) => {
                let found = describe(ctx, &id).await?.map(|i| tag_map(i.tag_list()));
                rds::adopt(&format!("DB instance \"{id}\""), found.as_ref(), &want)?;
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating DB instance \"{id}\""),
                    &e,
                ))
            }
        }
        rec.record(|r| r.instance_identifier = Value::Value(id.clone()));
        let i = wait_available(ctx, &id).await?;
        rec.record(|r| observe(r, &i));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(id) = known(&s.instance_identifier) else {
            return Ok(Found::Gone);
        };
        match describe(ctx, id).await? {
            Some(i) => {
                rec.record(|r| observe(r, &i));
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
        let Some(id) = known(&s.instance_identifier).map(str::to_string) else {
            return Ok(());
        };
        // Recorded by a create that was interrupted before it was available: wait for it (and
        // record its endpoint, which the plan left unknown) before anything else.
        let ready = describe(ctx, &id)
            .await?
            .is_some_and(|i| i.db_instance_status() == Some("available"));
        if !ready || prior.endpoint.is_null() {
            let i = wait_available(ctx, &id).await?;
            rec.record(|r| observe(r, &i));
        }
        let have = entries(&prior.settings);
        let want = s.desired_settings().unwrap_or_default();
        let differs = |k: &str| have.get(k) != want.get(k);
        let mut call = ctx
            .clients
            .rds()
            .modify_db_instance()
            .db_instance_identifier(&id)
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
        // The master password: a new write-only one (create of this way, a new version, or a
        // switch from the managed secret), or back to the managed secret.
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
        if differs("publicly_accessible") {
            call = call.publicly_accessible(false);
            changed = true;
        }
        if differs("instance_class") {
            call = call.set_db_instance_class(known(&s.instance_class).map(str::to_string));
            changed = true;
        }
        if differs("allocated_storage") {
            call = call.set_allocated_storage(storage(&s));
            changed = true;
        }
        if differs("multi_az") {
            call = call.multi_az(s.multi_az.as_option().unwrap_or(false));
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
                .map_err(|e| CompositeError::aws(format!("Updating DB instance \"{id}\""), &e))?;
            let i = wait_available(ctx, &id).await?;
            rec.record(|r| observe(r, &i));
        }
        if prior.main_tags() != s.main_tags() {
            if let Some(arn) = known(&s.instance_arn) {
                tags::rds(ctx, arn, &prior.main_tags(), &s.main_tags()).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        let Some(id) = known(&state.instance_identifier) else {
            return Ok(());
        };
        let Some(i) = describe(ctx, id).await? else {
            return Ok(());
        };
        // Destroy is the explicit request to delete: protection (against deletion anywhere
        // else) goes first.
        if i.deletion_protection() == Some(true) {
            ctx.clients
                .rds()
                .modify_db_instance()
                .db_instance_identifier(id)
                .deletion_protection(false)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(
                        format!("Turning off deletion protection of DB instance \"{id}\""),
                        &e,
                    )
                })?;
        }
        let snapshot = (!state.skip_snapshot()).then(|| rds::final_snapshot_id(id));
        delete_instance(ctx, id, snapshot).await
    }
}

/// The state of an existing RDS instance `id`; `None` when there is none (or it belongs to a
/// cluster).
pub async fn import(ctx: &Ctx, id: &str) -> Result<Option<DatabaseState>, CompositeError> {
    let Some(i) = describe(ctx, id).await? else {
        return Ok(None);
    };
    if i.db_cluster_identifier().is_some() {
        return Ok(None);
    }
    if i.storage_encrypted() != Some(true) {
        return Err(CompositeError::new(
            "Cannot import",
            format!("DB instance \"{id}\" is not encrypted: blueprint_database keeps storage encrypted, which an existing instance cannot be changed to (restore it from an encrypted snapshot first)"),
        ));
    }
    let tags = tag_map(i.tag_list());
    let profile = tags.get(PROFILE_TAG).cloned().unwrap_or_else(|| {
        if i.deletion_protection() == Some(true) {
            "prod"
        } else {
            "dev"
        }
        .to_string()
    });
    let opt = |v: Option<&str>| {
        v.map(|v| Value::Value(v.to_string()))
            .unwrap_or(Value::Null)
    };
    Ok(Some(DatabaseState {
        profile: Value::Value(profile.clone()),
        engine: Value::Value(POSTGRES.to_string()),
        engine_version: opt(i.engine_version()),
        database_name: opt(i.db_name()),
        master_username: opt(i.master_username()),
        kms_key_id: super::key_arn(i.kms_key_id()),
        instance_class: opt(i.db_instance_class()),
        allocated_storage: i
            .allocated_storage()
            .map(|g| Value::Value(i64::from(g)))
            .unwrap_or(Value::Null),
        multi_az: Value::Value(i.multi_az().unwrap_or(false)),
        backup_retention_days: i
            .backup_retention_period()
            .map(|d| Value::Value(i64::from(d)))
            .unwrap_or(Value::Null),
        deletion_protection: Value::Value(i.deletion_protection().unwrap_or(false)),
        skip_final_snapshot: Value::Value(sizing(&profile).is_none_or(|z| z.skip_final_snapshot)),
        tags: map(tags),
        instance_identifier: Value::Value(id.to_string()),
        db_subnet_group_name: opt(i.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
        security_group_id: opt(i
            .vpc_security_groups()
            .first()
            .and_then(|g| g.vpc_security_group_id())),
        port: Value::Value(super::PORT),
        ..Default::default()
    }))
}

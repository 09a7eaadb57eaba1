//! The Aurora cluster's instances: the writer `NAME-writer` and, with `reader`, the reader
//! `NAME-reader`, both Serverless v2 (`db.serverless`), never publicly accessible.

use crate::tf::Value;
use async_trait::async_trait;
use blueprint_declarations::composites::database::{AURORA, SERVERLESS_CLASS};

use super::instance::{delete_instance, describe, wait_available};
use super::rds::{self, tag_map};
use super::DatabaseState;
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::tf_value::{entries, known};

/// Which of the cluster's instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterInstance {
    /// The writer.
    Writer,
    /// The reader (prod).
    Reader,
}

impl ClusterInstance {
    fn id_of(self, s: &DatabaseState) -> Option<&str> {
        match self {
            ClusterInstance::Writer => known(&s.writer_identifier),
            ClusterInstance::Reader => known(&s.reader_identifier),
        }
    }
    fn name_of(self, s: &DatabaseState) -> String {
        match self {
            ClusterInstance::Writer => s.writer_name(),
            ClusterInstance::Reader => s.reader_name(),
        }
    }
    /// Its key in `settings`.
    fn public_key(self) -> &'static str {
        match self {
            ClusterInstance::Writer => "writer_publicly_accessible",
            ClusterInstance::Reader => "reader_publicly_accessible",
        }
    }
    fn record(self, s: &mut DatabaseState, id: Option<String>, arn: Option<String>) {
        let (i, a) = match self {
            ClusterInstance::Writer => (&mut s.writer_identifier, &mut s.writer_arn),
            ClusterInstance::Reader => (&mut s.reader_identifier, &mut s.reader_arn),
        };
        if let Some(id) = id {
            *i = Value::Value(id);
        }
        if let Some(arn) = arn {
            *a = Value::Value(arn);
        }
    }
    fn observe(self, s: &mut DatabaseState, public: bool) {
        s.observe([(self.public_key().to_string(), public.to_string())].into());
    }
}

#[async_trait]
impl ChildOps<DatabaseState> for ClusterInstance {
    fn name(&self) -> &'static str {
        match self {
            ClusterInstance::Writer => "writer",
            ClusterInstance::Reader => "reader",
        }
    }

    fn wanted(&self, s: &DatabaseState) -> bool {
        match self {
            ClusterInstance::Writer => s.aurora(),
            ClusterInstance::Reader => s.wants_reader(),
        }
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<DatabaseState>) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let id = self.name_of(&s);
        let want = s.child_tags();
        let sent = ctx
            .clients
            .rds()
            .create_db_instance()
            .db_instance_identifier(&id)
            .set_db_cluster_identifier(known(&s.cluster_identifier).map(str::to_string))
            .engine(AURORA)
            .db_instance_class(SERVERLESS_CLASS)
            .publicly_accessible(false)
            .promotion_tier(match self {
                ClusterInstance::Writer => 0,
                ClusterInstance::Reader => 1,
            })
            .set_tags(Some(rds::tags(&want)))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            Err(e) if error_code(&e).as_deref() == Some("DBInstanceAlreadyExists") => {
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
        rec.record(|r| self.record(r, Some(id.clone()), None));
        let i = wait_available(ctx, &id).await?;
        let arn = i.db_instance_arn().map(str::to_string);
        let public = i.publicly_accessible().unwrap_or(false);
        rec.record(|r| {
            self.record(r, None, arn);
            self.observe(r, public);
        });
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DatabaseState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let Some(id) = self.id_of(&s) else {
            return Ok(Found::Gone);
        };
        match describe(ctx, id).await? {
            Some(i) => {
                let arn = i.db_instance_arn().map(str::to_string);
                let public = i.publicly_accessible().unwrap_or(false);
                rec.record(|r| {
                    self.record(r, None, arn);
                    self.observe(r, public);
                });
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
        let Some(id) = self.id_of(&s).map(str::to_string) else {
            return Ok(());
        };
        if entries(&prior.settings)
            .get(self.public_key())
            .map(String::as_str)
            != Some("false")
        {
            ctx.clients
                .rds()
                .modify_db_instance()
                .db_instance_identifier(&id)
                .publicly_accessible(false)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Making DB instance \"{id}\" private"), &e)
                })?;
            let i = wait_available(ctx, &id).await?;
            let public = i.publicly_accessible().unwrap_or(false);
            rec.record(|r| self.observe(r, public));
        }
        if prior.child_tags() != s.child_tags() {
            let arn = match self {
                ClusterInstance::Writer => known(&s.writer_arn),
                ClusterInstance::Reader => known(&s.reader_arn),
            };
            if let Some(arn) = arn {
                rds::retag(ctx, arn, &prior.child_tags(), &s.child_tags()).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DatabaseState) -> Result<(), CompositeError> {
        match self.id_of(state) {
            // The cluster keeps the backups and takes the final snapshot.
            Some(id) => delete_instance(ctx, id, None).await,
            None => Ok(()),
        }
    }
}

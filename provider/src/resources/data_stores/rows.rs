//! The children rows of `blueprint_data_stores`: one kind of the kinds library per row,
//! applied to every block of that kind, keyed by the block's key. Each row finds, adopts
//! (owner tag) or creates each wanted store, records it at once, converges it to its spec and
//! tags, deletes the stores whose block is gone, and reads each on refresh.

use async_trait::async_trait;

use super::{keys, put, remove, scope, DataStoresState};
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::dynamodb_table::{DynamodbTable, TableSpec};
use crate::kinds::s3_bucket::{BucketSpec, LifecycleRule, S3Bucket};
use crate::kinds::sns_topic::{SnsTopic, TopicSpec, AWS_MANAGED_KEY};
use crate::kinds::sqs_queue::{QueueSpec, Redrive, SqsQueue};
use crate::kinds::{converge, ensure_recording, Kind, Tags};
use crate::tf_value::StringMap;
use blueprint_declarations::composites::data_stores::{
    names, DLQ_RETENTION, LIFECYCLE_ID, PROD_LIFECYCLE_DAYS, QUEUE_RETENTION,
};

/// Whether a TLS-only policy can be set on `service`: not over a plain-HTTP endpoint (a local
/// AWS-compatible service), where it would deny the provider's own calls.
fn tls_applies(ctx: &Ctx, service: &str) -> bool {
    !ctx.clients
        .endpoint(service)
        .is_some_and(|e| e.starts_with("http://"))
}

/// One row: a kind over the blocks of one type.
#[async_trait]
trait Row: Send + Sync {
    /// The kind.
    type K: Kind<Id = String>;
    /// The row's name in the children table.
    const NAME: &'static str;
    /// The `KIND` of `arns` (`None`: not a store of its own, the dead-letter queues).
    const ARN_KIND: Option<&'static str>;
    /// The kind, for `state`.
    fn kind(&self, state: &DataStoresState) -> Self::K;
    /// The wanted keys.
    fn wanted(&self, state: &DataStoresState) -> Vec<String>;
    /// Where the row records each store's id, by key.
    fn record(state: &mut DataStoresState) -> &mut StringMap;
    /// The same, read.
    fn recorded(state: &DataStoresState) -> &StringMap;
    /// What the store `key` must be.
    async fn spec(
        &self,
        ctx: &Ctx,
        state: &DataStoresState,
        key: &str,
    ) -> Result<<Self::K as Kind>::Spec, CompositeError>;
    /// The store's ARN from its id.
    async fn arn(
        &self,
        ctx: &Ctx,
        state: &DataStoresState,
        key: &str,
        id: &str,
    ) -> Result<String, CompositeError>;
}

fn tags(s: &DataStoresState) -> Tags {
    s.child_tags()
}

async fn create_one<R: Row>(
    row: &R,
    ctx: &Ctx,
    s: &DataStoresState,
    key: &str,
    rec: &Recorder<DataStoresState>,
) -> Result<(), CompositeError> {
    let spec = row.spec(ctx, s, key).await?;
    let id = ensure_recording(&row.kind(s), ctx, &spec, &tags(s), &s.owner(), |id| {
        let id = id.clone();
        rec.record(|st| put(R::record(st), key, id.clone()));
    })
    .await?;
    if let Some(kind) = R::ARN_KIND {
        let arn = row.arn(ctx, s, key, &id).await?;
        super::record_arn(rec, kind, key, arn);
    }
    Ok(())
}

async fn create_all<R: Row>(
    row: &R,
    ctx: &Ctx,
    rec: &Recorder<DataStoresState>,
) -> Result<(), CompositeError> {
    let planned = rec.snapshot();
    let have = keys(R::recorded(&planned));
    for key in row.wanted(&planned) {
        if !have.contains(&key) {
            create_one(row, ctx, &planned, &key, rec).await?;
        }
    }
    Ok(())
}

async fn read_all<R: Row>(
    row: &R,
    ctx: &Ctx,
    rec: &Recorder<DataStoresState>,
) -> Result<Found, CompositeError> {
    let s = rec.snapshot();
    let kind = row.kind(&s);
    let recorded = R::recorded(&s).as_ref_option().cloned().unwrap_or_default();
    for (key, id) in recorded {
        let Some(id) = id.as_option() else { continue };
        if kind.read(ctx, &id).await?.is_none() {
            rec.record(|st| remove(R::record(st), &key));
        }
    }
    Ok(if R::recorded(&rec.snapshot()).is_value() {
        Found::Present
    } else {
        Found::Gone
    })
}

async fn reconcile_all<R: Row>(
    row: &R,
    ctx: &Ctx,
    prior: &DataStoresState,
    rec: &Recorder<DataStoresState>,
) -> Result<(), CompositeError> {
    let planned = rec.snapshot();
    let want = row.wanted(&planned);
    let recorded = R::recorded(prior)
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    for (key, id) in &recorded {
        if !want.contains(key) {
            if let Some(id) = id.as_ref_option() {
                row.kind(prior).delete(ctx, id).await?;
            }
            rec.record(|st| {
                remove(R::record(st), key);
                if let Some(kind) = R::ARN_KIND {
                    remove(&mut st.arns, &names::arn_key(kind, key));
                }
            });
        }
    }
    for key in &want {
        match recorded.get(key).and_then(|id| id.as_ref_option().cloned()) {
            None => create_one(row, ctx, &planned, key, rec).await?,
            Some(id) => {
                let spec = row.spec(ctx, &planned, key).await?;
                let found = converge(&row.kind(&planned), ctx, &id, &spec, &tags(&planned)).await?;
                if !found {
                    rec.record(|st| remove(R::record(st), key));
                    create_one(row, ctx, &planned, key, rec).await?;
                } else {
                    rec.record(|st| put(R::record(st), key, id.clone()));
                    if let Some(kind) = R::ARN_KIND {
                        let arn = row.arn(ctx, &planned, key, &id).await?;
                        super::record_arn(rec, kind, key, arn);
                    }
                }
            }
        }
    }
    Ok(())
}

async fn delete_all<R: Row>(
    row: &R,
    ctx: &Ctx,
    state: &DataStoresState,
) -> Result<(), CompositeError> {
    let kind = row.kind(state);
    let recorded = R::recorded(state)
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    for id in recorded.values().filter_map(|id| id.as_ref_option()) {
        kind.delete(ctx, id).await?;
    }
    Ok(())
}

/// The operations of every row, from its [`Row`].
macro_rules! child_ops {
    ($row:ident) => {
        #[async_trait]
        impl ChildOps<DataStoresState> for $row {
            fn name(&self) -> &'static str {
                <$row as Row>::NAME
            }
            async fn create(
                &self,
                ctx: &Ctx,
                rec: &Recorder<DataStoresState>,
            ) -> Result<(), CompositeError> {
                create_all(self, ctx, rec).await
            }
            async fn read(
                &self,
                ctx: &Ctx,
                rec: &Recorder<DataStoresState>,
            ) -> Result<Found, CompositeError> {
                read_all(self, ctx, rec).await
            }
            async fn reconcile(
                &self,
                ctx: &Ctx,
                prior: &DataStoresState,
                rec: &Recorder<DataStoresState>,
            ) -> Result<(), CompositeError> {
                reconcile_all(self, ctx, prior, rec).await
            }
            async fn delete(
                &self,
                ctx: &Ctx,
                state: &DataStoresState,
            ) -> Result<(), CompositeError> {
                delete_all(self, ctx, state).await
            }
        }
    };
}

fn known_keys(v: Vec<crate::tf::Value<String>>) -> Vec<String> {
    v.into_iter().filter_map(|k| k.as_option()).collect()
}

/// The `tables` row.
pub struct Tables;

#[async_trait]
impl Row for Tables {
    type K = DynamodbTable;
    const NAME: &'static str = "tables";
    const ARN_KIND: Option<&'static str> = Some("table");
    fn kind(&self, _: &DataStoresState) -> DynamodbTable {
        DynamodbTable
    }
    fn wanted(&self, s: &DataStoresState) -> Vec<String> {
        known_keys(s.tables().into_iter().map(|t| t.key).collect())
    }
    fn record(s: &mut DataStoresState) -> &mut StringMap {
        &mut s.table_names
    }
    fn recorded(s: &DataStoresState) -> &StringMap {
        &s.table_names
    }
    async fn spec(
        &self,
        _ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
    ) -> Result<TableSpec, CompositeError> {
        let block = s
            .tables()
            .into_iter()
            .find(|t| t.key.as_ref_option().map(String::as_str) == Some(key))
            .unwrap_or_default();
        Ok(TableSpec {
            name: s.store(key),
            hash_key: block.hash_key.as_option().unwrap_or_else(|| "id".into()),
            range_key: block.range_key.as_option(),
            kms_encrypted: true,
            point_in_time_recovery: s.prod(),
            deletion_protection: s.prod(),
        })
    }
    async fn arn(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
        _id: &str,
    ) -> Result<String, CompositeError> {
        let sc = scope(ctx).await?;
        Ok(format!(
            "arn:{}:dynamodb:{}:{}:table/{}",
            sc.partition,
            sc.region,
            sc.account,
            s.store(key)
        ))
    }
}
child_ops!(Tables);

/// The `buckets` row.
pub struct Buckets;

#[async_trait]
impl Row for Buckets {
    type K = S3Bucket;
    const NAME: &'static str = "buckets";
    const ARN_KIND: Option<&'static str> = Some("bucket");
    fn kind(&self, s: &DataStoresState) -> S3Bucket {
        S3Bucket::new(s.force_destroy.as_option() == Some(true))
    }
    fn wanted(&self, s: &DataStoresState) -> Vec<String> {
        known_keys(s.buckets().into_iter().map(|b| b.key).collect())
    }
    fn record(s: &mut DataStoresState) -> &mut StringMap {
        &mut s.bucket_names
    }
    fn recorded(s: &DataStoresState) -> &StringMap {
        &s.bucket_names
    }
    async fn spec(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
    ) -> Result<BucketSpec, CompositeError> {
        let mut b = BucketSpec::secure(&s.store(key), &ctx.clients);
        if s.prod() {
            b.lifecycle = vec![LifecycleRule {
                noncurrent_version_expiration_days: Some(PROD_LIFECYCLE_DAYS as i32),
                ..LifecycleRule::new(LIFECYCLE_ID)
            }];
        }
        Ok(b)
    }
    async fn arn(
        &self,
        ctx: &Ctx,
        _s: &DataStoresState,
        _key: &str,
        id: &str,
    ) -> Result<String, CompositeError> {
        Ok(crate::kinds::s3_bucket::arn(&ctx.clients, id))
    }
}
child_ops!(Buckets);

/// The `dead_letter_queues` row.
pub struct DeadLetterQueues;

fn queue_block(s: &DataStoresState, key: &str) -> super::QueueValue {
    s.queues()
        .into_iter()
        .find(|q| q.key.as_ref_option().map(String::as_str) == Some(key))
        .unwrap_or_default()
}

#[async_trait]
impl Row for DeadLetterQueues {
    type K = SqsQueue;
    const NAME: &'static str = "dead_letter_queues";
    const ARN_KIND: Option<&'static str> = None;
    fn kind(&self, _: &DataStoresState) -> SqsQueue {
        SqsQueue
    }
    fn wanted(&self, s: &DataStoresState) -> Vec<String> {
        known_keys(s.queues().into_iter().map(|q| q.key).collect())
    }
    fn record(s: &mut DataStoresState) -> &mut StringMap {
        &mut s.dlq_urls
    }
    fn recorded(s: &DataStoresState) -> &StringMap {
        &s.dlq_urls
    }
    async fn spec(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
    ) -> Result<QueueSpec, CompositeError> {
        Ok(QueueSpec {
            name: names::dlq(s.name(), key),
            kms_key_id: None,
            retention_seconds: DLQ_RETENTION,
            visibility_timeout_seconds: 30,
            redrive: None,
            tls_only: tls_applies(ctx, "sqs"),
        })
    }
    async fn arn(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
        _id: &str,
    ) -> Result<String, CompositeError> {
        let sc = scope(ctx).await?;
        Ok(format!(
            "arn:{}:sqs:{}:{}:{}",
            sc.partition,
            sc.region,
            sc.account,
            names::dlq(s.name(), key)
        ))
    }
}
child_ops!(DeadLetterQueues);

/// The `queues` row.
pub struct Queues;

#[async_trait]
impl Row for Queues {
    type K = SqsQueue;
    const NAME: &'static str = "queues";
    const ARN_KIND: Option<&'static str> = Some("queue");
    fn kind(&self, _: &DataStoresState) -> SqsQueue {
        SqsQueue
    }
    fn wanted(&self, s: &DataStoresState) -> Vec<String> {
        known_keys(s.queues().into_iter().map(|q| q.key).collect())
    }
    fn record(s: &mut DataStoresState) -> &mut StringMap {
        &mut s.queue_urls
    }
    fn recorded(s: &DataStoresState) -> &StringMap {
        &s.queue_urls
    }
    async fn spec(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
    ) -> Result<QueueSpec, CompositeError> {
        let b = queue_block(s, key);
        let dlq = DeadLetterQueues.arn(ctx, s, key, "").await?;
        Ok(QueueSpec {
            name: s.store(key),
            kms_key_id: None,
            retention_seconds: b.retention_seconds.as_option().unwrap_or(QUEUE_RETENTION),
            visibility_timeout_seconds: b.visibility_timeout_seconds.as_option().unwrap_or(30),
            redrive: Some(Redrive {
                target_arn: dlq,
                max_receive_count: b.max_receive_count.as_option().unwrap_or(5),
            }),
            tls_only: tls_applies(ctx, "sqs"),
        })
    }
    async fn arn(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
        _id: &str,
    ) -> Result<String, CompositeError> {
        let sc = scope(ctx).await?;
        Ok(format!(
            "arn:{}:sqs:{}:{}:{}",
            sc.partition,
            sc.region,
            sc.account,
            s.store(key)
        ))
    }
}
child_ops!(Queues);

/// The `topics` row.
pub struct Topics;

#[async_trait]
impl Row for Topics {
    type K = SnsTopic;
    const NAME: &'static str = "topics";
    const ARN_KIND: Option<&'static str> = Some("topic");
    fn kind(&self, _: &DataStoresState) -> SnsTopic {
        SnsTopic
    }
    fn wanted(&self, s: &DataStoresState) -> Vec<String> {
        known_keys(s.topics().into_iter().map(|t| t.key).collect())
    }
    fn record(s: &mut DataStoresState) -> &mut StringMap {
        &mut s.topic_arns
    }
    fn recorded(s: &DataStoresState) -> &StringMap {
        &s.topic_arns
    }
    async fn spec(
        &self,
        ctx: &Ctx,
        s: &DataStoresState,
        key: &str,
    ) -> Result<TopicSpec, CompositeError> {
        Ok(TopicSpec {
            name: s.store(key),
            kms_key_id: Some(AWS_MANAGED_KEY.to_string()),
            tls_only: tls_applies(ctx, "sns"),
        })
    }
    async fn arn(
        &self,
        _ctx: &Ctx,
        _s: &DataStoresState,
        _key: &str,
        id: &str,
    ) -> Result<String, CompositeError> {
        Ok(id.to_string())
    }
}
child_ops!(Topics);

//! Import of `blueprint_data_stores` by its name: every table, bucket, queue and topic named
//! `NAME-KEY` that carries this resource's owner tag is one of its blocks (a queue's
//! `NAME-KEY-dlq` is its dead-letter queue); the profile is `prod` when a table has
//! point-in-time recovery (or, without tables, a bucket has the prod lifecycle rule).

use super::{BucketValue, DataStoresState, QueueValue, TableValue, TopicValue};
use crate::composite::{CompositeError, Ctx};
use crate::kinds::dynamodb_table::DynamodbTable;
use crate::kinds::ownership::owned;
use crate::kinds::s3_bucket::S3Bucket;
use crate::kinds::sqs_queue::SqsQueue;
use crate::kinds::{Kind, Tags};
use crate::tf::Value;
use blueprint_declarations::composites::data_stores::{names, LIFECYCLE_ID};

fn ours(tags: &Tags, owner: &str) -> bool {
    owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner)
}

/// A list of blocks; none is an empty list, as Terraform holds it after an apply.
fn list<T>(l: Vec<Value<T>>) -> Value<Vec<Value<T>>> {
    Value::Value(l)
}

fn v(s: &str) -> Value<String> {
    Value::Value(s.to_string())
}

/// The state of the stores named `NAME-*` owned by `blueprint_data_stores/NAME`.
pub async fn import(ctx: &Ctx, name: &str) -> Result<DataStoresState, CompositeError> {
    let mut s = DataStoresState {
        id: v(name),
        name: v(name),
        ..Default::default()
    };
    let owner = s.owner();
    let prefix = format!("{name}-");
    let mut prod = None;
    // The tags of the first store found: what every child carries.
    let mut seen_tags: Option<Tags> = None;

    // Tables.
    let mut tables = Vec::new();
    let mut start = None;
    loop {
        let out = ctx
            .clients
            .dynamodb()
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .map_err(|e| CompositeError::aws("Listing DynamoDB tables", &e))?;
        for t in out.table_names().iter().filter(|t| t.starts_with(&prefix)) {
            if let Some((spec, tags)) = DynamodbTable.read(ctx, t).await? {
                if ours(&tags, &owner) {
                    seen_tags.get_or_insert(tags.clone());
                    prod = Some(prod.unwrap_or(false) || spec.point_in_time_recovery);
                    tables.push(Value::Value(TableValue {
                        key: v(&t[prefix.len()..]),
                        hash_key: v(&spec.hash_key),
                        range_key: spec.range_key.as_deref().map_or(Value::Null, v),
                    }));
                }
            }
        }
        start = out.last_evaluated_table_name().map(str::to_string);
        if start.is_none() {
            break;
        }
    }

    // Buckets.
    let mut buckets = Vec::new();
    let out = ctx
        .clients
        .s3()
        .list_buckets()
        .send()
        .await
        .map_err(|e| CompositeError::aws("Listing S3 buckets", &e))?;
    for b in out.buckets().iter().filter_map(|b| b.name()) {
        let Some(key) = b.strip_prefix(&prefix) else {
            continue;
        };
        if let Some((spec, tags)) = S3Bucket::default().read(ctx, &b.to_string()).await? {
            if ours(&tags, &owner) {
                seen_tags.get_or_insert(tags.clone());
                if prod.is_none() {
                    prod = Some(spec.rule(LIFECYCLE_ID).is_some());
                }
                buckets.push(Value::Value(BucketValue { key: v(key) }));
            }
        }
    }

    // Queues and their dead-letter queues.
    let mut queues = Vec::new();
    let out = ctx
        .clients
        .sqs()
        .list_queues()
        .queue_name_prefix(&prefix)
        .send()
        .await
        .map_err(|e| CompositeError::aws("Listing SQS queues", &e))?;
    for url in out.queue_urls() {
        let Some((spec, tags)) = SqsQueue.read(ctx, url).await? else {
            continue;
        };
        if !ours(&tags, &owner) || spec.name.ends_with("-dlq") {
            continue;
        }
        seen_tags.get_or_insert(tags.clone());
        let Some(key) = spec.name.strip_prefix(&prefix) else {
            continue;
        };
        let dlq = crate::kinds::sqs_queue::url(ctx, &format!("{}-dlq", spec.name)).await?;
        super::put(&mut s.queue_urls, key, url.clone());
        if let Some(dlq) = dlq {
            super::put(&mut s.dlq_urls, key, dlq);
        }
        queues.push(Value::Value(QueueValue {
            key: v(key),
            retention_seconds: Value::Value(spec.retention_seconds),
            visibility_timeout_seconds: Value::Value(spec.visibility_timeout_seconds),
            max_receive_count: spec
                .redrive
                .map_or(Value::Null, |r| Value::Value(r.max_receive_count)),
        }));
    }

    // Topics.
    let mut topics = Vec::new();
    let mut token = None;
    loop {
        let out = ctx
            .clients
            .sns()
            .list_topics()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| CompositeError::aws("Listing SNS topics", &e))?;
        for arn in out.topics().iter().filter_map(|t| t.topic_arn()) {
            let topic = arn.rsplit(':').next().unwrap_or(arn);
            let Some(key) = topic.strip_prefix(&prefix) else {
                continue;
            };
            let Some((_, tags)) = crate::kinds::sns_topic::SnsTopic
                .read(ctx, &arn.to_string())
                .await?
            else {
                continue;
            };
            if ours(&tags, &owner) {
                seen_tags.get_or_insert(tags.clone());
                super::put(&mut s.topic_arns, key, arn.to_string());
                topics.push(Value::Value(TopicValue { key: v(key) }));
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }

    if tables.is_empty() && buckets.is_empty() && queues.is_empty() && topics.is_empty() {
        return Err(CompositeError::new(
            format!("Cannot import blueprint_data_stores \"{name}\""),
            format!("No table, bucket, queue or topic named \"{prefix}*\" carries the tag blueprint:owner = \"{owner}\" in the provider's region."),
        ));
    }
    let sc = super::scope(ctx).await?;
    for t in tables.iter().filter_map(|t| t.as_ref_option()) {
        if let Some(k) = t.key.as_ref_option() {
            super::put(&mut s.table_names, k, names::store(name, k));
        }
    }
    for b in &buckets {
        if let Value::Value(b) = b {
            if let Some(k) = b.key.as_ref_option() {
                super::put(&mut s.bucket_names, k, names::store(name, k));
            }
        }
    }
    s.table = list(tables);
    s.bucket = list(buckets);
    s.queue = list(queues);
    s.topic = list(topics);
    s.profile = v(if prod == Some(true) { "prod" } else { "dev" });
    s.force_destroy = Value::Value(false);
    // `tags` are the children's less the owner tag and the provider's default tags.
    let defaults = ctx.clients.default_tags();
    let carried = seen_tags.unwrap_or_default();
    let user: Tags = carried
        .iter()
        .filter(|(k, v)| !k.starts_with("blueprint:") && defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut all = defaults.clone();
    all.extend(user.clone());
    s.tags = if user.is_empty() {
        Value::Null
    } else {
        crate::tf_value::map(user)
    };
    s.tags_all = crate::tf_value::map(all);
    s.arns = crate::tf_value::map(super::all_arns(&s, &sc));
    Ok(s)
}

//! `blueprint_data_stores`: seed 001's data layer on the children table. Each row is one kind
//! of the kinds library applied to every block of its kind ([`rows`]): tables
//! ([`crate::kinds::dynamodb_table`]), buckets ([`crate::kinds::s3_bucket`]), dead-letter
//! queues and queues ([`crate::kinds::sqs_queue`]), topics ([`crate::kinds::sns_topic`]).

mod import;
mod rows;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use crate::tf_value::{entries, known, map, StringMap};
use blueprint_declarations::composites::data_stores as declaration;
use declaration::names;

/// A `table` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableValue {
    /// Its key.
    pub key: Value<String>,
    /// Hash key name.
    pub hash_key: Value<String>,
    /// Range key name.
    pub range_key: Value<String>,
}

/// A `bucket` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BucketValue {
    /// Its key.
    pub key: Value<String>,
}

/// A `queue` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueValue {
    /// Its key.
    pub key: Value<String>,
    /// Message retention, seconds.
    pub retention_seconds: Value<i64>,
    /// Visibility timeout, seconds.
    pub visibility_timeout_seconds: Value<i64>,
    /// Receives before the dead-letter queue.
    pub max_receive_count: Value<i64>,
}

/// A `topic` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicValue {
    /// Its key.
    pub key: Value<String>,
}

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStoresState {
    /// The name.
    pub id: Value<String>,
    /// Prefix of every store.
    pub name: Value<String>,
    /// `dev` or `prod`.
    pub profile: Value<String>,
    /// Empty buckets on destroy.
    pub force_destroy: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Every store's ARN by `KIND/KEY`.
    pub arns: StringMap,
    /// Table names by key (the tables row's record).
    pub table_names: StringMap,
    /// Bucket names by key (the buckets row's record).
    pub bucket_names: StringMap,
    /// Queue URLs by key (the queues row's record).
    pub queue_urls: StringMap,
    /// Dead-letter queue URLs by key (the dead-letter queues row's record).
    pub dlq_urls: StringMap,
    /// Topic ARNs by key (the topics row's record).
    pub topic_arns: StringMap,
    /// Tables.
    pub table: Value<Vec<Value<TableValue>>>,
    /// Buckets.
    pub bucket: Value<Vec<Value<BucketValue>>>,
    /// Queues.
    pub queue: Value<Vec<Value<QueueValue>>>,
    /// Topics.
    pub topic: Value<Vec<Value<TopicValue>>>,
}

fn blocks<T: Clone>(v: &Value<Vec<Value<T>>>) -> Vec<T> {
    v.as_ref_option()
        .map(|l| {
            l.iter()
                .filter_map(|b| b.as_ref_option().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The keys of a map attribute (unknown and null: none).
fn keys(m: &StringMap) -> Vec<String> {
    m.as_ref_option()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Set `key` in the map attribute `m` (creating the map).
fn put(m: &mut StringMap, key: &str, v: String) {
    if !m.is_value() {
        *m = Value::Value(BTreeMap::new());
    }
    if let Value::Value(inner) = m {
        inner.insert(key.to_string(), Value::Value(v));
    }
}

/// Remove `key` from the map attribute `m`; an emptied map becomes null.
fn remove(m: &mut StringMap, key: &str) {
    if let Value::Value(inner) = m {
        inner.remove(key);
        if inner.is_empty() {
            *m = Value::Null;
        }
    }
}

impl DataStoresState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    fn owner(&self) -> String {
        crate::kinds::ownership::owner(declaration::declaration().type_name, self.name())
    }
    /// The tags every child carries: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&entries(&self.tags_all), &self.owner())
    }
    fn prod(&self) -> bool {
        self.profile.as_ref_option().map(String::as_str) == Some("prod")
    }
    fn store(&self, key: &str) -> String {
        names::store(self.name(), key)
    }
    fn tables(&self) -> Vec<TableValue> {
        blocks(&self.table)
    }
    fn buckets(&self) -> Vec<BucketValue> {
        blocks(&self.bucket)
    }
    fn queues(&self) -> Vec<QueueValue> {
        blocks(&self.queue)
    }
    fn topics(&self) -> Vec<TopicValue> {
        blocks(&self.topic)
    }
    /// Whether every block's key is known (else the plan cannot name the children).
    fn keys_known(&self) -> bool {
        let lists_known = !self.table.is_unknown()
            && !self.bucket.is_unknown()
            && !self.queue.is_unknown()
            && !self.topic.is_unknown();
        let all = |v: Vec<Value<String>>| v.iter().all(|k| k.is_value());
        lists_known
            && all(self.tables().into_iter().map(|b| b.key).collect())
            && all(self.buckets().into_iter().map(|b| b.key).collect())
            && all(self.queues().into_iter().map(|b| b.key).collect())
            && all(self.topics().into_iter().map(|b| b.key).collect())
    }
}

/// Where the children live.
struct Scope {
    partition: String,
    region: String,
    account: String,
}

fn plan_scope(clients: Option<&AwsClients>) -> Option<Scope> {
    let c = clients?;
    Some(Scope {
        partition: c.partition().to_string(),
        region: c.region(),
        account: c.account_id()?.to_string(),
    })
}

/// The scope of the apply: the account from the provider's configuration, else STS.
async fn scope(ctx: &Ctx) -> Result<Scope, CompositeError> {
    let account = match ctx.clients.account_id() {
        Some(a) => a.to_string(),
        None => {
            ctx.clients
                .caller_identity()
                .await
                .map_err(|e| CompositeError::new("Reading the account id", e.to_string()))?
                .account_id
        }
    };
    Ok(Scope {
        partition: ctx.clients.partition().to_string(),
        region: ctx.clients.region(),
        account,
    })
}

/// Every store's ARN by `KIND/KEY`, from the names alone.
fn all_arns(s: &DataStoresState, sc: &Scope) -> BTreeMap<String, String> {
    let (p, r, a) = (&sc.partition, &sc.region, &sc.account);
    let mut out = BTreeMap::new();
    for t in s.tables() {
        if let Some(k) = t.key.as_ref_option() {
            out.insert(
                names::arn_key("table", k),
                format!("arn:{p}:dynamodb:{r}:{a}:table/{}", s.store(k)),
            );
        }
    }
    for b in s.buckets() {
        if let Some(k) = b.key.as_ref_option() {
            out.insert(
                names::arn_key("bucket", k),
                format!("arn:{p}:s3:::{}", s.store(k)),
            );
        }
    }
    for q in s.queues() {
        if let Some(k) = q.key.as_ref_option() {
            out.insert(
                names::arn_key("queue", k),
                format!("arn:{p}:sqs:{r}:{a}:{}", s.store(k)),
            );
        }
    }
    for t in s.topics() {
        if let Some(k) = t.key.as_ref_option() {
            out.insert(
                names::arn_key("topic", k),
                format!("arn:{p}:sns:{r}:{a}:{}", s.store(k)),
            );
        }
    }
    out
}

/// Fill what the plan derives: `id`, `tags_all`, `arns` (from the names; the account comes
/// from the provider's configuration), and the rows' records: kept from `prior` for a row
/// whose keys did not change, unknown otherwise.
fn derive(s: &mut DataStoresState, prior: Option<&DataStoresState>, clients: Option<&AwsClients>) {
    s.id = s.name.clone();
    if s.profile.is_null() {
        s.profile = Value::Value("dev".into());
    }
    if s.force_destroy.is_null() {
        s.force_destroy = Value::Value(false);
    }
    if let (false, Some(c)) = (s.tags.is_unknown(), clients) {
        let mut all = c.default_tags().clone();
        all.extend(entries(&s.tags));
        s.tags_all = map(all);
    } else {
        s.tags_all = Value::Unknown;
    }
    s.arns = match (plan_scope(clients), s.keys_known() && s.name.is_value()) {
        (Some(sc), true) => map(all_arns(s, &sc)),
        _ => Value::Unknown,
    };
    type Keys = fn(&DataStoresState) -> Vec<Option<String>>;
    let table_keys: Keys = |x| x.tables().into_iter().map(|b| b.key.as_option()).collect();
    let bucket_keys: Keys = |x| x.buckets().into_iter().map(|b| b.key.as_option()).collect();
    let queue_keys: Keys = |x| x.queues().into_iter().map(|b| b.key.as_option()).collect();
    let topic_keys: Keys = |x| x.topics().into_iter().map(|b| b.key.as_option()).collect();
    let known = s.keys_known();
    let snapshot = s.clone();
    let same =
        |f: Keys| prior.is_some_and(|p| known && f(p) == f(&snapshot) && p.name == snapshot.name);
    let keep = |theirs: Option<&StringMap>, same: bool| match (same, theirs) {
        (true, Some(t)) => t.clone(),
        _ => Value::Unknown,
    };
    s.table_names = keep(prior.map(|p| &p.table_names), same(table_keys));
    s.bucket_names = keep(prior.map(|p| &p.bucket_names), same(bucket_keys));
    let queues_same = same(queue_keys);
    s.queue_urls = keep(prior.map(|p| &p.queue_urls), queues_same);
    s.dlq_urls = keep(prior.map(|p| &p.dlq_urls), queues_same);
    s.topic_arns = keep(prior.map(|p| &p.topic_arns), same(topic_keys));
}

/// Keys appearing twice in one kind of block: the plan refuses them on the second.
fn validate_keys(config: &DataStoresState, diags: &mut Diagnostics) {
    let check = |block: &'static str, keys: Vec<Value<String>>, diags: &mut Diagnostics| {
        let mut seen = std::collections::BTreeSet::new();
        for (i, k) in keys.iter().enumerate() {
            if let Value::Value(k) = k {
                if !seen.insert(k.clone()) {
                    diags.error(
                        "Duplicate store key",
                        format!("{block}[{i}].key: \"{k}\" is already the key of another {block}; each {block} needs its own."),
                        AttributePath::new(block).index(i as i64).attribute("key"),
                    );
                }
            }
        }
    };
    check(
        "table",
        config.tables().into_iter().map(|b| b.key).collect(),
        diags,
    );
    check(
        "bucket",
        config.buckets().into_iter().map(|b| b.key).collect(),
        diags,
    );
    check(
        "queue",
        config.queues().into_iter().map(|b| b.key).collect(),
        diags,
    );
    check(
        "topic",
        config.topics().into_iter().map(|b| b.key).collect(),
        diags,
    );
}

/// The composite.
pub struct DataStores;

#[async_trait]
impl Composite for DataStores {
    type State = DataStoresState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        validate_keys(config, diags);
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) {
        derive(planned, None, clients);
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        derive(planned, Some(prior), clients);
        match crate::composite::plan::replacements(self.declaration(), prior, planned) {
            Ok(r) => r,
            Err(e) => {
                CompositeError::from(e).report(diags);
                Vec::new()
            }
        }
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(rows::Tables),
            Box::new(rows::Buckets),
            Box::new(rows::DeadLetterQueues),
            Box::new(rows::Queues),
            Box::new(rows::Topics),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        let mut s = import::import(ctx, id).await?;
        // `tags_all` as the children carry it, less the owner tag.
        let rec = Recorder::new(s.clone());
        self.table()?.read_all(ctx, &rec).await?;
        s = rec.snapshot();
        Ok(s)
    }
}

/// Record `arn` under `KIND/KEY` in `arns` (the apply's value, in case the plan could not
/// derive it).
fn record_arn(rec: &Recorder<DataStoresState>, kind: &str, key: &str, arn: String) {
    rec.record(|st| put(&mut st.arns, &names::arn_key(kind, key), arn.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> DataStoresState {
        let key = |k: &str| Value::Value(k.to_string());
        DataStoresState {
            name: key("senas"),
            table: Value::Value(vec![Value::Value(TableValue {
                key: key("UserProgress"),
                ..Default::default()
            })]),
            bucket: Value::Value(vec![Value::Value(BucketValue {
                key: key("user-uploads"),
            })]),
            queue: Value::Value(vec![Value::Value(QueueValue {
                key: key("video-processing"),
                ..Default::default()
            })]),
            topic: Value::Value(vec![
                Value::Value(TopicValue {
                    key: key("achievement-notifs"),
                }),
                Value::Value(TopicValue {
                    key: key("achievement-notifs"),
                }),
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn arns_follow_from_the_names() {
        let sc = Scope {
            partition: "aws".into(),
            region: "us-east-2".into(),
            account: "123456789012".into(),
        };
        let arns = all_arns(&state(), &sc);
        assert_eq!(
            arns["table/UserProgress"],
            "arn:aws:dynamodb:us-east-2:123456789012:table/senas-UserProgress"
        );
        assert_eq!(
            arns["bucket/user-uploads"],
            "arn:aws:s3:::senas-user-uploads"
        );
        assert_eq!(
            arns["queue/video-processing"],
            "arn:aws:sqs:us-east-2:123456789012:senas-video-processing"
        );
        assert_eq!(
            arns["topic/achievement-notifs"],
            "arn:aws:sns:us-east-2:123456789012:senas-achievement-notifs"
        );
        // Each derived ARN names one store exactly, as a service's `uses` needs.
        for arn in arns.values() {
            let parsed: crate::types::arn::Arn = arn.parse().unwrap();
            assert!(
                blueprint_declarations::composites::secure_service::uses::StoreKind::of(&parsed)
                    .is_some(),
                "{arn}"
            );
        }
    }

    #[test]
    fn a_key_used_twice_is_an_error_on_the_second() {
        let mut diags = Diagnostics::default();
        DataStores.validate(&state(), &mut diags);
        let at: Vec<AttributePath> = diags.errors.iter().map(|d| d.attribute.clone()).collect();
        assert_eq!(at, [AttributePath::new("topic").index(1).attribute("key")]);
    }

    #[test]
    fn a_row_whose_keys_did_not_change_keeps_its_record() {
        let mut prior = state();
        prior.table_names = map([("UserProgress".to_string(), "arn".to_string())]
            .into_iter()
            .collect());
        prior.queue_urls = map([("video-processing".to_string(), "url".to_string())]
            .into_iter()
            .collect());
        let mut planned = state();
        if let Value::Value(q) = &mut planned.queue {
            q.push(Value::Value(QueueValue {
                key: Value::Value("ml-inference".into()),
                ..Default::default()
            }));
        }
        derive(&mut planned, Some(&prior), None);
        assert_eq!(planned.table_names, prior.table_names);
        assert!(planned.queue_urls.is_unknown());
        assert!(planned.dlq_urls.is_unknown());
        assert_eq!(planned.profile, Value::Value("dev".into()));
    }
}

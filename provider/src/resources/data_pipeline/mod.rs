//! `blueprint_data_pipeline`: seed 004's buckets and Lambda stages, with each stage's role
//! derived from its edges (see `blueprint_declarations::composites::data_pipeline::flow`).
//!
//! Every child kind is one row of the children table whose id attribute is a map (by bucket
//! suffix or stage name): a row creates the entries it lacks, reads each recorded one (a gone
//! entry leaves the map, so the next plan shows it made again), and its reconcile deletes the
//! entries no longer configured, makes the missing ones and updates the rest in place.

mod buckets;
mod functions;
mod import;
mod log_groups;
mod queues;
mod roles;
mod triggers;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::plan::attribute_path;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::declare::value::{self, Path, Step};
use crate::tf_value::{entries, known, map, StringMap};
pub use blueprint_declarations::composites::data_pipeline as declaration;
use declaration::flow::{self, names, Flow, Known, Scope};

/// `bucket { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BucketValue {
    /// `NAME-SUFFIX`.
    pub suffix: Value<String>,
    /// What it holds.
    pub purpose: Value<String>,
    /// Transition to GLACIER after this many days.
    pub glacier_transition_days: Value<i64>,
    /// Expire noncurrent versions after this many days.
    pub noncurrent_version_expiration_days: Value<i64>,
}

/// An element of `reads` or `writes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeValue {
    /// Bucket suffix.
    pub bucket: Value<String>,
    /// Key prefix.
    pub prefix: Value<String>,
}

/// `trigger = { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriggerValue {
    /// Bucket suffix.
    pub bucket: Value<String>,
    /// Key prefix filter.
    pub prefix: Value<String>,
    /// Key suffix filter.
    pub suffix: Value<String>,
}

/// `stage { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageValue {
    /// Stage name.
    pub name: Value<String>,
    /// Lambda runtime.
    pub runtime: Value<String>,
    /// Entry point.
    pub handler: Value<String>,
    /// Local zip.
    pub filename: Value<String>,
    /// Code bucket.
    pub s3_bucket: Value<String>,
    /// Code key.
    pub s3_key: Value<String>,
    /// Memory (MB).
    pub memory_size: Value<i64>,
    /// Timeout (s).
    pub timeout: Value<i64>,
    /// Plain environment.
    pub environment: StringMap,
    /// What it reads.
    pub reads: Value<Vec<Value<EdgeValue>>>,
    /// What it writes.
    pub writes: Value<Vec<Value<EdgeValue>>>,
    /// What invokes it.
    pub trigger: Value<TriggerValue>,
}

impl StageValue {
    fn stage_name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
}

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataPipelineState {
    /// The pipeline's name.
    pub id: Value<String>,
    /// Prefix of every child's name.
    pub name: Value<String>,
    /// Log retention (days).
    pub log_retention_days: Value<i64>,
    /// Empty buckets on destroy.
    pub force_destroy: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Buckets.
    pub bucket: Value<Vec<Value<BucketValue>>>,
    /// Stages.
    pub stage: Value<Vec<Value<StageValue>>>,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Bucket names by suffix.
    pub bucket_names: StringMap,
    /// Bucket ARNs by suffix (the buckets' id map).
    pub bucket_arns: StringMap,
    /// Whether each bucket's guaranteed settings were found.
    pub bucket_settings_ok: Value<BTreeMap<String, Value<bool>>>,
    /// Log groups by stage.
    pub log_group_names: StringMap,
    /// Dead-letter queue ARNs by stage.
    pub dlq_arns: StringMap,
    /// Role ARNs by stage.
    pub role_arns: StringMap,
    /// Observed policy documents by stage.
    pub policy_documents: StringMap,
    /// Function ARNs by stage.
    pub function_arns: StringMap,
    /// Code hashes by stage.
    pub source_code_hashes: StringMap,
    /// Lambda permissions by stage.
    pub permission_ids: StringMap,
    /// Trigger buckets by stage.
    pub notification_ids: StringMap,
}

/// Tag holding a bucket's `purpose`.
pub const PURPOSE_TAG: &str = "blueprint:purpose";
/// Tag holding a function's code source.
pub const CODE_TAG: &str = "blueprint:code";
/// Tag holding a bucket's or function's position among the configuration's `bucket` or
/// `stage` blocks, so that import gives the blocks back in the configuration's order (and the
/// plan after import is empty).
pub const POSITION_TAG: &str = "blueprint:position";
/// Tag on every bucket while `force_destroy` is true, so that import reads it back.
pub const FORCE_DESTROY_TAG: &str = "blueprint:force-destroy";

/// The owner tag's value of pipeline `name`.
fn owner_of(name: &str) -> String {
    crate::kinds::ownership::owner(declaration::declaration().type_name, name)
}

impl DataPipelineState {
    fn pipeline(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }

    /// The data flow, and which parts of it are known.
    pub fn flow(&self) -> (Flow, Known) {
        match value::to_generic(self) {
            Ok(g) => flow::from_config(&g),
            Err(_) => (Flow::default(), Known::default()),
        }
    }

    fn buckets(&self) -> Vec<&BucketValue> {
        self.bucket
            .as_ref_option()
            .map(|l| l.iter().filter_map(Value::as_ref_option).collect())
            .unwrap_or_default()
    }

    fn stages(&self) -> Vec<&StageValue> {
        self.stage
            .as_ref_option()
            .map(|l| l.iter().filter_map(Value::as_ref_option).collect())
            .unwrap_or_default()
    }

    fn bucket_block(&self, suffix: &str) -> Option<&BucketValue> {
        self.buckets()
            .into_iter()
            .find(|b| known(&b.suffix) == Some(suffix))
    }

    fn stage_block(&self, name: &str) -> Option<&StageValue> {
        self.stages().into_iter().find(|s| s.stage_name() == name)
    }

    fn bucket_name(&self, suffix: &str) -> String {
        names::bucket(self.pipeline(), suffix)
    }

    fn owner(&self) -> String {
        owner_of(self.pipeline())
    }

    /// The tags every child carries: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&entries(&self.tags_all), &self.owner())
    }

    /// A bucket's tags: the children's, its purpose (`blueprint:purpose`) when given, its
    /// block's position (`blueprint:position`) and `blueprint:force-destroy` while
    /// `force_destroy` is true (import reads all three back).
    fn bucket_tags(&self, suffix: &str) -> BTreeMap<String, String> {
        let mut t = self.child_tags();
        if let Some(p) = self.bucket_block(suffix).and_then(|b| known(&b.purpose)) {
            t.insert(PURPOSE_TAG.to_string(), p.to_string());
        }
        if let Some(i) = self
            .buckets()
            .iter()
            .position(|b| known(&b.suffix) == Some(suffix))
        {
            t.insert(POSITION_TAG.to_string(), i.to_string());
        }
        if self.force_destroy.as_option() == Some(true) {
            t.insert(FORCE_DESTROY_TAG.to_string(), "true".to_string());
        }
        t
    }

    /// A function's tags: the children's, its block's position (`blueprint:position`) and
    /// where its code comes from (`blueprint:code`, the `filename` or `s3://BUCKET/KEY`), which
    /// import reads back.
    fn function_tags(&self, stage: &str) -> BTreeMap<String, String> {
        let mut t = self.child_tags();
        if let Some(i) = self.stages().iter().position(|s| s.stage_name() == stage) {
            t.insert(POSITION_TAG.to_string(), i.to_string());
        }
        if let Some(st) = self.stage_block(stage) {
            let code = match (known(&st.filename), known(&st.s3_bucket), known(&st.s3_key)) {
                (Some(f), _, _) => Some(f.to_string()),
                (None, Some(b), Some(k)) => Some(format!("s3://{b}/{k}")),
                _ => None,
            };
            if let Some(code) = code {
                t.insert(CODE_TAG.to_string(), code);
            }
        }
        t
    }

    fn tags_changed(&self, prior: &DataPipelineState) -> bool {
        prior.child_tags() != self.child_tags()
    }

    fn log_retention(&self) -> i64 {
        self.log_retention_days.as_option().unwrap_or(30)
    }
}

/// The keys of a map-valued attribute (unknown and null: none).
fn keys<T>(m: &Value<BTreeMap<String, Value<T>>>) -> Vec<String> {
    m.as_ref_option()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Set `key` in the map attribute `m` (creating the map).
fn put<T>(m: &mut Value<BTreeMap<String, Value<T>>>, key: &str, v: T) {
    if !m.is_value() {
        *m = Value::Value(BTreeMap::new());
    }
    if let Value::Value(inner) = m {
        inner.insert(key.to_string(), Value::Value(v));
    }
}

/// Remove `key` from the map attribute `m`; an emptied map becomes null (nothing recorded).
fn remove<T>(m: &mut Value<BTreeMap<String, Value<T>>>, key: &str) {
    if let Value::Value(inner) = m {
        inner.remove(key);
        if inner.is_empty() {
            *m = Value::Null;
        }
    }
}

/// Where the children live: the configured region and partition, and the account (from the
/// provider's configuration, else asked of STS).
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

fn plan_scope(clients: Option<&AwsClients>) -> Option<Scope> {
    let c = clients?;
    Some(Scope {
        partition: c.partition().to_string(),
        region: c.region(),
        account: c.account_id()?.to_string(),
    })
}

/// The base64 SHA-256 of a local file (Lambda's `CodeSha256` of that zip).
pub fn file_hash(path: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes)))
}

fn unknown_map<T>() -> Value<BTreeMap<String, Value<T>>> {
    Value::Unknown
}

/// Fill what the plan derives from the configuration: `id`, `tags_all`, and every child's
/// id and output, which follow from the names (ARNs need the account id), so a plan shows the
/// ARNs and policies it will make. `prior` keeps an S3-sourced stage's code hash.
fn derive(
    s: &mut DataPipelineState,
    prior: Option<&DataPipelineState>,
    clients: Option<&AwsClients>,
) {
    s.id = s.name.clone();
    if s.tags.is_unknown() {
        s.tags_all = Value::Unknown;
    } else if let Some(c) = clients {
        let mut all = c.default_tags().clone();
        all.extend(entries(&s.tags));
        s.tags_all = map(all);
    } else {
        s.tags_all = Value::Unknown;
    }
    let (flow, known_parts) = s.flow();
    let scope = plan_scope(clients);
    let (Some(scope), true, true, true) = (
        scope,
        known_parts.buckets,
        known_parts.edges,
        s.name.is_value(),
    ) else {
        s.bucket_names = unknown_map();
        s.bucket_arns = unknown_map();
        s.bucket_settings_ok = unknown_map();
        s.log_group_names = unknown_map();
        s.dlq_arns = unknown_map();
        s.role_arns = unknown_map();
        s.policy_documents = unknown_map();
        s.function_arns = unknown_map();
        s.source_code_hashes = unknown_map();
        s.permission_ids = unknown_map();
        s.notification_ids = unknown_map();
        return;
    };
    let name = flow.name.clone();
    let by_bucket = |f: &dyn Fn(&str) -> String| -> StringMap {
        map(flow
            .buckets
            .iter()
            .map(|b| (b.suffix.clone(), f(&b.suffix)))
            .collect())
    };
    s.bucket_names = by_bucket(&|x| names::bucket(&name, x));
    s.bucket_arns = by_bucket(&|x| scope.bucket_arn(&names::bucket(&name, x)));
    s.bucket_settings_ok = Value::Value(
        flow.buckets
            .iter()
            .map(|b| (b.suffix.clone(), Value::Value(true)))
            .collect(),
    );
    let by_stage = |f: &dyn Fn(&flow::Stage) -> String| -> StringMap {
        map(flow
            .stages
            .iter()
            .map(|st| (st.name.clone(), f(st)))
            .collect())
    };
    s.log_group_names = by_stage(&|st| names::log_group(&name, &st.name));
    s.dlq_arns = by_stage(&|st| scope.queue_arn(&names::queue(&name, &st.name)));
    s.role_arns = by_stage(&|st| scope.role_arn(&names::role(&name, &st.name)));
    s.policy_documents = by_stage(&|st| {
        crate::kinds::iam_role::canonical_document(&flow.policy_document(&scope, st))
    });
    s.function_arns = by_stage(&|st| scope.function_arn(&names::function(&name, &st.name)));
    let mut hashes = BTreeMap::new();
    for st in s.stages() {
        let stage = st.stage_name().to_string();
        let hash = match (&st.filename, known(&st.s3_key)) {
            (Value::Value(f), _) => file_hash(f).map_or(Value::Unknown, Value::Value),
            (Value::Unknown, _) => Value::Unknown,
            // S3 code: what Lambda reported, while the object named stays the same.
            (_, key) => {
                let before = prior.and_then(|p| p.stage_block(&stage));
                let same =
                    before.is_some_and(|b| known(&b.s3_key) == key && b.s3_bucket == st.s3_bucket);
                prior
                    .and_then(|p| p.source_code_hashes.as_ref_option())
                    .and_then(|m| m.get(&stage))
                    .filter(|_| same)
                    .cloned()
                    .unwrap_or(Value::Unknown)
            }
        };
        hashes.insert(stage, hash);
    }
    s.source_code_hashes = if hashes.is_empty() {
        Value::Null
    } else {
        Value::Value(hashes)
    };
    let triggered: Vec<&flow::Stage> = flow
        .stages
        .iter()
        .filter(|st| st.trigger.is_some())
        .collect();
    if triggered.is_empty() {
        s.permission_ids = Value::Null;
        s.notification_ids = Value::Null;
    } else {
        s.permission_ids = map(triggered
            .iter()
            .map(|st| {
                (
                    st.name.clone(),
                    format!(
                        "{}/{}",
                        names::function(&name, &st.name),
                        flow::PERMISSION_SID
                    ),
                )
            })
            .collect());
        s.notification_ids = map(triggered
            .iter()
            .filter_map(|st| {
                let t = st.trigger.as_ref()?;
                Some((st.name.clone(), names::bucket(&name, &t.bucket)))
            })
            .collect());
    }
    let empty = |m: &mut StringMap| {
        if m.as_ref_option().is_some_and(|m| m.is_empty()) {
            *m = Value::Null;
        }
    };
    for m in [
        &mut s.bucket_names,
        &mut s.bucket_arns,
        &mut s.log_group_names,
        &mut s.dlq_arns,
        &mut s.role_arns,
        &mut s.policy_documents,
        &mut s.function_arns,
    ] {
        empty(m);
    }
    if s.bucket_settings_ok
        .as_ref_option()
        .is_some_and(|m| m.is_empty())
    {
        s.bucket_settings_ok = Value::Null;
    }
}

/// A new pipeline: every row's id map is unknown until its children exist (the children table
/// makes the rows whose ids are not recorded).
fn unknown_ids(s: &mut DataPipelineState) {
    for m in [
        &mut s.bucket_arns,
        &mut s.log_group_names,
        &mut s.dlq_arns,
        &mut s.role_arns,
        &mut s.function_arns,
    ] {
        *m = Value::Unknown;
    }
    for m in [&mut s.permission_ids, &mut s.notification_ids] {
        if !m.is_null() {
            *m = Value::Unknown;
        }
    }
}

/// The composite.
pub struct DataPipeline;

#[async_trait]
impl Composite for DataPipeline {
    type State = DataPipelineState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        let (flow, known_parts) = config.flow();
        for p in flow::problems(&flow, &known_parts) {
            diags.error(
                p.summary,
                format!("{}: {}", p.path, p.detail),
                attribute_path(&p.path),
            );
        }
        for (i, st) in config.stages().into_iter().enumerate() {
            let path = |field: &str| {
                Path::attr("stage")
                    .then(Step::Index(i))
                    .then(Step::Attr(field.to_string()))
            };
            let at = |field: &str| attribute_path(&path(field));
            let unknown =
                st.filename.is_unknown() || st.s3_bucket.is_unknown() || st.s3_key.is_unknown();
            if unknown {
                continue;
            }
            let from_s3 = st.s3_bucket.is_value() || st.s3_key.is_value();
            match (&st.filename, from_s3) {
                (Value::Value(_), true) | (Value::Null, false) => diags.error(
                    "Code source",
                    format!(
                        "{}: stage \"{}\" needs exactly one code source: `filename` (a local zip), or `s3_bucket` with `s3_key`.",
                        path("filename"),
                        st.stage_name()
                    ),
                    at("filename"),
                ),
                (Value::Value(f), false) => {
                    if !std::path::Path::new(f).is_file() {
                        diags.error(
                            "Code file not found",
                            format!(
                                "{}: stage \"{}\": \"{f}\" is not a file (relative paths are from the directory Terraform runs in). Build the zip first, or give `s3_bucket` and `s3_key`.",
                                path("filename"),
                                st.stage_name()
                            ),
                            at("filename"),
                        );
                    }
                }
                _ => {
                    if st.s3_bucket.is_null() || st.s3_key.is_null() {
                        diags.error(
                            "Code source",
                            format!(
                                "stage \"{}\": `s3_bucket` and `s3_key` go together.",
                                st.stage_name()
                            ),
                            at(if st.s3_key.is_null() { "s3_key" } else { "s3_bucket" }),
                        );
                    }
                }
            }
        }
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) {
        derive(planned, None, clients);
        unknown_ids(planned);
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        derive(planned, Some(prior), clients);
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(buckets::Buckets),
            Box::new(log_groups::LogGroups),
            Box::new(queues::Queues),
            Box::new(roles::Roles),
            Box::new(functions::Functions),
            Box::new(triggers::Permissions),
            Box::new(triggers::Notifications),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        import::import(ctx, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DataPipelineState {
        let edge = |b: &str, p: &str| {
            Value::Value(EdgeValue {
                bucket: Value::Value(b.into()),
                prefix: Value::Value(p.into()),
            })
        };
        DataPipelineState {
            name: Value::Value("ml".into()),
            bucket: Value::Value(vec![
                Value::Value(BucketValue {
                    suffix: Value::Value("raw".into()),
                    ..Default::default()
                }),
                Value::Value(BucketValue {
                    suffix: Value::Value("clean".into()),
                    ..Default::default()
                }),
            ]),
            stage: Value::Value(vec![Value::Value(StageValue {
                name: Value::Value("prep".into()),
                s3_bucket: Value::Value("code".into()),
                s3_key: Value::Value("prep.zip".into()),
                reads: Value::Value(vec![edge("raw", "in/")]),
                writes: Value::Value(vec![edge("clean", "")]),
                trigger: Value::Value(TriggerValue {
                    bucket: Value::Value("raw".into()),
                    prefix: Value::Value("in/".into()),
                    suffix: Value::Value(".csv".into()),
                }),
                ..Default::default()
            })]),
            ..Default::default()
        }
    }

    #[test]
    fn the_plan_shows_every_arn_and_the_derived_policy() {
        let clients = AwsClients::offline("us-east-2");
        let mut s = config();
        derive(&mut s, None, Some(&clients));
        assert_eq!(entries(&s.bucket_arns)["raw"], "arn:aws:s3:::ml-raw");
        assert_eq!(
            entries(&s.function_arns)["prep"],
            "arn:aws:lambda:us-east-2:123456789012:function:ml-prep"
        );
        assert_eq!(entries(&s.notification_ids)["prep"], "ml-raw");
        assert_eq!(
            entries(&s.permission_ids)["prep"],
            "ml-prep/blueprint-s3-trigger"
        );
        let doc = &entries(&s.policy_documents)["prep"];
        assert!(doc.contains("arn:aws:s3:::ml-raw/in/*"), "{doc}");
        assert!(doc.contains("arn:aws:s3:::ml-clean/*"), "{doc}");
        // S3 code on create: the hash is known after apply.
        assert!(s.source_code_hashes.as_ref_option().unwrap()["prep"].is_unknown());
        // Without the account, ARNs wait for apply.
        let mut s = config();
        derive(&mut s, None, None);
        assert!(s.function_arns.is_unknown());
    }

    #[test]
    fn a_missing_zip_and_two_code_sources_fail_on_the_stage() {
        let mut s = config();
        if let Value::Value(stages) = &mut s.stage {
            if let Value::Value(st) = &mut stages[0] {
                st.filename = Value::Value("/nonexistent/prep.zip".into());
                st.s3_bucket = Value::Null;
                st.s3_key = Value::Null;
            }
        }
        let mut diags = Diagnostics::default();
        DataPipeline.validate(&s, &mut diags);
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("stage").index(0).attribute("filename")
        );
        let mut s = config();
        if let Value::Value(stages) = &mut s.stage {
            if let Value::Value(st) = &mut stages[0] {
                st.filename = Value::Value("Cargo.toml".into());
            }
        }
        let mut diags = Diagnostics::default();
        DataPipeline.validate(&s, &mut diags);
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert!(diags.errors[0].detail.contains("exactly one code source"));
    }

    #[test]
    fn an_undeclared_bucket_fails_on_its_path() {
        let mut s = config();
        if let Value::Value(stages) = &mut s.stage {
            if let Value::Value(st) = &mut stages[0] {
                st.writes = Value::Value(vec![Value::Value(EdgeValue {
                    bucket: Value::Value("models".into()),
                    prefix: Value::Value("".into()),
                })]);
            }
        }
        let mut diags = Diagnostics::default();
        DataPipeline.validate(&s, &mut diags);
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("stage")
                .index(0)
                .attribute("writes")
                .index(0)
                .attribute("bucket")
        );
    }
}

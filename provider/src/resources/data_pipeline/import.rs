//! Import by the pipeline's name: the children carrying its owner tag are found (buckets
//! `NAME-*`, functions `NAME-*`), and the blocks are rebuilt from them: a bucket's lifecycle
//! and purpose tag, a function's settings and code tag, a stage's edges from its role's derived
//! policy, its trigger from the bucket notifications. Buckets and stages come back in the
//! configuration's order (their `blueprint:position` tags; alphabetical for children without
//! one), and `force_destroy` from the buckets' `blueprint:force-destroy` tag, so that the plan
//! after importing with the same configuration is empty.

use std::collections::BTreeMap;

use crate::tf::Value;

use super::{
    derive, BucketValue, DataPipelineState, EdgeValue, StageValue, TriggerValue, CODE_TAG,
    FORCE_DESTROY_TAG, POSITION_TAG, PURPOSE_TAG,
};
use crate::composite::engine::Table;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::kinds::iam_role;
use crate::kinds::ownership::{owned, OWNER_TAG};
use crate::kinds::s3_bucket::{self, S3Bucket};
use crate::kinds::Kind;
use crate::tf_value::map;
use blueprint_declarations::composites::data_pipeline::flow::{names, POLICY_NAME};

fn value<T>(v: Option<T>) -> Value<T> {
    v.map_or(Value::Null, Value::Value)
}

/// A child's position among its blocks (its `blueprint:position` tag); without one, after
/// every positioned child.
fn position(tag: Option<&String>) -> usize {
    tag.and_then(|p| p.parse().ok()).unwrap_or(usize::MAX)
}

/// The buckets of pipeline `name` in the configuration's order, and whether they carry the
/// `force_destroy` tag.
async fn buckets(
    ctx: &Ctx,
    name: &str,
    owner: &str,
) -> Result<(Vec<BucketValue>, bool), CompositeError> {
    let s3 = ctx.clients.s3();
    let list = s3
        .list_buckets()
        .send()
        .await
        .map_err(|e| CompositeError::aws("Listing buckets", &e))?;
    let mut out = Vec::new();
    let mut force_destroy = false;
    for b in list.buckets() {
        let Some(bucket) = b.name() else { continue };
        let Some(suffix) = bucket.strip_prefix(&format!("{name}-")) else {
            continue;
        };
        // A bucket this account cannot read the tags of (another region...) is not ours.
        let Ok(tags) = s3_bucket::tags_of(ctx, bucket).await else {
            continue;
        };
        if !owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            continue;
        }
        let rule = S3Bucket::default()
            .read(ctx, &bucket.to_string())
            .await?
            .and_then(|(spec, _)| spec.rule(super::buckets::LIFECYCLE_ID).cloned());
        force_destroy |= tags.get(FORCE_DESTROY_TAG).map(String::as_str) == Some("true");
        let at = position(tags.get(POSITION_TAG));
        out.push((
            at,
            BucketValue {
                suffix: Value::Value(suffix.to_string()),
                purpose: value(tags.get(PURPOSE_TAG).cloned()),
                glacier_transition_days: value(
                    rule.as_ref()
                        .and_then(|r| r.glacier_transition_days)
                        .map(i64::from),
                ),
                noncurrent_version_expiration_days: value(
                    rule.as_ref()
                        .and_then(|r| r.noncurrent_version_expiration_days)
                        .map(i64::from),
                ),
            },
        ));
    }
    out.sort_by(|(i, a), (j, b)| (i, a.suffix.as_ref_option()).cmp(&(j, b.suffix.as_ref_option())));
    Ok((out.into_iter().map(|(_, b)| b).collect(), force_destroy))
}

/// The edges of a statement of the derived policy: `arn:P:s3:::NAME-SUFFIX/PREFIX*`.
fn edges(doc: &serde_json::Value, sid: &str, name: &str, suffixes: &[String]) -> Vec<EdgeValue> {
    let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
    let Some(st) = statements.iter().find(|s| s["Sid"] == sid) else {
        return Vec::new();
    };
    let resources: Vec<String> = match &st["Resource"] {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for r in resources {
        let Some(object) = r.split(":::").nth(1) else {
            continue;
        };
        let Some((bucket, key)) = object.split_once('/') else {
            continue;
        };
        // The longest suffix whose bucket this is.
        let Some(suffix) = suffixes
            .iter()
            .filter(|s| names::bucket(name, s) == bucket)
            .max_by_key(|s| s.len())
        else {
            continue;
        };
        out.push(EdgeValue {
            bucket: Value::Value(suffix.clone()),
            prefix: Value::Value(key.strip_suffix('*').unwrap_or(key).to_string()),
        });
    }
    out
}

/// The stages of pipeline `name`, rebuilt from its functions, roles and notifications.
async fn stages(
    ctx: &Ctx,
    name: &str,
    owner: &str,
    suffixes: &[String],
) -> Result<Vec<StageValue>, CompositeError> {
    let lambda = ctx.clients.lambda();
    let mut functions = Vec::new();
    let mut marker = None;
    loop {
        let out = lambda
            .list_functions()
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| CompositeError::aws("Listing functions", &e))?;
        functions.extend(
            out.functions()
                .iter()
                .filter_map(|f| f.function_name().map(str::to_string)),
        );
        marker = out.next_marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    // Triggers: every notification of the pipeline's buckets, by stage.
    let s3 = ctx.clients.s3();
    let mut triggers = BTreeMap::new();
    for suffix in suffixes {
        let bucket = names::bucket(name, suffix);
        let configs = match s3
            .get_bucket_notification_configuration()
            .bucket(&bucket)
            .send()
            .await
        {
            Ok(out) => out.lambda_function_configurations().to_vec(),
            Err(e) if super::triggers::empty_answer(&e) => Vec::new(),
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading the notifications of \"{bucket}\""),
                    &e,
                ))
            }
        };
        for c in &configs {
            let Some(stage) = c
                .id()
                .and_then(|i| i.strip_prefix(super::flow::NOTIFICATION_ID_PREFIX))
            else {
                continue;
            };
            let (prefix, sfx) = super::triggers::filters(c);
            triggers.insert(
                stage.to_string(),
                TriggerValue {
                    bucket: Value::Value(suffix.clone()),
                    prefix: Value::Value(prefix),
                    suffix: Value::Value(sfx),
                },
            );
        }
    }
    let mut out = Vec::new();
    functions.sort();
    for function in functions {
        let Some(stage) = function.strip_prefix(&format!("{name}-")) else {
            continue;
        };
        let f = lambda
            .get_function()
            .function_name(&function)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading function \"{function}\""), &e))?;
        let tags = f.tags().cloned().unwrap_or_default();
        if !owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            continue;
        }
        let Some(c) = f.configuration() else { continue };
        let code = tags.get(CODE_TAG).cloned().unwrap_or_default();
        let (filename, s3_bucket, s3_key) =
            match code.strip_prefix("s3://").and_then(|r| r.split_once('/')) {
                Some((b, k)) => (None, Some(b.to_string()), Some(k.to_string())),
                None => (Some(code.clone()).filter(|c| !c.is_empty()), None, None),
            };
        let env: BTreeMap<String, String> = c
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let role = names::role(name, stage);
        let doc = iam_role::read(ctx, &role)
            .await?
            .and_then(|o| o.inline.get(POLICY_NAME).cloned())
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .unwrap_or_default();
        let list = |v: Vec<EdgeValue>| -> Value<Vec<Value<EdgeValue>>> {
            if v.is_empty() {
                Value::Null
            } else {
                Value::Value(v.into_iter().map(Value::Value).collect())
            }
        };
        out.push((
            position(tags.get(POSITION_TAG)),
            StageValue {
                name: Value::Value(stage.to_string()),
                runtime: value(c.runtime().map(|r| r.as_str().to_string())),
                handler: value(c.handler().map(str::to_string)),
                filename: value(filename),
                s3_bucket: value(s3_bucket),
                s3_key: value(s3_key),
                memory_size: value(c.memory_size().map(i64::from)),
                timeout: value(c.timeout().map(i64::from)),
                environment: if env.is_empty() {
                    Value::Null
                } else {
                    map(env)
                },
                reads: list(edges(&doc, "ReadObjects", name, suffixes)),
                writes: list(edges(&doc, "WriteObjects", name, suffixes)),
                trigger: value(triggers.remove(stage)),
            },
        ));
    }
    // Stable: children without a position stay in alphabetical order after the others.
    out.sort_by_key(|(at, _)| *at);
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// Build the state of pipeline `id` from its children.
pub async fn import(ctx: &Ctx, id: &str) -> Result<DataPipelineState, CompositeError> {
    let name = id.trim();
    if let Err(e) = blueprint_declarations::composites::data_pipeline::check_name(name) {
        return Err(CompositeError::new("Invalid import id", e));
    }
    let owner = super::owner_of(name);
    let (found_buckets, force_destroy) = buckets(ctx, name, &owner).await?;
    let suffixes: Vec<String> = found_buckets
        .iter()
        .filter_map(|b| b.suffix.as_ref_option().cloned())
        .collect();
    let found_stages = stages(ctx, name, &owner, &suffixes).await?;
    if found_buckets.is_empty() && found_stages.is_empty() {
        return Err(CompositeError::new(
            "Cannot import",
            format!("no bucket or function carries the tag {OWNER_TAG} = \"{owner}\""),
        ));
    }
    let mut state = DataPipelineState {
        name: Value::Value(name.to_string()),
        bucket: Value::Value(found_buckets.into_iter().map(Value::Value).collect()),
        stage: Value::Value(found_stages.into_iter().map(Value::Value).collect()),
        force_destroy: Value::Value(force_destroy),
        ..Default::default()
    };
    // The user's tags: what the children carry beyond the provider's default tags and markers.
    let role_tags = match ctx
        .clients
        .iam()
        .list_role_tags()
        .role_name(names::role(
            name,
            state
                .stages()
                .first()
                .map(|s| s.stage_name())
                .unwrap_or_default(),
        ))
        .send()
        .await
    {
        Ok(out) => out
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(_) => BTreeMap::new(),
    };
    let defaults = ctx.clients.default_tags();
    let user: BTreeMap<String, String> = role_tags
        .into_iter()
        .filter(|(k, v)| !k.starts_with("blueprint:") && defaults.get(k) != Some(v))
        .collect();
    state.tags = if user.is_empty() {
        Value::Null
    } else {
        map(user)
    };
    derive(&mut state, None, Some(&ctx.clients));
    // Every child as it is: the ids of what exists, observed values.
    let rec = Recorder::new(state);
    let pipeline = super::DataPipeline;
    let table = Table::new(pipeline.declaration(), pipeline.children())
        .map_err(|e| CompositeError::new("Internal error in the provider", e.to_string()))?;
    table.read_all(ctx, &rec).await?;
    let mut state = rec.snapshot();
    if state.log_retention_days.is_null() {
        state.log_retention_days = Value::Value(30);
    }
    Ok(state)
}

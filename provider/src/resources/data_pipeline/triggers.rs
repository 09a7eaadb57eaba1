//! Child rows `permissions` and `notifications`: for each triggered stage, the Lambda
//! permission letting S3 invoke its function (from the trigger bucket and this account only),
//! then the bucket's notification configuration (`s3:ObjectCreated:*` with the trigger's prefix
//! and suffix filters) that invokes it.

use crate::kinds::codes as code;
use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, S3KeyFilter,
};

use super::{keys, put, remove, scope, DataPipelineState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{
    done_unless_gone, retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy,
};
use blueprint_declarations::composites::data_pipeline::flow::{names, Trigger, PERMISSION_SID};

/// The event every trigger listens to.
const CREATED: &str = "s3:ObjectCreated:*";

/// The triggered stages and their triggers (unknown configuration: none).
fn triggered(s: &DataPipelineState) -> Vec<(String, Trigger)> {
    s.flow()
        .0
        .stages
        .into_iter()
        .filter_map(|st| Some((st.name, st.trigger?)))
        .collect()
}

/// Whether the configuration asks for triggers (or may: not yet known).
fn any_trigger(s: &DataPipelineState) -> bool {
    let (flow, known) = s.flow();
    !known.edges || flow.stages.iter().any(|st| st.trigger.is_some())
}

/// The statement `PERMISSION_SID` of `function`'s policy, when there is one.
async fn permission(
    ctx: &Ctx,
    function: &str,
) -> Result<Option<serde_json::Value>, CompositeError> {
    match ctx
        .clients
        .lambda()
        .get_policy()
        .function_name(function)
        .send()
        .await
    {
        Ok(out) => {
            let doc: serde_json::Value =
                serde_json::from_str(out.policy().unwrap_or("{}")).unwrap_or_default();
            let statements = match &doc["Statement"] {
                serde_json::Value::Array(a) => a.clone(),
                s @ serde_json::Value::Object(_) => vec![s.clone()],
                _ => Vec::new(),
            };
            Ok(statements.into_iter().find(|s| s["Sid"] == PERMISSION_SID))
        }
        Err(e) if error_code(&e).as_deref() == Some(code::lambda::RESOURCE_NOT_FOUND_EXCEPTION) => {
            Ok(None)
        }
        Err(e) => Err(CompositeError::aws(
            format!("Reading the policy of \"{function}\""),
            &e,
        )),
    }
}

/// Whether statement `s` allows invocation from `bucket_arn`.
fn from_bucket(s: &serde_json::Value, bucket_arn: &str) -> bool {
    s.to_string().contains(&format!("\"{bucket_arn}\""))
}

async fn remove_permission(ctx: &Ctx, function: &str) -> Result<(), CompositeError> {
    done_unless_gone(
        ctx.clients
            .lambda()
            .remove_permission()
            .function_name(function)
            .statement_id(PERMISSION_SID)
            .send()
            .await,
        code::lambda::RESOURCE_NOT_FOUND_EXCEPTION,
        format!("Removing the S3 permission of \"{function}\""),
    )
}

async fn grant(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    trigger: &Trigger,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let sc = scope(ctx).await?;
    let function = names::function(s.pipeline(), stage);
    let bucket_arn = sc.bucket_arn(&names::bucket(s.pipeline(), &trigger.bucket));
    match permission(ctx, &function).await? {
        Some(st) if from_bucket(&st, &bucket_arn) => {}
        existing => {
            if existing.is_some() {
                remove_permission(ctx, &function).await?;
            }
            ctx.clients
                .lambda()
                .add_permission()
                .function_name(&function)
                .statement_id(PERMISSION_SID)
                .action("lambda:InvokeFunction")
                .principal("s3.amazonaws.com")
                .source_arn(&bucket_arn)
                .source_account(&sc.account)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Letting S3 invoke \"{function}\""), &e)
                })?;
        }
    }
    let id = format!("{function}/{PERMISSION_SID}");
    rec.record(|r| put(&mut r.permission_ids, stage, id));
    Ok(())
}

/// The `permissions` row.
pub struct Permissions;

#[async_trait]
impl ChildOps<DataPipelineState> for Permissions {
    fn name(&self) -> &'static str {
        "permissions"
    }

    fn wanted(&self, state: &DataPipelineState) -> bool {
        any_trigger(state)
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.permission_ids);
        for (stage, t) in triggered(&planned) {
            if !have.contains(&stage) {
                grant(ctx, &planned, &stage, &t, rec).await?;
            }
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let sc = scope(ctx).await?;
        let triggers: BTreeMap<String, Trigger> = triggered(&s).into_iter().collect();
        for stage in keys(&s.permission_ids) {
            let function = names::function(s.pipeline(), &stage);
            let ok = match (permission(ctx, &function).await?, triggers.get(&stage)) {
                (Some(st), Some(t)) => {
                    from_bucket(&st, &sc.bucket_arn(&names::bucket(s.pipeline(), &t.bucket)))
                }
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !ok {
                rec.record(|r| remove(&mut r.permission_ids, &stage));
            }
        }
        Ok(if rec.snapshot().permission_ids.is_value() {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DataPipelineState,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let want = triggered(&planned);
        for stage in keys(&prior.permission_ids) {
            if !want.iter().any(|(s, _)| *s == stage) {
                remove_permission(ctx, &names::function(prior.pipeline(), &stage)).await?;
            }
        }
        let before: BTreeMap<String, Trigger> = triggered(prior).into_iter().collect();
        let have = keys(&prior.permission_ids);
        for (stage, t) in &want {
            if !have.contains(stage) || before.get(stage).map(|b| &b.bucket) != Some(&t.bucket) {
                grant(ctx, &planned, stage, t, rec).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for stage in keys(&state.permission_ids) {
            remove_permission(ctx, &names::function(state.pipeline(), &stage)).await?;
        }
        Ok(())
    }
}

/// The notification configuration of bucket `suffix`: one Lambda configuration per stage
/// triggered by it.
async fn configuration(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
) -> Result<NotificationConfiguration, CompositeError> {
    let sc = scope(ctx).await?;
    let mut lambdas = Vec::new();
    for (stage, t) in triggered(s).into_iter().filter(|(_, t)| t.bucket == suffix) {
        let mut rules = Vec::new();
        for (name, value) in [
            (FilterRuleName::Prefix, &t.prefix),
            (FilterRuleName::Suffix, &t.suffix),
        ] {
            if !value.is_empty() {
                rules.push(FilterRule::builder().name(name).value(value).build());
            }
        }
        let mut c = LambdaFunctionConfiguration::builder()
            .id(names::notification_id(&stage))
            .lambda_function_arn(sc.function_arn(&names::function(s.pipeline(), &stage)))
            .events(Event::from(CREATED));
        if !rules.is_empty() {
            c = c.filter(
                NotificationConfigurationFilter::builder()
                    .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                    .build(),
            );
        }
        lambdas.push(
            c.build()
                .map_err(|e| CompositeError::new("Building a notification", e.to_string()))?,
        );
    }
    Ok(NotificationConfiguration::builder()
        .set_lambda_function_configurations(Some(lambdas))
        .build())
}

/// Write bucket `suffix`'s whole notification configuration (the pipeline owns the bucket).
async fn put_configuration(
    ctx: &Ctx,
    s: &DataPipelineState,
    suffix: &str,
) -> Result<(), CompositeError> {
    let bucket = names::bucket(s.pipeline(), suffix);
    let config = configuration(ctx, s, suffix).await?;
    let s3 = ctx.clients.s3();
    retry(
        &ctx.deadline,
        "writing the notifications",
        RetryPolicy::default(),
        || async {
            match s3
                .put_bucket_notification_configuration()
                .bucket(&bucket)
                .notification_configuration(config.clone())
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if error_code(&e).as_deref() == Some(code::s3::NO_SUCH_BUCKET) => Ok(()),
                Err(e) => {
                    let err = CompositeError::aws(
                        format!("Writing the notifications of \"{bucket}\""),
                        &e,
                    );
                    // S3 checks the function's permission, which may take a moment to be seen.
                    if crate::clients::error_text(&e).contains("Unable to validate") {
                        Err(Attempt::Retry(err))
                    } else {
                        Err(Attempt::Fail(err))
                    }
                }
            }
        },
    )
    .await
}

/// The buckets (suffixes) with a trigger, in `s`.
fn trigger_buckets(s: &DataPipelineState) -> BTreeSet<String> {
    triggered(s).into_iter().map(|(_, t)| t.bucket).collect()
}

/// The `notifications` row.
pub struct Notifications;

#[async_trait]
impl ChildOps<DataPipelineState> for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn wanted(&self, state: &DataPipelineState) -> bool {
        any_trigger(state)
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        for suffix in trigger_buckets(&planned) {
            put_configuration(ctx, &planned, &suffix).await?;
            let bucket = names::bucket(planned.pipeline(), &suffix);
            rec.record(|r| {
                for (stage, t) in triggered(&planned) {
                    if t.bucket == suffix {
                        put(&mut r.notification_ids, &stage, bucket.clone());
                    }
                }
            });
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let recorded: BTreeMap<String, String> = crate::tf_value::entries(&s.notification_ids);
        let buckets: BTreeSet<&String> = recorded.values().collect();
        let s3 = ctx.clients.s3();
        let sc = scope(ctx).await?;
        let triggers: BTreeMap<String, Trigger> = triggered(&s).into_iter().collect();
        for bucket in buckets {
            let found = match s3
                .get_bucket_notification_configuration()
                .bucket(bucket)
                .send()
                .await
            {
                Ok(out) => out.lambda_function_configurations().to_vec(),
                Err(e)
                    if error_code(&e).as_deref() == Some(code::s3::NO_SUCH_BUCKET)
                        || empty_answer(&e) =>
                {
                    Vec::new()
                }
                Err(e) => {
                    return Err(CompositeError::aws(
                        format!("Reading the notifications of \"{bucket}\""),
                        &e,
                    ))
                }
            };
            for (stage, _) in recorded.iter().filter(|(_, b)| *b == bucket) {
                let want_arn = sc.function_arn(&names::function(s.pipeline(), stage));
                let matches = found.iter().any(|c| {
                    c.id() == Some(names::notification_id(stage).as_str())
                        && c.lambda_function_arn() == want_arn
                        && triggers
                            .get(stage)
                            .is_none_or(|t| filters(c) == (t.prefix.clone(), t.suffix.clone()))
                });
                if !matches {
                    rec.record(|r| remove(&mut r.notification_ids, stage));
                }
            }
        }
        Ok(if rec.snapshot().notification_ids.is_value() {
            Found::Present
        } else {
            Found::Gone
        })
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &DataPipelineState,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let mut all = trigger_buckets(&planned);
        all.extend(trigger_buckets(prior));
        let want = trigger_buckets(&planned);
        for suffix in all {
            // A bucket the pipeline no longer has is gone with its notifications.
            if want.contains(&suffix) || planned.bucket_block(&suffix).is_some() {
                put_configuration(ctx, &planned, &suffix).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        let recorded: BTreeSet<String> = crate::tf_value::entries(&state.notification_ids)
            .into_values()
            .collect();
        let s3 = ctx.clients.s3();
        for bucket in recorded {
            match s3
                .put_bucket_notification_configuration()
                .bucket(&bucket)
                .notification_configuration(NotificationConfiguration::builder().build())
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error_code(&e).as_deref() == Some(code::s3::NO_SUCH_BUCKET) => {}
                Err(e) => {
                    return Err(CompositeError::aws(
                        format!("Removing the notifications of \"{bucket}\""),
                        &e,
                    ))
                }
            }
        }
        Ok(())
    }
}

/// A successful answer without a body: a bucket that never had a notification configuration
/// can be answered that way (an endpoint may send nothing rather than an empty
/// `NotificationConfiguration`), which the SDK cannot parse. It means "no configuration".
pub(super) fn empty_answer<E>(
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> bool {
    err.raw_response().is_some_and(|r| {
        r.status().is_success()
            && r.body()
                .bytes()
                .is_some_and(|b| b.iter().all(|c| c.is_ascii_whitespace()))
    })
}

/// The prefix and suffix filters of a configuration (`""` when absent).
pub(super) fn filters(c: &LambdaFunctionConfiguration) -> (String, String) {
    let mut out = (String::new(), String::new());
    let rules = c
        .filter()
        .and_then(|f| f.key())
        .map(|k| k.filter_rules())
        .unwrap_or_default();
    for r in rules {
        let v = r.value().unwrap_or_default().to_string();
        match r.name() {
            Some(FilterRuleName::Prefix) => out.0 = v,
            Some(FilterRuleName::Suffix) => out.1 = v,
            _ => {}
        }
    }
    out
}

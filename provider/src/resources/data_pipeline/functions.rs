//! Child row `functions`: each stage's Lambda function `NAME-STAGE`, with its code (a local zip
//! or an S3 object), settings, environment, role and dead-letter queue.
//!
//! Every refresh reads the settings the stage declares (runtime, handler, memory, timeout,
//! environment) back into its block, as import does: one edited out of band (a variable added,
//! a timeout raised) shows in the next plan and the apply puts the configured one back.

use crate::kinds::codes as code;
use std::collections::HashMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_lambda::types::{DeadLetterConfig, Environment, FunctionCode, Runtime};
use aws_smithy_types::Blob;

use super::{keys, put, remove, scope, DataPipelineState, StageValue};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Recorder, RetryPolicy};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::{entries, known};
use blueprint_declarations::composites::data_pipeline::flow::names;

const GONE: &str = code::lambda::RESOURCE_NOT_FOUND_EXCEPTION;

fn function(s: &DataPipelineState, stage: &str) -> String {
    names::function(s.pipeline(), stage)
}

fn block<'s>(s: &'s DataPipelineState, stage: &str) -> Result<&'s StageValue, CompositeError> {
    s.stage_block(stage).ok_or_else(|| {
        CompositeError::new(
            "Building a function",
            format!("stage \"{stage}\" is not configured"),
        )
    })
}

fn code(st: &StageValue) -> Result<FunctionCode, CompositeError> {
    if let Some(path) = known(&st.filename) {
        let bytes = std::fs::read(path).map_err(|e| {
            CompositeError::new(
                format!("Reading the code of stage \"{}\"", st.stage_name()),
                format!("{path}: {e}"),
            )
        })?;
        return Ok(FunctionCode::builder().zip_file(Blob::new(bytes)).build());
    }
    Ok(FunctionCode::builder()
        .set_s3_bucket(known(&st.s3_bucket).map(str::to_string))
        .set_s3_key(known(&st.s3_key).map(str::to_string))
        .build())
}

fn environment(st: &StageValue) -> Environment {
    Environment::builder()
        .set_variables(Some(entries(&st.environment).into_iter().collect()))
        .build()
}

/// A role just made is not assumable by Lambda for a few seconds; a function being updated
/// refuses another update until it is done. Both are retried.
fn lambda_attempt<E, R>(
    what: String,
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Attempt
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let retryable = match error_code(&err).as_deref() {
        Some(code::lambda::INVALID_PARAMETER_VALUE_EXCEPTION) => {
            crate::clients::error_text(&err).contains("cannot be assumed")
        }
        Some(code::lambda::RESOURCE_CONFLICT_EXCEPTION) => {
            crate::clients::error_text(&err).contains("in progress")
        }
        Some(code::lambda::TOO_MANY_REQUESTS_EXCEPTION) => true,
        _ => false,
    };
    let e = CompositeError::aws(what, &err);
    if retryable {
        Attempt::Retry(e)
    } else {
        Attempt::Fail(e)
    }
}

async fn create_one(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
    rec: &Recorder<DataPipelineState>,
) -> Result<(), CompositeError> {
    let st = block(s, stage)?;
    let name = function(s, stage);
    let sc = scope(ctx).await?;
    let role = sc.role_arn(&names::role(s.pipeline(), stage));
    let dlq = sc.queue_arn(&names::queue(s.pipeline(), stage));
    let code = code(st)?;
    let tags: HashMap<String, String> = s.function_tags(stage).into_iter().collect();
    let lambda = ctx.clients.lambda();
    let sent = retry(
        &ctx.deadline,
        "creating the function",
        RetryPolicy::default(),
        || async {
            let r = lambda
                .create_function()
                .function_name(&name)
                .runtime(Runtime::from(known(&st.runtime).unwrap_or_default()))
                .handler(known(&st.handler).unwrap_or_default())
                .role(&role)
                .code(code.clone())
                .memory_size(st.memory_size.as_option().unwrap_or(128) as i32)
                .timeout(st.timeout.as_option().unwrap_or(30) as i32)
                .environment(environment(st))
                .dead_letter_config(DeadLetterConfig::builder().target_arn(&dlq).build())
                .set_tags(Some(tags.clone()))
                .send()
                .await;
            match r {
                Ok(out) => Ok(Some((
                    out.function_arn().unwrap_or_default().to_string(),
                    out.code_sha256().unwrap_or_default().to_string(),
                ))),
                // Made by an earlier, interrupted create of this pipeline: adopt it below.
                Err(e)
                    if error_code(&e).as_deref()
                        == Some(code::lambda::RESOURCE_CONFLICT_EXCEPTION)
                        && !crate::clients::error_text(&e).contains("in progress") =>
                {
                    Ok(None)
                }
                Err(e) => Err(lambda_attempt(format!("Creating function \"{name}\""), e)),
            }
        },
    )
    .await?;
    let (arn, hash) = match sent {
        Some(made) => made,
        None => {
            let out = lambda
                .get_function()
                .function_name(&name)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading function \"{name}\""), &e))?;
            let ours = out.tags().is_some_and(|t| {
                owned(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), &s.owner())
            });
            if !ours {
                return Err(not_ours(&format!("Lambda function \"{name}\""), &s.owner()));
            }
            let c = out.configuration();
            let made = (
                c.and_then(|c| c.function_arn())
                    .unwrap_or_default()
                    .to_string(),
                c.and_then(|c| c.code_sha256())
                    .unwrap_or_default()
                    .to_string(),
            );
            rec.record(|r| put(&mut r.function_arns, stage, made.0.clone()));
            // Bring the adopted function to the plan.
            update_configuration(ctx, s, stage).await?;
            update_code(ctx, s, stage).await?;
            made
        }
    };
    rec.record(|r| {
        put(&mut r.function_arns, stage, arn.clone());
        put(&mut r.source_code_hashes, stage, hash.clone());
    });
    Ok(())
}

async fn update_configuration(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
) -> Result<(), CompositeError> {
    let st = block(s, stage)?;
    let name = function(s, stage);
    let sc = scope(ctx).await?;
    let role = sc.role_arn(&names::role(s.pipeline(), stage));
    let dlq = sc.queue_arn(&names::queue(s.pipeline(), stage));
    let lambda = ctx.clients.lambda();
    retry(
        &ctx.deadline,
        "updating the function",
        RetryPolicy::default(),
        || async {
            lambda
                .update_function_configuration()
                .function_name(&name)
                .runtime(Runtime::from(known(&st.runtime).unwrap_or_default()))
                .handler(known(&st.handler).unwrap_or_default())
                .role(&role)
                .memory_size(st.memory_size.as_option().unwrap_or(128) as i32)
                .timeout(st.timeout.as_option().unwrap_or(30) as i32)
                .environment(environment(st))
                .dead_letter_config(DeadLetterConfig::builder().target_arn(&dlq).build())
                .send()
                .await
                .map_err(|e| lambda_attempt(format!("Updating function \"{name}\""), e))
        },
    )
    .await?;
    Ok(())
}

/// Upload the stage's code; returns Lambda's `CodeSha256`.
async fn update_code(
    ctx: &Ctx,
    s: &DataPipelineState,
    stage: &str,
) -> Result<String, CompositeError> {
    let st = block(s, stage)?;
    let name = function(s, stage);
    let c = code(st)?;
    let lambda = ctx.clients.lambda();
    let out = retry(
        &ctx.deadline,
        "updating the code",
        RetryPolicy::default(),
        || async {
            lambda
                .update_function_code()
                .function_name(&name)
                .set_zip_file(c.zip_file().cloned())
                .set_s3_bucket(c.s3_bucket().map(str::to_string))
                .set_s3_key(c.s3_key().map(str::to_string))
                .send()
                .await
                .map_err(|e| lambda_attempt(format!("Updating the code of \"{name}\""), e))
        },
    )
    .await?;
    Ok(out.code_sha256().unwrap_or_default().to_string())
}

/// The block of stage `name` in `s`, to record what was observed into.
fn stage_block_mut<'s>(s: &'s mut DataPipelineState, name: &str) -> Option<&'s mut StageValue> {
    s.stage
        .as_mut_option()?
        .iter_mut()
        .filter_map(Value::as_mut_option)
        .find(|b| b.stage_name() == name)
}

/// Stands in the state for an environment value that is not the configured one: a variable
/// added or changed out of band may hold a secret, which must not reach the state or the plan.
pub const OUT_OF_BAND_VALUE: &str = "(set outside Terraform; value not recorded)";

/// Record the function's settings as Lambda reports them into the stage's block (drift shows
/// in the next plan). Environment values that are not the ones the block holds are recorded as
/// [`OUT_OF_BAND_VALUE`]; an environment Lambda reports empty stays as the block has it (null
/// or `{}`: both mean none).
fn observe(block: &mut StageValue, c: &aws_sdk_lambda::types::FunctionConfiguration) {
    if let Some(r) = c.runtime() {
        block.runtime = Value::Value(r.as_str().to_string());
    }
    if let Some(h) = c.handler() {
        block.handler = Value::Value(h.to_string());
    }
    if let Some(m) = c.memory_size() {
        block.memory_size = Value::Value(i64::from(m));
    }
    if let Some(t) = c.timeout() {
        block.timeout = Value::Value(i64::from(t));
    }
    let had = entries(&block.environment);
    let env: std::collections::BTreeMap<String, String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| {
            v.iter()
                .map(|(k, v)| {
                    let v = if had.get(k) == Some(v) {
                        v.clone()
                    } else {
                        OUT_OF_BAND_VALUE.to_string()
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    if env != had {
        block.environment = if env.is_empty() {
            Value::Null
        } else {
            crate::tf_value::map(env)
        };
    }
}

async fn delete_one(ctx: &Ctx, s: &DataPipelineState, stage: &str) -> Result<(), CompositeError> {
    let name = function(s, stage);
    crate::composite::done_unless_gone(
        ctx.clients
            .lambda()
            .delete_function()
            .function_name(&name)
            .send()
            .await,
        GONE,
        format!("Deleting function \"{name}\""),
    )
}

fn wanted(s: &DataPipelineState) -> Vec<String> {
    s.flow().0.stages.into_iter().map(|st| st.name).collect()
}

/// The `functions` row.
pub struct Functions;

#[async_trait]
impl ChildOps<DataPipelineState> for Functions {
    fn name(&self) -> &'static str {
        "functions"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let have = keys(&planned.function_arns);
        for stage in wanted(&planned).into_iter().filter(|s| !have.contains(s)) {
            create_one(ctx, &planned, &stage, rec).await?;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<DataPipelineState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        for stage in keys(&s.function_arns) {
            let name = function(&s, &stage);
            match ctx
                .clients
                .lambda()
                .get_function()
                .function_name(&name)
                .send()
                .await
            {
                Ok(out) => {
                    let c = out.configuration();
                    let arn = c
                        .and_then(|c| c.function_arn())
                        .unwrap_or_default()
                        .to_string();
                    let hash = c
                        .and_then(|c| c.code_sha256())
                        .unwrap_or_default()
                        .to_string();
                    rec.record(|r| {
                        put(&mut r.function_arns, &stage, arn);
                        put(&mut r.source_code_hashes, &stage, hash);
                        if let (Some(c), Some(block)) = (c, stage_block_mut(r, &stage)) {
                            observe(block, c);
                        }
                    });
                }
                Err(e) if error_code(&e).as_deref() == Some(GONE) => rec.record(|r| {
                    remove(&mut r.function_arns, &stage);
                    remove(&mut r.source_code_hashes, &stage);
                }),
                Err(e) => {
                    return Err(CompositeError::aws(
                        format!("Reading function \"{name}\""),
                        &e,
                    ))
                }
            }
        }
        Ok(if rec.snapshot().function_arns.is_value() {
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
        let want = wanted(&planned);
        let have = keys(&prior.function_arns);
        for stage in have.iter().filter(|s| !want.contains(s)) {
            delete_one(ctx, prior, stage).await?;
        }
        for stage in &want {
            if !have.contains(stage) {
                create_one(ctx, &planned, stage, rec).await?;
                continue;
            }
            let (before, after) = (prior.stage_block(stage), planned.stage_block(stage));
            let settings = |b: Option<&StageValue>| {
                b.map(|b| {
                    (
                        b.runtime.clone(),
                        b.handler.clone(),
                        b.memory_size,
                        b.timeout,
                        b.environment.clone(),
                    )
                })
            };
            if settings(before) != settings(after) {
                update_configuration(ctx, &planned, stage).await?;
            }
            let hash = |s: &DataPipelineState| {
                s.source_code_hashes
                    .as_ref_option()
                    .and_then(|m| m.get(stage))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            let source = |b: Option<&StageValue>| {
                b.map(|b| (b.filename.clone(), b.s3_bucket.clone(), b.s3_key.clone()))
            };
            if hash(prior) != hash(&planned) || source(before) != source(after) {
                let h = update_code(ctx, &planned, stage).await?;
                rec.record(|r| put(&mut r.source_code_hashes, stage, h));
            }
            if prior.function_tags(stage) != planned.function_tags(stage) {
                let arn = scope(ctx).await?.function_arn(&function(&planned, stage));
                crate::kinds::tags::lambda(
                    ctx,
                    &arn,
                    &prior.function_tags(stage),
                    &planned.function_tags(stage),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &DataPipelineState) -> Result<(), CompositeError> {
        for stage in keys(&state.function_arns) {
            delete_one(ctx, state, &stage).await?;
        }
        Ok(())
    }
}

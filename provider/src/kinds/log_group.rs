//! CloudWatch Logs log group (`aws_cloudwatch_log_group`): name, retention, KMS key, tags
//! through the current tag API (`TagResource`, `UntagResource`, `ListTagsForResource` on the
//! group's ARN; never the deprecated `TagLogGroup` family).

use async_trait::async_trait;

use super::codes as code;
use super::ownership::{not_ours, owned};
use super::{tags, Kind, Lookup, Tags};
use crate::clients::error_code;
use crate::composite::{delete_retrying, CompositeError, Ctx};

/// A log group's settings, as wanted and as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupSpec {
    /// Its name (`/ecs/api`).
    pub name: String,
    /// How many days events are kept; `None`: forever.
    pub retention_days: Option<i32>,
    /// The KMS key encrypting it; `None`: CloudWatch Logs' own encryption.
    pub kms_key_id: Option<String>,
}

impl LogGroupSpec {
    /// `name` kept `days` days (a number of days beyond `i32` is an error: AWS allows 3653 at
    /// most, and the declarations check the allowed values at plan).
    pub fn new(name: impl Into<String>, days: i64) -> Result<Self, CompositeError> {
        let name = name.into();
        let retention_days = i32::try_from(days).map_err(|_| {
            CompositeError::new(
                format!("Log group \"{name}\""),
                format!("a retention of {days} days is not one CloudWatch Logs accepts"),
            )
        })?;
        Ok(Self {
            name,
            retention_days: Some(retention_days),
            kms_key_id: None,
        })
    }
}

/// The log group kind. Its id is its name.
pub struct LogGroup;

/// One described log group: its spec and its ARN (without the `:*` of `arn`).
struct Described {
    spec: LogGroupSpec,
    arn: String,
}

/// Every log group whose name starts with `prefix` (all pages).
pub async fn list(ctx: &Ctx, prefix: &str) -> Result<Vec<LogGroupSpec>, CompositeError> {
    Ok(described(ctx, prefix)
        .await?
        .into_iter()
        .map(|d| d.spec)
        .collect())
}

async fn described(ctx: &Ctx, prefix: &str) -> Result<Vec<Described>, CompositeError> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let out = ctx
            .clients
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Listing log groups \"{prefix}*\""), &e))?;
        for g in out.log_groups() {
            let Some(name) = g.log_group_name() else {
                continue;
            };
            // `logGroupArn` is the ARN the tag API takes; older answers only carry `arn`
            // (the same with `:*`).
            let arn = match (g.log_group_arn(), g.arn()) {
                (Some(a), _) => a.to_string(),
                (None, Some(a)) => a.strip_suffix(":*").unwrap_or(a).to_string(),
                (None, None) => continue,
            };
            found.push(Described {
                spec: LogGroupSpec {
                    name: name.to_string(),
                    retention_days: g.retention_in_days(),
                    kms_key_id: g.kms_key_id().map(str::to_string),
                },
                arn,
            });
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(found);
        }
    }
}

/// The log group named exactly `name`.
async fn describe_one(ctx: &Ctx, name: &str) -> Result<Option<Described>, CompositeError> {
    Ok(described(ctx, name)
        .await?
        .into_iter()
        .find(|d| d.spec.name == name))
}

/// The settings of the log group `name`, without its tags; `None` when there is none.
pub async fn describe(ctx: &Ctx, name: &str) -> Result<Option<LogGroupSpec>, CompositeError> {
    Ok(describe_one(ctx, name).await?.map(|d| d.spec))
}

/// The tags of the log group `arn`.
async fn tags_of(ctx: &Ctx, name: &str, arn: &str) -> Result<Tags, CompositeError> {
    let out = ctx
        .clients
        .logs()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Reading the tags of log group \"{name}\""), &e)
        })?;
    // No `tags` in the answer: the group has none.
    Ok(out
        .tags()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

fn what(name: &str) -> String {
    format!("log group \"{name}\"")
}

#[async_trait]
impl Kind for LogGroup {
    type Spec = LogGroupSpec;
    type Id = String;

    const TERRAFORM_TYPE: &'static str = "aws_cloudwatch_log_group";

    async fn find(
        &self,
        ctx: &Ctx,
        spec: &LogGroupSpec,
        owner: &str,
    ) -> Result<Lookup<String>, CompositeError> {
        let Some(d) = describe_one(ctx, &spec.name).await? else {
            return Ok(Lookup::Absent);
        };
        let tags = tags_of(ctx, &spec.name, &d.arn).await?;
        if owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            Ok(Lookup::Ours(spec.name.clone()))
        } else {
            Err(not_ours(&what(&spec.name), owner))
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        spec: &LogGroupSpec,
        tags: &Tags,
    ) -> Result<String, CompositeError> {
        let sent = ctx
            .clients
            .logs()
            .create_log_group()
            .log_group_name(&spec.name)
            .set_kms_key_id(spec.kms_key_id.clone())
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(spec.name.clone()),
            // Made meanwhile (after `find` looked): ours only if it carries our owner tag.
            Err(e)
                if error_code(&e).as_deref()
                    == Some(code::logs::RESOURCE_ALREADY_EXISTS_EXCEPTION) =>
            {
                let found = match tags.get(super::ownership::OWNER_TAG) {
                    Some(owner) => self.find(ctx, spec, owner).await?,
                    None => Lookup::Absent,
                };
                match found {
                    Lookup::Ours(id) => Ok(id),
                    Lookup::Absent => Err(CompositeError::aws(
                        format!("Creating {}", what(&spec.name)),
                        &e,
                    )),
                }
            }
            Err(e) => Err(CompositeError::aws(
                format!("Creating {}", what(&spec.name)),
                &e,
            )),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx,
        name: &String,
    ) -> Result<Option<(LogGroupSpec, Tags)>, CompositeError> {
        let Some(d) = describe_one(ctx, name).await? else {
            return Ok(None);
        };
        let tags = tags_of(ctx, name, &d.arn).await?;
        Ok(Some((d.spec, tags)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        name: &String,
        observed: &LogGroupSpec,
        wanted: &LogGroupSpec,
    ) -> Result<(), CompositeError> {
        let logs = ctx.clients.logs();
        if observed.retention_days != wanted.retention_days {
            let done = match wanted.retention_days {
                Some(days) => logs
                    .put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(days)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(aws_sdk_cloudwatchlogs::Error::from),
                None => logs
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(aws_sdk_cloudwatchlogs::Error::from),
            };
            done.map_err(|e| {
                CompositeError::aws(format!("Setting the retention of {}", what(name)), &e)
            })?;
        }
        if observed.kms_key_id != wanted.kms_key_id {
            let done = match &wanted.kms_key_id {
                Some(key) => logs
                    .associate_kms_key()
                    .log_group_name(name)
                    .kms_key_id(key)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(aws_sdk_cloudwatchlogs::Error::from),
                None => logs
                    .disassociate_kms_key()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(aws_sdk_cloudwatchlogs::Error::from),
            };
            done.map_err(|e| {
                CompositeError::aws(format!("Setting the KMS key of {}", what(name)), &e)
            })?;
        }
        Ok(())
    }

    async fn set_tags(
        &self,
        ctx: &Ctx,
        name: &String,
        observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError> {
        let Some(d) = describe_one(ctx, name).await? else {
            return Err(CompositeError::new(
                format!("Tagging {}", what(name)),
                "it is gone; apply again to make it",
            ));
        };
        tags::logs(ctx, &d.arn, observed, wanted).await
    }

    async fn delete(&self, ctx: &Ctx, name: &String) -> Result<(), CompositeError> {
        let logs = ctx.clients.logs();
        delete_retrying(
            &ctx.deadline,
            &what(name),
            code::logs::RESOURCE_NOT_FOUND_EXCEPTION,
            code::logs::OPERATION_ABORTED_EXCEPTION,
            || logs.delete_log_group().log_group_name(name).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_takes_a_retention_cloudwatch_can_hold() {
        let spec = LogGroupSpec::new("/ecs/api", 30).unwrap();
        assert_eq!(spec.retention_days, Some(30));
        assert_eq!(spec.kms_key_id, None);
        let err = LogGroupSpec::new("/ecs/api", i64::from(i32::MAX) + 1).unwrap_err();
        assert!(
            err.detail.contains("not one CloudWatch Logs accepts"),
            "{err}"
        );
    }
}

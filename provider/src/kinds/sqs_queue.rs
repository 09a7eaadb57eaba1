//! SQS queue (`aws_sqs_queue`): encrypted at rest (a KMS key, or SQS-managed keys), message
//! retention, visibility timeout, redrive to a dead-letter queue, and a TLS-only queue policy
//! (every `sqs:*` call without `aws:SecureTransport` is denied). Its id is its URL.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value as Json};

use super::codes as code;
use super::ownership::{not_ours, owned};
use super::{id_in_answer, tags, Kind, Lookup, Tags};
use crate::clients::error_code;
use crate::composite::{CompositeError, Ctx};

/// Where a queue's failed messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive {
    /// The dead-letter queue's ARN.
    pub target_arn: String,
    /// Receives before a message moves there.
    pub max_receive_count: i64,
}

/// A queue's settings, as wanted and as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// Its name.
    pub name: String,
    /// The KMS key encrypting it; `None`: SQS-managed server-side encryption.
    pub kms_key_id: Option<String>,
    /// How long a message is kept, in seconds (60 to 1,209,600).
    pub retention_seconds: i64,
    /// How long a received message stays invisible, in seconds (0 to 43,200).
    pub visibility_timeout_seconds: i64,
    /// Its dead-letter queue, if any.
    pub redrive: Option<Redrive>,
    /// Whether its policy denies every call not made over TLS.
    pub tls_only: bool,
}

/// The SQS queue kind. Its id is the queue's URL.
pub struct SqsQueue;

/// Codes SQS answers for a queue that is not there.
const GONE: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    code::sqs::QUEUE_DOES_NOT_EXIST,
];

fn what(name: &str) -> String {
    format!("SQS queue \"{name}\"")
}

/// The TLS-only policy of the queue `arn`.
pub fn tls_only_policy(arn: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })
}

/// Whether `policy` (a queue's `Policy` attribute) is exactly the TLS-only policy of `arn`.
fn is_tls_only(policy: Option<&str>, arn: &str) -> bool {
    policy
        .and_then(|p| serde_json::from_str::<Json>(p).ok())
        .is_some_and(|p| p == tls_only_policy(arn))
}

/// The redrive policy JSON SQS takes.
fn redrive_json(r: &Redrive) -> String {
    json!({"deadLetterTargetArn": r.target_arn, "maxReceiveCount": r.max_receive_count}).to_string()
}

/// A redrive policy as SQS answers it (`maxReceiveCount` as a number or a string).
fn parse_redrive(s: &str) -> Option<Redrive> {
    let v: Json = serde_json::from_str(s).ok()?;
    let count = match &v["maxReceiveCount"] {
        Json::Number(n) => n.as_i64()?,
        Json::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Some(Redrive {
        target_arn: v["deadLetterTargetArn"].as_str()?.to_string(),
        max_receive_count: count,
    })
}

/// The URL of the queue `name`, `None` when there is none.
pub async fn url(ctx: &Ctx, name: &str) -> Result<Option<String>, CompositeError> {
    match ctx
        .clients
        .sqs()
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.queue_url().map(str::to_string)),
        Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(None),
        Err(e) => Err(CompositeError::aws(format!("Finding {}", what(name)), &e)),
    }
}

/// The tags of the queue at `url`.
async fn tags_of(ctx: &Ctx, url: &str) -> Result<Option<Tags>, CompositeError> {
    match ctx
        .clients
        .sqs()
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )),
        Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading the tags of \"{url}\""),
            &e,
        )),
    }
}

/// The queue's name from its URL (its last path segment).
fn name_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// Every attribute of the queue at `url`; `None` when it is gone.
async fn attributes(
    ctx: &Ctx,
    url: &str,
) -> Result<Option<HashMap<QueueAttributeName, String>>, CompositeError> {
    match ctx
        .clients
        .sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.attributes().cloned().unwrap_or_default())),
        Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading {}", what(name_of(url))),
            &e,
        )),
    }
}

/// The ARN of the queue at `url`; `None` when it is gone.
pub async fn arn(ctx: &Ctx, url: &str) -> Result<Option<String>, CompositeError> {
    Ok(attributes(ctx, url)
        .await?
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned()))
}

/// The settings a create call carries (all but the policy, which needs the ARN).
fn create_attributes(spec: &QueueSpec) -> HashMap<QueueAttributeName, String> {
    let mut a = HashMap::new();
    match &spec.kms_key_id {
        Some(key) => {
            a.insert(QueueAttributeName::KmsMasterKeyId, key.clone());
        }
        None => {
            a.insert(QueueAttributeName::SqsManagedSseEnabled, "true".into());
        }
    }
    a.insert(
        QueueAttributeName::MessageRetentionPeriod,
        spec.retention_seconds.to_string(),
    );
    a.insert(
        QueueAttributeName::VisibilityTimeout,
        spec.visibility_timeout_seconds.to_string(),
    );
    if let Some(r) = &spec.redrive {
        a.insert(QueueAttributeName::RedrivePolicy, redrive_json(r));
    }
    a
}

#[async_trait]
impl Kind for SqsQueue {
    type Spec = QueueSpec;
    type Id = String;

    const TERRAFORM_TYPE: &'static str = "aws_sqs_queue";

    async fn find(
        &self,
        ctx: &Ctx,
        spec: &QueueSpec,
        owner: &str,
    ) -> Result<Lookup<String>, CompositeError> {
        let Some(url) = url(ctx, &spec.name).await? else {
            return Ok(Lookup::Absent);
        };
        let Some(tags) = tags_of(ctx, &url).await? else {
            return Ok(Lookup::Absent);
        };
        if owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            Ok(Lookup::Ours(url))
        } else {
            Err(not_ours(&what(&spec.name), owner))
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        spec: &QueueSpec,
        tags: &Tags,
    ) -> Result<String, CompositeError> {
        let out = ctx
            .clients
            .sqs()
            .create_queue()
            .queue_name(&spec.name)
            .set_attributes(Some(create_attributes(spec)))
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating {}", what(&spec.name)), &e))?;
        id_in_answer(out.queue_url(), &what(&spec.name))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        url: &String,
    ) -> Result<Option<(QueueSpec, Tags)>, CompositeError> {
        let Some(a) = attributes(ctx, url).await? else {
            return Ok(None);
        };
        let Some(tags) = tags_of(ctx, url).await? else {
            return Ok(None);
        };
        let get = |n: QueueAttributeName| a.get(&n).map(String::as_str);
        let number = |n: QueueAttributeName| get(n).and_then(|v| v.parse::<i64>().ok());
        let arn = get(QueueAttributeName::QueueArn).unwrap_or_default();
        let spec = QueueSpec {
            name: name_of(url).to_string(),
            kms_key_id: get(QueueAttributeName::KmsMasterKeyId)
                .filter(|k| !k.is_empty())
                .map(str::to_string),
            // A number SQS did not answer reads as -1: never the wanted value, so it is set.
            retention_seconds: number(QueueAttributeName::MessageRetentionPeriod).unwrap_or(-1),
            visibility_timeout_seconds: number(QueueAttributeName::VisibilityTimeout).unwrap_or(-1),
            redrive: get(QueueAttributeName::RedrivePolicy)
                .filter(|r| !r.is_empty())
                .and_then(parse_redrive),
            tls_only: is_tls_only(get(QueueAttributeName::Policy), arn),
        };
        Ok(Some((spec, tags)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        url: &String,
        observed: &QueueSpec,
        wanted: &QueueSpec,
    ) -> Result<(), CompositeError> {
        let mut a = create_attributes(wanted);
        if wanted.redrive.is_none() && observed.redrive.is_some() {
            a.insert(QueueAttributeName::RedrivePolicy, String::new());
        }
        if wanted.kms_key_id.is_none() && observed.kms_key_id.is_some() {
            a.insert(QueueAttributeName::KmsMasterKeyId, String::new());
        }
        if wanted.tls_only != observed.tls_only {
            let Some(arn) = arn(ctx, url).await? else {
                return Err(CompositeError::new(
                    format!("Updating {}", what(&wanted.name)),
                    "it is gone; apply again to make it",
                ));
            };
            let policy = if wanted.tls_only {
                tls_only_policy(&arn).to_string()
            } else {
                String::new()
            };
            a.insert(QueueAttributeName::Policy, policy);
        }
        ctx.clients
            .sqs()
            .set_queue_attributes()
            .queue_url(url)
            .set_attributes(Some(a))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Updating {}", what(&wanted.name)), &e))?;
        Ok(())
    }

    async fn set_tags(
        &self,
        ctx: &Ctx,
        url: &String,
        observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError> {
        tags::sqs(ctx, url, name_of(url), observed, wanted).await
    }

    async fn delete(&self, ctx: &Ctx, url: &String) -> Result<(), CompositeError> {
        match ctx.clients.sqs().delete_queue().queue_url(url).send().await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e).is_some_and(|c| GONE.contains(&c.as_str())) => Ok(()),
            Err(e) => Err(CompositeError::aws(
                format!("Deleting {}", what(name_of(url))),
                &e,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redrive_policy_reads_back_in_both_encodings() {
        let r = Redrive {
            target_arn: "arn:aws:sqs:us-east-2:1:jobs-dlq".into(),
            max_receive_count: 5,
        };
        assert_eq!(parse_redrive(&redrive_json(&r)), Some(r.clone()));
        let as_string =
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-2:1:jobs-dlq","maxReceiveCount":"5"}"#;
        assert_eq!(parse_redrive(as_string), Some(r));
        assert_eq!(parse_redrive("{}"), None);
    }

    #[test]
    fn only_the_exact_tls_policy_counts_as_tls_only() {
        let arn = "arn:aws:sqs:us-east-2:1:jobs";
        let p = tls_only_policy(arn).to_string();
        assert!(is_tls_only(Some(&p), arn));
        assert!(!is_tls_only(Some(&p), "arn:aws:sqs:us-east-2:1:other"));
        assert!(!is_tls_only(None, arn));
        assert!(!is_tls_only(Some("{}"), arn));
    }

    #[test]
    fn a_queue_without_a_key_uses_sqs_managed_encryption() {
        let spec = QueueSpec {
            name: "jobs".into(),
            kms_key_id: None,
            retention_seconds: 345_600,
            visibility_timeout_seconds: 30,
            redrive: None,
            tls_only: true,
        };
        let a = create_attributes(&spec);
        assert_eq!(a[&QueueAttributeName::SqsManagedSseEnabled], "true");
        assert!(!a.contains_key(&QueueAttributeName::KmsMasterKeyId));
        let with_key = QueueSpec {
            kms_key_id: Some("alias/aws/sqs".into()),
            ..spec
        };
        let a = create_attributes(&with_key);
        assert_eq!(a[&QueueAttributeName::KmsMasterKeyId], "alias/aws/sqs");
        assert!(!a.contains_key(&QueueAttributeName::SqsManagedSseEnabled));
    }
}

//! SNS topic (`aws_sns_topic`): encrypted at rest with a KMS key (`alias/aws/sns` unless the
//! composite names one), a TLS-only topic policy (every `SNS:Publish` not made over TLS is
//! denied; the owner's own statement keeps the account's access), tags through
//! `TagResource`/`UntagResource`. Its id is its ARN.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::codes as code;
use super::ownership::{not_ours, owned};
use super::{id_in_answer, Kind, Lookup, Tags};
use crate::clients::error_code;
use crate::composite::{CompositeError, Ctx};

/// The AWS-managed key of SNS.
pub const AWS_MANAGED_KEY: &str = "alias/aws/sns";

/// A topic's settings, as wanted and as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Its name.
    pub name: String,
    /// The KMS key encrypting it; `None`: not encrypted (the composites always set one).
    pub kms_key_id: Option<String>,
    /// Whether its policy denies every call not made over TLS.
    pub tls_only: bool,
}

/// The SNS topic kind. Its id is the topic's ARN.
pub struct SnsTopic;

fn what(name: &str) -> String {
    format!("SNS topic \"{name}\"")
}

fn gone(code: Option<String>) -> bool {
    code.is_some_and(|c| c == code::sns::NOT_FOUND || c == code::sns::RESOURCE_NOT_FOUND_EXCEPTION)
}

/// The topic's name from its ARN.
fn name_of(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// The TLS-only policy of the topic `arn` in `account`: the account keeps its access, and
/// nothing is accepted without TLS.
pub fn tls_only_policy(arn: &str, account: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerAccess",
                "Effect": "Allow",
                "Principal": {"AWS": account},
                "Action": ["SNS:GetTopicAttributes", "SNS:Publish", "SNS:Subscribe"],
                "Resource": arn,
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    })
}

/// The account of an ARN (`arn:aws:sns:REGION:ACCOUNT:NAME`).
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

fn is_tls_only(policy: Option<&str>, arn: &str) -> bool {
    policy
        .and_then(|p| serde_json::from_str::<Json>(p).ok())
        .is_some_and(|p| p == tls_only_policy(arn, account_of(arn)))
}

/// Every topic ARN whose name is `name` (all pages).
async fn find_arn(ctx: &Ctx, name: &str) -> Result<Option<String>, CompositeError> {
    let mut token = None;
    loop {
        let out = ctx
            .clients
            .sns()
            .list_topics()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Finding {}", what(name)), &e))?;
        if let Some(arn) = out
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .find(|a| name_of(a) == name)
        {
            return Ok(Some(arn.to_string()));
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn tags_of(ctx: &Ctx, arn: &str) -> Result<Option<Tags>, CompositeError> {
    match ctx
        .clients
        .sns()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        )),
        Err(e) if gone(error_code(&e)) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading the tags of {}", what(name_of(arn))),
            &e,
        )),
    }
}

async fn set_attribute(
    ctx: &Ctx,
    arn: &str,
    name: &str,
    value: String,
) -> Result<(), CompositeError> {
    ctx.clients
        .sns()
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map_err(|e| {
            CompositeError::aws(format!("Setting {name} of {}", what(name_of(arn))), &e)
        })?;
    Ok(())
}

fn sns_tags(tags: &Tags) -> Result<Vec<aws_sdk_sns::types::Tag>, CompositeError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CompositeError::new("Building SNS tags", e.to_string()))
}

#[async_trait]
impl Kind for SnsTopic {
    type Spec = TopicSpec;
    type Id = String;

    const TERRAFORM_TYPE: &'static str = "aws_sns_topic";

    async fn find(
        &self,
        ctx: &Ctx,
        spec: &TopicSpec,
        owner: &str,
    ) -> Result<Lookup<String>, CompositeError> {
        let Some(arn) = find_arn(ctx, &spec.name).await? else {
            return Ok(Lookup::Absent);
        };
        let Some(tags) = tags_of(ctx, &arn).await? else {
            return Ok(Lookup::Absent);
        };
        if owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
            Ok(Lookup::Ours(arn))
        } else {
            Err(not_ours(&what(&spec.name), owner))
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        spec: &TopicSpec,
        tags: &Tags,
    ) -> Result<String, CompositeError> {
        let mut req = ctx
            .clients
            .sns()
            .create_topic()
            .name(&spec.name)
            .set_tags(Some(sns_tags(tags)?));
        if let Some(key) = &spec.kms_key_id {
            req = req.attributes("KmsMasterKeyId", key);
        }
        let out = req
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Creating {}", what(&spec.name)), &e))?;
        id_in_answer(out.topic_arn(), &what(&spec.name))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        arn: &String,
    ) -> Result<Option<(TopicSpec, Tags)>, CompositeError> {
        let out = match ctx
            .clients
            .sns()
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if gone(error_code(&e)) => return Ok(None),
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Reading {}", what(name_of(arn))),
                    &e,
                ))
            }
        };
        let attrs = out.attributes().cloned().unwrap_or_default();
        let Some(tags) = tags_of(ctx, arn).await? else {
            return Ok(None);
        };
        let spec = TopicSpec {
            name: name_of(arn).to_string(),
            kms_key_id: attrs
                .get("KmsMasterKeyId")
                .filter(|k| !k.is_empty())
                .cloned(),
            tls_only: is_tls_only(attrs.get("Policy").map(String::as_str), arn),
        };
        Ok(Some((spec, tags)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        arn: &String,
        observed: &TopicSpec,
        wanted: &TopicSpec,
    ) -> Result<(), CompositeError> {
        if observed.kms_key_id != wanted.kms_key_id {
            let key = wanted.kms_key_id.clone().unwrap_or_default();
            set_attribute(ctx, arn, "KmsMasterKeyId", key).await?;
        }
        if observed.tls_only != wanted.tls_only && wanted.tls_only {
            let policy = tls_only_policy(arn, account_of(arn)).to_string();
            set_attribute(ctx, arn, "Policy", policy).await?;
        }
        Ok(())
    }

    async fn set_tags(
        &self,
        ctx: &Ctx,
        arn: &String,
        observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError> {
        let sns = ctx.clients.sns();
        let (removed, write) = super::tags::change(observed, wanted);
        if let Some(removed) = removed {
            sns.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Untagging {}", what(name_of(arn))), &e)
                })?;
        }
        if let Some(want) = write {
            sns.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(sns_tags(want)?))
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Tagging {}", what(name_of(arn))), &e))?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, arn: &String) -> Result<(), CompositeError> {
        // DeleteTopic of a topic that is gone succeeds (or answers NotFound).
        match ctx.clients.sns().delete_topic().topic_arn(arn).send().await {
            Ok(_) => Ok(()),
            Err(e) if gone(error_code(&e)) => Ok(()),
            Err(e) => Err(CompositeError::aws(
                format!("Deleting {}", what(name_of(arn))),
                &e,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_policy_is_recognised_only_for_its_topic() {
        let arn = "arn:aws:sns:us-east-2:123456789012:senas-system-alerts";
        assert_eq!(name_of(arn), "senas-system-alerts");
        assert_eq!(account_of(arn), "123456789012");
        let p = tls_only_policy(arn, "123456789012").to_string();
        assert!(is_tls_only(Some(&p), arn));
        assert!(!is_tls_only(
            Some(&p),
            "arn:aws:sns:us-east-2:123456789012:other"
        ));
        assert!(!is_tls_only(None, arn));
    }
}

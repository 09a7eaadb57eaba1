//! Foreign namesakes: an object of a child's kind and name that Blueprint did not make (no
//! owner tag, made straight through the SDK), for the generic check's step that a composite
//! refuses it and leaves it as it was.
//!
//! Only kinds whose name alone identifies the object in its account and region can have a
//! namesake in that sense (a bucket, role, instance profile, log group, table, queue, ECS
//! cluster, key pair). A VPC, subnet, instance, security group and the like are found by their
//! owner tag, so an untagged look-alike is simply another object: nothing to refuse.

use anyhow::{Context, Result};

use super::{AwsProbe, Tags};

/// The tag every namesake carries, so a test can tell it was left alone: a composite that
/// adopted it would add its own tags, never remove this one.
pub const NAMESAKE_TAG: (&str, &str) = ("made-by", "someone-else");

/// The public half of the tests' throwaway RSA key, for a key-pair namesake.
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

/// The trust policy of a role namesake.
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The name under which `kind`'s id is known to its API (an ARN's last part for a role).
fn name_of(kind: &str, id: &str) -> String {
    match kind {
        "aws_iam_role" | "aws_iam_instance_profile" | "aws_ecs_cluster" => {
            id.rsplit('/').next().unwrap_or(id).to_string()
        }
        "aws_sqs_queue" => id.rsplit('/').next().unwrap_or(id).to_string(),
        _ => id.to_string(),
    }
}

impl AwsProbe {
    /// Whether [`Self::make_namesake`] can make a namesake of `kind`.
    pub fn namesake_kind(kind: &str) -> bool {
        matches!(
            kind,
            "aws_s3_bucket"
                | "aws_iam_role"
                | "aws_iam_instance_profile"
                | "aws_cloudwatch_log_group"
                | "aws_dynamodb_table"
                | "aws_sqs_queue"
                | "aws_ecs_cluster"
                | "aws_key_pair"
        )
    }

    /// Make an object of `kind` named as the child `id` names it, tagged only with
    /// [`NAMESAKE_TAG`]; returns the id the probe's other calls take for it (the same as `id`
    /// but for a queue, whose URL changes with the endpoint's account, and an ECS cluster,
    /// known by its ARN).
    pub async fn make_namesake(&self, kind: &str, id: &str) -> Result<String> {
        let name = name_of(kind, id);
        let (k, v) = NAMESAKE_TAG;
        let made = match kind {
            "aws_s3_bucket" => {
                let mut req = self.s3().create_bucket().bucket(&name);
                let region = self.region();
                if region != "us-east-1" {
                    req = req.create_bucket_configuration(
                        aws_sdk_s3::types::CreateBucketConfiguration::builder()
                            .location_constraint(region.as_str().into())
                            .build(),
                    );
                }
                req.send().await?;
                let tag = aws_sdk_s3::types::Tag::builder().key(k).value(v).build()?;
                let tagging = aws_sdk_s3::types::Tagging::builder().tag_set(tag).build()?;
                self.s3()
                    .put_bucket_tagging()
                    .bucket(&name)
                    .tagging(tagging)
                    .send()
                    .await?;
                name
            }
            "aws_iam_role" => {
                let tag = aws_sdk_iam::types::Tag::builder().key(k).value(v).build()?;
                self.iam()
                    .create_role()
                    .role_name(&name)
                    .assume_role_policy_document(TRUST)
                    .tags(tag)
                    .send()
                    .await?;
                name
            }
            "aws_iam_instance_profile" => {
                let tag = aws_sdk_iam::types::Tag::builder().key(k).value(v).build()?;
                self.iam()
                    .create_instance_profile()
                    .instance_profile_name(&name)
                    .tags(tag)
                    .send()
                    .await?;
                name
            }
            "aws_cloudwatch_log_group" => {
                self.logs()
                    .create_log_group()
                    .log_group_name(&name)
                    .tags(k, v)
                    .send()
                    .await?;
                self.drop_inherited_log_group_tags(&name).await?;
                name
            }
            "aws_dynamodb_table" => {
                use aws_sdk_dynamodb::types::{
                    AttributeDefinition, BillingMode, KeySchemaElement, KeyType,
                    ScalarAttributeType, Tag,
                };
                self.dynamodb()
                    .create_table()
                    .table_name(&name)
                    .billing_mode(BillingMode::PayPerRequest)
                    .attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name("pk")
                            .attribute_type(ScalarAttributeType::S)
                            .build()?,
                    )
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name("pk")
                            .key_type(KeyType::Hash)
                            .build()?,
                    )
                    .tags(Tag::builder().key(k).value(v).build()?)
                    .send()
                    .await?;
                name
            }
            "aws_sqs_queue" => {
                let out = self
                    .sqs()
                    .create_queue()
                    .queue_name(&name)
                    .tags(k, v)
                    .send()
                    .await?;
                out.queue_url().unwrap_or(&name).to_string()
            }
            "aws_ecs_cluster" => {
                // The probe reads an ECS cluster's tags by its ARN, so that is its id here.
                let tag = aws_sdk_ecs::types::Tag::builder().key(k).value(v).build();
                let out = self
                    .ecs()
                    .create_cluster()
                    .cluster_name(&name)
                    .tags(tag)
                    .send()
                    .await?;
                out.cluster()
                    .and_then(|c| c.cluster_arn())
                    .context("CreateCluster answered without the cluster's ARN")?
                    .to_string()
            }
            "aws_key_pair" => {
                let tags = aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::KeyPair)
                    .tags(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                    .build();
                self.ec2()
                    .import_key_pair()
                    .key_name(&name)
                    .public_key_material(aws_sdk_ec2::primitives::Blob::new(PUBLIC_KEY))
                    .tag_specifications(tags)
                    .send()
                    .await?;
                name
            }
            other => anyhow::bail!("the probe makes no namesake of {other}"),
        };
        Ok(made)
    }

    /// The namesake's tags when it still exists and carries exactly [`NAMESAKE_TAG`]; an error
    /// saying what changed otherwise.
    pub async fn namesake_untouched(&self, kind: &str, id: &str) -> Result<()> {
        if !self
            .child_exists(kind, id)
            .await
            .with_context(|| format!("looking for the namesake {kind} {id}"))?
        {
            anyhow::bail!("the foreign {kind} {id} is gone");
        }
        let tags: Vec<(String, Tags)> = self.child_tags(kind, id).await?;
        let want: Tags = [(NAMESAKE_TAG.0.to_string(), NAMESAKE_TAG.1.to_string())].into();
        for (_, t) in tags {
            if t != want {
                anyhow::bail!("the foreign {kind} {id} now carries the tags {t:?}");
            }
        }
        Ok(())
    }

    /// moto 5.1.20 keeps a deleted log group's tags under its ARN and hands them to the next
    /// group of that name (AWS does not: tags go with the group), so a namesake made where a
    /// composite's group was would inherit its owner tag and be rightly adopted. Remove every
    /// tag but [`NAMESAKE_TAG`] so the namesake is foreign, as it would be on AWS.
    async fn drop_inherited_log_group_tags(&self, name: &str) -> Result<()> {
        let groups = self
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await?;
        let arn = groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
            .and_then(|g| g.log_group_arn())
            .with_context(|| format!("the new log group {name} has no ARN"))?
            .to_string();
        let tags = self
            .logs()
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await?;
        let stale: Vec<String> = tags
            .tags()
            .into_iter()
            .flatten()
            .map(|(key, _)| key.clone())
            .filter(|key| key != NAMESAKE_TAG.0)
            .collect();
        if !stale.is_empty() {
            self.logs()
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await?;
        }
        Ok(())
    }

    fn region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string())
    }
}

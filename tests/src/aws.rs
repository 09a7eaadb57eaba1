//! Ask AWS directly (through the SDK, not Terraform) what exists.

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

/// SDK clients aimed at one endpoint with moto's test credentials.
pub struct AwsProbe {
    config: aws_config::SdkConfig,
    endpoint: String,
}

impl AwsProbe {
    /// Clients for `endpoint` in us-east-1.
    pub fn new(endpoint: &str) -> Self {
        let config =
            aws_config::SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(
                        Credentials::new("testing", "testing", None, None, "blueprint-probe"),
                    ),
                )
                .endpoint_url(endpoint)
                .build();
        Self {
            config,
            endpoint: endpoint.to_string(),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// S3 client (path style).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.config)
                .force_path_style(true)
                .build(),
        )
    }

    /// DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// IAM client.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// EC2 client.
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }

    /// STS client.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// Everything carrying `key = value` that still exists: S3 buckets, DynamoDB tables, IAM
    /// roles and instance profiles, EC2 instances (not terminated), security groups, key pairs
    /// and Elastic IPs. Each entry reads `kind name`.
    pub async fn tagged_leftovers(&self, key: &str, value: &str) -> anyhow::Result<Vec<String>> {
        let mut left = Vec::new();
        let tagged = |tags: Vec<(String, String)>| tags.iter().any(|(k, v)| k == key && v == value);

        let s3 = self.s3();
        for b in s3.list_buckets().send().await?.buckets() {
            let name = b.name().unwrap_or_default().to_string();
            if let Ok(t) = s3.get_bucket_tagging().bucket(&name).send().await {
                let tags = t
                    .tag_set()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                if tagged(tags) {
                    left.push(format!("s3-bucket {name}"));
                }
            }
        }

        let ddb = self.dynamodb();
        for table in ddb.list_tables().send().await?.table_names() {
            let desc = ddb.describe_table().table_name(table).send().await?;
            let Some(arn) = desc.table().and_then(|t| t.table_arn()) else {
                continue;
            };
            let t = ddb.list_tags_of_resource().resource_arn(arn).send().await?;
            let tags = t
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            if tagged(tags) {
                left.push(format!("dynamodb-table {table}"));
            }
        }

        let iam = self.iam();
        for role in iam.list_roles().send().await?.roles() {
            let t = iam
                .list_role_tags()
                .role_name(role.role_name())
                .send()
                .await?;
            let tags = t
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            if tagged(tags) {
                left.push(format!("iam-role {}", role.role_name()));
            }
        }
        for p in iam
            .list_instance_profiles()
            .send()
            .await?
            .instance_profiles()
        {
            let tags = p
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            if tagged(tags) {
                left.push(format!(
                    "iam-instance-profile {}",
                    p.instance_profile_name()
                ));
            }
        }

        let ec2 = self.ec2();
        let filter = aws_sdk_ec2::types::Filter::builder()
            .name(format!("tag:{key}"))
            .values(value)
            .build();
        for r in ec2
            .describe_instances()
            .filters(filter.clone())
            .send()
            .await?
            .reservations()
        {
            for i in r.instances() {
                let state = i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string());
                if !matches!(state.as_deref(), Some("terminated") | Some("shutting-down")) {
                    left.push(format!(
                        "ec2-instance {}",
                        i.instance_id().unwrap_or_default()
                    ));
                }
            }
        }
        for sg in ec2
            .describe_security_groups()
            .filters(filter.clone())
            .send()
            .await?
            .security_groups()
        {
            left.push(format!(
                "security-group {}",
                sg.group_id().unwrap_or_default()
            ));
        }
        for kp in ec2
            .describe_key_pairs()
            .filters(filter.clone())
            .send()
            .await?
            .key_pairs()
        {
            left.push(format!("key-pair {}", kp.key_name().unwrap_or_default()));
        }
        for a in ec2
            .describe_addresses()
            .filters(filter)
            .send()
            .await?
            .addresses()
        {
            left.push(format!(
                "elastic-ip {}",
                a.allocation_id().unwrap_or_default()
            ));
        }
        Ok(left)
    }
}

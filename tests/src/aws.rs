//! Ask AWS directly (through the SDK, not Terraform) what exists.

mod children;
mod drift;
mod namesakes;

pub use children::Tags;
pub use drift::Change as DriftChange;
pub use namesakes::NAMESAKE_TAG;

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
        Self::in_region(endpoint, "us-east-1")
    }

    /// Clients for `endpoint` in `region`.
    pub fn in_region(endpoint: &str, region: &str) -> Self {
        let config =
            aws_config::SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region.to_string()))
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

    /// The provider's own clients and operation context, aimed at the same endpoint, for the
    /// children the probe reads through the provider's kinds (their finders and readers, not
    /// copies of them). No deadline to speak of, no stop.
    pub async fn provider_ctx(&self) -> anyhow::Result<blueprint_provider::composite::Ctx> {
        use blueprint_provider::clients::AwsClients;
        use blueprint_provider::config::{ProviderSettings, StaticCredentials};
        let region = self
            .config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        let settings = ProviderSettings {
            region: Some(region),
            credentials: Some(StaticCredentials {
                access_key: "testing".into(),
                secret_key: "testing".into(),
                token: None,
            }),
            max_retries: 3,
            s3_use_path_style: true,
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            endpoints: ["s3", "sts"]
                .into_iter()
                .map(|s| (s.to_string(), self.endpoint.clone()))
                .collect(),
            ..Default::default()
        };
        let clients = AwsClients::connect(&settings).await?;
        Ok(blueprint_provider::composite::Ctx::new(
            std::sync::Arc::new(clients),
            std::time::Duration::from_secs(600),
            tokio_util::sync::CancellationToken::new(),
        ))
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

    /// ECS client.
    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.config)
    }

    /// Elastic Load Balancing v2 client.
    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }

    /// CloudWatch Logs client.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// Application Auto Scaling client.
    pub fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.config)
    }

    /// Open TCP `port` on security group `sg` to the whole internet, as drift made out of band.
    pub async fn open_to_world(&self, sg: &str, port: i32) -> anyhow::Result<()> {
        self.ec2()
            .authorize_security_group_ingress()
            .group_id(sg)
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .cidr_ip("0.0.0.0/0")
            .send()
            .await?;
        Ok(())
    }

    /// STS client.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// Everything carrying `key = value` that still exists: S3 buckets, DynamoDB tables, IAM
    /// roles and instance profiles, EC2 instances (not terminated), security groups, key pairs
    /// and Elastic IPs; ECS services and task definitions, target groups, listener rules, log
    /// groups; SQS queues, SNS topics; and any ECS scalable target (those carry no tags). Each entry reads
    /// `kind name`.
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

        let sqs = aws_sdk_sqs::Client::new(&self.config);
        for url in sqs.list_queues().send().await?.queue_urls() {
            let t = sqs.list_queue_tags().queue_url(url).send().await?;
            let tags = t
                .tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if tagged(tags) {
                left.push(format!("sqs-queue {url}"));
            }
        }

        let sns = self.sns();
        for arn in sns
            .list_topics()
            .send()
            .await?
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
        {
            let t = sns
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await?;
            let tags = t
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            if tagged(tags) {
                left.push(format!("sns-topic {arn}"));
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
        left.extend(self.tagged_container_leftovers(key, value).await?);
        left.extend(self.rds_tagged_leftovers(key, value).await?);
        Ok(left)
    }

    async fn tagged_container_leftovers(
        &self,
        key: &str,
        value: &str,
    ) -> anyhow::Result<Vec<String>> {
        let mut left = Vec::new();
        let tagged = |tags: Vec<(String, String)>| tags.iter().any(|(k, v)| k == key && v == value);
        let ecs = self.ecs();
        for cluster in ecs.list_clusters().send().await?.cluster_arns() {
            let services = ecs.list_services().cluster(cluster).send().await?;
            if services.service_arns().is_empty() {
                continue;
            }
            let described = ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(services.service_arns().to_vec()))
                .include(aws_sdk_ecs::types::ServiceField::Tags)
                .send()
                .await?;
            for svc in described.services() {
                let tags = svc
                    .tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().unwrap_or_default().to_string(),
                            t.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                if svc.status() != Some("INACTIVE") && tagged(tags) {
                    left.push(format!(
                        "ecs-service {}",
                        svc.service_name().unwrap_or_default()
                    ));
                }
            }
        }
        let defs = ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .send()
            .await?;
        for arn in defs.task_definition_arns() {
            let d = ecs
                .describe_task_definition()
                .task_definition(arn)
                .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
                .send()
                .await?;
            let tags = d
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            if tagged(tags) {
                left.push(format!("task-definition {arn}"));
            }
        }
        let elb = self.elbv2();
        let mut arns = Vec::new();
        let groups = elb.describe_target_groups().send().await?;
        arns.extend(
            groups
                .target_groups()
                .iter()
                .filter_map(|t| t.target_group_arn())
                .map(|a| ("target-group", a.to_string())),
        );
        for lb in elb.describe_load_balancers().send().await?.load_balancers() {
            let Some(lb) = lb.load_balancer_arn() else {
                continue;
            };
            for l in elb
                .describe_listeners()
                .load_balancer_arn(lb)
                .send()
                .await?
                .listeners()
            {
                let Some(l) = l.listener_arn() else { continue };
                for r in elb.describe_rules().listener_arn(l).send().await?.rules() {
                    if !r.is_default().unwrap_or(false) {
                        if let Some(a) = r.rule_arn() {
                            arns.push(("listener-rule", a.to_string()));
                        }
                    }
                }
            }
        }
        for (kind, arn) in arns {
            let t = elb.describe_tags().resource_arns(&arn).send().await?;
            let tags = t
                .tag_descriptions()
                .iter()
                .flat_map(|d| d.tags())
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            if tagged(tags) {
                left.push(format!("{kind} {arn}"));
            }
        }
        let logs = self.logs();
        for g in logs.describe_log_groups().send().await?.log_groups() {
            let Some(name) = g.log_group_name() else {
                continue;
            };
            #[allow(deprecated)]
            let t = logs
                .list_tags_log_group()
                .log_group_name(name)
                .send()
                .await?;
            let tags = t
                .tags()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            if tagged(tags) {
                left.push(format!("log-group {name}"));
            }
        }
        let targets = self
            .autoscaling()
            .describe_scalable_targets()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await?;
        for t in targets.scalable_targets() {
            left.push(format!("scalable-target {}", t.resource_id()));
        }
        Ok(left)
    }
}

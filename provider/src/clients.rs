//! One AWS client factory for every resource: credentials, region, retries and endpoint overrides
//! are resolved once at configure time, and each service client is built from them on demand.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use crate::config::ProviderSettings;

/// Why the provider could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No region anywhere in the chain.
    #[error(
        "no AWS region is configured: set `region` in the provider block, or AWS_REGION / \
         AWS_DEFAULT_REGION in the environment, or a region in the selected profile"
    )]
    MissingRegion,
    /// STS rejected the credentials or could not be reached.
    #[error("validating the AWS credentials with STS GetCallerIdentity failed: {0}")]
    CredentialValidation(String),
}

/// Caller identity as reported by STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// Account id.
    pub account_id: String,
    /// ARN of the caller.
    pub arn: String,
    /// Unique id of the caller.
    pub user_id: String,
}

/// The configured AWS access every resource shares.
#[derive(Debug, Clone)]
pub struct AwsClients {
    sdk: SdkConfig,
    endpoints: BTreeMap<String, String>,
    s3_use_path_style: bool,
    default_tags: BTreeMap<String, String>,
    account_id: Option<String>,
}

impl AwsClients {
    /// Resolve credentials and region and, unless skipped, check them with STS.
    pub async fn connect(settings: &ProviderSettings) -> Result<Self, ClientError> {
        let retry = if settings.adaptive_retry {
            RetryConfig::adaptive()
        } else {
            RetryConfig::standard()
        }
        .with_max_attempts(settings.max_retries + 1)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .read_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if !settings.shared_config_files.is_empty() || !settings.shared_credentials_files.is_empty()
        {
            let mut files = EnvConfigFiles::builder();
            for f in &settings.shared_config_files {
                files = files.with_file(EnvConfigFileKind::Config, f);
            }
            for f in &settings.shared_credentials_files {
                files = files.with_file(EnvConfigFileKind::Credentials, f);
            }
            loader = loader.profile_files(files.build());
        }
        if let Some(creds) = &settings.credentials {
            loader = loader.credentials_provider(Credentials::new(
                creds.access_key.clone(),
                creds.secret_key.clone(),
                creds.token.clone(),
                None,
                "blueprint-provider-block",
            ));
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none_or(|r| r.as_ref().trim().is_empty()) {
            return Err(ClientError::MissingRegion);
        }
        if let Some(role) = &settings.assume_role {
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| "blueprint-provider".to_string()),
                );
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id.clone());
            }
            let provider = builder.configure(&sdk).build().await;
            sdk = sdk
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        let mut clients = Self {
            sdk,
            endpoints: settings.endpoints.clone(),
            s3_use_path_style: settings.s3_use_path_style,
            default_tags: settings.default_tags.clone(),
            account_id: None,
        };
        if !settings.skip_credentials_validation || !settings.skip_requesting_account_id {
            match clients.caller_identity().await {
                Ok(identity) => clients.account_id = Some(identity.account_id),
                Err(err) if !settings.skip_credentials_validation => return Err(err),
                Err(err) => tracing::warn!("could not request the account id: {err}"),
            }
        }
        Ok(clients)
    }

    /// Clients for `region` that never reach AWS unless called: the skeleton's unit tests run
    /// in-memory children with them.
    #[cfg(test)]
    pub(crate) fn offline(region: &str) -> Self {
        Self {
            sdk: SdkConfig::builder()
                .region(Region::new(region.to_string()))
                .behavior_version(BehaviorVersion::latest())
                .build(),
            endpoints: BTreeMap::new(),
            s3_use_path_style: false,
            default_tags: BTreeMap::new(),
            account_id: Some("123456789012".into()),
        }
    }

    /// The region every client uses.
    pub fn region(&self) -> String {
        self.sdk.region().map(|r| r.to_string()).unwrap_or_default()
    }

    /// The account id, when it was requested at configure time.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// Tags every child resource receives (resource tags win on conflict).
    pub fn default_tags(&self) -> &BTreeMap<String, String> {
        &self.default_tags
    }

    /// Whether S3 is addressed by path.
    pub fn s3_use_path_style(&self) -> bool {
        self.s3_use_path_style
    }

    /// The endpoint override of a service, from the provider block.
    pub fn endpoint(&self, service: &str) -> Option<&str> {
        self.endpoints.get(service).map(String::as_str)
    }

    /// Every endpoint override from the provider block.
    pub fn endpoints(&self) -> &BTreeMap<String, String> {
        &self.endpoints
    }

    /// STS client.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        let mut b = aws_sdk_sts::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("sts") {
            b = b.endpoint_url(url);
        }
        aws_sdk_sts::Client::from_conf(b.build())
    }

    /// S3 client (path style when `s3_use_path_style`).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let mut b =
            aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(self.s3_use_path_style);
        if let Some(url) = self.endpoint("s3") {
            b = b.endpoint_url(url);
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    /// DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut b = aws_sdk_dynamodb::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("dynamodb") {
            b = b.endpoint_url(url);
        }
        aws_sdk_dynamodb::Client::from_conf(b.build())
    }

    /// EC2 client.
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("ec2") {
            b = b.endpoint_url(url);
        }
        aws_sdk_ec2::Client::from_conf(b.build())
    }

    /// IAM client.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        let mut b = aws_sdk_iam::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("iam") {
            b = b.endpoint_url(url);
        }
        aws_sdk_iam::Client::from_conf(b.build())
    }

    /// ECS client.
    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        let mut b = aws_sdk_ecs::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("ecs") {
            b = b.endpoint_url(url);
        }
        aws_sdk_ecs::Client::from_conf(b.build())
    }

    /// Elastic Load Balancing v2 client.
    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        let mut b = aws_sdk_elasticloadbalancingv2::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("elbv2") {
            b = b.endpoint_url(url);
        }
        aws_sdk_elasticloadbalancingv2::Client::from_conf(b.build())
    }

    /// CloudWatch Logs client.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        let mut b = aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("logs") {
            b = b.endpoint_url(url);
        }
        aws_sdk_cloudwatchlogs::Client::from_conf(b.build())
    }

    /// Application Auto Scaling client.
    pub fn application_autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        let mut b = aws_sdk_applicationautoscaling::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("applicationautoscaling") {
            b = b.endpoint_url(url);
        }
        aws_sdk_applicationautoscaling::Client::from_conf(b.build())
    }

    /// Certificate Manager client.
    pub fn acm(&self) -> aws_sdk_acm::Client {
        let mut b = aws_sdk_acm::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("acm") {
            b = b.endpoint_url(url);
        }
        aws_sdk_acm::Client::from_conf(b.build())
    }

    /// Lambda client.
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        let mut b = aws_sdk_lambda::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("lambda") {
            b = b.endpoint_url(url);
        }
        aws_sdk_lambda::Client::from_conf(b.build())
    }

    /// RDS client.
    pub fn rds(&self) -> aws_sdk_rds::Client {
        let mut b = aws_sdk_rds::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("rds") {
            b = b.endpoint_url(url);
        }
        aws_sdk_rds::Client::from_conf(b.build())
    }

    /// Secrets Manager client.
    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        let mut b = aws_sdk_secretsmanager::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("secretsmanager") {
            b = b.endpoint_url(url);
        }
        aws_sdk_secretsmanager::Client::from_conf(b.build())
    }

    /// SQS client.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        let mut b = aws_sdk_sqs::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("sqs") {
            b = b.endpoint_url(url);
        }
        aws_sdk_sqs::Client::from_conf(b.build())
    }

    /// SNS client.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        let mut b = aws_sdk_sns::config::Builder::from(&self.sdk);
        if let Some(url) = self.endpoint("sns") {
            b = b.endpoint_url(url);
        }
        aws_sdk_sns::Client::from_conf(b.build())
    }

    /// The partition of the configured region (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &'static str {
        let region = self.region();
        if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// Ask STS who the credentials belong to.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, ClientError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| ClientError::CredentialValidation(error_text(&e)))?;
        Ok(CallerIdentity {
            account_id: out.account.unwrap_or_default(),
            arn: out.arn.unwrap_or_default(),
            user_id: out.user_id.unwrap_or_default(),
        })
    }
}

/// An SDK error with its whole chain of causes on one line.
pub fn error_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// The AWS error code of an SDK error (`NoSuchBucket`, `ResourceNotFoundException`...), if any.
pub fn error_code<E, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Option<String>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    err.code().map(str::to_string)
}

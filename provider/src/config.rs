//! The provider block: its schema, its Terraform value, and validation into [`ProviderSettings`].
//!
//! Attribute names follow the AWS provider's so that a team can copy its provider block.

use std::collections::BTreeMap;
use std::fmt;

use crate::tf::schema::{Block, NestedBlock, Schema};
use crate::tf::AttributePath;
use crate::tf::Value;
use serde::{Deserialize, Serialize};

use crate::schema_builder::{block, Attr};

/// Services whose endpoint can be overridden in `endpoints { ... }`.
pub const ENDPOINT_SERVICES: &[&str] = &[
    "acm",
    "applicationautoscaling",
    "dynamodb",
    "ec2",
    "ecs",
    "elbv2",
    "iam",
    "lambda",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
];

/// Default number of retries of a failed AWS call (so six attempts in all).
pub const DEFAULT_MAX_RETRIES: i64 = 5;

/// `assume_role { ... }` as Terraform sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AssumeRoleValue {
    /// ARN of the role to assume.
    pub role_arn: Value<String>,
    /// Session name recorded by CloudTrail.
    pub session_name: Value<String>,
    /// External id required by the role's trust policy.
    pub external_id: Value<String>,
}

/// `default_tags { tags = {...} }` as Terraform sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DefaultTagsValue {
    /// Tags added to every taggable child resource.
    pub tags: Value<BTreeMap<String, Value<String>>>,
}

/// The provider block as Terraform sends it (every attribute may be null or unknown).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderConfigValue {
    /// AWS region.
    pub region: Value<String>,
    /// Named profile of the shared config files.
    pub profile: Value<String>,
    /// Paths of shared config files.
    pub shared_config_files: Value<Vec<Value<String>>>,
    /// Paths of shared credentials files.
    pub shared_credentials_files: Value<Vec<Value<String>>>,
    /// Static access key id.
    pub access_key: Value<String>,
    /// Static secret access key.
    pub secret_key: Value<String>,
    /// Session token of temporary credentials.
    pub token: Value<String>,
    /// Retry mode: `standard` or `adaptive`.
    pub retry_mode: Value<String>,
    /// Retries of a failed call.
    pub max_retries: Value<i64>,
    /// Use path-style S3 addressing.
    pub s3_use_path_style: Value<bool>,
    /// Skip the STS call that validates credentials.
    pub skip_credentials_validation: Value<bool>,
    /// Skip asking STS for the account id.
    pub skip_requesting_account_id: Value<bool>,
    /// `assume_role` block (at most one).
    #[serde(with = "crate::tf_value::optional_block")]
    pub assume_role: Value<AssumeRoleValue>,
    /// `endpoints` block (at most one): service name to URL.
    #[serde(with = "crate::tf_value::optional_block")]
    pub endpoints: Value<BTreeMap<String, Value<String>>>,
    /// `default_tags` block (at most one).
    #[serde(with = "crate::tf_value::optional_block")]
    pub default_tags: Value<DefaultTagsValue>,
}

impl fmt::Debug for ProviderConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials never reach a log, even at trace level.
        f.debug_struct("ProviderConfigValue")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &redacted(&self.access_key))
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

fn redacted(v: &Value<String>) -> &'static str {
    match v {
        Value::Value(_) => "<sensitive>",
        Value::Null => "null",
        Value::Unknown => "<unknown>",
    }
}

/// The provider block's schema.
pub fn provider_schema() -> Schema {
    let endpoints = block(
        "Custom endpoint URLs, for AWS-compatible services or VPC endpoints.",
        ENDPOINT_SERVICES.iter().map(|s| {
            (
                *s,
                Attr::string("Endpoint URL for this service (http or https).").optional(),
            )
        }),
        [],
    );
    let assume_role = block(
        "Assume an IAM role before calling AWS.",
        [
            (
                "role_arn",
                Attr::string("ARN of the role to assume.").optional(),
            ),
            ("session_name", Attr::string("Session name.").optional()),
            (
                "external_id",
                Attr::string("External id the role's trust policy requires.").optional(),
            ),
        ],
        [],
    );
    let default_tags = block(
        "Tags applied to every child resource the provider creates.",
        [("tags", Attr::string_map("Tags.").optional())],
        [],
    );
    Schema {
        version: 1,
        block: block(
            "Blueprint: secure-by-default AWS composites. Credentials and region resolve like the AWS provider's: provider block, then `AWS_*` environment variables, then shared files.",
            [
                ("region", Attr::string("AWS region, e.g. `us-east-2`. Falls back to `AWS_REGION`/`AWS_DEFAULT_REGION` and the profile.").optional()),
                ("profile", Attr::string("Named profile of the shared config and credentials files.").optional()),
                ("shared_config_files", Attr::string_list("Shared config files (default `~/.aws/config`).").optional()),
                ("shared_credentials_files", Attr::string_list("Shared credentials files (default `~/.aws/credentials`).").optional()),
                ("access_key", Attr::string("Access key id.").sensitive().optional()),
                ("secret_key", Attr::string("Secret access key.").sensitive().optional()),
                ("token", Attr::string("Session token of temporary credentials.").sensitive().optional()),
                ("retry_mode", Attr::string("`standard` (default) or `adaptive`.").optional()),
                ("max_retries", Attr::number("Retries of a failed AWS call before giving up (default 5).").optional()),
                ("s3_use_path_style", Attr::bool("Address S3 buckets by path instead of virtual host.").optional()),
                ("skip_credentials_validation", Attr::bool("Do not validate credentials with STS at configure time.").optional()),
                ("skip_requesting_account_id", Attr::bool("Do not ask STS for the account id.").optional()),
            ],
            [
                ("assume_role", NestedBlock::Optional(assume_role)),
                ("endpoints", NestedBlock::Optional(endpoints)),
                ("default_tags", NestedBlock::Optional(default_tags)),
            ],
        ),
    }
}

/// An empty block, for resources and data sources without provider meta.
pub fn empty_block() -> Block {
    block("", [], [])
}

/// One problem in the provider block, with the attribute it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Path of the attribute the problem is about.
    pub path: AttributePath,
    /// One-line summary.
    pub summary: String,
    /// What to do about it.
    pub detail: String,
}

/// Static credentials given in the provider block.
#[derive(Clone)]
pub struct StaticCredentials {
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Session token.
    pub token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticCredentials(<sensitive>)")
    }
}

/// Role to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: Option<String>,
    /// External id.
    pub external_id: Option<String>,
}

/// The validated provider configuration, with every unknown resolved.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    /// Region from the block, if given.
    pub region: Option<String>,
    /// Profile from the block, if given.
    pub profile: Option<String>,
    /// Shared config files.
    pub shared_config_files: Vec<String>,
    /// Shared credentials files.
    pub shared_credentials_files: Vec<String>,
    /// Static credentials, if given.
    pub credentials: Option<StaticCredentials>,
    /// Adaptive retry instead of standard.
    pub adaptive_retry: bool,
    /// Retries of a failed call.
    pub max_retries: u32,
    /// Path-style S3.
    pub s3_use_path_style: bool,
    /// Skip credential validation.
    pub skip_credentials_validation: bool,
    /// Skip account id lookup.
    pub skip_requesting_account_id: bool,
    /// Role to assume.
    pub assume_role: Option<AssumeRole>,
    /// Endpoint overrides by service.
    pub endpoints: BTreeMap<String, String>,
    /// Default tags.
    pub default_tags: BTreeMap<String, String>,
}

fn known(v: &Value<String>) -> Option<&str> {
    match v {
        Value::Value(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Whether `s` looks like an AWS region name (`us-east-2`, `us-gov-west-1`, `cn-north-1`...).
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
}

fn is_endpoint_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !host.contains(char::is_whitespace)
        }
        None => false,
    }
}

impl ProviderConfigValue {
    /// Check every known value; unknown values are checked again at configure time.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        let mut issue = |path: AttributePath, summary: &str, detail: String| {
            issues.push(ConfigIssue {
                path,
                summary: summary.to_string(),
                detail,
            })
        };
        if let Some(region) = known(&self.region) {
            if !is_region_name(region) {
                issue(
                    AttributePath::new("region"),
                    "Invalid AWS region",
                    format!(
                        "\"{region}\" is not a region name; expected something like \"us-east-2\"."
                    ),
                );
            }
        }
        if let Value::Value(n) = self.max_retries {
            if !(0..=100).contains(&n) {
                issue(
                    AttributePath::new("max_retries"),
                    "Invalid max_retries",
                    format!("max_retries must be between 0 and 100, got {n}."),
                );
            }
        }
        if let Some(mode) = known(&self.retry_mode) {
            if mode != "standard" && mode != "adaptive" {
                issue(
                    AttributePath::new("retry_mode"),
                    "Invalid retry_mode",
                    format!("retry_mode must be \"standard\" or \"adaptive\", got \"{mode}\"."),
                );
            }
        }
        match (known(&self.access_key), known(&self.secret_key)) {
            (Some(_), None) if !self.secret_key.is_unknown() => issue(
                AttributePath::new("secret_key"),
                "Missing secret_key",
                "access_key is set, so secret_key must be set too.".into(),
            ),
            (None, Some(_)) if !self.access_key.is_unknown() => issue(
                AttributePath::new("access_key"),
                "Missing access_key",
                "secret_key is set, so access_key must be set too.".into(),
            ),
            _ => {}
        }
        for (name, files) in [
            ("shared_config_files", &self.shared_config_files),
            ("shared_credentials_files", &self.shared_credentials_files),
        ] {
            if let Value::Value(files) = files {
                for (i, f) in files.iter().enumerate() {
                    if let Some(f) = known(f) {
                        if f.trim().is_empty() {
                            issue(
                                AttributePath::new(name).index(i as i64),
                                "Empty file path",
                                format!("{name}[{i}] is empty."),
                            );
                        }
                    }
                }
            }
        }
        if let Value::Value(role) = &self.assume_role {
            match &role.role_arn {
                Value::Value(arn) if !is_role_arn(arn) => issue(
                    AttributePath::new("assume_role")
                        .index(0)
                        .attribute("role_arn"),
                    "Invalid role ARN",
                    format!(
                        "\"{arn}\" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)."
                    ),
                ),
                Value::Null => issue(
                    AttributePath::new("assume_role")
                        .index(0)
                        .attribute("role_arn"),
                    "Missing role_arn",
                    "assume_role needs role_arn.".into(),
                ),
                _ => {}
            }
        }
        if let Value::Value(endpoints) = &self.endpoints {
            for (service, url) in endpoints {
                if let Some(url) = known(url) {
                    if !is_endpoint_url(url) {
                        issue(
                            AttributePath::new("endpoints").index(0).attribute(service.clone()),
                            "Invalid endpoint URL",
                            format!(
                                "endpoints.{service} = \"{url}\" is not an absolute http:// or https:// URL."
                            ),
                        );
                    }
                }
            }
        }
        issues
    }

    /// Validate and resolve into settings; every value must be known by now (configure time).
    pub fn into_settings(self) -> Result<ProviderSettings, Vec<ConfigIssue>> {
        let mut issues = self.validate();
        let unknown: Vec<&str> = [
            ("region", self.region.is_unknown()),
            ("profile", self.profile.is_unknown()),
            ("access_key", self.access_key.is_unknown()),
            ("secret_key", self.secret_key.is_unknown()),
            ("token", self.token.is_unknown()),
        ]
        .into_iter()
        .filter_map(|(n, u)| u.then_some(n))
        .collect();
        for name in unknown {
            issues.push(ConfigIssue {
                path: AttributePath::new(name),
                summary: "Value not known at configure time".into(),
                detail: format!(
                    "{name} depends on a value known only after apply; the provider needs it to configure. Use a value known at plan time."
                ),
            });
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let strings = |v: Value<Vec<Value<String>>>| -> Vec<String> {
            v.unwrap_or_default()
                .into_iter()
                .filter_map(|s| s.as_option())
                .collect()
        };
        let credentials = match (self.access_key, self.secret_key) {
            (Value::Value(access_key), Value::Value(secret_key)) => Some(StaticCredentials {
                access_key,
                secret_key,
                token: self.token.as_option(),
            }),
            _ => None,
        };
        let assume_role = self.assume_role.as_option().and_then(|r| {
            Some(AssumeRole {
                role_arn: r.role_arn.as_option()?,
                session_name: r.session_name.as_option(),
                external_id: r.external_id.as_option(),
            })
        });
        Ok(ProviderSettings {
            region: self.region.as_option(),
            profile: self.profile.as_option(),
            shared_config_files: strings(self.shared_config_files),
            shared_credentials_files: strings(self.shared_credentials_files),
            credentials,
            adaptive_retry: self.retry_mode.as_option().as_deref() == Some("adaptive"),
            max_retries: self
                .max_retries
                .as_option()
                .map(|n| n.clamp(0, 100) as u32)
                .unwrap_or(DEFAULT_MAX_RETRIES as u32),
            s3_use_path_style: self.s3_use_path_style.as_option().unwrap_or(false),
            skip_credentials_validation: self
                .skip_credentials_validation
                .as_option()
                .unwrap_or(false),
            skip_requesting_account_id: self
                .skip_requesting_account_id
                .as_option()
                .unwrap_or(false),
            assume_role,
            endpoints: self
                .endpoints
                .as_option()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_option()?)))
                .collect(),
            default_tags: self
                .default_tags
                .as_option()
                .and_then(|t| t.tags.as_option())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_option()?)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_text(p: &AttributePath) -> String {
        format!("{p:?}")
    }

    #[test]
    fn region_names() {
        for ok in [
            "us-east-2",
            "eu-central-1",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["", "useast2", "us-east", "US-EAST-1", "us-east-x", "us--1"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn bad_values_are_reported_on_their_paths() {
        let mut endpoints = BTreeMap::new();
        endpoints.insert("s3".to_string(), Value::Value("localhost:4566".to_string()));
        endpoints.insert(
            "sts".to_string(),
            Value::Value("http://127.0.0.1:1".to_string()),
        );
        let cfg = ProviderConfigValue {
            region: Value::Value("mars-1".into()),
            max_retries: Value::Value(-1),
            access_key: Value::Value("AKIA".into()),
            endpoints: Value::Value(endpoints),
            assume_role: Value::Value(AssumeRoleValue {
                role_arn: Value::Value("not-an-arn".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let issues = cfg.validate();
        let paths: Vec<String> = issues.iter().map(|i| path_text(&i.path)).collect();
        assert_eq!(issues.len(), 5, "{paths:?}");
        assert!(paths[0].contains("region"), "{paths:?}");
        assert!(paths[1].contains("max_retries"));
        assert!(paths[2].contains("secret_key"));
        assert!(paths[3].contains("assume_role") && paths[3].contains("role_arn"));
        assert!(paths[4].contains("endpoints") && paths[4].contains("s3"));
        assert!(issues[4].detail.contains("localhost:4566"));
    }

    #[test]
    fn unknown_values_pass_validation_but_not_configure() {
        let cfg = ProviderConfigValue {
            region: Value::Unknown,
            ..Default::default()
        };
        assert!(cfg.validate().is_empty());
        let err = cfg.into_settings().unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].summary.contains("not known"));
    }

    #[test]
    fn settings_resolve_defaults_and_secrets_stay_out_of_debug() {
        let cfg = ProviderConfigValue {
            region: Value::Value("us-east-2".into()),
            access_key: Value::Value("AKIAEXAMPLE".into()),
            secret_key: Value::Value("very-secret".into()),
            ..Default::default()
        };
        let debug = format!("{cfg:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("AKIAEXAMPLE"),
            "{debug}"
        );
        let settings = cfg.into_settings().unwrap();
        assert_eq!(settings.max_retries, DEFAULT_MAX_RETRIES as u32);
        assert!(settings.credentials.is_some());
        let debug = format!("{settings:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
    }
}

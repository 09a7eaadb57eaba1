//! Amazon Resource Names as values: parsed once, printed back, never split by hand.

use std::fmt;
use std::str::FromStr;

/// An ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arn {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The service namespace, e.g. `s3`, `iam`, `secretsmanager`.
    pub service: String,
    /// Region; empty for global services (IAM, S3 buckets).
    pub region: String,
    /// Account id; empty for S3 buckets and AWS-managed policies use `aws`.
    pub account: String,
    /// The resource part (may itself contain `:` and `/`).
    pub resource: String,
}

/// Why a string is not an ARN, or not the ARN wanted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// Not `arn:` with six colon-separated parts.
    #[error("\"{0}\" is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")]
    Malformed(String),
    /// An ARN of another service or resource type.
    #[error("\"{given}\" is not {wanted}")]
    Kind {
        /// What was written.
        given: String,
        /// What was expected, e.g. `the ARN of an ALB listener (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/...)`.
        wanted: String,
    },
    /// A wildcard where one exact resource is required.
    #[error("\"{given}\" has a wildcard in its {part}: name exactly one resource")]
    Wildcard {
        /// What was written.
        given: String,
        /// Which part holds the wildcard.
        part: &'static str,
    },
}

const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"];

impl FromStr for Arn {
    type Err = ArnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ArnError::Malformed(s.to_string());
        let mut parts = s.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(bad());
        };
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return Err(bad());
        }
        Ok(Arn {
            partition: partition.to_string(),
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

impl Arn {
    /// Parse `s` as an ARN of `service` whose resource starts with `resource_prefix`;
    /// `wanted` describes it in the error.
    pub fn parse_kind(
        s: &str,
        service: &str,
        resource_prefix: &str,
        wanted: &str,
    ) -> Result<Arn, ArnError> {
        let kind = || ArnError::Kind {
            given: s.to_string(),
            wanted: wanted.to_string(),
        };
        let arn: Arn = s.parse().map_err(|_| kind())?;
        if arn.service != service || !arn.resource.starts_with(resource_prefix) {
            return Err(ArnError::Kind {
                given: s.to_string(),
                wanted: wanted.to_string(),
            });
        }
        Ok(arn)
    }

    /// The first part holding a wildcard (`*` or `?`), if any.
    pub fn wildcard_part(&self) -> Option<&'static str> {
        if has_wildcard(&self.partition) || !PARTITIONS.contains(&self.partition.as_str()) {
            return Some("partition");
        }
        if has_wildcard(&self.service) {
            return Some("service");
        }
        if has_wildcard(&self.region) {
            return Some("region");
        }
        if has_wildcard(&self.account) {
            return Some("account");
        }
        if has_wildcard(&self.resource) {
            return Some("resource");
        }
        None
    }

    /// Refuse any wildcard: the ARN must name exactly one resource.
    pub fn exact(self) -> Result<Arn, ArnError> {
        match self.wildcard_part() {
            Some(part) => Err(ArnError::Wildcard {
                given: self.to_string(),
                part,
            }),
            None => Ok(self),
        }
    }
}

/// Whether `s` is the ARN of an SSM parameter (else, among secret references, a Secrets
/// Manager secret).
pub fn is_ssm_parameter(s: &str) -> bool {
    s.parse::<Arn>().is_ok_and(|a| a.service == "ssm")
}

/// Parse a reference to one secret: the exact ARN of a Secrets Manager secret or an SSM
/// parameter (no wildcard anywhere, not even in the region or account).
pub fn parse_secret_reference(s: &str) -> Result<Arn, ArnError> {
    let arn: Arn = s.parse()?;
    let ok = match arn.service.as_str() {
        "secretsmanager" => arn.resource.starts_with("secret:"),
        "ssm" => arn.resource.starts_with("parameter/"),
        _ => false,
    };
    if !ok || arn.region.is_empty() || arn.account.is_empty() {
        return Err(ArnError::Kind {
            given: s.to_string(),
            wanted: "the ARN of one Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME) or SSM parameter (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)".into(),
        });
    }
    arn.exact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_round_trip() {
        for s in [
            "arn:aws:elasticloadbalancing:us-east-2:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
            "arn:aws:s3:::my-bucket/key",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/x:log-stream:*",
        ] {
            let arn: Arn = s.parse().unwrap();
            assert_eq!(arn.to_string(), s);
        }
        assert!("arn:aws:s3".parse::<Arn>().is_err());
        assert!("hunter2".parse::<Arn>().is_err());
        assert!("arn::s3:::b".parse::<Arn>().is_err());
    }

    #[test]
    fn kinds_and_wildcards() {
        let l = "arn:aws:elasticloadbalancing:us-east-2:123456789012:listener/app/web/1/2";
        assert!(Arn::parse_kind(l, "elasticloadbalancing", "listener/", "a listener").is_ok());
        let tg = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/x/1";
        assert!(Arn::parse_kind(tg, "elasticloadbalancing", "listener/", "a listener").is_err());
        let exact: Arn = "arn:aws:s3:::bucket/key".parse().unwrap();
        assert!(exact.exact().is_ok());
        for (s, part) in [
            ("arn:aws:s3:::*", "resource"),
            ("arn:aws:iam::*:role/*", "account"),
            ("arn:aws:secretsmanager:*:123456789012:secret:db", "region"),
            ("arn:*:s3:::b", "partition"),
        ] {
            let arn: Arn = s.parse().unwrap();
            assert_eq!(arn.wildcard_part(), Some(part), "{s}");
        }
    }

    #[test]
    fn secret_references_are_exact() {
        assert!(parse_secret_reference(
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbC"
        )
        .is_ok());
        assert!(
            parse_secret_reference("arn:aws:ssm:us-east-2:123456789012:parameter/app/db").is_ok()
        );
        for bad in [
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:*",
            "arn:aws:secretsmanager:us-east-2:*:secret:db",
            "arn:aws:secretsmanager:*:123456789012:secret:db",
            "arn:aws:ssm:us-east-2:123456789012:document/x",
            "arn:aws:secretsmanager:us-east-2::secret:db",
            "hunter2",
        ] {
            assert!(parse_secret_reference(bad).is_err(), "{bad}");
        }
    }
}

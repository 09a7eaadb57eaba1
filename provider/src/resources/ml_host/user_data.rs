//! The boot script of the host: Docker, ECR login with the instance role, and the container.
//!
//! Rendered by the provider so that it is reviewed, tested and hashed like code. It holds no
//! secret: the instance role's credentials come from IMDSv2 at boot, secret environment values
//! are read at boot from Secrets Manager or SSM by ARN (only the ARN is in the script), and
//! `environment` is documented as not for secrets.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// What the script needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container<'a> {
    /// Container name (`ml-api` in seed 000).
    pub name: &'a str,
    /// Image URI with tag or digest.
    pub image: &'a str,
    /// Port the container listens on.
    pub container_port: i64,
    /// Port published on the host.
    pub host_port: i64,
    /// Environment variables (not secret: they are part of the script).
    pub environment: &'a BTreeMap<String, String>,
    /// Secret environment variables: name to the ARN of a Secrets Manager secret or an SSM
    /// parameter, read at boot with the instance role. Only the ARN is in the script.
    pub secrets: &'a BTreeMap<String, String>,
    /// Region of the ECR registry.
    pub region: &'a str,
}

/// Quote for a POSIX shell: single quotes, with embedded quotes closed and escaped.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The registry host of an ECR image (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`), if it is one.
pub fn ecr_registry(image: &str) -> Option<&str> {
    let host = image.split('/').next()?;
    (image.contains('/') && host.contains(".dkr.ecr.")).then_some(host)
}

/// Render the script.
pub fn render(c: &Container<'_>) -> String {
    let mut env_args = String::new();
    for (k, v) in c.environment {
        env_args.push_str(&format!(
            "  --env {} \\\n",
            shell_quote(&format!("{k}={v}"))
        ));
    }
    let mut secrets = String::new();
    if !c.secrets.is_empty() {
        secrets.push_str(&format!(
            "status \"reading {} secret(s) with the instance role\"\n",
            c.secrets.len()
        ));
    }
    for (name, arn) in c.secrets {
        let parsed = arn.parse::<crate::types::arn::Arn>().ok();
        let region = parsed
            .as_ref()
            .map(|a| a.region.as_str())
            .filter(|r| !r.is_empty())
            .unwrap_or(c.region);
        let fetch = if parsed.as_ref().is_some_and(|a| a.service == "ssm") {
            format!(
                "aws ssm get-parameter --region {} --name {} --with-decryption --query Parameter.Value --output text",
                shell_quote(region),
                shell_quote(arn)
            )
        } else {
            format!(
                "aws secretsmanager get-secret-value --region {} --secret-id {} --query SecretString --output text",
                shell_quote(region),
                shell_quote(arn)
            )
        };
        secrets.push_str(&format!("export {name}=\"$({fetch})\"\n"));
        env_args.push_str(&format!("  --env {name} \\\n"));
    }
    let login = match ecr_registry(c.image) {
        Some(registry) => format!(
            "aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry} >>\"$LOG\" 2>&1\n",
            region = shell_quote(c.region),
            registry = shell_quote(registry),
        ),
        None => "# not an ECR image: no registry login\n".to_string(),
    };
    format!(
        r#"#!/bin/bash
# Rendered by terraform-provider-blueprint (blueprint_ml_host). Do not edit on the host:
# a change of image or environment replaces the instance.
set -euo pipefail
LOG=/var/log/blueprint-ml-host.log
exec 3>>"$LOG"
status() {{ echo "$(date -u +%FT%TZ) $*" >&3; }}
trap 'status "failed at line $LINENO"' ERR

status "installing docker"
dnf install -y docker >>"$LOG" 2>&1
systemctl enable --now docker >>"$LOG" 2>&1

status "logging in to the registry with the instance role"
{login}
{secrets}status "pulling {image_q}"
docker pull {image} >>"$LOG" 2>&1

docker rm -f {name} >/dev/null 2>&1 || true
docker run --detach \
  --name {name} \
  --restart unless-stopped \
  --publish {host_port}:{container_port} \
  --log-driver json-file --log-opt max-size=10m --log-opt max-file=5 \
{env_args}  {image} >>"$LOG" 2>&1
status "container {name_q} running on port {host_port}"
"#,
        image = shell_quote(c.image),
        image_q = c.image.replace('"', ""),
        name = shell_quote(c.name),
        name_q = c.name.replace('"', ""),
        host_port = c.host_port,
        container_port = c.container_port,
    )
}

/// Hex SHA-256 of the script, as stored in `user_data_sha256`.
pub fn sha256_hex(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_env() -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        env.insert("MODEL_NAME".to_string(), "santiago-v1".to_string());
        env.insert("LOG_LEVEL".to_string(), "info".to_string());
        env
    }

    #[test]
    fn seed_000_script() {
        let env = seed_env();
        let script = render(&Container {
            name: "ml-api",
            image: "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest",
            container_port: 8000,
            host_port: 8000,
            environment: &env,
            secrets: &BTreeMap::new(),
            region: "us-east-2",
        });
        insta::assert_snapshot!(script);
    }

    #[test]
    fn public_image_and_hostile_values_are_quoted() {
        let mut env = BTreeMap::new();
        env.insert("GREETING".to_string(), "it's $(rm -rf /)".to_string());
        let script = render(&Container {
            name: "api",
            image: "nginx:1.27",
            container_port: 80,
            host_port: 8080,
            environment: &env,
            secrets: &BTreeMap::new(),
            region: "eu-west-1",
        });
        assert!(script.contains("# not an ECR image"));
        assert!(
            script.contains(r#"--env 'GREETING=it'\''s $(rm -rf /)'"#),
            "{script}"
        );
        insta::assert_snapshot!(script);
    }

    #[test]
    fn hash_follows_image_and_environment() {
        let env = seed_env();
        let none = BTreeMap::new();
        let base = Container {
            name: "ml-api",
            image: "repo/app:1",
            container_port: 8000,
            host_port: 8000,
            environment: &env,
            secrets: &none,
            region: "us-east-2",
        };
        let h1 = sha256_hex(&render(&base));
        let h2 = sha256_hex(&render(&Container {
            image: "repo/app:2",
            ..base.clone()
        }));
        let other = BTreeMap::new();
        let h3 = sha256_hex(&render(&Container {
            environment: &other,
            ..base
        }));
        assert_eq!(h1.len(), 64);
        assert_ne!(h1, h2);
        assert_ne!(h1, h3);
    }
}

/// What [`parse`] recovers from a rendered script (for `terraform import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Container name.
    pub name: String,
    /// Image.
    pub image: String,
    /// Host port.
    pub host_port: i64,
    /// Container port.
    pub container_port: i64,
    /// Environment.
    pub environment: BTreeMap<String, String>,
    /// Secret environment: name to ARN.
    pub secrets: BTreeMap<String, String>,
}

/// Undo [`shell_quote`].
fn shell_unquote(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("'\\''", "'"))
}

/// Read back a script this module rendered; `None` for any other script.
pub fn parse(script: &str) -> Option<Parsed> {
    if !script.contains("terraform-provider-blueprint (blueprint_ml_host)") {
        return None;
    }
    let mut name = None;
    let mut image = None;
    let mut ports = None;
    let mut environment = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for line in script.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("export ") {
            let (name, cmd) = rest.split_once('=')?;
            let arn = ["--secret-id ", "--name "]
                .iter()
                .find_map(|flag| cmd.split(flag).nth(1))?;
            let quoted = arn.split(" --").next()?;
            secrets.insert(name.to_string(), shell_unquote(quoted)?);
            continue;
        }
        if let Some(rest) = line.strip_prefix("docker pull ") {
            image = shell_unquote(rest.split(" >>").next()?);
        } else if let Some(rest) = line.strip_prefix("--name ") {
            name = shell_unquote(rest.trim_end_matches('\\'));
        } else if let Some(rest) = line.strip_prefix("--publish ") {
            let (h, c) = rest.trim_end_matches('\\').trim().split_once(':')?;
            ports = Some((h.parse().ok()?, c.parse().ok()?));
        } else if let Some(rest) = line.strip_prefix("--env ") {
            let rest = rest.trim_end_matches('\\').trim();
            if !rest.starts_with('\'') {
                // A secret, passed by name from the exported variable.
                continue;
            }
            let kv = shell_unquote(rest)?;
            let (k, v) = kv.split_once('=')?;
            environment.insert(k.to_string(), v.to_string());
        }
    }
    let (host_port, container_port) = ports?;
    Some(Parsed {
        name: name?,
        image: image?,
        host_port,
        container_port,
        environment,
        secrets,
    })
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut env = BTreeMap::new();
        env.insert("A".to_string(), "it's = 1".to_string());
        let mut secrets = BTreeMap::new();
        secrets.insert(
            "DB_PASSWORD".to_string(),
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbCdEf".to_string(),
        );
        secrets.insert(
            "API_TOKEN".to_string(),
            "arn:aws:ssm:us-east-2:123456789012:parameter/ml/token".to_string(),
        );
        let c = Container {
            name: "ml-api",
            image: "1.dkr.ecr.us-east-2.amazonaws.com/x:latest",
            container_port: 8000,
            host_port: 80,
            environment: &env,
            secrets: &secrets,
            region: "us-east-2",
        };
        let script = render(&c);
        insta::assert_snapshot!("secrets_by_reference", script);
        let p = parse(&script).unwrap();
        assert_eq!(p.secrets, secrets);
        assert_eq!(p.name, "ml-api");
        assert_eq!(p.image, c.image);
        assert_eq!((p.host_port, p.container_port), (80, 8000));
        assert_eq!(p.environment, env);
        assert_eq!(parse("#!/bin/bash\necho hi\n"), None);
    }
}

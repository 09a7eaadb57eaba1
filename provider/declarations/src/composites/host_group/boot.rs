//! A host's boot configuration (cloud-init), rendered from its declared software: packages,
//! commands, and secrets fetched at boot with the host's role (only their ARNs are in the file;
//! their values never reach user data, state or logs).

use std::collections::BTreeMap;

/// What a host's boot configuration is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot<'a> {
    /// `GROUP/HOST`, for the header.
    pub owner: &'a str,
    /// Packages installed with the system's package manager.
    pub packages: &'a [String],
    /// Commands run once, in order, after the secrets are fetched.
    pub commands: &'a [String],
    /// Variable name to a Secrets Manager secret or SSM parameter ARN.
    pub secrets: &'a BTreeMap<String, String>,
    /// The region the secrets are read in.
    pub region: &'a str,
}

/// Where the secrets fetched at boot are written (root only, mode 0600).
pub const SECRETS_FILE: &str = "/etc/blueprint/secrets.env";
/// The script that fetches them.
pub const FETCH_SCRIPT: &str = "/usr/local/sbin/blueprint-fetch-secrets";

/// Whether `arn` names an SSM parameter (else a Secrets Manager secret).
pub fn is_ssm(arn: &str) -> bool {
    arn.split(':').nth(2) == Some("ssm")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn yaml(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The cloud-config document.
pub fn render(b: &Boot) -> String {
    let mut out = String::from("#cloud-config\n");
    out.push_str(&format!(
        "# blueprint_host_group {}: secrets are read at boot with the host's role; only their ARNs are here.\n",
        b.owner
    ));
    if !b.packages.is_empty() {
        out.push_str("package_update: true\npackages:\n");
        for p in b.packages {
            out.push_str(&format!("  - {}\n", yaml(p)));
        }
    }
    if !b.secrets.is_empty() {
        let mut script =
            String::from("#!/bin/bash\nset -euo pipefail\numask 077\nmkdir -p /etc/blueprint\n");
        script.push_str(&format!("out={SECRETS_FILE}\n: > \"$out\"\n"));
        for (name, arn) in b.secrets {
            let read = if is_ssm(arn) {
                format!(
                    "aws ssm get-parameter --region {} --with-decryption --name {} --query Parameter.Value --output text",
                    shell_quote(b.region),
                    shell_quote(arn)
                )
            } else {
                format!(
                    "aws secretsmanager get-secret-value --region {} --secret-id {} --query SecretString --output text",
                    shell_quote(b.region),
                    shell_quote(arn)
                )
            };
            script.push_str(&format!(
                "value=\"$({read})\"\nprintf '%s=%q\\n' {name} \"$value\" >> \"$out\"\n"
            ));
        }
        out.push_str("write_files:\n");
        out.push_str(&format!(
            "  - path: {FETCH_SCRIPT}\n    permissions: \"0700\"\n    content: |\n"
        ));
        for line in script.lines() {
            out.push_str(&format!("      {line}\n"));
        }
    }
    if !b.secrets.is_empty() || !b.commands.is_empty() {
        out.push_str("runcmd:\n");
        if !b.secrets.is_empty() {
            out.push_str(&format!("  - [{FETCH_SCRIPT}]\n"));
        }
        for c in b.commands {
            out.push_str(&format!("  - {}\n", yaml(c)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fetched_at_boot_and_only_their_arns_are_in_the_file() {
        let secrets: BTreeMap<String, String> = [
            (
                "REDIS_PASSWORD".to_string(),
                "arn:aws:ssm:us-east-2:123456789012:parameter/anb/redis".to_string(),
            ),
            (
                "DATABASE".to_string(),
                "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!db-1-AbCdEf".to_string(),
            ),
        ]
        .into();
        let packages = vec!["nginx".to_string()];
        let commands = vec!["systemctl enable --now nginx".to_string()];
        let text = render(&Boot {
            owner: "anb/web",
            packages: &packages,
            commands: &commands,
            secrets: &secrets,
            region: "us-east-2",
        });
        assert!(text.starts_with("#cloud-config\n"), "{text}");
        assert!(text.contains("aws ssm get-parameter --region 'us-east-2' --with-decryption --name 'arn:aws:ssm:us-east-2:123456789012:parameter/anb/redis'"), "{text}");
        assert!(text.contains("aws secretsmanager get-secret-value --region 'us-east-2' --secret-id 'arn:aws:secretsmanager:"), "{text}");
        assert!(text.contains("  - \"nginx\"\n"), "{text}");
        // The fetch runs before the declared commands, and nothing echoes the values.
        let fetch = text
            .find("  - [/usr/local/sbin/blueprint-fetch-secrets]")
            .unwrap();
        let cmd = text.find("systemctl enable").unwrap();
        assert!(fetch < cmd);
        assert!(!text.contains("set -x"));
        // Without secrets or commands: no script, no runcmd.
        let empty = BTreeMap::new();
        let text = render(&Boot {
            owner: "anb/worker",
            packages: &[],
            commands: &[],
            secrets: &empty,
            region: "us-east-2",
        });
        assert!(
            !text.contains("runcmd") && !text.contains("write_files"),
            "{text}"
        );
    }
}

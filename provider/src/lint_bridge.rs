//! The linter's rules at plan time, on what a composite builds.
//!
//! One source of truth: the provider does not re-implement any rule. A composite's
//! configuration, in Terraform's own encoding (unknown values stay unknown, and an unknown
//! never fires a rule), goes through its declaration's expansion into the plain `aws_*`
//! resources it builds; `blueprint-lint` runs the same rules on them as on a `.tf` file or a
//! plan, and each finding comes back on the composite attribute the value came from (the
//! expansion's origins), e.g. `ssh_cidr_blocks[0]`.

use crate::tf::{AttributePath, Diagnostics};
use blueprint_lint::{Finding, PathStep, Profile, Severity};
use serde::Serialize;

/// The attribute path of a finding, in Terraform's terms.
pub fn attribute_path(steps: &[PathStep]) -> AttributePath {
    let mut path = AttributePath::root();
    for step in steps {
        match step {
            PathStep::Attribute(a) => {
                path.add_attribute(a.clone());
            }
            PathStep::Index(i) => {
                path.add_index(*i as i64);
            }
            PathStep::Key(k) => {
                path.add_key(k.clone());
            }
        }
    }
    path
}

/// The findings of every rule on what the composite `resource_type` (a registered
/// declaration's type) builds from `config`.
pub fn check<T: Serialize>(
    resource_type: &str,
    config: &T,
) -> Result<Vec<Finding>, crate::declare::value::ValueError> {
    let generic = crate::declare::value::to_generic(config)?;
    Ok(blueprint_lint::check_composite(
        resource_type,
        &generic,
        Profile::Dev,
    ))
}

/// Report the findings of [`check`]: errors for error rules, warnings otherwise, each on its
/// composite attribute.
pub fn warn<T: Serialize>(diags: &mut Diagnostics, resource_type: &str, config: &T) {
    let findings = match check(resource_type, config) {
        Ok(f) => f,
        // Never a lint silently skipped: the state that cannot be encoded is a bug.
        Err(e) => return crate::composite::CompositeError::from(e).report(diags),
    };
    for f in findings {
        let summary = format!("{} ({})", f.message, f.rule_id);
        // Terraform 1.0 underlines only top-level attributes and blocks: name the element.
        let detail = format!(
            "At {}: {} [blueprint-lint rule {}]",
            blueprint_lint::path_to_string(&f.attribute_path),
            f.fix,
            f.rule_id
        );
        let path = attribute_path(&f.attribute_path);
        match f.severity {
            Severity::Error => diags.error(summary, detail, path),
            _ => diags.warning(summary, detail, path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::ml_host::MlHostState;
    use crate::resources::secure_service::SecureServiceState;

    fn paths(findings: &[Finding]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.clone(),
                    blueprint_lint::path_to_string(&f.attribute_path),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn from_json<T: serde::de::DeserializeOwned>(j: serde_json::Value) -> T {
        serde_json::from_value(j).expect("state")
    }

    /// The open host of seed 000: the warnings come from the plain security group and
    /// instance the expansion builds, on the composite's own attributes.
    #[test]
    fn an_open_ml_host_warns_on_its_own_attributes() {
        let host: MlHostState = from_json(serde_json::json!({
            "name": "api",
            "image": "750477224025.dkr.ecr.us-east-2.amazonaws.com/api:1",
            "ssh_cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"],
            "app_cidr_blocks": ["::/0"],
            "container_port": 8000,
            "environment": {"HF_TOKEN": "hf_x", "MODEL": "v1"},
        }));
        assert_eq!(
            paths(&check("blueprint_ml_host", &host).unwrap()),
            [
                (
                    "ecs-plaintext-secrets".into(),
                    "environment[\"HF_TOKEN\"]".into()
                ),
                ("sg-app-port-open".into(), "app_cidr_blocks[0]".into()),
                ("sg-ssh-rdp-open".into(), "ssh_cidr_blocks[1]".into()),
            ]
        );
    }

    #[test]
    fn a_secure_service_reports_its_statements_and_environment() {
        let svc: SecureServiceState = from_json(serde_json::json!({
            "name": "users",
            "container": {
                "image": "1.dkr.ecr.us-east-2.amazonaws.com/users:1",
                "port": 3000,
                "environment": {"API_TOKEN": "tok", "LOG_LEVEL": "info"},
            },
            "task_role_policy_statements": [
                {"actions": ["s3:GetObject", "s3:*"], "resources": ["arn:aws:s3:::b/*"]},
            ],
        }));
        assert_eq!(
            paths(&check("blueprint_secure_service", &svc).unwrap()),
            [
                (
                    "ecs-plaintext-secrets".into(),
                    "container.environment[\"API_TOKEN\"]".into()
                ),
                (
                    "iam-no-wildcard".into(),
                    "task_role_policy_statements[0].actions[1]".into()
                ),
            ]
        );
    }

    #[test]
    fn unknown_values_never_warn() {
        let mut host: MlHostState = from_json(serde_json::json!({
            "name": "api",
            "image": "750477224025.dkr.ecr.us-east-2.amazonaws.com/api:1",
        }));
        host.ssh_cidr_blocks = crate::tf::Value::Unknown;
        host.environment = crate::tf::Value::Unknown;
        assert_eq!(paths(&check("blueprint_ml_host", &host).unwrap()), []);
        assert!(check("aws_instance", &host).unwrap().is_empty());
    }
}

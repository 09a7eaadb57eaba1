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

/// The profile a composite is linted with: its own `profile` attribute (`prod` runs the
/// prod-only rules: flow logs, backups, deletion protection, access logs...). A composite
/// without the attribute, with `dev`, or with a profile not known yet is linted as `dev`
/// (an unknown value never fires a rule).
pub fn profile_of(config: &blueprint_declarations::value::Generic) -> Profile {
    match blueprint_declarations::value::field(config, "profile").and_then(|v| v.as_str()) {
        Some("prod") => Profile::Prod,
        _ => Profile::Dev,
    }
}

/// The findings of every rule on what the composite `resource_type` (a registered
/// declaration's type) builds from `config`, with the composite's own profile.
pub fn check<T: Serialize>(
    resource_type: &str,
    config: &T,
) -> Result<Vec<Finding>, crate::declare::value::ValueError> {
    let generic = crate::declare::value::to_generic(config)?;
    Ok(blueprint_lint::check_composite(
        resource_type,
        &generic,
        profile_of(&generic),
    ))
}

/// Whether `rule_id` is a prod-only rule: at plan it only warns, since a composite lets a prod
/// configuration turn the setting off on purpose (`flow_logs = false`); `blueprint-lint
/// --profile prod` reports it at its own severity.
fn prod_only(rule_id: &str) -> bool {
    blueprint_lint::rules::find(rule_id).is_some_and(|r| r.meta().prod_only)
}

/// Report the findings of [`check`]: errors for error rules (warnings for prod-only ones),
/// warnings otherwise, each on its composite attribute.
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
            Severity::Error if !prod_only(&f.rule_id) => diags.error(summary, detail, path),
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

    fn rules(ty: &str, config: serde_json::Value) -> Vec<(String, String)> {
        paths(&check(ty, &config).unwrap())
    }

    fn has(found: &[(String, String)], rule: &str, path: &str) -> bool {
        found.iter().any(|(r, p)| r == rule && p == path)
    }

    /// Each composite is linted with its own profile: prod-only rules fire for `prod` (they
    /// never did: every composite was linted as `dev`), and stay silent for `dev`.
    #[test]
    fn prod_composites_are_linted_as_prod() {
        let net = |profile: &str| serde_json::json!({"name": "net", "profile": profile, "cidr_block": "10.0.0.0/16", "flow_logs": false});
        let found = rules("blueprint_network", net("prod"));
        assert!(found.iter().any(|(r, _)| r == "vpc-flow-logs"), "{found:?}");
        assert!(rules("blueprint_network", net("dev")).is_empty());

        let db = |profile: &str| {
            serde_json::json!({
                "name": "db", "profile": profile, "vpc_id": "vpc-0123abcd",
                "subnet_ids": ["subnet-0123abcd", "subnet-4567abcd"],
                "backup_retention_days": 1, "deletion_protection": false, "skip_final_snapshot": true,
            })
        };
        let found = rules("blueprint_database", db("prod"));
        for (rule, path) in [
            ("rds-backup-retention", "backup_retention_days"),
            ("rds-deletion-protection", "deletion_protection"),
            ("rds-deletion-protection", "skip_final_snapshot"),
        ] {
            assert!(has(&found, rule, path), "{rule} {path}: {found:?}");
        }
        assert!(rules("blueprint_database", db("dev")).is_empty());
        // The prod defaults are the seed's: nothing to say.
        let found = rules(
            "blueprint_database",
            serde_json::json!({"name": "db", "profile": "prod", "vpc_id": "vpc-0123abcd",
                "subnet_ids": ["subnet-0123abcd", "subnet-4567abcd"]}),
        );
        assert!(found.is_empty(), "{found:?}");

        let lb = |profile: &str| {
            serde_json::json!({
                "name": "web", "profile": profile, "vpc_id": "vpc-0123abcd",
                "public_subnet_ids": ["subnet-0123abcd", "subnet-4567abcd"],
                "domain_name": "example.org", "access_logs": false, "deletion_protection": false,
            })
        };
        let found = rules("blueprint_load_balancer", lb("prod"));
        assert!(
            has(&found, "alb-logs-and-protection", "access_logs"),
            "{found:?}"
        );
        assert!(
            has(&found, "alb-logs-and-protection", "deletion_protection"),
            "{found:?}"
        );
        assert!(rules("blueprint_load_balancer", lb("dev")).is_empty());
    }

    /// At plan, prod-only rules warn (a prod composite may turn a setting off on purpose);
    /// every other error rule still fails the plan.
    #[test]
    fn prod_only_findings_warn_at_plan() {
        let mut diags = Diagnostics::default();
        let net = serde_json::json!({"name": "net", "profile": "prod", "cidr_block": "10.0.0.0/16", "flow_logs": false});
        warn(&mut diags, "blueprint_network", &net);
        assert!(diags.errors.is_empty(), "{:?}", diags.errors);
        assert!(!diags.warnings.is_empty());
    }

    /// The load balancer's group admits the two halves of IPv4: the internet, as `0.0.0.0/0`
    /// (its design: no warning), and a pipeline stage triggered by a whole bucket warns.
    #[test]
    fn load_balancer_halves_and_whole_bucket_triggers() {
        let found = rules(
            "blueprint_load_balancer",
            serde_json::json!({"name": "web", "vpc_id": "vpc-0123abcd",
                "public_subnet_ids": ["subnet-0123abcd", "subnet-4567abcd"], "domain_name": "example.org",
                "ingress_cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"]}),
        );
        assert!(found.is_empty(), "{found:?}");
        let pipeline = |prefix: &str| {
            serde_json::json!({"name": "ml-data", "bucket": [{"suffix": "raw"}, {"suffix": "clean"}],
                "stage": [{"name": "prep", "runtime": "python3.12", "handler": "main.handler",
                    "filename": "prep.zip",
                    "trigger": {"bucket": "raw", "prefix": prefix, "suffix": ""}}]})
        };
        let found = rules("blueprint_data_pipeline", pipeline(""));
        assert!(
            has(&found, "s3-trigger-whole-bucket", "stage[0].trigger"),
            "{found:?}"
        );
        assert!(rules("blueprint_data_pipeline", pipeline("incoming/")).is_empty());
    }

    /// Secrets by value under harmless names, in every composite's environment.
    #[test]
    fn secret_values_under_harmless_names_fail_the_plan() {
        let svc: SecureServiceState = from_json(serde_json::json!({
            "name": "users",
            "container": {
                "image": "1.dkr.ecr.us-east-2.amazonaws.com/users:1",
                "port": 3000,
                "environment": {"GH": "ghp_0123456789abcdefghijABCDEFGHIJ012345", "LOG_LEVEL": "info"},
            },
        }));
        assert_eq!(
            paths(&check("blueprint_secure_service", &svc).unwrap()),
            [(
                "ecs-plaintext-secrets".into(),
                "container.environment[\"GH\"]".into()
            )]
        );
        let host: MlHostState = from_json(serde_json::json!({
            "name": "api",
            "image": "750477224025.dkr.ecr.us-east-2.amazonaws.com/api:1",
            "environment": {"UPSTREAM": "AKIAIOSFODNN7EXAMPLE", "MODEL": "v1"},
        }));
        assert_eq!(
            paths(&check("blueprint_ml_host", &host).unwrap()),
            [(
                "ecs-plaintext-secrets".into(),
                "environment[\"UPSTREAM\"]".into()
            )]
        );
        let found = rules(
            "blueprint_data_pipeline",
            serde_json::json!({"name": "ml-data", "bucket": [{"suffix": "raw"}],
                "stage": [{"name": "prep", "runtime": "python3.12", "handler": "main.handler",
                    "filename": "prep.zip",
                    "environment": {"DATABASE_URL": "postgres://app:hunter2@db:5432/app", "MODE": "batch"}}]}),
        );
        assert_eq!(
            found,
            [(
                "ecs-plaintext-secrets".into(),
                "stage[0].environment[\"DATABASE_URL\"]".into()
            )]
        );
        let mut diags = Diagnostics::default();
        warn(&mut diags, "blueprint_secure_service", &svc);
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
    }

    /// SSH open to the internet however it is spelt, or split.
    #[test]
    fn ssh_open_however_spelt_warns() {
        for cidrs in [
            serde_json::json!(["0.0.0.0/00", "::0/0"]),
            serde_json::json!(["0::/0"]),
            serde_json::json!(["::ffff:0.0.0.0/96"]),
            serde_json::json!(["2000::/3"]),
            serde_json::json!(["0.0.0.0/1", "128.0.0.0/1"]),
            serde_json::json!(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]),
        ] {
            let host: MlHostState = from_json(serde_json::json!({
                "name": "api",
                "image": "750477224025.dkr.ecr.us-east-2.amazonaws.com/api:1",
                "ssh_cidr_blocks": cidrs,
            }));
            let found = paths(&check("blueprint_ml_host", &host).unwrap());
            assert!(
                !found.is_empty()
                    && found
                        .iter()
                        .all(|(r, p)| r == "sg-ssh-rdp-open" && p.starts_with("ssh_cidr_blocks[")),
                "{cidrs}: {found:?}"
            );
        }
    }
}

//! The provider's entry point: one resource's attributes as JSON, at plan time.

use blueprint_lint::{check_resource, PathStep, Profile, Severity, Value};
use serde_json::json;

#[test]
fn ml_host_open_ssh_and_app_port_are_warnings_on_the_list_element() {
    let attrs = Value::from_json(&json!({
        "name": "ml-api",
        "ssh_cidr_blocks": ["203.0.113.0/24", "0.0.0.0/0"],
        "app_cidr_blocks": ["::/0"],
    }));
    let f = check_resource("blueprint_ml_host", attrs, Profile::Dev);
    let got: Vec<(&str, Severity, &[PathStep])> = f
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity, f.attribute_path.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "sg-app-port-open",
                Severity::Warning,
                &[PathStep::attr("app_cidr_blocks"), PathStep::Index(0)][..]
            ),
            (
                "sg-ssh-rdp-open",
                Severity::Warning,
                &[PathStep::attr("ssh_cidr_blocks"), PathStep::Index(1)][..]
            ),
        ]
    );
    assert!(f
        .iter()
        .all(|f| f.location.is_none() && f.address == "blueprint_ml_host.this"));
}

#[test]
fn ml_host_unknown_cidrs_are_silent() {
    let mut attrs = Value::from_json(&json!({
        "ssh_cidr_blocks": ["0.0.0.0/0"],
        "app_cidr_blocks": ["0.0.0.0/0"],
    }));
    attrs.set_path(&[PathStep::attr("ssh_cidr_blocks")], Value::Unknown);
    attrs.set_path(
        &[PathStep::attr("app_cidr_blocks"), PathStep::Index(0)],
        Value::Unknown,
    );
    assert!(check_resource("blueprint_ml_host", attrs, Profile::Prod).is_empty());
}

#[test]
fn secure_service_wildcards_are_errors() {
    let attrs = Value::from_json(&json!({
        "name": "api",
        "task_role_policy_statements": [
            { "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::media/*"] },
            { "actions": ["dynamodb:GetItem", "*"], "resources": ["arn:aws:dynamodb:us-east-2:1:table/T"] },
            { "actions": ["sqs:SendMessage"], "resources": ["*"] },
        ],
    }));
    let f = check_resource("blueprint_secure_service", attrs, Profile::Dev);
    let paths: Vec<String> = f
        .iter()
        .map(|f| {
            assert_eq!(f.rule_id, "iam-no-wildcard");
            assert_eq!(f.severity, Severity::Error);
            blueprint_lint::path_to_string(&f.attribute_path)
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            "task_role_policy_statements[1].actions[1]",
            "task_role_policy_statements[2].resources[0]"
        ]
    );
}

#[test]
fn state_backend_composite_is_always_safe() {
    let attrs = Value::from_json(&json!({ "bucket": "state", "lock_table": "locks" }));
    assert!(check_resource("blueprint_state_backend", attrs, Profile::Prod).is_empty());
}

#[test]
fn plain_aws_resources_work_too() {
    let attrs = Value::from_json(&json!({
        "ingress": [{ "from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"] }],
    }));
    let f = check_resource("aws_security_group", attrs, Profile::Dev);
    assert_eq!(f.len(), 1);
    assert_eq!(
        blueprint_lint::path_to_string(&f[0].attribute_path),
        "ingress[0].cidr_blocks[0]"
    );
}

#[test]
fn every_rule_has_metadata() {
    for r in blueprint_lint::rules::registry() {
        let m = r.meta();
        assert!(m
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
        assert!(!m.description.is_empty() && !m.fix.is_empty() && !m.seed.quote.is_empty());
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds");
        if let Ok(text) = std::fs::read_to_string(seeds.join(m.seed.file)) {
            assert!(text.contains(m.seed.quote), "{}: quote not in seed", m.id);
        }
    }
}

#[test]
fn plan_json_with_after_unknown() {
    let after = json!({
        "ssh_cidr_blocks": ["0.0.0.0/0", null],
        "app_cidr_blocks": null,
    });
    let unknown = json!({
        "ssh_cidr_blocks": [false, true],
        "app_cidr_blocks": true,
    });
    let v = Value::from_plan_json(&after, &unknown);
    assert_eq!(v.get("app_cidr_blocks"), &Value::Unknown);
    assert_eq!(
        v.at(&[PathStep::attr("ssh_cidr_blocks"), PathStep::Index(1)]),
        &Value::Unknown
    );
    let f = check_resource("blueprint_ml_host", v, Profile::Dev);
    assert_eq!(f.len(), 1);
    assert_eq!(
        blueprint_lint::path_to_string(&f[0].attribute_path),
        "ssh_cidr_blocks[0]"
    );
}

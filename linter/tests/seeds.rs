//! The five seed documents written as Terraform (`terraform/examples/seed-*`) produce exactly
//! the violations the documents contain, and nothing else.

use std::path::PathBuf;

use blueprint_lint::frontend::hcl::LoadOptions;
use blueprint_lint::{lint_paths, LintOptions, Profile};

fn findings(seed: &str, profile: Profile, vars: &[(&str, &str)]) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/examples")
        .join(seed);
    let opts = LintOptions {
        profile,
        load: LoadOptions {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LoadOptions::default()
        },
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let report = lint_paths(&[path], &opts).expect("seed loads");
    assert!(report.errors.is_empty(), "{seed}: {:?}", report.errors);
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.severity,
                f.rule_id,
                f.address,
                blueprint_lint::path_to_string(&f.attribute_path)
            )
        })
        .collect()
}

#[test]
fn seed_000_open_ssh_and_api_port() {
    let expected = [
        "warning sg-ssh-rdp-open aws_security_group.ml ingress[0].cidr_blocks[0]",
        "warning sg-app-port-open aws_security_group.ml ingress[1].cidr_blocks[0]",
    ];
    for p in [Profile::Dev, Profile::Prod] {
        assert_eq!(findings("seed-000-ml-api", p, &[]), expected);
    }
}

#[test]
fn seed_001_is_clean_in_both_profiles() {
    assert_eq!(
        findings("seed-001-senas", Profile::Dev, &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        findings("seed-001-senas", Profile::Prod, &[("environment", "prod")]),
        Vec::<String>::new()
    );
}

#[test]
fn seed_001_dev_sizing_fails_the_prod_profile() {
    let got = findings("seed-001-senas", Profile::Prod, &[("environment", "dev")]);
    let rules: Vec<&str> = got
        .iter()
        .map(|f| f.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        rules,
        [
            "vpc-flow-logs",
            "alb-logs-and-protection",
            "alb-logs-and-protection",
            "rds-backup-retention",
            "rds-deletion-protection",
            "rds-deletion-protection",
            "dynamodb-pitr",
            "dynamodb-pitr",
            "dynamodb-pitr",
            "cognito-mfa"
        ]
    );
}

#[test]
fn seed_002_open_ssh_on_every_instance_group() {
    let expected = [
        "warning sg-ssh-rdp-open aws_security_group.web ingress[0].cidr_blocks[0]",
        "warning sg-ssh-rdp-open aws_security_group.worker ingress[0].cidr_blocks[0]",
        "warning sg-ssh-rdp-open aws_security_group.file ingress[0].cidr_blocks[0]",
    ];
    assert_eq!(
        findings("seed-002-video-ec2-rds", Profile::Dev, &[]),
        expected
    );
}

#[test]
fn seeds_003_and_004_are_clean() {
    for seed in ["seed-003-eks-platform", "seed-004-ml-pipeline"] {
        for p in [Profile::Dev, Profile::Prod] {
            assert_eq!(findings(seed, p, &[]), Vec::<String>::new(), "{seed}");
        }
    }
}

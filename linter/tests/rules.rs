//! Every rule fires on its bad fixtures (snapshotted) and stays silent on its good fixtures.

use std::path::PathBuf;

use blueprint_lint::{lint_paths, path_to_string, Finding, LintOptions, Profile};

fn fixture(rule: &str, kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/lint-fixtures")
        .join(rule)
        .join(kind)
}

fn lint(path: PathBuf, profile: Profile) -> Vec<Finding> {
    let opts = LintOptions {
        profile,
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let report = lint_paths(&[path], &opts).expect("fixture loads");
    assert!(
        report.errors.is_empty(),
        "parse errors: {:?}",
        report.errors
    );
    report.findings
}

/// One line per finding, with the file relative to the fixture directory.
fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let loc = f
                .location
                .as_ref()
                .map(|l| {
                    let file = l.file.rsplit("lint-fixtures/").next().unwrap_or(&l.file);
                    format!("{file}:{}:{}-{}:{}", l.line, l.col, l.end_line, l.end_col)
                })
                .unwrap_or_else(|| "-".into());
            format!(
                "{loc} {} {} {} [{}]: {}",
                f.severity,
                f.rule_id,
                f.address,
                path_to_string(&f.attribute_path),
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(rule: &str, profile: Profile) {
    let bad: Vec<Finding> = lint(fixture(rule, "bad"), profile)
        .into_iter()
        .filter(|f| f.rule_id == rule)
        .collect();
    assert!(!bad.is_empty(), "{rule}: bad fixture fires nothing");
    insta::assert_snapshot!(format!("{rule}-bad"), render(&bad));
    let good: Vec<Finding> = lint(fixture(rule, "good"), profile)
        .into_iter()
        .filter(|f| f.rule_id == rule)
        .collect();
    assert!(
        good.is_empty(),
        "{rule}: good fixture fires:\n{}",
        render(&good)
    );
}

macro_rules! rule_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check($id, Profile::Prod);
            }
        )*

        #[test]
        fn every_rule_has_fixtures_a_test_and_a_doc() {
            let tested = [$($id),*];
            for id in blueprint_lint::rule_ids() {
                assert!(tested.contains(&id), "{id} has no fixture test");
                let doc = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../docs/rules")
                    .join(format!("{id}.md"));
                assert!(doc.is_file(), "{id} has no doc page {}", doc.display());
            }
        }
    };
}

rule_tests! {
    iam_no_wildcard => "iam-no-wildcard",
    sg_ssh_rdp_open => "sg-ssh-rdp-open",
    sg_app_port_open => "sg-app-port-open",
    sg_db_port_open => "sg-db-port-open",
    ecs_ingress_only_from_alb => "ecs-ingress-only-from-alb",
    ecs_no_public_ip => "ecs-no-public-ip",
    alb_https => "alb-https",
    rds_storage_encrypted => "rds-storage-encrypted",
    sns_encrypted => "sns-encrypted",
    sqs_encrypted => "sqs-encrypted",
    ebs_encrypted => "ebs-encrypted",
    rds_not_public => "rds-not-public",
    db_password_plaintext => "db-password-plaintext",
    backend_s3_encrypted_locked => "backend-s3-encrypted-locked",
    s3_public_access_blocked => "s3-public-access-blocked",
    ec2_imdsv2 => "ec2-imdsv2",
    ecs_plaintext_secrets => "ecs-plaintext-secrets",
    s3_state_versioning => "s3-state-versioning",
    rds_backup_retention => "rds-backup-retention",
    dynamodb_pitr => "dynamodb-pitr",
    vpc_flow_logs => "vpc-flow-logs",
    cognito_mfa => "cognito-mfa",
    data_store_internet_reachable => "data-store-internet-reachable",
    rds_deletion_protection => "rds-deletion-protection",
    alb_logs_and_protection => "alb-logs-and-protection",
    s3_trigger_whole_bucket => "s3-trigger-whole-bucket",
}

#[test]
fn prod_only_rules_are_off_in_dev() {
    for r in blueprint_lint::rules::registry() {
        let m = r.meta();
        if !m.prod_only {
            continue;
        }
        let dev = lint(fixture(m.id, "bad"), Profile::Dev);
        assert!(
            !dev.iter().any(|f| f.rule_id == m.id),
            "{} fires with the dev profile",
            m.id
        );
    }
}

#[test]
fn roots_do_not_see_each_other() {
    // Every fixture directory declares `aws_security_group.alb`-style names; linting the whole
    // tree at once must give each root exactly the findings it gets alone.
    let opts = LintOptions {
        profile: Profile::Prod,
        today: Some("2026-01-01".into()),
        load: blueprint_lint::frontend::hcl::LoadOptions {
            exclude: vec!["frontend/**".into()],
            ..Default::default()
        },
        ..LintOptions::default()
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform/lint-fixtures");
    let report = lint_paths(&[root], &opts).expect("loads");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let all = report.findings;
    for id in blueprint_lint::rule_ids() {
        for kind in ["bad", "good"] {
            let alone = lint(fixture(id, kind), Profile::Prod);
            let marker = format!("lint-fixtures/{id}/{kind}/");
            let together: Vec<Finding> = all
                .iter()
                .filter(|f| {
                    f.location
                        .as_ref()
                        .is_some_and(|l| l.file.contains(&marker))
                })
                .cloned()
                .collect();
            assert_eq!(render(&together), render(&alone), "{id}/{kind}");
        }
    }
}

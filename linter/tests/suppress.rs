//! Inline suppressions: on the line, above the attribute, above the resource; expired and
//! unused suppressions are reported.

use std::path::PathBuf;

use blueprint_lint::{lint_paths, LintOptions};

fn lint_source(src: &str, today: &str) -> Vec<(String, usize)> {
    // A directory of its own per call: the tests run in parallel on the same source.
    let tmp = tempfile::tempdir().expect("tmp dir");
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join("main.tf"), src).expect("write");
    let opts = LintOptions {
        today: Some(today.into()),
        ..LintOptions::default()
    };
    let report = lint_paths(&[PathBuf::from(&dir)], &opts).expect("lints");
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.location.as_ref().map(|l| l.line).unwrap_or(0),
            )
        })
        .collect()
}

const SRC: &str = r#"# blueprint:ignore=sns-encrypted public notifications only [exp:2030-01-01]
resource "aws_sns_topic" "a" {
  name = "a"
}

resource "aws_sns_topic" "b" { # blueprint:ignore=sns-encrypted same line
  name = "b"
}

resource "aws_db_instance" "d" {
  storage_encrypted = true
  # blueprint:ignore=rds-not-public demo database [exp:2020-01-01]
  publicly_accessible = true
}

# blueprint:ignore=ec2-imdsv2 nothing here
resource "aws_sns_topic" "c" {
  kms_master_key_id = "alias/aws/sns"
}
"#;

#[test]
fn suppressions_apply_expire_and_go_unused() {
    let got = lint_source(SRC, "2026-01-01");
    assert_eq!(
        got,
        vec![
            ("suppression-expired".to_string(), 12),
            ("rds-not-public".to_string(), 13),
            ("suppression-unused".to_string(), 16),
        ]
    );
}

#[test]
fn a_suppression_expires_after_its_date() {
    let got = lint_source(SRC, "2031-01-01");
    assert!(
        got.iter().any(|(r, l)| r == "sns-encrypted" && *l == 2),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(r, l)| r == "suppression-expired" && *l == 1),
        "{got:?}"
    );
}

//! `--format sarif` validated against the official SARIF 2.1.0 JSON schema, vendored in
//! `tests/schemas/` (see its README for the source), with format checks (`uri`,
//! `uri-reference`, `date-time`) on.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pattern of the `language` properties in the official file, and the same pattern with
/// its stray `]` escaped. ECMA-262's web grammar reads the lone `]` as a literal; the strict
/// (Unicode-mode) `format: regex` check that `jsonschema` runs on a schema before compiling it
/// rejects it. Escaping it keeps the meaning, so the vendored file stays byte for byte
/// upstream's.
const LANGUAGE_PATTERN: (&str, &str) = (
    "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
    "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$",
);

/// Replaces every `pattern` equal to [`LANGUAGE_PATTERN`]`.0`; returns how many.
fn escape_language_patterns(v: &mut Value) -> usize {
    match v {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, child)| {
                if k == "pattern" && child == LANGUAGE_PATTERN.0 {
                    *child = LANGUAGE_PATTERN.1.into();
                    1
                } else {
                    escape_language_patterns(child)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(escape_language_patterns).sum(),
        _ => 0,
    }
}

fn validator() -> jsonschema::Validator {
    let path = manifest_dir().join("tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("the vendored SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // run.language and toolComponent.language: if this changes, so did the vendored file.
    assert_eq!(escape_language_patterns(&mut schema), 2);
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn sarif(args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(["--format", "sarif"])
        .args(args)
        .output()
        .expect("runs");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("SARIF output is JSON")
}

fn assert_valid(v: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF does not match the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

fn fixtures() -> PathBuf {
    manifest_dir().join("../terraform/lint-fixtures")
}

#[test]
fn every_fixture_and_seed_example_is_valid_sarif() {
    let v = validator();
    // All fixtures at once: findings of every rule, a file that does not parse
    // (a toolExecutionNotification), suppressions.
    let all = fixtures().display().to_string();
    let log = sarif(&[&all]);
    assert_valid(&v, &log, "lint-fixtures");
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(!notes.as_array().expect("notifications").is_empty());

    // With the prod-only rules on, every rule has at least one result.
    let prod = sarif(&["--profile", "prod", &all]);
    assert_valid(&v, &prod, "lint-fixtures --profile prod");
    let results = prod["runs"][0]["results"].as_array().expect("results");
    let ids: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for id in blueprint_lint::rule_ids() {
        assert!(ids.contains(id), "no result for {id}");
    }

    // A clean tree: no results at all.
    let clean = sarif(&[&fixtures().join("sns-encrypted/good").display().to_string()]);
    assert_valid(&v, &clean, "a clean fixture");
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));

    let examples = manifest_dir().join("../terraform/examples");
    for entry in std::fs::read_dir(&examples).expect("examples") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            let log = sarif(&[&path.display().to_string()]);
            assert_valid(&v, &log, &path.display().to_string());
        }
    }
}

#[test]
fn paths_with_spaces_and_non_ascii_are_valid_uri_references() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("my stacks/café #1");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(
        sub.join("main file.tf"),
        "resource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n",
    )
    .expect("write");
    let log = sarif(&[&dir.path().display().to_string()]);
    assert_valid(&validator(), &log, "paths with spaces");
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .expect("uri");
    assert!(
        uri.ends_with("/my%20stacks/caf%C3%A9%20%231/main%20file.tf"),
        "{uri}"
    );
}

#[test]
fn the_schema_rejects_what_it_should() {
    // The validator is live: a log of the wrong version or with a bad level fails.
    let v = validator();
    let mut log = sarif(&[&fixtures().join("sns-encrypted/bad").display().to_string()]);
    assert_valid(&v, &log, "sns-encrypted/bad");
    log["version"] = "2.0.0".into();
    assert!(!v.is_valid(&log));
    log["version"] = "2.1.0".into();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!v.is_valid(&log));
    log["runs"][0]["results"][0]["level"] = "error".into();
    assert!(v.is_valid(&log));
    // Formats are checked: an unencoded space is not a uri-reference.
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "my stacks/main.tf".into();
    assert!(!v.is_valid(&log));
}

/// Findings on plans: with `--config-dir` (physical locations in the HCL) and without (logical
/// locations, the resource address, only).
#[test]
fn plan_findings_are_valid_sarif() {
    let v = validator();
    let plans = manifest_dir().join("../terraform/plan-fixtures");
    let plan = plans
        .join("sg-ssh-rdp-open/fires.json")
        .display()
        .to_string();
    let dir = fixtures().join("sg-ssh-rdp-open/bad").display().to_string();
    let bare = sarif(&[&plan]);
    assert_valid(&v, &bare, "plan");
    let results = bare["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results
        .iter()
        .all(|r| r["locations"][0].get("physicalLocation").is_none()));
    let located = sarif(&["--config-dir", &dir, &plan]);
    assert_valid(&v, &located, "plan --config-dir");
    assert!(located["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64()));
    let features = plans
        .join("features/existing-infra.json")
        .display()
        .to_string();
    assert_valid(&v, &sarif(&[&features]), "existing-infra plan");
}

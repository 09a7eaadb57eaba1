//! The plan front-end on plans written the way Terraform writes them: existing infrastructure
//! (ids known from the state), deletes, replacements, deposed objects, sets with unknown
//! elements, nested modules; malformed input; the `plan` command, its formats and baselines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blueprint_lint::frontend::plan::{parse, PlanError};
use blueprint_lint::{lint_plan, path_to_string, Finding, LintOptions, Profile, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn feature(name: &str) -> PathBuf {
    root().join("terraform/plan-fixtures/features").join(name)
}

fn opts() -> LintOptions {
    LintOptions {
        profile: Profile::Prod,
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    }
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} [{}]: {}",
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

#[test]
fn existing_infrastructure() {
    let report = lint_plan(&feature("existing-infra.json"), None, &opts()).expect("lints");
    // The ECS service's group is known only by id (`sg-...0002`): the configuration's
    // references name `aws_security_group.ecs`, so the ALB-only rule still applies; the new
    // worker service's group is a set element unknown until apply. The deleted group and the
    // deposed object are not checked; the replacement is; the data source comes from
    // `prior_state`.
    insta::assert_snapshot!("existing-infra", render(&report.findings));
    let addresses: Vec<&str> = report.findings.iter().map(|f| f.address.as_str()).collect();
    assert!(!addresses.contains(&"aws_security_group.legacy_ssh"));
    assert!(report.findings.iter().all(|f| !f.message.contains("3389")));
    let plan = parse(
        &std::fs::read(feature("existing-infra.json")).expect("reads"),
        "p",
    )
    .expect("parses");
    assert_eq!(plan.deleted, 1);
    assert_eq!(plan.format_version, "1.2");
    let svc = plan.model.get("aws_ecs_service.api").expect("service");
    assert_eq!(
        svc.attributes.blocks("network_configuration")[0]
            .1
            .get("security_groups"),
        &Value::List(vec![Value::Reference(blueprint_lint::Reference {
            address: "aws_security_group.ecs".into(),
            attribute: vec!["id".into()],
        })])
    );
}

#[test]
fn nested_modules_format_0_1() {
    let report = lint_plan(&feature("modules-0.1.json"), None, &opts()).expect("lints");
    // `module.svc["a"]`'s security groups are `var.sg_ids`, which the root sets to
    // `module.net.sg_id`, the output holding `aws_security_group.app.id`.
    insta::assert_snapshot!("modules-0.1", render(&report.findings));
    assert!(report
        .findings
        .iter()
        .any(|f| f.rule_id == "ecs-ingress-only-from-alb"
            && f.address == "module.net.aws_security_group.app"));
    let plan = parse(
        &std::fs::read(feature("modules-0.1.json")).expect("reads"),
        "p",
    )
    .expect("parses");
    let sidecar = plan
        .model
        .get(r#"module.svc["b"].module.sidecar.aws_security_group.open"#)
        .expect("nested module resource");
    assert_eq!(sidecar.module_path, vec![r#"svc["b"]"#, "sidecar"]);
}

fn err(text: &str) -> PlanError {
    match parse(text.as_bytes(), "plan.json") {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e,
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    assert!(matches!(err(""), PlanError::NotAPlan { .. }));
    assert!(matches!(err("[1, 2]"), PlanError::NotAPlan { .. }));
    assert!(matches!(err("\"plan\""), PlanError::NotAPlan { .. }));
    assert!(matches!(
        err(r#"{"format_version": "1.0", "planned_values": {"#),
        PlanError::Truncated { .. }
    ));
    assert!(matches!(
        err(r#"{"format_version": "1.0",, }"#),
        PlanError::Malformed { line: 1, .. }
    ));
    let e = err(r#"{"format_version": "2.0", "planned_values": {}}"#);
    assert!(matches!(e, PlanError::UnsupportedFormat { .. }));
    assert!(e.to_string().contains("`2.0`"), "{e}");
    assert!(matches!(
        err(r#"{"format_version": "x", "planned_values": {}}"#),
        PlanError::UnsupportedFormat { .. }
    ));
    // A state, not a plan.
    let e = err(r#"{"format_version": "1.0", "values": {"root_module": {}}}"#);
    assert!(e.to_string().contains("a state?"), "{e}");
    assert!(matches!(
        err(r#"{"planned_values": {}}"#),
        PlanError::NotAPlan { .. }
    ));
    // Valid JSON of the wrong shape.
    let e = err(r#"{"format_version": "1.0", "resource_changes": [{"address": 7}]}"#);
    assert!(matches!(e, PlanError::Invalid { .. }), "{e}");
    let e = err(r#"{"format_version": "1.0", "resource_changes": {}}"#);
    assert!(matches!(e, PlanError::Invalid { .. }), "{e}");
    let e = err(
        r#"{"format_version": "1.0", "resource_changes": [], "configuration": {"root_module": 5}}"#,
    );
    assert!(e.to_string().contains("configuration"), "{e}");
    // An empty plan is not an error, but says so.
    let p = parse(br#"{"format_version": "1.0", "resource_changes": []}"#, "p").expect("ok");
    assert!(p.model.resources.is_empty());
    assert_eq!(p.notices.len(), 1);
}

/// Every prefix of a real fixture (a truncated download or an interrupted `terraform show`)
/// is an error, never a panic, and never a silently partial model.
#[test]
fn every_truncation_is_an_error() {
    for name in ["existing-infra.json", "modules-0.1.json"] {
        let bytes = std::fs::read(feature(name)).expect("reads");
        let end = bytes.iter().rposition(|b| *b == b'}').expect("object");
        for cut in (0..end).step_by(7) {
            assert!(
                parse(&bytes[..cut], name).is_err(),
                "{name} cut at {cut} was accepted"
            );
        }
        // Garbage in the middle.
        let mut bad = bytes.clone();
        bad[end / 2] = b'\x00';
        assert!(parse(&bad, name).is_err());
    }
}

fn run(args: &[&str], dir: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"));
    c.args(args).env("NO_COLOR", "1");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn plan_command_formats_and_detection() {
    let plan = feature("existing-infra.json");
    let p = plan.display().to_string();
    let o = run(&["plan", &p, "--format", "json"], None);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let n = j["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(n >= 3, "{j}");
    // A `.json` path holding a plan is detected.
    let auto = run(&[&p, "--format", "json"], None);
    assert_eq!(stdout(&auto), stdout(&o));
    // GitHub annotations name the address when there is no configuration directory.
    let gh = stdout(&run(&["plan", &p, "--format", "github"], None));
    assert!(
        gh.lines().any(
            |l| l.starts_with("::error title=ecs-ingress-only-from-alb::")
                && l.contains("(aws_security_group.ecs)")
        ),
        "{gh}"
    );
    // SARIF: results with logical locations.
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["plan", &p, "--format", "sarif"], None)))
            .expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), n);
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string()));
    // JUnit works too.
    let junit = stdout(&run(&["plan", &p, "--format", "junit"], None));
    assert!(junit.contains("<testsuite"), "{junit}");
    // Errors exit 2 with the reason.
    let bad = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("temp");
    std::fs::write(
        bad.path(),
        r#"{"format_version": "1.0", "planned_values": {"#,
    )
    .expect("w");
    let o = run(&["plan", &bad.path().display().to_string()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("truncated JSON"),
        "{o:?}"
    );
}

/// With `--config-dir`, plan findings point at the HCL lines, in every format.
#[test]
fn config_dir_points_at_hcl() {
    let fixture = root().join("terraform/lint-fixtures/sg-ssh-rdp-open/bad");
    let plan = root().join("terraform/plan-fixtures/sg-ssh-rdp-open/fires.json");
    let dir = fixture.display().to_string();
    let p = plan.display().to_string();
    let gh = stdout(&run(
        &["plan", &p, "--config-dir", &dir, "--format", "github"],
        None,
    ));
    assert!(
        gh.lines().any(|l| l.starts_with("::warning file=")
            && l.contains("sg-ssh-rdp-open/bad/main.tf,line=9,")),
        "{gh}"
    );
    let text = stdout(&run(
        &["plan", &p, "--config-dir", &dir, "--color", "never"],
        None,
    ));
    assert!(text.contains("main.tf:9:"), "{text}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&run(
        &["plan", &p, "--config-dir", &dir, "--format", "sarif"],
        None,
    )))
    .expect("sarif");
    let loc = &sarif["runs"][0]["results"][0]["locations"][0];
    assert!(
        loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("sg-ssh-rdp-open/bad/main.tf")),
        "{loc}"
    );
}

//! The `blueprint-lint` binary: exit codes, formats, config, var flags.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/lint-fixtures")
        .join(p)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&[&fixture("sns-encrypted/good")]).status.code(),
        Some(0)
    );
    assert_eq!(run(&[&fixture("sns-encrypted/bad")]).status.code(), Some(1));
    assert_eq!(run(&["/nonexistent/blueprint"]).status.code(), Some(2));
    assert_eq!(run(&["--format", "yaml", "."]).status.code(), Some(2));
    assert_eq!(run(&["--var", "novalue", "."]).status.code(), Some(2));
    assert_eq!(run(&["--profile", "staging", "."]).status.code(), Some(2));
    // A file that does not parse fails the run, and the rest is still linted.
    let o = run(&["--format", "json", &fixture("frontend/broken")]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(j["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(j["findings"][0]["rule_id"], "sns-encrypted");
}

#[test]
fn min_severity_threshold() {
    let bad = fixture("ec2-imdsv2/bad");
    assert_eq!(run(&[&bad]).status.code(), Some(1));
    assert_eq!(
        run(&["--min-severity", "error", &bad]).status.code(),
        Some(0)
    );
}

#[test]
fn text_shows_snippet_and_fix() {
    let o = run(&["--color", "never", &fixture("sg-ssh-rdp-open/bad")]);
    let out = stdout(&o);
    assert!(
        out.contains("warning[sg-ssh-rdp-open]: SSH (22) open to `0.0.0.0/0`"),
        "{out}"
    );
    assert!(out.contains("cidr_blocks = [\"0.0.0.0/0\"]"), "{out}");
    assert!(out.contains("^^^^^^^^^^^"), "{out}");
    assert!(out.contains("fix: Restrict the source"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when not a tty");
}

#[test]
fn machine_formats() {
    let bad = fixture("alb-https/bad");
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--format", "sarif", &bad]))).expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), blueprint_lint::rule_ids().len());
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
    }

    let junit = stdout(&run(&["--format", "junit", &bad]));
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert_eq!(junit.matches("<failure").count(), 3, "{junit}");

    let gh = stdout(&run(&["--format", "github", &bad]));
    assert_eq!(gh.lines().count(), 3);
    assert!(gh
        .lines()
        .all(|l| l.starts_with("::error file=") && l.contains(",title=alb-https::")));

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--format", "json", &bad]))).expect("json");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(3));
}

#[test]
fn config_file_disables_and_overrides() {
    let dir = std::env::temp_dir().join(format!("blueprint-lint-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let cfg = dir.join("cfg.toml");
    std::fs::write(&cfg, "[rules]\ndisable = [\"sns-encrypted\"]\n").expect("write");
    let bad = fixture("sns-encrypted/bad");
    let cfg_s = cfg.display().to_string();
    assert_eq!(run(&["--config", &cfg_s, &bad]).status.code(), Some(0));
    std::fs::write(&cfg, "[severity]\nec2-imdsv2 = \"error\"\n").expect("write");
    let o = run(&[
        "--config",
        &cfg_s,
        "--min-severity",
        "error",
        &fixture("ec2-imdsv2/bad"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(&cfg, "[rules]\ndisable = [\"no-such-rule\"]\n").expect("write");
    assert_eq!(run(&["--config", &cfg_s, &bad]).status.code(), Some(2));
    std::fs::write(&cfg, "exclude = [\"**/bad/**\"]\n").expect("write");
    assert_eq!(run(&["--config", &cfg_s, &bad]).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn var_and_var_file_flags() {
    let tree = fixture("frontend/tree");
    let o = run(&["--format", "json", "--var", "ssh_cidr=10.1.0.0/16", &tree]);
    assert!(
        !stdout(&o).contains("module.net"),
        "--var wins over terraform.tfvars"
    );
    let dir = std::env::temp_dir().join(format!("blueprint-lint-vf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let vf = dir.join("x.tfvars");
    std::fs::write(&vf, "ssh_cidr = \"10.2.0.0/16\"\n").expect("write");
    let o = run(&[
        "--format",
        "json",
        "--var-file",
        &vf.display().to_string(),
        &tree,
    ]);
    assert!(
        !stdout(&o).contains("module.net"),
        "--var-file wins over terraform.tfvars"
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        run(&["--var-file", "/nonexistent.tfvars", &tree])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn list_rules() {
    let o = run(&["--list-rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), blueprint_lint::rule_ids().len());
}

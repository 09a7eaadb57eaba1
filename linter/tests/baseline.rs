//! The pull-request gate: a repository with an old finding (in the baseline) and a new one;
//! only the new one is reported and fails the run, whether the tree or a plan is checked, and
//! however the old code moved.

use std::path::Path;
use std::process::{Command, Output};

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::frontend::plan::synth::{plan_json, SynthOptions};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn findings(o: &Output) -> Vec<(String, String)> {
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output");
    j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const OLD: &str = r#"
resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

const NEW: &str = r#"
resource "aws_security_group" "windows" {
  name = "windows"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

fn synth_plan(dir: &Path) {
    let loaded = load(&[dir.to_path_buf()], &LoadOptions::default()).expect("loads");
    let plan = plan_json(&loaded.roots[0], &SynthOptions::default());
    std::fs::write(
        dir.join("plan.json"),
        serde_json::to_vec(&plan).expect("json"),
    )
    .expect("writes");
}

#[test]
fn only_new_findings_fail_the_gate() {
    let repo = tempfile::tempdir().expect("temp dir");
    let dir = repo.path();
    let tf = dir.join("main.tf");
    std::fs::write(&tf, OLD).expect("writes");

    // The main branch: one accepted finding.
    let o = run(
        dir,
        &[".", "--baseline", "baseline.json", "--write-baseline"],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("baseline.json")).expect("read"))
            .expect("baseline json");
    assert_eq!(b["findings"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["findings"][0]["rule_id"], "sg-ssh-rdp-open");
    let o = run(
        dir,
        &[".", "--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(findings(&o).is_empty());
    // Without the baseline the old finding fails the run.
    assert_eq!(run(dir, &["."]).status.code(), Some(1));

    // The pull request: the old resource moves down (new lines above it) and a new one comes.
    std::fs::write(&tf, format!("# moved\n\n\n\n{NEW}\n# more\n{OLD}")).expect("writes");
    let o = run(
        dir,
        &[".", "--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let new = vec![(
        "sg-ssh-rdp-open".to_string(),
        "aws_security_group.windows".to_string(),
    )];
    assert_eq!(findings(&o), new);
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 finding(s) in the baseline"));

    // The same gate on the pull request's plan, with the baseline written from the tree.
    synth_plan(dir);
    let o = run(
        dir,
        &[
            "plan",
            "plan.json",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(findings(&o), new);
    let o = run(
        dir,
        &[
            "plan",
            "plan.json",
            "--config-dir",
            ".",
            "--baseline",
            "baseline.json",
            "--format",
            "github",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let gh = String::from_utf8_lossy(&o.stdout);
    assert_eq!(gh.lines().count(), 1, "{gh}");
    assert!(gh.starts_with("::warning file=main.tf,line="), "{gh}");
    assert!(gh.contains("aws_security_group.windows"), "{gh}");

    // Fixed: the gate passes again.
    std::fs::write(&tf, format!("# moved\n\n{OLD}")).expect("writes");
    assert_eq!(
        run(dir, &[".", "--baseline", "baseline.json"])
            .status
            .code(),
        Some(0)
    );

    // A broken baseline is a usage error, not a pass.
    std::fs::write(dir.join("broken.json"), "{").expect("writes");
    assert_eq!(
        run(dir, &[".", "--baseline", "broken.json"]).status.code(),
        Some(2)
    );
    // --write-baseline needs --baseline.
    assert_eq!(run(dir, &[".", "--write-baseline"]).status.code(), Some(2));
}

//! Seed 002 on Blueprint alone (`terraform/examples/video-ec2`): network, the three hosts of a
//! `blueprint_host_group` and RDS PostgreSQL apply against moto with nothing made beforehand,
//! each host's ingress is exactly what the declared connections imply, the next plan is empty,
//! `blueprint-lint --profile prod` reports nothing, and destroy leaves nothing, on every
//! Terraform found.

use std::path::PathBuf;
use std::process::Command;

use blueprint_e2e::moto::MotoOptions;
use blueprint_e2e::paths::{target_profile_dir, workspace_root};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

const EXAMPLE: &str = "terraform/examples/video-ec2";

fn lint_bin() -> PathBuf {
    let p = std::env::var_os("BLUEPRINT_LINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_profile_dir().join("blueprint-lint"));
    assert!(
        p.is_file(),
        "{} not found: build it with `cargo build --workspace --bins` (scripts/test.sh does)",
        p.display()
    );
    p
}

#[test]
fn the_seed_002_example_lints_clean_at_the_prod_profile() {
    let out = Command::new(lint_bin())
        .args([
            "--profile",
            "prod",
            "--var",
            "environment=prod",
            "--format",
            "json",
        ])
        .arg(workspace_root().join(EXAMPLE))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(out.status.success(), "{stdout}");
}

/// The rules of one host as the output shows them.
fn rules(outputs: &serde_json::Value, host: &str) -> Vec<String> {
    outputs["ingress_rules"]["value"][host]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn seed_002_applies_plans_empty_and_destroys_clean_on_blueprint_alone() {
    for_each_terraform(|tf| {
        let h = Harness::start_with(MotoOptions::default(), false)
            .unwrap()
            .on(tf);
        let wd = h.empty_workdir().unwrap();
        let main = std::fs::read_to_string(workspace_root().join(EXAMPLE).join("main.tf")).unwrap();
        wd.write("main.tf", &main).unwrap();
        let vars = serde_json::json!({ "aws_endpoint": h.endpoint() });
        wd.write("terraform.tfvars.json", &vars.to_string())
            .unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        // Network, database, host group.
        assert!(plan.stdout.contains("3 to add"), "{plan}");
        let applied = wd.apply();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                applied.unwrap();
                assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
                let outputs = wd.outputs().unwrap();
                let ids = outputs["instance_ids"]["value"].clone();
                for host in ["web", "worker", "files"] {
                    assert!(
                        ids[host].as_str().unwrap_or_default().starts_with("i-"),
                        "{outputs}"
                    );
                }
                // The file server admits NFS and Redis from the web and worker groups, nothing
                // else; the worker admits nothing; the web host only 80 and 443.
                let files = rules(&outputs, "files");
                assert_eq!(files.len(), 4, "{files:?}");
                assert!(
                    files.iter().all(|r| r.starts_with("tcp 2049-2049 sg-")
                        || r.starts_with("tcp 6379-6379 sg-")),
                    "{files:?}"
                );
                assert!(rules(&outputs, "worker").is_empty(), "{outputs}");
                assert_eq!(
                    rules(&outputs, "web"),
                    ["tcp 80-80 0.0.0.0/0", "tcp 443-443 0.0.0.0/0"],
                    "{outputs}"
                );
                assert!(
                    !outputs.to_string().contains(" 22-22 "),
                    "no SSH anywhere: {outputs}"
                );
            }));
        let destroyed = wd.destroy();
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
        destroyed.unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let left = rt
            .block_on(h.probe().tagged_leftovers("project", "anb-video"))
            .unwrap();
        assert!(left.is_empty(), "left after destroy: {left:?}");
        Ok(())
    });
}

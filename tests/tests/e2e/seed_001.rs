//! Seed 001 on Blueprint alone (`terraform/examples/senas-platform`): the whole platform
//! applies against moto with nothing made beforehand, the next plan is empty, `blueprint-lint
//! --profile prod` reports nothing on it, and destroy leaves nothing, on every Terraform found.

use std::path::PathBuf;
use std::process::Command;

use blueprint_e2e::moto::MotoOptions;
use blueprint_e2e::paths::{target_profile_dir, workspace_root};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

const EXAMPLE: &str = "terraform/examples/senas-platform";

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

/// The prod column of the sizing table (`environment = "prod"`) checked with the prod profile.
#[test]
fn the_example_lints_clean_at_the_prod_profile() {
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

#[test]
fn seed_001_applies_plans_empty_and_destroys_clean_on_blueprint_alone() {
    for_each_terraform(|tf| {
        let h = Harness::start_with(
            MotoOptions {
                ecs_service_running: 1,
                ..MotoOptions::default()
            },
            false,
        )
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
        // State backend, network, cluster, load balancer, database, data stores, three
        // services.
        assert!(plan.stdout.contains("9 to add"), "{plan}");
        let applied = wd.apply();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            applied.unwrap();
            assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
            let outputs = wd.outputs().unwrap();
            let dns = outputs["alb_dns_name"]["value"]
                .as_str()
                .unwrap_or_default();
            assert!(dns.contains("elb"), "{outputs}");
            let db = outputs["database_endpoint"]["value"]
                .as_str()
                .unwrap_or_default();
            assert!(db.contains("rds"), "{outputs}");
            let stores = &outputs["data_stores"]["value"];
            for key in [
                "table/UserData",
                "table/UserProgress",
                "table/AiSessions",
                "bucket/content-assets",
                "bucket/user-uploads",
                "bucket/ml-models",
                "bucket/video-processing",
                "queue/video-processing",
                "queue/ml-inference",
                "topic/achievement-notifs",
                "topic/level-completion",
                "topic/system-alerts",
            ] {
                assert!(
                    stores[key].as_str().is_some_and(|a| a.starts_with("arn:")),
                    "{key}: {outputs}"
                );
            }
            // The users service's task role holds exactly what its uses derive.
            let rt = tokio::runtime::Runtime::new().unwrap();
            let doc = rt.block_on(async {
                let iam = h.probe().iam();
                let p = iam
                    .get_role_policy()
                    .role_name("users-task")
                    .policy_name("blueprint-task")
                    .send()
                    .await
                    .unwrap();
                urlencoding_decode(p.policy_document())
            });
            assert!(doc.contains("dynamodb:UpdateItem"), "{doc}");
            assert!(doc.contains("sns:Publish"), "{doc}");
            assert!(doc.contains("senas-dev-UserProgress"), "{doc}");
            assert!(!doc.contains("\"*\""), "{doc}");
            for name in ["content", "users", "ml"] {
                let arn = outputs["services"]["value"][name]
                    .as_str()
                    .unwrap_or_default();
                assert!(arn.ends_with(&format!("/{name}")), "{outputs}");
            }
        }));
        // Destroy whatever happened, then say what failed.
        let destroyed = wd.destroy();
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
        destroyed.unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let left = rt
            .block_on(h.probe().tagged_leftovers("project", "senas"))
            .unwrap();
        assert!(left.is_empty(), "left after destroy: {left:?}");
        let probe = h.probe();
        rt.block_on(async {
            let vpcs = probe.ec2().describe_vpcs().send().await.unwrap();
            let own: Vec<_> = vpcs
                .vpcs()
                .iter()
                .filter(|v| v.is_default() != Some(true))
                .collect();
            assert!(own.is_empty(), "VPCs left: {own:?}");
            let lbs = probe
                .elbv2()
                .describe_load_balancers()
                .send()
                .await
                .unwrap();
            assert!(lbs.load_balancers().is_empty(), "{lbs:?}");
        });
        Ok(())
    });
}

/// IAM answers policy documents URL-encoded.
fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

//! `blueprint-lint plan` on plans written by the real Terraform CLI (1.0.3, against moto), and
//! one source of truth for the rules: the warnings `terraform plan` prints for a
//! `blueprint_*` resource (the provider runs the linter's rules at plan time) are exactly the
//! findings of the `blueprint-lint` binary on the same configuration, from the HCL and from
//! the plan. The binary is the workspace's (`cargo build -p blueprint-lint`, which
//! `scripts/test.sh` does), or `BLUEPRINT_LINT_BIN`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use blueprint_e2e::paths::{target_profile_dir, workspace_root};
use blueprint_e2e::terraform::TfWorkdir;
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

fn lint_bin() -> PathBuf {
    let p = std::env::var_os("BLUEPRINT_LINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_profile_dir().join("blueprint-lint"));
    assert!(
        p.is_file(),
        "{} not found: build it with `cargo build -p blueprint-lint` (scripts/test.sh does)",
        p.display()
    );
    p
}

/// `(rule_id, address, attribute path, message)` of each finding, from `--format json`.
type Finding = (String, String, String, String);

fn lint(args: &[&str]) -> Vec<Finding> {
    let out = Command::new(lint_bin())
        .args(args)
        .args(["--format", "json", "--profile", "prod"])
        .output()
        .expect("blueprint-lint runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "blueprint-lint {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let path = |p: &serde_json::Value| -> String {
        p.as_array()
            .into_iter()
            .flatten()
            .map(
                |s| match (s.get("attribute"), s.get("index"), s.get("key")) {
                    (Some(a), _, _) => format!(".{}", a.as_str().unwrap_or("")),
                    (_, Some(i), _) => format!("[{i}]"),
                    (_, _, Some(k)) => format!("[{k}]"),
                    _ => String::new(),
                },
            )
            .collect()
    };
    let mut v: Vec<Finding> = j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            !f["rule_id"]
                .as_str()
                .unwrap_or("")
                .starts_with("suppression-")
        })
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                f["address"].as_str().unwrap_or("").to_string(),
                path(&f["attribute_path"]),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `terraform plan -out` + `terraform show -json`, written next to the configuration.
fn real_plan(wd: &TfWorkdir, extra: &[&str]) -> (PathBuf, serde_json::Value) {
    let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
    args.extend_from_slice(extra);
    wd.run(&args).unwrap().ok().unwrap();
    let json = wd.show_json(Some("tfplan")).unwrap();
    let path = wd.path().join("tfplan.json");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    (path, json)
}

fn copy_module(wd: &TfWorkdir, name: &str) {
    let dir = workspace_root().join("terraform/modules").join(name);
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "tf") {
            let file = p.file_name().unwrap().to_string_lossy().to_string();
            wd.write(
                &format!("modules/{name}/{file}"),
                &std::fs::read_to_string(&p).unwrap(),
            )
            .unwrap();
        }
    }
}

/// The examples that need only the `blueprint` provider, planned for real: the plan
/// front-end and the HCL front-end report the same findings (none, for these secure
/// examples), and the plan is read in full.
#[test]
fn real_plans_of_the_blueprint_examples_match_the_hcl() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        for (example, min_resources) in
            [("caller-identity", 0), ("state-backend", 1), ("ml-api", 1)]
        {
            let src = workspace_root().join("terraform/examples").join(example);
            let wd = h.workdir("").unwrap();
            let main = std::fs::read_to_string(src.join("main.tf"))
                .unwrap()
                .replace("../../modules/", "./modules/");
            wd.write("main.tf", &main).unwrap();
            copy_module(&wd, "ml-api");
            wd.init().unwrap();
            let endpoint = format!("aws_endpoint={}", h.endpoint());
            let (plan, json) = real_plan(&wd, &["-var", &endpoint]);
            // Terraform 1.0 writes format 0.2; 1.1 and newer 1.x.
            let format = json["format_version"].as_str().unwrap_or_default();
            if tf.version.starts_with("1.0.") {
                assert_eq!(format, "0.2", "{example}");
            } else {
                assert!(format.starts_with("1."), "{example}: format {format}");
            }
            assert_eq!(json["terraform_version"], tf.version.as_str(), "{example}");
            let changes = json["resource_changes"].as_array().map_or(0, Vec::len);
            assert!(changes >= min_resources, "{example}: {json}");
            let dir = wd.path().display().to_string();
            let p = plan.display().to_string();
            let from_plan = lint(&["plan", &p, "--config-dir", &dir]);
            let bare = lint(&["plan", &p]);
            let from_hcl = lint(&[&dir]);
            assert_eq!(from_plan, from_hcl, "{example}");
            assert_eq!(bare, from_hcl, "{example}");
        }
        Ok(())
    });
}

fn host(name: &str, extra: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "{name}" {{
  name  = "{name}"
  image = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
{extra}
}}
"#
    )
}

/// The diagnostics of `terraform plan -json` (one per finding: the human output merges
/// identical warnings): `(summary, address when given)`.
fn diagnostics(json_lines: &str) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = json_lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic")
        .map(|m| {
            let d = &m["diagnostic"];
            (
                d["summary"].as_str().unwrap_or("").to_string(),
                d["address"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

/// The details of the diagnostics of `terraform plan -json`.
fn details(json_lines: &str) -> Vec<String> {
    json_lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic")
        .map(|m| m["diagnostic"]["detail"].as_str().unwrap_or("").to_string())
        .collect()
}

/// One source of truth: what `terraform plan` says about risky `blueprint_ml_host`s (in the
/// root module, through module inputs, and with a value known only from a variable) is what
/// `blueprint-lint` says about the same configuration, message for message: both run the
/// rules on the plain resources the composite's expansion builds, and name the composite's
/// attribute the value came from. The provider
/// holds no rule text of its own: change a rule's message or severity in `linter/` and both
/// sides change together (a copy in the provider would fail this test).
#[test]
fn terraform_plan_warnings_are_the_linters_findings() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir(&format!(
                "{}{}{}",
                host(
                    "drawn",
                    "  ssh_cidr_blocks = [\"0.0.0.0/0\"]\n  app_cidr_blocks = [\"0.0.0.0/0\"]\n"
                ),
                host("from_var", "  ssh_cidr_blocks = var.admin_cidrs\n"),
                r#"
variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

module "api" {
  source              = "./modules/ml-api"
  name                = "api"
  image               = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  allowed_cidr_blocks = ["::/0"]
}
"#
            ))
            .unwrap();
        copy_module(&wd, "ml-api");
        // The variable's value comes from a tfvars file the plan sees.
        wd.write("terraform.tfvars", "admin_cidrs = [\"0.0.0.0/0\"]\n")
            .unwrap();
        wd.init().unwrap();
        let plan_run = wd
            .run(&["plan", "-json", "-input=false", "-detailed-exitcode"])
            .unwrap();
        assert_eq!(plan_run.code, 2, "{plan_run}");
        let said = diagnostics(&plan_run.stdout);
        // Through the expansion: each warning names the composite's own attribute (mapped back
        // from the plain security group's `ingress[i].cidr_blocks[j]`), as the linter does.
        let details = details(&plan_run.stdout);
        assert!(!details.is_empty(), "{plan_run}");
        for d in &details {
            assert!(
                d.starts_with("At ssh_cidr_blocks[") || d.starts_with("At app_cidr_blocks["),
                "{d}"
            );
        }
        let (plan, _) = real_plan(&wd, &[]);
        let dir = wd.path().display().to_string();
        let p = plan.display().to_string();
        let from_plan = lint(&["plan", &p, "--config-dir", &dir]);
        let from_hcl = lint(&[&dir]);
        // The provider's diagnostics: "<message> (<rule id>)", one per finding, on its resource.
        let summaries: Vec<String> = said.iter().map(|d| d.0.clone()).collect();
        let mut expected: Vec<String> = from_plan
            .iter()
            .map(|(rule, _, _, msg)| format!("{msg} ({rule})"))
            .collect();
        expected.sort();
        assert_eq!(summaries, expected, "{plan_run}");
        for (summary, address) in &said {
            if let Some(a) = address {
                assert!(
                    from_plan
                        .iter()
                        .any(|f| &f.1 == a && summary == &format!("{} ({})", f.3, f.0)),
                    "{summary} on {a}: {from_plan:?}"
                );
            }
        }
        let rules: BTreeSet<&str> = from_plan.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            rules,
            BTreeSet::from(["sg-app-port-open", "sg-ssh-rdp-open"]),
            "{from_plan:?}"
        );
        let addresses: BTreeSet<&str> = from_plan.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            addresses,
            BTreeSet::from([
                "blueprint_ml_host.drawn",
                "blueprint_ml_host.from_var",
                "module.api.blueprint_ml_host.this",
            ]),
            "{from_plan:?}"
        );
        // The HCL front-end reads the same tfvars, and finds the same.
        assert_eq!(from_hcl, from_plan);
        Ok(())
    });
}

/// Issue 21's risky configurations, planned for real: each composite is linted with its own
/// `profile` (prod-only rules warn for `profile = "prod"`), exposure is judged on addresses
/// (SSH from `0.0.0.0/00` and `::0/0`), a whole-bucket trigger warns, and a token in an
/// environment under a harmless name fails the plan on the variable. What needs the whole
/// configuration (a database in the network's public subnets, or admitting the load
/// balancer's group, which admits the two halves of IPv4) is reported by `blueprint-lint`.
#[test]
fn plan_time_policy_follows_the_profile_the_addresses_and_the_values() {
    const RISKY: &str = r#"
resource "blueprint_network" "main" {
  name      = "risky"
  profile   = "prod"
  flow_logs = false
}

resource "blueprint_load_balancer" "web" {
  name                = "risky"
  profile             = "prod"
  vpc_id              = blueprint_network.main.vpc_id
  public_subnet_ids   = blueprint_network.main.public_subnet_ids
  domain_name         = "risky.example.org"
  ingress_cidr_blocks = ["0.0.0.0/1", "128.0.0.0/1"]
  access_logs         = false
  deletion_protection = false
}

resource "blueprint_database" "db" {
  name                       = "risky-db"
  profile                    = "prod"
  vpc_id                     = blueprint_network.main.vpc_id
  subnet_ids                 = blueprint_network.main.public_subnet_ids
  allowed_security_group_ids = [blueprint_load_balancer.web.security_group_id]
  backup_retention_days      = 1
  deletion_protection        = false
  skip_final_snapshot        = true
}

resource "blueprint_ml_host" "api" {
  name            = "risky-api"
  image           = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  ssh_cidr_blocks = ["0.0.0.0/00", "::0/0"]
}

resource "blueprint_data_pipeline" "ml" {
  name = "risky-data"
  bucket {
    suffix = "raw"
  }
  stage {
    name     = "prep"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "prep.zip"
    trigger  = { bucket = "raw", prefix = "", suffix = "" }
  }
}
"#;
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(RISKY).unwrap();
        wd.write("prep.zip", "not read at plan").unwrap();
        wd.init().unwrap();
        let run = wd
            .run(&["plan", "-json", "-input=false", "-detailed-exitcode"])
            .unwrap();
        assert_eq!(run.code, 2, "warnings only: {run}");
        let said = diagnostics(&run.stdout);
        let warned = details(&run.stdout);
        for (rule, at) in [
            ("vpc-flow-logs", None),
            ("rds-backup-retention", Some("At backup_retention_days")),
            ("rds-deletion-protection", Some("At deletion_protection")),
            ("rds-deletion-protection", Some("At skip_final_snapshot")),
            ("alb-logs-and-protection", Some("At access_logs")),
            ("alb-logs-and-protection", Some("At deletion_protection")),
            ("sg-ssh-rdp-open", Some("At ssh_cidr_blocks[0]")),
            ("sg-ssh-rdp-open", Some("At ssh_cidr_blocks[1]")),
            ("s3-trigger-whole-bucket", Some("At stage[0].trigger")),
        ] {
            let tag = format!("[blueprint-lint rule {rule}]");
            assert!(
                said.iter().any(|(s, _)| s.ends_with(&format!("({rule})"))),
                "{rule}: {said:?}"
            );
            assert!(
                warned
                    .iter()
                    .any(|d| d.contains(&tag) && at.is_none_or(|a| d.starts_with(a))),
                "{rule} {at:?}: {warned:?}"
            );
        }
        // The load balancer's two halves are its design (the internet, as 0.0.0.0/0): no
        // warning of its own beyond the prod settings.
        assert!(
            !said
                .iter()
                .any(|(s, _)| s.contains("(sg-") && s.contains("128.0.0.0/1")),
            "{said:?}"
        );
        // The whole configuration, in the linter: the database's subnets are the network's
        // public ones, and the internet reaches it through the load balancer's group.
        let dir = wd.path().display().to_string();
        let from_hcl = lint(&[&dir]);
        assert!(
            from_hcl.iter().any(|f| f.0 == "rds-not-public"
                && f.1 == "blueprint_database.db"
                && f.2 == ".subnet_ids"),
            "{from_hcl:?}"
        );
        assert!(
            from_hcl
                .iter()
                .any(|f| f.0 == "data-store-internet-reachable" && f.1 == "blueprint_database.db"),
            "{from_hcl:?}"
        );

        // A GitHub token under a harmless name fails the plan, on the variable.
        h.rewrite(
            &wd,
            &host(
                "leaky",
                "  environment = {\n    GH = \"ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n  }\n",
            ),
        )
        .unwrap();
        let run = wd.run(&["plan", "-json", "-input=false"]).unwrap();
        assert_eq!(run.code, 1, "{run}");
        let refused = details(&run.stdout);
        assert!(
            refused
                .iter()
                .any(|d| d.starts_with("At environment[\"GH\"]")
                    && d.contains("[blueprint-lint rule ecs-plaintext-secrets]")),
            "{refused:?}"
        );

        // The provider knows its region (us-east-1) at plan: zones and a certificate of
        // another region fail the plan on their attributes, before anything is created.
        h.rewrite(
            &wd,
            r#"
resource "blueprint_network" "elsewhere" {
  name               = "elsewhere"
  az_count           = 2
  availability_zones = ["us-east-1a", "eu-west-1b"]
}

resource "blueprint_load_balancer" "elsewhere" {
  name              = "elsewhere"
  vpc_id            = "vpc-0123abcd"
  public_subnet_ids = ["subnet-0123abcd", "subnet-4567abcd"]
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
}
"#,
        )
        .unwrap();
        let run = wd.run(&["plan", "-json", "-input=false"]).unwrap();
        assert_eq!(run.code, 1, "{run}");
        let details = details(&run.stdout);
        for wanted in [
            "availability_zones[1]: \"eu-west-1b\" is not an availability zone of the provider's region us-east-1",
            "certificate_arn: the certificate is in eu-west-1, the load balancer in the provider's region us-east-1",
        ] {
            assert!(
                details.iter().any(|d| d.starts_with(wanted)),
                "{wanted}: {details:?}"
            );
        }

        // Fractions where whole numbers are due: refused on the attribute, for a declared
        // number (az_count) and for any integer attribute (flow_log_retention_days), not with
        // the decoder's message on the whole resource. (Validation: nothing else is planned.)
        h.rewrite(
            &wd,
            r#"
resource "blueprint_network" "halves" {
  name     = "halves"
  az_count = 2.5
}

resource "blueprint_network" "days" {
  name                    = "days"
  flow_log_retention_days = 7.5
}
"#,
        )
        .unwrap();
        let run = wd.run(&["plan", "-json", "-input=false"]).unwrap();
        assert_eq!(run.code, 1, "{run}");
        let details = self::details(&run.stdout);
        for wanted in [
            "az_count: must be a whole number",
            "flow_log_retention_days: must be a whole number, got 7.5",
        ] {
            assert!(
                details.iter().any(|d| d.starts_with(wanted)),
                "{wanted}: {details:?}"
            );
        }
        // Terraform placed each fraction's error on its line of the configuration.
        let snippets: Vec<String> = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["type"] == "diagnostic")
            .filter_map(|m| {
                m["diagnostic"]["snippet"]["code"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        for attribute in ["az_count", "flow_log_retention_days"] {
            assert!(
                snippets
                    .iter()
                    .any(|c| c.trim_start().starts_with(attribute)),
                "{attribute}: {snippets:?}"
            );
        }
        assert!(
            !details
                .iter()
                .any(|d| d.contains("does not match the schema")),
            "{details:?}"
        );
        Ok(())
    });
}

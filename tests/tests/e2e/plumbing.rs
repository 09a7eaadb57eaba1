//! The plugin's plumbing under a real Terraform: what users see in diagnostics and logs, and
//! what an interrupt (Ctrl-C) leaves behind.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use blueprint_e2e::plugin_client::PluginClient;
use blueprint_e2e::proxy::{mutating_actions, Fault, FaultRule};
use blueprint_e2e::terraform::TfWorkdir;
use blueprint_e2e::Harness;

const IMAGE: &str = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest";
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

fn host(extra: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "api" {{
  name  = "ml-api"
  image = "{IMAGE}"
{extra}
}}
"#
    )
}

/// Signs of a Rust backtrace in text Terraform printed.
fn backtrace_frames(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            let numbered_frame = t
                .split_once(": ")
                .is_some_and(|(n, rest)| n.parse::<u32>().is_ok() && rest.contains("::"));
            numbered_frame
                || t.starts_with("at /")
                || t.contains("blueprint_provider::")
                || t.contains("tokio::runtime")
                || t.contains("std::backtrace")
                || t.contains("stack backtrace")
        })
        .collect()
}

/// `RUST_BACKTRACE` (and the library switch) as a developer's shell may have them.
fn with_backtraces(wd: &mut TfWorkdir) {
    wd.set_env("RUST_BACKTRACE", "1");
    wd.set_env("RUST_LIB_BACKTRACE", "1");
}

#[test]
fn diagnostics_carry_no_rust_backtrace() {
    let h = Harness::start_with_proxy().unwrap();

    // A warning at plan (SSH open to the world) and an error at plan (a port out of range).
    let mut wd = h
        .workdir(&host("  ssh_cidr_blocks = [\"0.0.0.0/0\"]\n"))
        .unwrap();
    with_backtraces(&mut wd);
    wd.init().unwrap();
    let plan = wd.plan().unwrap();
    let text = plan.all_output();
    assert!(text.contains("Warning: "), "{plan}");
    assert!(text.contains("sg-ssh-rdp-open"), "{plan}");
    assert_eq!(backtrace_frames(&text), Vec::<&str>::new(), "{plan}");

    h.rewrite(&wd, &host("  container_port = 70000\n")).unwrap();
    let plan = wd.plan().unwrap();
    let text = plan.all_output();
    assert_eq!(plan.code, 1, "{plan}");
    assert!(
        text.contains("Error: ") && text.contains("container_port") && text.contains("65535"),
        "{plan}"
    );
    assert_eq!(backtrace_frames(&text), Vec::<&str>::new(), "{plan}");

    // An error at apply, made in a worker thread of the plugin: AWS refuses to make the bucket.
    let mut wd = h
        .workdir_with_provider(
            "  max_retries = 1\n",
            "resource \"blueprint_state_backend\" \"s\" {\n  bucket = \"plumbing-bt-state\"\n}\n",
        )
        .unwrap();
    with_backtraces(&mut wd);
    wd.init().unwrap();
    h.proxy()
        .add_rule(FaultRule::always("CreateBucket", Fault::ServerError));
    let apply = wd.try_apply().unwrap();
    assert_ne!(apply.code, 0, "{apply}");
    let text = apply.all_output();
    assert!(text.contains("Error: "), "{apply}");
    assert_eq!(backtrace_frames(&text), Vec::<&str>::new(), "{apply}");
    h.proxy().clear_rules();
    wd.destroy().unwrap();
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}

#[test]
fn timeouts_take_go_durations_and_refuse_absurd_ones_at_plan() {
    let h = Harness::start().unwrap();
    let backend = |create: &str, delete: &str| {
        format!(
            "resource \"blueprint_state_backend\" \"s\" {{\n  bucket = \"plumbing-timeouts\"\n  timeouts {{\n    create = \"{create}\"\n    delete = \"{delete}\"\n  }}\n}}\n"
        )
    };
    let wd = h.workdir(&backend("1.5h", "500ms")).unwrap();
    wd.init().unwrap();
    let plan = wd.plan().unwrap();
    assert_eq!(plan.code, 2, "Go durations must plan: {plan}");

    // Used to pass validation, then panic the plugin at apply (`Instant + timeout` overflowed).
    h.rewrite(&wd, &backend("5000000000000000h", "1h30m"))
        .unwrap();
    let plan = wd.plan().unwrap();
    let text = plan.all_output();
    assert_eq!(plan.code, 1, "{plan}");
    assert!(text.contains("Invalid timeout"), "{plan}");
    assert!(text.contains("5000000000000000h"), "{plan}");
    assert!(
        text.contains("create ="),
        "the error points at timeouts.create: {plan}"
    );
    assert!(!text.contains("panicked"), "{plan}");
}

#[test]
fn trace_logs_never_carry_credentials() {
    const ACCESS_KEY_ID: &str = "AKIAPLUMBING0TEST042";
    const SECRET_KEY: &str = "plumbing/Secret+Key/0123456789abcdefEXAMPLE";
    let h = Harness::start().unwrap();
    let mut wd = h
        .workdir(
            "resource \"blueprint_state_backend\" \"s\" {\n  bucket = \"plumbing-log-state\"\n}\n\ndata \"blueprint_caller_identity\" \"me\" {}\n",
        )
        .unwrap();
    wd.set_env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID);
    wd.set_env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    wd.set_env("TF_LOG", "trace");
    wd.init().unwrap();
    let mut logs = Vec::new();
    for run in [wd.apply().unwrap(), wd.destroy().unwrap()] {
        logs.push(run.all_output());
    }
    let all = logs.join("\n");
    // The plugin did log at trace level, and the SDK's credentials lines were there, filtered.
    assert!(
        all.contains("terraform-provider-blueprint"),
        "no plugin log"
    );
    assert!(
        all.contains("** redacted **"),
        "no credentials line reached the log, so this test proves nothing"
    );
    let leaks: Vec<&str> = all
        .lines()
        .filter(|l| l.contains(ACCESS_KEY_ID) || l.contains(SECRET_KEY))
        .collect();
    assert!(
        leaks.is_empty(),
        "{} log lines carry a credential, the first: {:.600}",
        leaks.len(),
        leaks[0]
    );
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}

#[test]
fn stop_provider_leaves_the_plugin_serving() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let bin = blueprint_e2e::paths::provider_binary().unwrap();
        let mut plugin = PluginClient::launch(&bin).await.unwrap();
        plugin
            .client
            .stop_provider(blueprint_e2e::tfplugin6::stop_provider::Request {})
            .await
            .unwrap();
        // Terraform keeps talking to a stopped provider (the RPCs in flight, then closing):
        // the server must still answer on the same connection.
        let schema = plugin
            .client
            .get_provider_schema(blueprint_e2e::tfplugin6::get_provider_schema::Request {})
            .await
            .unwrap()
            .into_inner();
        assert!(
            schema.resource_schemas.contains_key("blueprint_ml_host"),
            "{:?}",
            schema.resource_schemas.keys()
        );
        plugin.shutdown().await;
    });
}

/// The environment [`TfWorkdir`] gives the CLI, for a process this test starts itself.
fn interruptible_apply(h: &Harness, wd: &TfWorkdir) -> Command {
    let home = wd.path().join(".home");
    let mut cmd = Command::new(&h.terraform().path);
    cmd.args(["apply", "-auto-approve", "-input=false", "-no-color"])
        .current_dir(wd.path())
        .env_clear()
        .env("HOME", &home)
        .env(
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        )
        .env("TF_CLI_CONFIG_FILE", &h.installed().cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .envs(h.aws_env())
        // Its own process group, which the plugin joins: Ctrl-C signals the whole group.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Interrupt an apply while the proxy holds `action`; returns what
/// Terraform printed. `whole_group`: SIGINT to Terraform's process group, plugin included, as
/// Ctrl-C does; otherwise to Terraform alone (a CI runner's cancel), so that the plugin learns
/// of it only through StopProvider.
fn interrupt_during(h: &Harness, wd: &TfWorkdir, action: &str, whole_group: bool) -> String {
    let proxy = h.proxy();
    proxy.clear_rules();
    proxy.reset();
    proxy.add_rule(FaultRule::delay(action, Duration::from_secs(4)));
    let child = interruptible_apply(h, wd).spawn().unwrap();
    let pgid = child.id() as libc::pid_t;
    let started = Instant::now();
    let held = loop {
        let seen = proxy
            .requests()
            .iter()
            .any(|r| r.action == action && matches!(r.fault, Some(Fault::Delay(_))));
        if seen {
            break true;
        }
        if started.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Ctrl-C at a terminal: SIGINT to the whole foreground group. A CI runner cancelling the
    // job: SIGTERM to Terraform's own process. (SIGINT to Terraform's process alone is no case
    // on 1.0.3: that Terraform runs as a panicwrap parent that ignores SIGINT, expecting the
    // terminal to deliver it to the child too, and forwards only SIGTERM.)
    let (target, signal) = if whole_group {
        (-pgid, libc::SIGINT)
    } else {
        (pgid, libc::SIGTERM)
    };
    // SAFETY: signalling a process (group) this test created.
    unsafe {
        libc::kill(target, signal);
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(held, "{action} was never requested:\n{text}");
    proxy.clear_rules();
    text
}

#[test]
fn ctrl_c_mid_create_keeps_what_exists_in_state() {
    blueprint_e2e::tf_versions::for_each_terraform(|tf| {
        interrupts_at_six_points(tf);
        Ok(())
    });
}

/// Six interrupts spread over one host's create, alternating Ctrl-C (SIGINT to the process
/// group) and a runner's SIGTERM to Terraform alone; after each, whatever exists is in the
/// state, nothing made after the stop, and destroy leaves nothing.
fn interrupts_at_six_points(tf: &'static blueprint_e2e::tf_versions::TerraformBin) {
    let h = Harness::start_with_proxy().unwrap().on(tf);
    let wd = h
        .workdir(&host(&format!("  ssh_public_key = \"{PUBLIC_KEY}\"\n")))
        .unwrap();
    wd.init().unwrap();
    // The create's mutating calls, in order, from one clean create.
    h.proxy().reset();
    wd.apply().unwrap();
    let points = mutating_actions(&h.proxy().requests());
    wd.destroy().unwrap();
    assert!(points.len() >= 6, "{points:?}");
    let launch = points
        .iter()
        .position(|p| p == "RunInstances")
        .expect("the create launches an instance");
    // Six points spread over the create, from its first call to its last.
    let chosen: Vec<(usize, &String)> = (0..6)
        .map(|i| i * (points.len() - 1) / 5)
        .map(|i| (i, &points[i]))
        .collect();
    for (round, (index, action)) in chosen.into_iter().enumerate() {
        let whole_group = round % 2 == 0;
        let text = interrupt_during(&h, &wd, action, whole_group);
        for broken in [
            "Plugin did not respond",
            "plugin exited",
            "connection refused",
            "error reading from server",
            "Provider produced inconsistent result",
            "invalid result object",
        ] {
            assert!(
                !text.contains(broken),
                "interrupted at {action}: {broken}\n{text}"
            );
        }
        let left = h.leftovers().unwrap();
        if index < launch {
            // The stop reached the composite, whichever way it came (a signal or StopProvider
            // alone): it gave up instead of going on to launch the instance.
            assert!(
                text.contains("Interrupted "),
                "interrupted at {action}: the create did not see the stop\n{text}"
            );
            assert!(
                !left.iter().any(|l| l.starts_with("ec2-instance ")),
                "interrupted at {action}, before RunInstances, yet {left:?}\n{text}"
            );
        }
        // Whatever exists in AWS is in the state, so that destroy can reach it.
        let state = wd.show_json(None).unwrap().to_string();
        for thing in &left {
            let id = thing.rsplit(' ').next().unwrap_or(thing);
            assert!(
                state.contains(id),
                "interrupted at {action}: {thing} exists but is not in state\n{text}\n{state}"
            );
        }
        eprintln!(
            "interrupted at {action} ({}): {} children left in AWS, all in state",
            if whole_group {
                "SIGINT to the process group"
            } else {
                "SIGTERM to Terraform only"
            },
            left.len()
        );
        wd.destroy().unwrap();
        assert_eq!(
            h.leftovers().unwrap(),
            Vec::<String>::new(),
            "after an interrupt at {action} and destroy"
        );
    }
}

/// The state's entry for `address`: its values and whether Terraform marked it tainted.
fn instance(wd: &TfWorkdir, address: &str) -> (serde_json::Value, bool) {
    let state = wd.show_json(None).unwrap();
    let r = state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .cloned()
        .unwrap_or_else(|| panic!("{address} is not in the state: {state}"));
    (r["values"].clone(), r["tainted"] == true)
}

/// Issue 21: Ctrl-C while the Aurora cluster is still being made (the waiter's first
/// DescribeDBClusters held) leaves the database in state untainted, with the cluster recorded;
/// the next apply resumes in place (an update, the same cluster), never a destroy and
/// re-create.
#[test]
fn ctrl_c_during_a_database_create_resumes_instead_of_replacing() {
    blueprint_e2e::tf_versions::for_each_terraform(|tf| {
        let h = Harness::start_with_proxy()?.on(tf);
        let p = blueprint_e2e::platform::make_blocking(&h.probe())?;
        let config = format!(
            r#"
resource "blueprint_database" "db" {{
  name                       = "resumed"
  profile                    = "dev"
  vpc_id                     = "{vpc}"
  subnet_ids                 = ["{s0}", "{s1}"]
  allowed_security_group_ids = ["{sg}"]
}}
"#,
            vpc = p.vpc,
            s0 = p.subnets[0],
            s1 = p.subnets[1],
            sg = p.alb_sg,
        );
        let wd = h.workdir(&config)?;
        wd.init()?;
        let text = interrupt_during(&h, &wd, "DescribeDBClusters", true);
        let address = "blueprint_database.db";
        let (values, tainted) = instance(&wd, address);
        assert!(
            !tainted,
            "the interrupted create was tainted:\n{text}\n{values}"
        );
        assert_eq!(values["cluster_identifier"], "resumed", "{text}\n{values}");
        assert!(
            text.contains("Create interrupted"),
            "no warning says the next apply finishes it:\n{text}"
        );
        let rt = tokio::runtime::Runtime::new()?;
        let before = rt.block_on(h.probe().rds_cluster_resource_id("resumed"))?;
        let plan = wd.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])?;
        let json = wd.show_json(Some("tfplan"))?;
        let actions = json["resource_changes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["address"] == address)
            .map(|c| c["change"]["actions"].clone())
            .unwrap_or_default();
        // An update making what is missing, or nothing when the stop came after the last
        // child was made: never a replacement.
        assert!(
            actions == serde_json::json!(["update"]) || actions == serde_json::json!(["no-op"]),
            "the next plan must resume in place, not replace ({actions}):\n{plan}"
        );
        wd.apply()?;
        let (values, tainted) = instance(&wd, address);
        assert!(!tainted);
        assert_eq!(values["writer_identifier"], "resumed-writer", "{values}");
        assert!(values["endpoint"].is_string(), "{values}");
        let after = rt.block_on(h.probe().rds_cluster_resource_id("resumed"))?;
        assert_eq!(before, after, "the cluster was made again");
        assert!(wd.plan_is_empty()?, "{}", wd.plan()?);
        wd.destroy()?;
        Ok(())
    });
}

/// The planned action for `address` in a saved plan of `wd` (`-out=tfplan`), and the plan's
/// text.
fn planned_actions(wd: &TfWorkdir, address: &str) -> (serde_json::Value, String) {
    let plan = wd
        .run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .unwrap();
    let json = wd.show_json(Some("tfplan")).unwrap();
    let actions = json["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .map(|c| c["change"]["actions"].clone())
        .unwrap_or_default();
    (actions, plan.all_output())
}

/// Issue 21: Ctrl-C while the state backend's lock table is still being made (the waiter's
/// DescribeTable held; the bucket comes after it) leaves the resource in state untainted with
/// the table recorded and a warning; the next plan resumes in place (the bucket still to make),
/// the apply makes the bucket without making the table again, and the plan after it is empty.
#[test]
fn ctrl_c_during_a_state_backend_create_resumes_instead_of_replacing() {
    blueprint_e2e::tf_versions::for_each_terraform(|tf| {
        let h = Harness::start_with_proxy()?.on(tf);
        let wd = h.workdir(
            "resource \"blueprint_state_backend\" \"state\" {\n  bucket  = \"resumed-tfstate\"\n  locking = \"dynamodb\"\n}\n",
        )?;
        wd.init()?;
        let text = interrupt_during(&h, &wd, "DescribeTable", true);
        let address = "blueprint_state_backend.state";
        let (values, tainted) = instance(&wd, address);
        assert!(
            !tainted,
            "the interrupted create was tainted:\n{text}\n{values}"
        );
        assert!(values["lock_table_arn"].is_string(), "{text}\n{values}");
        assert!(
            text.contains("Create interrupted"),
            "no warning says the next apply finishes it:\n{text}"
        );
        let created = |h: &Harness| -> anyhow::Result<String> {
            let rt = tokio::runtime::Runtime::new()?;
            let out = rt.block_on(
                h.probe()
                    .dynamodb()
                    .describe_table()
                    .table_name("resumed-tfstate-lock")
                    .send(),
            )?;
            Ok(format!(
                "{:?}",
                out.table().and_then(|t| t.creation_date_time())
            ))
        };
        let before = created(&h)?;
        let (actions, plan) = planned_actions(&wd, address);
        assert_eq!(
            actions,
            serde_json::json!(["update"]),
            "the next plan must resume in place, not replace:\n{plan}"
        );
        wd.apply()?;
        let (values, tainted) = instance(&wd, address);
        assert!(!tainted);
        assert_eq!(
            values["bucket_arn"], "arn:aws:s3:::resumed-tfstate",
            "{values}"
        );
        assert_eq!(before, created(&h)?, "the lock table was made again");
        assert!(wd.plan_is_empty()?, "{}", wd.plan()?);
        wd.destroy()?;
        assert_eq!(h.leftovers()?, Vec::<String>::new());
        Ok(())
    });
}

/// Issue 21: Ctrl-C while a service is still being created (its children made, the ECS
/// service's DescribeServices held) leaves it in state untainted with what was made; the next
/// plan resumes in place and the apply makes the ECS service keeping the target group and
/// security group it had, not destroying and re-creating them.
#[test]
fn ctrl_c_during_a_service_create_resumes_instead_of_replacing() {
    blueprint_e2e::tf_versions::for_each_terraform(|tf| {
        let h = Harness::start_with(
            blueprint_e2e::moto::MotoOptions {
                ecs_service_running: 1,
                ..blueprint_e2e::moto::MotoOptions::default()
            },
            true,
        )?
        .on(tf);
        let p = blueprint_e2e::platform::make_blocking(&h.probe())?;
        let config = format!(
            r#"
resource "blueprint_secure_service" "api" {{
  name                  = "resumed"
  cluster               = "{cluster}"
  vpc_id                = "{vpc}"
  subnet_ids            = ["{s0}", "{s1}"]
  listener_arn          = "{listener}"
  alb_security_group_id = "{alb_sg}"
  path_patterns         = ["/api/*"]
  priority              = 10

  container {{
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/resumed:1"
    port  = 8080
  }}
}}
"#,
            cluster = p.cluster,
            vpc = p.vpc,
            s0 = p.subnets[0],
            s1 = p.subnets[1],
            listener = p.listener,
            alb_sg = p.alb_sg,
        );
        let wd = h.workdir(&config)?;
        wd.init()?;
        let text = interrupt_during(&h, &wd, "DescribeServices", true);
        let address = "blueprint_secure_service.api";
        let (values, tainted) = instance(&wd, address);
        assert!(
            !tainted,
            "the interrupted create was tainted:\n{text}\n{values}"
        );
        let target_group = values["target_group_arn"].clone();
        let group = values["security_group_id"].clone();
        assert!(
            target_group.is_string() && group.is_string(),
            "{text}\n{values}"
        );
        assert!(
            text.contains("Create interrupted"),
            "no warning says the next apply finishes it:\n{text}"
        );
        let (actions, plan) = planned_actions(&wd, address);
        assert!(
            actions == serde_json::json!(["update"]) || actions == serde_json::json!(["no-op"]),
            "the next plan must resume in place, not replace ({actions}):\n{plan}"
        );
        wd.apply()?;
        let (values, tainted) = instance(&wd, address);
        assert!(!tainted);
        assert!(values["service_arn"].is_string(), "{values}");
        assert_eq!(
            values["target_group_arn"], target_group,
            "the target group was made again"
        );
        assert_eq!(
            values["security_group_id"], group,
            "the security group was made again"
        );
        assert!(wd.plan_is_empty()?, "{}", wd.plan()?);
        wd.destroy()?;
        Ok(())
    });
}

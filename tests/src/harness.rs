//! One object per test: moto, an optional fault proxy, the installed plugin and a unique tag.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use anyhow::{anyhow, Result};

use crate::aws::AwsProbe;
use crate::mirror::{self, Installed};
use crate::moto::{MotoOptions, MotoServer};
use crate::proxy::FaultProxy;
use crate::terraform::TfWorkdir;
use crate::tf_versions::{self, TerraformBin};

/// Tag key the harness puts on everything a test creates (through the provider's default_tags).
pub const TEST_TAG_KEY: &str = "blueprint-test";

/// Services the provider block points at the test endpoint.
pub const SERVICES: &[&str] = &[
    "acm",
    "applicationautoscaling",
    "dynamodb",
    "ec2",
    "ecs",
    "elbv2",
    "iam",
    "lambda",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
];

static INSTALLED: OnceLock<Result<Installed, String>> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The plugin installed once per test process into `<target>/<profile>/e2e-mirror/<pid>`, so
/// test processes running at the same time never replace each other's plugin. Mirrors of
/// processes that have ended are removed.
pub fn installed_provider() -> Result<&'static Installed> {
    INSTALLED
        .get_or_init(|| {
            let root = crate::paths::target_profile_dir().join("e2e-mirror");
            remove_stale_mirrors(&root);
            let dir = root.join(std::process::id().to_string());
            crate::paths::provider_binary()
                .and_then(|bin| {
                    mirror::install(&bin, &dir.join("mirror"), &dir.join("terraform.rc"))
                })
                .map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|e| anyhow!("installing the provider into the mirror: {e}"))
}

/// Remove `root/<pid>` directories whose process is gone (best effort).
fn remove_stale_mirrors(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A test's world.
pub struct Harness {
    /// The AWS-compatible endpoint.
    pub moto: MotoServer,
    /// The fault proxy, when the test asked for one (it then fronts every endpoint).
    pub proxy: Option<FaultProxy>,
    /// The value of [`TEST_TAG_KEY`] on everything this test creates.
    pub tag: String,
    installed: &'static Installed,
    terraform: &'static TerraformBin,
}

impl Harness {
    /// moto with the defaults, no proxy.
    pub fn start() -> Result<Self> {
        Self::start_with(MotoOptions::default(), false)
    }

    /// moto with the defaults and a fault proxy in front of it.
    pub fn start_with_proxy() -> Result<Self> {
        Self::start_with(MotoOptions::default(), true)
    }

    /// moto with `options`, and a proxy if `proxy`.
    pub fn start_with(options: MotoOptions, proxy: bool) -> Result<Self> {
        let installed = installed_provider()?;
        let moto = MotoServer::start_with(options)?;
        let proxy = if proxy {
            Some(FaultProxy::start(&moto.endpoint())?)
        } else {
            None
        };
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        Ok(Self {
            moto,
            proxy,
            tag: format!("t{}-{n}", std::process::id()),
            installed,
            terraform: tf_versions::pinned()?,
        })
    }

    /// The same harness, with its working dirs run by `terraform` (see
    /// [`tf_versions::for_each_terraform`]).
    pub fn on(mut self, terraform: &'static TerraformBin) -> Self {
        self.terraform = terraform;
        self
    }

    /// The Terraform this harness's working dirs run.
    pub fn terraform(&self) -> &'static TerraformBin {
        self.terraform
    }

    /// An empty working dir (no `main.tf`) with this harness's Terraform, CLI config and
    /// credentials.
    pub fn empty_workdir(&self) -> Result<TfWorkdir> {
        TfWorkdir::new_on(self.terraform, &self.installed.cli_config, &self.aws_env())
    }

    /// Where the provider sends requests: the proxy if there is one, else moto.
    pub fn endpoint(&self) -> String {
        match &self.proxy {
            Some(p) => p.endpoint(),
            None => self.moto.endpoint(),
        }
    }

    /// The fault proxy; panics with a clear message if the test did not start one.
    pub fn proxy(&self) -> &FaultProxy {
        match &self.proxy {
            Some(p) => p,
            None => panic!("this test did not start the harness with a proxy"),
        }
    }

    /// The installation (mirror and CLI config) the working dirs use.
    pub fn installed(&self) -> &Installed {
        self.installed
    }

    /// A `terraform { required_providers }` block plus a provider block aimed at the endpoint,
    /// with `extra` lines inside the provider block.
    pub fn provider_config(&self, extra: &str) -> String {
        self.provider_config_in("us-east-1", extra)
    }

    /// [`Harness::provider_config`] with the provider in `region`.
    pub fn provider_config_in(&self, region: &str, extra: &str) -> String {
        let endpoints: String = SERVICES
            .iter()
            .map(|s| format!("    {s} = \"{}\"\n", self.endpoint()))
            .collect();
        format!(
            r#"terraform {{
  required_providers {{
    blueprint = {{
      source  = "blueprint-iac/blueprint"
      version = "{version}"
    }}
  }}
}}

provider "blueprint" {{
  region            = "{region}"
  s3_use_path_style = true
{extra}
  endpoints {{
{endpoints}  }}

  default_tags {{
    tags = {{
      "{TEST_TAG_KEY}" = "{tag}"
    }}
  }}
}}
"#,
            version = mirror::VERSION,
            tag = self.tag,
        )
    }

    /// Credentials moto accepts, for the CLI's environment.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ]
    }

    /// A working dir whose `main.tf` is the provider config followed by `config`.
    pub fn workdir(&self, config: &str) -> Result<TfWorkdir> {
        self.workdir_with_provider("", config)
    }

    /// Like [`Harness::workdir`], with extra provider-block lines.
    pub fn workdir_with_provider(&self, provider_extra: &str, config: &str) -> Result<TfWorkdir> {
        let wd = self.empty_workdir()?;
        wd.write(
            "main.tf",
            &format!("{}\n{config}", self.provider_config(provider_extra)),
        )?;
        Ok(wd)
    }

    /// A working dir whose provider is in `region` (the account's other regions are as
    /// empty as us-east-1 at first; S3 bucket names are global across them).
    pub fn workdir_in(&self, region: &str, config: &str) -> Result<TfWorkdir> {
        let wd = self.empty_workdir()?;
        wd.write(
            "main.tf",
            &format!("{}\n{config}", self.provider_config_in(region, "")),
        )?;
        Ok(wd)
    }

    /// SDK clients straight to moto, in `region`.
    pub fn probe_in(&self, region: &str) -> AwsProbe {
        AwsProbe::in_region(&self.moto.endpoint(), region)
    }

    /// Replace the configuration of an existing working dir (provider block included).
    pub fn rewrite(&self, wd: &TfWorkdir, config: &str) -> Result<()> {
        wd.write(
            "main.tf",
            &format!("{}\n{config}", self.provider_config("")),
        )
    }

    /// Everything carrying this test's tag that still exists, asked through the SDK (blocking;
    /// for tests that drive the Terraform CLI synchronously).
    pub fn leftovers(&self) -> Result<Vec<String>> {
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(self.probe().tagged_leftovers(TEST_TAG_KEY, &self.tag))
    }

    /// SDK clients straight to moto (never through the proxy).
    pub fn probe(&self) -> AwsProbe {
        AwsProbe::new(&self.moto.endpoint())
    }
}

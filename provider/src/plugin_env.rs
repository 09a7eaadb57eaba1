//! The checks a go-plugin server makes before it serves: the magic cookie and the protocol version.
//!
//! Like HashiCorp's plugins, the binary run from a shell explains itself instead of printing a
//! handshake line and hanging.

/// Environment variable that Terraform sets to prove it launched the plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// The value Terraform sets for [`MAGIC_COOKIE_KEY`] (shared by every Terraform plugin).
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// Environment variable listing the protocol versions the client can speak.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";

/// The only plugin protocol this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Environment variable that decides whether `std::backtrace::Backtrace::capture` captures
/// (it takes precedence over `RUST_BACKTRACE`, which then only governs panics).
pub const LIB_BACKTRACE_KEY: &str = "RUST_LIB_BACKTRACE";

/// Keep Rust backtraces out of what Terraform shows users: `Backtrace::capture()` (used by
/// `anyhow` errors whose text may reach a diagnostic) captures whenever `RUST_BACKTRACE` is set. Setting
/// `RUST_LIB_BACKTRACE=0` turns library captures off while a panic still prints its backtrace
/// (for a bug report) when `RUST_BACKTRACE` asks for one. Call before any thread is started
/// and before any diagnostic is built (the standard library caches the decision).
pub fn keep_backtraces_out_of_diagnostics() {
    // Single-threaded here: no other thread reads the environment concurrently.
    std::env::set_var(LIB_BACKTRACE_KEY, "0");
}

/// Why the plugin refuses to serve.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LaunchError {
    /// Started from a shell rather than by Terraform.
    #[error(
        "terraform-provider-blueprint is a Terraform plugin and is not meant to be run directly.\n\
         Declare it in `required_providers` (source = \"blueprint-iac/blueprint\") and run `terraform init`;\n\
         Terraform starts the plugin itself."
    )]
    NotLaunchedByTerraform,
    /// Terraform offered only protocol versions this plugin does not speak.
    #[error(
        "terraform-provider-blueprint speaks plugin protocol 6 only, but this Terraform offers {offered}; \
         use Terraform 1.0 or newer"
    )]
    UnsupportedProtocol {
        /// What the client offered, as it wrote it.
        offered: String,
    },
}

/// Check the launch environment, given a lookup function (the process environment in `main`).
pub fn check_launch(get: impl Fn(&str) -> Option<String>) -> Result<(), LaunchError> {
    if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(LaunchError::NotLaunchedByTerraform);
    }
    if let Some(offered) = get(PROTOCOL_VERSIONS_KEY) {
        let speaks = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>().ok() == Some(PROTOCOL_VERSION));
        if !speaks {
            return Err(LaunchError::UnsupportedProtocol { offered });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn refuses_without_cookie() {
        assert_eq!(
            check_launch(env(&[])),
            Err(LaunchError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_launch(env(&[(MAGIC_COOKIE_KEY, "wrong")])),
            Err(LaunchError::NotLaunchedByTerraform)
        );
    }

    #[test]
    fn accepts_cookie_with_or_without_versions() {
        assert_eq!(
            check_launch(env(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)])),
            Ok(())
        );
        assert_eq!(
            check_launch(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                (PROTOCOL_VERSIONS_KEY, "5,6")
            ])),
            Ok(())
        );
    }

    #[test]
    fn refuses_protocol_five_only() {
        let err = check_launch(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (PROTOCOL_VERSIONS_KEY, "5"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("protocol 6"), "{err}");
    }
}

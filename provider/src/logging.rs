//! Logging to stderr, which Terraform collects into its own log when `TF_LOG` is set.
//!
//! `tf-provider` installs its own subscriber when `PLUGIN_LOG_FILE` is set; in that case this
//! module stays out of the way (two global subscribers cannot coexist).

use tracing_subscriber::EnvFilter;

/// Install a stderr subscriber whose level follows `TF_LOG_PROVIDER` or `TF_LOG`.
pub fn init() {
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        return;
    }
    let level = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .map(|l| match l.to_ascii_uppercase().as_str() {
            "TRACE" | "JSON" => "trace",
            "DEBUG" => "debug",
            "INFO" => "info",
            "ERROR" => "error",
            _ => "warn",
        })
        .unwrap_or("warn");
    // The AWS SDK and the HTTP stack log payloads at trace level; cap them at debug so no body
    // (which may hold a secret) reaches Terraform's log.
    let filter = if level == "trace" {
        EnvFilter::new("trace,aws_smithy_runtime=debug,aws_smithy_http_client=debug,h2=debug,hyper=debug,hyper_util=debug,rustls=debug,tower_http=debug")
    } else {
        EnvFilter::new(level)
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .try_init();
}

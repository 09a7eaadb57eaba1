//! The plugin binary Terraform launches.

use std::process::ExitCode;

use blueprint_provider::plugin_env::check_launch;

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!(
            "terraform-provider-blueprint {} (plugin protocol 6)",
            blueprint_provider::PROVIDER_VERSION
        );
        return ExitCode::SUCCESS;
    }
    if let Err(err) = check_launch(|key| std::env::var(key).ok()) {
        eprintln!("{err}");
        return ExitCode::FAILURE;
    }
    blueprint_provider::plugin_env::keep_backtraces_out_of_diagnostics();
    blueprint_provider::logging::init();
    // rustls is built with two crypto back-ends (ring for rcgen, aws-lc-rs for the AWS SDK); with
    // both present it refuses to guess, so the gRPC server's TLS would panic without this.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("terraform-provider-blueprint: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(blueprint_provider::serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("terraform-provider-blueprint: {err:#}");
            ExitCode::FAILURE
        }
    }
}

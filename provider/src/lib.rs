//! `terraform-provider-blueprint`: a Terraform provider (plugin protocol 6) whose composite
//! resources build the seed architectures secure by default.
//!
//! The crate is a library plus a thin binary so that unit tests and the end-to-end harness can
//! reach the configuration parsing, the AWS client factory and the schemas directly.

pub mod clients;
pub mod composite;
pub mod config;
pub mod data_sources;
pub mod declare;
pub mod ephemeral_resources;
pub mod kinds;
pub mod lint_bridge;
pub mod logging;
pub mod plugin_env;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod schema_builder;
pub mod tf;
pub mod tf_value;
pub mod types;

/// The provider's type name: resources are called `blueprint_*`.
pub const PROVIDER_NAME: &str = "blueprint";

/// The provider's source address, as written in `required_providers`.
pub const PROVIDER_SOURCE: &str = "blueprint-iac/blueprint";

/// The provider's version, shared with the crate version.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Serve the provider over the plugin protocol until Terraform shuts it down.
pub async fn serve() -> anyhow::Result<()> {
    let blueprint = provider::BlueprintProvider::new();
    let stop = blueprint.state().stop_token().clone();
    stop_on_signals(stop.clone());
    crate::tf::serve(PROVIDER_NAME, blueprint, stop).await
}

/// On Ctrl-C Terraform signals the whole process group and then waits for the operation in
/// flight (and sends StopProvider, which cancels the same token). Like go-plugin servers, the plugin does not die on
/// SIGINT/SIGTERM; it cancels `token`, so retries and waits stop early and every resource returns
/// the partial state it has, which Terraform saves.
fn stop_on_signals(token: tokio_util::sync::CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
        let token = token.clone();
        match signal(kind) {
            Ok(mut stream) => {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        tracing::warn!("stop requested: cancelling AWS waits and retries");
                        token.cancel();
                    }
                });
            }
            Err(err) => tracing::warn!("cannot listen for signals: {err}"),
        }
    }
}

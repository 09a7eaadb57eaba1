//! `terraform-provider-blueprint`: a Terraform provider (plugin protocol 6) whose composite
//! resources build the seed architectures secure by default.
//!
//! The crate is a library plus a thin binary so that unit tests and the end-to-end harness can
//! reach the configuration parsing, the AWS client factory and the schemas directly.

pub mod clients;
pub mod config;
pub mod data_sources;
pub mod logging;
pub mod plugin_env;
pub mod plugin_tls;
pub mod provider;
pub mod schema_builder;

/// The provider's type name: resources are called `blueprint_*`.
pub const PROVIDER_NAME: &str = "blueprint";

/// The provider's source address, as written in `required_providers`.
pub const PROVIDER_SOURCE: &str = "blueprint-iac/blueprint";

/// The provider's version, shared with the crate version.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Serve the provider over the plugin protocol until Terraform stops it.
///
/// `front` is the mTLS front prepared by [`plugin_tls::Front::prepare`] (before the runtime
/// started); without it the plugin serves exactly as `tf-provider` does.
pub async fn serve(front: Option<plugin_tls::Front>) -> anyhow::Result<()> {
    let provider = tf_provider::serve(PROVIDER_NAME, provider::BlueprintProvider::new());
    match front {
        None => provider.await,
        Some(front) => tokio::select! {
            served = provider => served,
            fronted = front.run() => fronted.map_err(anyhow::Error::from),
        },
    }
}

//! End-to-end harness shared by every Blueprint test that needs real components.
//!
//! - [`moto::MotoServer`]: an AWS-compatible endpoint on a free loopback port, always stopped.
//! - [`proxy::FaultProxy`]: sits between the provider and moto and fails chosen requests.
//! - [`mirror`]: installs the plugin into a Terraform filesystem mirror with a CLI config.
//! - [`terraform::TfWorkdir`]: a temporary working directory driven by the real Terraform CLI.
//! - [`tf_versions`]: every Terraform on the machine, and a loop running a scenario on each.
//! - [`aws::AwsProbe`]: asks AWS (through the SDK, not Terraform) what is left, deletes a child
//!   out of band and reads its tags.
//! - [`platform`]: the VPC, ALB, HTTPS listener and ECS cluster services plug into.
//! - [`composite_case`]: what the generic check needs to know about each composite's children.
//! - [`composite_check`]: the generic end-to-end check every composite must pass.
//! - [`fault_sweep`]: fails every mutating AWS call of create and delete in turn.
//! - [`plugin_client::PluginClient`]: launches the plugin as Terraform does and speaks protocol 6.

pub mod aws;
pub mod composite_case;
pub mod composite_check;
pub mod fault_sweep;
pub mod harness;
pub mod mirror;
pub mod moto;
pub mod paths;
pub mod platform;
pub mod plugin_client;
pub mod proxy;
pub mod terraform;
pub mod tf_versions;

pub use harness::Harness;

/// Protocol-6 messages from `proto/tfplugin6.proto`, compiled for the test client.
pub mod tfplugin6 {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's controller and stdio services (`proto/go_plugin.proto`), for the test client.
pub mod go_plugin {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("plugin");
}

/// grpc.health.v1 (`proto/health.proto`), for the test client.
pub mod health {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("grpc.health.v1");
}

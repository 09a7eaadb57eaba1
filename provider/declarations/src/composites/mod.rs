//! Each composite's declaration, one module each.

pub mod cluster;
pub mod data_pipeline;
pub mod data_stores;
pub mod database;
pub mod host_group;
pub mod load_balancer;
pub mod ml_host;
pub mod network;
pub mod secure_service;
pub mod state_backend;

use crate::Declaration;

/// Every composite's declaration (docs, the linter's view, the end-to-end check).
pub fn registry() -> Vec<&'static Declaration> {
    vec![
        state_backend::declaration(),
        ml_host::declaration(),
        secure_service::declaration(),
        cluster::declaration(),
        data_pipeline::declaration(),
        network::declaration(),
        database::declaration(),
        load_balancer::declaration(),
        data_stores::declaration(),
        host_group::declaration(),
    ]
}

//! Blueprint's end-to-end tests, in one test binary: real Terraform (every version present)
//! against moto, the fault-injecting proxy and the protocol client.
//!
//! One binary instead of one per file: the test threads (`--test-threads`, `scripts/test.sh`
//! passes `BLUEPRINT_TEST_THREADS`) are shared by all the tests, so a file with one long test no
//! longer holds the suite while the cores idle, the provider is installed into the local
//! mirror once per run instead of once per file, and the harness is linked once. Run one file's
//! tests with its module name as the filter: `cargo test -p blueprint-e2e --test e2e composites::`.

mod adoption;
mod backend_init;
mod composites;
mod data_pipeline;
mod data_stores;
mod database;
mod features;
mod foundation;
mod host_group;
mod load_balancer;
mod ml_host;
mod network;
mod plan_lint;
mod plumbing;
mod protocol;
mod scripts;
mod secure_service;
mod seed_001;
mod seed_002;
mod state_backend;

//! Ephemeral resources (Terraform 1.10+, protocol 6.7), one file each: opened for a run, never
//! stored in the plan or the state.

pub mod database_credentials;

//! Front-ends that build the [`crate::model::Model`]: HCL source and plan JSON.

pub mod hcl;
pub mod plan;

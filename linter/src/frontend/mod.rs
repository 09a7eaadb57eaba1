//! Front-ends that build the [`crate::model::Model`]: HCL source today, plan JSON later.

pub mod hcl;

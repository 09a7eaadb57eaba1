//! Data sources, one file each.

pub mod caller_identity;

//! Children that several composites share: security groups with canonical rules, IAM roles
//! with their policies. A composite composes these; it does not copy them.

pub mod iam_role;
pub mod ownership;
pub mod security_group;
pub mod tags;

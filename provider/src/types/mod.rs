//! Typed values the composites work with instead of strings: security-group rules, ARNs and
//! IAM statements (from `blueprint-declarations`), and their EC2 form.

pub use blueprint_declarations::types::{arn, iam};
pub mod sg_rule;

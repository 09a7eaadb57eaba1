//! Typed values the composites work with instead of strings: security-group rules, ARNs and
//! IAM statements. Each parses once, prints in one canonical form and compares as a value.

pub mod addr_set;
pub mod arn;
pub mod iam;
pub mod sg_rule;

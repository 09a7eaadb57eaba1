//! Blueprint composites drawn as the plain resources they build.
//!
//! TO BE REPLACED by the composites' own expansion (the provider is gaining one): until then
//! this small table says what each composite creates, and `build.rs` wires the parts from the
//! composite's attributes (`ssh_cidr_blocks`, `listener_arn`, `alb_security_group_id`, ...).

use super::catalog::Kind;

/// One resource a composite creates that the graph draws.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// Suffix of the part's node id (empty: the composite's own address).
    pub suffix: &'static str,
    /// The plain type it is.
    pub ty: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Service name shown on the node.
    pub service: &'static str,
}

/// What one composite type builds.
#[derive(Debug, Clone, Copy)]
pub struct Composite {
    /// The composite's Terraform type.
    pub ty: &'static str,
    /// The drawn parts; the first is the composite's main node (security-group rules and
    /// target groups lead to it).
    pub parts: &'static [Part],
    /// Whether it creates its own security group (attached to the main part).
    pub own_security_group: bool,
}

/// The composites and what they build.
pub static COMPOSITES: &[Composite] = &[
    Composite {
        ty: "blueprint_ml_host",
        parts: &[Part {
            suffix: "",
            ty: "aws_instance",
            kind: Kind::Compute,
            service: "EC2 (blueprint_ml_host)",
        }],
        own_security_group: true,
    },
    Composite {
        ty: "blueprint_secure_service",
        parts: &[Part {
            suffix: "",
            ty: "aws_ecs_service",
            kind: Kind::Compute,
            service: "ECS Fargate (blueprint_secure_service)",
        }],
        own_security_group: true,
    },
    Composite {
        ty: "blueprint_state_backend",
        parts: &[
            Part {
                suffix: "bucket",
                ty: "aws_s3_bucket",
                kind: Kind::ApiStore,
                service: "S3 state (blueprint_state_backend)",
            },
            Part {
                suffix: "lock_table",
                ty: "aws_dynamodb_table",
                kind: Kind::ApiStore,
                service: "DynamoDB lock (blueprint_state_backend)",
            },
        ],
        own_security_group: false,
    },
];

/// The composite of type `ty`, if it is one.
pub fn composite(ty: &str) -> Option<&'static Composite> {
    COMPOSITES.iter().find(|c| c.ty == ty)
}

/// Node id of a composite's part.
pub fn part_id(address: &str, part: &Part) -> String {
    if part.suffix.is_empty() {
        address.to_string()
    } else {
        format!("{address}.{}", part.suffix)
    }
}

/// Id of the security group a composite creates for itself.
pub fn own_group_id(address: &str) -> String {
    format!("{address}.security_group")
}

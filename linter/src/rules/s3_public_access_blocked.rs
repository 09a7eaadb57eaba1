//! `s3-public-access-blocked`: S3 public access blocks keep all four settings on, and buckets
//! are not given public ACLs.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};

/// The rule.
pub struct S3PublicAccessBlocked;

static META: RuleMeta = RuleMeta {
    id: "s3-public-access-blocked",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Private subnets for compute and database",
    },
    description: "`aws_s3_bucket_public_access_block` keeps `block_public_acls`, `block_public_policy`, `ignore_public_acls` and `restrict_public_buckets` on, and no bucket ACL is public.",
    fix: "Set the four settings to `true`; serve public content through CloudFront with origin access control instead of public buckets.",
    checkov: &["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_20"],
    trivy: &["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0092"],
    prod_only: false,
};

const SETTINGS: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

impl Rule for S3PublicAccessBlocked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_s3_bucket_public_access_block"]) {
            for s in SETTINGS {
                let v = r.attributes.get(s);
                if v.is_null() || v.as_bool() == Some(false) {
                    out.push(ctx.finding(
                        &META,
                        r,
                        crate::path![*s],
                        format!("`{s}` is not `true`"),
                    ));
                }
            }
        }
        for r in ctx.model.of_types(&["aws_s3_bucket_acl", "aws_s3_bucket"]) {
            if let Some(acl) = r.attributes.get("acl").as_str() {
                if matches!(
                    acl,
                    "public-read" | "public-read-write" | "authenticated-read"
                ) {
                    out.push(ctx.finding(
                        &META,
                        r,
                        crate::path!["acl"],
                        format!("bucket ACL `{acl}` is public"),
                    ));
                }
            }
        }
        out
    }
}

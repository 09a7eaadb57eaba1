//! `s3-public-access-blocked`: S3 public access blocks keep all four settings on, and buckets
//! are not given public ACLs.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct S3PublicAccessBlocked;

static META: RuleMeta = RuleMeta {
    id: "s3-public-access-blocked",
    title: "S3 buckets block public access",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Private subnets for compute and database",
    },
    description: "`aws_s3_bucket_public_access_block` keeps `block_public_acls`, `block_public_policy`, `ignore_public_acls` and `restrict_public_buckets` on, and no bucket ACL is public.",
    fix: "Set the four settings to `true`; serve public content through CloudFront with origin access control instead of public buckets.",
    checkov: &["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_20"],
    trivy: &["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0092"],
    checks: r##"`aws_s3_bucket_public_access_block` with any of `block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets` not `true`, and `aws_s3_bucket_acl` (or a legacy `aws_s3_bucket.acl`) set to `public-read`, `public-read-write` or `authenticated-read`; and ACL grants to the `AllUsers` or `AuthenticatedUsers` groups, written as `aws_s3_bucket_acl.access_control_policy` grants (reported at the grantee's `uri`) or as a legacy `aws_s3_bucket.grant` block."##,
    notes: r##"A bucket without a public access block resource is not reported: since April 2023 new buckets block public access by default."##,
    reads: &["aws_s3_bucket", "aws_s3_bucket_acl", "aws_s3_bucket_public_access_block"],
    prod_only: false,
};

const SETTINGS: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// The public group an ACL grantee URI names: everyone, or every AWS account.
fn public_group(uri: &Value) -> Option<&'static str> {
    let uri = uri.as_str()?.trim_end_matches('/');
    if uri.ends_with("/groups/global/AllUsers") {
        Some("everyone (AllUsers)")
    } else if uri.ends_with("/groups/global/AuthenticatedUsers") {
        Some("every AWS account (AuthenticatedUsers)")
    } else {
        None
    }
}

fn permission(v: &Value) -> String {
    match v {
        Value::String(p) => format!("`{p}`"),
        Value::List(l) if !l.is_empty() => {
            let names: Vec<String> = l
                .iter()
                .map(|p| p.as_str().unwrap_or("?").to_string())
                .collect();
            format!("`{}`", names.join("`, `"))
        }
        _ => "access".to_string(),
    }
}

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
            // aws_s3_bucket_acl: access_control_policy { grant { grantee { type, uri } } }
            for (i, policy) in r.attributes.blocks("access_control_policy") {
                for (j, grant) in policy.blocks("grant") {
                    for (k, grantee) in grant.blocks("grantee") {
                        if let Some(group) = public_group(grantee.get("uri")) {
                            out.push(ctx.finding(
                                &META,
                                r,
                                crate::path![
                                    "access_control_policy",
                                    i,
                                    "grant",
                                    j,
                                    "grantee",
                                    k,
                                    "uri"
                                ],
                                format!(
                                    "ACL grants {} to {group}",
                                    permission(grant.get("permission"))
                                ),
                            ));
                        }
                    }
                }
            }
            // aws_s3_bucket (AWS provider < 4): grant { type, uri, permissions }
            if r.resource_type == "aws_s3_bucket" {
                for (i, grant) in r.attributes.blocks("grant") {
                    if let Some(group) = public_group(grant.get("uri")) {
                        out.push(ctx.finding(
                            &META,
                            r,
                            crate::path!["grant", i, "uri"],
                            format!(
                                "ACL grants {} to {group}",
                                permission(grant.get("permissions"))
                            ),
                        ));
                    }
                }
            }
        }
        out
    }
}

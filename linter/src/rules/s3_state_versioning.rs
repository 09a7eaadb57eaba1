//! `s3-state-versioning`: the S3 bucket that holds Terraform state has versioning enabled.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::{Mode, Resource};

/// The rule.
pub struct S3StateVersioning;

static META: RuleMeta = RuleMeta {
    id: "s3-state-versioning",
    title: "The state bucket is versioned",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "- Versioning: Enabled",
    },
    description: "An S3 bucket that holds Terraform state (named by a `backend \"s3\"` block, or whose name contains `terraform-state` or `tfstate`) has an `aws_s3_bucket_versioning` with `status = \"Enabled\"`.",
    fix: "Add `resource \"aws_s3_bucket_versioning\"` with `bucket = aws_s3_bucket.<state>.id` and `versioning_configuration { status = \"Enabled\" }`.",
    checkov: &["CKV_AWS_21"],
    trivy: &["AVD-AWS-0090"],
    checks: r##"An `aws_s3_bucket` that holds Terraform state (its `bucket` is the one named in a `backend "s3"` block of the same tree, or contains `terraform-state` or `tfstate`) without an `aws_s3_bucket_versioning` (matched by reference or by name) whose status is `Enabled`, and without a legacy `versioning { enabled = true }` block. A versioning resource with `status = "Suspended"` is reported at the status."##,
    notes: "",
    reads: &["aws_s3_bucket", "aws_s3_bucket_versioning"],
    prod_only: false,
};

fn is_state_bucket(b: &Resource, backend_buckets: &[String]) -> bool {
    match b.attributes.get("bucket").as_str() {
        Some(name) => {
            backend_buckets.iter().any(|n| n == name)
                || name.contains("terraform-state")
                || name.contains("tfstate")
        }
        None => false,
    }
}

impl Rule for S3StateVersioning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let m = ctx.model;
        let backend_buckets: Vec<String> = m
            .resources
            .iter()
            .filter(|r| r.mode == Mode::Backend && r.resource_type == "s3")
            .filter_map(|r| r.attributes.get("bucket").as_str().map(str::to_string))
            .collect();
        let versionings: Vec<&Resource> = m.of_types(&["aws_s3_bucket_versioning"]).collect();
        let mut out = Vec::new();
        for b in m.of_types(&["aws_s3_bucket"]) {
            if !is_state_bucket(b, &backend_buckets) {
                continue;
            }
            // Legacy inline `versioning { enabled = true }`.
            if b.attributes
                .blocks("versioning")
                .iter()
                .any(|(_, v)| v.get("enabled").as_bool() != Some(false))
            {
                continue;
            }
            let mut status = None;
            let mut unknown_target = false;
            for v in &versionings {
                let target = v.attributes.get("bucket");
                let points_here = match target.as_reference().and_then(|r| m.resolve(r)) {
                    Some(res) => res.address == b.address,
                    None => match target.as_str() {
                        Some(name) => Some(name) == b.attributes.get("bucket").as_str(),
                        None => {
                            unknown_target = true;
                            false
                        }
                    },
                };
                if points_here {
                    let st = v
                        .attributes
                        .blocks("versioning_configuration")
                        .first()
                        .map(|(_, c)| c.get("status").clone());
                    status = Some((v, st));
                }
            }
            match status {
                Some((v, Some(st))) if st.as_str().is_some_and(|s| s != "Enabled") => {
                    out.push(ctx.finding(
                        &META,
                        v,
                        crate::path!["versioning_configuration", 0, "status"],
                        format!(
                            "state bucket `{}` has versioning `{}`",
                            b.address,
                            st.as_str().unwrap_or("")
                        ),
                    ));
                }
                Some(_) => {}
                None if !unknown_target => out.push(ctx.finding(
                    &META,
                    b,
                    Vec::new(),
                    "state bucket has no versioning: a bad apply cannot be rolled back".to_string(),
                )),
                None => {}
            }
        }
        out
    }
}

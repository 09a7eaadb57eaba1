//! `s3-trigger-whole-bucket`: a function is not invoked by every object created in a bucket.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct S3TriggerWholeBucket;

static META: RuleMeta = RuleMeta {
    id: "s3-trigger-whole-bucket",
    title: "Functions are triggered by a prefix or a suffix, not by a whole bucket",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "004_e0bb8ff4d03391d2.txt",
        quote: "permiten la activación automatica cuando lleguen nuevos archivos a S3",
    },
    description: "An S3 notification invokes a Lambda function for every object created in the bucket, with no prefix or suffix filter.",
    fix: "Give the trigger a `prefix` (e.g. `incoming/`) and, where the files have one, a `suffix` (e.g. `.csv`): the function then runs for the files it is meant for, not for every object anything writes to the bucket (its own output, other stages', logs, markers).",
    checkov: &[],
    trivy: &[],
    checks: r##"`aws_s3_bucket_notification` whose `lambda_function` blocks have neither `filter_prefix` nor `filter_suffix` (null or empty) for an `s3:ObjectCreated` event (or any event). `blueprint_data_pipeline` is checked as what it builds: a `stage`'s `trigger = { bucket = ..., prefix = "", suffix = "" }` is such a notification, reported on `stage[i].trigger` at `terraform plan`. Unknown filters are not reported.

A warning: a whole-bucket trigger is not a cycle (the pipeline refuses those at plan), but every object another writer puts in the bucket now runs and bills the function, and one later `writes` edge into that bucket makes it a loop."##,
    notes: r##"Neither Checkov nor Trivy checks notification filters."##,
    reads: &["aws_s3_bucket_notification"],
    prod_only: false,
};

fn empty(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(true),
        v => v.as_str().map(str::is_empty),
    }
}

impl Rule for S3TriggerWholeBucket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for n in ctx.model.of_types(&["aws_s3_bucket_notification"]) {
            for (i, f) in n.attributes.blocks("lambda_function") {
                let whole = empty(f.get("filter_prefix")) == Some(true)
                    && empty(f.get("filter_suffix")) == Some(true);
                if whole {
                    out.push(ctx.finding(
                        &META,
                        n,
                        crate::path!["lambda_function", i],
                        "every object created in the bucket invokes the function".to_string(),
                    ));
                }
            }
        }
        out
    }
}

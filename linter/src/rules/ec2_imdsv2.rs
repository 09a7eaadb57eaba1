//! `ec2-imdsv2`: instances and launch templates require IMDSv2 session tokens.

use super::support::{launch_template, LaunchTemplate};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct Ec2Imdsv2;

static META: RuleMeta = RuleMeta {
    id: "ec2-imdsv2",
    title: "EC2 requires IMDSv2",
    severity: Severity::Warning,
    seed: SeedRef {
        file: "000_d9fe8049713b8c54.txt",
        quote: "Principle of Least Privilege",
    },
    description: "EC2 instances and launch templates set `metadata_options { http_tokens = \"required\" }`, so an SSRF in the workload cannot read the instance role's credentials through IMDSv1.",
    fix: "Add `metadata_options { http_tokens = \"required\" }`.",
    checkov: &["CKV_AWS_79"],
    trivy: &["AVD-AWS-0028", "AVD-AWS-0130"],
    checks: r##"`aws_instance` and `aws_launch_template` without `metadata_options { http_tokens = "required" }` (or with the metadata endpoint disabled). With IMDSv1, an SSRF in the workload reads the instance role's credentials, which defeats the least-privilege role of seed 000.

An instance without its own `metadata_options` that names a launch template (`launch_template { id | name }`) takes the template's settings: a template of the configuration is checked (and reported) on its own, and one the configuration cannot follow (an id from a variable or a data source) is unknown, so the instance is not reported. An Auto Scaling group has no metadata settings of its own; its template is checked where it is declared."##,
    notes: "",
    reads: &["aws_instance", "aws_launch_template"],
    prod_only: false,
};

impl Rule for Ec2Imdsv2 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_instance", "aws_launch_template"]) {
            let opts = r.attributes.blocks("metadata_options");
            let (path, ok) = match opts.first() {
                // An instance without its own metadata_options takes the launch template's: a
                // template in the configuration is checked on its own, and one that cannot be
                // followed is unknown.
                None if r.resource_type == "aws_instance"
                    && !matches!(
                        launch_template(ctx.model, &r.attributes),
                        LaunchTemplate::None
                    ) =>
                {
                    continue
                }
                None => (crate::path!["metadata_options"], Some(false)),
                Some((i, m)) => {
                    let tokens = m.get("http_tokens");
                    let endpoint = m.get("http_endpoint");
                    let ok = if endpoint.as_str() == Some("disabled")
                        || tokens.as_str() == Some("required")
                    {
                        Some(true)
                    } else if tokens.is_unknown() || endpoint.is_unknown() {
                        None
                    } else {
                        Some(
                            matches!(tokens, Value::String(_))
                                && tokens.as_str() == Some("required"),
                        )
                    };
                    (crate::path!["metadata_options", *i, "http_tokens"], ok)
                }
            };
            if ok == Some(false) {
                out.push(ctx.finding(
                    &META,
                    r,
                    path,
                    "instance metadata accepts IMDSv1 requests without a session token".to_string(),
                ));
            }
        }
        out
    }
}

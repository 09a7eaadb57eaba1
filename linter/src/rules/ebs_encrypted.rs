//! `ebs-encrypted`: EBS volumes, and the block devices of instances and launch templates, are
//! encrypted.

use super::support::{launch_template, LaunchTemplate};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, PathStep, Severity};
use crate::model::Value;

/// The rule.
pub struct EbsEncrypted;

static META: RuleMeta = RuleMeta {
    id: "ebs-encrypted",
    title: "EBS volumes are encrypted",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption at rest: RDS, S3, DynamoDB, SQS, SNS",
    },
    description: "EBS volumes and the block devices declared on instances and launch templates set `encrypted = true`.",
    fix: "Set `encrypted = true` (and `kms_key_id` for a customer-managed key), or turn on EBS encryption by default with `aws_ebs_encryption_by_default`.",
    checkov: &["CKV_AWS_3", "CKV_AWS_8"],
    trivy: &["AVD-AWS-0026", "AVD-AWS-0131"],
    checks: r##"`aws_ebs_volume` without `encrypted = true` (unless created from a snapshot), and explicitly declared `root_block_device`/`ebs_block_device` of `aws_instance` and `block_device_mappings.ebs` of `aws_launch_template` without `encrypted = true`. Nothing is reported when the configuration turns on `aws_ebs_encryption_by_default`.

A device of an instance that leaves `encrypted` out while the instance names a launch template takes the template's setting: it is not reported when the template maps an encrypted (or unknown) device of the same `device_name` (any device, for the root, whose name the AMI decides), or when the template cannot be followed."##,
    notes: r##"An instance with no `root_block_device` block is not reported: its encryption depends on the account's default, which the code cannot show."##,
    reads: &["aws_ebs_encryption_by_default", "aws_ebs_volume", "aws_instance", "aws_launch_template"],
    prod_only: false,
};

fn unencrypted(v: &Value) -> bool {
    v.is_null() || v.as_bool() == Some(false)
}

/// Whether a block device without `encrypted` of an instance may take encryption from the
/// instance's launch template: the template cannot be followed, or it maps a device (the same
/// `device_name`, or any for the root device, whose name depends on the AMI) that is encrypted
/// or unknown.
fn inherits_encryption(template: LaunchTemplate<'_>, device: &Value) -> bool {
    let t = match template {
        LaunchTemplate::None => return false,
        LaunchTemplate::Unknown => return true,
        LaunchTemplate::Found(t) => t,
    };
    let name = device.get("device_name");
    t.attributes
        .blocks("block_device_mappings")
        .into_iter()
        .filter(|(_, m)| name.is_null() || m.get("device_name") == name)
        .flat_map(|(_, m)| m.blocks("ebs"))
        .any(|(_, ebs)| {
            let e = ebs.get("encrypted");
            e.as_bool() == Some(true) || e.is_unknown() || e.as_reference().is_some()
        })
}

impl Rule for EbsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        // Account-wide default encryption makes every volume encrypted.
        if ctx
            .model
            .of_types(&["aws_ebs_encryption_by_default"])
            .any(|r| r.attributes.get("enabled").as_bool() != Some(false))
        {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut flag = |r, path: Vec<PathStep>, what: &str| {
            out.push(ctx.finding(&META, r, path, format!("{what} is not encrypted")));
        };
        for r in ctx.model.of_types(&["aws_ebs_volume"]) {
            if r.attributes.get("snapshot_id").is_null()
                && unencrypted(r.attributes.get("encrypted"))
            {
                flag(r, crate::path!["encrypted"], "volume");
            }
        }
        for r in ctx.model.of_types(&["aws_instance"]) {
            let template = launch_template(ctx.model, &r.attributes);
            for name in ["root_block_device", "ebs_block_device"] {
                for (i, b) in r.attributes.blocks(name) {
                    // `encrypted` left out on the instance comes from its launch template.
                    if b.get("encrypted").is_null() && inherits_encryption(template, b) {
                        continue;
                    }
                    if unencrypted(b.get("encrypted")) && b.get("snapshot_id").is_null() {
                        flag(r, crate::path![name, i, "encrypted"], name);
                    }
                }
            }
        }
        for r in ctx.model.of_types(&["aws_launch_template"]) {
            for (i, m) in r.attributes.blocks("block_device_mappings") {
                for (j, ebs) in m.blocks("ebs") {
                    if unencrypted(ebs.get("encrypted")) && ebs.get("snapshot_id").is_null() {
                        flag(
                            r,
                            crate::path!["block_device_mappings", i, "ebs", j, "encrypted"],
                            "block device mapping",
                        );
                    }
                }
            }
        }
        out
    }
}

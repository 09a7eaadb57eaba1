//! Render the `backend "s3"` block that Terraform 1.0 accepts, and its `-backend-config` form.
//!
//! Terraform 1.0's S3 backend spells endpoint overrides `endpoint`, `dynamodb_endpoint`,
//! `sts_endpoint`, `iam_endpoint` and path style `force_path_style` (the `endpoints {}` block and
//! `use_path_style` came with 1.6 and would be rejected).

use std::collections::BTreeMap;

/// What goes into the backend block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendSettings<'a> {
    /// State bucket.
    pub bucket: &'a str,
    /// Object key of the state.
    pub key: &'a str,
    /// Region.
    pub region: &'a str,
    /// Lock table.
    pub dynamodb_table: &'a str,
    /// KMS key for SSE-KMS, if any.
    pub kms_key_id: Option<&'a str>,
    /// The provider's endpoint overrides, by service name.
    pub endpoints: &'a BTreeMap<String, String>,
    /// Path-style S3.
    pub force_path_style: bool,
}

impl BackendSettings<'_> {
    /// `(key, value)` pairs in a stable order; values are already HCL literals.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = vec![
            ("bucket", q(self.bucket)),
            ("key", q(self.key)),
            ("region", q(self.region)),
            ("dynamodb_table", q(self.dynamodb_table)),
            ("encrypt", "true".to_string()),
        ];
        if let Some(k) = self.kms_key_id {
            out.push(("kms_key_id", q(k)));
        }
        for (service, name) in [
            ("s3", "endpoint"),
            ("dynamodb", "dynamodb_endpoint"),
            ("sts", "sts_endpoint"),
            ("iam", "iam_endpoint"),
        ] {
            if let Some(url) = self.endpoints.get(service) {
                out.push((name, q(url)));
            }
        }
        if self.force_path_style {
            out.push(("force_path_style", "true".to_string()));
        }
        out
    }

    /// The `terraform { backend "s3" { ... } }` block.
    pub fn render_block(&self) -> String {
        let pairs = self.pairs();
        let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = String::from("terraform {\n  backend \"s3\" {\n");
        for (k, v) in pairs {
            out.push_str(&format!("    {k:<width$} = {v}\n"));
        }
        out.push_str("  }\n}\n");
        out
    }

    /// `key=value` strings for `terraform init -backend-config=...` (values unquoted).
    pub fn render_args(&self) -> Vec<String> {
        self.pairs()
            .into_iter()
            .map(|(k, v)| {
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .map(str::to_string)
                    .unwrap_or(v);
                format!("{k}={v}")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_aws_block() {
        let endpoints = BTreeMap::new();
        let s = BackendSettings {
            bucket: "senas-tfstate",
            key: "prod/terraform.tfstate",
            region: "us-east-2",
            dynamodb_table: "senas-tfstate-lock",
            kms_key_id: None,
            endpoints: &endpoints,
            force_path_style: false,
        };
        insta::assert_snapshot!(s.render_block());
        insta::assert_debug_snapshot!(s.render_args());
    }

    #[test]
    fn endpoint_overrides_use_terraform_1_0_names() {
        let mut endpoints = BTreeMap::new();
        for svc in ["s3", "dynamodb", "sts", "iam", "ec2"] {
            endpoints.insert(svc.to_string(), "http://127.0.0.1:5000".to_string());
        }
        let s = BackendSettings {
            bucket: "b-state",
            key: "terraform.tfstate",
            region: "us-east-1",
            dynamodb_table: "b-state-lock",
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/abc"),
            endpoints: &endpoints,
            force_path_style: true,
        };
        insta::assert_snapshot!(s.render_block());
    }
}

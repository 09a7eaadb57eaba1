//! `blueprint_state_backend`, declared.

use std::sync::OnceLock;

use super::naming;
use crate::declare::{Attr, Check, Child, Declaration, Default, Type};

fn bucket_name(b: &str) -> Result<(), String> {
    match naming::bucket_name_problem(b) {
        Some(problem) => Err(format!("bucket \"{b}\" {problem}.")),
        None => Ok(()),
    }
}

fn table_name(t: &str) -> Result<(), String> {
    match naming::table_name_problem(t) {
        Some(problem) => Err(format!("lock_table \"{t}\" {problem}.")),
        None => Ok(()),
    }
}

fn state_key(k: &str) -> Result<(), String> {
    if k.is_empty() || k.starts_with('/') || k.len() > 1024 {
        Err(format!(
            "state_key \"{k}\" must be a non-empty object key of at most 1024 bytes, not starting with '/'."
        ))
    } else {
        Ok(())
    }
}

const NOTES: &str = r#"
`backend_config` renders a block that Terraform 1.0 and newer accept:

```hcl
terraform {
  backend "s3" {
    bucket         = "senas-tfstate-prod"
    key            = "terraform.tfstate"
    region         = "us-east-2"
    dynamodb_table = "senas-tfstate-prod-lock"
    encrypt        = true
  }
}
```

With endpoint overrides in the provider block it adds `endpoint`, `dynamodb_endpoint`,
`sts_endpoint`, `iam_endpoint` and `force_path_style` (Terraform 1.0's names; 1.6 renamed them).
`backend_config_args` holds the same settings as `key=value` strings for
`terraform init -backend-config=...`.

## Always on (not optional)

| setting | how |
| --- | --- |
| versioning | `Enabled`; suspending it out of band shows as an in-place repair in the next plan |
| default encryption | SSE-S3 (AES-256), or SSE-KMS with `kms_key_arn`; the table is encrypted too |
| public access block | all four settings on |
| TLS only | a bucket policy denying requests with `aws:SecureTransport = false`. Not applied when the provider reaches S3 over plain `http://` (a local emulator), where it would deny every request: plan says so with a warning |
| lock table | hash key `LockID` (string), `PAY_PER_REQUEST` |

The observed values are the computed attributes `versioning`, `sse_algorithm`,
`public_access_blocked` and `tls_only_policy`; the plan sets them to what the resource guarantees,
so any drift becomes an update that re-applies every setting.

## Lifecycle

- **Create**: bucket and table are created concurrently. Each is recorded in state as soon as it
  exists: if a step fails, Terraform keeps the partial (tainted) resource and the next `apply` or
  `destroy` finishes the job. Eventual consistency (a bucket not yet visible) is retried within
  `timeouts.create`.
- **Read**: a missing bucket and table remove the resource from state; when only one of them is
  missing (deleted out of band, or a create that failed half-way) the resource stays, and the next
  apply re-creates the missing part (or destroy deletes the remaining one).
- **Delete**: checks first that the bucket may go (empty or `force_destroy`), then the table, then
  the bucket. On error the resource stays in state.
- **Import**: `BUCKET,TABLE`, or just `BUCKET` for the default table name.

Example: [`terraform/examples/state-backend`](../../terraform/examples/state-backend/main.tf).
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_state_backend",
        version: 1,
        description: "The Terraform state bucket and lock table of seed 001 (\"TERRAFORM STATE MANAGEMENT\"), as one resource that cannot be made unsafe by accident: always versioned, encrypted, private, TLS-only and locked.",
        attrs: vec![
            Attr::string("id", "The bucket name.").computed(),
            Attr::string("bucket", "Name of the state bucket.")
                .required().replaces().check(Check::Custom { describe: "S3 bucket naming rules", check: bucket_name }),
            Attr::string("lock_table", "Name of the lock table.")
                .default(Default::Derived("`BUCKET-lock`")).replaces()
                .check(Check::Custom { describe: "DynamoDB table naming rules", check: table_name }),
            Attr::string("state_key", "Object key written into `backend_config`.")
                .default(Default::String("terraform.tfstate"))
                .check(Check::Custom { describe: "object key, not starting with `/`", check: state_key }),
            Attr::string("kms_key_arn", "KMS key for SSE-KMS on the bucket and the table; default SSE-S3 (AES-256).")
                .check(Check::Arn { service: "kms", prefix: "key/", wanted: "a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)" }),
            Attr::bool("force_destroy", "Delete every object version and delete marker with the bucket (without it, a bucket holding objects is not deleted: destroy fails naming the bucket and deletes nothing).")
                .default(Default::Bool(false)),
            Attr::number("noncurrent_version_expiration_days", "Expire noncurrent state versions after this many days (default: keep them).")
                .check(Check::Range(1, 2_147_483_647)),
            Attr::bool("point_in_time_recovery", "Point-in-time recovery on the lock table.")
                .default(Default::Bool(true)),
            Attr::string_map("tags", "Tags of the bucket and the table.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; the bucket and the table carry exactly these.").computed(),
            Attr::string("bucket_arn", "ARN of the bucket.").computed(),
            Attr::string("lock_table_arn", "ARN of the lock table.").computed(),
            Attr::string("region", "Region of the bucket and the table.").computed(),
            Attr::string("backend_config", "A `terraform { backend \"s3\" { ... } }` block for Terraform 1.0 and newer, with the provider's endpoint overrides.").computed(),
            Attr::of("backend_config_args", Type::strings(), "The same settings as `key=value` strings for `terraform init -backend-config=...`.").computed(),
            Attr::string("versioning", "Observed bucket versioning (always repaired to `Enabled`).").computed(),
            Attr::string("sse_algorithm", "Observed default encryption (`AES256` or `aws:kms`).").computed(),
            Attr::bool("public_access_blocked", "Whether all four public-access-block settings are on (always repaired).").computed(),
            Attr::bool("tls_only_policy", "Whether the bucket policy denies non-TLS requests (always repaired).").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("bucket", "aws_s3_bucket", "bucket_arn")
                .how("versioned, encrypted, public access blocked, TLS-only policy, optional noncurrent-version expiry"),
            Child::new("lock_table", "aws_dynamodb_table", "lock_table_arn")
                .how("hash key `LockID`, on demand, encrypted, point-in-time recovery"),
        ],
        import_id: "BUCKET[,TABLE]",
        example: r#"resource "blueprint_state_backend" "this" {
  bucket                             = "senas-tfstate-prod"
  noncurrent_version_expiration_days = 90
}

output "backend_config" {
  value = blueprint_state_backend.this.backend_config
}"#,
        notes: NOTES,
    })
}

//! `blueprint_state_backend`, declared.

use std::sync::OnceLock;

mod expand;
pub mod naming;
pub mod syntax;

use crate::{Attr, Check, Child, Declaration, Default, Type};
use syntax::{Locking, TfVersion};

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

fn terraform_version(v: &str) -> Result<(), String> {
    TfVersion::parse(v).map(|_| ())
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
`backend_config` renders the block in the syntax of `terraform_version` (Terraform 1.11 here,
`locking` left at its default):

```hcl
terraform {
  backend "s3" {
    bucket       = "senas-tfstate-prod"
    key          = "terraform.tfstate"
    region       = "us-east-2"
    use_lockfile = true
    encrypt      = true
  }
}
```

`backend_config_args` holds the same settings as `key=value` strings for
`terraform init -backend-config=...` (the `endpoints` object as an HCL object expression, which
is how the CLI reads a non-string setting).

## Terraform versions and locking

Each Terraform version rejects or warns about the other versions' names, so the block is
written for one version:

| `terraform_version` | endpoint overrides (from the provider block) | path style | `locking` offered (default first) |
| --- | --- | --- | --- |
| 1.0 – 1.5 | `endpoint`, `dynamodb_endpoint`, `sts_endpoint`, `iam_endpoint` | `force_path_style` | `dynamodb` |
| 1.6 – 1.9 | `endpoints = { s3, dynamodb, sts, iam }` | `use_path_style` | `dynamodb` |
| 1.10 and newer | same | same | `lockfile`, `dynamodb`, `both` |

- `lockfile` renders `use_lockfile = true`: Terraform locks with a `.tflock` object next to the
  state, written with S3 conditional writes. No table is created (`lock_table` and
  `lock_table_arn` are null), and nothing renders `dynamodb_table`, which Terraform 1.11
  deprecates.
- `dynamodb` renders `dynamodb_table` and creates the table (Terraform 1.11 warns that the
  setting is deprecated, but honours it).
- `both` renders both and keeps the table: the way to move a team from the table to lock files
  while some members still run Terraform older than 1.10.

**Defaults.** A new resource is written for the Terraform that creates it (the provider protocol
tells the provider its version), and on 1.10 or newer it locks with the lock file: a team on
today's Terraform gets no table it does not need and no deprecation warning. Both values are
then kept: an existing resource never changes because someone ran a newer Terraform; set
`terraform_version` to move the block to a newer syntax. A state written before these
attributes existed keeps Terraform 1.0 syntax and the table.

**Changing `locking`** is done in place: moving to `dynamodb` or `both` creates the table,
moving to `lockfile` deletes it (after the users of the backend have re-run `terraform init`
with the new block, since a Terraform still configured with `dynamodb_table` fails to lock once
the table is gone). Only renaming an existing table (`lock_table`) replaces the resource.
`lockfile` or `both` with a `terraform_version` below 1.10 fails the plan on `locking`;
`lock_table` with `locking = "lockfile"` fails it on `lock_table`.

## Always on (not optional)

| setting | how |
| --- | --- |
| versioning | `Enabled`; suspending it out of band shows as an in-place repair in the next plan |
| default encryption | SSE-S3 (AES-256), or SSE-KMS with `kms_key_arn`; the table is encrypted too |
| public access block | all four settings on |
| object ownership | `BucketOwnerEnforced` (ACLs off) |
| TLS only | a bucket policy denying requests with `aws:SecureTransport = false`. Not applied when the provider reaches S3 over plain `http://` (a local emulator), where it would deny every request: plan says so with a warning |
| lock table | hash key `LockID` (string), `PAY_PER_REQUEST` |

The observed values are the computed attributes `versioning`, `sse_algorithm`,
`public_access_blocked` and `tls_only_policy`; the plan sets them to what the resource guarantees,
so any drift becomes an update that writes every setting found different.

## Lifecycle

- **Create**: the table (with DynamoDB locking), then the bucket. Each is recorded in state as soon
  as it exists: if a step fails, Terraform keeps the partial (tainted) resource and the next `apply` or
  `destroy` finishes the job. Eventual consistency (a bucket not yet visible) is retried within
  `timeouts.create`.
- **Read**: a missing bucket and table remove the resource from state; when only one of them is
  missing (deleted out of band, or a create that failed half-way) the resource stays, and the next
  apply re-creates the missing part (or destroy deletes the remaining one).
- **Delete**: the bucket first, after checking that it may go (empty or `force_destroy`; if not,
  nothing is deleted), then the table. On error the resource stays in state.
- **Ownership**: the bucket and the table carry `blueprint:owner = blueprint_state_backend/BUCKET`.
  A create that finds a bucket or table of its name adopts it when it carries that tag (an earlier
  create was interrupted before its state was saved) and otherwise fails naming it and how to
  import it; the tag is not part of `tags` or `tags_all`.
- **Import**: `BUCKET,TABLE`, or just `BUCKET` for the default table name; a bucket without
  that table imports with `locking = "lockfile"` (Terraform 1.10 or newer). While
  `force_destroy` is true the bucket carries `blueprint:force-destroy = true`, which import
  reads back.

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
            Attr::string("terraform_version", "The Terraform version the backend block is written for (`MAJOR.MINOR[.PATCH]`): it picks the settings' names and which `locking` modes exist. Kept once chosen, so upgrading Terraform changes nothing until you set it.")
                .optional_computed()
                .default(Default::Derived("the running Terraform's version (the provider protocol tells it), else `\"1.0\"`"))
                .check(Check::Custom { describe: "`MAJOR.MINOR[.PATCH]`, 1.0 or newer", check: terraform_version }),
            Attr::string("locking", "How Terraform locks the state: `lockfile` (a `.tflock` object in the bucket, `use_lockfile`), `dynamodb` (the lock table) or `both` (the migration path). `lockfile` and `both` need `terraform_version` 1.10 or newer. Changing it creates or deletes the table in place.")
                .optional_computed()
                .default(Default::Derived("`\"lockfile\"` when `terraform_version` is 1.10 or newer, else `\"dynamodb\"`"))
                .check(Check::OneOf(Locking::NAMES)),
            // Not declared `replaces`: the table coming or going with `locking` is done in place;
            // plan_update asks for a replacement when an existing table is renamed.
            Attr::string("lock_table", "Name of the lock table (only when `locking` uses DynamoDB; null otherwise). Renaming an existing table replaces the resource; the table coming or going with `locking` does not.")
                .optional_computed().default(Default::Derived("`BUCKET-lock` when `locking` uses DynamoDB"))
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
            Attr::string("backend_config", "A `terraform { backend \"s3\" { ... } }` block in `terraform_version`'s syntax, with the provider's endpoint overrides.").computed(),
            Attr::of("backend_config_args", Type::strings(), "The same settings as `key=value` strings for `terraform init -backend-config=...`.").computed(),
            Attr::string("versioning", "Observed bucket versioning (always repaired to `Enabled`).").computed(),
            Attr::string("sse_algorithm", "Observed default encryption (`AES256` or `aws:kms`).").computed(),
            Attr::bool("public_access_blocked", "Whether all four public-access-block settings are on (always repaired).").computed(),
            Attr::bool("tls_only_policy", "Whether the bucket policy denies non-TLS requests (always repaired).").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("lock_table", "aws_dynamodb_table", "lock_table_arn")
                .aws_id("{lock_table}")
                .optional()
                .how("hash key `LockID`, on demand, encrypted, point-in-time recovery; only with `locking` = `dynamodb` or `both`"),
            Child::new("bucket", "aws_s3_bucket", "bucket_arn")
                .aws_id("{bucket}")
                .after(&["lock_table"])
                .how("versioned, encrypted, public access blocked, ACLs off, TLS-only policy, optional noncurrent-version expiry; destroyed before the table, and not at all while it holds state without `force_destroy`"),
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
        expand: expand::expand,
    })
}

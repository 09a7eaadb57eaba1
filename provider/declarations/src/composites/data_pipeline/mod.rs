//! `blueprint_data_pipeline`, declared: seed 004's data pipeline (buckets for raw, clean and
//! model data; Lambda stages triggered when files land), whose permissions are derived from its
//! wiring ([`flow`]).

use std::sync::OnceLock;

pub mod expand;
pub mod flow;

use crate::composites::secure_service::RETENTION_DAYS;
use crate::{Attr, Block, Check, Child, Declaration, Default, Nesting, Type};

/// Longest pipeline name: `NAME-SUFFIX` must be a bucket name (63) and `NAME-STAGE-dlq` a queue
/// name; stage functions and roles are `NAME-STAGE` (64).
pub const MAX_NAME_LEN: usize = 24;
/// Longest bucket suffix or stage name.
pub const MAX_PART_LEN: usize = 32;

/// Runtimes Lambda offers for new functions.
pub const RUNTIMES: &[&str] = &[
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "java17",
    "java21",
    "dotnet8",
    "ruby3.3",
    "provided.al2",
    "provided.al2023",
];

/// Lambda's limit on a function's environment: names and values together, 4 KB.
pub const LAMBDA_ENV_BYTES: usize = 4096;

/// Words that make an environment variable's name look like a secret (the shared detector's).
pub use crate::secrets::SECRET_WORDS;

fn lower_name(n: &str, max: usize) -> bool {
    !n.is_empty()
        && n.len() <= max
        && !n.starts_with('-')
        && !n.ends_with('-')
        && !n.contains("--")
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Why `n` is not a pipeline name.
pub fn check_name(n: &str) -> Result<(), String> {
    if lower_name(n, MAX_NAME_LEN) && n.len() >= 3 {
        // It starts every bucket's name (`NAME-SUFFIX`).
        match crate::composites::state_backend::naming::reserved_bucket_affix(&format!("{n}-x")) {
            Some(why) => Err(format!("\"{n}\" starts every bucket's name, which {why}.")),
            None => Ok(()),
        }
    } else {
        Err(format!("\"{n}\" must be 3 to {MAX_NAME_LEN} lowercase letters, digits or single '-', not starting or ending with '-' (it prefixes every bucket, function, role and queue)."))
    }
}

/// Why `n` is not a bucket suffix: a part name that does not end the bucket's name
/// (`NAME-SUFFIX`) with a suffix S3 reserves (`s3alias`).
fn bucket_suffix(n: &str) -> Result<(), String> {
    part_name(n)?;
    match crate::composites::state_backend::naming::reserved_bucket_affix(&format!("x-{n}")) {
        Some(why) => Err(format!(
            "\"{n}\" ends the bucket's name (`NAME-{n}`), which {why}."
        )),
        None => Ok(()),
    }
}

fn part_name(n: &str) -> Result<(), String> {
    if lower_name(n, MAX_PART_LEN) {
        Ok(())
    } else {
        Err(format!("\"{n}\" must be 1 to {MAX_PART_LEN} lowercase letters, digits or single '-', not starting or ending with '-'."))
    }
}

fn not_secret_name(k: &str) -> Result<(), String> {
    match crate::secrets::secret_word(k) {
        Some(w) => Err(format!("\"{k}\" looks like a secret ({w}): a plain environment value is readable by anyone who can read the function's configuration. Keep secrets in Secrets Manager or SSM Parameter Store and pass where they are instead, under a name ending in _ARN or _PARAMETER (e.g. `{}_PARAMETER`).", k.to_ascii_uppercase())),
        None => Ok(()),
    }
}

fn env_name(k: &str) -> Result<(), String> {
    let ok = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !k.starts_with("AWS_");
    if ok {
        Ok(())
    } else {
        Err(format!("\"{k}\" is not an environment variable name Lambda accepts (letters, digits and '_', not starting with a digit nor with the reserved `AWS_`)."))
    }
}

/// Why `p` is not an object key prefix an edge may use.
pub fn prefix_problem(p: &str) -> Result<(), String> {
    if p.starts_with('/') || p.len() > 1024 || p.contains('*') || p.contains('?') {
        Err(format!(
            "\"{p}\" must be an object key prefix (not starting with '/', no wildcard, at most 1024 bytes; \"\" for the whole bucket)."
        ))
    } else if p.contains("${") {
        // The prefix goes into the derived policy's resources and `s3:prefix` conditions,
        // where IAM would read `${aws:username}` as a policy variable.
        Err(format!(
            "\"{p}\" contains \"${{\": the derived policy would read it as an IAM policy variable (`${{aws:username}}`...), which matches per caller, not the literal key."
        ))
    } else {
        Ok(())
    }
}

const NOTES: &str = r#"
## The data flow and what is derived from it

Each `stage` states what it `reads`, what it `writes` and what `trigger`s it, by bucket
suffix and key prefix. From those edges alone the resource writes the stage's role (one inline
policy, `blueprint-data-flow`, shown in `policy_documents`):

| edge | grant |
| --- | --- |
| `reads = [{ bucket = "raw", prefix = "incoming/" }]` | `s3:GetObject` on `arn:aws:s3:::NAME-raw/incoming/*`; `s3:ListBucket` on `arn:aws:s3:::NAME-raw` with `StringLike` `s3:prefix` = `incoming/*` (no condition when a read covers the whole bucket, `prefix = ""`) |
| `writes = [{ bucket = "clean", prefix = "clean/" }]` | `s3:PutObject` on `arn:aws:s3:::NAME-clean/clean/*` |
| always | `logs:CreateLogStream`, `logs:PutLogEvents` on its own log group `/aws/lambda/NAME-STAGE` (and its streams); `sqs:SendMessage` on its own dead-letter queue |

Nothing else: no managed policy, no wildcard action, no resource beyond the objects named. A
stage without `reads` and `writes` has no S3 permission at all; a trigger alone grants no read
(declare the trigger's prefix in `reads` when the function reads the object that invoked it).

A `trigger` becomes an `s3:ObjectCreated:*` notification on the bucket (id
`blueprint-STAGE`, prefix and suffix filters) and a Lambda permission (statement
`blueprint-s3-trigger`) for `s3.amazonaws.com` limited to that bucket (`SourceArn`) and this
account (`SourceAccount`). Failed asynchronous invocations (after Lambda's retries) go to the
stage's dead-letter queue, `NAME-STAGE-dlq` (SQS, SSE with SQS-managed keys).

## Plan-time checks

The plan fails, on the attribute's path, when:

- a stage reads, writes or is triggered by a bucket that is not declared
  (`stage[1].writes[0].bucket`);
- the triggers form a cycle: a stage writes where it is triggered, directly or through other
  stages (`stage[0].trigger`: the classic recursive invocation that bills without end);
- two triggers on one bucket overlap (a key could match both prefixes and both suffixes: S3
  refuses the configuration);
- a `filename` does not exist or is not a file, or a stage gives both or neither of `filename`
  and `s3_bucket` + `s3_key`;
- an `environment` variable's name looks like a secret (`PASSWORD`, `TOKEN`, `API_KEY`...);
- a name is duplicated.

## Always on

| setting | how |
| --- | --- |
| bucket encryption | SSE-S3 (AES-256) |
| versioning | `Enabled` |
| public access block | all four settings |
| object ownership | `BucketOwnerEnforced` (ACLs off) |
| TLS only | a bucket policy denying `aws:SecureTransport = false`; not applied when S3 is reached over plain `http://` (a local emulator), as for `blueprint_state_backend` |
| lifecycle | `glacier_transition_days` and `noncurrent_version_expiration_days` per bucket, as declared (no rule when neither is set) |
| dead-letter queue | SQS-managed server-side encryption |
| log group | `/aws/lambda/NAME-STAGE`, retention `log_retention_days` |
| tags | every child carries `tags_all` and `blueprint:owner = blueprint_data_pipeline/NAME` |

`bucket_settings_ok` records, per bucket, whether every guaranteed setting was found as it
should be; a bucket changed out of band shows as an in-place repair in the next plan, as do a
stage's policy edited out of band, a notification removed and a function, queue, role, log
group or permission deleted.

## Lambda code

`filename` is a local zip: its SHA-256 (base64, as Lambda reports `CodeSha256`) is
`source_code_hashes[STAGE]`, so changing the file updates the function's code at the next
apply. With `s3_bucket` and `s3_key`, the code is read from S3 when the function is created
or the key changes.

## Lifecycle

- **Create**: buckets, log groups and queues first, then the roles, the functions, the
  permissions and finally the notifications (a notification needs its permission).
- **Update**: a stage or bucket removed from the configuration is deleted (its children in
  reverse order); one added is created; changes to a function's settings, code, policy or
  tags are made in place.
- **Delete**: in reverse order. A bucket holding objects is not deleted unless
  `force_destroy` is true: the destroy fails naming it.
- **Import**: `terraform import blueprint_data_pipeline.NAME PIPELINE_NAME` finds the
  children by their owner tag and rebuilds the buckets and stages from them, in the
  configuration's order (each bucket and function carries its block's position,
  `blueprint:position`), with `force_destroy` read from the buckets'
  `blueprint:force-destroy` tag: the plan after importing with the same configuration is empty.

moto (the local AWS emulator the tests use) stores functions, permissions and notifications but
does not run functions: the end-to-end tests check the wiring (configuration, policies,
triggers), not execution.
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_data_pipeline",
        version: 1,
        description: "Seed 004's data pipeline: S3 buckets for raw, clean and model data with their own lifecycles, and Lambda stages triggered when files land, each with a role derived from what it reads and writes (least privilege, no wildcard), its own log group and an encrypted dead-letter queue.",
        attrs: vec![
            Attr::string("id", "The pipeline's name.").computed(),
            Attr::string("name", "The pipeline's name: buckets are `NAME-SUFFIX`, functions and roles `NAME-STAGE`, queues `NAME-STAGE-dlq`.")
                .required().replaces().check(Check::Custom { describe: "3 to 24 lowercase letters, digits or '-'", check: check_name }),
            Attr::number("log_retention_days", "Retention of every stage's log group, in days.")
                .default(Default::Number(30)).check(Check::OneOfNumbers(RETENTION_DAYS)),
            Attr::bool("force_destroy", "Delete every object version with the buckets on destroy (without it, a bucket holding objects is not deleted and the destroy fails naming it).")
                .default(Default::Bool(false)),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string_map("bucket_names", "Bucket names by suffix.").computed(),
            Attr::string_map("bucket_arns", "Bucket ARNs by suffix.").computed(),
            Attr::of("bucket_settings_ok", Type::Map(Box::new(Type::Bool)), "Per bucket suffix: whether versioning, encryption, the public access block, object ownership (ACLs off), the TLS-only policy, the lifecycle and the tags were found as guaranteed (a drifted bucket is repaired by the next apply).").computed(),
            Attr::string_map("log_group_names", "Each stage's log group (`/aws/lambda/NAME-STAGE`), by stage.").computed(),
            Attr::string_map("dlq_arns", "Each stage's dead-letter queue ARN, by stage.").computed(),
            Attr::string_map("role_arns", "Each stage's role ARN, by stage.").computed(),
            Attr::string_map("policy_documents", "Each stage's derived policy (JSON), by stage, as read back from IAM: an edit made out of band shows here and is reverted by the next apply.").computed(),
            Attr::string_map("function_arns", "Each stage's function ARN, by stage.").computed(),
            Attr::string_map("source_code_hashes", "Each stage's code SHA-256 (base64, Lambda's `CodeSha256`), by stage.").computed(),
            Attr::string_map("permission_ids", "The Lambda permission of each triggered stage (`FUNCTION/STATEMENT`), by stage.").computed(),
            Attr::string_map("notification_ids", "The notification configuration on each trigger bucket, by stage: the bucket's name (the notification of a stage is found on it with id `blueprint-STAGE`).").computed(),
        ],
        blocks: vec![
            Block {
                name: "bucket",
                description: "A bucket of the pipeline (raw, clean, models...).",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("suffix", "The bucket is `NAME-SUFFIX`; stages refer to it by the suffix.")
                        .required().check(Check::Custom { describe: "1 to 32 lowercase letters, digits or '-', not `s3alias`", check: bucket_suffix }),
                    Attr::string("purpose", "What it holds (documentation only)."),
                    Attr::number("glacier_transition_days", "Move current objects to GLACIER after this many days (seed 004: raw data archived for compliance).")
                        .check(Check::Range(0, 36_500)),
                    Attr::number("noncurrent_version_expiration_days", "Expire noncurrent object versions after this many days (default: keep them).")
                        .check(Check::Range(1, 36_500)),
                ],
            },
            Block {
                name: "stage",
                description: "A Lambda stage: its code, settings and edges.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("name", "The stage's name: function and role `NAME-STAGE`.")
                        .required().check(Check::Custom { describe: "1 to 32 lowercase letters, digits or '-'", check: part_name }),
                    Attr::string("runtime", "Lambda runtime.").required().check(Check::OneOf(RUNTIMES)),
                    Attr::string("handler", "Function entry point, e.g. `main.handler`.").required().check(Check::Len(1, 128)),
                    Attr::string("filename", "A local zip with the code (its hash updates the function when it changes). Either this or `s3_bucket` + `s3_key`."),
                    Attr::string("s3_bucket", "Bucket holding the code zip (with `s3_key`)."),
                    Attr::string("s3_key", "Key of the code zip in `s3_bucket`."),
                    Attr::number("memory_size", "Memory in MB.").default(Default::Number(128)).check(Check::Range(128, 10_240)),
                    Attr::number("timeout", "Timeout in seconds.").default(Default::Number(30)).check(Check::Range(1, 900)),
                    Attr::string_map("environment", "Plain environment of the function. Never secrets: a name that looks like one (PASSWORD, TOKEN, API_KEY...) fails the plan.")
                        .check(Check::keys(Check::Custom { describe: "environment variable name", check: env_name }))
                        .check(Check::keys(Check::Custom { describe: "not a secret-looking name", check: not_secret_name }))
                        .check(Check::MapBytes(LAMBDA_ENV_BYTES)),
                    Attr::of("reads", edge_list(), "What the stage reads: `[{ bucket = SUFFIX, prefix = \"incoming/\" }]` (`prefix = \"\"`: the whole bucket). Grants `s3:GetObject` on those objects and `s3:ListBucket` on those prefixes."),
                    Attr::of("writes", edge_list(), "What the stage writes, in the same form. Grants `s3:PutObject` on those objects."),
                    Attr::of("trigger", Type::Object(vec![("bucket", Type::String), ("prefix", Type::String), ("suffix", Type::String)]), "What invokes the stage: `{ bucket = SUFFIX, prefix = \"incoming/\", suffix = \".csv\" }` (every field required; `\"\"` for no filter): an object created there.").check(Check::Fields(&["bucket", "prefix", "suffix"])),
                ],
            },
        ],
        children: vec![
            Child::new("buckets", "aws_s3_bucket", "bucket_arns")
                .outputs(&["bucket_names", "bucket_settings_ok"])
                .how("one per `bucket` block, `NAME-SUFFIX`: encrypted, versioned, public access blocked, TLS-only, lifecycle as declared"),
            Child::new("log_groups", "aws_cloudwatch_log_group", "log_group_names")
                .how("one per stage, `/aws/lambda/NAME-STAGE`, retention `log_retention_days`"),
            Child::new("dead_letter_queues", "aws_sqs_queue", "dlq_arns")
                .how("one per stage, `NAME-STAGE-dlq`, SQS-managed encryption"),
            Child::new("roles", "aws_iam_role", "role_arns")
                .outputs(&["policy_documents"])
                .after(&["buckets", "log_groups", "dead_letter_queues"])
                .how("one per stage, `NAME-STAGE`, trusted by Lambda, one inline policy derived from the stage's edges"),
            Child::new("functions", "aws_lambda_function", "function_arns")
                .outputs(&["source_code_hashes"])
                .after(&["roles"])
                .how("one per stage, `NAME-STAGE`: code, runtime, handler, memory, timeout, environment, dead-letter queue; the settings are read on every refresh (an environment value changed or added out of band shows as `(set outside Terraform; value not recorded)`, never its value) and put back by the next apply. A stage's unset `memory_size`/`timeout` are its defaults, matched by stage name, never by list position"),
            Child::new("permissions", "aws_lambda_permission", "permission_ids")
                .after(&["functions"])
                .how("one per triggered stage: `lambda:InvokeFunction` for `s3.amazonaws.com` from the trigger bucket and this account")
                .optional(),
            Child::new("notifications", "aws_s3_bucket_notification", "notification_ids")
                .after(&["permissions"])
                .how("the triggers of each bucket: `s3:ObjectCreated:*` to the stage's function, with its prefix and suffix filters")
                .optional(),
        ],
        import_id: "NAME",
        example: r#"resource "blueprint_data_pipeline" "ml" {
  name = "senas-ml"

  bucket {
    suffix                  = "raw"
    purpose                 = "original CSV files"
    glacier_transition_days = 90
  }
  bucket {
    suffix                             = "clean"
    noncurrent_version_expiration_days = 30
  }
  bucket {
    suffix = "models"
  }

  stage {
    name     = "preprocess"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "build/preprocess.zip"
    reads    = [{ bucket = "raw", prefix = "incoming/" }]
    writes   = [{ bucket = "clean", prefix = "clean/" }]
    trigger  = { bucket = "raw", prefix = "incoming/", suffix = ".csv" }
  }
  stage {
    name        = "features"
    runtime     = "python3.12"
    handler     = "main.handler"
    filename    = "build/features.zip"
    memory_size = 1024
    reads       = [{ bucket = "clean", prefix = "clean/" }]
    writes      = [{ bucket = "clean", prefix = "features/" }]
    trigger     = { bucket = "clean", prefix = "clean/", suffix = "" }
  }
}

output "policies" {
  value = blueprint_data_pipeline.ml.policy_documents
}"#,
        notes: NOTES,
        expand: expand::expand,
    })
}

fn edge_list() -> Type {
    Type::List(Box::new(Type::Object(vec![
        ("bucket", Type::String),
        ("prefix", Type::String),
    ])))
}

#[cfg(test)]
mod tests {
    use super::not_secret_name;

    #[test]
    fn reserved_bucket_names_and_policy_variables_are_refused() {
        use super::{bucket_suffix, check_name, prefix_problem};
        assert!(check_name("sthree-data").is_err());
        assert!(check_name("amzn-s3-demo-x").is_err());
        assert_eq!(check_name("ml-data"), Ok(()));
        assert!(bucket_suffix("s3alias").is_err());
        assert_eq!(bucket_suffix("raw"), Ok(()));
        assert!(prefix_problem("home/${aws:username}/").is_err());
        assert_eq!(prefix_problem("home/$user/"), Ok(()));
    }

    #[test]
    fn trigger_fields_left_null_are_refused_on_their_paths() {
        use crate::value::{Generic, Path, Step};
        use crate::Check;
        let trigger = Generic::Map(vec![
            (Generic::from("bucket"), Generic::from("raw")),
            (Generic::from("prefix"), Generic::Nil),
        ]);
        let path = Path::attr("stage")
            .then(Step::Index(0))
            .then(Step::Attr("trigger".into()));
        let mut out = Vec::new();
        Check::Fields(&["bucket", "prefix", "suffix"]).run("trigger", &trigger, &path, &mut out);
        let paths: Vec<String> = out.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(
            paths,
            ["stage[0].trigger.prefix", "stage[0].trigger.suffix"]
        );
    }

    #[test]
    fn an_environment_over_4_kb_is_refused_on_its_path() {
        use crate::value::{Generic, Path};
        use crate::Check;
        let env =
            |n: usize| Generic::Map(vec![(Generic::from("BIG"), Generic::from("x".repeat(n)))]);
        let mut out = Vec::new();
        let path = Path::attr("environment");
        Check::MapBytes(super::LAMBDA_ENV_BYTES).run("environment", &env(4093), &path, &mut out);
        assert!(out.is_empty(), "{out:?}");
        Check::MapBytes(super::LAMBDA_ENV_BYTES).run("environment", &env(4094), &path, &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].detail.contains("4097 bytes"), "{:?}", out[0]);
    }

    /// The error suggests a name the check itself accepts (it used to suggest
    /// `DB_PASSWORD_PARAMETER` and refuse it).
    #[test]
    fn the_secret_name_error_suggests_an_accepted_name() {
        let err = not_secret_name("db_password").unwrap_err();
        let suggested = err
            .split('`')
            .nth(1)
            .expect("a suggested name in backquotes");
        assert_eq!(suggested, "DB_PASSWORD_PARAMETER");
        assert_eq!(not_secret_name(suggested), Ok(()));
        assert_eq!(not_secret_name("DB_PASSWORD_ARN"), Ok(()));
        assert!(not_secret_name("API_TOKEN").is_err());
        assert_eq!(not_secret_name("LOG_LEVEL"), Ok(()));
    }
}

//! `blueprint_data_stores`, declared: seed 001's data layer (DynamoDB tables, S3 buckets, SQS
//! queues with their dead-letter queues, SNS topics), each encrypted, private, sized by the
//! profile and owned like every child. Its `arns` output is what `blueprint_secure_service`'s
//! `data_stores` takes, so a service's `uses` name stores by key.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use crate::expand::{as_str, get, list, number, object, path, sibling, string, Plain};
use crate::value::{unknown, Generic, Path, Step};
use crate::{Attr, Block, Check, Child, Declaration, Default, Nesting};

/// The sizing table's profiles.
pub const PROFILES: &[&str] = &["dev", "prod"];
/// Days after which prod removes noncurrent object versions (seed 001: S3 lifecycle, 90 days
/// in prod, none in dev).
pub const PROD_LIFECYCLE_DAYS: i64 = 90;
/// The id of the lifecycle rule prod's buckets carry.
pub const LIFECYCLE_ID: &str = "blueprint-data-stores-lifecycle";
/// Longest `name`: bucket names are `NAME-KEY`, at most 63 characters.
pub const MAX_NAME_LEN: usize = 20;
/// Default message retention of a queue (4 days, SQS's default), and of its dead-letter queue
/// (14 days, the most SQS keeps).
pub const QUEUE_RETENTION: i64 = 345_600;
/// Retention of every dead-letter queue.
pub const DLQ_RETENTION: i64 = 1_209_600;

/// The child names, from the composite's name and a store's key.
pub mod names {
    /// Every store: `NAME-KEY`.
    pub fn store(name: &str, key: &str) -> String {
        format!("{name}-{key}")
    }
    /// A queue's dead-letter queue: `NAME-KEY-dlq`.
    pub fn dlq(name: &str, key: &str) -> String {
        format!("{name}-{key}-dlq")
    }
    /// The key of `arns` for a store of `kind` (`table`, `bucket`, `queue`, `topic`).
    pub fn arn_key(kind: &str, key: &str) -> String {
        format!("{kind}/{key}")
    }
}

fn composite_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= MAX_NAME_LEN
        && !n.starts_with('-')
        && !n.ends_with('-')
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("name \"{n}\" must be 1 to {MAX_NAME_LEN} lowercase letters, digits or '-', not starting or ending with '-' (it prefixes bucket names)."))
    }
}

fn table_key(k: &str) -> Result<(), String> {
    let ok = !k.is_empty()
        && k.len() <= 200
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{k}\" must be 1 to 200 letters, digits, '_', '-' or '.' (a DynamoDB table name)."
        ))
    }
}

fn bucket_key(k: &str) -> Result<(), String> {
    let ok = !k.is_empty()
        && k.len() <= 40
        && !k.ends_with('-')
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{k}\" must be 1 to 40 lowercase letters, digits or '-', not ending with '-' (bucket `NAME-KEY`)."
        ))
    }
}

fn message_key(k: &str) -> Result<(), String> {
    let ok = !k.is_empty()
        && k.len() <= 50
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{k}\" must be 1 to 50 letters, digits, '-' or '_' (queue `NAME-KEY` and `NAME-KEY-dlq`, topic `NAME-KEY`)."
        ))
    }
}

fn attribute_name(k: &str) -> Result<(), String> {
    if !k.is_empty() && k.len() <= 255 {
        Ok(())
    } else {
        Err(format!("\"{k}\" must be 1 to 255 characters."))
    }
}

const NOTES: &str = r#"## Profiles

Seed 001's sizing table: DynamoDB point-in-time recovery off in `dev`, on in `prod` (with
deletion protection, turned off by this resource's own destroy); S3 lifecycle none in `dev`, in
`prod` noncurrent object versions expire after 90 days (current objects are never removed).

## Security

Every store is encrypted at rest (seed 001: S3, DynamoDB, SQS, SNS): buckets with SSE-S3,
versioned, every public access blocked, ACLs off, TLS-only bucket policy; tables with the
AWS-managed KMS key; queues with SQS-managed keys and a TLS-only queue policy, each with its
dead-letter queue; topics with the AWS-managed KMS key (`alias/aws/sns`) and a TLS-only policy.

## Using the stores from a service

```hcl
resource "blueprint_secure_service" "users" {
  # ...
  data_stores = blueprint_data_stores.senas.arns
  uses {
    store  = "table/UserProgress"
    access = "read_write"
  }
  uses {
    store  = "topic/achievement-notifs"
    access = "publish"
  }
}
```

## Ownership

Every child carries `blueprint:owner = blueprint_data_stores/NAME`; a create that finds a child
of its name adopts it when it carries the tag and otherwise fails naming it.
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_data_stores",
        version: 0,
        description: "Seed 001's data layer: DynamoDB tables, S3 buckets, SQS queues (each with a dead-letter queue) and SNS topics, each encrypted at rest, private, TLS-only where the service takes a policy, sized by the profile (point-in-time recovery and lifecycle in prod), tagged and owned. Its `arns` feed `blueprint_secure_service`'s `data_stores`, from which each service's task role is derived.",
        attrs: vec![
            Attr::string("id", "The name.").computed(),
            Attr::string("name", "Prefix of every store: `NAME-KEY`.")
                .required().replaces().check(Check::Custom { describe: "1 to 20 lowercase letters, digits or '-'", check: composite_name }),
            Attr::string("profile", "Sizing profile of seed 001: `dev` or `prod`.")
                .default(Default::String("dev")).check(Check::OneOf(PROFILES)),
            Attr::bool("force_destroy", "Empty the buckets on destroy (else a bucket holding objects stops the destroy).")
                .default(Default::Bool(false)),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string_map("arns", "Every store's ARN by `KIND/KEY` (`table/UserProgress`, `bucket/user-uploads`, `queue/video-processing`, `topic/achievement-notifs`): what `blueprint_secure_service.data_stores` takes.").computed(),
            Attr::string_map("table_names", "Each table's name, by key.").computed(),
            Attr::string_map("bucket_names", "Each bucket's name, by key.").computed(),
            Attr::string_map("queue_urls", "Each queue's URL, by key.").computed(),
            Attr::string_map("dlq_urls", "Each dead-letter queue's URL, by the key of its queue.").computed(),
            Attr::string_map("topic_arns", "Each topic's ARN, by key.").computed(),
        ],
        blocks: vec![
            Block {
                name: "table",
                description: "A DynamoDB table `NAME-KEY`: on-demand, encrypted with KMS, point-in-time recovery and deletion protection in prod.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("key", "Its key (`UserProgress`).").required().check(Check::Custom { describe: "a DynamoDB table name", check: table_key }),
                    Attr::string("hash_key", "The string partition key's name.").default(Default::String("id")).check(Check::Custom { describe: "1 to 255 characters", check: attribute_name }),
                    Attr::string("range_key", "The string sort key's name, if any.").check(Check::Custom { describe: "1 to 255 characters", check: attribute_name }),
                ],
            },
            Block {
                name: "bucket",
                description: "An S3 bucket `NAME-KEY`: encrypted, versioned, public access blocked, TLS-only; in prod noncurrent versions expire after 90 days.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("key", "Its key (`user-uploads`).").required().check(Check::Custom { describe: "1 to 40 lowercase letters, digits or '-'", check: bucket_key }),
                ],
            },
            Block {
                name: "queue",
                description: "An SQS queue `NAME-KEY` and its dead-letter queue `NAME-KEY-dlq` (14 days' retention), both encrypted with SQS-managed keys and TLS-only.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("key", "Its key (`video-processing`).").required().check(Check::Custom { describe: "1 to 50 letters, digits, '-' or '_'", check: message_key }),
                    Attr::number("retention_seconds", "How long a message is kept.").default(Default::Number(QUEUE_RETENTION)).check(Check::Range(60, 1_209_600)),
                    Attr::number("visibility_timeout_seconds", "How long a received message stays hidden.").default(Default::Number(30)).check(Check::Range(0, 43_200)),
                    Attr::number("max_receive_count", "Receives before a message moves to the dead-letter queue.").default(Default::Number(5)).check(Check::Range(1, 1000)),
                ],
            },
            Block {
                name: "topic",
                description: "An SNS topic `NAME-KEY`, encrypted with the AWS-managed KMS key, TLS-only.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("key", "Its key (`achievement-notifs`).").required().check(Check::Custom { describe: "1 to 50 letters, digits, '-' or '_'", check: message_key }),
                ],
            },
        ],
        children: vec![
            Child::new("tables", "aws_dynamodb_table", "table_names")
                .how("one per `table` block, `NAME-KEY`: on-demand, string keys, KMS encryption, point-in-time recovery and deletion protection with `profile = \"prod\"`"),
            Child::new("buckets", "aws_s3_bucket", "bucket_names")
                .how("one per `bucket` block, `NAME-KEY`: SSE-S3, versioned, public access blocked, ACLs off, TLS-only policy; in prod noncurrent versions expire after 90 days"),
            Child::new("dead_letter_queues", "aws_sqs_queue", "dlq_urls")
                .how("one per `queue` block, `NAME-KEY-dlq`: SQS-managed encryption, 14 days' retention, TLS-only policy"),
            Child::new("queues", "aws_sqs_queue", "queue_urls")
                .after(&["dead_letter_queues"])
                .how("one per `queue` block, `NAME-KEY`: SQS-managed encryption, retention and visibility as declared, redrive to its dead-letter queue after `max_receive_count` receives, TLS-only policy"),
            Child::new("topics", "aws_sns_topic", "topic_arns")
                .how("one per `topic` block, `NAME-KEY`: KMS encryption (`alias/aws/sns`), TLS-only policy"),
        ],
        import_id: "NAME",
        example: r#"resource "blueprint_data_stores" "senas" {
  name    = "senas"
  profile = "prod"

  table {
    key = "UserProgress"
  }
  bucket {
    key = "user-uploads"
  }
  queue {
    key = "video-processing"
  }
  topic {
    key = "achievement-notifs"
  }
}"#,
        notes: NOTES,
        expand,
    })
}

/// A plain resource's name for one store, kept for the life of the process (names are
/// `&'static`; each distinct one is stored once).
fn intern(s: String) -> &'static str {
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut set = match NAMES.get_or_init(std::default::Default::default).lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if let Some(n) = set.get(s.as_str()) {
        return n;
    }
    let leaked: &'static str = Box::leak(s.into_boxed_str());
    set.insert(leaked);
    leaked
}

fn items<'a>(config: &'a Generic, name: &str) -> Vec<&'a Generic> {
    match get(config, name) {
        rmpv::Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn at(block: &str, i: usize) -> Path {
    Path::attr(block).then(Step::Index(i))
}

fn or_default(v: &Generic, default: Generic) -> Generic {
    match v {
        rmpv::Value::Nil => default,
        other => other.clone(),
    }
}

fn tls_deny(action: &str) -> Generic {
    object(vec![
        ("Sid", string("DenyInsecureTransport")),
        ("Effect", string("Deny")),
        ("Principal", string("*")),
        ("Action", string(action)),
        ("Resource", string("*")),
        (
            "Condition",
            object(vec![(
                "Bool",
                object(vec![("aws:SecureTransport", string("false"))]),
            )]),
        ),
    ])
}

fn policy(statements: Vec<Generic>) -> Generic {
    object(vec![
        ("Version", string("2012-10-17")),
        ("Statement", list(statements)),
    ])
}

/// The plain resources of a `blueprint_data_stores` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let tags = get(config, "tags").clone();
    let prod = match get(config, "profile") {
        rmpv::Value::Nil => Some(false),
        v => as_str(v).map(|p| p == "prod"),
    };
    let flag = |on: Option<bool>| on.map(rmpv::Value::Boolean).unwrap_or_else(unknown);
    let named = |key: &str, f: fn(&str, &str) -> String| match as_str(get(config, "name")) {
        Some(n) => string(&f(n, key)),
        None => unknown(),
    };
    let mut out = Vec::new();
    for (i, t) in items(config, "table").into_iter().enumerate() {
        let Some(key) = as_str(get(t, "key")) else {
            continue;
        };
        let hash = or_default(get(t, "hash_key"), string("id"));
        let mut attribute = vec![object(vec![("name", hash.clone()), ("type", string("S"))])];
        let range = get(t, "range_key");
        if !range.is_nil() {
            attribute.push(object(vec![("name", range.clone()), ("type", string("S"))]));
        }
        out.push(
            Plain::new(
                "aws_dynamodb_table",
                intern(format!("table_{key}")),
                object(vec![
                    ("name", named(key, names::store)),
                    ("billing_mode", string("PAY_PER_REQUEST")),
                    ("hash_key", hash),
                    ("range_key", range.clone()),
                    ("attribute", list(attribute)),
                    (
                        "server_side_encryption",
                        list(vec![object(vec![("enabled", rmpv::Value::Boolean(true))])]),
                    ),
                    (
                        "point_in_time_recovery",
                        list(vec![object(vec![("enabled", flag(prod))])]),
                    ),
                    ("deletion_protection_enabled", flag(prod)),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(
                path(&["name"]),
                at("table", i).then(Step::Attr("key".into())),
            )
            .origin(path(&["point_in_time_recovery"]), path(&["profile"]))
            .origin(path(&["deletion_protection_enabled"]), path(&["profile"])),
        );
    }
    for (i, b) in items(config, "bucket").into_iter().enumerate() {
        let Some(key) = as_str(get(b, "key")) else {
            continue;
        };
        let name = intern(format!("bucket_{key}"));
        let lifecycle = match prod {
            Some(true) => list(vec![object(vec![
                ("id", string(LIFECYCLE_ID)),
                ("enabled", rmpv::Value::Boolean(true)),
                (
                    "noncurrent_version_expiration",
                    list(vec![object(vec![("days", number(PROD_LIFECYCLE_DAYS))])]),
                ),
            ])]),
            Some(false) => rmpv::Value::Nil,
            None => unknown(),
        };
        out.push(
            Plain::new(
                "aws_s3_bucket",
                name,
                object(vec![
                    ("bucket", named(key, names::store)),
                    (
                        "force_destroy",
                        or_default(get(config, "force_destroy"), rmpv::Value::Boolean(false)),
                    ),
                    (
                        "versioning",
                        list(vec![object(vec![("enabled", rmpv::Value::Boolean(true))])]),
                    ),
                    (
                        "server_side_encryption_configuration",
                        list(vec![object(vec![(
                            "rule",
                            list(vec![object(vec![(
                                "apply_server_side_encryption_by_default",
                                list(vec![object(vec![("sse_algorithm", string("AES256"))])]),
                            )])]),
                        )])]),
                    ),
                    ("lifecycle_rule", lifecycle),
                    ("policy", policy(vec![tls_deny("s3:*")])),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(
                path(&["bucket"]),
                at("bucket", i).then(Step::Attr("key".into())),
            )
            .origin(path(&["lifecycle_rule"]), path(&["profile"]))
            .origin(path(&["force_destroy"]), path(&["force_destroy"])),
        );
        out.push(Plain::new(
            "aws_s3_bucket_public_access_block",
            intern(format!("public_access_block_{key}")),
            object(vec![
                ("bucket", sibling("aws_s3_bucket", name, "id")),
                ("block_public_acls", rmpv::Value::Boolean(true)),
                ("block_public_policy", rmpv::Value::Boolean(true)),
                ("ignore_public_acls", rmpv::Value::Boolean(true)),
                ("restrict_public_buckets", rmpv::Value::Boolean(true)),
            ]),
        ));
    }
    for (i, q) in items(config, "queue").into_iter().enumerate() {
        let Some(key) = as_str(get(q, "key")) else {
            continue;
        };
        let dlq = intern(format!("dlq_{key}"));
        out.push(
            Plain::new(
                "aws_sqs_queue",
                dlq,
                object(vec![
                    ("name", named(key, names::dlq)),
                    ("sqs_managed_sse_enabled", rmpv::Value::Boolean(true)),
                    ("message_retention_seconds", number(DLQ_RETENTION)),
                    ("policy", policy(vec![tls_deny("sqs:*")])),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(
                path(&["name"]),
                at("queue", i).then(Step::Attr("key".into())),
            ),
        );
        let block = at("queue", i);
        out.push(
            Plain::new(
                "aws_sqs_queue",
                intern(format!("queue_{key}")),
                object(vec![
                    ("name", named(key, names::store)),
                    ("sqs_managed_sse_enabled", rmpv::Value::Boolean(true)),
                    (
                        "message_retention_seconds",
                        or_default(get(q, "retention_seconds"), number(QUEUE_RETENTION)),
                    ),
                    (
                        "visibility_timeout_seconds",
                        or_default(get(q, "visibility_timeout_seconds"), number(30)),
                    ),
                    (
                        "redrive_policy",
                        object(vec![
                            ("deadLetterTargetArn", sibling("aws_sqs_queue", dlq, "arn")),
                            (
                                "maxReceiveCount",
                                or_default(get(q, "max_receive_count"), number(5)),
                            ),
                        ]),
                    ),
                    ("policy", policy(vec![tls_deny("sqs:*")])),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["name"]), block.then(Step::Attr("key".into())))
            .origin(
                path(&["message_retention_seconds"]),
                block.then(Step::Attr("retention_seconds".into())),
            )
            .origin(
                path(&["visibility_timeout_seconds"]),
                block.then(Step::Attr("visibility_timeout_seconds".into())),
            )
            .origin(
                path(&["redrive_policy"]),
                block.then(Step::Attr("max_receive_count".into())),
            ),
        );
    }
    for (i, t) in items(config, "topic").into_iter().enumerate() {
        let Some(key) = as_str(get(t, "key")) else {
            continue;
        };
        out.push(
            Plain::new(
                "aws_sns_topic",
                intern(format!("topic_{key}")),
                object(vec![
                    ("name", named(key, names::store)),
                    ("kms_master_key_id", string("alias/aws/sns")),
                    ("policy", policy(vec![tls_deny("SNS:Publish")])),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(
                path(&["name"]),
                at("topic", i).then(Step::Attr("key".into())),
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(profile: &str) -> Generic {
        let block = |key: &str| list(vec![object(vec![("key", string(key))])]);
        object(vec![
            ("name", string("senas")),
            ("profile", string(profile)),
            ("table", block("UserProgress")),
            ("bucket", block("user-uploads")),
            ("queue", block("video-processing")),
            ("topic", block("achievement-notifs")),
        ])
    }

    fn find<'a>(plains: &'a [Plain], name: &str) -> &'a Plain {
        plains
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not in the expansion"))
    }

    #[test]
    fn the_profile_sizes_recovery_and_lifecycle() {
        for (profile, on) in [("dev", false), ("prod", true)] {
            let plains = expand(&config(profile));
            let table = find(&plains, "table_UserProgress");
            assert_eq!(get(&table.attrs, "name"), &string("senas-UserProgress"));
            assert_eq!(
                get(&table.attrs, "deletion_protection_enabled"),
                &rmpv::Value::Boolean(on)
            );
            let bucket = find(&plains, "bucket_user-uploads");
            assert_eq!(
                get(&bucket.attrs, "lifecycle_rule").is_nil(),
                !on,
                "{profile}"
            );
            assert_eq!(
                bucket
                    .composite_path(&path(&["lifecycle_rule"]).0)
                    .unwrap()
                    .to_string(),
                "profile"
            );
        }
    }

    #[test]
    fn every_store_is_encrypted_and_each_queue_has_its_dead_letter_queue() {
        let plains = expand(&config("prod"));
        let kinds: Vec<&str> = plains.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                "aws_dynamodb_table",
                "aws_s3_bucket",
                "aws_s3_bucket_public_access_block",
                "aws_sqs_queue",
                "aws_sqs_queue",
                "aws_sns_topic"
            ]
        );
        let queue = find(&plains, "queue_video-processing");
        assert_eq!(
            get(&queue.attrs, "sqs_managed_sse_enabled"),
            &rmpv::Value::Boolean(true)
        );
        assert_eq!(
            crate::expand::as_reference(get(
                get(&queue.attrs, "redrive_policy"),
                "deadLetterTargetArn"
            )),
            Some(("/aws_sqs_queue.dlq_video-processing", vec!["arn"]))
        );
        let dlq = find(&plains, "dlq_video-processing");
        assert_eq!(
            get(&dlq.attrs, "name"),
            &string("senas-video-processing-dlq")
        );
        let topic = find(&plains, "topic_achievement-notifs");
        assert_eq!(
            get(&topic.attrs, "kms_master_key_id"),
            &string("alias/aws/sns")
        );
        assert_eq!(
            topic
                .composite_path(&path(&["name"]).0)
                .unwrap()
                .to_string(),
            "topic[0].key"
        );
    }

    #[test]
    fn names_and_keys_are_checked() {
        assert!(composite_name("senas").is_ok());
        assert!(composite_name("Senas").is_err());
        assert!(composite_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
        assert!(table_key("UserProgress").is_ok());
        assert!(table_key("User Progress").is_err());
        assert!(bucket_key("user-uploads").is_ok());
        assert!(bucket_key("UserUploads").is_err());
        assert!(message_key("ml-inference").is_ok());
        assert!(message_key("ml.inference").is_err());
        // The longest name and key still make a bucket name S3 accepts.
        assert!(names::store(&"a".repeat(MAX_NAME_LEN), &"b".repeat(40)).len() <= 63);
    }
}

//! What a service uses, and the task-role statements derived from it (issue 26).
//!
//! A `uses` block names a data store (a key of `data_stores`, typically the `arns` output of
//! `blueprint_data_stores`, or a store's ARN) and the access the service needs: `read`,
//! `write` or `read_write` for a table or a bucket (optionally under a key `prefix`), `send`
//! or `consume` for a queue, `publish` for a topic. Each use becomes one statement with exactly
//! the actions that access needs on exactly that store: no wildcard action, no wildcard
//! resource beyond the objects under one bucket prefix, and every statement passes the same
//! IAM checks as the pipeline's ([`crate::types::iam::Statement::parse`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::types::arn::Arn;
use crate::types::iam::Statement;

/// The kinds of store a service can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreKind {
    /// A DynamoDB table (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`).
    Table,
    /// An S3 bucket (`arn:aws:s3:::NAME`).
    Bucket,
    /// An SQS queue (`arn:aws:sqs:REGION:ACCOUNT:NAME`).
    Queue,
    /// An SNS topic (`arn:aws:sns:REGION:ACCOUNT:NAME`).
    Topic,
}

impl StoreKind {
    /// The kind an ARN names, if it names one store exactly.
    pub fn of(arn: &Arn) -> Option<StoreKind> {
        let plain = |s: &str| !s.is_empty() && !s.contains(['*', '?', '/', ':']);
        match arn.service.as_str() {
            "dynamodb" => arn
                .resource
                .strip_prefix("table/")
                .filter(|n| plain(n))
                .map(|_| StoreKind::Table),
            "s3" if arn.region.is_empty() && arn.account.is_empty() && plain(&arn.resource) => {
                Some(StoreKind::Bucket)
            }
            "sqs" if plain(&arn.resource) => Some(StoreKind::Queue),
            "sns" if plain(&arn.resource) => Some(StoreKind::Topic),
            _ => None,
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Table => "table",
            StoreKind::Bucket => "bucket",
            StoreKind::Queue => "queue",
            StoreKind::Topic => "topic",
        }
    }

    /// The accesses it allows.
    pub fn accesses(self) -> &'static [Access] {
        match self {
            StoreKind::Table | StoreKind::Bucket => {
                &[Access::Read, Access::Write, Access::ReadWrite]
            }
            StoreKind::Queue => &[Access::Send, Access::Consume],
            StoreKind::Topic => &[Access::Publish],
        }
    }
}

/// What a service does with a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Read items or objects.
    Read,
    /// Write items or objects.
    Write,
    /// Both.
    ReadWrite,
    /// Send messages to a queue.
    Send,
    /// Receive and delete messages of a queue.
    Consume,
    /// Publish to a topic.
    Publish,
}

/// Every access, as written.
pub const ACCESSES: &[&str] = &["read", "write", "read_write", "send", "consume", "publish"];

impl Access {
    /// Parse `read`, `write`, `read_write`, `send`, `consume` or `publish`.
    pub fn parse(s: &str) -> Option<Access> {
        Some(match s {
            "read" => Access::Read,
            "write" => Access::Write,
            "read_write" => Access::ReadWrite,
            "send" => Access::Send,
            "consume" => Access::Consume,
            "publish" => Access::Publish,
            _ => return None,
        })
    }

    /// As written.
    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "read_write",
            Access::Send => "send",
            Access::Consume => "consume",
            Access::Publish => "publish",
        }
    }

    /// Whether it changes the store (a write, a send, a publish, or a consume, which deletes).
    pub fn writes(self) -> bool {
        !matches!(self, Access::Read)
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One `uses` block as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// A key of `data_stores`, or a store's ARN.
    pub store: String,
    /// The access, as written.
    pub access: String,
    /// Key prefix (buckets only); `None` or empty: the whole bucket.
    pub prefix: Option<String>,
}

/// Which attribute of a `uses` block an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseField {
    /// `store`.
    Store,
    /// `access`.
    Access,
    /// `prefix`.
    Prefix,
}

impl UseField {
    /// The attribute name.
    pub fn name(self) -> &'static str {
        match self {
            UseField::Store => "store",
            UseField::Access => "access",
            UseField::Prefix => "prefix",
        }
    }
}

/// A refused `uses` block: which one, which attribute, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseError {
    /// The index of the block.
    pub index: usize,
    /// The attribute.
    pub field: UseField,
    /// Why, as a sentence.
    pub message: String,
}

impl UseError {
    /// The attribute path as text (`uses[1].access`).
    pub fn at(&self) -> String {
        format!("uses[{}].{}", self.index, self.field.name())
    }
}

/// One derived statement: which use it comes from, its actions and resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The index of the `uses` block.
    pub index: usize,
    /// The store's kind.
    pub kind: StoreKind,
    /// The store's ARN.
    pub store: String,
    /// The access.
    pub access: Access,
    /// Actions, in a fixed order.
    pub actions: Vec<String>,
    /// Resource ARNs.
    pub resources: Vec<String>,
}

const TABLE_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
];
const TABLE_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
const OBJECT_READ: &[&str] = &["s3:GetObject"];
const OBJECT_WRITE: &[&str] = &["s3:AbortMultipartUpload", "s3:PutObject"];
const QUEUE_SEND: &[&str] = &[
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
];
const QUEUE_CONSUME: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
];
const TOPIC_PUBLISH: &[&str] = &["sns:Publish"];

fn prefix_ok(p: &str) -> Result<(), String> {
    if p.starts_with('/') {
        return Err(format!(
            "prefix \"{p}\" starts with '/': S3 keys have no leading slash (write \"{}\").",
            p.trim_start_matches('/')
        ));
    }
    if p.contains(['*', '?']) {
        return Err(format!(
            "prefix \"{p}\" has a wildcard: write the key prefix itself (\"uploads/\"); the objects under it are granted, nothing else (seed rule: no wildcards)."
        ));
    }
    if p.len() > 1024 {
        return Err("prefix is longer than an S3 key (1024 bytes).".into());
    }
    Ok(())
}

/// Resolve one use: the store's ARN and kind, or the errors on its attributes.
fn resolve(
    i: usize,
    u: &Use,
    stores: &BTreeMap<String, String>,
) -> Result<(String, StoreKind, Access), Vec<UseError>> {
    let err = |field, message: String| UseError {
        index: i,
        field,
        message,
    };
    let mut errors = Vec::new();
    let arn = if u.store.starts_with("arn:") {
        Some(u.store.clone())
    } else {
        match stores.get(&u.store) {
            Some(arn) => Some(arn.clone()),
            None => {
                let declared: Vec<&str> = stores.keys().map(String::as_str).collect();
                errors.push(err(
                    UseField::Store,
                    if declared.is_empty() {
                        format!("\"{}\" is not a declared store: `data_stores` is empty (set it to a `blueprint_data_stores`'s `arns`), or give the store's ARN.", u.store)
                    } else {
                        format!(
                            "\"{}\" is not a declared store: `data_stores` has {}.",
                            u.store,
                            declared
                                .iter()
                                .map(|k| format!("\"{k}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                ));
                None
            }
        }
    };
    let kind = arn.as_ref().and_then(|a| {
        let kind = a.parse::<Arn>().ok().as_ref().and_then(StoreKind::of);
        if kind.is_none() {
            errors.push(err(
                UseField::Store,
                format!("\"{a}\" is not the ARN of one DynamoDB table, S3 bucket, SQS queue or SNS topic."),
            ));
        }
        kind
    });
    let access = Access::parse(&u.access);
    if access.is_none() {
        errors.push(err(
            UseField::Access,
            format!(
                "\"{}\" is not an access: one of {}.",
                u.access,
                ACCESSES.join(", ")
            ),
        ));
    }
    if let (Some(kind), Some(access)) = (kind, access) {
        if !kind.accesses().contains(&access) {
            let allowed: Vec<&str> = kind.accesses().iter().map(|a| a.name()).collect();
            errors.push(err(
                UseField::Access,
                format!(
                    "a {} cannot be used with \"{access}\" ({} is {}): use {}.",
                    kind.name(),
                    u.store,
                    kind.name(),
                    allowed.join(" or ")
                ),
            ));
        }
    }
    if let Some(p) = u.prefix.as_deref().filter(|p| !p.is_empty()) {
        match kind {
            Some(StoreKind::Bucket) | None => {
                if let Err(m) = prefix_ok(p) {
                    errors.push(err(UseField::Prefix, m));
                }
            }
            Some(k) => errors.push(err(
                UseField::Prefix,
                format!(
                    "a prefix narrows a bucket's objects; {} is a {}.",
                    u.store,
                    k.name()
                ),
            )),
        }
    }
    match (arn, kind, access) {
        (Some(arn), Some(kind), Some(access)) if errors.is_empty() => Ok((arn, kind, access)),
        _ => Err(errors),
    }
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The statements of one resolved use (a bucket read of the whole bucket adds `s3:ListBucket`
/// on the bucket itself, a separate statement since its resource differs).
fn statements(i: usize, arn: &str, kind: StoreKind, access: Access, prefix: &str) -> Vec<Derived> {
    let one = |actions: Vec<String>, resources: Vec<String>| Derived {
        index: i,
        kind,
        store: arn.to_string(),
        access,
        actions,
        resources,
    };
    let both = |r: &[&str], w: &[&str]| -> Vec<String> {
        let mut v = owned(r);
        v.extend(owned(w));
        v.sort();
        v.dedup();
        v
    };
    let pick = |r: &[&str], w: &[&str]| match access {
        Access::Read => owned(r),
        Access::Write => owned(w),
        _ => both(r, w),
    };
    match kind {
        StoreKind::Table => vec![one(
            pick(TABLE_READ, TABLE_WRITE),
            vec![arn.to_string(), format!("{arn}/index/*")],
        )],
        StoreKind::Bucket => {
            let mut out = vec![one(
                pick(OBJECT_READ, OBJECT_WRITE),
                vec![format!("{arn}/{prefix}*")],
            )];
            if access != Access::Write && prefix.is_empty() {
                out.push(one(owned(&["s3:ListBucket"]), vec![arn.to_string()]));
            }
            out
        }
        StoreKind::Queue => vec![one(
            owned(if access == Access::Send {
                QUEUE_SEND
            } else {
                QUEUE_CONSUME
            }),
            vec![arn.to_string()],
        )],
        StoreKind::Topic => vec![one(owned(TOPIC_PUBLISH), vec![arn.to_string()])],
    }
}

/// The task-role statements `uses` derives, given `stores` (`data_stores`: key to ARN); or
/// every refused use, on its attribute.
pub fn derive(
    uses: &[Use],
    stores: &BTreeMap<String, String>,
) -> Result<Vec<Derived>, Vec<UseError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, u) in uses.iter().enumerate() {
        match resolve(i, u, stores) {
            Ok((arn, kind, access)) => {
                for d in statements(i, &arn, kind, access, u.prefix.as_deref().unwrap_or("")) {
                    // The same IAM checks as every other statement: a store ARN with a wildcard
                    // hidden in it is refused here, on `store`.
                    if let Err(es) = Statement::parse(&d.actions, &d.resources) {
                        for (_, _, e) in es {
                            errors.push(UseError {
                                index: i,
                                field: UseField::Store,
                                message: format!("{e}."),
                            });
                        }
                    } else {
                        out.push(d);
                    }
                }
            }
            Err(es) => errors.extend(es),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The Sid of the statements derived from `uses` (the task policy's reader skips them: they
/// are not `task_role_policy_statements`).
pub const SID_PREFIX: &str = "Uses";

#[cfg(test)]
mod tests {
    use super::*;

    fn stores() -> BTreeMap<String, String> {
        [
            (
                "table/UserProgress",
                "arn:aws:dynamodb:us-east-2:123456789012:table/senas-UserProgress",
            ),
            ("bucket/user-uploads", "arn:aws:s3:::senas-user-uploads"),
            (
                "queue/video-processing",
                "arn:aws:sqs:us-east-2:123456789012:senas-video-processing",
            ),
            (
                "topic/achievement-notifs",
                "arn:aws:sns:us-east-2:123456789012:senas-achievement-notifs",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn u(store: &str, access: &str, prefix: Option<&str>) -> Use {
        Use {
            store: store.into(),
            access: access.into(),
            prefix: prefix.map(str::to_string),
        }
    }

    #[test]
    fn each_access_gets_exactly_its_actions_on_exactly_its_store() {
        let d = derive(
            &[
                u("table/UserProgress", "write", None),
                u("bucket/user-uploads", "read_write", Some("uploads/")),
                u("queue/video-processing", "send", None),
                u("topic/achievement-notifs", "publish", None),
                u("bucket/user-uploads", "read", None),
            ],
            &stores(),
        )
        .unwrap();
        assert_eq!(d[0].actions, TABLE_WRITE);
        assert_eq!(
            d[0].resources,
            [
                "arn:aws:dynamodb:us-east-2:123456789012:table/senas-UserProgress",
                "arn:aws:dynamodb:us-east-2:123456789012:table/senas-UserProgress/index/*"
            ]
        );
        assert_eq!(
            d[1].actions,
            ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
        );
        assert_eq!(
            d[1].resources,
            ["arn:aws:s3:::senas-user-uploads/uploads/*"]
        );
        assert_eq!(d[2].actions, QUEUE_SEND);
        assert_eq!(d[3].actions, ["sns:Publish"]);
        // A read of the whole bucket may list it; a prefixed one may not (no condition).
        assert_eq!(d[4].resources, ["arn:aws:s3:::senas-user-uploads/*"]);
        assert_eq!(d[5].actions, ["s3:ListBucket"]);
        assert_eq!(d[5].resources, ["arn:aws:s3:::senas-user-uploads"]);
        assert_eq!(d.len(), 6);
        for s in &d {
            assert!(Statement::parse(&s.actions, &s.resources).is_ok(), "{s:?}");
            assert!(s.actions.iter().all(|a| !a.contains('*')));
        }
    }

    #[test]
    fn an_arn_may_stand_for_a_store() {
        let d = derive(
            &[u("arn:aws:sqs:us-east-2:1:jobs", "consume", None)],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(d[0].actions, QUEUE_CONSUME);
        assert_eq!(d[0].resources, ["arn:aws:sqs:us-east-2:1:jobs"]);
    }

    #[test]
    fn refused_uses_are_reported_on_their_attribute() {
        let errs = derive(
            &[
                u("table/Nope", "read", None),
                u("topic/achievement-notifs", "write", None),
                u("queue/video-processing", "send", Some("x/")),
                u("bucket/user-uploads", "read", Some("up*")),
                u("table/UserProgress", "delete", None),
                u("arn:aws:sqs:us-east-2:1:*", "send", None),
                u("arn:aws:s3:::b/key", "read", None),
            ],
            &stores(),
        )
        .unwrap_err();
        let at: Vec<String> = errs.iter().map(UseError::at).collect();
        assert_eq!(
            at,
            [
                "uses[0].store",
                "uses[1].access",
                "uses[2].prefix",
                "uses[3].prefix",
                "uses[4].access",
                "uses[5].store",
                "uses[6].store"
            ]
        );
        assert!(
            errs[0].message.contains("\"table/UserProgress\""),
            "{}",
            errs[0].message
        );
        assert!(errs[1].message.contains("publish"), "{}", errs[1].message);
    }
}

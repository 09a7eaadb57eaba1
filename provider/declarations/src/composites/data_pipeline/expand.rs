//! `blueprint_data_pipeline` as the plain resources it builds (see [`crate::expand`]): per
//! bucket an `aws_s3_bucket` (versioned, encrypted, lifecycle as declared) and its
//! `aws_s3_bucket_public_access_block`; per stage an `aws_iam_role` trusted by Lambda, an
//! `aws_iam_role_policy` with the derived document, an `aws_sqs_queue` (SQS-managed SSE), an
//! `aws_cloudwatch_log_group` and an `aws_lambda_function` wired to them. The account and region
//! are not known before apply: the derived policy names them `ACCOUNT` and `REGION`.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use super::flow::{self, names, Scope};
use crate::expand::{get, list, object, path, sibling, string, Plain};
use crate::value::{unknown, Generic, Path, Step};

/// A plain resource's name for its bucket or stage, kept for the life of the process (names
/// are `&'static`; each distinct one is stored once).
pub(crate) fn intern(s: String) -> &'static str {
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut set = match NAMES.get_or_init(Default::default).lock() {
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

fn block_path(block: &str, i: usize, attr: &str) -> Path {
    Path::attr(block)
        .then(Step::Index(i))
        .then(Step::Attr(attr.into()))
}

fn items<'a>(config: &'a Generic, name: &str) -> Vec<&'a Generic> {
    match get(config, name) {
        rmpv::Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

/// The plain resources of a `blueprint_data_pipeline` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let (flow, known) = flow::from_config(config);
    let pipeline = get(config, "name").as_str().map(str::to_string);
    let tags = get(config, "tags").clone();
    let named = |f: &dyn Fn(&str) -> String| match &pipeline {
        Some(p) => string(&f(p)),
        None => unknown(),
    };
    let mut out = Vec::new();
    for (i, b) in items(config, "bucket").into_iter().enumerate() {
        let Some(suffix) = get(b, "suffix").as_str() else {
            continue;
        };
        let name = intern(format!("bucket_{suffix}"));
        let mut rule = vec![("enabled", rmpv::Value::Boolean(true))];
        let glacier = get(b, "glacier_transition_days");
        if !glacier.is_nil() {
            rule.push((
                "transition",
                list(vec![object(vec![
                    ("days", glacier.clone()),
                    ("storage_class", string("GLACIER")),
                ])]),
            ));
        }
        let noncurrent = get(b, "noncurrent_version_expiration_days");
        if !noncurrent.is_nil() {
            rule.push((
                "noncurrent_version_expiration",
                list(vec![object(vec![("days", noncurrent.clone())])]),
            ));
        }
        let lifecycle = if rule.len() > 1 {
            list(vec![object(rule)])
        } else {
            rmpv::Value::Nil
        };
        out.push(
            Plain::new(
                "aws_s3_bucket",
                name,
                object(vec![
                    ("bucket", named(&|p| names::bucket(p, suffix))),
                    ("force_destroy", get(config, "force_destroy").clone()),
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
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["bucket"]), block_path("bucket", i, "suffix"))
            .origin(
                path(&["lifecycle_rule"]),
                Path::attr("bucket").then(Step::Index(i)),
            )
            .origin(path(&["force_destroy"]), path(&["force_destroy"])),
        );
        out.push(Plain::new(
            "aws_s3_bucket_public_access_block",
            intern(format!("public_access_block_{suffix}")),
            object(vec![
                ("bucket", sibling("aws_s3_bucket", name, "id")),
                ("block_public_acls", rmpv::Value::Boolean(true)),
                ("block_public_policy", rmpv::Value::Boolean(true)),
                ("ignore_public_acls", rmpv::Value::Boolean(true)),
                ("restrict_public_buckets", rmpv::Value::Boolean(true)),
            ]),
        ));
    }
    let scope = Scope {
        partition: "aws".into(),
        region: "REGION".into(),
        account: "ACCOUNT".into(),
    };
    for (i, s) in items(config, "stage").into_iter().enumerate() {
        let Some(stage) = get(s, "name").as_str() else {
            continue;
        };
        let role = intern(format!("role_{stage}"));
        let queue = intern(format!("dlq_{stage}"));
        out.push(Plain::new(
            "aws_iam_role",
            role,
            object(vec![
                ("name", named(&|p| names::role(p, stage))),
                (
                    "assume_role_policy",
                    string(
                        &serde_json::json!({
                            "Version": "2012-10-17",
                            "Statement": [{
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }],
                        })
                        .to_string(),
                    ),
                ),
                ("tags", tags.clone()),
            ]),
        ));
        let document = match (known.buckets && known.edges, flow.stage(stage)) {
            (true, Some(st)) => string(&flow.policy_document(&scope, st)),
            _ => unknown(),
        };
        out.push(
            Plain::new(
                "aws_iam_role_policy",
                intern(format!("policy_{stage}")),
                object(vec![
                    ("name", string(flow::POLICY_NAME)),
                    ("role", sibling("aws_iam_role", role, "id")),
                    ("policy", document),
                ]),
            )
            .origin(path(&["policy"]), Path::attr("stage").then(Step::Index(i))),
        );
        out.push(Plain::new(
            "aws_sqs_queue",
            queue,
            object(vec![
                ("name", named(&|p| names::queue(p, stage))),
                ("sqs_managed_sse_enabled", rmpv::Value::Boolean(true)),
                ("tags", tags.clone()),
            ]),
        ));
        out.push(
            Plain::new(
                "aws_cloudwatch_log_group",
                intern(format!("log_group_{stage}")),
                object(vec![
                    ("name", named(&|p| names::log_group(p, stage))),
                    (
                        "retention_in_days",
                        match get(config, "log_retention_days") {
                            rmpv::Value::Nil => rmpv::Value::from(30),
                            v => v.clone(),
                        },
                    ),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["retention_in_days"]), path(&["log_retention_days"])),
        );
        let environment = match get(s, "environment") {
            rmpv::Value::Nil => rmpv::Value::Nil,
            v => list(vec![object(vec![("variables", v.clone())])]),
        };
        let attr = |a: &str| get(s, a).clone();
        out.push(
            Plain::new(
                "aws_lambda_function",
                intern(format!("function_{stage}")),
                object(vec![
                    ("function_name", named(&|p| names::function(p, stage))),
                    ("runtime", attr("runtime")),
                    ("handler", attr("handler")),
                    ("filename", attr("filename")),
                    ("s3_bucket", attr("s3_bucket")),
                    ("s3_key", attr("s3_key")),
                    ("memory_size", attr("memory_size")),
                    ("timeout", attr("timeout")),
                    ("role", sibling("aws_iam_role", role, "arn")),
                    ("environment", environment),
                    (
                        "dead_letter_config",
                        list(vec![object(vec![(
                            "target_arn",
                            sibling("aws_sqs_queue", queue, "arn"),
                        )])]),
                    ),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["runtime"]), block_path("stage", i, "runtime"))
            .origin(path(&["handler"]), block_path("stage", i, "handler"))
            .origin(
                path(&["memory_size"]),
                block_path("stage", i, "memory_size"),
            )
            .origin(path(&["timeout"]), block_path("stage", i, "timeout"))
            .origin(
                path(&["environment"])
                    .then(Step::Index(0))
                    .then(Step::Attr("variables".into())),
                block_path("stage", i, "environment"),
            ),
        );
        // The trigger: a notification of the trigger bucket invoking the function.
        let trigger = get(s, "trigger");
        if let Some(bucket) = get(trigger, "bucket").as_str() {
            let trigger_path = block_path("stage", i, "trigger");
            out.push(
                Plain::new(
                    "aws_s3_bucket_notification",
                    intern(format!("notification_{stage}")),
                    object(vec![
                        (
                            "bucket",
                            sibling("aws_s3_bucket", intern(format!("bucket_{bucket}")), "id"),
                        ),
                        (
                            "lambda_function",
                            list(vec![object(vec![
                                (
                                    "lambda_function_arn",
                                    sibling(
                                        "aws_lambda_function",
                                        intern(format!("function_{stage}")),
                                        "arn",
                                    ),
                                ),
                                ("events", list(vec![string("s3:ObjectCreated:*")])),
                                ("filter_prefix", get(trigger, "prefix").clone()),
                                ("filter_suffix", get(trigger, "suffix").clone()),
                            ])]),
                        ),
                    ]),
                )
                .origin(
                    path(&["bucket"]),
                    trigger_path.clone().then(Step::Attr("bucket".into())),
                )
                .origin(
                    path(&["lambda_function"]).then(Step::Index(0)),
                    trigger_path,
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::iam::Statement;

    fn config() -> Generic {
        let edge = |b: &str, p: &str| object(vec![("bucket", string(b)), ("prefix", string(p))]);
        object(vec![
            ("name", string("ml")),
            (
                "bucket",
                list(vec![
                    object(vec![
                        ("suffix", string("raw")),
                        ("glacier_transition_days", rmpv::Value::from(90)),
                    ]),
                    object(vec![("suffix", string("clean"))]),
                ]),
            ),
            (
                "stage",
                list(vec![object(vec![
                    ("name", string("prep")),
                    ("runtime", string("python3.12")),
                    ("reads", list(vec![edge("raw", "in/")])),
                    ("writes", list(vec![edge("clean", "")])),
                ])]),
            ),
        ])
    }

    #[test]
    fn every_child_kind_is_expanded_with_its_origin() {
        let plains = expand(&config());
        let kinds: Vec<(&str, &str)> = plains.iter().map(|p| (p.kind, p.name)).collect();
        assert_eq!(
            kinds,
            [
                ("aws_s3_bucket", "bucket_raw"),
                (
                    "aws_s3_bucket_public_access_block",
                    "public_access_block_raw"
                ),
                ("aws_s3_bucket", "bucket_clean"),
                (
                    "aws_s3_bucket_public_access_block",
                    "public_access_block_clean"
                ),
                ("aws_iam_role", "role_prep"),
                ("aws_iam_role_policy", "policy_prep"),
                ("aws_sqs_queue", "dlq_prep"),
                ("aws_cloudwatch_log_group", "log_group_prep"),
                ("aws_lambda_function", "function_prep"),
            ]
        );
        let raw = &plains[0];
        assert_eq!(get(&raw.attrs, "bucket").as_str(), Some("ml-raw"));
        assert_eq!(
            raw.composite_path(&path(&["bucket"]).0)
                .map(|p| p.to_string()),
            Some("bucket[0].suffix".into())
        );
        let function = &plains[8];
        assert_eq!(
            function
                .composite_path(&path(&["runtime"]).0)
                .map(|p| p.to_string()),
            Some("stage[0].runtime".into())
        );
    }

    #[test]
    fn the_expanded_policy_is_the_derived_one_without_wildcards() {
        let plains = expand(&config());
        let policy = plains
            .iter()
            .find(|p| p.kind == "aws_iam_role_policy")
            .unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(get(&policy.attrs, "policy").as_str().unwrap()).unwrap();
        for s in doc["Statement"].as_array().unwrap() {
            let strings = |v: &serde_json::Value| -> Vec<String> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            };
            Statement::parse(&strings(&s["Action"]), &strings(&s["Resource"]))
                .unwrap_or_else(|e| panic!("{s}: {e:?}"));
        }
        assert!(doc.to_string().contains("arn:aws:s3:::ml-raw/in/*"));
        let queue = plains.iter().find(|p| p.kind == "aws_sqs_queue").unwrap();
        assert_eq!(
            get(&queue.attrs, "sqs_managed_sse_enabled"),
            &rmpv::Value::Boolean(true)
        );
    }
}

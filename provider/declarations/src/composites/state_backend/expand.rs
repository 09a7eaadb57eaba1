//! `blueprint_state_backend` as the plain resources it builds (see [`crate::expand`]): the state
//! bucket (versioned, encrypted, written with the AWS provider's inline blocks since the
//! bucket's settings are one child) and, when `locking` uses DynamoDB, the lock table
//! (encrypted, point-in-time recovery as configured).

use super::syntax::{Locking, TfVersion};
use crate::expand::{as_str, bool_or, get, list, object, path, string, Plain};
use crate::value::{unknown, Generic, Step};

/// Whether the lock table exists: `Some` when `locking` (or, unset, the default for a known
/// `terraform_version`) says; `None` when that is not known before apply.
fn uses_table(config: &Generic) -> Option<bool> {
    match get(config, "locking") {
        rmpv::Value::Nil => {
            let version = TfVersion::parse(as_str(get(config, "terraform_version"))?).ok()?;
            Some(version.default_locking().uses_table())
        }
        v => Locking::parse(as_str(v)?).map(Locking::uses_table),
    }
}

/// The plain resources of a `blueprint_state_backend` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let tags = get(config, "tags").clone();
    let kms = get(config, "kms_key_arn").clone();
    let algorithm = match &kms {
        rmpv::Value::Nil => string("AES256"),
        rmpv::Value::String(_) => string("aws:kms"),
        _ => unknown(),
    };
    let sse = path(&["server_side_encryption_configuration"])
        .then(Step::Index(0))
        .then(Step::Attr("rule".into()))
        .then(Step::Index(0))
        .then(Step::Attr("apply_server_side_encryption_by_default".into()))
        .then(Step::Index(0));
    let mut bucket = Plain::new(
        "aws_s3_bucket",
        "bucket",
        object(vec![
            ("bucket", get(config, "bucket").clone()),
            (
                "force_destroy",
                bool_or(get(config, "force_destroy"), false),
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
                        list(vec![object(vec![
                            ("sse_algorithm", algorithm),
                            ("kms_master_key_id", kms.clone()),
                        ])]),
                    )])]),
                )])]),
            ),
            ("tags", tags.clone()),
        ]),
    )
    .origin(path(&["bucket"]), path(&["bucket"]))
    .origin(path(&["force_destroy"]), path(&["force_destroy"]))
    .origin(sse.clone(), path(&["kms_key_arn"]));
    let expiry = get(config, "noncurrent_version_expiration_days");
    if !expiry.is_nil() {
        if let rmpv::Value::Map(m) = &mut bucket.attrs {
            m.push((
                rmpv::Value::from("lifecycle_rule"),
                list(vec![object(vec![
                    ("enabled", rmpv::Value::Boolean(true)),
                    (
                        "noncurrent_version_expiration",
                        list(vec![object(vec![("days", expiry.clone())])]),
                    ),
                ])]),
            ));
        }
        bucket = bucket.origin(
            path(&["lifecycle_rule"]),
            path(&["noncurrent_version_expiration_days"]),
        );
    }
    let mut out = vec![bucket];

    if uses_table(config) == Some(true) {
        let name = match (get(config, "lock_table"), as_str(get(config, "bucket"))) {
            (rmpv::Value::Nil, Some(b)) => string(&format!("{b}-lock")),
            (rmpv::Value::Nil, None) => unknown(),
            (v, _) => v.clone(),
        };
        let pitr = bool_or(get(config, "point_in_time_recovery"), true);
        out.push(
            Plain::new(
                "aws_dynamodb_table",
                "lock_table",
                object(vec![
                    ("name", name),
                    ("hash_key", string("LockID")),
                    ("billing_mode", string("PAY_PER_REQUEST")),
                    (
                        "attribute",
                        list(vec![object(vec![
                            ("name", string("LockID")),
                            ("type", string("S")),
                        ])]),
                    ),
                    (
                        "server_side_encryption",
                        list(vec![object(vec![
                            ("enabled", rmpv::Value::Boolean(true)),
                            ("kms_key_arn", kms),
                        ])]),
                    ),
                    (
                        "point_in_time_recovery",
                        list(vec![object(vec![("enabled", pitr)])]),
                    ),
                    ("tags", tags),
                ]),
            )
            .origin(path(&["name"]), path(&["lock_table"]))
            .origin(path(&["server_side_encryption"]), path(&["kms_key_arn"]))
            .origin(
                path(&["point_in_time_recovery"]),
                path(&["point_in_time_recovery"]),
            )
            .origin(
                path(&["point_in_time_recovery"])
                    .then(Step::Index(0))
                    .then(Step::Attr("enabled".into())),
                path(&["point_in_time_recovery"]),
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand::{boolean, get};

    fn config(fields: Vec<(&str, Generic)>) -> Generic {
        let mut all = vec![("bucket", string("senas-tfstate"))];
        all.extend(fields);
        object(all)
    }

    fn kinds(plains: &[Plain]) -> Vec<&str> {
        plains.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn the_table_follows_locking_and_the_version() {
        assert_eq!(
            kinds(&expand(&config(vec![("locking", string("lockfile"))]))),
            ["aws_s3_bucket"]
        );
        assert_eq!(
            kinds(&expand(&config(vec![("locking", string("both"))]))),
            ["aws_s3_bucket", "aws_dynamodb_table"]
        );
        assert_eq!(
            kinds(&expand(&config(vec![(
                "terraform_version",
                string("1.5.7")
            )]))),
            ["aws_s3_bucket", "aws_dynamodb_table"]
        );
        assert_eq!(
            kinds(&expand(&config(vec![(
                "terraform_version",
                string("1.11")
            )]))),
            ["aws_s3_bucket"]
        );
        // Neither set: the running Terraform's, not known here.
        assert_eq!(kinds(&expand(&config(vec![]))), ["aws_s3_bucket"]);
    }

    #[test]
    fn the_bucket_is_versioned_and_encrypted_and_pitr_maps_back() {
        let plains = expand(&config(vec![
            ("locking", string("dynamodb")),
            ("point_in_time_recovery", boolean(false)),
            ("kms_key_arn", string("arn:aws:kms:us-east-2:1:key/k")),
        ]));
        let b = &plains[0];
        assert_eq!(
            get(&b.attrs, "versioning"),
            &list(vec![object(vec![("enabled", boolean(true))])])
        );
        let sse = get(&b.attrs, "server_side_encryption_configuration").to_string();
        assert!(sse.contains("aws:kms"), "{sse}");
        let t = &plains[1];
        assert_eq!(get(&t.attrs, "name"), &string("senas-tfstate-lock"));
        let enabled = path(&["point_in_time_recovery"])
            .then(Step::Index(0))
            .then(Step::Attr("enabled".into()));
        assert_eq!(
            t.composite_path(&enabled.0).unwrap().to_string(),
            "point_in_time_recovery"
        );
        assert_eq!(
            get(&get(&t.attrs, "point_in_time_recovery")[0], "enabled"),
            &boolean(false)
        );
    }
}

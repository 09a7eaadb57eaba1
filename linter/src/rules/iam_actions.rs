//! Which IAM actions accept no resource-level permissions (their statements must say
//! `Resource = "*"`), from AWS's Service Authorization Reference as generated into
//! `linter/data/iam_actions_without_resource_level.json` by `linter/scripts/gen_iam_actions.py`
//! (source package, version and date are recorded in the file).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/iam_actions_without_resource_level.json");

#[derive(serde::Deserialize)]
struct File {
    version: String,
    actions: HashMap<String, Vec<String>>,
}

struct Table {
    version: String,
    /// Service prefix (lowercase) to action names (lowercase).
    unscoped: HashMap<String, HashSet<String>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is generated and checked by this module's tests: a parse failure is a
        // build defect, and the rule then treats every action as scopable.
        let file: File = serde_json::from_str(DATA).unwrap_or(File {
            version: String::new(),
            actions: HashMap::new(),
        });
        Table {
            version: file.version,
            unscoped: file
                .actions
                .into_iter()
                .map(|(svc, names)| {
                    let set = names.iter().map(|n| n.to_ascii_lowercase()).collect();
                    (svc.to_ascii_lowercase(), set)
                })
                .collect(),
        }
    })
}

/// Version of the source package the data was generated from.
pub fn data_version() -> &'static str {
    &table().version
}

/// Whether `action` (`service:Action`, any case) accepts no resource type, so a policy can only
/// grant it on `*`. Patterns (`ec2:Describe*`) are not: the actions they cover mostly do accept
/// resource ARNs in some service, and the data does not say which of them would match.
pub fn without_resource_level(action: &str) -> bool {
    let Some((svc, name)) = action.split_once(':') else {
        return false;
    };
    if name.contains(['*', '?']) {
        return false;
    }
    table()
        .unscoped
        .get(&svc.to_ascii_lowercase())
        .is_some_and(|set| set.contains(&name.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_loads() {
        assert!(!data_version().is_empty());
        let n: usize = table().unscoped.values().map(HashSet::len).sum();
        assert!(n > 1000, "{n} actions");
    }

    #[test]
    fn reference_answers() {
        for a in [
            "sts:GetCallerIdentity",
            "ecr:GetAuthorizationToken",
            "s3:ListAllMyBuckets",
            "xray:PutTraceSegments",
            "ssmmessages:CreateControlChannel",
            "STS:getcalleridentity",
        ] {
            assert!(without_resource_level(a), "{a}");
        }
        // The old "Describe*/List* are exempt" shortcut let these through on `*`.
        for a in [
            "s3:ListBucket",
            "kms:DescribeKey",
            "dynamodb:DescribeTable",
            "s3:GetObject",
            "ec2:Describe*",
            "nosuchservice:Action",
            "malformed",
        ] {
            assert!(!without_resource_level(a), "{a}");
        }
    }
}

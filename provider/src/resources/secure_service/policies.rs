//! The two roles' policy documents, derived from the inputs: the execution role pulls exactly
//! the image's repository, writes exactly its log group and reads exactly the listed secrets;
//! the task role gets exactly the given statements.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::kinds::iam_role::canonical_document;
use blueprint_declarations::composites::secure_service::uses;

/// Inline policy of the execution role.
pub const EXECUTION_POLICY: &str = "blueprint-execution";
/// Inline policy of the task role.
pub const TASK_POLICY: &str = "blueprint-task";
/// Key prefix of the execution role in `role_policies`.
pub const EXECUTION: &str = "execution";
/// Key prefix of the task role in `role_policies`.
pub const TASK: &str = "task";

/// Where an ARN lives: partition, region and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnScope {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// Region.
    pub region: String,
    /// Account id.
    pub account: String,
}

impl ArnScope {
    /// The scope of `arn` (e.g. the listener's), if it is an ARN with region and account.
    pub fn of(arn: &str) -> Option<Self> {
        let arn: crate::types::arn::Arn = arn.parse().ok()?;
        if arn.region.is_empty() || arn.account.is_empty() {
            return None;
        }
        Some(Self {
            partition: arn.partition,
            region: arn.region,
            account: arn.account,
        })
    }
}

/// The repository ARN of an ECR image (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`), or
/// `None` for an image from another registry (which needs no ECR permission).
pub fn ecr_repository_arn(image: &str, partition: &str) -> Option<String> {
    let (registry, path) = image.split_once('/')?;
    let labels: Vec<&str> = registry.split('.').collect();
    if labels.len() < 6 || labels[1] != "dkr" || labels[2] != "ecr" {
        return None;
    }
    let (account, region) = (labels[0], labels[3]);
    let repo = match path.rsplit_once('@') {
        Some((repo, _digest)) => repo,
        None => match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => repo,
            _ => path,
        },
    };
    Some(format!(
        "arn:{partition}:ecr:{region}:{account}:repository/{repo}"
    ))
}

/// The execution role's policy: pull the image, write the log group, read the secrets.
pub fn execution_policy(
    scope: &ArnScope,
    image: &str,
    log_group: &str,
    secrets: &BTreeMap<String, String>,
) -> String {
    let mut statements = Vec::new();
    if let Some(repo) = ecr_repository_arn(image, &scope.partition) {
        statements.push(json!({
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [repo],
        }));
        // GetAuthorizationToken has no resource-level permissions: `*` is the only resource.
        statements.push(json!({
            "Sid": "RegistryLogin",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": ["*"],
        }));
    }
    statements.push(json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [format!(
            "arn:{}:logs:{}:{}:log-group:{log_group}:log-stream:*",
            scope.partition, scope.region, scope.account
        )],
    }));
    let (ssm, sm): (Vec<&String>, Vec<&String>) = secrets
        .values()
        .partition(|a| crate::types::arn::is_ssm_parameter(a));
    fn dedup(mut v: Vec<&String>) -> Vec<&String> {
        v.sort();
        v.dedup();
        v
    }
    if !sm.is_empty() {
        statements.push(json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": dedup(sm),
        }));
    }
    if !ssm.is_empty() {
        statements.push(json!({
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameters"],
            "Resource": dedup(ssm),
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// One task-role statement: actions and resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Actions, e.g. `s3:GetObject`.
    pub actions: Vec<String>,
    /// Resource ARNs.
    pub resources: Vec<String>,
}

/// The task role's policy: the given statements (`Statement0`...) then those derived from
/// `uses` (`Uses0`...); `None` when there are none.
pub fn task_policy(statements: &[Statement], derived: &[Statement]) -> Option<String> {
    if statements.is_empty() && derived.is_empty() {
        return None;
    }
    let one = |sid: String, s: &Statement| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": s.actions,
            "Resource": s.resources,
        })
    };
    let statements: Vec<Json> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| one(format!("Statement{i}"), s))
        .chain(
            derived
                .iter()
                .enumerate()
                .map(|(i, s)| one(format!("{}{i}", uses::SID_PREFIX), s)),
        )
        .collect();
    Some(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

/// The statements of a task policy document written by [`task_policy`] (for import).
pub fn statements_of(document: &str) -> Vec<Statement> {
    let doc: Json = serde_json::from_str(&canonical_document(document)).unwrap_or(Json::Null);
    let as_list = |v: &Json| -> Vec<String> {
        match v {
            Json::String(s) => vec![s.clone()],
            Json::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match &doc["Statement"] {
        Json::Array(items) => items.clone(),
        Json::Object(_) => vec![doc["Statement"].clone()],
        _ => Vec::new(),
    };
    statements
        .iter()
        // Those derived from `uses` are not `task_role_policy_statements`.
        .filter(|s| {
            !s["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with(uses::SID_PREFIX))
        })
        .map(|s| Statement {
            actions: as_list(&s["Action"]),
            resources: as_list(&s["Resource"]),
        })
        .collect()
}

/// The wanted `role_policies`: `ROLE/POLICY` to canonical document.
pub fn desired(execution: &str, task: Option<&str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert(
        format!("{EXECUTION}/{EXECUTION_POLICY}"),
        canonical_document(execution),
    );
    if let Some(task) = task {
        out.insert(format!("{TASK}/{TASK_POLICY}"), canonical_document(task));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> ArnScope {
        ArnScope::of("arn:aws:elasticloadbalancing:us-east-2:123456789012:listener/app/senas/1/2")
            .unwrap()
    }

    #[test]
    fn repository_of_ecr_images_only() {
        assert_eq!(
            ecr_repository_arn(
                "123456789012.dkr.ecr.us-east-2.amazonaws.com/senas/content:1.4",
                "aws"
            )
            .as_deref(),
            Some("arn:aws:ecr:us-east-2:123456789012:repository/senas/content")
        );
        assert_eq!(
            ecr_repository_arn(
                "123456789012.dkr.ecr.us-east-2.amazonaws.com/users@sha256:abc",
                "aws"
            )
            .as_deref(),
            Some("arn:aws:ecr:us-east-2:123456789012:repository/users")
        );
        assert_eq!(ecr_repository_arn("nginx:1.27", "aws"), None);
        assert_eq!(ecr_repository_arn("ghcr.io/org/app:1", "aws"), None);
    }

    #[test]
    fn execution_policy_is_exact() {
        let mut secrets = BTreeMap::new();
        secrets.insert(
            "DB_PASSWORD".to_string(),
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:aurora-AbC".to_string(),
        );
        let doc: Json = serde_json::from_str(&execution_policy(
            &scope(),
            "123456789012.dkr.ecr.us-east-2.amazonaws.com/content:1",
            "/ecs/content",
            &secrets,
        ))
        .unwrap();
        let resources: Vec<String> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Resource"].as_array().unwrap().clone())
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:ecr:us-east-2:123456789012:repository/content",
                "*",
                "arn:aws:logs:us-east-2:123456789012:log-group:/ecs/content:log-stream:*",
                "arn:aws:secretsmanager:us-east-2:123456789012:secret:aurora-AbC",
            ]
        );
        // The one `*` is GetAuthorizationToken's, which cannot be scoped.
        let star = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Resource"][0] == "*")
            .unwrap();
        assert_eq!(star["Action"], json!(["ecr:GetAuthorizationToken"]));
    }

    #[test]
    fn task_statements_round_trip() {
        let given = vec![Statement {
            actions: vec!["dynamodb:GetItem".into(), "dynamodb:PutItem".into()],
            resources: vec!["arn:aws:dynamodb:us-east-2:123456789012:table/UserData".into()],
        }];
        let doc = task_policy(&given, &[]).unwrap();
        assert_eq!(statements_of(&doc), given);
        assert_eq!(task_policy(&[], &[]), None);
    }

    #[test]
    fn derived_statements_follow_and_are_not_read_back_as_given_ones() {
        let given = vec![Statement {
            actions: vec!["dynamodb:GetItem".into()],
            resources: vec!["arn:aws:dynamodb:us-east-2:123456789012:table/UserData".into()],
        }];
        let derived = vec![Statement {
            actions: vec!["sns:Publish".into()],
            resources: vec!["arn:aws:sns:us-east-2:123456789012:senas-achievement-notifs".into()],
        }];
        let doc = task_policy(&given, &derived).unwrap();
        let json: Json = serde_json::from_str(&doc).unwrap();
        assert_eq!(json["Statement"][1]["Sid"], "Uses0");
        assert_eq!(json["Statement"][1]["Action"], json!(["sns:Publish"]));
        assert_eq!(statements_of(&doc), given);
        let only_derived = task_policy(&[], &derived).unwrap();
        assert!(statements_of(&only_derived).is_empty());
    }
}

//! `iam-no-wildcard`: IAM policies must not grant `*` or `service:*` actions, nor `*`
//! resources where the actions allow scoping.

use super::iam_actions::without_resource_level;
use super::support::{block_statements, json_policy_statements, Statement};
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, PathStep, Severity};
use std::collections::{HashMap, HashSet};

use crate::model::{Mode, Model, Resource, Value};

/// The rule.
pub struct IamNoWildcard;

static META: RuleMeta = RuleMeta {
    id: "iam-no-wildcard",
    title: "IAM policies grant no wildcard actions or resources",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "IAM roles with scoped permissions (no wildcards)",
    },
    description: "IAM policies grant no `*` or `service:*` actions and no `*` resource where the actions support resource-level permissions.",
    fix: "List the exact actions the workload calls and the ARNs it touches (e.g. `aws_s3_bucket.media.arn`).",
    checkov: &["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_286", "CKV_AWS_355"],
    trivy: &["AVD-AWS-0057"],
    checks: r##"Every `Allow` statement is checked wherever a policy can be written: the `policy` of `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy` and of the resources that carry a resource-based policy (`aws_kms_key`, `aws_kms_key_policy`, `aws_secretsmanager_secret(_policy)`, `aws_ecr_repository_policy`, `aws_ecr_registry_policy`, `aws_ecrpublic_repository_policy`, `aws_s3_bucket(_policy)`, `aws_sqs_queue(_policy)`, `aws_sns_topic(_policy)`, `aws_backup_vault_policy`, `aws_efs_file_system_policy`, `aws_api_gateway_rest_api_policy`, `aws_cloudwatch_log_resource_policy.policy_document`, `aws_glacier_vault.access_policy`, `aws_elasticsearch_domain_policy` / `aws_opensearch_domain_policy` `access_policies`), written as `jsonencode(...)`, a heredoc, `file()`/`templatefile()` of a JSON file, or any evaluated string; `aws_iam_role.inline_policy`, `data "aws_iam_policy_document"` statements, and every policy a Blueprint composite builds (the `task_role_policy_statements` of `blueprint_secure_service` are its task role's inline policy), reported on the composite's attribute.

- An action `*` or `service:*` is reported at the action.
- `NotAction` (`not_actions`) in an `Allow` is reported: it grants every action except the ones listed, on `*` almost everything.
- A resource `*`, or a `NotResource` (`not_resources`, every resource but the ones listed), is reported when at least one of the statement's actions supports resource-level permissions. Which actions do not (e.g. `ecr:GetAuthorizationToken`, `sts:GetCallerIdentity`, `s3:ListAllMyBuckets`) comes from AWS's Service Authorization Reference, generated into `linter/data/iam_actions_without_resource_level.json` (source package, version and date in the file; `linter/scripts/gen_iam_actions.py` regenerates it). `s3:ListBucket`, `kms:DescribeKey` and `dynamodb:DescribeTable` take resource ARNs, so `*` is reported for them. A pattern such as `ec2:Describe*` counts as scopable: some of the actions it covers take ARNs.
- The resource-based policy of a single resource (`aws_kms_key` / `aws_kms_key_policy`, `aws_secretsmanager_secret` / `aws_secretsmanager_secret_policy`, `aws_ecr_repository_policy`), where `Resource = "*"` means that resource itself, is not reported for `*` resources, whether written inline or through a policy document used only there. Its wildcard actions are.
- A policy string that is not valid JSON is reported as a note at the attribute (with the line and column inside the policy text): it could not be checked.
- `Deny` statements are not reported. Unknown actions (a variable without a value) are never reported."##,
    notes: r##"Trivy's wildcard-IAM check (AVD-AWS-0057) is deprecated; Checkov's checks look at one resource type at a time and miss policies assembled through locals."##,
    reads: &["aws_api_gateway_rest_api_policy", "aws_backup_vault_policy", "aws_cloudwatch_log_resource_policy", "aws_ecr_registry_policy", "aws_ecr_repository_policy", "aws_ecrpublic_repository_policy", "aws_efs_file_system_policy", "aws_elasticsearch_domain_policy", "aws_glacier_vault", "aws_iam_group_policy", "aws_iam_policy", "aws_iam_policy_document", "aws_iam_role", "aws_iam_role_policy", "aws_iam_user_policy", "aws_kms_key", "aws_kms_key_policy", "aws_opensearch_domain_policy", "aws_s3_bucket", "aws_s3_bucket_policy", "aws_secretsmanager_secret", "aws_secretsmanager_secret_policy", "aws_sns_topic", "aws_sns_topic_policy", "aws_sqs_queue", "aws_sqs_queue_policy"],
    prod_only: false,
};

/// Attributes holding the resource-based policy of one resource, where `Resource = "*"` in a
/// statement means that resource.
const RESOURCE_POLICIES: &[(&str, &str)] = &[
    ("aws_kms_key", "policy"),
    ("aws_kms_key_policy", "policy"),
    ("aws_secretsmanager_secret", "policy"),
    ("aws_secretsmanager_secret_policy", "policy"),
    ("aws_ecr_repository_policy", "policy"),
];

/// Resources with an attribute that holds a JSON policy document (`jsonencode(...)`, a
/// heredoc, a file, or a policy document's `json`): identity policies and resource-based
/// policies alike.
const INLINE_POLICIES: &[(&str, &str)] = &[
    ("aws_iam_policy", "policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_iam_user_policy", "policy"),
    ("aws_iam_group_policy", "policy"),
    ("aws_kms_key", "policy"),
    ("aws_kms_key_policy", "policy"),
    ("aws_secretsmanager_secret", "policy"),
    ("aws_secretsmanager_secret_policy", "policy"),
    ("aws_ecr_repository_policy", "policy"),
    ("aws_ecr_registry_policy", "policy"),
    ("aws_ecrpublic_repository_policy", "policy"),
    ("aws_s3_bucket", "policy"),
    ("aws_s3_bucket_policy", "policy"),
    ("aws_sqs_queue", "policy"),
    ("aws_sqs_queue_policy", "policy"),
    ("aws_sns_topic", "policy"),
    ("aws_sns_topic_policy", "policy"),
    ("aws_backup_vault_policy", "policy"),
    ("aws_efs_file_system_policy", "policy"),
    ("aws_api_gateway_rest_api_policy", "policy"),
    ("aws_cloudwatch_log_resource_policy", "policy_document"),
    ("aws_glacier_vault", "access_policy"),
    ("aws_elasticsearch_domain_policy", "access_policies"),
    ("aws_opensearch_domain_policy", "access_policies"),
];

/// The attribute of resource type `ty` that holds a JSON policy, if it has one.
fn inline_policy_attribute(ty: &str) -> Option<&'static str> {
    INLINE_POLICIES
        .iter()
        .find(|(t, _)| *t == ty)
        .map(|(_, attr)| *attr)
}

fn is_wildcard_action(a: &str) -> bool {
    a == "*" || a.ends_with(":*")
}

/// The policy documents whose rendered JSON is used, and used only, as the resource-based
/// policy of single resources (through a reference to the document, or as its `json` string,
/// as a plan records it). A document used nowhere, or anywhere else, is checked as an identity
/// policy. One pass over the model's attributes.
fn resource_policy_documents(model: &Model) -> HashSet<&str> {
    let docs: Vec<&Resource> = model.data_of_type("aws_iam_policy_document").collect();
    if docs.is_empty() {
        return HashSet::new();
    }
    let by_json: HashMap<&str, &str> = docs
        .iter()
        .filter_map(|d| Some((d.attributes.get("json").as_str()?, d.address.as_str())))
        .collect();
    let addresses: HashSet<&str> = docs.iter().map(|d| d.address.as_str()).collect();
    let is_doc = |a: &str| addresses.contains(a);
    // Per document: used as a resource policy, used elsewhere.
    let mut uses: HashMap<&str, (bool, bool)> = HashMap::new();
    for r in &model.resources {
        let Value::Map(attrs) = &r.attributes else {
            continue;
        };
        for (name, v) in attrs {
            let resource_policy = RESOURCE_POLICIES
                .iter()
                .any(|(ty, attr)| r.resource_type == *ty && name == attr);
            let mut found = Vec::new();
            collect_uses(v, &is_doc, &by_json, &mut found);
            for doc in found {
                if doc == r.address {
                    continue;
                }
                let e = uses.entry(doc).or_default();
                if resource_policy {
                    e.0 = true;
                } else {
                    e.1 = true;
                }
            }
        }
    }
    uses.into_iter()
        .filter(|(_, (resource, other))| *resource && !*other)
        .map(|(doc, _)| doc)
        .collect()
}

fn collect_uses<'m>(
    v: &'m Value,
    is_doc: &dyn Fn(&str) -> bool,
    by_json: &HashMap<&str, &'m str>,
    out: &mut Vec<&'m str>,
) {
    match v {
        Value::Reference(r) if is_doc(&r.address) => out.push(&r.address),
        Value::String(s) => {
            if let Some(doc) = by_json.get(s.as_str()) {
                out.push(doc);
            }
        }
        Value::List(l) => l.iter().for_each(|e| collect_uses(e, is_doc, by_json, out)),
        Value::Map(m) => m
            .values()
            .for_each(|e| collect_uses(e, is_doc, by_json, out)),
        _ => {}
    }
}

impl Rule for IamNoWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let resource_policies = resource_policy_documents(ctx.model);
        for r in &ctx.model.resources {
            let a = &r.attributes;
            let mut resource_policy = false;
            let inline = match r.mode {
                Mode::Managed => inline_policy_attribute(&r.resource_type),
                _ => None,
            };
            let parsed: Vec<(Vec<PathStep>, Result<Vec<Statement>, _>)> =
                match (r.mode, r.resource_type.as_str(), inline) {
                    (_, ty, Some(attr)) => {
                        resource_policy = RESOURCE_POLICIES.contains(&(ty, attr));
                        let p = vec![PathStep::attr(attr)];
                        vec![(p.clone(), json_policy_statements(a.get(attr), &p))]
                    }
                    (Mode::Managed, "aws_iam_role", _) => a
                        .blocks("inline_policy")
                        .into_iter()
                        .map(|(i, b)| {
                            let p = crate::path!["inline_policy", i, "policy"];
                            let s = json_policy_statements(b.get("policy"), &p);
                            (p, s)
                        })
                        .collect(),
                    (Mode::Data, "aws_iam_policy_document", _) => {
                        resource_policy = resource_policies.contains(r.address.as_str());
                        vec![(Vec::new(), Ok(block_statements(a, "statement")))]
                    }
                    _ => continue,
                };
            for (path, stmts) in parsed {
                match stmts {
                    Ok(stmts) => check_statements(ctx, r, &stmts, resource_policy, &mut out),
                    Err(e) => {
                        let mut f = ctx.finding(&META, r, path, e.to_string());
                        f.severity = Severity::Info;
                        out.push(f);
                    }
                }
            }
        }
        out
    }
}

fn indexed(path: &[PathStep], j: usize) -> Vec<PathStep> {
    let mut p = path.to_vec();
    p.push(PathStep::Index(j));
    p
}

fn check_statements(
    ctx: &Context<'_>,
    r: &Resource,
    stmts: &[Statement],
    resource_policy: bool,
    out: &mut Vec<Finding>,
) {
    for s in stmts.iter().filter(|s| s.allow) {
        if let Some(not) = &s.not_actions {
            let listed: Vec<&str> = not.items.iter().flatten().map(String::as_str).collect();
            out.push(ctx.finding(
                &META,
                r,
                not.path.clone(),
                format!(
                    "`NotAction` in an Allow grants every action except `{}`",
                    listed.join("`, `")
                ),
            ));
            continue;
        }
        let mut wildcard = false;
        for (j, act) in s.actions.iter().enumerate() {
            let Some(act) = act else { continue };
            if is_wildcard_action(act) {
                wildcard = true;
                out.push(ctx.finding(
                    &META,
                    r,
                    indexed(&s.actions_path, j),
                    format!("action `{act}` grants every action of {}", service(act)),
                ));
            }
        }
        if wildcard {
            continue;
        }
        let scopable: Vec<&str> = s
            .actions
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|a| !without_resource_level(a))
            .collect();
        if scopable.is_empty() {
            continue;
        }
        let actions = scopable.join("`, `");
        if let Some(not) = &s.not_resources {
            out.push(ctx.finding(
                &META,
                r,
                not.path.clone(),
                format!(
                    "`NotResource` grants `{actions}` on every resource except the ones listed"
                ),
            ));
            continue;
        }
        if resource_policy {
            continue;
        }
        for (j, res) in s.resources.iter().enumerate() {
            if res.as_deref() == Some("*") {
                out.push(ctx.finding(
                    &META,
                    r,
                    indexed(&s.resources_path, j),
                    format!("resource `*` for `{actions}`, which can be scoped to specific ARNs"),
                ));
            }
        }
    }
}

fn service(action: &str) -> String {
    match action.split_once(':') {
        Some((svc, _)) => format!("`{svc}`"),
        None => "every service".to_string(),
    }
}

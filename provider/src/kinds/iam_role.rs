//! IAM role children: a role trusted by one AWS service, its inline policies, what is attached
//! to it (observed for drift repair), and its deletion with everything attached.

use super::codes as code;
use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;

use super::ownership::{not_ours, owned, OWNER_TAG};
use crate::clients::error_code;
use crate::composite::{delete_retrying, done_unless_gone, CompositeError, Ctx};

/// The trust policy letting `service` (e.g. `ecs-tasks.amazonaws.com`) assume a role.
pub fn trust_policy(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

/// IAM tags from a tag map.
pub fn tags(all: &BTreeMap<String, String>) -> Result<Vec<Tag>, CompositeError> {
    all.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| CompositeError::new("Building IAM tags", e.to_string()))
        })
        .collect()
}

/// Create role `name` trusted by `service`; returns its ARN.
pub async fn create(
    ctx: &Ctx,
    name: &str,
    service: &str,
    description: &str,
    tag_map: &BTreeMap<String, String>,
) -> Result<String, CompositeError> {
    let iam = ctx.clients.iam();
    let sent = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy(service))
        .description(description)
        .set_tags(Some(tags(tag_map)?))
        .send()
        .await;
    match sent {
        Ok(out) => {
            super::id_in_answer(out.role().map(|r| r.arn()), &format!("IAM role \"{name}\""))
        }
        // Made by an earlier, interrupted create of the same resource: adopt it.
        Err(e) if error_code(&e).as_deref() == Some(code::iam::ENTITY_ALREADY_EXISTS) => {
            let Some(owner) = tag_map.get(OWNER_TAG) else {
                return Err(CompositeError::aws(
                    format!("Creating IAM role \"{name}\""),
                    &e,
                ));
            };
            let out = iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading IAM role \"{name}\""), &e))?;
            let role = out.role();
            let ours =
                role.is_some_and(|r| owned(r.tags().iter().map(|t| (t.key(), t.value())), owner));
            match role {
                Some(r) if ours => Ok(r.arn().to_string()),
                _ => Err(not_ours(&format!("IAM role \"{name}\""), owner)),
            }
        }
        Err(e) => Err(CompositeError::aws(
            format!("Creating IAM role \"{name}\""),
            &e,
        )),
    }
}

/// Put (create or replace) inline policy `policy` of `role`.
pub async fn put_inline(
    ctx: &Ctx,
    role: &str,
    policy: &str,
    document: &str,
) -> Result<(), CompositeError> {
    ctx.clients
        .iam()
        .put_role_policy()
        .role_name(role)
        .policy_name(policy)
        .policy_document(document)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Putting policy {policy} on \"{role}\""), &e))?;
    Ok(())
}

/// Delete inline policy `policy` of `role` (nothing if it is already gone).
pub async fn delete_inline(ctx: &Ctx, role: &str, policy: &str) -> Result<(), CompositeError> {
    done_unless_gone(
        ctx.clients
            .iam()
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await,
        code::iam::NO_SUCH_ENTITY,
        format!("Deleting policy {policy} of \"{role}\""),
    )
}

/// A policy document in one canonical form (IAM returns documents URL-encoded, with its own
/// spacing and key order): parsed, keys sorted, compact.
pub fn canonical_document(doc: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(doc).decode_utf8_lossy();
    let text = if decoded.trim_start().starts_with('{') {
        decoded.into_owned()
    } else {
        doc.to_string()
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|v| v.to_string())
        .unwrap_or(text)
}

/// What is on a role: its ARN, inline policies (name to canonical document) and attached
/// managed policy ARNs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The role ARN.
    pub arn: String,
    /// Inline policies, canonical documents.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies.
    pub attached: Vec<String>,
}

/// Read role `name`; `None` when it does not exist.
pub async fn read(ctx: &Ctx, name: &str) -> Result<Option<Observed>, CompositeError> {
    let iam = ctx.clients.iam();
    let arn = match iam.get_role().role_name(name).send().await {
        Ok(out) => {
            super::id_in_answer(out.role().map(|r| r.arn()), &format!("IAM role \"{name}\""))?
        }
        Err(e) if error_code(&e).as_deref() == Some(code::iam::NO_SUCH_ENTITY) => return Ok(None),
        Err(e) => return Err(CompositeError::aws(format!("Reading role \"{name}\""), &e)),
    };
    let mut observed = Observed {
        arn,
        ..Observed::default()
    };
    let names = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing inline policies of \"{name}\""), &e))?;
    for policy in names.policy_names() {
        let doc = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Reading policy {policy} of \"{name}\""), &e)
            })?;
        observed
            .inline
            .insert(policy.clone(), canonical_document(doc.policy_document()));
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing policies of \"{name}\""), &e))?;
    observed.attached = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    observed.attached.sort();
    Ok(Some(observed))
}

/// Make the role's policies exactly `inline` (name to document) and no managed policy but
/// `keep_attached`: what was added out of band is removed.
pub async fn converge(
    ctx: &Ctx,
    role: &str,
    have: &Observed,
    inline: &BTreeMap<String, String>,
    keep_attached: &[String],
) -> Result<(), CompositeError> {
    for (name, doc) in inline {
        if have.inline.get(name) != Some(&canonical_document(doc)) {
            put_inline(ctx, role, name, doc).await?;
        }
    }
    for name in have.inline.keys().filter(|n| !inline.contains_key(*n)) {
        delete_inline(ctx, role, name).await?;
    }
    for arn in have.attached.iter().filter(|a| !keep_attached.contains(a)) {
        detach(ctx, role, arn).await?;
    }
    Ok(())
}

async fn detach(ctx: &Ctx, role: &str, arn: &str) -> Result<(), CompositeError> {
    done_unless_gone(
        ctx.clients
            .iam()
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await,
        code::iam::NO_SUCH_ENTITY,
        format!("Detaching {arn} from \"{role}\""),
    )
}

/// Delete role `name` with its inline and attached policies; nothing if it is already gone.
/// Retries while something (an instance profile) still holds it.
pub async fn delete(ctx: &Ctx, name: &str) -> Result<(), CompositeError> {
    let Some(observed) = read(ctx, name).await? else {
        return Ok(());
    };
    for arn in &observed.attached {
        detach(ctx, name, arn).await?;
    }
    for policy in observed.inline.keys() {
        delete_inline(ctx, name, policy).await?;
    }
    let iam = ctx.clients.iam();
    delete_retrying(
        &ctx.deadline,
        &format!("role \"{name}\""),
        code::iam::NO_SUCH_ENTITY,
        code::iam::DELETE_CONFLICT,
        || iam.delete_role().role_name(name).send(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_compare_in_canonical_form() {
        let ours = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#;
        let returned = "%7B%22Statement%22%3A%20%5B%7B%22Resource%22%3A%20%5B%22arn%3Aaws%3As3%3A%3A%3Ab%2F%2A%22%5D%2C%20%22Action%22%3A%20%5B%22s3%3AGetObject%22%5D%2C%20%22Effect%22%3A%20%22Allow%22%7D%5D%2C%20%22Version%22%3A%20%222012-10-17%22%7D";
        assert_eq!(canonical_document(ours), canonical_document(returned));
        assert_ne!(
            canonical_document(ours),
            canonical_document(&ours.replace("GetObject", "PutObject"))
        );
    }
}

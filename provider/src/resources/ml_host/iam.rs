//! The host's IAM role (ECR read-only) and instance profile.

use aws_sdk_iam::types::Tag;
use tf_provider::value::Value;

use super::{list, MlHostState, ECR_READ_ONLY};
use crate::children::iam_role;
use crate::children::ownership::{not_ours, owned};
use crate::clients::error_code;
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};

fn tags(state: &MlHostState) -> Result<Vec<Tag>, CompositeError> {
    iam_role::tags(&state.child_tags())
}

fn ecr_policy(ctx: &Ctx) -> String {
    format!("arn:{}:iam::aws:{ECR_READ_ONLY}", ctx.clients.partition())
}

/// Name of the inline policy that lets the host read exactly its secrets.
pub const SECRETS_POLICY: &str = "blueprint-secrets";

/// Read access to exactly the ARNs of `secret_environment`, or `None` when there are none.
pub fn secrets_policy(state: &MlHostState) -> Option<String> {
    let arns: Vec<String> = super::entries(&state.secret_environment)
        .into_values()
        .collect();
    if arns.is_empty() {
        return None;
    }
    let (ssm, sm): (Vec<String>, Vec<String>) = arns
        .into_iter()
        .partition(|a| crate::types::arn::is_ssm_parameter(a));
    let mut statements = Vec::new();
    if !sm.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sm,
        }));
    }
    if !ssm.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": ssm,
        }));
    }
    Some(serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

fn missing(code: Option<String>) -> bool {
    code.as_deref() == Some("NoSuchEntity")
}

/// Role, its policy, the profile and the role in the profile; each recorded as it exists.
pub async fn create(
    ctx: &Ctx,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let iam = ctx.clients.iam();
    let role = planned.role_name_for();
    let arn = iam_role::create(
        ctx,
        &role,
        "ec2.amazonaws.com",
        "blueprint_ml_host: pull images from ECR",
        &planned.child_tags(),
    )
    .await?;
    rec.record(|s| s.role_arn = Value::Value(arn));
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn(ecr_policy(ctx))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Attaching ECR read-only to \"{role}\""), &e))?;
    if let Some(doc) = secrets_policy(planned) {
        iam.put_role_policy()
            .role_name(&role)
            .policy_name(SECRETS_POLICY)
            .policy_document(doc)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Granting \"{role}\" its secrets"), &e))?;
    }
    let profile = planned.profile_name_for();
    let sent = iam
        .create_instance_profile()
        .instance_profile_name(&profile)
        .set_tags(Some(tags(planned)?))
        .send()
        .await;
    let (arn, has_role) = match sent {
        Ok(out) => (
            out.instance_profile()
                .map(|p| p.arn().to_string())
                .unwrap_or_default(),
            false,
        ),
        // Made by an earlier, interrupted create of this resource: adopt it.
        Err(e) if error_code(&e).as_deref() == Some("EntityAlreadyExists") => {
            let out = iam
                .get_instance_profile()
                .instance_profile_name(&profile)
                .send()
                .await
                .map_err(|e| {
                    CompositeError::aws(format!("Reading instance profile \"{profile}\""), &e)
                })?;
            let owner = planned.owner();
            match out.instance_profile() {
                Some(p) if owned(p.tags().iter().map(|t| (t.key(), t.value())), &owner) => (
                    p.arn().to_string(),
                    p.roles().iter().any(|r| r.role_name() == role),
                ),
                _ => return Err(not_ours(&format!("instance profile \"{profile}\""), &owner)),
            }
        }
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Creating instance profile \"{profile}\""),
                &e,
            ))
        }
    };
    rec.record(|s| s.instance_profile_arn = Value::Value(arn));
    if has_role {
        return Ok(());
    }
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Adding \"{role}\" to \"{profile}\""), &e))?;
    Ok(())
}

/// Refresh the role (ARN, attached policies) and the profile this state records: a role or
/// profile that merely has the resource's name is not its child until it is in the state
/// (a create may have failed on it because it is someone else's).
pub async fn read(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    read_children(ctx, state, false).await
}

/// On import: find the role and profile by the resource's names.
pub async fn discover(ctx: &Ctx, state: &mut MlHostState) -> Result<(), CompositeError> {
    read_children(ctx, state, true).await
}

async fn read_children(
    ctx: &Ctx,
    state: &mut MlHostState,
    discover: bool,
) -> Result<(), CompositeError> {
    if !state.name.is_value() {
        return Ok(());
    }
    let iam = ctx.clients.iam();
    let role = state.role_name_for();
    let (read_role, read_profile) = (
        discover || state.role_arn.is_value(),
        discover || state.instance_profile_arn.is_value(),
    );
    if !read_role {
        // Nothing recorded: nothing to refresh.
    } else {
        match iam.get_role().role_name(&role).send().await {
            Ok(out) => {
                state.role_arn = out
                    .role()
                    .map(|r| Value::Value(r.arn().to_string()))
                    .unwrap_or(Value::Null);
                let attached = iam
                    .list_attached_role_policies()
                    .role_name(&role)
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Listing policies of \"{role}\""), &e)
                    })?;
                let mut arns: Vec<String> = attached
                    .attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect();
                arns.sort();
                state.role_policy_arns = list(arns);
            }
            Err(e) if missing(error_code(&e)) => {
                state.role_arn = Value::Null;
                state.role_policy_arns = list(Vec::new());
            }
            Err(e) => return Err(CompositeError::aws(format!("Reading role \"{role}\""), &e)),
        }
    }
    let profile = state.profile_name_for();
    if !read_profile {
        return Ok(());
    }
    match iam
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
    {
        Ok(out) => {
            state.instance_profile_arn = out
                .instance_profile()
                .map(|p| Value::Value(p.arn().to_string()))
                .unwrap_or(Value::Null)
        }
        Err(e) if missing(error_code(&e)) => state.instance_profile_arn = Value::Null,
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading profile \"{profile}\""),
                &e,
            ))
        }
    }
    Ok(())
}

/// Attach what is missing, detach what was added out of band.
pub async fn reconcile(
    ctx: &Ctx,
    prior: &MlHostState,
    planned: &MlHostState,
    rec: &Recorder<MlHostState>,
) -> Result<(), CompositeError> {
    let iam = ctx.clients.iam();
    let role = planned.role_name_for();
    let want = ecr_policy(ctx);
    let have = super::strings(&prior.role_policy_arns);
    for arn in have.iter().filter(|a| **a != want) {
        iam.detach_role_policy()
            .role_name(&role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Detaching {arn} from \"{role}\""), &e))?;
    }
    if !have.contains(&want) {
        iam.attach_role_policy()
            .role_name(&role)
            .policy_arn(&want)
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(format!("Attaching ECR read-only to \"{role}\""), &e)
            })?;
    }
    rec.record(|s| s.role_policy_arns = list(vec![want]));
    Ok(())
}

/// Profile then role, tolerating what is already gone.
pub async fn delete(ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
    // Only what the state records is this resource's to delete.
    if !state.name.is_value()
        || !(state.role_arn.is_value() || state.instance_profile_arn.is_value())
    {
        return Ok(());
    }
    let iam = ctx.clients.iam();
    let role = state.role_name_for();
    let profile = state.profile_name_for();
    // Remove the role only if the profile holds it (a create that failed half-way may not have
    // added it, and some implementations answer that case with an unparseable error).
    let holds_role = match iam
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
    {
        Ok(out) => out
            .instance_profile()
            .is_some_and(|p| p.roles().iter().any(|r| r.role_name() == role)),
        Err(e) if missing(error_code(&e)) => false,
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading profile \"{profile}\""),
                &e,
            ))
        }
    };
    if holds_role {
        done_unless_gone(
            iam.remove_role_from_instance_profile()
                .instance_profile_name(&profile)
                .role_name(&role)
                .send()
                .await,
            "NoSuchEntity",
            format!("Removing \"{role}\" from \"{profile}\""),
        )?;
    }
    if state.instance_profile_arn.is_value() {
        done_unless_gone(
            iam.delete_instance_profile()
                .instance_profile_name(&profile)
                .send()
                .await,
            "NoSuchEntity",
            format!("Deleting profile \"{profile}\""),
        )?;
    }
    if !state.role_arn.is_value() {
        return Ok(());
    }
    iam_role::delete(ctx, &role).await
}

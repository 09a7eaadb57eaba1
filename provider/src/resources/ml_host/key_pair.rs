//! The `key_pair` child: `NAME-key`, the imported `ssh_public_key` (only when one is given).
//!
//! Deleted out of band, it is imported again under the same name, as terraform-provider-aws's
//! `aws_key_pair` does: a running instance keeps the key it was launched with (EC2 copies it
//! at boot and cannot change it), so the host itself is left alone.

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;

use super::{tag_spec, MlHostState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::kinds::tags;

const NOT_FOUND: &str = "InvalidKeyPair.NotFound";

/// The key pair `name` as EC2 describes it, `None` when it does not exist.
async fn describe(
    ctx: &Ctx,
    name: &str,
) -> Result<Option<aws_sdk_ec2::types::KeyPairInfo>, CompositeError> {
    match ctx
        .clients
        .ec2()
        .describe_key_pairs()
        .key_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.key_pairs().first().cloned()),
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => Ok(None),
        Err(e) => Err(CompositeError::aws(
            format!("Reading key pair \"{name}\""),
            &e,
        )),
    }
}

/// The key pair's operations.
pub struct KeyPair;

#[async_trait]
impl ChildOps<MlHostState> for KeyPair {
    fn name(&self) -> &'static str {
        "key_pair"
    }

    fn wanted(&self, state: &MlHostState) -> bool {
        !state.ssh_public_key.is_null()
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let Value::Value(key) = &planned.ssh_public_key else {
            return Ok(());
        };
        let name = planned.key_name_for();
        let sent = ctx
            .clients
            .ec2()
            .import_key_pair()
            .key_name(&name)
            .public_key_material(aws_smithy_types::Blob::new(key.trim().as_bytes()))
            .tag_specifications(tag_spec(&planned, ResourceType::KeyPair, &name))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            // Imported by an earlier, interrupted create of this resource: adopt it.
            Err(e) if error_code(&e).as_deref() == Some("InvalidKeyPair.Duplicate") => {
                let owner = planned.owner();
                let ours = describe(ctx, &name).await?.is_some_and(|k| {
                    owned(
                        k.tags()
                            .iter()
                            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                        &owner,
                    )
                });
                if !ours {
                    return Err(not_ours(&format!("key pair \"{name}\""), &owner));
                }
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Importing key pair \"{name}\""),
                    &e,
                ))
            }
        }
        rec.record(|s| s.key_name = Value::Value(name));
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, rec: &Recorder<MlHostState>) -> Result<Found, CompositeError> {
        let name = rec.snapshot().key_name_for();
        Ok(match describe(ctx, &name).await? {
            Some(_) => Found::Present,
            None => Found::Gone,
        })
    }

    /// Tags follow `tags_all` (the key itself changes only with a new host).
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &MlHostState,
        rec: &Recorder<MlHostState>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        if planned.tags_all == prior.tags_all {
            return Ok(());
        }
        let name = planned.key_name_for();
        let Some(id) = describe(ctx, &name)
            .await?
            .and_then(|k| k.key_pair_id().map(str::to_string))
        else {
            // Gone since the plan: imported again, under the same name, with the new tags.
            return self.create(ctx, rec).await;
        };
        tags::ec2(ctx, &[id], &prior.tags_all_map(), &planned.tags_all_map()).await
    }

    async fn delete(&self, ctx: &Ctx, state: &MlHostState) -> Result<(), CompositeError> {
        let name = state.key_name_for();
        done_unless_gone(
            ctx.clients
                .ec2()
                .delete_key_pair()
                .key_name(&name)
                .send()
                .await,
            NOT_FOUND,
            format!("Deleting key pair \"{name}\""),
        )
    }
}

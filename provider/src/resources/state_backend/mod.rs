//! `blueprint_state_backend`: the Terraform state bucket and lock table of seed 001, as one
//! resource that cannot be made unsafe by accident.
//!
//! Always on: bucket versioning, default encryption (AES-256, or SSE-KMS with `kms_key_arn`),
//! all four public-access-block settings, a bucket policy denying non-TLS requests, and a lock
//! table keyed by the string `LockID`, billed per request, encrypted, with point-in-time recovery
//! unless turned off. Those settings are tracked as computed attributes, so turning one off out
//! of band shows up as an in-place repair in the next plan.

mod backend_config;
mod bucket;
mod declaration;
mod lock_table;
pub mod naming;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::AwsClients;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::tf_value::{entries, known, map};
pub use backend_config::BackendSettings;

/// Versioning status the resource keeps.
pub const VERSIONING_ENABLED: &str = "Enabled";
/// Default object key of the state in the rendered backend block.
pub const DEFAULT_STATE_KEY: &str = "terraform.tfstate";

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StateBackendState {
    /// The bucket name.
    pub id: Value<String>,
    /// Bucket name (input).
    pub bucket: Value<String>,
    /// Lock table name (input, default `BUCKET-lock`).
    pub lock_table: Value<String>,
    /// Object key written into the rendered backend block.
    pub state_key: Value<String>,
    /// KMS key for SSE-KMS.
    pub kms_key_arn: Value<String>,
    /// Delete every object version with the bucket.
    pub force_destroy: Value<bool>,
    /// Expire noncurrent state versions after this many days.
    pub noncurrent_version_expiration_days: Value<i64>,
    /// Point-in-time recovery of the lock table.
    pub point_in_time_recovery: Value<bool>,
    /// Tags of the bucket and table.
    pub tags: Value<BTreeMap<String, Value<String>>>,
    /// Timeouts block.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags including the provider's default tags.
    pub tags_all: Value<BTreeMap<String, Value<String>>>,
    /// Bucket ARN.
    pub bucket_arn: Value<String>,
    /// Lock table ARN.
    pub lock_table_arn: Value<String>,
    /// Region of both.
    pub region: Value<String>,
    /// The rendered `backend "s3"` block.
    pub backend_config: Value<String>,
    /// The same as `-backend-config` arguments.
    pub backend_config_args: Value<Vec<Value<String>>>,
    /// Observed versioning status (`Enabled`).
    pub versioning: Value<String>,
    /// Observed default encryption algorithm (`AES256` or `aws:kms`).
    pub sse_algorithm: Value<String>,
    /// Whether all four public-access-block settings are on.
    pub public_access_blocked: Value<bool>,
    /// Whether the bucket policy denies non-TLS requests.
    pub tls_only_policy: Value<bool>,
}

impl StateBackendState {
    fn bucket_name(&self) -> &str {
        known(&self.bucket).unwrap_or_default()
    }

    fn table_name(&self) -> String {
        match &self.lock_table {
            Value::Value(t) => t.clone(),
            _ => format!("{}-lock", self.bucket_name()),
        }
    }

    fn desired_sse(&self) -> &'static str {
        if self.kms_key_arn.is_value() {
            "aws:kms"
        } else {
            "AES256"
        }
    }

    fn user_tags(&self) -> BTreeMap<String, String> {
        entries(&self.tags)
    }

    fn tags_all_map(&self) -> BTreeMap<String, String> {
        entries(&self.tags_all)
    }
}

/// Fill the values derived from inputs and provider settings (defaults, tags, backend block,
/// the always-on settings' desired values). Shared by plan, import and read.
fn derive(state: &mut StateBackendState, clients: Option<&AwsClients>) {
    if let Value::Value(b) = &state.bucket {
        state.id = Value::Value(b.clone());
        if state.lock_table.is_null() {
            state.lock_table = Value::Value(format!("{b}-lock"));
        }
    }
    // Import builds a state without the skeleton's plan: fill the declared defaults here too.
    if state.state_key.is_null() {
        state.state_key = Value::Value(DEFAULT_STATE_KEY.to_string());
    }
    if state.force_destroy.is_null() {
        state.force_destroy = Value::Value(false);
    }
    if state.point_in_time_recovery.is_null() {
        state.point_in_time_recovery = Value::Value(true);
    }
    if state.tags.is_unknown() {
        state.tags_all = Value::Unknown;
    } else if let Some(clients) = clients {
        let mut all = clients.default_tags().clone();
        all.extend(state.user_tags());
        state.tags_all = map(all);
    }
    let Some(clients) = clients else {
        state.region = Value::Unknown;
        state.backend_config = Value::Unknown;
        state.backend_config_args = Value::Unknown;
        return;
    };
    state.region = Value::Value(clients.region());
    let inputs_known = state.bucket.is_value()
        && state.lock_table.is_value()
        && state.state_key.is_value()
        && !state.kms_key_arn.is_unknown();
    if inputs_known {
        let region = clients.region();
        let table = state.table_name();
        let settings = BackendSettings {
            bucket: state.bucket_name(),
            key: known(&state.state_key).unwrap_or(DEFAULT_STATE_KEY),
            region: &region,
            dynamodb_table: &table,
            kms_key_id: known(&state.kms_key_arn),
            endpoints: clients.endpoints(),
            force_path_style: clients.s3_use_path_style(),
        };
        let rendered = settings.render_block();
        let args = settings.render_args();
        state.backend_config = Value::Value(rendered);
        state.backend_config_args = Value::Value(args.into_iter().map(Value::Value).collect());
    } else {
        state.backend_config = Value::Unknown;
        state.backend_config_args = Value::Unknown;
    }
}

/// Whether the TLS-only policy can be applied: not when S3 is reached over plain HTTP (a local
/// AWS-compatible endpoint), where it would deny every request, the provider's own included.
pub fn tls_policy_applies(clients: Option<&AwsClients>) -> bool {
    !clients
        .and_then(|c| c.endpoint("s3"))
        .is_some_and(|e| e.starts_with("http://"))
}

/// Set the always-on settings to what the resource guarantees.
fn desire_secure_settings(
    state: &mut StateBackendState,
    clients: Option<&AwsClients>,
    diags: &mut Diagnostics,
) {
    state.versioning = Value::Value(VERSIONING_ENABLED.to_string());
    state.sse_algorithm = Value::Value(state.desired_sse().to_string());
    state.public_access_blocked = Value::Value(true);
    let tls = tls_policy_applies(clients);
    if !tls {
        diags.root_warning(
            "TLS-only bucket policy not applied",
            "The provider reaches S3 over plain HTTP (endpoints.s3). A policy denying non-TLS \
             requests would lock out every client of this endpoint, Terraform's S3 backend \
             included, so it is left out here; against AWS it is always applied.",
        );
    }
    state.tls_only_policy = Value::Value(tls);
}

/// The composite.
pub struct StateBackend;

#[async_trait]
impl Composite for StateBackend {
    type State = StateBackendState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        derive(planned, clients);
        desire_secure_settings(planned, clients, diags);
        planned.bucket_arn = Value::Unknown;
        planned.lock_table_arn = Value::Unknown;
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        derive(planned, clients);
        desire_secure_settings(planned, clients, diags);
        let replace =
            crate::composite::plan::replacements(declaration::declaration(), prior, planned);
        if !replace.is_empty() {
            planned.bucket_arn = Value::Unknown;
            planned.lock_table_arn = Value::Unknown;
        } else {
            // A part that vanished out of band is re-created by the update.
            if prior.lock_table_arn.is_null() {
                planned.lock_table_arn = Value::Unknown;
            }
            if prior.bucket_arn.is_null() {
                planned.bucket_arn = Value::Unknown;
            }
        }
        replace
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    async fn create(&self, ctx: &Ctx, rec: &Recorder<Self::State>) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        ctx.all(vec![
            Box::pin(bucket::create(ctx, &planned, rec)),
            Box::pin(lock_table::create(ctx, &planned, rec)),
        ])
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        state: Self::State,
    ) -> Result<Option<Self::State>, CompositeError> {
        let mut state = state;
        let bucket_exists = bucket::read(ctx, &mut state).await?;
        lock_table::read(ctx, &mut state).await?;
        if !bucket_exists {
            // A table left by a failed create keeps the resource in state (see the skeleton).
            state.bucket_arn = Value::Null;
        }
        Ok(Some(state))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Self::State,
        rec: &Recorder<Self::State>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        let bucket_part = async {
            if prior.bucket_arn.is_null() {
                bucket::create(ctx, &planned, rec).await
            } else {
                bucket::configure(ctx, &planned, rec).await
            }
        };
        ctx.all(vec![
            Box::pin(bucket_part),
            Box::pin(lock_table::ensure(ctx, &planned, rec)),
        ])
        .await
    }

    async fn delete(&self, ctx: &Ctx, state: &Self::State) -> Result<(), CompositeError> {
        // The table goes first: it is cheap to re-create, while a bucket that refuses to go
        // (not empty) must leave a working pair behind.
        bucket::ensure_deletable(ctx, state).await?;
        lock_table::delete(ctx, state).await?;
        bucket::delete(ctx, state).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        let mut parts = id.split(',').map(str::trim);
        let bucket = parts.next().unwrap_or_default().to_string();
        let table = parts.next().filter(|t| !t.is_empty()).map(str::to_string);
        if bucket.is_empty() || parts.next().is_some() {
            return Err(CompositeError::new(
                "Invalid import id",
                format!("expected BUCKET or BUCKET,TABLE, got \"{id}\""),
            ));
        }
        let mut state = StateBackendState {
            bucket: Value::Value(bucket.clone()),
            lock_table: Value::Value(table.unwrap_or_else(|| format!("{bucket}-lock"))),
            ..Default::default()
        };
        derive(&mut state, Some(&ctx.clients));
        if !bucket::read(ctx, &mut state).await? {
            return Err(CompositeError::new(
                "Cannot import",
                format!("bucket \"{bucket}\" does not exist"),
            ));
        }
        lock_table::read(ctx, &mut state).await?;
        if state.lock_table_arn.is_null() {
            return Err(CompositeError::new(
                "Cannot import",
                format!("lock table \"{}\" does not exist", state.table_name()),
            ));
        }
        derive(&mut state, Some(&ctx.clients));
        Ok(state)
    }
}

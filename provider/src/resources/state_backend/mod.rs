//! `blueprint_state_backend`: the Terraform state bucket and lock table of seed 001, as one
//! resource that cannot be made unsafe by accident.
//!
//! Always on: bucket versioning, default encryption (AES-256, or SSE-KMS with `kms_key_arn`),
//! all four public-access-block settings, a bucket policy denying non-TLS requests, and a lock
//! table keyed by the string `LockID`, billed per request, encrypted, with point-in-time recovery
//! unless turned off. Those settings are tracked as computed attributes, so turning one off out
//! of band shows up as an in-place repair in the next plan.
//!
//! Children (the declaration's table, run by the engine): the lock table (only with DynamoDB
//! locking), then the bucket; both carry `tags_all` and `blueprint:owner =
//! blueprint_state_backend/BUCKET`. Destroy goes the other way: the bucket first, so a bucket
//! that refuses to go (not empty) leaves a working pair behind.

mod backend_config;
mod bucket;
use blueprint_declarations::composites::state_backend as declaration;
mod lock_table;
pub use blueprint_declarations::composites::state_backend::{naming, syntax};

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::tf_value::{entries, known, map};
pub use backend_config::BackendSettings;
use syntax::{Locking, TfVersion};

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
    /// The Terraform version the backend block is for.
    pub terraform_version: Value<String>,
    /// `lockfile`, `dynamodb` or `both`.
    pub locking: Value<String>,
    /// Lock table name (input, default `BUCKET-lock`; null without DynamoDB locking).
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

    /// The locking mode; a state written before `locking` existed (null) used the table.
    fn locking_mode(&self) -> Option<Locking> {
        match &self.locking {
            Value::Value(l) => Locking::parse(l),
            Value::Null => Some(Locking::Dynamodb),
            _ => None,
        }
    }

    /// Whether this resource has a lock table (unknown locking counts as yes: never skip a
    /// table that may exist).
    fn uses_table(&self) -> bool {
        self.locking_mode().is_none_or(Locking::uses_table)
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

    /// The owner tag's value: `blueprint_state_backend/BUCKET`.
    fn owner(&self) -> String {
        crate::kinds::ownership::owner(declaration::declaration().type_name, self.bucket_name())
    }

    /// The tags both children carry: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&self.tags_all_map(), &self.owner())
    }

    /// The bucket's tags: the children's, and `blueprint:force-destroy` while `force_destroy`
    /// is true (import reads it back).
    fn bucket_tags(&self) -> BTreeMap<String, String> {
        let mut t = self.child_tags();
        if self.force_destroy.as_ref_option() == Some(&true) {
            t.insert(FORCE_DESTROY_TAG.to_string(), "true".to_string());
        }
        t
    }
}

/// Tag on the bucket while `force_destroy` is true, so that import reads it back.
pub const FORCE_DESTROY_TAG: &str = "blueprint:force-destroy";

/// The version a new resource's `terraform_version` defaults to: the running Terraform's, when
/// the provider protocol said it, else the oldest supported.
fn default_terraform_version() -> String {
    crate::provider::running_terraform_version()
        .filter(|v| TfVersion::parse(v).is_ok())
        .unwrap_or_else(|| "1.0".to_string())
}

/// Fill `terraform_version`, `locking` and `lock_table` when unset, and refuse a locking mode the
/// version does not have (on `locking`).
fn derive_locking(state: &mut StateBackendState, diags: &mut Diagnostics) {
    if state.terraform_version.is_null() {
        state.terraform_version = Value::Value(default_terraform_version());
    }
    let version = match &state.terraform_version {
        Value::Value(v) => TfVersion::parse(v).ok(),
        _ => None,
    };
    if state.locking.is_null() {
        state.locking = match version {
            Some(v) => Value::Value(v.default_locking().as_str().to_string()),
            None => Value::Unknown,
        };
    }
    if let (Some(v), Some(mode)) = (version, state.locking_mode()) {
        if mode.uses_lockfile() && !v.has_lockfile() {
            diags.error(
                "Locking mode not available",
                format!(
                    "locking = \"{}\" needs Terraform 1.10 or newer (S3 lock files, \
                     `use_lockfile`), but terraform_version is \"{}\". Use \"dynamodb\", or \
                     set terraform_version to the 1.10+ version that will use this backend.",
                    mode.as_str(),
                    known(&state.terraform_version).unwrap_or_default()
                ),
                AttributePath::new("locking"),
            );
        }
    }
    match state.locking_mode() {
        Some(mode) if !mode.uses_table() => state.lock_table = Value::Null,
        Some(_) => {
            if let (true, Value::Value(b)) = (state.lock_table.is_null(), &state.bucket) {
                state.lock_table = Value::Value(format!("{b}-lock"));
            }
        }
        None => {
            if state.lock_table.is_null() {
                state.lock_table = Value::Unknown;
            }
        }
    }
}

/// Fill the values derived from inputs and provider settings (defaults, tags, backend block,
/// the always-on settings' desired values). Shared by plan, import and read.
fn derive(state: &mut StateBackendState, clients: Option<&AwsClients>, diags: &mut Diagnostics) {
    if let Value::Value(b) = &state.bucket {
        state.id = Value::Value(b.clone());
    }
    derive_locking(state, diags);
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
    let version = known(&state.terraform_version).and_then(|v| TfVersion::parse(v).ok());
    let inputs_known = state.bucket.is_value()
        && !state.lock_table.is_unknown()
        && state.state_key.is_value()
        && !state.kms_key_arn.is_unknown();
    if let (true, Some(version), Some(locking)) = (inputs_known, version, state.locking_mode()) {
        let region = clients.region();
        let settings = BackendSettings {
            bucket: state.bucket_name(),
            key: known(&state.state_key).unwrap_or(DEFAULT_STATE_KEY),
            region: &region,
            dynamodb_table: known(&state.lock_table),
            locking,
            version,
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

use crate::kinds::s3_bucket::tls_policy_applies;

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

    fn lint(&self, config: &Self::State, diags: &mut Diagnostics) {
        crate::lint_bridge::warn(diags, "blueprint_state_backend", config);
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        derive(planned, clients, diags);
        desire_secure_settings(planned, clients, diags);
        planned.bucket_arn = Value::Unknown;
        planned.lock_table_arn = if planned.lock_table.is_null() {
            Value::Null
        } else {
            Value::Unknown
        };
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        // A table name with lock-file-only locking would be silently ignored: refuse it.
        if let (Some(mode), Value::Value(_)) = (config.locking_mode(), &config.lock_table) {
            if config.locking.is_value() && !mode.uses_table() {
                diags.error(
                    "lock_table without a lock table",
                    format!(
                        "locking = \"{}\" creates no DynamoDB table; remove lock_table or use \
                         locking = \"both\".",
                        mode.as_str()
                    ),
                    AttributePath::new("lock_table"),
                );
            }
        }
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        // A state from before `terraform_version` and `locking` existed keeps what it had:
        // Terraform 1.0 syntax and the table (nothing changes until the user asks).
        if prior.terraform_version.is_null() && planned.terraform_version.is_null() {
            planned.terraform_version = Value::Value("1.0".to_string());
        }
        if prior.locking.is_null() && planned.locking.is_null() {
            planned.locking = Value::Value(Locking::Dynamodb.as_str().to_string());
        }
        // Terraform proposes the prior table name for an unset lock_table: with locking no
        // longer using the table, derive drops it.
        derive(planned, clients, diags);
        desire_secure_settings(planned, clients, diags);
        let mut replace = match crate::composite::plan::replacements(
            declaration::declaration(),
            prior,
            planned,
        ) {
            Ok(r) => r,
            Err(e) => {
                crate::composite::CompositeError::from(e).report(diags);
                return Vec::new();
            }
        };
        // The table coming or going with `locking` is created or deleted in place; only a
        // rename of an existing table replaces (so `lock_table` is not declared `replaces`).
        if let (Value::Value(before), Value::Value(after)) =
            (&prior.lock_table, &planned.lock_table)
        {
            if before != after {
                replace.push(AttributePath::new("lock_table"));
            }
        }
        let no_table = planned.lock_table.is_null();
        if !replace.is_empty() {
            planned.bucket_arn = Value::Unknown;
            planned.lock_table_arn = if no_table {
                Value::Null
            } else {
                Value::Unknown
            };
        } else {
            // A part that vanished out of band (or a table `locking` now asks for) is created
            // by the update; a table `locking` no longer uses is deleted.
            if no_table {
                planned.lock_table_arn = Value::Null;
            } else if prior.lock_table_arn.is_null() || prior.lock_table != planned.lock_table {
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

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![Box::new(bucket::Bucket), Box::new(lock_table::LockTable)]
    }

    /// `BUCKET,TABLE` with a lock table, `BUCKET` without one (importing that finds no
    /// table and gives `locking = "lockfile"` back).
    fn import_id(&self, state: &Self::State) -> Option<String> {
        let bucket = crate::tf_value::known(&state.bucket)?;
        match crate::tf_value::known(&state.lock_table) {
            Some(table) => Some(format!("{bucket},{table}")),
            None if state.lock_table.is_unknown() => None,
            None => Some(bucket.to_string()),
        }
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
        let explicit_table = table.is_some();
        let mut state = StateBackendState {
            bucket: Value::Value(bucket.clone()),
            lock_table: Value::Value(table.unwrap_or_else(|| format!("{bucket}-lock"))),
            locking: Value::Value(Locking::Dynamodb.as_str().to_string()),
            ..Default::default()
        };
        // Import has no plan to report on: a problem surfaces as the import error below.
        let mut scratch = Diagnostics::default();
        derive(&mut state, Some(&ctx.clients), &mut scratch);
        if !bucket::read(ctx, &mut state).await? {
            return Err(CompositeError::new(
                "Cannot import",
                format!("bucket \"{bucket}\" does not exist"),
            ));
        }
        let tags = crate::kinds::s3_bucket::tags_of(ctx, &bucket).await?;
        state.force_destroy =
            Value::Value(tags.get(FORCE_DESTROY_TAG).map(String::as_str) == Some("true"));
        lock_table::read(ctx, &mut state).await?;
        if state.lock_table_arn.is_null() {
            let lockfile_ok = known(&state.terraform_version)
                .and_then(|v| TfVersion::parse(v).ok())
                .is_some_and(TfVersion::has_lockfile);
            if explicit_table || !lockfile_ok {
                return Err(CompositeError::new(
                    "Cannot import",
                    format!(
                        "lock table \"{}\" does not exist (a bucket alone imports with \
                         locking = \"lockfile\", which needs Terraform 1.10 or newer)",
                        state.table_name()
                    ),
                ));
            }
            // A bucket without its table: lock-file locking.
            state.locking = Value::Value(Locking::Lockfile.as_str().to_string());
            state.lock_table = Value::Null;
        }
        derive(&mut state, Some(&ctx.clients), &mut scratch);
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(version: &str, locking: Option<&str>, table: Option<&str>) -> StateBackendState {
        StateBackendState {
            bucket: Value::Value("b".into()),
            terraform_version: Value::Value(version.into()),
            locking: locking.map_or(Value::Null, |l| Value::Value(l.into())),
            lock_table: table.map_or(Value::Null, |t| Value::Value(t.into())),
            ..Default::default()
        }
    }

    #[test]
    fn locking_defaults_to_the_lock_file_from_1_10_and_drops_the_table() {
        let mut diags = Diagnostics::default();
        let mut s = planned("1.11.4", None, None);
        derive_locking(&mut s, &mut diags);
        assert_eq!(s.locking, Value::Value("lockfile".into()));
        assert_eq!(s.lock_table, Value::Null);
        // The prior table name Terraform proposes for an unset lock_table goes too.
        let mut s = planned("1.10", Some("lockfile"), Some("b-lock"));
        derive_locking(&mut s, &mut diags);
        assert_eq!(s.lock_table, Value::Null);
        let mut s = planned("1.9.8", None, None);
        derive_locking(&mut s, &mut diags);
        assert_eq!(s.locking, Value::Value("dynamodb".into()));
        assert_eq!(s.lock_table, Value::Value("b-lock".into()));
        let mut s = planned("1.11", Some("both"), None);
        derive_locking(&mut s, &mut diags);
        assert_eq!(s.lock_table, Value::Value("b-lock".into()));
        assert!(diags.errors.is_empty(), "{:?}", diags.errors);
    }

    #[test]
    fn lock_file_modes_below_1_10_fail_on_locking() {
        for mode in ["lockfile", "both"] {
            let mut diags = Diagnostics::default();
            let mut s = planned("1.9.8", Some(mode), None);
            derive_locking(&mut s, &mut diags);
            assert_eq!(diags.errors.len(), 1, "{mode}");
            assert_eq!(diags.errors[0].attribute, AttributePath::new("locking"));
            assert!(
                diags.errors[0].detail.contains("1.10"),
                "{:?}",
                diags.errors
            );
        }
        let mut diags = Diagnostics::default();
        derive_locking(&mut planned("1.0", Some("dynamodb"), None), &mut diags);
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn a_table_name_with_lock_files_only_is_refused() {
        let mut diags = Diagnostics::default();
        StateBackend.validate(&planned("1.11", Some("lockfile"), Some("t")), &mut diags);
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(diags.errors[0].attribute, AttributePath::new("lock_table"));
        let mut diags = Diagnostics::default();
        StateBackend.validate(&planned("1.11", Some("both"), Some("t")), &mut diags);
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn states_from_before_locking_keep_the_table() {
        let old = StateBackendState {
            bucket: Value::Value("b".into()),
            lock_table: Value::Value("b-lock".into()),
            ..Default::default()
        };
        assert!(old.uses_table());
        let mut planned = old.clone();
        let mut diags = Diagnostics::default();
        let replace = StateBackend.plan_update(&old, &mut planned, None, &mut diags);
        assert!(replace.is_empty(), "{replace:?}");
        assert_eq!(planned.terraform_version, Value::Value("1.0".into()));
        assert_eq!(planned.locking, Value::Value("dynamodb".into()));
        assert_eq!(planned.lock_table, Value::Value("b-lock".into()));
    }

    #[test]
    fn switching_to_lock_files_deletes_the_table_in_place() {
        let prior = StateBackendState {
            lock_table_arn: Value::Value("arn:aws:dynamodb:us-east-1:1:table/b-lock".into()),
            bucket_arn: Value::Value("arn:aws:s3:::b".into()),
            ..planned("1.11", Some("dynamodb"), Some("b-lock"))
        };
        let mut next = StateBackendState {
            locking: Value::Value("lockfile".into()),
            ..prior.clone()
        };
        let mut diags = Diagnostics::default();
        let replace = StateBackend.plan_update(&prior, &mut next, None, &mut diags);
        assert!(replace.is_empty(), "{replace:?}");
        assert_eq!(next.lock_table, Value::Null);
        assert_eq!(next.lock_table_arn, Value::Null);
        // And back: the table is created in place.
        let mut back = StateBackendState {
            locking: Value::Value("both".into()),
            ..next.clone()
        };
        let replace = StateBackend.plan_update(&next, &mut back, None, &mut diags);
        assert!(replace.is_empty(), "{replace:?}");
        assert_eq!(back.lock_table, Value::Value("b-lock".into()));
        assert!(back.lock_table_arn.is_unknown());
        assert!(diags.errors.is_empty(), "{:?}", diags.errors);
    }

    #[test]
    fn renaming_an_existing_table_replaces() {
        let prior = planned("1.0", Some("dynamodb"), Some("b-lock"));
        let mut next = StateBackendState {
            lock_table: Value::Value("other-lock".into()),
            ..prior.clone()
        };
        let mut diags = Diagnostics::default();
        let replace = StateBackend.plan_update(&prior, &mut next, None, &mut diags);
        assert_eq!(replace, vec![AttributePath::new("lock_table")]);
        // The skeleton adds the declared replacements: lock_table is not one of them.
        assert!(crate::composite::plan::replacements(
            declaration::declaration(),
            &prior,
            &planned("1.11", Some("lockfile"), None)
        )
        .unwrap()
        .is_empty());
    }
}

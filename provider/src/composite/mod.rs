//! The lifecycle skeleton every composite resource shares.
//!
//! A composite supplies its children through [`Composite`]; [`CompositeResource`] turns it into a
//! Terraform resource with one behaviour for all of them:
//!
//! - **plan**: validate the configuration (errors and warnings on attribute paths), fill
//!   defaults, mark computed values unknown, and name the attributes that force replacement;
//! - **create**: children are created by the composite (concurrently where independent) into a
//!   [`Recorder`], which holds the state as it grows; if anything fails, the partial state goes
//!   back to Terraform with the error, so a later `apply` or `destroy` finishes the job; a
//!   create stopped by an interrupt returns it with a warning instead (not tainted), so the
//!   next apply resumes it in place;
//! - **read**: the composite reports what exists; a vanished root removes the resource from state,
//!   drifted settings come back as they are so the next plan repairs them;
//! - **delete**: children go in reverse order with retries; on failure the prior state stays;
//! - every AWS wait and retry is bounded by the resource's `timeouts` and by the stop signal.

pub mod engine;
pub mod plan;
pub mod retry;
pub mod timeouts;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::tf::schema::Schema;
use crate::tf::{AttributePath, Diagnostics, Resource};
use crate::tf::{Value, ValueEmpty};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::clients::AwsClients;
use crate::declare::{value, Declaration};
use crate::provider::ProviderState;
pub use retry::{retry, Attempt, Deadline, RetryPolicy};

/// An error of a composite operation, with the attribute it concerns when there is one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct CompositeError {
    /// One line.
    pub summary: String,
    /// What happened and what to do.
    pub detail: String,
    /// The attribute concerned.
    pub path: Option<AttributePath>,
}

impl CompositeError {
    /// An error about the resource as a whole.
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// An error about one attribute.
    pub fn at(mut self, path: AttributePath) -> Self {
        self.path = Some(path);
        self
    }

    /// An AWS call that failed: `what` names the call and its target.
    pub fn aws(what: impl Into<String>, err: &dyn std::error::Error) -> Self {
        Self::new(what, crate::clients::error_text(err))
    }

    /// Report it into `diags` (on its attribute when it has one).
    pub fn report(self, diags: &mut Diagnostics) {
        match self.path {
            Some(path) => diags.error(self.summary, self.detail, path),
            None => diags.root_error(self.summary, self.detail),
        }
    }
}

impl From<value::ValueError> for CompositeError {
    /// A state that did not survive its encoding is a bug in the provider, never a default.
    fn from(e: value::ValueError) -> Self {
        Self::new(
            "Internal error in the provider",
            format!("{e}. Please report this to the provider's maintainers."),
        )
    }
}

/// The outcome of a delete-like AWS call where the error code `gone` (the thing is already gone)
/// counts as done; any other error is described by `what`.
pub fn done_unless_gone<T, E, R>(
    result: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    gone: &str,
    what: impl Into<String>,
) -> Result<(), CompositeError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if crate::clients::error_code(&e).as_deref() == Some(gone) => Ok(()),
        Err(e) => Err(CompositeError::aws(what, &e)),
    }
}

/// Delete something that may still be held by another resource: the error code `gone` counts
/// as done, `busy` (e.g. `DependencyViolation`) is retried until the deadline, anything else
/// fails. `what` names the thing, e.g. `security group "sg-1"`.
pub async fn delete_retrying<T, E, R, F, Fut>(
    deadline: &Deadline,
    what: &str,
    gone: &str,
    busy: &str,
    mut send: F,
) -> Result<(), CompositeError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    >,
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    retry(
        deadline,
        &format!("deleting {what}"),
        RetryPolicy::default(),
        || {
            let sent = send();
            async move {
                match sent.await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let code = crate::clients::error_code(&e);
                        let err = CompositeError::aws(format!("Deleting {what}"), &e);
                        match code.as_deref() {
                            Some(c) if c == gone => Ok(()),
                            Some(c) if c == busy => Err(Attempt::Retry(err)),
                            _ => Err(Attempt::Fail(err)),
                        }
                    }
                }
            }
        },
    )
    .await
}

/// What an operation gets besides the state: clients, deadline and stop signal.
#[derive(Clone)]
pub struct Ctx {
    /// The configured AWS clients.
    pub clients: Arc<AwsClients>,
    /// When the operation must give up.
    pub deadline: Deadline,
    /// Create independent children at the same time (always, except in the ordering benchmark).
    pub concurrent: bool,
}

/// A child operation, boxed so that children of different kinds can run side by side.
pub type ChildFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), CompositeError>> + Send + 'a>>;

impl Ctx {
    /// A context for `clients` that gives up after `timeout` or when `stop` is cancelled.
    pub fn new(
        clients: Arc<AwsClients>,
        timeout: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) -> Self {
        Self {
            clients,
            deadline: Deadline::new(timeout, stop),
            concurrent: true,
        }
    }

    /// Run independent children: all of them run to the end (so each records what it made),
    /// then the first error is returned.
    pub async fn all(&self, children: Vec<ChildFuture<'_>>) -> Result<(), CompositeError> {
        let results = if self.concurrent {
            futures::future::join_all(children).await
        } else {
            let mut out = Vec::new();
            for child in children {
                out.push(child.await);
            }
            out
        };
        results.into_iter().collect()
    }
}

/// The growing state of a create, shared by concurrent child creations.
#[derive(Debug, Clone)]
pub struct Recorder<S> {
    inner: Arc<Mutex<S>>,
}

impl<S: Clone> Recorder<S> {
    /// A recorder starting from `state` (the planned state of a create or update).
    pub fn new(state: S) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// Record something that now exists (call it right after the AWS call that made it).
    pub fn record(&self, f: impl FnOnce(&mut S)) {
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut guard);
    }

    /// A copy of the state so far.
    pub fn snapshot(&self) -> S {
        match self.inner.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

/// A composite resource: its schema, plan rules and children.
#[async_trait]
pub trait Composite: Send + Sync + 'static {
    /// The resource's state (inputs, computed values, child ids).
    type State: Serialize
        + DeserializeOwned
        + Clone
        + Default
        + Send
        + Sync
        + std::fmt::Debug
        + 'static;

    /// The composite's declaration: attributes, blocks, children, import id, docs.
    fn declaration(&self) -> &Declaration;

    /// The resource schema, derived from the declaration.
    fn schema(&self) -> Schema {
        crate::declare::schema::schema(self.declaration())
    }

    /// Checks across attributes that the declaration's per-attribute checks cannot express
    /// (combinations). Unknown values are skipped (they are checked again at plan).
    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        let _ = (config, diags);
    }

    /// Plan-time checks that only warn: run once per plan, on the configuration, so a warning
    /// is neither repeated by validation nor lost. Default: the linter's rules on the plain
    /// resources the declaration's expansion builds from the configuration, each warning on the
    /// composite attribute it came from.
    fn lint(&self, config: &Self::State, diags: &mut Diagnostics) {
        crate::lint_bridge::warn(diags, self.declaration().type_name, config);
    }

    /// Fill defaults and mark computed values unknown for a new resource.
    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    );

    /// Plan an in-place change or a replacement: returns the attributes forcing replacement.
    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath>;

    /// The `timeouts` block of the state: the skeleton validates it and resolves the
    /// create, update, delete and read timeouts from it (defaults where unset).
    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<timeouts::TimeoutsValue>;

    /// Whether the state records any child (so a failed create must be kept in state): any
    /// declared child that exists ([`engine::exists`], the engine's own definition), except a
    /// child the inputs say to retain. A state that cannot be encoded is an error (the caller
    /// keeps the state rather than drop what it records).
    fn has_children(&self, state: &Self::State) -> Result<bool, CompositeError> {
        let g = value::to_generic(state)?;
        Ok(self
            .declaration()
            .children
            .iter()
            .any(|c| engine::exists(c, &g) && !engine::retained(c, &g)))
    }

    /// Each declared child's operations. A composite that gives them gets create, read,
    /// update, delete and the children's part of the plan from [`engine::Table`]; one that
    /// gives none implements those itself.
    fn children(&self) -> Vec<Box<dyn engine::ChildOps<Self::State>>> {
        Vec::new()
    }

    /// The children table: the declaration's rows with [`Composite::children`].
    fn table(&self) -> Result<engine::Table<'_, Self::State>, CompositeError> {
        engine::Table::new(self.declaration(), self.children()).map_err(|e| {
            CompositeError::new(
                "Internal error in the provider",
                format!("{e}. Please report this to the provider's maintainers."),
            )
        })
    }

    /// Create every child, recording each into `rec` as soon as it exists. Default: the
    /// children table, in dependency order.
    async fn create(&self, ctx: &Ctx, rec: &Recorder<Self::State>) -> Result<(), CompositeError> {
        self.table()?.create_all(ctx, rec).await
    }

    /// Read what exists, marking a vanished child (the root too) null: the skeleton drops the
    /// resource from state when [`Composite::has_children`] finds nothing left. `None` when
    /// the composite knows the resource is gone. Default: every recorded child is read.
    async fn read(
        &self,
        ctx: &Ctx,
        state: Self::State,
    ) -> Result<Option<Self::State>, CompositeError> {
        let rec = Recorder::new(state);
        self.table()?.read_all(ctx, &rec).await?;
        Ok(Some(rec.snapshot()))
    }

    /// Apply an in-place change; returns the new state (partial on error, through `rec`).
    /// Default: the children table deletes the unwanted, makes the missing, reconciles the rest.
    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Self::State,
        rec: &Recorder<Self::State>,
    ) -> Result<(), CompositeError> {
        self.table()?.update_all(ctx, prior, rec).await
    }

    /// Delete every child in reverse order of creation. Default: the children table.
    async fn delete(&self, ctx: &Ctx, state: &Self::State) -> Result<(), CompositeError> {
        self.table()?.delete_all(ctx, state).await
    }

    /// Build the state of an existing resource from its import id.
    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError>;

    /// The import id of `state`, which is the resource's identity (protocol 6.9): importing it
    /// gives this resource back. Default: the `id` attribute, when known.
    fn import_id(&self, state: &Self::State) -> Option<String> {
        let g = value::to_generic(state).ok()?;
        crate::declare::value::field(&g, "id")
            .and_then(|v| v.as_str())
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    }
}

/// Adapts a [`Composite`] to the protocol's [`Resource`].
pub struct CompositeResource<C> {
    composite: C,
    provider: Arc<ProviderState>,
}

impl<C: Composite> CompositeResource<C> {
    /// Wrap `composite`, reading clients from `provider`.
    pub fn new(composite: C, provider: Arc<ProviderState>) -> Self {
        Self {
            composite,
            provider,
        }
    }

    fn ctx(&self, diags: &mut Diagnostics, timeout: Duration) -> Option<Ctx> {
        let clients = self.provider.clients(diags)?;
        Some(Ctx::new(
            clients,
            timeout,
            self.provider.stop_token().clone(),
        ))
    }

    fn timeouts(&self, state: &C::State) -> timeouts::Timeouts {
        timeouts::TimeoutsValue::resolve(self.composite.timeouts_block(state))
    }

    /// `tags` with the provider's `default_tags` (in the planned `tags_all`) within what every
    /// child kind accepts.
    fn tag_limit(&self, planned: &C::State, diags: &mut Diagnostics) {
        match plan::tag_limit_problem(self.composite.declaration(), planned) {
            Ok(Some(p)) => diags.error(p.summary, p.detail, plan::attribute_path(&p.path)),
            Ok(None) => {}
            Err(e) => CompositeError::from(e).report(diags),
        }
    }

    /// The declared checks, the composite's own, and the `timeouts` block's.
    fn validate_config(&self, config: &C::State, diags: &mut Diagnostics) {
        match value::to_generic(config) {
            Ok(g) => {
                for p in plan::check(self.composite.declaration(), &g) {
                    diags.error(p.summary, p.detail, plan::attribute_path(&p.path));
                }
            }
            Err(e) => CompositeError::from(e).report(diags),
        }
        self.composite.validate(config, diags);
        for (path, message) in
            timeouts::TimeoutsValue::validate(self.composite.timeouts_block(config))
        {
            diags.error("Invalid timeout", message, path);
        }
    }

    /// After a failed create or update: what exists, read back from AWS, with nothing left
    /// unknown (Terraform refuses unknown values after apply, and recording planned values
    /// that were never applied would hide them from the next plan).
    async fn what_exists(&self, ctx: &Ctx, state: C::State, diags: &mut Diagnostics) -> C::State {
        let read = match self.composite.read(ctx, state.clone()).await {
            Ok(Some(s)) => s,
            _ => state,
        };
        // A state that cannot be encoded is reported (a bug) and returned as it is.
        match plan::fully_known(read.clone()) {
            Ok(known) => known,
            Err(e) => {
                CompositeError::from(e).report(diags);
                read
            }
        }
    }

    /// After a successful create or update: a value the composite left unknown is read back
    /// from AWS (Terraform refuses unknown values after apply).
    async fn settled(&self, ctx: &Ctx, state: C::State, diags: &mut Diagnostics) -> C::State {
        // A state that cannot be encoded goes through `what_exists`, which reports it.
        let unknown = value::to_generic(&state).map_or(true, |g| value::has_unknown(&g));
        if unknown {
            tracing::warn!(
                resource = self.composite.declaration().type_name,
                "apply left values unknown; reading them back"
            );
            self.what_exists(ctx, state, diags).await
        } else {
            state
        }
    }

    fn clients_if_configured(&self) -> Option<Arc<AwsClients>> {
        let mut scratch = Diagnostics::default();
        self.provider.clients(&mut scratch)
    }
}

#[async_trait]
impl<C: Composite> Resource for CompositeResource<C> {
    type State<'a> = C::State;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(self.composite.schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        self.validate_config(&config, diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let timeout = self.timeouts(&state).read;
        let ctx = self.ctx(diags, timeout)?;
        match self.composite.read(&ctx, state.clone()).await {
            // The root is gone, but a child is left (a failed create, a root deleted out of
            // band): keep the resource so the next plan replaces it and destroy deletes the
            // child. Nothing left: the resource is gone from state.
            Ok(Some(s)) => match self.composite.has_children(&s) {
                Ok(true) => Some((s, private_state)),
                Ok(false) => None,
                Err(err) => {
                    err.report(diags);
                    Some((state, private_state))
                }
            },
            Ok(None) => None,
            Err(err) => {
                err.report(diags);
                // Keep the prior state: an error is not proof that the resource is gone.
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        self.validate_config(&config, diags);
        self.composite.lint(&config, diags);
        let declaration = self.composite.declaration();
        let clients = self.clients_if_configured();
        let planned = plan::with_defaults(declaration, proposed, None, None).and_then(|p| {
            plan::with_tags_all(declaration, p, clients.as_deref().map(|c| c.default_tags()))
        });
        let mut planned = match planned {
            Ok(p) => p,
            Err(e) => {
                CompositeError::from(e).report(diags);
                return None;
            }
        };
        self.tag_limit(&planned, diags);
        self.composite
            .plan_create(&mut planned, clients.as_deref(), diags);
        Some((planned, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        self.validate_config(&config, diags);
        self.composite.lint(&config, diags);
        let declaration = self.composite.declaration();
        let clients = self.clients_if_configured();
        let planned = plan::with_defaults(declaration, proposed, Some(&config), Some(&prior))
            .and_then(|p| {
                plan::with_tags_all(declaration, p, clients.as_deref().map(|c| c.default_tags()))
            });
        let mut planned = match planned {
            Ok(p) => p,
            Err(e) => {
                CompositeError::from(e).report(diags);
                return None;
            }
        };
        self.tag_limit(&planned, diags);
        // The children's part of the plan runs before the composite's own (so what it derives
        // from a child to be made again is unknown too) and after it (so optional children
        // follow the values it derived, such as a profile's defaults).
        let table = if self.composite.children().is_empty() {
            None
        } else {
            match self.composite.table() {
                Ok(table) => Some(table),
                Err(err) => {
                    err.report(diags);
                    None
                }
            }
        };
        if let Some(table) = &table {
            if let Err(e) = table.plan_made_again(&prior, &mut planned) {
                e.report(diags);
                return None;
            }
        }
        let mut replace =
            self.composite
                .plan_update(&prior, &mut planned, clients.as_deref(), diags);
        if let Some(table) = &table {
            if let Err(e) = table.plan(&prior, &mut planned) {
                e.report(diags);
                return None;
            }
        }
        let declared = match plan::replacements(declaration, &prior, &planned) {
            Ok(paths) => paths,
            Err(e) => {
                CompositeError::from(e).report(diags);
                return None;
            }
        };
        for path in declared {
            if !replace.contains(&path) {
                replace.push(path);
            }
        }
        Some((planned, prior_private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let timeout = self.timeouts(&planned).create;
        let ctx = self.ctx(diags, timeout)?;
        let rec = Recorder::new(planned.clone());
        let result = self.composite.create(&ctx, &rec).await;
        let state = rec.snapshot();
        match result {
            Ok(()) => Some((self.settled(&ctx, state, diags).await, private)),
            // Stopped (Ctrl-C, a cancelled run) with something made: the partial state goes
            // back WITHOUT an error, so Terraform keeps it untainted and the next apply
            // RESUMES the create (an in-place update making the children still missing, whose
            // planned values were unknown, so null is a valid result) instead of destroying
            // and re-creating what was made (a 10-minute Aurora cluster, a bucket with its
            // state). An error always taints: only the stop takes this path.
            Err(err) if ctx.deadline.is_stopped() => {
                let state = self.what_exists(&ctx, state, diags).await;
                if !self.composite.has_children(&state).unwrap_or(true) {
                    err.report(diags);
                    return None;
                }
                // Known planned values stand (a contradiction would taint it); the next
                // refresh reads what AWS has.
                let state = match plan::interrupted_state(&planned, state.clone()) {
                    Ok(s) => s,
                    Err(e) => {
                        CompositeError::from(e).report(diags);
                        state
                    }
                };
                diags.root_warning(
                    "Create interrupted: the next apply finishes it",
                    format!(
                        "{} ({}). What was made so far is in the state; the children not yet \
                         made are null. The next `terraform apply` resumes the create in place \
                         (it does not replace what exists).",
                        err.summary, err.detail
                    ),
                );
                Some((state, private))
            }
            Err(err) => {
                err.report(diags);
                // Partial state: exactly what exists, so Terraform keeps it (tainted) and a
                // later apply or destroy finishes the job.
                let state = self.what_exists(&ctx, state, diags).await;
                match self.composite.has_children(&state) {
                    Ok(true) => Some((state, private)),
                    Ok(false) => None,
                    // Unsure what it records: keep it, so nothing made is forgotten.
                    Err(e) => {
                        e.report(diags);
                        Some((state, private))
                    }
                }
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let timeout = self.timeouts(&planned).update;
        let ctx = self.ctx(diags, timeout)?;
        let rec = Recorder::new(planned);
        if let Err(err) = self.composite.update(&ctx, &prior, &rec).await {
            err.report(diags);
            let state = self.what_exists(&ctx, rec.snapshot(), diags).await;
            return Some((state, private));
        }
        Some((self.settled(&ctx, rec.snapshot(), diags).await, private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let timeout = self.timeouts(&prior).delete;
        let ctx = self.ctx(diags, timeout)?;
        match self.composite.delete(&ctx, &prior).await {
            Ok(()) => Some(()),
            Err(err) => {
                // Terraform keeps the prior state when destroy reports an error.
                err.report(diags);
                Some(())
            }
        }
    }

    fn identity_description(&self) -> Option<String> {
        Some(format!(
            "The import id, `{}`: `terraform import` with it, or an `import` block's `identity`, gives this resource back.",
            self.composite.declaration().import_id
        ))
    }

    fn identity<'a>(&self, state: &Self::State<'a>) -> Option<String> {
        self.composite.import_id(state)
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let ctx = self.ctx(diags, timeouts::DEFAULT_READ)?;
        match self.composite.import(&ctx, &id).await {
            Ok(state) => Some((state, ValueEmpty::default())),
            Err(err) => {
                err.report(diags);
                None
            }
        }
    }
}

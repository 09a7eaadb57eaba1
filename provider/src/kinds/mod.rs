//! The kinds library: every plain AWS kind a composite builds, written once.
//!
//! A composite never calls an AWS API for a kind listed here by hand; it composes these. Each
//! kind is one module holding, in this order:
//!
//! - its **typed spec**: the settings the composite wants (and that a read reports back, in the
//!   same type, so "observed == wanted" is one comparison);
//! - **find-owned**: look the name up first; adopt what carries our owner tag
//!   ([`ownership::OWNER_TAG`]), refuse a foreign namesake (left untouched, the error says how
//!   to import it), report absence;
//! - **create**, **read** (into the spec; `None` when gone), **update in place** (from the
//!   observed spec to the wanted one), **delete** bounded by the operation's deadline and the
//!   stop signal, reading per-item errors;
//! - its **tags**, through [`tags`];
//! - its **waiters** and its AWS **error codes as named constants** (never string literals at
//!   the comparison).
//!
//! The [`Kind`] trait is that contract; [`ensure`] is create-or-adopt for every kind.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::composite::{CompositeError, Ctx};

pub mod codes;
pub mod dynamodb_table;
pub mod iam_role;
pub mod log_group;
pub mod ownership;
pub mod s3_bucket;
pub mod security_group;
pub mod sns_topic;
pub mod sqs_queue;
pub mod tags;

/// Tags as the composites hand them to a kind: `tags_all` plus the owner tag.
pub type Tags = BTreeMap<String, String>;

/// The id `value` an AWS answer carries for `what` (`subnet "x"`): an answer without it is an
/// error, never an empty id (which the engine would read as "nothing made", leaking it).
pub fn id_in_answer(value: Option<&str>, what: &str) -> Result<String, CompositeError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(CompositeError::new(
            format!("AWS answered without the id of {what}"),
            "The call succeeded but its answer names no id, so what it made cannot be \
             recorded; apply again (it is found by its owner tag).",
        )),
    }
}

/// What looking a child up by its name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<Id> {
    /// Nothing of that name.
    Absent,
    /// One carrying our owner tag (left by an interrupted create): adopt it.
    Ours(Id),
}

/// One plain AWS kind, written once (see the module docs for the contract).
#[async_trait]
pub trait Kind: Send + Sync {
    /// The settings a composite wants, and what a read reports, in one type.
    type Spec: Clone + PartialEq + std::fmt::Debug + Send + Sync;
    /// What identifies one in AWS (a name, an id or an ARN).
    type Id: Clone + PartialEq + std::fmt::Debug + Send + Sync;

    /// The plain Terraform type it corresponds to (`aws_s3_bucket`), as the expansion names it.
    const TERRAFORM_TYPE: &'static str;

    /// Whether [`Kind::create`] writes the tags. When not (an S3 bucket), [`ensure_recording`]
    /// writes them right after the create, whatever a read says: a new object's tags are
    /// never taken as already right.
    const TAGS_AT_CREATE: bool = true;

    /// Look `spec`'s name up: absent, ours (owner tag `owner`) or an error naming a foreign
    /// namesake ([`ownership::not_ours`]), which is left untouched.
    async fn find(
        &self,
        ctx: &Ctx,
        spec: &Self::Spec,
        owner: &str,
    ) -> Result<Lookup<Self::Id>, CompositeError>;

    /// Make it (with `tags` and the settings its create call takes); return its id the moment
    /// it exists. What the call cannot carry is brought in line by [`converge`] afterwards.
    async fn create(
        &self,
        ctx: &Ctx,
        spec: &Self::Spec,
        tags: &Tags,
    ) -> Result<Self::Id, CompositeError>;

    /// Read it back into the spec type, with its tags; `None` when it is gone.
    async fn read(
        &self,
        ctx: &Ctx,
        id: &Self::Id,
    ) -> Result<Option<(Self::Spec, Tags)>, CompositeError>;

    /// Bring it from `observed` to `wanted` in place.
    async fn update(
        &self,
        ctx: &Ctx,
        id: &Self::Id,
        observed: &Self::Spec,
        wanted: &Self::Spec,
    ) -> Result<(), CompositeError>;

    /// Make its tags `wanted` (removing what `observed` had beyond it).
    async fn set_tags(
        &self,
        ctx: &Ctx,
        id: &Self::Id,
        observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError>;

    /// Delete it (already gone counts as done), within `ctx.deadline`.
    async fn delete(&self, ctx: &Ctx, id: &Self::Id) -> Result<(), CompositeError>;
}

/// Create-or-adopt: find `spec`'s name; adopt ours, create when absent, fail on a foreign
/// namesake (left untouched); then bring it to `spec` and `tags` ([`converge`]). Returns the id.
pub async fn ensure<K: Kind>(
    kind: &K,
    ctx: &Ctx,
    spec: &K::Spec,
    tags: &Tags,
    owner: &str,
) -> Result<K::Id, CompositeError> {
    ensure_recording(kind, ctx, spec, tags, owner, |_| {}).await
}

/// [`ensure`], calling `made` with the id the moment it exists (created or adopted), before
/// its tags and settings are brought in line: the composite records it there, so a failure
/// after leaves it in state (a later apply finishes it, a destroy deletes it). A kind whose
/// create cannot carry everything (an S3 bucket takes no tags or settings at creation) relies
/// on this. A child just created that a read does not show yet is read again within the
/// deadline.
pub async fn ensure_recording<K: Kind>(
    kind: &K,
    ctx: &Ctx,
    spec: &K::Spec,
    tags: &Tags,
    owner: &str,
    made: impl FnOnce(&K::Id) + Send,
) -> Result<K::Id, CompositeError> {
    let (id, created) = match kind.find(ctx, spec, owner).await? {
        Lookup::Absent => (kind.create(ctx, spec, tags).await?, true),
        Lookup::Ours(id) => (id, false),
    };
    made(&id);
    if created && !K::TAGS_AT_CREATE {
        kind.set_tags(ctx, &id, &Tags::new(), tags).await?;
    }
    let what = format!("waiting for the new {} to show", K::TERRAFORM_TYPE);
    crate::composite::retry(
        &ctx.deadline,
        &what,
        crate::composite::RetryPolicy::default(),
        || async {
            match converge(kind, ctx, &id, spec, tags).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(crate::composite::Attempt::Retry(CompositeError::new(
                    format!("{} {id:?} not found", K::TERRAFORM_TYPE),
                    "it was just created or adopted, but a read does not show it yet",
                ))),
                Err(e) => Err(crate::composite::Attempt::Fail(e)),
            }
        },
    )
    .await?;
    Ok(id)
}

/// Read `id` and bring it to `spec` and `tags` where it differs: the tags first (the owner tag
/// is what lets an interrupted create be adopted), then the settings. `Ok(false)` when it is
/// gone.
pub async fn converge<K: Kind>(
    kind: &K,
    ctx: &Ctx,
    id: &K::Id,
    spec: &K::Spec,
    tags: &Tags,
) -> Result<bool, CompositeError> {
    let Some((observed, observed_tags)) = kind.read(ctx, id).await? else {
        return Ok(false);
    };
    if &observed_tags != tags {
        kind.set_tags(ctx, id, &observed_tags, tags).await?;
    }
    if &observed != spec {
        kind.update(ctx, id, &observed, spec).await?;
    }
    Ok(true)
}
pub mod instance;
pub mod instance_profile;

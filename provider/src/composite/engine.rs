//! The children table at work: a composite declares its children (kind, id attribute, outputs,
//! dependencies) in its [`Declaration`] and gives each one's operations as a [`ChildOps`]; this
//! module runs them with one behaviour for every composite.
//!
//! - **create**: children in dependency order, the independent ones of a wave at the same time;
//!   each records its id the moment it exists, and a failure stops the next waves (what exists
//!   stays in state, so a later apply or destroy finishes the job);
//! - **read**: every recorded child is read; one that is gone loses its id and outputs, so the
//!   next plan shows it made again (or the resource replaced, for `replace_when_gone`);
//! - **update**: children no longer wanted are deleted (reverse order); then, in dependency
//!   order, a wanted child without an id is made and one with an id is reconciled to the plan;
//! - **delete**: reverse dependency order, a wave at a time, retained children left alone;
//! - **plan**: a wanted child without an id gets unknown id and outputs (it will be made), an
//!   unwanted one gets null ones.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{ChildFuture, CompositeError, Ctx, Recorder};
use crate::declare::value::{self, Generic};
use crate::declare::{Child, Declaration};

/// Whether a child read found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// It exists (observed values were recorded).
    Present,
    /// It is gone: the engine clears its id and outputs.
    Gone,
}

/// One child's operations on the composite's state `S`. Every operation is idempotent: an
/// interrupted one may run again.
#[async_trait]
pub trait ChildOps<S: Send + Sync + 'static>: Send + Sync {
    /// Its name in the declaration's children table.
    fn name(&self) -> &'static str;

    /// Whether the inputs ask for it (an optional child). Default: always.
    fn wanted(&self, state: &S) -> bool {
        let _ = state;
        true
    }

    /// Make it from the state so far (its dependencies' ids are recorded) and record its id
    /// and outputs into `rec` right after the call that made it.
    async fn create(&self, ctx: &Ctx, rec: &Recorder<S>) -> Result<(), CompositeError>;

    /// Read it (its id is recorded): record what is observed (drift shows in the next plan), or
    /// say it is gone.
    async fn read(&self, ctx: &Ctx, rec: &Recorder<S>) -> Result<Found, CompositeError>;

    /// Bring it from `prior` to what `rec` (the plan) says. Default: nothing to change in place.
    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &S,
        rec: &Recorder<S>,
    ) -> Result<(), CompositeError> {
        let _ = (ctx, prior, rec);
        Ok(())
    }

    /// Delete it; already gone counts as done.
    async fn delete(&self, ctx: &Ctx, state: &S) -> Result<(), CompositeError>;
}

/// A table that does not match its declaration (a programming error, reported at plan).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A declared child without operations, or operations for an undeclared child.
    #[error("{resource}: child \"{child}\" is {what}")]
    Mismatch {
        /// The resource type.
        resource: &'static str,
        /// The child.
        child: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// The dependencies go round.
    #[error("{resource}: the children's dependencies form a cycle through {child:?}")]
    Cycle {
        /// The resource type.
        resource: &'static str,
        /// A child on the cycle.
        child: &'static str,
    },
}

/// A composite's children: each declared row with its operations, and the waves of the
/// dependency order.
pub struct Table<'d, S> {
    rows: Vec<(&'d Child, Box<dyn ChildOps<S>>)>,
    waves: Vec<Vec<usize>>,
}

impl<'d, S> Table<'d, S>
where
    S: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Pair each declared child with its operations (every declared child needs one, in any
    /// order) and order them by their dependencies.
    pub fn new(
        decl: &'d Declaration,
        mut ops: Vec<Box<dyn ChildOps<S>>>,
    ) -> Result<Self, TableError> {
        let mut rows = Vec::new();
        for child in &decl.children {
            let Some(i) = ops.iter().position(|o| o.name() == child.name) else {
                return Err(TableError::Mismatch {
                    resource: decl.type_name,
                    child: child.name,
                    what: "declared but has no operations",
                });
            };
            rows.push((child, ops.swap_remove(i)));
        }
        if let Some(extra) = ops.first() {
            return Err(TableError::Mismatch {
                resource: decl.type_name,
                child: extra.name(),
                what: "given operations but not declared",
            });
        }
        let waves = waves(
            decl.type_name,
            &rows.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        )?;
        Ok(Self { rows, waves })
    }

    /// The children's names, a wave per inner list, in creation order.
    pub fn order(&self) -> Vec<Vec<&'static str>> {
        self.waves
            .iter()
            .map(|w| w.iter().map(|&i| self.rows[i].0.name).collect())
            .collect()
    }

    /// Whether `state` records child `i`'s id.
    fn recorded(&self, i: usize, state: &S) -> bool {
        value::to_generic(state).is_some_and(|g| id_recorded(self.rows[i].0, &g))
    }

    /// Make every wanted child not yet recorded, wave by wave.
    pub async fn create_all(&self, ctx: &Ctx, rec: &Recorder<S>) -> Result<(), CompositeError> {
        for wave in &self.waves {
            let now = rec.snapshot();
            let jobs: Vec<ChildFuture<'_>> = wave
                .iter()
                .filter(|&&i| self.rows[i].1.wanted(&now) && !self.recorded(i, &now))
                .map(|&i| self.rows[i].1.create(ctx, rec))
                .collect();
            ctx.all(jobs).await?;
        }
        Ok(())
    }

    /// Read every recorded child; one that is gone loses its id and outputs.
    pub async fn read_all(&self, ctx: &Ctx, rec: &Recorder<S>) -> Result<(), CompositeError> {
        let now = rec.snapshot();
        let present: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.recorded(i, &now))
            .collect();
        let reads = present.iter().map(|&i| self.rows[i].1.read(ctx, rec));
        let found = if ctx.concurrent {
            futures::future::join_all(reads).await
        } else {
            let mut out = Vec::new();
            for r in reads {
                out.push(r.await);
            }
            out
        };
        let mut first_error = None;
        for (&i, found) in present.iter().zip(found) {
            match found {
                Ok(Found::Present) => {}
                Ok(Found::Gone) => rec.record(|s| forget(self.rows[i].0, s)),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Apply a planned change: delete what is no longer wanted, then make or reconcile the rest
    /// in dependency order.
    pub async fn update_all(
        &self,
        ctx: &Ctx,
        prior: &S,
        rec: &Recorder<S>,
    ) -> Result<(), CompositeError> {
        let planned = rec.snapshot();
        for wave in self.waves.iter().rev() {
            let gone: Vec<usize> = wave
                .iter()
                .copied()
                .filter(|&i| self.recorded(i, prior) && !self.rows[i].1.wanted(&planned))
                .collect();
            let jobs: Vec<ChildFuture<'_>> = gone
                .iter()
                .map(|&i| self.rows[i].1.delete(ctx, prior))
                .collect();
            ctx.all(jobs).await?;
        }
        for wave in &self.waves {
            let now = rec.snapshot();
            let jobs: Vec<ChildFuture<'_>> = wave
                .iter()
                .filter(|&&i| self.rows[i].1.wanted(&now))
                .map(|&i| {
                    if self.recorded(i, &now) {
                        self.rows[i].1.reconcile(ctx, prior, rec)
                    } else {
                        self.rows[i].1.create(ctx, rec)
                    }
                })
                .collect();
            ctx.all(jobs).await?;
        }
        Ok(())
    }

    /// Delete every recorded child in reverse dependency order (a wave at a time, the
    /// children of a wave at the same time), leaving retained ones. A failing wave stops the
    /// rest: what it needed is still there.
    pub async fn delete_all(&self, ctx: &Ctx, state: &S) -> Result<(), CompositeError> {
        let g = value::to_generic(state).unwrap_or(Generic::Nil);
        for wave in self.waves.iter().rev() {
            let jobs: Vec<ChildFuture<'_>> = wave
                .iter()
                .filter(|&&i| id_recorded(self.rows[i].0, &g) && !retained(self.rows[i].0, &g))
                .map(|&i| self.rows[i].1.delete(ctx, state))
                .collect();
            ctx.all(jobs).await?;
        }
        Ok(())
    }

    /// At plan: a wanted child that `prior` does not record will be made (its id and outputs
    /// become unknown, unless its loss replaces the resource, which the skeleton plans); a child
    /// no longer wanted will be deleted (null id and outputs).
    pub fn plan(&self, prior: &S, planned: &mut S) {
        let (Some(prior_g), Some(mut g)) = (value::to_generic(prior), value::to_generic(planned))
        else {
            return;
        };
        for (child, ops) in &self.rows {
            let set = |g: &mut Generic, v: Generic| {
                for attr in std::iter::once(&child.id_attr).chain(child.outputs) {
                    if let Some(f) = value::field_mut(g, attr) {
                        *f = v.clone();
                    }
                }
            };
            if !ops.wanted(planned) {
                set(&mut g, Generic::Nil);
            } else if !id_recorded(child, &prior_g) && !child.replace_when_gone {
                set(&mut g, value::unknown());
            }
        }
        if let Some(s) = value::from_generic(&g) {
            *planned = s;
        }
    }
}

/// Whether `g` holds a known, non-empty id (or non-empty list of ids) for `child`.
fn id_recorded(child: &Child, g: &Generic) -> bool {
    match value::field(g, child.id_attr) {
        None | Some(Generic::Nil) => false,
        Some(v) if value::is_unknown(v) => false,
        Some(Generic::String(s)) => s.as_str().is_some_and(|s| !s.is_empty()),
        // A child made once per zone keeps its ids in a list.
        Some(Generic::Array(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

/// Whether the inputs say to keep `child` after destroy.
fn retained(child: &Child, g: &Generic) -> bool {
    child
        .retained_when
        .and_then(|a| value::field(g, a))
        .and_then(|v| v.as_bool())
        == Some(true)
}

/// Clear `child`'s id and outputs in `state`.
fn forget<S: Serialize + DeserializeOwned>(child: &Child, state: &mut S) {
    let Some(mut g) = value::to_generic(&*state) else {
        return;
    };
    for attr in std::iter::once(&child.id_attr).chain(child.outputs) {
        if let Some(f) = value::field_mut(&mut g, attr) {
            *f = Generic::Nil;
        }
    }
    if let Some(s) = value::from_generic(&g) {
        *state = s;
    }
}

/// The dependency order in waves: each wave holds the children whose dependencies are all in
/// earlier waves, in declaration order.
fn waves(resource: &'static str, children: &[&Child]) -> Result<Vec<Vec<usize>>, TableError> {
    let mut placed = vec![false; children.len()];
    let mut out = Vec::new();
    while placed.iter().any(|p| !p) {
        let wave: Vec<usize> = (0..children.len())
            .filter(|&i| !placed[i])
            .filter(|&i| {
                children[i].depends_on.iter().all(|d| {
                    children
                        .iter()
                        .position(|c| c.name == *d)
                        .is_some_and(|j| placed[j])
                })
            })
            .collect();
        if wave.is_empty() {
            let stuck = (0..children.len()).find(|&i| !placed[i]).unwrap_or(0);
            return Err(TableError::Cycle {
                resource,
                child: children[stuck].name,
            });
        }
        for &i in &wave {
            placed[i] = true;
        }
        out.push(wave);
    }
    Ok(out)
}

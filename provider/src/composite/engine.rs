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
        self.plan_children(prior, planned, true);
    }

    /// The first half of [`Table::plan`]: only the wanted children `prior` does not record
    /// get unknown id and outputs (run before the composite derives its values from them).
    pub fn plan_made_again(&self, prior: &S, planned: &mut S) {
        self.plan_children(prior, planned, false);
    }

    fn plan_children(&self, prior: &S, planned: &mut S, drop_unwanted: bool) {
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
                if drop_unwanted {
                    set(&mut g, Generic::Nil);
                }
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
        // ... or in a map keyed by item (a bucket suffix, a stage name).
        Some(Generic::Map(entries)) => !entries.is_empty(),
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

#[cfg(test)]
mod tests {
    //! The engine with in-memory children: a "cloud" of ids, a log of what ran when, and
    //! injected failures.

    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::tf::Value;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::clients::AwsClients;
    use crate::declare::{Attr, Declaration};

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct S {
        want_c: Value<bool>,
        keep_c: Value<bool>,
        a_id: Value<String>,
        b_id: Value<String>,
        c_id: Value<String>,
        c_url: Value<String>,
    }

    /// `a`; `b` and `c` after `a` (`c` optional, with an output, retained when `keep_c`).
    fn declaration() -> &'static Declaration {
        static D: std::sync::OnceLock<Declaration> = std::sync::OnceLock::new();
        D.get_or_init(|| Declaration {
            type_name: "blueprint_test",
            version: 0,
            description: "",
            attrs: ["a_id", "b_id", "c_id", "c_url"]
                .into_iter()
                .map(|n| Attr::string(n, "").computed())
                .chain([Attr::bool("want_c", ""), Attr::bool("keep_c", "")])
                .collect(),
            blocks: vec![],
            children: vec![
                Child::new("a", "aws_a", "a_id"),
                Child::new("b", "aws_b", "b_id").after(&["a"]),
                Child::new("c", "aws_c", "c_id")
                    .after(&["a"])
                    .outputs(&["c_url"])
                    .optional()
                    .retained_when("keep_c"),
            ],
            import_id: "",
            example: "",
            notes: "",
            expand: crate::declare::expand::nothing,
        })
    }

    /// What exists, what happened (in order), and which calls fail.
    #[derive(Default)]
    struct Cloud {
        exists: BTreeSet<String>,
        log: Vec<String>,
        fail: BTreeSet<String>,
        serial: usize,
    }

    #[derive(Clone)]
    struct Fake {
        name: &'static str,
        cloud: Arc<Mutex<Cloud>>,
    }

    impl Fake {
        fn set(&self, s: &mut S, v: Value<String>) {
            match self.name {
                "a" => s.a_id = v,
                "b" => s.b_id = v,
                _ => {
                    s.c_url = match &v {
                        Value::Value(id) => Value::Value(format!("https://{id}")),
                        _ => Value::Null,
                    };
                    s.c_id = v;
                }
            }
        }
        fn id(&self, s: &S) -> Option<String> {
            match self.name {
                "a" => s.a_id.clone().as_option(),
                "b" => s.b_id.clone().as_option(),
                _ => s.c_id.clone().as_option(),
            }
        }
        fn step(&self, what: &str) -> Result<(), CompositeError> {
            let mut c = self.cloud.lock().unwrap();
            c.log.push(format!("{what} {}", self.name));
            if c.fail.contains(&format!("{what} {}", self.name)) {
                return Err(CompositeError::new(
                    format!("{what} {} failed", self.name),
                    "",
                ));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl ChildOps<S> for Fake {
        fn name(&self) -> &'static str {
            self.name
        }
        fn wanted(&self, s: &S) -> bool {
            self.name != "c" || s.want_c.as_option() == Some(true)
        }
        async fn create(&self, _: &Ctx, rec: &Recorder<S>) -> Result<(), CompositeError> {
            self.step("start")?;
            // Long enough for a sibling of the same wave to start meanwhile.
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.step("create")?;
            let id = {
                let mut c = self.cloud.lock().unwrap();
                c.serial += 1;
                let id = format!("{}-{}", self.name, c.serial);
                c.exists.insert(id.clone());
                id
            };
            rec.record(|s| self.set(s, Value::Value(id)));
            Ok(())
        }
        async fn read(&self, _: &Ctx, rec: &Recorder<S>) -> Result<Found, CompositeError> {
            self.step("read")?;
            let id = self.id(&rec.snapshot()).unwrap_or_default();
            Ok(if self.cloud.lock().unwrap().exists.contains(&id) {
                Found::Present
            } else {
                Found::Gone
            })
        }
        async fn reconcile(&self, _: &Ctx, _: &S, _: &Recorder<S>) -> Result<(), CompositeError> {
            self.step("reconcile")
        }
        async fn delete(&self, _: &Ctx, s: &S) -> Result<(), CompositeError> {
            self.step("delete")?;
            if let Some(id) = self.id(s) {
                self.cloud.lock().unwrap().exists.remove(&id);
            }
            Ok(())
        }
    }

    /// The cloud, the three children's operations, and a context.
    type Setup = (Arc<Mutex<Cloud>>, Vec<Box<dyn ChildOps<S>>>, Ctx);

    fn setup() -> Setup {
        let cloud = Arc::new(Mutex::new(Cloud::default()));
        // Declared order on purpose differs from the operations' order.
        let ops: Vec<Box<dyn ChildOps<S>>> = ["c", "b", "a"]
            .into_iter()
            .map(|name| {
                Box::new(Fake {
                    name,
                    cloud: cloud.clone(),
                }) as Box<dyn ChildOps<S>>
            })
            .collect();
        let ctx = Ctx::new(
            Arc::new(AwsClients::offline("us-east-1")),
            Duration::from_secs(5),
            tokio_util::sync::CancellationToken::new(),
        );
        (cloud, ops, ctx)
    }

    fn log(cloud: &Arc<Mutex<Cloud>>) -> Vec<String> {
        std::mem::take(&mut cloud.lock().unwrap().log)
    }

    fn wanting_c() -> S {
        S {
            want_c: Value::Value(true),
            ..S::default()
        }
    }

    #[tokio::test]
    async fn children_are_made_in_dependency_waves_and_a_wave_runs_at_once() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        assert_eq!(table.order(), vec![vec!["a"], vec!["b", "c"]]);
        let rec = Recorder::new(wanting_c());
        table.create_all(&ctx, &rec).await.unwrap();
        assert_eq!(
            log(&cloud),
            ["start a", "create a", "start b", "start c", "create b", "create c"],
            "b and c both start before either is made: they run at the same time"
        );
        let s = rec.snapshot();
        assert_eq!(s.a_id, Value::Value("a-1".into()));
        assert_eq!(
            s.c_url,
            Value::Value(format!("https://{}", s.c_id.clone().as_option().unwrap()))
        );
    }

    #[tokio::test]
    async fn a_failure_keeps_what_exists_and_stops_later_waves() {
        let (cloud, ops, ctx) = setup();
        cloud.lock().unwrap().fail.insert("create b".into());
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(wanting_c());
        let err = table.create_all(&ctx, &rec).await.unwrap_err();
        assert_eq!(err.summary, "create b failed");
        let s = rec.snapshot();
        assert!(
            s.a_id.clone().as_option().is_some(),
            "a exists and is recorded"
        );
        assert!(
            s.c_id.clone().as_option().is_some(),
            "c, in b's wave, ran to the end"
        );
        assert!(s.b_id.is_null(), "b does not exist");
        // The next apply (an update) makes only what is missing.
        cloud.lock().unwrap().fail.clear();
        log(&cloud);
        let prior = rec.snapshot();
        table.update_all(&ctx, &prior, &rec).await.unwrap();
        assert_eq!(
            log(&cloud),
            ["reconcile a", "start b", "reconcile c", "create b"]
        );
    }

    #[tokio::test]
    async fn a_child_gone_out_of_band_is_forgotten_planned_and_made_again() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(wanting_c());
        table.create_all(&ctx, &rec).await.unwrap();
        let c_id = rec.snapshot().c_id.as_option().unwrap();
        cloud.lock().unwrap().exists.remove(&c_id);
        table.read_all(&ctx, &rec).await.unwrap();
        let read = rec.snapshot();
        assert!(read.c_id.is_null() && read.c_url.is_null(), "{read:?}");
        assert!(read.a_id.clone().as_option().is_some());

        let mut planned = read.clone();
        table.plan(&read, &mut planned);
        assert!(planned.c_id.is_unknown() && planned.c_url.is_unknown());
        assert_eq!(planned.a_id, read.a_id, "a is left as it is");

        log(&cloud);
        let rec = Recorder::new(planned);
        table.update_all(&ctx, &read, &rec).await.unwrap();
        let after = rec.snapshot();
        assert!(after.c_id.clone().as_option().is_some_and(|id| id != c_id));
        assert!(log(&cloud).contains(&"create c".to_string()));
    }

    #[tokio::test]
    async fn an_unwanted_child_is_planned_null_and_deleted_first() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(wanting_c());
        table.create_all(&ctx, &rec).await.unwrap();
        let prior = rec.snapshot();
        let mut planned = S {
            want_c: Value::Value(false),
            ..prior.clone()
        };
        table.plan(&prior, &mut planned);
        assert!(planned.c_id.is_null() && planned.c_url.is_null());
        log(&cloud);
        let rec = Recorder::new(planned);
        table.update_all(&ctx, &prior, &rec).await.unwrap();
        assert_eq!(log(&cloud), ["delete c", "reconcile a", "reconcile b"]);
        assert_eq!(cloud.lock().unwrap().exists.len(), 2);
    }

    #[tokio::test]
    async fn delete_goes_in_reverse_waves_and_leaves_retained_children() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(wanting_c());
        table.create_all(&ctx, &rec).await.unwrap();
        log(&cloud);
        let state = rec.snapshot();
        table.delete_all(&ctx, &state).await.unwrap();
        let order = log(&cloud);
        assert_eq!(order.last().map(String::as_str), Some("delete a"));
        assert_eq!(order.len(), 3);
        assert!(cloud.lock().unwrap().exists.is_empty());

        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(S {
            keep_c: Value::Value(true),
            ..wanting_c()
        });
        table.create_all(&ctx, &rec).await.unwrap();
        log(&cloud);
        table.delete_all(&ctx, &rec.snapshot()).await.unwrap();
        assert_eq!(log(&cloud), ["delete b", "delete a"]);
        let left: Vec<String> = cloud.lock().unwrap().exists.iter().cloned().collect();
        assert_eq!(left.len(), 1);
        assert!(left[0].starts_with("c-"));
    }

    #[tokio::test]
    async fn a_failed_delete_stops_before_what_it_needs() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(wanting_c());
        table.create_all(&ctx, &rec).await.unwrap();
        cloud.lock().unwrap().fail.insert("delete b".into());
        log(&cloud);
        let err = table.delete_all(&ctx, &rec.snapshot()).await.unwrap_err();
        assert_eq!(err.summary, "delete b failed");
        let ran = log(&cloud);
        assert!(ran.contains(&"delete c".to_string()), "{ran:?}");
        assert!(
            !ran.contains(&"delete a".to_string()),
            "a is still needed by b: {ran:?}"
        );
    }

    #[tokio::test]
    async fn reads_only_touch_recorded_children() {
        let (cloud, ops, ctx) = setup();
        let table = Table::new(declaration(), ops).unwrap();
        let rec = Recorder::new(S::default());
        table.create_all(&ctx, &rec).await.unwrap();
        assert!(rec.snapshot().c_id.is_null(), "c is not wanted");
        log(&cloud);
        table.read_all(&ctx, &rec).await.unwrap();
        let mut reads = log(&cloud);
        reads.sort();
        assert_eq!(reads, ["read a", "read b"]);
    }

    #[test]
    fn a_table_must_match_its_declaration() {
        let (_, mut ops, _) = setup();
        ops.pop();
        let err = Table::new(declaration(), ops).err().unwrap();
        assert!(err
            .to_string()
            .contains("child \"a\" is declared but has no operations"));

        let cyclic = [
            Child::new("x", "aws_x", "x").after(&["y"]),
            Child::new("y", "aws_y", "y").after(&["x"]),
        ];
        let refs: Vec<&Child> = cyclic.iter().collect();
        assert!(matches!(
            waves("blueprint_test", &refs),
            Err(TableError::Cycle { .. })
        ));
    }
}

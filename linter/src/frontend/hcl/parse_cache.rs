//! Parsing every module directory once per run: root modules that call the same local modules
//! (a repository's `examples/*` calling `source = "../../"`) share one parse of them. A
//! directory's syntax trees are dropped as soon as the last root module that needs it (as the
//! walk's textual scan of `source = "..."` says) has been evaluated, so trees do not pile up.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::loader::{self, ParsedFile, SourceFile, Tree, Walk};
use crate::model::LoadError;

/// One directory parsed: its files, and what went wrong reading or parsing them.
#[derive(Debug, Default)]
struct ParsedDir {
    files: Vec<Arc<ParsedFile>>,
    errors: Vec<LoadError>,
    extra_files: Vec<Arc<SourceFile>>,
    modules: Vec<PathBuf>,
}

type Slot = Arc<OnceLock<Arc<ParsedDir>>>;

/// Parsed directories shared by the root modules of one run.
pub struct ParseCache<'w> {
    walk: &'w Walk,
    slots: Mutex<HashMap<PathBuf, Slot>>,
    /// Roots still to be evaluated that need each directory (from the textual scan).
    pending: HashMap<PathBuf, AtomicUsize>,
    /// Each root's directories, per the textual scan.
    needs: HashMap<PathBuf, Vec<PathBuf>>,
}

impl<'w> ParseCache<'w> {
    /// A cache over `walk` for evaluating `roots`.
    pub fn new(walk: &'w Walk, roots: &[PathBuf]) -> ParseCache<'w> {
        // Each directory's files scanned once for the local modules they call.
        let calls: HashMap<&Path, Vec<PathBuf>> = walk
            .dirs
            .iter()
            .map(|(dir, files)| {
                let mut targets: Vec<PathBuf> = files
                    .iter()
                    .flat_map(|f| loader::scanned_module_sources(dir, &f.source))
                    .collect();
                targets.sort();
                targets.dedup();
                (dir.as_path(), targets)
            })
            .collect();
        let mut needs = HashMap::new();
        let mut counts: HashMap<PathBuf, usize> = HashMap::new();
        for root in roots {
            let dirs = closure(&calls, root);
            for d in &dirs {
                *counts.entry(d.clone()).or_default() += 1;
            }
            needs.insert(root.clone(), dirs);
        }
        ParseCache {
            walk,
            slots: Mutex::new(HashMap::new()),
            pending: counts
                .into_iter()
                .map(|(d, n)| (d, AtomicUsize::new(n)))
                .collect(),
            needs,
        }
    }

    fn dir(&self, dir: &Path) -> Arc<ParsedDir> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(dir.to_path_buf()).or_default())
        };
        // Parsed outside the lock: other directories are parsed meanwhile, and a second root
        // asking for this one waits for the first parse instead of repeating it.
        Arc::clone(slot.get_or_init(|| {
            let mut scratch = Tree::default();
            let files = loader::parse_dir(self.walk, dir, &mut scratch);
            let modules = loader::local_module_dirs(dir, &files);
            Arc::new(ParsedDir {
                files,
                errors: scratch.errors,
                extra_files: scratch.extra_files,
                modules,
            })
        }))
    }

    /// What root module `root` needs, parsed (shared with other roots): its directory, the
    /// local modules it calls (transitively) and its tfvars.
    pub fn root_tree(&self, root: &Path) -> Tree {
        let mut tree = Tree::default();
        let mut queue = vec![root.to_path_buf()];
        while let Some(dir) = queue.pop() {
            if tree.dirs.contains_key(&dir) {
                continue;
            }
            let parsed = self.dir(&dir);
            for target in &parsed.modules {
                if !tree.dirs.contains_key(target) {
                    queue.push(target.clone());
                }
            }
            tree.errors.extend(parsed.errors.iter().cloned());
            tree.extra_files.extend(parsed.extra_files.iter().cloned());
            tree.dirs.insert(dir, parsed.files.clone());
        }
        for f in self.walk.tfvars.get(root).into_iter().flatten() {
            match loader::parse_source(f) {
                Ok(p) => tree.tfvars.push(Arc::new(p)),
                Err(e) => tree.errors.push(e),
            }
        }
        tree
    }

    /// Root `root` has been evaluated: drops the parsed directories no other root needs.
    pub fn done(&self, root: &Path) {
        let Some(dirs) = self.needs.get(root) else {
            return;
        };
        for d in dirs {
            let last = self
                .pending
                .get(d)
                .is_some_and(|n| n.fetch_sub(1, Ordering::AcqRel) == 1);
            if last {
                self.slots
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(d);
            }
        }
    }
}

/// The walked directories `root` calls, transitively, per the textual scan of module sources
/// (the parse decides what is evaluated; this only decides how long a parse is kept).
fn closure(calls: &HashMap<&Path, Vec<PathBuf>>, root: &Path) -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![root.to_path_buf()];
    while let Some(dir) = queue.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        for target in calls.get(dir.as_path()).into_iter().flatten() {
            if !seen.contains(target) {
                queue.push(target.clone());
            }
        }
    }
    seen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two roots calling one local module share its parse, which is dropped once both are done.
    #[test]
    fn roots_share_a_module_parse_until_the_last_is_done() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = tmp.path();
        for (dir, text) in [
            (
                "shared/main.tf",
                "variable \"n\" {}\nresource \"aws_sqs_queue\" \"q\" {\n  name = var.n\n}\n",
            ),
            (
                "a/main.tf",
                "module \"m\" {\n  source = \"../shared\"\n  n = \"a\"\n}\n",
            ),
            (
                "b/main.tf",
                "module \"m\" {\n  source = \"../shared\"\n  n = \"b\"\n}\n",
            ),
        ] {
            let path = base.join(dir);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let walk = loader::walk(&[base.to_path_buf()], &[]).expect("walk");
        assert_eq!(walk.roots.len(), 2, "{:?}", walk.roots);
        let cache = ParseCache::new(&walk, &walk.roots);
        let shared = loader::normalize(&base.join("shared"));
        let a = cache.root_tree(&walk.roots[0]);
        let b = cache.root_tree(&walk.roots[1]);
        let (fa, fb) = (&a.dirs[&shared][0], &b.dirs[&shared][0]);
        assert!(Arc::ptr_eq(fa, fb), "the shared module was parsed twice");
        let slots = || {
            cache
                .slots
                .lock()
                .map(|s| s.contains_key(&shared))
                .unwrap_or(false)
        };
        cache.done(&walk.roots[0]);
        assert!(slots(), "dropped while a root still needs it");
        cache.done(&walk.roots[1]);
        assert!(!slots(), "kept after the last root");
    }
}

//! The HCL front-end: loads a directory tree of `.tf` and `.tf.json` files and evaluates it into
//! a [`Model`].

pub mod eval;
pub mod functions;
pub mod json_config;
pub mod json_syntax;
pub mod loader;
pub mod module;
pub mod parse_cache;
pub mod syntax;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use self::eval::{EmptyScope, Evaluator};
use self::loader::{parse_file, ParsedFile, SourceFile, Tree};
use self::module::{Ctx, Instance};
use crate::model::{LoadError, Model, Resource, Unchecked, Value};

/// What to load besides the paths: variable files, `-var` values, excluded paths.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var-file` paths, applied to every root module after its own tfvars.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, applied last.
    pub vars: Vec<(String, String)>,
    /// Glob patterns of paths to skip.
    pub exclude: Vec<String>,
}

/// One model per root module found, and the text of every file read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// One model per root module (addresses are unique within a root, not across roots).
    pub roots: Vec<Model>,
    /// Files that could not be read or parsed, module cycles.
    pub errors: Vec<LoadError>,
    /// Every file read, by display path.
    pub files: BTreeMap<String, Arc<SourceFile>>,
    /// What was read but not checked, in every root (also in each root's [`Model`]), once
    /// each.
    pub unchecked: Vec<Unchecked>,
}

impl Loaded {
    /// The first resource at `address` in any root module.
    pub fn get(&self, address: &str) -> Option<&Resource> {
        self.roots.iter().find_map(|m| m.get(address))
    }

    /// Number of resources in all root modules.
    pub fn resources(&self) -> usize {
        self.roots.iter().map(|m| m.resources.len()).sum()
    }
}

/// Errors that stop loading altogether (a path that does not exist, an unreadable var file).
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// A path could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Loads and evaluates every root module under `paths`. Root modules are parsed and
/// evaluated in parallel, one at a time per thread, so syntax trees never pile up.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, LoadFailure> {
    let (roots, mut loaded) = load_with(paths, opts, |m| m)?;
    loaded.roots = roots;
    Ok(loaded)
}

/// [`load`], handing each root module's model to `per_root` as soon as it is evaluated (on the
/// thread that evaluated it) and keeping only what `per_root` returns, in root order: a large
/// tree's models never all live at once. The [`Loaded`] returned has no `roots`.
pub fn load_with<T: Send>(
    paths: &[PathBuf],
    opts: &LoadOptions,
    per_root: impl Fn(Model) -> T + Sync,
) -> Result<(Vec<T>, Loaded), LoadFailure> {
    let walk = loader::walk(paths, &opts.exclude).map_err(|source| LoadFailure::Io {
        path: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    })?;
    let mut errors = walk.errors.clone();
    let mut files = walk.files.clone();

    let mut extra_vars: Vec<Arc<ParsedFile>> = Vec::new();
    for vf in &opts.var_files {
        if !vf.is_file() {
            return Err(LoadFailure::Io {
                path: vf.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "var file not found"),
            });
        }
        let (file, parsed) = parse_file(vf, vf.display().to_string());
        if let Some(f) = &file {
            files.insert(f.display.clone(), f.clone());
        }
        match parsed {
            Ok(p) => extra_vars.push(Arc::new(p)),
            Err(e) => errors.push(e),
        }
    }
    let cli_vars: HashMap<String, Value> = opts
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), cli_var_value(v)))
        .collect();

    let defaults = module::Defaults::default();
    let run = |roots: &[PathBuf]| -> Vec<RootResult<T>> {
        // Local modules shared by several roots are parsed once; each root evaluates them anew.
        let cache = parse_cache::ParseCache::new(&walk, roots);
        roots
            .par_iter()
            .map(|root| {
                let tree = cache.root_tree(root);
                let mut inputs = HashMap::new();
                for vf in tree.tfvars.iter().chain(extra_vars.iter()) {
                    inputs.extend(tfvars_values(vf));
                }
                inputs.extend(cli_vars.clone());
                let evaluated = evaluate_root_with(&tree, root, inputs, &defaults);
                let mut model = Model::new(evaluated.resources);
                model.unchecked = evaluated.unchecked.clone();
                crate::composite::expand_model(&mut model);
                let mut errors = tree.errors.clone();
                errors.extend(evaluated.errors);
                let result = RootResult {
                    out: per_root(model),
                    visited: tree.dirs.keys().cloned().collect(),
                    extra_files: tree.extra_files.clone(),
                    errors,
                    unchecked: evaluated.unchecked,
                };
                drop(tree);
                cache.done(root);
                result
            })
            .collect()
    };
    let mut results = run(&walk.roots);
    // Directories the scan took for called modules but that no root actually reached.
    let visited: BTreeSet<&PathBuf> = results.iter().flat_map(|r| r.visited.iter()).collect();
    let leftover: Vec<PathBuf> = walk
        .dirs
        .keys()
        .filter(|d| !visited.contains(d))
        .cloned()
        .collect();
    if !leftover.is_empty() {
        results.extend(run(&leftover));
    }

    let mut seen_errors = BTreeSet::new();
    let mut unchecked = BTreeSet::new();
    let mut roots = Vec::with_capacity(results.len());
    for r in results {
        for f in r.extra_files {
            files.insert(f.display.clone(), f);
        }
        for e in r.errors {
            let key = (e.location.clone(), e.message.clone());
            if seen_errors.insert(key) {
                errors.push(e);
            }
        }
        // A module shared by several roots notes its gaps once.
        unchecked.extend(r.unchecked);
        roots.push(r.out);
    }
    Ok((
        roots,
        Loaded {
            roots: Vec::new(),
            errors,
            files,
            unchecked: unchecked.into_iter().collect(),
        },
    ))
}

struct RootResult<T> {
    out: T,
    visited: Vec<PathBuf>,
    extra_files: Vec<Arc<SourceFile>>,
    errors: Vec<LoadError>,
    unchecked: Vec<Unchecked>,
}

/// A root module evaluated: its resources, what could not be checked, and the errors found
/// while evaluating (module cycles), located in the files as read (JSON files included).
#[derive(Debug, Default)]
pub struct Evaluated {
    /// Resources, data sources and backends.
    pub resources: Vec<Resource>,
    /// What was read but not checked.
    pub unchecked: Vec<Unchecked>,
    /// Module cycles.
    pub errors: Vec<LoadError>,
}

/// Evaluates the root module in `dir` of `tree` with the given variable values.
pub fn evaluate_root(
    tree: &Tree,
    dir: &std::path::Path,
    inputs: HashMap<String, Value>,
) -> Evaluated {
    evaluate_root_with(tree, dir, inputs, &module::Defaults::default())
}

/// [`evaluate_root`] with variable defaults shared with other roots of the same run.
pub fn evaluate_root_with(
    tree: &Tree,
    dir: &std::path::Path,
    inputs: HashMap<String, Value>,
    defaults: &module::Defaults,
) -> Evaluated {
    let decls = module::DeclMap::new(tree);
    let ctx = Ctx {
        tree,
        out: RefCell::new(Vec::new()),
        root_display: dir.display().to_string(),
        defaults,
        decls: &decls,
        notes: RefCell::new(Vec::new()),
        seen: RefCell::new(Default::default()),
    };
    let inst = Instance::new(&ctx, dir, String::new(), Vec::new(), inputs, 0);
    inst.run();
    drop(inst);
    let mut resources = ctx.out.into_inner();
    let notes = ctx.notes.into_inner();
    // Resources read from JSON files point at the generated text: point them at the JSON.
    // Looked up by the generated text's address, so a tree of many JSON files stays linear.
    let origins: HashMap<*const SourceFile, &json_config::JsonOrigin> = tree
        .dirs
        .values()
        .flatten()
        .filter_map(|f| f.json.as_deref().map(|o| (Arc::as_ptr(&f.file), o)))
        .collect();
    if !origins.is_empty() {
        for r in &mut resources {
            let origin = r.source.as_ref().and_then(|s| origins.get(&Arc::as_ptr(s)));
            if let Some(o) = origin {
                o.remap(r);
            }
        }
    }
    let mut out = Evaluated {
        resources,
        ..Evaluated::default()
    };
    for n in notes {
        let location = match origins.get(&Arc::as_ptr(&n.file)) {
            Some(o) => o.location(n.span),
            None => n.file.location(n.span),
        };
        if n.error {
            out.errors.push(LoadError {
                location,
                message: n.reason,
            });
        } else {
            out.unchecked.push(Unchecked {
                location,
                reason: n.reason,
            });
        }
    }
    out
}

/// Values assigned in a tfvars file.
fn tfvars_values(f: &ParsedFile) -> Vec<(String, Value)> {
    f.body
        .attributes()
        .map(|a| {
            let v = Evaluator::new(&EmptyScope).eval_or_unknown(&a.value);
            (a.key.as_str().to_string(), v)
        })
        .collect()
}

/// A `--var` value: HCL when it looks like a list, map, number or bool; else a plain string.
fn cli_var_value(raw: &str) -> Value {
    let t = raw.trim();
    if t.starts_with('[') || t.starts_with('{') {
        if let Ok(e) = hcl::edit::parser::parse_expr(t) {
            return Evaluator::new(&EmptyScope).eval_or_unknown(&e);
        }
    }
    Value::String(raw.to_string())
}

/// Loads one file from a string (one root module; JSON syntax when `display` ends in
/// `.tf.json`); for tests, fuzzing and benchmarks.
pub fn load_str(display: &str, source: &str) -> Model {
    let file = Arc::new(SourceFile::new(display.to_string(), source.to_string()));
    let mut model = Model::default();
    match loader::parse_source(&file) {
        Ok(parsed) => {
            let mut tree = Tree::default();
            let dir = PathBuf::from(".");
            tree.dirs.insert(dir.clone(), vec![Arc::new(parsed)]);
            let evaluated = evaluate_root(&tree, &dir, HashMap::new());
            for r in evaluated.resources {
                model.push(r);
            }
            model.unchecked = evaluated.unchecked;
            model.errors.extend(evaluated.errors);
            crate::composite::expand_model(&mut model);
        }
        Err(e) => model.errors.push(e as LoadError),
    }
    model
}

//! The HCL front-end: loads a directory tree of `.tf` files and evaluates it into a [`Model`].

pub mod eval;
pub mod functions;
pub mod loader;
pub mod module;
pub mod span;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use self::eval::{EmptyScope, Evaluator};
use self::loader::{parse_file, ParsedFile, SourceFile, Tree};
use self::module::{Ctx, Instance};
use crate::model::{LoadError, Model, Resource, Value};

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

/// The evaluated model and the text of every file read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Resources of every root module found.
    pub model: Model,
    /// Every file read, by display path.
    pub files: BTreeMap<String, Arc<SourceFile>>,
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

/// Loads and evaluates every root module under `paths`.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, LoadFailure> {
    let t = std::time::Instant::now();
    let tree = loader::load_tree(paths, &opts.exclude).map_err(|source| LoadFailure::Io {
        path: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    })?;
    if std::env::var_os("BLUEPRINT_LINT_TIMING").is_some() {
        eprintln!("TIMING walk+parse {:?}", t.elapsed());
    }
    let mut errors = tree.errors.clone();
    let mut files = tree.files.clone();

    let mut extra_vars: Vec<Arc<ParsedFile>> = Vec::new();
    for vf in &opts.var_files {
        if !vf.is_file() {
            return Err(LoadFailure::Io {
                path: vf.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "var file not found"),
            });
        }
        let (file, body) = parse_file(vf, vf.display().to_string());
        if let Some(f) = &file {
            files.insert(f.display.clone(), f.clone());
        }
        match (file, body) {
            (Some(file), Ok(body)) => extra_vars.push(Arc::new(ParsedFile { file, body })),
            (_, Err(e)) => errors.push(e),
            _ => {}
        }
    }
    let cli_vars: HashMap<String, Value> = opts
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), cli_var_value(v)))
        .collect();

    let per_root: Vec<Vec<Resource>> = tree
        .roots
        .par_iter()
        .map(|root| {
            let mut inputs = HashMap::new();
            let own = tree.tfvars.get(root).cloned().unwrap_or_default();
            for vf in own.iter().chain(extra_vars.iter()) {
                inputs.extend(tfvars_values(vf));
            }
            inputs.extend(cli_vars.clone());
            evaluate_root(&tree, root, inputs)
        })
        .collect();

    if std::env::var_os("BLUEPRINT_LINT_TIMING").is_some() {
        eprintln!("TIMING parse+eval {:?}", t.elapsed());
    }
    let mut model = Model::default();
    for rs in per_root {
        for r in rs {
            model.push(r);
        }
    }
    model.errors = errors;
    Ok(Loaded { model, files })
}

/// Evaluates the root module in `dir` of `tree` with the given variable values.
pub fn evaluate_root(
    tree: &Tree,
    dir: &std::path::Path,
    inputs: HashMap<String, Value>,
) -> Vec<Resource> {
    let ctx = Ctx {
        tree,
        out: RefCell::new(Vec::new()),
    };
    let inst = Instance::new(&ctx, dir, String::new(), Vec::new(), inputs, 0);
    inst.run();
    drop(inst);
    ctx.out.into_inner()
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

/// Loads HCL from a string (one file, one root module); for tests, fuzzing and benchmarks.
pub fn load_str(display: &str, source: &str) -> Model {
    let file = Arc::new(SourceFile::new(display.to_string(), source.to_string()));
    let mut model = Model::default();
    match loader::parse_source(&file) {
        Ok(body) => {
            let mut tree = Tree::default();
            let dir = PathBuf::from(".");
            tree.dirs
                .insert(dir.clone(), vec![Arc::new(ParsedFile { file, body })]);
            for r in evaluate_root(&tree, &dir, HashMap::new()) {
                model.push(r);
            }
        }
        Err(e) => model.errors.push(e as LoadError),
    }
    model
}

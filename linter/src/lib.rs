//! `blueprint_lint`: the rule engine shared by the `blueprint-lint` CLI and the Terraform provider.
//!
//! - [`frontend::hcl`] loads `.tf` trees into a [`Model`] (variables, locals, functions,
//!   `count`/`for_each`, `dynamic` blocks, local modules); unknowns stay [`Value::Unknown`].
//! - [`rules`] holds one file per rule; [`check_model`] runs them all.
//! - [`check_resource`] is the provider's entry point: one resource's attributes at plan time.
//! - [`report`] renders findings as text, JSON, SARIF, JUnit or GitHub annotations.

pub mod config;
pub mod finding;
pub mod frontend;
pub mod model;
pub mod report;
pub mod rules;
pub mod suppress;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use finding::{path_to_string, Finding, PathStep, Profile, Severity, SourceLocation};
pub use model::{LoadError, Mode, Model, Reference, Resource, Value};

use config::Config;
use frontend::hcl::loader::SourceFile;
use rules::Context;

/// Identifiers of every rule the engine knows, in a stable order.
pub fn rule_ids() -> Vec<&'static str> {
    rules::registry().iter().map(|r| r.meta().id).collect()
}

/// Runs every rule that applies to `profile` on `model`; findings are sorted by location.
pub fn check_model(model: &Model, profile: Profile) -> Vec<Finding> {
    let ctx = Context { model, profile };
    let timing = std::env::var_os("BLUEPRINT_LINT_TIMING").is_some();
    let mut out: Vec<Finding> = rules::registry()
        .iter()
        .filter(|r| profile == Profile::Prod || !r.meta().prod_only)
        .flat_map(|r| {
            let t = std::time::Instant::now();
            let f = r.check(&ctx);
            if timing {
                eprintln!("TIMING rule {} {:?}", r.meta().id, t.elapsed());
            }
            f
        })
        .collect();
    sort_findings(&mut out);
    out
}

/// Checks one resource, as the provider sees it at plan time: `attributes` in the plan's JSON
/// shape (nested blocks as lists of objects) converted with [`Value::from_json`], unknown
/// attributes marked with [`Value::set_path`] and [`Value::Unknown`]. Rules that need other
/// resources (e.g. `ecs-ingress-only-from-alb`) report nothing here. Each finding's
/// `attribute_path` says where to attach the diagnostic (e.g. `ssh_cidr_blocks[0]`).
pub fn check_resource(resource_type: &str, attributes: Value, profile: Profile) -> Vec<Finding> {
    let model = Model::new(vec![Resource::new(
        Mode::Managed,
        resource_type,
        "this",
        attributes,
    )]);
    check_model(&model, profile)
}

fn sort_findings(f: &mut [Finding]) {
    f.sort_by(|a, b| {
        let key = |x: &Finding| {
            (
                x.location.as_ref().map(|l| (l.file.clone(), l.start_byte)),
                x.address.clone(),
                x.rule_id.clone(),
                x.attribute_path.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// How to lint a tree.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Sizing profile.
    pub profile: Profile,
    /// Var files, `--var` values, excluded paths.
    pub load: frontend::hcl::LoadOptions,
    /// Rule selection and severity overrides.
    pub config: Config,
    /// Today's date (`YYYY-MM-DD`) for suppression expiry; `None`: the system clock.
    pub today: Option<String>,
}

/// The result of linting a tree.
#[derive(Debug, Default)]
pub struct LintReport {
    /// Findings after config and suppressions, sorted.
    pub findings: Vec<Finding>,
    /// Files that could not be read or parsed.
    pub errors: Vec<LoadError>,
    /// Every file read, for rendering snippets.
    pub files: BTreeMap<String, Arc<SourceFile>>,
    /// Number of resources evaluated.
    pub resources: usize,
}

/// Errors that stop a lint run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path or var file could not be read.
    #[error(transparent)]
    Load(#[from] frontend::hcl::LoadFailure),
    /// The config file is invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

/// Loads `paths`, runs the rules and applies the config and inline suppressions.
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> Result<LintReport, Error> {
    let t = std::time::Instant::now();
    let loaded = frontend::hcl::load(paths, &opts.load)?;
    let t1 = t.elapsed();
    let findings = check_model(&loaded.model, opts.profile);
    let t2 = t.elapsed();
    let findings = opts.config.apply(findings);
    let today = opts.today.clone().unwrap_or_else(suppress::today);
    let mut findings = suppress::apply(findings, &loaded.model, &loaded.files, &today);
    let t3 = t.elapsed();
    if std::env::var_os("BLUEPRINT_LINT_TIMING").is_some() {
        eprintln!("TIMING load {t1:?} rules {t2:?} suppress {t3:?}");
    }
    sort_findings(&mut findings);
    Ok(LintReport {
        findings,
        errors: loaded.model.errors.clone(),
        resources: loaded.model.resources.len(),
        files: loaded.files,
    })
}

//! `blueprint_lint`: the rule engine shared by the `blueprint-lint` CLI and the Terraform provider.
//!
//! - [`frontend::hcl`] loads `.tf` trees into a [`Model`] (variables, locals, functions,
//!   `count`/`for_each`, `dynamic` blocks, local modules); unknowns stay [`Value::Unknown`].
//! - [`frontend::plan`] reads `terraform show -json` plans into the same [`Model`];
//!   [`lint_plan`] checks one.
//! - [`rules`] holds one file per rule; [`check_model`] runs them all.
//! - [`check_resource`] is the provider's entry point: one resource's attributes at plan time.
//! - [`report`] renders findings as text, JSON, SARIF, JUnit or GitHub annotations.
//! - [`baseline`] keeps the findings a branch already has, for a pull-request gate.

pub mod baseline;
pub mod composite;
pub mod config;
pub mod finding;
pub mod frontend;
pub mod graph;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use finding::{path_to_string, Finding, PathStep, Profile, Severity, SourceLocation};
pub use model::{LoadError, Mode, Model, Reference, Resource, Unchecked, Value};

use config::Config;
use rules::Context;
use source::SourceFile;

/// Identifiers of every rule the engine knows, in a stable order.
pub fn rule_ids() -> Vec<&'static str> {
    rules::registry().iter().map(|r| r.meta().id).collect()
}

/// Runs every rule that applies to `profile` on `model`; findings are sorted by location.
pub fn check_model(model: &Model, profile: Profile) -> Vec<Finding> {
    let ctx = Context::new(model, profile);
    let mut out: Vec<Finding> = rules::registry()
        .iter()
        .filter(|r| profile == Profile::Prod || !r.meta().prod_only)
        .flat_map(|r| r.check(&ctx))
        .collect();
    composite::map_findings(model, &mut out);
    sort_findings(&mut out);
    out
}

/// Checks one resource, as the provider sees it at plan time: `attributes` in the plan's JSON
/// shape (nested blocks as lists of objects) converted with [`Value::from_json`], unknown
/// attributes marked with [`Value::set_path`] and [`Value::Unknown`]. Rules that need other
/// resources (e.g. `ecs-ingress-only-from-alb`) report nothing here. Each finding's
/// `attribute_path` says where to attach the diagnostic (e.g. `ssh_cidr_blocks[0]`). A Blueprint
/// composite is checked as the plain resources its expansion builds (references between them
/// followed), each finding on the composite's own attribute.
pub fn check_resource(resource_type: &str, attributes: Value, profile: Profile) -> Vec<Finding> {
    let mut model = Model::new(vec![Resource::new(
        Mode::Managed,
        resource_type,
        "this",
        attributes,
    )]);
    composite::expand_model(&mut model);
    check_model(&model, profile)
}

/// Checks one Blueprint composite as the provider holds its configuration at plan time (in
/// Terraform's encoding, unknown values unknown): the plain resources its declaration's
/// expansion builds, under the same rules as everywhere else, each finding on the composite
/// attribute its value came from (`ssh_cidr_blocks[0]`, `container.environment["TOKEN"]`),
/// or on the whole resource when none. A type that is not a registered composite gives none.
pub fn check_composite(
    resource_type: &str,
    config: &blueprint_declarations::value::Generic,
    profile: Profile,
) -> Vec<Finding> {
    if !composite::is_composite(resource_type) {
        return Vec::new();
    }
    let this = Resource::new(Mode::Managed, resource_type, "this", Value::Null);
    let plains = composite::expand_config(resource_type, &this.address, config);
    let mut resources = Vec::with_capacity(plains.len() + 1);
    resources.push(this);
    resources.extend(plains);
    check_model(&Model::new(resources), profile)
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
    /// Remarks about the input that are not findings (e.g. a plan with no resource changes).
    pub notices: Vec<String>,
    /// What was read but not checked, or only in part (file, line and reason): a run with any
    /// checked less than it was given.
    pub unchecked: Vec<Unchecked>,
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
    /// A plan file cannot be read.
    #[error(transparent)]
    Plan(#[from] frontend::plan::PlanError),
}

/// Loads `paths`, runs the rules and applies the config and inline suppressions.
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> Result<LintReport, Error> {
    // Each root module is checked on its own (references resolve within their root only) as
    // soon as it is evaluated; of its model only the resources with findings are kept (the
    // suppressions look their blocks up), so a large tree's models never all live at once.
    let (checked, loaded) = frontend::hcl::load_with(paths, &opts.load, |m| {
        let findings = check_model(&m, opts.profile);
        let count = m.resources.len();
        let keep: std::collections::HashSet<&str> =
            findings.iter().map(|f| f.address.as_str()).collect();
        let kept = m
            .resources
            .iter()
            .filter(|r| keep.contains(r.address.as_str()))
            .cloned()
            .collect();
        (findings, Model::new(kept), count)
    })?;
    let resources = checked.iter().map(|(_, _, n)| n).sum();
    let mut findings = Vec::new();
    let mut roots = Vec::with_capacity(checked.len());
    for (f, m, _) in checked {
        findings.extend(f);
        roots.push(m);
    }
    let findings = opts.config.apply(findings);
    let today = opts.today.clone().unwrap_or_else(suppress::today);
    let applied = suppress::apply_checked(findings, &roots, &loaded.files, &today);
    let mut findings = applied.findings;
    sort_findings(&mut findings);
    let mut errors = loaded.errors;
    errors.extend(applied.errors);
    Ok(LintReport {
        findings,
        resources,
        errors,
        files: loaded.files,
        notices: Vec::new(),
        unchecked: loaded.unchecked,
    })
}

/// Reads the plan at `plan` (`terraform show -json PLANFILE` output), runs the rules and
/// applies the config. With `config_dir` (the root module the plan was made from), findings
/// point at HCL source lines, inline suppressions apply and the `backend` block (which plan
/// JSON does not carry) is checked too; without it, findings name resource addresses only.
pub fn lint_plan(
    plan: &Path,
    config_dir: Option<&Path>,
    opts: &LintOptions,
) -> Result<LintReport, Error> {
    let display = plan.display().to_string();
    let bytes = std::fs::read(plan).map_err(|source| frontend::plan::PlanError::Io {
        path: display.clone(),
        source,
    })?;
    let mut loaded = frontend::plan::parse(&bytes, &display)?;
    drop(bytes);
    let mut report = LintReport {
        notices: std::mem::take(&mut loaded.notices),
        ..LintReport::default()
    };
    let mut roots = Vec::new();
    if let Some(dir) = config_dir {
        let hcl = frontend::hcl::load(&[dir.to_path_buf()], &opts.load)?;
        let located = frontend::plan::source_map::attach(&mut loaded.model, &hcl);
        if located == 0 && !loaded.model.resources.is_empty() {
            report.notices.push(format!(
                "no resource of the plan was found in {}: findings name addresses only",
                dir.display()
            ));
        }
        report.errors = hcl.errors;
        report.files = hcl.files;
        roots = hcl.roots;
    }
    let findings = opts.config.apply(check_model(&loaded.model, opts.profile));
    let today = opts.today.clone().unwrap_or_else(suppress::today);
    roots.insert(0, loaded.model);
    let mut findings = if config_dir.is_some() {
        let applied = suppress::apply_checked(findings, &roots[..1], &report.files, &today);
        report.errors.extend(applied.errors);
        applied.findings
    } else {
        findings
    };
    sort_findings(&mut findings);
    report.resources = roots[0].resources.len();
    report.findings = findings;
    // Freeing a large plan's model takes a noticeable share of the run: do it off the
    // caller's path.
    std::thread::spawn(move || drop(roots));
    Ok(report)
}

impl LintReport {
    /// Adds the findings, errors, files and notices of `other` (e.g. a plan linted with a tree).
    pub fn merge(&mut self, other: LintReport) {
        self.findings.extend(other.findings);
        sort_findings(&mut self.findings);
        self.errors.extend(other.errors);
        self.files.extend(other.files);
        self.resources += other.resources;
        self.notices.extend(other.notices);
        self.unchecked.extend(other.unchecked);
    }
}

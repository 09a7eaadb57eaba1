//! The plan front-end: `terraform show -json PLANFILE` output (format 0.x and 1.x) into a
//! [`Model`], so the same rules check a plan.
//!
//! - [`format`]: the document, parsed once with borrowed strings and raw attribute values;
//! - [`value`]: raw values to [`Value`] with the `after_unknown` mask;
//! - [`references`]: unknown or id-valued attributes back to the resources they name, through
//!   the `configuration` (module inputs and outputs included);
//! - [`source_map`]: with the configuration directory, findings point at HCL lines.
//!
//! Resources of types no rule reads keep only their `id` and `arn` (see
//! [`crate::rules::RuleMeta::reads`]), which is most of a large plan's memory and time.
//!
//! What is checked: every resource instance the plan keeps (`resource_changes` other than a
//! plain delete, `no-op` included), values from `after` with unknowns marked; instances only in
//! `planned_values`; data sources read during planning (`prior_state`).

pub mod address;
pub mod error;
pub mod format;
pub mod references;
pub mod source_map;
pub mod synth;
pub mod value;

use std::collections::HashSet;

use rayon::prelude::*;
use serde_json::value::RawValue;

pub use self::error::PlanError;
use self::format::{Configuration, PlanDoc, StateModule};
use crate::model::{Mode, Model, Resource, Value};

/// A plan read into the model.
#[derive(Debug, Default)]
pub struct LoadedPlan {
    /// The resources the plan keeps, with references resolved through the configuration.
    pub model: Model,
    /// The plan's `format_version`.
    pub format_version: String,
    /// The Terraform version that wrote it, if given.
    pub terraform_version: Option<String>,
    /// Instances being deleted (not checked).
    pub deleted: usize,
    /// Things worth telling the user (e.g. a plan with no resource changes).
    pub notices: Vec<String>,
}

struct Entry<'a> {
    address: &'a str,
    mode: Mode,
    resource_type: &'a str,
    name: &'a str,
    values: Option<&'a RawValue>,
    unknown: Option<&'a RawValue>,
}

/// Reads a plan from `bytes`; `path` names it in errors.
pub fn parse(bytes: &[u8], path: &str) -> Result<LoadedPlan, PlanError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => {
            return Err(PlanError::NotAPlan {
                path: path.to_string(),
                reason: "the file is empty".to_string(),
            })
        }
        Some(b'{') => {}
        Some(_) => {
            return Err(PlanError::NotAPlan {
                path: path.to_string(),
                reason: "the document is not a JSON object".to_string(),
            })
        }
    }
    let doc: PlanDoc<'_> =
        serde_json::from_slice(bytes).map_err(|e| PlanError::from_json(path, &e))?;
    let version = check_version(&doc, path)?;

    let mut notices = Vec::new();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut deleted = 0;
    let changes = doc.resource_changes.as_deref().unwrap_or(&[]);
    if changes.is_empty() {
        notices.push(
            "the plan has no resource_changes: nothing is created, updated or kept".to_string(),
        );
    }
    for c in changes {
        if c.deposed.is_some() {
            continue;
        }
        if !seen.insert(c.address.as_ref()) {
            continue;
        }
        if c.change.deletes_only() {
            deleted += 1;
            continue;
        }
        entries.push(Entry {
            address: c.address.as_ref(),
            mode: mode(c.mode.as_deref()),
            resource_type: c.resource_type.as_ref(),
            name: c.name.as_ref(),
            values: c.change.after,
            unknown: c.change.after_unknown,
        });
    }
    from_state(
        doc.planned_values
            .as_ref()
            .and_then(|v| v.root_module.as_ref()),
        false,
        &mut seen,
        &mut entries,
    );
    from_state(
        doc.prior_state
            .as_ref()
            .and_then(|p| p.values.as_ref())
            .and_then(|v| v.root_module.as_ref()),
        true,
        &mut seen,
        &mut entries,
    );

    let resources: Vec<Resource> = entries
        .par_iter()
        .map(|e| resource(e, path))
        .collect::<Result<_, _>>()?;
    let mut model = Model::new(resources);

    if let Some(raw) = doc.configuration {
        let config: Configuration = serde_json::from_str(raw.get()).map_err(|e| {
            let mut err = PlanError::from_json(path, &e);
            if let PlanError::Invalid { message, .. } = &mut err {
                *message = format!("in `configuration`: {message}");
            }
            err
        })?;
        let resolver = references::Resolver::new(&config, &model);
        let edits: Vec<Vec<_>> = model
            .resources
            .par_iter()
            .map(|r| resolver.edits(r))
            .collect();
        drop(resolver);
        for (r, edits) in model.resources.iter_mut().zip(edits) {
            for (p, v) in edits {
                r.attributes.set_path(&p, v);
            }
        }
    }
    crate::composite::expand_model(&mut model);
    Ok(LoadedPlan {
        model,
        format_version: version,
        terraform_version: doc.terraform_version.map(|v| v.into_owned()),
        deleted,
        notices,
    })
}

/// Adds the resources of `root` and its child modules not seen yet (data sources only when
/// `data_only`).
fn from_state<'a>(
    root: Option<&'a StateModule<'a>>,
    data_only: bool,
    seen: &mut HashSet<&'a str>,
    entries: &mut Vec<Entry<'a>>,
) {
    let mut stack: Vec<&'a StateModule<'a>> = root.into_iter().collect();
    while let Some(m) = stack.pop() {
        for r in &m.resources {
            let mode = mode(r.mode.as_deref());
            if (data_only && mode != Mode::Data) || !seen.insert(r.address.as_ref()) {
                continue;
            }
            entries.push(Entry {
                address: r.address.as_ref(),
                mode,
                resource_type: r.resource_type.as_ref(),
                name: r.name.as_ref(),
                values: r.values,
                unknown: None,
            });
        }
        stack.extend(m.child_modules.iter().rev());
    }
}

fn mode(m: Option<&str>) -> Mode {
    match m {
        Some("data") => Mode::Data,
        _ => Mode::Managed,
    }
}

fn check_version(doc: &PlanDoc<'_>, path: &str) -> Result<String, PlanError> {
    let not_a_plan = |reason: &str| PlanError::NotAPlan {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let Some(version) = doc.format_version.as_deref() else {
        return Err(not_a_plan(
            "no `format_version` (expected the output of `terraform show -json PLANFILE`)",
        ));
    };
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if !matches!(major, Some(0 | 1)) {
        return Err(PlanError::UnsupportedFormat {
            path: path.to_string(),
            version: version.to_string(),
        });
    }
    if doc.planned_values.is_none() && doc.resource_changes.is_none() {
        return Err(not_a_plan(
            "no `planned_values` nor `resource_changes` (a state? run `terraform show -json PLANFILE`)",
        ));
    }
    Ok(version.to_string())
}

fn resource(e: &Entry<'_>, path: &str) -> Result<Resource, PlanError> {
    let invalid = |err: serde_json::Error| PlanError::Invalid {
        path: path.to_string(),
        line: err.line(),
        column: err.column(),
        message: format!("values of `{}`: {err}", e.address),
    };
    let mut attributes = if crate::rules::reads_type(e.resource_type) {
        value::parse(e.values).map_err(invalid)?
    } else {
        // No rule reads this type: only what references may be matched against.
        value::ids(e.values)
    };
    if let Some(mask) = e
        .unknown
        .filter(|_| crate::rules::reads_type(e.resource_type))
    {
        let mask = value::parse(Some(mask)).map_err(invalid)?;
        value::apply_unknown(&mut attributes, &mask);
    }
    if !matches!(attributes, Value::Map(_) | Value::Unknown) {
        attributes = Value::Map(Default::default());
    }
    let steps = address::split(e.address);
    let (modules, _) = address::module_steps(&steps);
    let mut r = Resource::new(e.mode, e.resource_type, e.name, attributes);
    r.address = e.address.to_string();
    r.module_path = modules.iter().map(|s| s.text()).collect();
    Ok(r)
}

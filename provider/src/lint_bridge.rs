//! The linter's rules, run on a resource's own configuration at validate and plan time.
//!
//! One source of truth: the provider does not re-implement any rule. It converts its state into
//! the linter's model value (unknown values stay unknown, and an unknown never fires a rule) and
//! attaches each finding to the attribute path the rule names.

use blueprint_lint::{Finding, PathStep, Profile, Severity, Value as LintValue};
use serde::Serialize;
use tf_provider::{AttributePath, Diagnostics};

/// Terraform's MessagePack extension type for unknown values.
const UNKNOWN_EXT: i8 = 0;

fn convert(v: rmpv::Value) -> LintValue {
    match v {
        rmpv::Value::Nil => LintValue::Null,
        rmpv::Value::Boolean(b) => LintValue::Bool(b),
        rmpv::Value::Integer(i) => LintValue::Number(i.as_f64().unwrap_or_default()),
        rmpv::Value::F32(f) => LintValue::Number(f as f64),
        rmpv::Value::F64(f) => LintValue::Number(f),
        rmpv::Value::String(s) => s
            .into_str()
            .map(LintValue::String)
            .unwrap_or(LintValue::Unknown),
        rmpv::Value::Binary(_) => LintValue::Unknown,
        rmpv::Value::Array(items) => LintValue::List(items.into_iter().map(convert).collect()),
        rmpv::Value::Map(entries) => LintValue::Map(
            entries
                .into_iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), convert(v))))
                .collect(),
        ),
        rmpv::Value::Ext(UNKNOWN_EXT, _) | rmpv::Value::Ext(..) => LintValue::Unknown,
    }
}

/// The linter's view of a provider value (through Terraform's own MessagePack encoding).
pub fn to_lint_value<T: Serialize>(state: &T) -> Option<LintValue> {
    let bytes = rmp_serde::to_vec_named(state).ok()?;
    let value = rmpv::decode::read_value(&mut bytes.as_slice()).ok()?;
    Some(convert(value))
}

/// The attribute path of a finding, in Terraform's terms.
pub fn attribute_path(steps: &[PathStep]) -> AttributePath {
    let mut path = AttributePath::root();
    for step in steps {
        match step {
            PathStep::Attribute(a) => {
                path.add_attribute(a.clone());
            }
            PathStep::Index(i) => {
                path.add_index(*i as i64);
            }
            PathStep::Key(k) => {
                path.add_key(k.clone());
            }
        }
    }
    path
}

/// Run every rule on `state` as a `resource_type` and report the findings.
pub fn check<T: Serialize>(resource_type: &str, state: &T) -> Vec<Finding> {
    match to_lint_value(state) {
        Some(v) => blueprint_lint::check_resource(resource_type, v, Profile::Dev),
        None => Vec::new(),
    }
}

/// Report the findings of [`check`]: errors for error rules, warnings otherwise.
pub fn warn<T: Serialize>(diags: &mut Diagnostics, resource_type: &str, state: &T) {
    for f in check(resource_type, state) {
        let summary = format!("{} ({})", f.message, f.rule_id);
        // Terraform 1.0 underlines only top-level attributes and blocks: name the element.
        let detail = format!(
            "At {}: {} [blueprint-lint rule {}]",
            blueprint_lint::path_to_string(&f.attribute_path),
            f.fix,
            f.rule_id
        );
        let path = attribute_path(&f.attribute_path);
        match f.severity {
            Severity::Error => diags.error(summary, detail, path),
            _ => diags.warning(summary, detail, path),
        }
    }
}

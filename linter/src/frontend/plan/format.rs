//! The `terraform show -json` plan document, as far as the linter reads it.
//!
//! Strings borrow from the input where they can, and attribute values stay as raw JSON
//! ([`RawValue`]) until a resource is converted, so the document is scanned once and only the
//! values that are checked are ever built. Fields the linter does not need are skipped.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The top level of a plan (or of a state, which has no `planned_values`).
#[derive(Debug, Deserialize)]
pub struct PlanDoc<'a> {
    /// `"0.1"`, `"0.2"`, `"1.0"`, `"1.1"`, `"1.2"`, ...
    #[serde(borrow, default)]
    pub format_version: Option<Cow<'a, str>>,
    /// The Terraform version that wrote the plan.
    #[serde(borrow, default)]
    pub terraform_version: Option<Cow<'a, str>>,
    /// The state after apply, as far as known.
    #[serde(borrow, default)]
    pub planned_values: Option<Values<'a>>,
    /// One entry per resource instance: the actions and the before/after values.
    #[serde(borrow, default)]
    pub resource_changes: Option<Vec<ResourceChange<'a>>>,
    /// The state the plan was made from (holds the data sources read during planning).
    #[serde(borrow, default)]
    pub prior_state: Option<PriorState<'a>>,
    /// The configuration, with the references of every expression.
    #[serde(borrow, default)]
    pub configuration: Option<&'a RawValue>,
}

/// `planned_values` or `prior_state.values`.
#[derive(Debug, Deserialize)]
pub struct Values<'a> {
    /// The root module.
    #[serde(borrow, default)]
    pub root_module: Option<StateModule<'a>>,
}

/// `prior_state`.
#[derive(Debug, Deserialize)]
pub struct PriorState<'a> {
    /// The values.
    #[serde(borrow, default)]
    pub values: Option<Values<'a>>,
}

/// A module in `planned_values` or `prior_state`.
#[derive(Debug, Deserialize)]
pub struct StateModule<'a> {
    /// `module.a["x"].module.b`; absent for the root module.
    #[serde(borrow, default)]
    pub address: Option<Cow<'a, str>>,
    /// Resource instances of this module.
    #[serde(borrow, default)]
    pub resources: Vec<StateResource<'a>>,
    /// Nested module instances.
    #[serde(borrow, default)]
    pub child_modules: Vec<StateModule<'a>>,
}

/// A resource instance in `planned_values` or `prior_state`.
#[derive(Debug, Deserialize)]
pub struct StateResource<'a> {
    /// Full address, e.g. `module.net.aws_security_group.alb[0]`.
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    /// `managed` or `data`.
    #[serde(borrow, default)]
    pub mode: Option<Cow<'a, str>>,
    /// Resource type.
    #[serde(borrow, rename = "type")]
    pub resource_type: Cow<'a, str>,
    /// Resource name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// Attribute values (unknown ones are absent).
    #[serde(borrow, default)]
    pub values: Option<&'a RawValue>,
}

/// One entry of `resource_changes`.
#[derive(Debug, Deserialize)]
pub struct ResourceChange<'a> {
    /// Full address.
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    /// Address of the module instance, absent for the root module.
    #[serde(borrow, default)]
    pub module_address: Option<Cow<'a, str>>,
    /// `managed` or `data`.
    #[serde(borrow, default)]
    pub mode: Option<Cow<'a, str>>,
    /// Resource type.
    #[serde(borrow, rename = "type")]
    pub resource_type: Cow<'a, str>,
    /// Resource name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// Set for deposed objects (an old object being replaced): never checked.
    #[serde(borrow, default)]
    pub deposed: Option<Cow<'a, str>>,
    /// The change.
    #[serde(borrow)]
    pub change: Change<'a>,
}

/// The `change` of a resource change.
#[derive(Debug, Deserialize)]
pub struct Change<'a> {
    /// `["no-op"]`, `["create"]`, `["read"]`, `["update"]`, `["delete", "create"]`,
    /// `["create", "delete"]`, `["delete"]`.
    #[serde(borrow, default)]
    pub actions: Vec<Cow<'a, str>>,
    /// Values after apply, as far as known.
    #[serde(borrow, default)]
    pub after: Option<&'a RawValue>,
    /// Same shape as `after`: `true` where the value is known only after apply.
    #[serde(borrow, default)]
    pub after_unknown: Option<&'a RawValue>,
}

impl Change<'_> {
    /// Whether the object is gone after apply (a plain delete: nothing left to check).
    pub fn deletes_only(&self) -> bool {
        !self.actions.is_empty() && self.actions.iter().all(|a| a == "delete")
    }
}

/// The `configuration` of a plan.
#[derive(Debug, Default, Deserialize)]
pub struct Configuration {
    /// The root module's configuration.
    #[serde(default)]
    pub root_module: ConfigModule,
}

/// One module's configuration (not per instance: `count`/`for_each` are not expanded).
#[derive(Debug, Default, Deserialize)]
pub struct ConfigModule {
    /// Resource and data blocks.
    #[serde(default)]
    pub resources: Vec<ConfigResource>,
    /// Module calls by name.
    #[serde(default)]
    pub module_calls: BTreeMap<String, ModuleCall>,
    /// Outputs by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, ConfigOutput>,
}

/// A resource or data block of the configuration.
#[derive(Debug, Default, Deserialize)]
pub struct ConfigResource {
    /// Address within its module, e.g. `aws_security_group.alb`, `data.aws_iam_policy_document.x`.
    #[serde(default)]
    pub address: String,
    /// Attribute and nested-block expressions.
    #[serde(default)]
    pub expressions: Option<serde_json::Value>,
}

/// A `module` block of the configuration.
#[derive(Debug, Default, Deserialize)]
pub struct ModuleCall {
    /// Input expressions (the module's variables).
    #[serde(default)]
    pub expressions: Option<serde_json::Value>,
    /// The called module.
    #[serde(default)]
    pub module: ConfigModule,
}

/// An `output` block of the configuration.
#[derive(Debug, Default, Deserialize)]
pub struct ConfigOutput {
    /// Its expression.
    #[serde(default)]
    pub expression: Option<serde_json::Value>,
}

//! The normalized model the rules read: resources with evaluated attributes and source spans.
//!
//! Both front-ends (HCL source here, plan JSON later) build this model, so each rule is written
//! once. Values the front-end cannot know are [`Value::Unknown`]; references to other resources
//! stay as [`Value::Reference`] so rules can follow them through [`Model::resolve`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::finding::{PathStep, SourceLocation};
use crate::source::{ByteSpan, SourceFile};

/// A reference to an attribute of another object, kept unresolved (e.g. `aws_security_group.alb.id`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Reference {
    /// Full address of the referenced object, with module prefix and instance key
    /// (e.g. `module.net.aws_security_group.alb[0]`, `data.aws_iam_policy_document.x`).
    pub address: String,
    /// Attribute path after the address (e.g. `["id"]`).
    pub attribute: Vec<String>,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)?;
        for a in &self.attribute {
            write!(f, ".{a}")?;
        }
        Ok(())
    }
}

/// An evaluated attribute value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// `null`, or an attribute that is absent.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// A list, tuple or set.
    List(Vec<Value>),
    /// A map or object.
    Map(BTreeMap<String, Value>),
    /// A value known only after apply, or that the front-end could not evaluate.
    Unknown,
    /// A reference to another object's attribute, known only after apply but followable.
    Reference(Reference),
}

static NULL: Value = Value::Null;

impl Value {
    /// Converts a JSON value (e.g. a resource's attributes in a plan) into a [`Value`].
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts a plan's `after` value with its `after_unknown` mask (same shape, `true` where
    /// the value is known only after apply) into a [`Value`] with [`Value::Unknown`]s.
    pub fn from_plan_json(after: &serde_json::Value, after_unknown: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match (after, after_unknown) {
            (_, J::Bool(true)) => Value::Unknown,
            (J::Array(a), J::Array(u)) => Value::List(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| Value::from_plan_json(v, u.get(i).unwrap_or(&J::Null)))
                    .collect(),
            ),
            (J::Object(o), J::Object(u)) => {
                let mut m: BTreeMap<String, Value> = o
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            Value::from_plan_json(v, u.get(k).unwrap_or(&J::Null)),
                        )
                    })
                    .collect();
                // Attributes absent from `after` but unknown.
                for (k, mark) in u {
                    if mark == &J::Bool(true) && !m.contains_key(k) {
                        m.insert(k.clone(), Value::Unknown);
                    }
                }
                Value::Map(m)
            }
            (J::Null, J::Array(u)) => Value::List(
                u.iter()
                    .map(|mark| Value::from_plan_json(&J::Null, mark))
                    .collect(),
            ),
            (v, _) => Value::from_json(v),
        }
    }

    /// Converts to JSON. Unknowns become `null`; references become `"${address.attr}"` strings.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Reference(r) => serde_json::Value::String(format!("${{{r}}}")),
        }
    }

    /// Replaces the value at `path` (creating nothing: a missing path is ignored). Use it to
    /// mark attributes unknown: `v.set_path(&[PathStep::attr("password")], Value::Unknown)`.
    pub fn set_path(&mut self, path: &[PathStep], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            *self = value;
            return;
        };
        let child = match (self, first) {
            (Value::Map(m), PathStep::Attribute(k) | PathStep::Key(k)) => m.get_mut(k),
            (Value::List(l), PathStep::Index(i)) => l.get_mut(*i),
            _ => None,
        };
        if let Some(child) = child {
            child.set_path(rest, value);
        }
    }

    /// The value at `path`, or `Null` when absent.
    pub fn at(&self, path: &[PathStep]) -> &Value {
        let mut cur = self;
        for step in path {
            cur = match (cur, step) {
                (Value::Map(m), PathStep::Attribute(k) | PathStep::Key(k)) => {
                    m.get(k).unwrap_or(&NULL)
                }
                (Value::List(l), PathStep::Index(i)) => l.get(*i).unwrap_or(&NULL),
                _ => &NULL,
            };
        }
        cur
    }

    /// Attribute `key` of a map, or `Null`.
    pub fn get(&self, key: &str) -> &Value {
        match self {
            Value::Map(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Nested blocks named `key`: a list of maps (or a single map), with their indexes.
    pub fn blocks(&self, key: &str) -> Vec<(usize, &Value)> {
        match self.get(key) {
            Value::List(l) => l.iter().enumerate().filter(|(_, v)| v.is_map()).collect(),
            v @ Value::Map(_) => vec![(0, v)],
            _ => Vec::new(),
        }
    }

    /// Whether this is a map.
    pub fn is_map(&self) -> bool {
        matches!(self, Value::Map(_))
    }

    /// Whether this value is unknown or contains a reference (not known before apply).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown | Value::Reference(_))
    }

    /// Whether this value, or anything inside it, is unknown or a reference.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown | Value::Reference(_) => true,
            Value::List(l) => l.iter().any(Value::contains_unknown),
            Value::Map(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if known (`"true"`/`"false"` strings are accepted as Terraform does).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The number, if known (numeric strings are accepted as Terraform does).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The integer, if this is a known whole number.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
            .map(|n| n as i64)
    }

    /// The reference, if this is one.
    pub fn as_reference(&self) -> Option<&Reference> {
        match self {
            Value::Reference(r) => Some(r),
            _ => None,
        }
    }

    /// Elements of a list (a scalar counts as a one-element list; null as empty).
    pub fn elements(&self) -> Vec<(usize, &Value)> {
        match self {
            Value::List(l) => l.iter().enumerate().collect(),
            Value::Null => Vec::new(),
            v => vec![(0, v)],
        }
    }

    /// Whether the value is truthy-null (absent).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Renders the value as Terraform would convert it to a string, if it is a known primitive.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Formats a number the way Terraform prints it (integers without a fraction).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Kind of object in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A `resource` block.
    Managed,
    /// A `data` block.
    Data,
    /// A `terraform { backend "TYPE" {} }` block; `resource_type` is the backend type.
    Backend,
}

/// One resource instance (or data source, or backend) with evaluated attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Managed resource, data source or backend.
    pub mode: Mode,
    /// Resource type, e.g. `aws_security_group` (backend type for backends, e.g. `s3`).
    pub resource_type: String,
    /// Resource name, e.g. `alb`.
    pub name: String,
    /// Full address, e.g. `module.net.aws_security_group.alb[0]`.
    pub address: String,
    /// Module path, e.g. `["net"]` for `module.net`; empty for the root module.
    pub module_path: Vec<String>,
    /// Evaluated attributes; nested blocks are lists of maps, as in plan JSON.
    pub attributes: Value,
    /// Where the block is written, if known.
    pub location: Option<SourceLocation>,
    /// Byte spans of attributes, nested blocks and literal elements, keyed by attribute path.
    pub spans: Vec<(Vec<PathStep>, ByteSpan)>,
    /// The file the spans refer to.
    #[serde(skip)]
    pub source: Option<Arc<SourceFile>>,
    /// For a plain resource a Blueprint composite builds: that composite (see
    /// [`crate::composite`]).
    #[serde(skip)]
    pub parent: Option<Arc<crate::composite::Parent>>,
}

impl Resource {
    /// A resource with no source information (e.g. built by the provider at plan time).
    pub fn new(mode: Mode, resource_type: &str, name: &str, attributes: Value) -> Resource {
        let address = match mode {
            Mode::Managed => format!("{resource_type}.{name}"),
            Mode::Data => format!("data.{resource_type}.{name}"),
            Mode::Backend => format!("terraform.backend.{resource_type}"),
        };
        Resource {
            mode,
            resource_type: resource_type.to_string(),
            name: name.to_string(),
            address,
            module_path: Vec::new(),
            attributes,
            location: None,
            spans: Vec::new(),
            source: None,
            parent: None,
        }
    }

    /// Location of the longest recorded prefix of `path`, falling back to the block.
    pub fn location_of(&self, path: &[PathStep]) -> Option<SourceLocation> {
        let mut best: Option<(usize, ByteSpan)> = None;
        for (p, span) in &self.spans {
            if p.len() <= path.len()
                && path.starts_with(p)
                && best.is_none_or(|(len, _)| p.len() > len)
            {
                best = Some((p.len(), *span));
            }
        }
        match (best, &self.source) {
            (Some((_, span)), Some(file)) => Some(file.location(span.range())),
            _ => self.location.clone(),
        }
    }

    /// The address of the module containing this resource (`module.a.module.b`), or empty.
    pub fn module_prefix(&self) -> String {
        self.module_path
            .iter()
            .map(|m| format!("module.{m}."))
            .collect()
    }
}

/// A file that did not parse or could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadError {
    /// Where the error is.
    pub location: SourceLocation,
    /// What went wrong.
    pub message: String,
}

/// How every I/O [`LoadError`]'s message starts.
const CANNOT_READ: &str = "cannot read ";

impl LoadError {
    /// A file or directory (`what`) at `file` that could not be read: an I/O error, which makes
    /// the CLI exit 2, unlike a file that does not parse.
    pub fn io(file: String, what: &str, error: &dyn fmt::Display) -> LoadError {
        LoadError {
            location: SourceLocation {
                file,
                line: 1,
                col: 1,
                end_line: 1,
                end_col: 1,
                start_byte: 0,
                end_byte: 0,
            },
            message: format!("{CANNOT_READ}{what}: {error}"),
        }
    }

    /// Whether this is an I/O error ([`LoadError::io`]), not a syntax error.
    pub fn is_io(&self) -> bool {
        self.message.starts_with(CANNOT_READ)
    }
}

/// Part of the input that was read but not checked, or checked only in part: a module nested
/// too deep, instances past the limit, an expression or function call the evaluator could not
/// evaluate, a file `file()` could not read. Not a finding: what it hides is unknown. The CLI
/// lists each one, counts them in its summary line and exits 3 when nothing else failed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Unchecked {
    /// What was not checked.
    pub location: SourceLocation,
    /// Why, and what was cut (e.g. "only the first 1024 of 5000 instances are checked").
    pub reason: String,
}

/// All resources of a configuration.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Resources, data sources and backends, in source order.
    pub resources: Vec<Resource>,
    /// Files that could not be parsed; the rest of the tree is still in the model.
    pub errors: Vec<LoadError>,
    /// What the front-end read but could not check ([`Unchecked`]).
    pub unchecked: Vec<Unchecked>,
    index: HashMap<String, usize>,
}

impl Model {
    /// Builds a model from resources.
    pub fn new(resources: Vec<Resource>) -> Model {
        let mut m = Model::default();
        for r in resources {
            m.push(r);
        }
        m
    }

    /// Adds a resource.
    pub fn push(&mut self, r: Resource) {
        self.index.insert(r.address.clone(), self.resources.len());
        self.resources.push(r);
    }

    /// The resource at `address`.
    pub fn get(&self, address: &str) -> Option<&Resource> {
        self.index.get(address).map(|&i| &self.resources[i])
    }

    /// The resource a reference points to (trying the un-indexed address too). A reference to
    /// a composite's attribute that comes from one of its children (its id or a declared
    /// output, `blueprint_load_balancer.alb.security_group_id`) points to that plain resource.
    pub fn resolve(&self, reference: &Reference) -> Option<&Resource> {
        let r = self.get(&reference.address).or_else(|| {
            let base = reference.address.split('[').next().unwrap_or("");
            self.get(base)
        })?;
        if r.parent.is_none() && r.resource_type.starts_with("blueprint_") {
            let plain = reference
                .attribute
                .first()
                .and_then(|a| crate::composite::child_for(&r.resource_type, a))
                .and_then(|child| self.get(&format!("{}/{child}", r.address)));
            if let Some(p) = plain {
                return Some(p);
            }
        }
        Some(r)
    }

    /// Managed resources of one of the given types.
    pub fn of_types<'a>(&'a self, types: &'a [&'a str]) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.mode == Mode::Managed && types.contains(&r.resource_type.as_str()))
    }

    /// Data sources of the given type.
    pub fn data_of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.mode == Mode::Data && r.resource_type == ty)
    }
}

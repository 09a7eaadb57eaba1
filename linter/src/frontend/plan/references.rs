//! Follows the `references` of the plan's `configuration` so that values still unknown (or
//! known only as an id) become [`Value::Reference`]s to the resource they name, as the HCL
//! front-end produces them. References pass through module inputs (`var.x`, to the caller's
//! expression) and outputs (`module.m.x`, to the output's expression).

use std::collections::HashMap;

use serde_json::Value as Json;

use super::address::{module_prefix, shape, split};
use super::format::{ConfigModule, ConfigResource, Configuration};
use crate::finding::PathStep;
use crate::model::{Mode, Model, Reference, Resource, Value};

/// How deep references are followed through modules before giving up.
const MAX_DEPTH: usize = 32;

/// A resource a reference leads to, resolved to an instance present in the plan.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    address: String,
    attribute: Vec<String>,
}

/// Where an expression is evaluated: a module (by call names) and its instance keys.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// Module call names from the root (`["svc"]`).
    calls: Vec<String>,
    /// Module instance steps from the root (`["svc[\"api\"]"]`).
    instances: Vec<String>,
}

/// The configuration indexed for lookups, and the plan's resources by address shape.
pub struct Resolver<'c> {
    model: &'c Model,
    root: &'c ConfigModule,
    blocks: HashMap<String, &'c ConfigResource>,
    by_shape: HashMap<String, Vec<usize>>,
    /// Instances by module instance prefix and block (`module.a["x"].`, `aws_x.y`).
    by_module: HashMap<(String, String), Vec<usize>>,
    /// Known `id`s and `arn`s of the plan's resources: a value that came from an expression
    /// with references (even ones that cannot be followed, like `each.value`) and equals one
    /// of these names that resource.
    ids: HashMap<&'c str, (usize, &'static str)>,
}

impl<'c> Resolver<'c> {
    /// Indexes `config` and the resources of `model`.
    pub fn new(config: &'c Configuration, model: &'c Model) -> Resolver<'c> {
        let mut blocks = HashMap::new();
        index_blocks(&config.root_module, &mut Vec::new(), &mut blocks);
        let mut by_shape: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_module: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut ids = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            by_shape.entry(shape(&r.address)).or_default().push(i);
            let prefix = r.module_prefix();
            let local = r.address.strip_prefix(&prefix).unwrap_or(&r.address);
            by_module
                .entry((prefix.clone(), shape(local)))
                .or_default()
                .push(i);
            if r.mode != Mode::Managed {
                continue;
            }
            for attr in ["id", "arn"] {
                if let Some(v) = r.attributes.get(attr).as_str().filter(|v| !v.is_empty()) {
                    ids.entry(v).or_insert((i, attr));
                }
            }
        }
        Resolver {
            model,
            root: &config.root_module,
            blocks,
            by_shape,
            by_module,
            ids,
        }
    }

    /// The edits (attribute path, reference) that turn `resource`'s referencing values into
    /// [`Value::Reference`]s.
    pub fn edits(&self, resource: &Resource) -> Vec<(Vec<PathStep>, Value)> {
        let model = self.model;
        if !crate::rules::reads_type(&resource.resource_type) {
            return Vec::new();
        }
        let steps = split(&resource.address);
        let (modules, rest) = super::address::module_steps(&steps);
        let scope = Scope {
            calls: modules.iter().map(|s| s.name.to_string()).collect(),
            instances: modules.iter().map(|s| s.text()).collect(),
        };
        let block_address = match (resource.mode, rest) {
            (Mode::Data, [_, ty, name, ..]) => format!("data.{}.{}", ty.name, name.name),
            (Mode::Managed, [ty, name, ..]) => format!("{}.{}", ty.name, name.name),
            _ => return Vec::new(),
        };
        let Some(block) = self.blocks.get(&block_key(&scope.calls, &block_address)) else {
            return Vec::new();
        };
        let Some(Json::Object(exprs)) = &block.expressions else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut path = Vec::new();
        for (k, e) in exprs {
            path.push(PathStep::Attribute(k.clone()));
            self.walk(
                resource.attributes.get(k),
                e,
                &scope,
                model,
                &mut path,
                &mut out,
            );
            path.pop();
        }
        out
    }

    fn walk(
        &self,
        value: &Value,
        expr: &Json,
        scope: &Scope,
        model: &Model,
        path: &mut Vec<PathStep>,
        out: &mut Vec<(Vec<PathStep>, Value)>,
    ) {
        match expr {
            Json::Object(o) => {
                if let Some(Json::Array(refs)) = o.get("references") {
                    if !refs.is_empty() {
                        let targets = self.targets(scope, refs, 0);
                        self.convert(value, &targets, model, path, out);
                    }
                    return;
                }
                if o.contains_key("constant_value") {
                    return;
                }
                // A single nested block: its attributes' expressions.
                for (k, e) in o {
                    path.push(PathStep::Attribute(k.clone()));
                    self.walk(value.get(k), e, scope, model, path, out);
                    path.pop();
                }
            }
            // Nested blocks, one expression object per block.
            Json::Array(blocks) => {
                if let Value::List(items) = value {
                    if items.len() == blocks.len() {
                        for (i, (item, e)) in items.iter().zip(blocks).enumerate() {
                            path.push(PathStep::Index(i));
                            self.walk(item, e, scope, model, path, out);
                            path.pop();
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The resources named by `refs` (evaluated in `scope`), each once, in order.
    fn targets(&self, scope: &Scope, refs: &[Json], depth: usize) -> Vec<Target> {
        let mut out: Vec<Target> = Vec::new();
        if depth > MAX_DEPTH {
            return out;
        }
        for r in refs.iter().filter_map(Json::as_str) {
            for t in self.target(scope, r, depth) {
                match out.iter_mut().find(|o| o.address == t.address) {
                    Some(o) if o.attribute.is_empty() => o.attribute = t.attribute,
                    Some(_) => {}
                    None => out.push(t),
                }
            }
        }
        out
    }

    fn target(&self, scope: &Scope, reference: &str, depth: usize) -> Vec<Target> {
        let steps = split(reference);
        let prefix = module_prefix(&scope.instances);
        let names = |s: &[super::address::Step<'_>]| s.iter().map(|x| x.name.to_string()).collect();
        match steps.as_slice() {
            [first, var, ..] if first.name == "var" => {
                // The caller's expression for this input, evaluated in the caller.
                let (Some(call), Some(parent_calls)) = (
                    scope.calls.last(),
                    scope.calls.get(..scope.calls.len().saturating_sub(1)),
                ) else {
                    return Vec::new();
                };
                let Some(parent) = self.module(parent_calls) else {
                    return Vec::new();
                };
                let expr = parent
                    .module_calls
                    .get(call)
                    .and_then(|c| c.expressions.as_ref())
                    .and_then(|e| e.get(var.name));
                let parent_scope = Scope {
                    calls: parent_calls.to_vec(),
                    instances: scope.instances[..scope.instances.len().saturating_sub(1)].to_vec(),
                };
                self.expr_targets(&parent_scope, expr, depth)
            }
            [first, call, output, ..] if first.name == "module" => {
                let mut child = scope.clone();
                child.calls.push(call.name.to_string());
                child.instances.push(call.text());
                let expr = self
                    .module(&child.calls)
                    .and_then(|m| m.outputs.get(output.name))
                    .and_then(|o| o.expression.as_ref());
                self.expr_targets(&child, expr, depth)
            }
            [first, ty, name, attr @ ..] if first.name == "data" => self
                .instance(&prefix, &format!("data.{}.{}", ty.name, name.text()))
                .map(|address| Target {
                    address,
                    attribute: names(attr),
                })
                .into_iter()
                .collect(),
            [first, ..]
                if matches!(
                    first.name,
                    "local" | "each" | "count" | "path" | "terraform" | "self" | "module" | "var"
                ) =>
            {
                Vec::new()
            }
            [ty, name, attr @ ..] => self
                .instance(&prefix, &format!("{}.{}", ty.name, name.text()))
                .map(|address| Target {
                    address,
                    attribute: names(attr),
                })
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn expr_targets(&self, scope: &Scope, expr: Option<&Json>, depth: usize) -> Vec<Target> {
        match expr.and_then(|e| e.get("references")) {
            Some(Json::Array(refs)) => self.targets(scope, refs, depth + 1),
            _ => Vec::new(),
        }
    }

    fn module(&self, calls: &[String]) -> Option<&'c ConfigModule> {
        let mut m = self.root;
        for c in calls {
            m = &m.module_calls.get(c)?.module;
        }
        Some(m)
    }

    /// The address of the plan's instance for `address` (which may lack instance keys):
    /// the exact address, else an instance of the same block in the same module instance,
    /// else the first instance of the block.
    fn instance(&self, prefix: &str, local: &str) -> Option<String> {
        let address = format!("{prefix}{local}");
        if self.model.get(&address).is_some() {
            return Some(address);
        }
        let local_shape = shape(local);
        let chosen = self
            .by_module
            .get(&(prefix.to_string(), local_shape))
            .or_else(|| self.by_shape.get(&shape(&address)))?
            .first()?;
        Some(self.address_of(*chosen).to_string())
    }

    /// Turns `value` (at `path`) into references to `targets`: an unknown value with one target,
    /// list elements one to one with the targets, and known strings equal to a target's attribute
    /// (an id already in the state).
    fn convert(
        &self,
        value: &Value,
        targets: &[Target],
        model: &Model,
        path: &[PathStep],
        out: &mut Vec<(Vec<PathStep>, Value)>,
    ) {
        let reference = |t: &Target| {
            Value::Reference(Reference {
                address: t.address.clone(),
                attribute: t.attribute.clone(),
            })
        };
        let matching = |s: &str| {
            targets
                .iter()
                .find(|t| attribute_of(model, t) == Some(s))
                .cloned()
                .or_else(|| {
                    self.ids.get(s).map(|&(i, attr)| Target {
                        address: self.address_of(i).to_string(),
                        attribute: vec![attr.to_string()],
                    })
                })
        };
        match value {
            Value::Unknown if targets.len() == 1 => {
                out.push((path.to_vec(), reference(&targets[0])))
            }
            Value::String(s) => {
                if let Some(t) = matching(s) {
                    out.push((path.to_vec(), reference(&t)));
                }
            }
            Value::List(items) => {
                let one_to_one = items.len() == targets.len();
                for (i, item) in items.iter().enumerate() {
                    let t = match item {
                        Value::Unknown if one_to_one => Some(targets[i].clone()),
                        Value::Unknown if targets.len() == 1 => Some(targets[0].clone()),
                        Value::String(s) => matching(s),
                        _ => None,
                    };
                    if let Some(t) = &t {
                        let mut p = path.to_vec();
                        p.push(PathStep::Index(i));
                        out.push((p, reference(t)));
                    }
                }
            }
            _ => {}
        }
    }

    fn address_of(&self, i: usize) -> &'c str {
        self.model
            .resources
            .get(i)
            .map(|r| r.address.as_str())
            .unwrap_or("")
    }
}

/// The known string value of the attribute a target names (`id` when it names none).
fn attribute_of<'m>(model: &'m Model, t: &Target) -> Option<&'m str> {
    let r = model.get(&t.address)?;
    let path: Vec<PathStep> = if t.attribute.is_empty() {
        vec![PathStep::attr("id")]
    } else {
        t.attribute.iter().map(|a| PathStep::attr(a)).collect()
    };
    r.attributes.at(&path).as_str()
}

/// `svc.inner|aws_x.y`: a block's key by module call names and address.
fn block_key(calls: &[String], address: &str) -> String {
    format!("{}|{address}", calls.join("."))
}

fn index_blocks<'c>(
    m: &'c ConfigModule,
    calls: &mut Vec<String>,
    out: &mut HashMap<String, &'c ConfigResource>,
) {
    for r in &m.resources {
        out.insert(block_key(calls, &r.address), r);
    }
    for (name, call) in &m.module_calls {
        calls.push(name.clone());
        index_blocks(&call.module, calls, out);
        calls.pop();
    }
}

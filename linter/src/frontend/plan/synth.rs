//! Writes the plan JSON Terraform would produce for creating everything in a [`Model`]: ids
//! and other references unknown until apply, the configuration with the `references` of each
//! expression (routed through module inputs and outputs as Terraform records them), data
//! sources read during planning in `prior_state`. For tests, fixtures and benchmarks: a
//! configuration that uses providers not available offline can still be turned into a plan
//! that mirrors it. It is not a substitute for plans from the real Terraform CLI.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::address::{module_steps, split};
use crate::model::{Mode, Model, Reference, Resource, Value};

/// What to write in the plan's header.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// `format_version` (`"0.1"`, `"0.2"`, `"1.0"`, ...).
    pub format_version: String,
    /// `terraform_version`.
    pub terraform_version: String,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            format_version: "1.0".into(),
            terraform_version: "1.0.3".into(),
        }
    }
}

/// Known values with unknowns as `null`, and Terraform's `after_unknown` mask: objects list
/// only members that are (or hold) unknowns, lists every element unless none is unknown.
fn split_value(v: &Value) -> (Json, Json) {
    match v {
        Value::Null => (Json::Null, Json::Bool(false)),
        Value::Unknown | Value::Reference(_) => (Json::Null, Json::Bool(true)),
        Value::Bool(b) => (Json::Bool(*b), Json::Bool(false)),
        Value::Number(_) | Value::String(_) => (v.to_json(), Json::Bool(false)),
        Value::List(items) => {
            let (vals, masks): (Vec<Json>, Vec<Json>) = items.iter().map(split_value).unzip();
            let any = masks.iter().any(|m| m != &Json::Bool(false));
            (
                Json::Array(vals),
                Json::Array(if any { masks } else { Vec::new() }),
            )
        }
        Value::Map(m) => {
            let mut vals = Map::new();
            let mut masks = Map::new();
            for (k, x) in m {
                let (val, mask) = split_value(x);
                vals.insert(k.clone(), val);
                if mask != Json::Bool(false) && mask != json!({}) && mask != json!([]) {
                    masks.insert(k.clone(), mask);
                }
            }
            (Json::Object(vals), Json::Object(masks))
        }
    }
}

fn references(v: &Value, out: &mut Vec<Reference>) {
    match v {
        Value::Reference(r) => out.push(r.clone()),
        Value::List(l) => l.iter().for_each(|x| references(x, out)),
        Value::Map(m) => m.values().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Module instance steps of an address.
fn instance_path(address: &str) -> Vec<String> {
    let steps = split(address);
    let (m, _) = module_steps(&steps);
    m.iter().map(|s| s.text()).collect()
}

fn call_name(step: &str) -> String {
    step.split('[').next().unwrap_or(step).to_string()
}

#[derive(Default)]
struct ConfigModule {
    resources: BTreeMap<String, Json>,
    outputs: BTreeMap<String, Json>,
    calls: BTreeMap<String, Map<String, Json>>,
}

#[derive(Default)]
struct Builder {
    modules: BTreeMap<Vec<String>, ConfigModule>,
}

impl Builder {
    fn module(&mut self, calls: &[String]) -> &mut ConfigModule {
        // Every ancestor exists too, so the tree can be assembled.
        for i in 0..calls.len() {
            self.modules.entry(calls[..i].to_vec()).or_default();
        }
        self.modules.entry(calls.to_vec()).or_default()
    }

    /// The reference string, valid in module instance `from`, that leads to `r`.
    fn route(&mut self, from: &[String], r: &Reference) -> Vec<String> {
        let to = instance_path(&r.address);
        let calls: Vec<String> = from.iter().map(|s| call_name(s)).collect();
        let tag = format!("bp_{:08x}", fnv(&format!("{r}")));
        if to == from {
            let prefix: String = from.iter().map(|m| format!("module.{m}.")).collect();
            let local = r.address.strip_prefix(&prefix).unwrap_or(&r.address);
            let mut full = local.to_string();
            for a in &r.attribute {
                full.push('.');
                full.push_str(a);
            }
            let mut out = vec![full];
            if !r.attribute.is_empty() {
                out.push(local.to_string());
            }
            return out;
        }
        if to.len() > from.len() && to[..from.len()] == *from {
            let mut child = from.to_vec();
            child.push(to[from.len()].clone());
            let inner = self.route(&child, r);
            let mut child_calls = calls.clone();
            child_calls.push(call_name(&to[from.len()]));
            self.module(&child_calls)
                .outputs
                .entry(tag.clone())
                .or_insert_with(|| json!({ "expression": { "references": inner } }));
            return vec![format!("module.{}.{tag}", to[from.len()])];
        }
        let Some((last, parent)) = from.split_last() else {
            return Vec::new();
        };
        let inner = self.route(parent, r);
        self.module(&calls[..calls.len() - 1])
            .calls
            .entry(call_name(last))
            .or_default()
            .entry(tag.clone())
            .or_insert_with(|| json!({ "references": inner }));
        vec![format!("var.{tag}")]
    }

    fn expression(&mut self, from: &[String], v: &Value) -> Json {
        let mut refs = Vec::new();
        references(v, &mut refs);
        if refs.is_empty() {
            return json!({ "constant_value": v.to_json() });
        }
        // Nested blocks: one expression object per block.
        if let Value::List(items) = v {
            if items.iter().all(Value::is_map) {
                return Json::Array(
                    items
                        .iter()
                        .map(|b| self.block_expressions(from, b))
                        .collect(),
                );
            }
        }
        let mut all = Vec::new();
        for r in &refs {
            for s in self.route(from, r) {
                if !all.contains(&s) {
                    all.push(s);
                }
            }
        }
        json!({ "references": all })
    }

    fn block_expressions(&mut self, from: &[String], v: &Value) -> Json {
        let Value::Map(m) = v else {
            return json!({});
        };
        Json::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), self.expression(from, x)))
                .collect(),
        )
    }

    fn assemble(&mut self, calls: &[String]) -> Json {
        let children: Vec<String> = self
            .modules
            .keys()
            .filter(|k| k.len() == calls.len() + 1 && k[..calls.len()] == *calls)
            .map(|k| k[calls.len()].clone())
            .collect();
        let mut module_calls = Map::new();
        for c in children {
            let mut path = calls.to_vec();
            path.push(c.clone());
            let inner = self.assemble(&path);
            let exprs = self
                .modules
                .get_mut(calls)
                .and_then(|m| m.calls.remove(&c))
                .unwrap_or_default();
            module_calls.insert(
                c.clone(),
                json!({ "source": format!("./modules/{c}"), "expressions": exprs, "module": inner }),
            );
        }
        let m = self.modules.remove(calls).unwrap_or_default();
        let mut out = Map::new();
        if !m.outputs.is_empty() {
            out.insert("outputs".into(), json!(m.outputs));
        }
        out.insert(
            "resources".into(),
            Json::Array(m.resources.into_values().collect()),
        );
        if !module_calls.is_empty() {
            out.insert("module_calls".into(), Json::Object(module_calls));
        }
        Json::Object(out)
    }
}

/// One block's expressions from its instances' (`count`/`for_each` are not expanded in the
/// configuration): an expression that differs between instances is recorded as Terraform
/// would record `each.value`, a reference that cannot be followed.
fn merge_instances(instances: &[Json]) -> Json {
    let Some(Json::Object(first)) = instances.first() else {
        return json!({});
    };
    let mut keys: Vec<&String> = instances
        .iter()
        .filter_map(Json::as_object)
        .flat_map(|o| o.keys())
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    for k in keys {
        let same = instances.iter().all(|i| i.get(k) == first.get(k));
        let expr = match first.get(k) {
            Some(e) if same => e.clone(),
            _ => json!({ "references": ["each.value"] }),
        };
        out.insert(k.clone(), expr);
    }
    Json::Object(out)
}

/// FNV-1a, for short stable names of synthesized module inputs and outputs.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Data => "data",
        _ => "managed",
    }
}

fn provider_of(ty: &str) -> String {
    let p = ty.split('_').next().unwrap_or(ty);
    let ns = if p == "blueprint" {
        "blueprint-iac"
    } else {
        "hashicorp"
    };
    format!("registry.terraform.io/{ns}/{p}")
}

fn state_resource(r: &Resource, values: &Json) -> Json {
    let mut o = json!({
        "address": r.address,
        "mode": mode_str(r.mode),
        "type": r.resource_type,
        "name": r.name,
        "provider_name": provider_of(&r.resource_type),
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    });
    if let Some(key) = split(&r.address).last().and_then(|s| s.key) {
        let k = &key[1..key.len() - 1];
        o["index"] = serde_json::from_str(k).unwrap_or(Json::String(k.to_string()));
    }
    o
}

/// Nests state resources into `root_module` / `child_modules` by module instance.
fn nest(resources: Vec<(Vec<String>, Json)>) -> Json {
    fn build(prefix: &[String], items: &[(Vec<String>, Json)]) -> Map<String, Json> {
        let mut out = Map::new();
        if !prefix.is_empty() {
            let addr: Vec<String> = prefix.iter().map(|m| format!("module.{m}")).collect();
            out.insert("address".into(), Json::String(addr.join(".")));
        }
        let here: Vec<Json> = items
            .iter()
            .filter(|(p, _)| p.as_slice() == prefix)
            .map(|(_, r)| r.clone())
            .collect();
        out.insert("resources".into(), Json::Array(here));
        let mut children: Vec<Vec<String>> = items
            .iter()
            .filter(|(p, _)| p.len() > prefix.len() && p[..prefix.len()] == *prefix)
            .map(|(p, _)| p[..=prefix.len()].to_vec())
            .collect();
        children.sort();
        children.dedup();
        if !children.is_empty() {
            out.insert(
                "child_modules".into(),
                Json::Array(
                    children
                        .iter()
                        .map(|c| Json::Object(build(c, items)))
                        .collect(),
                ),
            );
        }
        out
    }
    Json::Object(build(&[], &resources))
}

/// The plan JSON for creating every managed resource of `model` (backends are left out: plan
/// JSON does not carry them).
pub fn plan_json(model: &Model, opts: &SynthOptions) -> Json {
    let mut builder = Builder::default();
    builder.module(&[]);
    let mut planned = Vec::new();
    let mut prior = Vec::new();
    let mut changes = Vec::new();
    let mut blocks: BTreeMap<(Vec<String>, String), (Json, Vec<Json>)> = BTreeMap::new();
    for r in &model.resources {
        // A composite's plain resources are not in a plan: the composite is.
        if r.mode == Mode::Backend || r.parent.is_some() {
            continue;
        }
        let from = instance_path(&r.address);
        let calls: Vec<String> = from.iter().map(|s| call_name(s)).collect();
        let (after, unknown) = split_value(&r.attributes);
        let steps = split(&r.address);
        let (_, rest) = module_steps(&steps);
        let local: Vec<&str> = rest.iter().map(|s| s.name).collect();
        let block = local.join(".");
        let exprs = builder.block_expressions(&from, &r.attributes);
        let meta = json!({
            "address": block,
            "mode": mode_str(r.mode),
            "type": r.resource_type,
            "name": r.name,
            "provider_config_key": r.resource_type.split('_').next().unwrap_or(""),
            "schema_version": 0,
        });
        blocks
            .entry((calls.clone(), block.clone()))
            .or_insert_with(|| (meta, Vec::new()))
            .1
            .push(exprs);
        let known = !r.attributes.contains_unknown();
        let state = state_resource(r, &after);
        if r.mode == Mode::Data && known {
            prior.push((from.clone(), state.clone()));
            planned.push((from, state));
            continue;
        }
        planned.push((from.clone(), state));
        let mut change = json!({
            "address": r.address,
            "mode": mode_str(r.mode),
            "type": r.resource_type,
            "name": r.name,
            "provider_name": provider_of(&r.resource_type),
            "change": {
                "actions": [if r.mode == Mode::Data { "read" } else { "create" }],
                "before": null,
                "after": after,
                "after_unknown": unknown,
                "before_sensitive": false,
                "after_sensitive": {},
            }
        });
        if !from.is_empty() {
            let addr: Vec<String> = from.iter().map(|m| format!("module.{m}")).collect();
            change["module_address"] = Json::String(addr.join("."));
        }
        changes.push(change);
    }
    for ((calls, block), (mut meta, instances)) in blocks {
        meta["expressions"] = merge_instances(&instances);
        builder.module(&calls).resources.insert(block, meta);
    }
    let configuration = json!({
        "provider_config": {},
        "root_module": builder.assemble(&[]),
    });
    json!({
        "format_version": opts.format_version,
        "terraform_version": opts.terraform_version,
        "planned_values": { "root_module": nest(planned) },
        "resource_changes": changes,
        "prior_state": {
            "format_version": opts.format_version,
            "terraform_version": opts.terraform_version,
            "values": { "root_module": nest(prior) },
        },
        "configuration": configuration,
    })
}

//! Blueprint composites (`blueprint_*`) seen as the plain `aws_*` resources they build.
//!
//! Every resource whose type is in `blueprint_declarations::composites::registry()` is expanded
//! by its declaration's own expansion into plain resources, added to the model beside it and
//! addressed `COMPOSITE_ADDRESS/KIND.NAME` (`blueprint_ml_host.api/aws_security_group.security_group`).
//! The rules only know plain resources; [`map_findings`] reports what they find on a plain
//! resource on the composite's block, at the composite's attribute the value came from (the
//! expansion's `origins`). Unknown values stay unknown; a reference stays a reference (to
//! another resource of the model, or, `/KIND.NAME`, to a plain sibling).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use blueprint_declarations::expand::{self, Expander};
use blueprint_declarations::value::{Generic, Path, Step};

use crate::finding::{Finding, PathStep};
use crate::model::{Mode, Model, Reference, Resource, Value};

/// What a plain resource knows about the composite that builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    /// The composite's address (`module.api.blueprint_ml_host.this`).
    pub address: String,
    /// The composite's type.
    pub resource_type: String,
    /// Path in the plain resource → path in the composite (see `Plain::origins`).
    pub origins: Vec<(Path, Path)>,
}

fn expanders() -> &'static HashMap<&'static str, Expander> {
    static E: OnceLock<HashMap<&'static str, Expander>> = OnceLock::new();
    E.get_or_init(|| {
        blueprint_declarations::composites::registry()
            .into_iter()
            .map(|d| (d.type_name, d.expand))
            .collect()
    })
}

/// For each composite type, the plain resource (`KIND.NAME`) each attribute holding a child's
/// id or one of its declared outputs comes from (`security_group_id` → the security group).
fn child_attrs() -> &'static HashMap<&'static str, HashMap<&'static str, String>> {
    static C: OnceLock<HashMap<&'static str, HashMap<&'static str, String>>> = OnceLock::new();
    C.get_or_init(|| {
        let mut m: HashMap<&'static str, HashMap<&'static str, String>> = HashMap::new();
        for d in blueprint_declarations::composites::registry() {
            let attrs = m.entry(d.type_name).or_default();
            for c in &d.children {
                let plain = format!("{}.{}", c.kind, c.name);
                for attr in std::iter::once(&c.id_attr).chain(c.outputs) {
                    attrs.entry(*attr).or_insert_with(|| plain.clone());
                }
            }
        }
        m
    })
}

/// The plain resource (`KIND.NAME` under the composite) that the composite attribute `attr` of
/// a `resource_type` comes from: a reference to `blueprint_load_balancer.alb.security_group_id`
/// is followed to `blueprint_load_balancer.alb/aws_security_group.security_group`.
pub fn child_for(resource_type: &str, attr: &str) -> Option<&'static str> {
    child_attrs()
        .get(resource_type)?
        .get(attr)
        .map(String::as_str)
}

/// Whether `ty` is a registered composite type.
pub fn is_composite(ty: &str) -> bool {
    ty.starts_with("blueprint_") && expanders().contains_key(ty)
}

/// The generic value (Terraform's encoding) of a model value: unknown as unknown, references as
/// `expand::reference`.
pub fn to_generic(v: &Value) -> Generic {
    match v {
        Value::Null => rmpv::Value::Nil,
        Value::Bool(b) => rmpv::Value::Boolean(*b),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => rmpv::Value::from(*n as i64),
        Value::Number(n) => rmpv::Value::F64(*n),
        Value::String(s) => rmpv::Value::from(s.as_str()),
        Value::List(l) => rmpv::Value::Array(l.iter().map(to_generic).collect()),
        Value::Map(m) => rmpv::Value::Map(
            m.iter()
                .map(|(k, v)| (rmpv::Value::from(k.as_str()), to_generic(v)))
                .collect(),
        ),
        Value::Unknown => blueprint_declarations::value::unknown(),
        Value::Reference(r) => {
            let attrs: Vec<&str> = r.attribute.iter().map(String::as_str).collect();
            expand::reference(&r.address, &attrs)
        }
    }
}

/// The model value of a generic one; a sibling reference (`/KIND.NAME`) is made absolute under
/// `composite` (the composite's address).
pub fn from_generic(v: &Generic, composite: &str) -> Value {
    match v {
        rmpv::Value::Nil => Value::Null,
        rmpv::Value::Boolean(b) => Value::Bool(*b),
        rmpv::Value::Integer(i) => Value::Number(i.as_f64().unwrap_or_default()),
        rmpv::Value::F32(f) => Value::Number(f64::from(*f)),
        rmpv::Value::F64(f) => Value::Number(*f),
        rmpv::Value::String(s) => s
            .as_str()
            .map_or(Value::Unknown, |s| Value::String(s.to_string())),
        rmpv::Value::Array(items) => {
            Value::List(items.iter().map(|i| from_generic(i, composite)).collect())
        }
        rmpv::Value::Map(entries) => Value::Map(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), from_generic(v, composite))))
                .collect(),
        ),
        ext @ rmpv::Value::Ext(..) => match expand::as_reference(ext) {
            Some((address, attribute)) => Value::Reference(Reference {
                address: match address.strip_prefix('/') {
                    Some(sibling) => format!("{composite}/{sibling}"),
                    None => address.to_string(),
                },
                attribute: attribute.into_iter().map(str::to_string).collect(),
            }),
            None => Value::Unknown,
        },
        rmpv::Value::Binary(_) => Value::Unknown,
    }
}

/// The plain resources of one composite resource (none for any other resource).
pub fn expand_resource(r: &Resource) -> Vec<Resource> {
    if r.mode != Mode::Managed || !is_composite(&r.resource_type) {
        return Vec::new();
    }
    let mut plains = expand_config(&r.resource_type, &r.address, &to_generic(&r.attributes));
    for p in &mut plains {
        p.module_path = r.module_path.clone();
        p.location = r.location.clone();
    }
    plains
}

/// The plain resources a composite of type `resource_type` at `address` builds from `config`
/// (in Terraform's encoding, as the provider holds it); none when the type is not registered.
pub fn expand_config(resource_type: &str, address: &str, config: &Generic) -> Vec<Resource> {
    let Some(expander) = expanders().get(resource_type) else {
        return Vec::new();
    };
    expander(config)
        .into_iter()
        .map(|p| {
            let mut plain = Resource::new(
                Mode::Managed,
                p.kind,
                p.name,
                from_generic(&p.attrs, address),
            );
            plain.address = format!("{address}/{}.{}", p.kind, p.name);
            plain.parent = Some(Arc::new(Parent {
                address: address.to_string(),
                resource_type: resource_type.to_string(),
                origins: p.origins,
            }));
            plain
        })
        .collect()
}

/// Adds the plain resources of every composite of `model` (after their composite).
pub fn expand_model(model: &mut Model) {
    use rayon::prelude::*;
    let plains: Vec<Resource> = model
        .resources
        .par_iter()
        .flat_map_iter(expand_resource)
        .collect();
    for p in plains {
        model.push(p);
    }
}

fn to_steps(path: &[PathStep]) -> Vec<Step> {
    path.iter()
        .map(|s| match s {
            PathStep::Attribute(a) => Step::Attr(a.clone()),
            PathStep::Index(i) => Step::Index(*i),
            PathStep::Key(k) => Step::Key(k.clone()),
        })
        .collect()
}

fn from_steps(path: &Path) -> Vec<PathStep> {
    path.0
        .iter()
        .map(|s| match s {
            Step::Attr(a) => PathStep::Attribute(a.clone()),
            Step::Index(i) => PathStep::Index(*i),
            Step::Key(k) => PathStep::Key(k.clone()),
        })
        .collect()
}

/// Where a value at `path` of `r` is written: for a composite's plain resource, the composite's
/// address and attribute (see [`map_findings`]); otherwise `r` itself.
pub fn written_at(r: &Resource, path: &[PathStep]) -> (String, Vec<PathStep>) {
    match &r.parent {
        Some(parent) => (
            parent.address.clone(),
            expand::map_path(&parent.origins, &to_steps(path))
                .map(|p| from_steps(&p))
                .unwrap_or_default(),
        ),
        None => (r.address.clone(), path.to_vec()),
    }
}

/// Reports each finding on a plain resource on its composite instead: the composite's address,
/// the composite's attribute path its value came from (the whole block when none), and that
/// attribute's place in the source. The same finding reached twice is kept once.
pub fn map_findings(model: &Model, findings: &mut Vec<Finding>) {
    let mut mapped = false;
    for f in findings.iter_mut() {
        let Some(plain) = model.get(&f.address).filter(|r| r.parent.is_some()) else {
            continue;
        };
        let (address, path) = written_at(plain, &f.attribute_path);
        f.location = match model.get(&address) {
            Some(c) => c.location_of(&path),
            None => f.location.take(),
        };
        f.address = address;
        f.attribute_path = path;
        mapped = true;
    }
    if mapped {
        let mut seen = std::collections::HashSet::new();
        findings.retain(|f| {
            seen.insert((
                f.rule_id.clone(),
                f.address.clone(),
                f.attribute_path.clone(),
                f.message.clone(),
            ))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_with_references_and_unknowns() {
        let v = Value::Map(
            [
                ("n".to_string(), Value::Number(3.0)),
                ("f".to_string(), Value::Number(0.5)),
                ("u".to_string(), Value::Unknown),
                (
                    "r".to_string(),
                    Value::Reference(Reference {
                        address: "aws_security_group.alb".into(),
                        attribute: vec!["id".into()],
                    }),
                ),
                (
                    "l".to_string(),
                    Value::List(vec![
                        Value::String("x".into()),
                        Value::Bool(true),
                        Value::Null,
                    ]),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(from_generic(&to_generic(&v), "blueprint_x.a"), v);
        let sibling = expand::sibling("aws_security_group", "security_group", "id");
        assert_eq!(
            from_generic(&sibling, "module.m.blueprint_ml_host.api"),
            Value::Reference(Reference {
                address: "module.m.blueprint_ml_host.api/aws_security_group.security_group".into(),
                attribute: vec!["id".into()],
            })
        );
    }

    #[test]
    fn every_registered_composite_is_expanded() {
        for d in blueprint_declarations::composites::registry() {
            assert!(is_composite(d.type_name), "{}", d.type_name);
        }
        assert!(!is_composite("aws_instance"));
        assert!(!is_composite("blueprint_unknown"));
    }
}

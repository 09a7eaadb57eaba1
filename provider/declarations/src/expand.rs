//! A composite seen as the plain `aws_*` resources it builds, so that `blueprint-lint`'s rules
//! (written for plain resources) check composites too, at `terraform plan` in the provider and
//! on `.tf` files and plan JSON in the CLI.
//!
//! An expansion is a pure function of the composite's configuration (in Terraform's encoding,
//! unknown values as unknown): it returns each plain resource with the attributes the rules read,
//! and, for each attribute, the path of the composite's attribute it came from, so a finding on
//! the plain resource is reported on the composite's own attribute.
//!
//! Values the expansion cannot know stay unknown (an unknown never fires a rule). A value that
//! refers to another object (the linter's references, `aws_security_group.alb.id`) arrives as a
//! [`reference`] and should be copied as it is; a plain resource refers to another plain
//! resource of the same composite with [`sibling`].

use crate::value::{field, Generic, Path, Step};

/// One plain resource a composite builds.
#[derive(Debug, Clone, PartialEq)]
pub struct Plain {
    /// Its Terraform type, one of the declaration's child kinds (`aws_security_group`).
    pub kind: &'static str,
    /// Its name under the composite (`security_group`): the linter addresses it as
    /// `blueprint_ml_host.api/aws_security_group.security_group`.
    pub name: &'static str,
    /// Its attributes, as the AWS provider would name them (an object value).
    pub attrs: Generic,
    /// Where its attributes come from: a path in `attrs` (prefix match) to the composite's
    /// attribute that set it. A finding on a path no entry covers is reported on the resource.
    pub origins: Vec<(Path, Path)>,
}

impl Plain {
    /// A plain resource of `kind` named `name` with `attrs`, no origins yet.
    pub fn new(kind: &'static str, name: &'static str, attrs: Generic) -> Self {
        Plain {
            kind,
            name,
            attrs,
            origins: Vec::new(),
        }
    }

    /// Records that `plain` (a path in `attrs`) comes from the composite's `composite` path.
    pub fn origin(mut self, plain: Path, composite: Path) -> Self {
        self.origins.push((plain, composite));
        self
    }

    /// Where a path in this resource's attributes comes from in the composite: the entry of
    /// [`Plain::origins`] with the longest prefix of `path`, with the rest of `path` appended
    /// (`ingress[0].cidr_blocks` ← `ssh_cidr_blocks` maps `ingress[0].cidr_blocks[1]` to
    /// `ssh_cidr_blocks[1]`). `None`: no attribute of the composite set it.
    pub fn composite_path(&self, path: &[Step]) -> Option<Path> {
        map_path(&self.origins, path)
    }
}

/// The composite path of `path` through `origins` (see [`Plain::composite_path`]).
pub fn map_path(origins: &[(Path, Path)], path: &[Step]) -> Option<Path> {
    let (plain, composite) = origins
        .iter()
        .filter(|(p, _)| path.starts_with(&p.0))
        .max_by_key(|(p, _)| p.0.len())?;
    let mut out = composite.clone();
    out.0.extend_from_slice(&path[plain.0.len()..]);
    Some(out)
}

/// The expansion function of a composite.
pub type Expander = fn(&Generic) -> Vec<Plain>;

/// The expansion of a composite that nothing checks yet: no plain resources.
pub fn nothing(_config: &Generic) -> Vec<Plain> {
    Vec::new()
}

/// MessagePack extension type of a [`reference`]: Terraform itself only uses 0 (unknown).
pub const REFERENCE_EXT: i8 = 1;

/// A value that refers to an attribute of another object (`address` `attribute...`): known
/// only after apply, but followable by the linter. An address starting with `/` names a plain
/// resource of the same composite (see [`sibling`]).
pub fn reference(address: &str, attribute: &[&str]) -> Generic {
    let mut text = address.to_string();
    for a in attribute {
        text.push('\n');
        text.push_str(a);
    }
    rmpv::Value::Ext(REFERENCE_EXT, text.into_bytes())
}

/// The `(address, attribute path)` of a [`reference`].
pub fn as_reference(v: &Generic) -> Option<(&str, Vec<&str>)> {
    match v {
        rmpv::Value::Ext(REFERENCE_EXT, bytes) => {
            let text = std::str::from_utf8(bytes).ok()?;
            let mut parts = text.split('\n');
            let address = parts.next()?;
            Some((address, parts.collect()))
        }
        _ => None,
    }
}

/// A reference to `attribute` of the plain resource `kind.name` of the same composite.
pub fn sibling(kind: &str, name: &str, attribute: &str) -> Generic {
    reference(&format!("/{kind}.{name}"), &[attribute])
}

/// An object value from its fields; null fields are left out.
pub fn object(fields: Vec<(&str, Generic)>) -> Generic {
    rmpv::Value::Map(
        fields
            .into_iter()
            .filter(|(_, v)| !v.is_nil())
            .map(|(k, v)| (rmpv::Value::from(k), v))
            .collect(),
    )
}

/// A string value.
pub fn string(s: &str) -> Generic {
    rmpv::Value::from(s)
}

/// A whole-number value.
pub fn number(n: i64) -> Generic {
    rmpv::Value::from(n)
}

/// A boolean value.
pub fn boolean(b: bool) -> Generic {
    rmpv::Value::Boolean(b)
}

/// A list value.
pub fn list(items: Vec<Generic>) -> Generic {
    rmpv::Value::Array(items)
}

/// The attribute `name` of the configuration, or null.
pub fn get<'v>(config: &'v Generic, name: &str) -> &'v Generic {
    static NIL: Generic = rmpv::Value::Nil;
    field(config, name).unwrap_or(&NIL)
}

/// A known string.
pub fn as_str(v: &Generic) -> Option<&str> {
    v.as_str()
}

/// A known whole number (Terraform encodes numbers as integers or floats).
pub fn as_i64(v: &Generic) -> Option<i64> {
    match v {
        rmpv::Value::Integer(i) => i.as_i64(),
        rmpv::Value::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        rmpv::Value::F32(f) if f.fract() == 0.0 && f.abs() < 1.0e7 => Some(*f as i64),
        rmpv::Value::String(s) => s.as_str()?.trim().parse().ok(),
        _ => None,
    }
}

/// A known boolean.
pub fn as_bool(v: &Generic) -> Option<bool> {
    match v {
        rmpv::Value::Boolean(b) => Some(*b),
        rmpv::Value::String(s) => match s.as_str()? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number attribute with a default: the value when set (unknown stays unknown), `default`
/// when null.
pub fn number_or(v: &Generic, default: i64) -> Generic {
    match v {
        rmpv::Value::Nil => number(default),
        rmpv::Value::Integer(_) | rmpv::Value::F64(_) | rmpv::Value::F32(_) => {
            as_i64(v).map(number).unwrap_or_else(|| v.clone())
        }
        other => other.clone(),
    }
}

/// A boolean attribute with a default.
pub fn bool_or(v: &Generic, default: bool) -> Generic {
    match v {
        rmpv::Value::Nil => boolean(default),
        other => other.clone(),
    }
}

/// A list attribute: null is the empty list, anything else (a list, an unknown) as it is.
pub fn list_or_empty(v: &Generic) -> Generic {
    match v {
        rmpv::Value::Nil => list(Vec::new()),
        other => other.clone(),
    }
}

/// Whether a list attribute is known to be empty (null counts as empty).
pub fn is_empty_list(v: &Generic) -> bool {
    match v {
        rmpv::Value::Nil => true,
        rmpv::Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The entries of a map attribute: `Some(entries)` when the map itself is known (null is
/// empty), `None` when unknown.
pub fn entries(v: &Generic) -> Option<Vec<(&str, &Generic)>> {
    match v {
        rmpv::Value::Nil => Some(Vec::new()),
        rmpv::Value::Map(m) => Some(
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v)))
                .collect(),
        ),
        _ => None,
    }
}

/// A nested block that appears at most once (`container { ... }`), with its path: an object
/// (the provider's encoding) or a one-element list (the linter's, as in plan JSON). `None`
/// when absent; an unknown block is returned as unknown.
pub fn single_block<'v>(config: &'v Generic, name: &str) -> Option<(&'v Generic, Path)> {
    match get(config, name) {
        rmpv::Value::Nil => None,
        rmpv::Value::Array(items) => items
            .first()
            .map(|b| (b, Path::attr(name).then(Step::Index(0)))),
        other => Some((other, Path::attr(name))),
    }
}

/// A path from attribute names and indexes: `path(&["ingress"]).then(Step::Index(0))`.
pub fn path(names: &[&str]) -> Path {
    Path(names.iter().map(|n| Step::Attr(n.to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{is_unknown, unknown};
    use std::collections::BTreeSet;

    #[test]
    fn origins_map_the_longest_prefix_and_keep_the_rest() {
        let p = Plain::new("aws_security_group", "security_group", object(vec![]))
            .origin(path(&["ingress"]), path(&["rules"]))
            .origin(
                path(&["ingress"])
                    .then(Step::Index(0))
                    .then(Step::Attr("cidr_blocks".into())),
                path(&["ssh_cidr_blocks"]),
            );
        let found = p
            .composite_path(
                &path(&["ingress"])
                    .then(Step::Index(0))
                    .then(Step::Attr("cidr_blocks".into()))
                    .then(Step::Index(2))
                    .0,
            )
            .unwrap();
        assert_eq!(found.to_string(), "ssh_cidr_blocks[2]");
        let other = p
            .composite_path(&path(&["ingress"]).then(Step::Index(1)).0)
            .unwrap();
        assert_eq!(other.to_string(), "rules[1]");
        assert_eq!(p.composite_path(&path(&["egress"]).0), None);
    }

    #[test]
    fn references_round_trip() {
        let r = reference("module.a.aws_security_group.alb", &["id"]);
        assert_eq!(
            as_reference(&r),
            Some(("module.a.aws_security_group.alb", vec!["id"]))
        );
        assert!(!is_unknown(&r));
        let s = sibling("aws_lb_target_group", "target_group", "arn");
        assert_eq!(
            as_reference(&s),
            Some(("/aws_lb_target_group.target_group", vec!["arn"]))
        );
        assert_eq!(as_reference(&string("x")), None);
    }

    #[test]
    fn single_blocks_in_both_encodings() {
        let inner = object(vec![("port", number(80))]);
        let as_object = object(vec![("container", inner.clone())]);
        let as_list = object(vec![("container", list(vec![inner.clone()]))]);
        let (b, p) = single_block(&as_object, "container").unwrap();
        assert_eq!((b, p.to_string().as_str()), (&inner, "container"));
        let (b, p) = single_block(&as_list, "container").unwrap();
        assert_eq!((b, p.to_string().as_str()), (&inner, "container[0]"));
        assert!(single_block(&object(vec![]), "container").is_none());
    }

    /// Every registered composite's expansion, of a configuration with every input set, of an
    /// empty and of an unknown one, only builds kinds its declaration lists as children or
    /// their parts (`Declaration::builds`; names
    /// may vary per item: a subnet per zone), with object attributes, and every origin names
    /// one of its attributes.
    #[test]
    fn expansions_build_only_declared_children() {
        for d in crate::composites::registry() {
            let names: BTreeSet<&str> = d
                .attrs
                .iter()
                .map(|a| a.name)
                .chain(d.blocks.iter().map(|b| b.name))
                .collect();
            for config in [object(vec![]), unknown(), example_config(d)] {
                for p in (d.expand)(&config) {
                    assert!(
                        d.builds(p.kind),
                        "{}: {}.{} is not of a declared child kind or a part of one",
                        d.type_name,
                        p.kind,
                        p.name
                    );
                    assert!(
                        matches!(p.attrs, rmpv::Value::Map(_)),
                        "{}: {} attrs",
                        d.type_name,
                        p.name
                    );
                    for (_, from) in &p.origins {
                        let first = match from.0.first() {
                            Some(Step::Attr(a)) => a.as_str(),
                            _ => "",
                        };
                        assert!(
                            names.contains(first),
                            "{}: origin {from} is no attribute",
                            d.type_name
                        );
                    }
                }
            }
        }
    }

    /// A configuration with every input attribute set to a plausible value of its type, and
    /// each block present once, so every optional child appears.
    fn example_config(d: &crate::Declaration) -> Generic {
        fn sample(ty: &crate::Type, name: &str) -> Generic {
            match ty {
                crate::Type::String => string(match name {
                    "locking" => "both",
                    _ => "sample",
                }),
                crate::Type::Number => number(443),
                crate::Type::Bool => boolean(true),
                crate::Type::List(t) | crate::Type::Set(t) => list(vec![sample(t, name)]),
                crate::Type::Map(t) => {
                    rmpv::Value::Map(vec![(rmpv::Value::from("API_TOKEN"), sample(t, name))])
                }
                crate::Type::Object(fields) => {
                    object(fields.iter().map(|(n, t)| (*n, sample(t, n))).collect())
                }
            }
        }
        let mut fields: Vec<(&str, Generic)> = d
            .attrs
            .iter()
            .filter(|a| a.is_input())
            .map(|a| (a.name, sample(&a.ty, a.name)))
            .collect();
        for b in &d.blocks {
            fields.push((
                b.name,
                object(
                    b.attrs
                        .iter()
                        .map(|a| (a.name, sample(&a.ty, a.name)))
                        .collect(),
                ),
            ));
        }
        object(fields)
    }
}

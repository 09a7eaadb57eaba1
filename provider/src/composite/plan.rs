//! What the skeleton derives at plan time from a declaration: the checks on attribute paths,
//! defaults, values kept from the prior state, and the attributes whose change replaces the
//! resource (including "a child that cannot be re-created in place is gone").

use crate::tf::AttributePath;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::declare::checks::Problem;
use crate::declare::value::{self, Generic, Path, Step};
use crate::declare::{Declaration, Default, Presence};

/// Every declared check's problems with a configuration.
pub fn check(d: &Declaration, config: &Generic) -> Vec<Problem> {
    let mut out = Vec::new();
    for a in &d.attrs {
        if let Some(v) = value::field(config, a.name) {
            for c in &a.checks {
                c.run(a.name, v, &Path::attr(a.name), &mut out);
            }
        }
    }
    for b in &d.blocks {
        for (base, item) in block_items(config, b.name) {
            for a in &b.attrs {
                if let Some(v) = value::field(item, a.name) {
                    let path = base.then(Step::Attr(a.name.to_string()));
                    for c in &a.checks {
                        c.run(&format!("{}.{}", b.name, a.name), v, &path, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// The objects of block `name` with their paths: a single block is an object (`name`), an
/// optional one a list of at most one (`name[0]`).
fn block_items<'v>(state: &'v Generic, name: &str) -> Vec<(Path, &'v Generic)> {
    match value::field(state, name) {
        Some(rmpv::Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (Path::attr(name).then(Step::Index(i)), item))
            .collect(),
        Some(obj @ rmpv::Value::Map(_)) => vec![(Path::attr(name), obj)],
        _ => Vec::new(),
    }
}

/// Fill declared defaults into the unset optional+computed attributes of `obj`.
fn fill_defaults(attrs: &[crate::declare::Attr], obj: &mut Generic, prior: Option<&Generic>) {
    for a in attrs {
        if a.presence != Presence::OptionalComputed {
            continue;
        }
        let prior_v = prior.and_then(|p| value::field(p, a.name)).cloned();
        let Some(v) = value::field_mut(obj, a.name) else {
            continue;
        };
        // Terraform proposes the prior value (or null on create) for an unset
        // optional+computed attribute.
        if !(v.is_nil() || value::is_unknown(v)) {
            continue;
        }
        if let Some(dv) = a.default.as_ref().and_then(default_value) {
            *v = dv;
        } else if a.keep_prior {
            if let Some(p) = prior_v.filter(|p| !p.is_nil()) {
                *v = p;
            }
        }
    }
}

/// A path in Terraform's terms.
pub fn attribute_path(p: &Path) -> AttributePath {
    let mut out = AttributePath::root();
    for step in &p.0 {
        match step {
            Step::Attr(a) => {
                out.add_attribute(a.clone());
            }
            Step::Index(i) => {
                out.add_index(*i as i64);
            }
            Step::Key(k) => {
                out.add_key(k.clone());
            }
        }
    }
    out
}

/// The value of a static default (`None` for one the composite derives).
fn default_value(d: &Default) -> Option<Generic> {
    Some(match d {
        Default::String(s) => Generic::from(*s),
        Default::Number(n) => Generic::from(*n),
        Default::Bool(b) => Generic::from(*b),
        Default::EmptyList => Generic::Array(Vec::new()),
        Default::Derived(_) => return None,
    })
}

/// The planned state with declared defaults filled where the configuration left an
/// optional+computed attribute unset, and `keep_prior` attributes carried over from `prior`.
pub fn with_defaults<S: Serialize + DeserializeOwned + Clone>(
    d: &Declaration,
    planned: S,
    prior: Option<&S>,
) -> S {
    let Some(mut g) = value::to_generic(&planned) else {
        return planned;
    };
    let prior_g = prior.and_then(value::to_generic);
    fill_defaults(&d.attrs, &mut g, prior_g.as_ref());
    for b in &d.blocks {
        let prior_block = prior_g
            .as_ref()
            .and_then(|p| value::field(p, b.name))
            .cloned();
        match value::field_mut(&mut g, b.name) {
            Some(rmpv::Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let p = match &prior_block {
                        Some(rmpv::Value::Array(pi)) => pi.get(i),
                        _ => None,
                    };
                    fill_defaults(&b.attrs, item, p);
                }
            }
            Some(obj @ rmpv::Value::Map(_)) => fill_defaults(&b.attrs, obj, prior_block.as_ref()),
            _ => {}
        }
    }
    value::from_generic(&g).unwrap_or(planned)
}

/// `tags_all` (when the declaration has it, computed, beside `tags`): the provider's default
/// tags overridden by `tags`; unknown while `tags` is unknown or the provider is not
/// configured yet.
pub fn with_tags_all<S: Serialize + DeserializeOwned + Clone>(
    d: &Declaration,
    planned: S,
    default_tags: Option<&std::collections::BTreeMap<String, String>>,
) -> S {
    let declared = d.attr("tags").is_some()
        && d.attr("tags_all")
            .is_some_and(|a| a.presence == crate::declare::Presence::Computed);
    let Some(mut g) = value::to_generic(&planned).filter(|_| declared) else {
        return planned;
    };
    let tags = value::field(&g, "tags").cloned().unwrap_or(Generic::Nil);
    let all = match (default_tags, &tags) {
        (None, _) => value::unknown(),
        (Some(_), t) if value::has_unknown(t) => value::unknown(),
        (Some(defaults), t) => {
            let mut all: std::collections::BTreeMap<String, Generic> = defaults
                .iter()
                .map(|(k, v)| (k.clone(), Generic::from(v.as_str())))
                .collect();
            if let Generic::Map(entries) = t {
                for (k, v) in entries {
                    if let Some(k) = k.as_str() {
                        all.insert(k.to_string(), v.clone());
                    }
                }
            }
            Generic::Map(
                all.into_iter()
                    .map(|(k, v)| (Generic::from(k), v))
                    .collect(),
            )
        }
    };
    if let Some(f) = value::field_mut(&mut g, "tags_all") {
        *f = all;
    }
    value::from_generic(&g).unwrap_or(planned)
}

/// The attributes whose change replaces the resource: declared `replaces` attributes (and
/// blocks) that differ, and the id attribute of a `replace_when_gone` child that is gone.
pub fn replacements<S: Serialize>(d: &Declaration, prior: &S, planned: &S) -> Vec<AttributePath> {
    let (Some(p), Some(n)) = (value::to_generic(prior), value::to_generic(planned)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let differs = |name: &str| {
        let a = value::field(&p, name).cloned().unwrap_or(Generic::Nil);
        let b = value::field(&n, name).cloned().unwrap_or(Generic::Nil);
        // Unknown planned values replace only once known (Terraform plans again then).
        !value::has_unknown(&b) && a != b
    };
    for a in d.attrs.iter().filter(|a| a.replaces) {
        if differs(a.name) {
            out.push(AttributePath::new(a.name));
        }
    }
    for b in d.blocks.iter().filter(|b| b.replaces) {
        if differs(b.name) {
            out.push(AttributePath::new(b.name));
        }
    }
    for c in d.children.iter().filter(|c| c.replace_when_gone) {
        if value::field(&p, c.id_attr).is_none_or(|v| v.is_nil()) {
            out.push(AttributePath::new(c.id_attr));
        }
    }
    out
}

/// The state with every unknown made null.
pub fn fully_known<S: Serialize + DeserializeOwned + Clone>(state: S) -> S {
    let Some(mut g) = value::to_generic(&state) else {
        return state;
    };
    value::null_unknowns(&mut g);
    value::from_generic(&g).unwrap_or(state)
}

//! Points a plan's resources back at their HCL blocks, when the configuration directory is
//! given: the plan's instance is matched to the HCL front-end's resource of the same address
//! (or, when the HCL front-end could not expand `count`/`for_each`, of the same block), whose
//! spans then locate every attribute path.

use std::collections::HashMap;

use super::address::shape;
use crate::frontend::hcl::Loaded;
use crate::model::{Mode, Model, Resource};

/// Copies locations and spans from `hcl` to the resources of `plan`, and adds the `backend`
/// blocks (which plan JSON does not carry). Returns how many resources were located.
pub fn attach(plan: &mut Model, hcl: &Loaded) -> usize {
    let mut exact: HashMap<&str, &Resource> = HashMap::new();
    let mut by_shape: HashMap<String, &Resource> = HashMap::new();
    for r in hcl.roots.iter().flat_map(|m| m.resources.iter()) {
        exact.entry(r.address.as_str()).or_insert(r);
        by_shape.entry(shape(&r.address)).or_insert(r);
    }
    let mut located = 0;
    for r in &mut plan.resources {
        let source = exact
            .get(r.address.as_str())
            .copied()
            .or_else(|| by_shape.get(&shape(&r.address)).copied());
        if let Some(s) = source.filter(|s| s.mode == r.mode) {
            r.location = s.location.clone();
            r.spans = s.spans.clone();
            r.source = s.source.clone();
            located += 1;
        }
    }
    // Backends of the root module only: the plan is of one root module.
    let backends: Vec<Resource> = hcl
        .roots
        .first()
        .into_iter()
        .flat_map(|m| m.resources.iter())
        .filter(|r| r.mode == Mode::Backend && r.module_path.is_empty())
        .cloned()
        .collect();
    for b in backends {
        if plan.get(&b.address).is_none() {
            plan.push(b);
        }
    }
    located
}

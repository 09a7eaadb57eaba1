//! Composite resources, one folder each.

use std::collections::HashMap;
use std::sync::Arc;

use crate::tf::DynamicResource;

use crate::composite::{Composite, CompositeResource};
use crate::declare::Declaration;
use crate::provider::ProviderState;

pub mod cluster;
pub mod data_pipeline;
pub mod data_stores;
pub mod database;
pub mod host_group;
pub mod load_balancer;
pub mod ml_host;
pub mod network;
pub mod secure_service;
pub mod state_backend;

/// One registered composite: its name without the `blueprint_` prefix (taken from its own
/// declaration, so the served name and the documented one cannot differ) and its resource.
fn entry<C: Composite>(
    composite: C,
    provider: &Arc<ProviderState>,
) -> (String, Box<dyn DynamicResource>) {
    let name = composite
        .declaration()
        .type_name
        .trim_start_matches("blueprint_")
        .to_string();
    (
        name,
        Box::new(CompositeResource::new(composite, provider.clone())),
    )
}

/// Every resource, keyed by its name without the `blueprint_` prefix.
pub fn all(provider: &Arc<ProviderState>) -> HashMap<String, Box<dyn DynamicResource>> {
    [
        entry(state_backend::StateBackend, provider),
        entry(database::Database, provider),
        entry(data_pipeline::DataPipeline, provider),
        entry(load_balancer::LoadBalancer, provider),
        entry(network::Network, provider),
        entry(ml_host::MlHost, provider),
        entry(secure_service::SecureService, provider),
        entry(cluster::Cluster, provider),
        entry(data_stores::DataStores, provider),
        entry(host_group::HostGroup, provider),
    ]
    .into_iter()
    .collect()
}

/// Every composite's declaration (docs, the linter's view, the end-to-end check).
pub fn registry() -> Vec<&'static Declaration> {
    blueprint_declarations::composites::registry()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// The doc pages are generated from the declarations: a page that differs from what its
    /// declaration says fails here. `BLUEPRINT_UPDATE_DOCS=1 cargo test -p
    /// terraform-provider-blueprint --lib docs_match` rewrites them.
    #[test]
    fn docs_match_the_declarations() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/resources");
        let update = std::env::var_os("BLUEPRINT_UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for d in super::registry() {
            let file = dir.join(format!(
                "{}.md",
                d.type_name.trim_start_matches("blueprint_")
            ));
            let want = crate::declare::docs::page(d);
            let have = std::fs::read_to_string(&file).unwrap_or_default();
            if have != want {
                if update {
                    std::fs::write(&file, &want).unwrap();
                } else {
                    stale.push(file.display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale doc pages {stale:?}: run BLUEPRINT_UPDATE_DOCS=1 cargo test -p terraform-provider-blueprint --lib docs_match"
        );
    }

    /// The resources the plugin serves are exactly the declared composites: one registry
    /// cannot gain or lose a composite without the other.
    #[test]
    fn served_resources_are_the_declared_composites() {
        let provider = std::sync::Arc::new(crate::provider::ProviderState::default());
        let mut served: Vec<String> = super::all(&provider)
            .into_keys()
            .map(|k| format!("blueprint_{k}"))
            .collect();
        served.sort();
        let mut declared: Vec<String> = super::registry()
            .iter()
            .map(|d| d.type_name.to_string())
            .collect();
        declared.sort();
        assert_eq!(served, declared);
    }

    #[test]
    fn every_child_id_attribute_is_a_computed_attribute() {
        for d in super::registry() {
            for c in &d.children {
                let a = d.attr(c.id_attr);
                assert!(
                    a.is_some_and(|a| a.presence == crate::declare::Presence::Computed),
                    "{}: child {} keeps its id in {}, which is not a computed attribute",
                    d.type_name,
                    c.name,
                    c.id_attr
                );
                for dep in c.depends_on {
                    assert!(
                        d.children.iter().any(|o| o.name == *dep),
                        "{}: child {} depends on unknown child {dep}",
                        d.type_name,
                        c.name
                    );
                }
            }
        }
    }
}

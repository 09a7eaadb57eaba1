//! Composite resources, one folder each.

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::DynamicResource;

use crate::composite::CompositeResource;
use crate::provider::ProviderState;

pub mod ml_host;
pub mod secure_service;
pub mod state_backend;

/// Every resource, keyed by its name without the `blueprint_` prefix.
pub fn all(provider: &Arc<ProviderState>) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut map: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    map.insert(
        "state_backend".into(),
        Box::new(CompositeResource::new(
            state_backend::StateBackend,
            provider.clone(),
        )),
    );
    map.insert(
        "ml_host".into(),
        Box::new(CompositeResource::new(ml_host::MlHost, provider.clone())),
    );
    map.insert(
        "secure_service".into(),
        Box::new(CompositeResource::new(
            secure_service::SecureService,
            provider.clone(),
        )),
    );
    map
}

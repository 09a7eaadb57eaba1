//! The provider: its schema, its configuration, and the registry of resources and data sources.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::tf::schema::Schema;
use crate::tf::ValueEmpty;
use crate::tf::{
    Diagnostics, DynamicDataSource, DynamicEphemeralResource, DynamicResource, Provider,
};
use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::clients::AwsClients;
use crate::config::{provider_schema, ConfigIssue, ProviderConfigValue};
use crate::data_sources::caller_identity::CallerIdentityDataSource;

/// The version of the Terraform CLI that configured this provider process (ConfigureProvider
/// carries it). One process serves one Terraform run, so a process-wide value is exact.
static RUNNING_TERRAFORM: RwLock<Option<String>> = RwLock::new(None);

/// The running Terraform's version (`1.11.4`), once the provider is configured.
pub fn running_terraform_version() -> Option<String> {
    let guard = match RUNNING_TERRAFORM.read() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard.clone()
}

fn set_running_terraform_version(version: &str) {
    let mut guard = match RUNNING_TERRAFORM.write() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    *guard = (!version.is_empty()).then(|| version.to_string());
}

/// What the provider shares with its resources: the configured clients and the stop signal.
#[derive(Debug, Default)]
pub struct ProviderState {
    clients: RwLock<Option<Arc<AwsClients>>>,
    stop: CancellationToken,
}

impl ProviderState {
    /// The configured clients, or an error diagnostic if the provider was not configured.
    pub fn clients(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        let guard = match self.clients.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        match guard.as_ref() {
            Some(c) => Some(c.clone()),
            None => {
                diags.root_error(
                    "Provider not configured",
                    "The blueprint provider was used before ConfigureProvider succeeded.",
                );
                None
            }
        }
    }

    fn set_clients(&self, clients: AwsClients) {
        let mut guard = match self.clients.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(Arc::new(clients));
    }

    /// Cancelled when the process is asked to stop (SIGINT/SIGTERM): long waits end early.
    pub fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }
}

/// The `blueprint` provider.
pub struct BlueprintProvider {
    state: Arc<ProviderState>,
}

impl Default for BlueprintProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl BlueprintProvider {
    /// A provider with nothing configured yet.
    pub fn new() -> Self {
        Self {
            state: Arc::new(ProviderState::default()),
        }
    }

    /// The state shared with resources.
    pub fn state(&self) -> Arc<ProviderState> {
        self.state.clone()
    }
}

fn report(diags: &mut Diagnostics, issues: Vec<ConfigIssue>) {
    for i in issues {
        diags.error(i.summary, i.detail, i.path);
    }
}

#[async_trait]
impl Provider for BlueprintProvider {
    type Config<'a> = ProviderConfigValue;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        report(diags, config.validate());
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        tracing::debug!(terraform_version, ?config, "configuring the provider");
        set_running_terraform_version(&terraform_version);
        let settings = match config.into_settings() {
            Ok(s) => s,
            Err(issues) => {
                report(diags, issues);
                return Some(());
            }
        };
        if let Some(creds) = &settings.credentials {
            crate::logging::redact_secret(&creds.access_key);
            crate::logging::redact_secret(&creds.secret_key);
            if let Some(token) = &creds.token {
                crate::logging::redact_secret(token);
            }
        }
        match AwsClients::connect(&settings).await {
            Ok(clients) => self.state.set_clients(clients),
            Err(err) => {
                diags.root_error("Cannot configure the blueprint provider", err.to_string())
            }
        }
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(crate::resources::all(&self.state))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let mut map: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
        map.insert(
            "caller_identity".into(),
            Box::new(CallerIdentityDataSource::new(self.state.clone())),
        );
        Some(map)
    }

    fn get_ephemeral_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>> {
        let mut map: HashMap<String, Box<dyn DynamicEphemeralResource>> = HashMap::new();
        map.insert(
            "database_credentials".into(),
            Box::new(
                crate::ephemeral_resources::database_credentials::DatabaseCredentials::new(
                    self.state.clone(),
                ),
            ),
        );
        Some(map)
    }
}

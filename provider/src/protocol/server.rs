//! The gRPC services: tfplugin6 `Provider`, go-plugin's `GRPCController` and `GRPCStdio`, and
//! `grpc.health.v1.Health`.
//!
//! Every RPC decodes what it needs, dispatches to the typed provider, resource or data source, and
//! answers with diagnostics: a malformed request (a value that does not match the schema, an
//! unknown type name) gets an error diagnostic, never a gRPC failure, and a panic in a handler is
//! caught and reported the same way so that Terraform never sees "Plugin did not respond".

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::{FutureExt, Stream};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::codec::RawValue;
use super::diagnostics::Diagnostics;
use super::proto::health::{self, health_check_response::ServingStatus};
use super::proto::plugin;
use super::proto::tfplugin6 as pb;
use super::schema::Schema;
use super::traits::{
    DynamicDataSource, DynamicEphemeralResource, DynamicProvider, DynamicResource,
};
use super::value::Value;
use super::write_only;

/// What this server knows about its client, learnt from the requests (logged once at debug).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Negotiated {
    /// The Terraform version ConfigureProvider carried.
    pub terraform_version: Option<String>,
    /// Whether the client sent client capabilities (protocol 6.7+ clients do).
    pub client_capabilities: Option<pb::ClientCapabilities>,
    /// Whether the client asked GetMetadata (6.3+ clients do).
    pub asked_metadata: bool,
}

/// The provider behind the gRPC services.
pub struct ProviderService {
    provider: Box<dyn DynamicProvider>,
    schema: Option<Schema>,
    meta_schema: Option<Schema>,
    resources: HashMap<String, (Box<dyn DynamicResource>, Schema)>,
    /// Each resource's write-only attributes.
    write_only: HashMap<String, Vec<String>>,
    data_sources: HashMap<String, (Box<dyn DynamicDataSource>, Schema)>,
    ephemeral_resources: HashMap<String, (Box<dyn DynamicEphemeralResource>, Schema)>,
    init_diags: Diagnostics,
    stop: CancellationToken,
    negotiated: Mutex<Negotiated>,
}

impl ProviderService {
    /// Build the service: every schema is computed once, here. Resources and data sources are
    /// named `{name}_{key}`.
    pub(crate) fn new(
        name: &str,
        provider: Box<dyn DynamicProvider>,
        stop: CancellationToken,
    ) -> Self {
        let mut diags = Diagnostics::default();
        let schema = provider.schema(&mut diags);
        let meta_schema = provider.meta_schema(&mut diags);
        let mut resources = HashMap::new();
        for (key, r) in provider.get_resources(&mut diags).unwrap_or_default() {
            if let Some(s) = r.schema(&mut diags) {
                resources.insert(format!("{name}_{key}"), (r, s));
            }
        }
        let mut data_sources = HashMap::new();
        for (key, d) in provider.get_data_sources(&mut diags).unwrap_or_default() {
            if let Some(s) = d.schema(&mut diags) {
                data_sources.insert(format!("{name}_{key}"), (d, s));
            }
        }
        let mut ephemeral_resources = HashMap::new();
        for (key, e) in provider
            .get_ephemeral_resources(&mut diags)
            .unwrap_or_default()
        {
            if let Some(s) = e.schema(&mut diags) {
                ephemeral_resources.insert(format!("{name}_{key}"), (e, s));
            }
        }
        let write_only = resources
            .iter()
            .map(|(n, (_, s))| (n.clone(), write_only::attributes(s)))
            .collect();
        Self {
            provider,
            schema,
            meta_schema,
            resources,
            write_only,
            data_sources,
            ephemeral_resources,
            init_diags: diags,
            stop,
            negotiated: Mutex::new(Negotiated::default()),
        }
    }

    /// What has been learnt about the client so far.
    pub fn negotiated(&self) -> Negotiated {
        match self.negotiated.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn note(&self, f: impl FnOnce(&mut Negotiated)) {
        let mut g = match self.negotiated.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut g);
    }

    fn resource<'a>(
        &'a self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&'a (Box<dyn DynamicResource>, Schema)> {
        let found = self.resources.get(type_name);
        if found.is_none() {
            diags.root_error(
                "Unknown resource type",
                format!("This provider has no resource type {type_name:?}."),
            );
        }
        found
    }

    fn data_source<'a>(
        &'a self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&'a dyn DynamicDataSource> {
        let found = self.data_sources.get(type_name).map(|(d, _)| d.as_ref());
        if found.is_none() {
            diags.root_error(
                "Unknown data source",
                format!("This provider has no data source {type_name:?}."),
            );
        }
        found
    }

    fn ephemeral_resource<'a>(
        &'a self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&'a dyn DynamicEphemeralResource> {
        let found = self
            .ephemeral_resources
            .get(type_name)
            .map(|(e, _)| e.as_ref());
        if found.is_none() {
            diags.root_error(
                "Unknown ephemeral resource type",
                format!("This provider has no ephemeral resource type {type_name:?}."),
            );
        }
        found
    }

    /// The identity of `state` of resource `type_name` (protocol 6.9), when it has one: its
    /// import id, unknown while the state does not know it yet (a create being planned).
    fn identity_of(&self, type_name: &str, state: &RawValue) -> Option<pb::ResourceIdentityData> {
        let (r, _) = self.resources.get(type_name)?;
        r.identity_description()?;
        if state.is_null() {
            return None;
        }
        let id = match r.identity_of(state)? {
            Some(id) => Value::Value(id),
            None => Value::Unknown,
        };
        let mut scratch = Diagnostics::default();
        let data = RawValue::encode(&Identity { id }, "resource identity", &mut scratch)?;
        Some(pb::ResourceIdentityData {
            identity_data: Some(data.into()),
        })
    }

    fn write_only_of(&self, type_name: &str) -> &[String] {
        self.write_only.get(type_name).map_or(&[], Vec::as_slice)
    }

    fn capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            move_resource_state: false,
        }
    }
}

/// The identity every resource with one has (protocol 6.9): its import id.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Identity {
    id: Value<String>,
}

/// The identity schema version.
const IDENTITY_VERSION: i64 = 0;

/// The identity `{ id }` of an identity-import request (`None`, with an error, when it is
/// malformed).
fn import_id_of(
    identity: Option<pb::ResourceIdentityData>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let data = RawValue::from_pb(identity.and_then(|i| i.identity_data));
    if data.is_null() {
        diags.root_error(
            "Nothing to import",
            "ImportResourceState needs an id or an identity; the request had neither.",
        );
        return None;
    }
    let identity: Identity = data.decode("resource identity", diags)?;
    match identity.id {
        Value::Value(id) if !id.trim().is_empty() => Some(id),
        _ => {
            diags.error(
                "Invalid identity",
                "The identity's `id` (the import id) must be a known, non-empty string.",
                super::attribute_path::AttributePath::new("id"),
            );
            None
        }
    }
}

/// Run `handler`; a panic in it becomes an error diagnostic in the RPC's answer.
async fn guarded<R: Default + HasDiagnostics>(
    rpc: &'static str,
    handler: impl Future<Output = R>,
) -> Result<Response<R>, Status> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(r) => Ok(Response::new(r)),
        Err(_) => {
            tracing::error!(rpc, "the provider panicked while answering");
            let mut diags = Diagnostics::default();
            diags.root_error(
                "Internal error in the blueprint provider",
                format!("{rpc} failed unexpectedly. This is a bug in the provider; the Terraform log (TF_LOG=debug) has details."),
            );
            let mut r = R::default();
            r.set_diagnostics(diags.into());
            Ok(Response::new(r))
        }
    }
}

/// An RPC answer that carries diagnostics.
pub trait HasDiagnostics {
    /// Replace the diagnostics.
    fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>);
}

macro_rules! has_diagnostics {
    ($($t:ty),* $(,)?) => {$(
        impl HasDiagnostics for $t {
            fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>) {
                self.diagnostics = d;
            }
        }
    )*};
}

has_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::get_resource_identity_schemas::Response,
    pb::upgrade_resource_identity::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::move_resource_state::Response,
    pb::read_data_source::Response,
    pb::validate_ephemeral_resource_config::Response,
    pb::open_ephemeral_resource::Response,
    pb::renew_ephemeral_resource::Response,
    pb::close_ephemeral_resource::Response,
    pb::get_functions::Response,
);

impl HasDiagnostics for pb::call_function::Response {
    fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>) {
        let text = d
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n");
        self.error = Some(pb::FunctionError {
            text,
            function_argument: None,
        });
    }
}

impl HasDiagnostics for pb::stop_provider::Response {
    fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>) {
        self.error = d
            .into_iter()
            .map(|d| d.summary)
            .collect::<Vec<_>>()
            .join("; ");
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        self.note(|n| n.asked_metadata = true);
        guarded("GetMetadata", async {
            let mut resources: Vec<_> = self.resources.keys().cloned().collect();
            resources.sort();
            let mut data_sources: Vec<_> = self.data_sources.keys().cloned().collect();
            data_sources.sort();
            pb::get_metadata::Response {
                server_capabilities: Some(Self::capabilities()),
                diagnostics: self.init_diags.clone().into(),
                data_sources: data_sources
                    .into_iter()
                    .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                    .collect(),
                resources: resources
                    .into_iter()
                    .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                    .collect(),
                functions: Vec::new(),
                ephemeral_resources: {
                    let mut names: Vec<_> = self.ephemeral_resources.keys().cloned().collect();
                    names.sort();
                    names
                        .into_iter()
                        .map(|type_name| pb::get_metadata::EphemeralMetadata { type_name })
                        .collect()
                },
            }
        })
        .await
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        guarded("GetProviderSchema", async {
            pb::get_provider_schema::Response {
                provider: self.schema.as_ref().map(Into::into),
                resource_schemas: self
                    .resources
                    .iter()
                    .map(|(n, (_, s))| (n.clone(), s.into()))
                    .collect(),
                data_source_schemas: self
                    .data_sources
                    .iter()
                    .map(|(n, (_, s))| (n.clone(), s.into()))
                    .collect(),
                diagnostics: self.init_diags.clone().into(),
                provider_meta: self.meta_schema.as_ref().map(Into::into),
                server_capabilities: Some(Self::capabilities()),
                functions: HashMap::new(),
                ephemeral_resource_schemas: self
                    .ephemeral_resources
                    .iter()
                    .map(|(n, (_, s))| (n.clone(), s.into()))
                    .collect(),
            }
        })
        .await
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        guarded("ValidateProviderConfig", async {
            let mut diags = Diagnostics::default();
            let _ = self
                .provider
                .validate(&mut diags, RawValue::from_pb(request.config))
                .await;
            pb::validate_provider_config::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        guarded("ValidateResourceConfig", async {
            let mut diags = Diagnostics::default();
            if let Some((r, _)) = self.resource(&request.type_name, &mut diags) {
                let config = RawValue::from_pb(request.config);
                let supported = request
                    .client_capabilities
                    .is_some_and(|c| c.write_only_attributes_allowed);
                write_only::refuse_unless_supported(
                    &config,
                    self.write_only_of(&request.type_name),
                    supported,
                    &mut diags,
                );
                let _ = r.validate(&mut diags, config).await;
            }
            pb::validate_resource_config::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        guarded("ValidateDataResourceConfig", async {
            let mut diags = Diagnostics::default();
            if let Some(d) = self.data_source(&request.type_name, &mut diags) {
                let _ = d
                    .validate(&mut diags, RawValue::from_pb(request.config))
                    .await;
            }
            pb::validate_data_resource_config::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        guarded("UpgradeResourceState", async {
            let mut diags = Diagnostics::default();
            let mut upgraded = None;
            if let Some((r, schema)) = self.resource(&request.type_name, &mut diags) {
                match request.raw_state {
                    Some(raw) if !raw.json.is_empty() => {
                        upgraded = r
                            .upgrade(
                                &mut diags,
                                request.version,
                                schema.version,
                                RawValue::Json(raw.json),
                            )
                            .await;
                    }
                    Some(raw) if !raw.flatmap.is_empty() => diags.root_error(
                        "Cannot upgrade a legacy state",
                        "This state is in the pre-0.12 flatmap format, which this provider never wrote.",
                    ),
                    _ => upgraded = Some(RawValue::null()),
                }
            }
            let wo = self.write_only_of(&request.type_name);
            pb::upgrade_resource_state::Response {
                upgraded_state: upgraded.map(|u| write_only::nulled(u, wo).into()),
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        guarded("GetResourceIdentitySchemas", async {
            let identity_schemas = self
                .resources
                .iter()
                .filter_map(|(name, (r, _))| {
                    let description = r.identity_description()?;
                    Some((
                        name.clone(),
                        pb::ResourceIdentitySchema {
                            version: IDENTITY_VERSION,
                            identity_attributes: vec![
                                pb::resource_identity_schema::IdentityAttribute {
                                    name: "id".into(),
                                    r#type: b"\"string\"".to_vec(),
                                    required_for_import: true,
                                    optional_for_import: false,
                                    description,
                                },
                            ],
                        },
                    ))
                })
                .collect();
            pb::get_resource_identity_schemas::Response {
                identity_schemas,
                diagnostics: Vec::new(),
            }
        })
        .await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let request = request.into_inner();
        guarded("UpgradeResourceIdentity", async {
            let mut diags = Diagnostics::default();
            let mut upgraded_identity = None;
            let has_identity = self
                .resource(&request.type_name, &mut diags)
                .is_some_and(|(r, _)| r.identity_description().is_some());
            if !has_identity && diags.errors.is_empty() {
                diags.root_error(
                    "Resource identity is not supported",
                    format!(
                        "{:?} declares no resource identity, so there is none to upgrade.",
                        request.type_name
                    ),
                );
            } else if has_identity && request.version != IDENTITY_VERSION {
                diags.root_error(
                    "Cannot upgrade the resource identity",
                    format!(
                        "Identity schema version {} is not one this provider wrote (it writes {IDENTITY_VERSION}).",
                        request.version
                    ),
                );
            } else if has_identity {
                let identity: Option<Identity> =
                    RawValue::Json(request.raw_identity).decode("resource identity", &mut diags);
                upgraded_identity = identity
                    .and_then(|i| RawValue::encode(&i, "resource identity", &mut diags))
                    .map(|data| pb::ResourceIdentityData {
                        identity_data: Some(data.into()),
                    });
            }
            pb::upgrade_resource_identity::Response {
                upgraded_identity,
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        self.note(|n| {
            n.terraform_version = Some(request.terraform_version.clone());
            n.client_capabilities = request.client_capabilities;
        });
        tracing::debug!(
            terraform_version = %request.terraform_version,
            client_capabilities = ?request.client_capabilities,
            protocol_6_7_or_newer = request.client_capabilities.is_some(),
            "plugin protocol 6 negotiated; client announced"
        );
        guarded("ConfigureProvider", async {
            let mut diags = Diagnostics::default();
            let _ = self
                .provider
                .configure(
                    &mut diags,
                    request.terraform_version,
                    RawValue::from_pb(request.config),
                )
                .await;
            pb::configure_provider::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        guarded("ReadResource", async {
            let mut diags = Diagnostics::default();
            let current = RawValue::from_pb(request.current_state);
            let mut response = pb::read_resource::Response::default();
            if let Some((r, _)) = self.resource(&request.type_name, &mut diags) {
                if current.is_null() {
                    response.new_state = Some(RawValue::null().into());
                } else {
                    let meta = RawValue::from_pb(request.provider_meta);
                    match r
                        .read(&mut diags, current.clone(), request.private.clone(), meta)
                        .await
                    {
                        Some(Some((state, private))) => {
                            let wo = self.write_only_of(&request.type_name);
                            response.new_identity = self.identity_of(&request.type_name, &state);
                            response.new_state = Some(write_only::nulled(state, wo).into());
                            response.private = private;
                        }
                        Some(None) => response.new_state = Some(RawValue::null().into()),
                        // Not decoded: keep what Terraform has (the error says why).
                        None => {
                            response.new_state = Some(current.into());
                            response.private = request.private;
                        }
                    }
                }
            }
            response.diagnostics = diags.into();
            response
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        guarded("PlanResourceChange", async {
            let mut diags = Diagnostics::default();
            let mut response = pb::plan_resource_change::Response::default();
            if let Some((r, _)) = self.resource(&request.type_name, &mut diags) {
                let wo = self.write_only_of(&request.type_name);
                let prior = RawValue::from_pb(request.prior_state);
                let config = RawValue::from_pb(request.config);
                let proposed = write_only::from_config(
                    RawValue::from_pb(request.proposed_new_state),
                    &config,
                    wo,
                );
                let meta = RawValue::from_pb(request.provider_meta);
                match (prior.is_null(), proposed.is_null()) {
                    (true, false) => {
                        if let Some((planned, private)) =
                            r.plan_create(&mut diags, proposed, config, meta).await
                        {
                            response.planned_identity =
                                self.identity_of(&request.type_name, &planned);
                            response.planned_state = Some(write_only::nulled(planned, wo).into());
                            response.planned_private = private;
                        }
                    }
                    (false, false) => {
                        if let Some((planned, private, replace)) = r
                            .plan_update(
                                &mut diags,
                                prior,
                                proposed,
                                config,
                                request.prior_private,
                                meta,
                            )
                            .await
                        {
                            response.planned_identity =
                                self.identity_of(&request.type_name, &planned);
                            response.planned_state = Some(write_only::nulled(planned, wo).into());
                            response.planned_private = private;
                            response.requires_replace = replace.iter().map(Into::into).collect();
                        }
                    }
                    (false, true) => {
                        if let Some(private) = r
                            .plan_destroy(&mut diags, prior, request.prior_private, meta)
                            .await
                        {
                            response.planned_private = private;
                        }
                        response.planned_state = Some(RawValue::null().into());
                    }
                    (true, true) => response.planned_state = Some(RawValue::null().into()),
                }
            }
            if response.planned_state.is_none() && diags.errors.is_empty() {
                diags.root_error_short("The provider planned nothing for this resource");
            }
            response.diagnostics = diags.into();
            response
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        guarded("ApplyResourceChange", async {
            let mut diags = Diagnostics::default();
            let mut response = pb::apply_resource_change::Response::default();
            if let Some((r, _)) = self.resource(&request.type_name, &mut diags) {
                let wo = self.write_only_of(&request.type_name);
                let prior = RawValue::from_pb(request.prior_state);
                let config = RawValue::from_pb(request.config);
                let planned =
                    write_only::from_config(RawValue::from_pb(request.planned_state), &config, wo);
                let meta = RawValue::from_pb(request.provider_meta);
                match (prior.is_null(), planned.is_null()) {
                    (true, false) => {
                        match r
                            .create(&mut diags, planned, config, request.planned_private, meta)
                            .await
                        {
                            Some((state, private)) => {
                                response.new_identity =
                                    self.identity_of(&request.type_name, &state);
                                response.new_state = Some(write_only::nulled(state, wo).into());
                                response.private = private;
                            }
                            // Nothing was created.
                            None => response.new_state = Some(RawValue::null().into()),
                        }
                    }
                    (false, false) => {
                        match r
                            .update(
                                &mut diags,
                                prior.clone(),
                                planned,
                                config,
                                request.planned_private,
                                meta,
                            )
                            .await
                        {
                            Some((state, private)) => {
                                response.new_identity =
                                    self.identity_of(&request.type_name, &state);
                                response.new_state = Some(write_only::nulled(state, wo).into());
                                response.private = private;
                            }
                            None => response.new_state = Some(prior.into()),
                        }
                    }
                    (false, true) => {
                        let done = r
                            .destroy(&mut diags, prior.clone(), request.planned_private, meta)
                            .await;
                        // On an error Terraform keeps the prior state.
                        response.new_state = Some(if done.is_some() && diags.errors.is_empty() {
                            RawValue::null().into()
                        } else {
                            prior.into()
                        });
                    }
                    (true, true) => response.new_state = Some(RawValue::null().into()),
                }
            }
            response.diagnostics = diags.into();
            response
        })
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        guarded("ImportResourceState", async {
            let mut diags = Diagnostics::default();
            let mut imported = Vec::new();
            if let Some((r, _)) = self.resource(&request.type_name, &mut diags) {
                let id = if !request.id.is_empty() {
                    Some(request.id)
                } else if r.identity_description().is_none() {
                    diags.root_error(
                        "Import by identity is not supported",
                        "Import this resource by its id (`terraform import ADDR ID` or an `import` block with `id`).",
                    );
                    None
                } else {
                    import_id_of(request.identity, &mut diags)
                };
                if let Some(id) = id {
                    if let Some((state, private)) = r.import(&mut diags, id).await {
                        imported.push(pb::import_resource_state::ImportedResource {
                            type_name: request.type_name.clone(),
                            identity: self.identity_of(&request.type_name, &state),
                            state: Some(
                                write_only::nulled(state, self.write_only_of(&request.type_name))
                                    .into(),
                            ),
                            private,
                        });
                    }
                }
            }
            pb::import_resource_state::Response {
                imported_resources: imported,
                diagnostics: diags.into(),
                deferred: None,
            }
        })
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        guarded("MoveResourceState", async {
            let mut diags = Diagnostics::default();
            diags.root_error(
                "Moving between resource types is not supported",
                format!(
                    "The blueprint provider cannot move {:?} to {:?}: each composite manages different AWS resources. Remove the `moved` block, import the existing resources into the new type, and remove the old one from state (`terraform state rm`).",
                    request.source_type_name, request.target_type_name
                ),
            );
            pb::move_resource_state::Response {
                diagnostics: diags.into(),
                ..Default::default()
            }
        })
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        guarded("ReadDataSource", async {
            let mut diags = Diagnostics::default();
            let mut state = None;
            if let Some(d) = self.data_source(&request.type_name, &mut diags) {
                state = d
                    .read(
                        &mut diags,
                        RawValue::from_pb(request.config),
                        RawValue::from_pb(request.provider_meta),
                    )
                    .await;
            }
            if state.is_none() && diags.errors.is_empty() {
                diags.root_error_short("The data source returned nothing");
            }
            pb::read_data_source::Response {
                state: state.map(Into::into),
                diagnostics: diags.into(),
                deferred: None,
            }
        })
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let request = request.into_inner();
        guarded("ValidateEphemeralResourceConfig", async {
            let mut diags = Diagnostics::default();
            if let Some(e) = self.ephemeral_resource(&request.type_name, &mut diags) {
                let _ = e
                    .validate(&mut diags, RawValue::from_pb(request.config))
                    .await;
            }
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        guarded("OpenEphemeralResource", async {
            let mut diags = Diagnostics::default();
            let mut result = None;
            if let Some(e) = self.ephemeral_resource(&request.type_name, &mut diags) {
                result = e.open(&mut diags, RawValue::from_pb(request.config)).await;
            }
            if result.is_none() && diags.errors.is_empty() {
                diags.root_error_short("The ephemeral resource returned nothing");
            }
            pb::open_ephemeral_resource::Response {
                result: result.map(Into::into),
                diagnostics: diags.into(),
                // Nothing to renew: these results hold no lease.
                renew_at: None,
                private: None,
                deferred: None,
            }
        })
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        guarded("RenewEphemeralResource", async {
            // Open never asks for a renewal; an unknown type is still an error.
            let mut diags = Diagnostics::default();
            let _ = self.ephemeral_resource(&request.type_name, &mut diags);
            pb::renew_ephemeral_resource::Response {
                diagnostics: diags.into(),
                renew_at: None,
                private: request.private,
            }
        })
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        guarded("CloseEphemeralResource", async {
            // Nothing is held open between Open and Close.
            let mut diags = Diagnostics::default();
            let _ = self.ephemeral_resource(&request.type_name, &mut diags);
            pb::close_ephemeral_resource::Response {
                diagnostics: diags.into(),
            }
        })
        .await
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        guarded("GetFunctions", async {
            pb::get_functions::Response::default()
        })
        .await
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let request = request.into_inner();
        guarded("CallFunction", async {
            pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: format!("The blueprint provider has no function {:?}.", request.name),
                    function_argument: None,
                }),
            }
        })
        .await
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        // Stop what is in flight (waits and retries end, each resource returns the state it
        // has) but keep serving: Terraform still needs the answers, then calls Shutdown.
        tracing::warn!("StopProvider: cancelling AWS waits and retries");
        self.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

/// go-plugin's controller: Shutdown ends the server (and so the process).
pub struct Controller {
    /// Cancelled on Shutdown.
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        tracing::debug!("GRPCController.Shutdown: the plugin exits");
        self.shutdown.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that yields `first` (if any), then nothing until `until` is cancelled, then ends.
fn until_cancelled<T: Send + 'static>(first: Option<T>, until: CancellationToken) -> BoxStream<T> {
    use futures::StreamExt;
    let head = futures::stream::iter(first.map(Ok));
    let tail = futures::stream::once(async move { until.cancelled_owned().await })
        .filter_map(|_| async { None });
    Box::pin(head.chain(tail))
}

/// go-plugin's stdio relay. The plugin's logs go to stderr, which Terraform reads directly, so
/// this stream carries nothing; it ends when the server shuts down.
pub struct Stdio {
    /// Cancelled on Shutdown.
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<plugin::StdioData>;
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(until_cancelled(None, self.shutdown.clone())))
    }
}

/// The gRPC health service: "plugin" (go-plugin's name) and "" are serving.
pub struct Health {
    /// Cancelled on Shutdown.
    pub shutdown: CancellationToken,
}

fn status_of(service: &str) -> ServingStatus {
    if service.is_empty() || service == "plugin" {
        ServingStatus::Serving
    } else {
        ServingStatus::ServiceUnknown
    }
}

#[tonic::async_trait]
impl health::health_server::Health for Health {
    async fn check(
        &self,
        request: Request<health::HealthCheckRequest>,
    ) -> Result<Response<health::HealthCheckResponse>, Status> {
        Ok(Response::new(health::HealthCheckResponse {
            status: status_of(&request.into_inner().service) as i32,
        }))
    }

    type WatchStream = BoxStream<health::HealthCheckResponse>;
    async fn watch(
        &self,
        request: Request<health::HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let status = status_of(&request.into_inner().service) as i32;
        Ok(Response::new(until_cancelled(
            Some(health::HealthCheckResponse { status }),
            self.shutdown.clone(),
        )))
    }
}

/// Shared handle to the provider service (tonic needs `'static` services).
pub type Shared = Arc<ProviderService>;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use pb::provider_server::Provider as _;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::protocol::attribute_path::AttributePath;
    use crate::protocol::schema::{
        Attribute, AttributeConstraint, AttributeType, Block, Description,
    };
    use crate::protocol::traits::{Provider, Resource};
    use crate::protocol::value::{Value, ValueEmpty};

    const PASSWORD: &str = "correct-horse-battery";

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(default)]
    struct State {
        name: Value<String>,
        password_wo: Value<String>,
        /// What the resource derived from the password: proof that it saw it.
        password_length: Value<i64>,
    }

    struct Db;

    fn attr(ty: AttributeType, constraint: AttributeConstraint, write_only: bool) -> Attribute {
        Attribute {
            attr_type: ty,
            description: Description::plain(""),
            constraint,
            sensitive: write_only,
            deprecated: false,
            write_only,
        }
    }

    #[async_trait]
    impl Resource for Db {
        type State<'a> = State;
        type PrivateState<'a> = ValueEmpty;
        type ProviderMetaState<'a> = ValueEmpty;

        fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
            Some(Schema {
                version: 1,
                block: Block {
                    version: 1,
                    attributes: HashMap::from([
                        (
                            "name".to_string(),
                            attr(AttributeType::String, AttributeConstraint::Required, false),
                        ),
                        (
                            "password_wo".to_string(),
                            attr(AttributeType::String, AttributeConstraint::Optional, true),
                        ),
                        (
                            "password_length".to_string(),
                            attr(AttributeType::Number, AttributeConstraint::Computed, false),
                        ),
                    ]),
                    blocks: HashMap::new(),
                    description: Description::plain(""),
                    deprecated: false,
                },
            })
        }
        async fn read<'a>(
            &self,
            _d: &mut Diagnostics,
            s: State,
            p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<(State, ValueEmpty)> {
            Some((s, p))
        }
        async fn plan_create<'a>(
            &self,
            _d: &mut Diagnostics,
            mut proposed: State,
            _c: State,
            _m: ValueEmpty,
        ) -> Option<(State, ValueEmpty)> {
            proposed.password_length = proposed.password_wo.as_ref().map(|p| p.len() as i64);
            Some((proposed, ValueEmpty::default()))
        }
        async fn plan_update<'a>(
            &self,
            _d: &mut Diagnostics,
            _prior: State,
            proposed: State,
            _c: State,
            p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<(State, ValueEmpty, Vec<AttributePath>)> {
            Some((proposed, p, vec![]))
        }
        async fn plan_destroy<'a>(
            &self,
            _d: &mut Diagnostics,
            _prior: State,
            p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<ValueEmpty> {
            Some(p)
        }
        async fn create<'a>(
            &self,
            _d: &mut Diagnostics,
            planned: State,
            _c: State,
            p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<(State, ValueEmpty)> {
            // A careless resource returns what it was given, password included.
            Some((planned, p))
        }
        async fn update<'a>(
            &self,
            _d: &mut Diagnostics,
            _prior: State,
            planned: State,
            _c: State,
            p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<(State, ValueEmpty)> {
            Some((planned, p))
        }
        async fn destroy<'a>(
            &self,
            _d: &mut Diagnostics,
            _prior: State,
            _p: ValueEmpty,
            _m: ValueEmpty,
        ) -> Option<()> {
            Some(())
        }
    }

    struct TestProvider;

    #[async_trait]
    impl Provider for TestProvider {
        type Config<'a> = ValueEmpty;
        type MetaState<'a> = ValueEmpty;
        fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
            Resource::schema(&Db, &mut Diagnostics::default()).map(|mut s| {
                s.block.attributes.clear();
                s
            })
        }
        fn get_resources(
            &self,
            _diags: &mut Diagnostics,
        ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
            Some(HashMap::from([(
                "db".to_string(),
                Box::new(Db) as Box<dyn DynamicResource>,
            )]))
        }
    }

    fn service() -> ProviderService {
        ProviderService::new("test", Box::new(TestProvider), CancellationToken::new())
    }

    fn value(v: serde_json::Value) -> Option<pb::DynamicValue> {
        Some(pb::DynamicValue {
            msgpack: rmp_serde::to_vec_named(&v).unwrap(),
            json: Vec::new(),
        })
    }

    fn decoded(v: &Option<pb::DynamicValue>) -> serde_json::Value {
        rmp_serde::from_slice(&v.as_ref().unwrap().msgpack).unwrap()
    }

    fn contains(bytes: &[u8], needle: &str) -> bool {
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[tokio::test]
    async fn write_only_values_reach_the_resource_and_never_the_plan_or_state() {
        let s = service();
        let schema = s
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .unwrap()
            .into_inner();
        let block = schema.resource_schemas["test_db"].block.clone().unwrap();
        let wo = block
            .attributes
            .iter()
            .find(|a| a.name == "password_wo")
            .unwrap();
        assert!(wo.write_only && wo.sensitive);

        let config = value(
            serde_json::json!({"name": "db", "password_wo": PASSWORD, "password_length": null}),
        );
        // Terraform's proposed state carries the config value; the plan must not.
        let plan = s
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "test_db".into(),
                prior_state: None,
                proposed_new_state: config.clone(),
                config: config.clone(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
        let planned = decoded(&plan.planned_state);
        assert_eq!(planned["password_wo"], serde_json::Value::Null);
        assert_eq!(planned["password_length"], PASSWORD.len());
        assert!(!contains(
            &plan.planned_state.as_ref().unwrap().msgpack,
            PASSWORD
        ));

        let apply = s
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "test_db".into(),
                prior_state: None,
                planned_state: plan.planned_state.clone(),
                config: config.clone(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(apply.diagnostics.is_empty(), "{:?}", apply.diagnostics);
        let state = apply.new_state.as_ref().unwrap();
        assert!(!contains(&state.msgpack, PASSWORD));
        assert_eq!(decoded(&apply.new_state)["password_length"], PASSWORD.len());
    }

    #[tokio::test]
    async fn write_only_values_are_refused_unless_terraform_supports_them() {
        let s = service();
        let config = value(
            serde_json::json!({"name": "db", "password_wo": PASSWORD, "password_length": null}),
        );
        let old = s
            .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                type_name: "test_db".into(),
                config: config.clone(),
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(old.diagnostics.len(), 1, "{:?}", old.diagnostics);
        assert!(old.diagnostics[0]
            .summary
            .contains("Terraform 1.11 or newer"));
        let new = s
            .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                type_name: "test_db".into(),
                config,
                client_capabilities: Some(pb::ClientCapabilities {
                    deferral_allowed: false,
                    write_only_attributes_allowed: true,
                }),
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(new.diagnostics.is_empty(), "{:?}", new.diagnostics);
    }

    #[tokio::test]
    async fn stop_provider_cancels_the_token_and_keeps_serving() {
        let stop = CancellationToken::new();
        let s = ProviderService::new("test", Box::new(TestProvider), stop.clone());
        s.stop_provider(Request::new(pb::stop_provider::Request {}))
            .await
            .unwrap();
        assert!(stop.is_cancelled());
        let meta = s
            .get_metadata(Request::new(pb::get_metadata::Request {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(meta.resources[0].type_name, "test_db");
    }
}

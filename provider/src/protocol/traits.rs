//! What a provider, a resource and a data source implement, typed (`Provider`, `Resource`,
//! `DataSource`), and the object-safe forms the server dispatches to (`Dynamic*`), derived for
//! every typed implementation: they decode the request's values into the typed state and encode
//! the answer.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::attribute_path::AttributePath;
use super::codec::RawValue;
use super::diagnostics::Diagnostics;
use super::schema::{Block, Description, Schema};

/// A provider: its configuration and the resources and data sources it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider block's value.
    type Config<'a>: Serialize + DeserializeOwned + Send;
    /// The `provider_meta` block's value.
    type MetaState<'a>: Serialize + DeserializeOwned + Send;

    /// The provider block's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Check the provider block (values may be unknown).
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        let _ = (diags, config);
        Some(())
    }

    /// Configure the provider from its block; `terraform_version` is the running CLI's.
    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let _ = (diags, terraform_version, config);
        Some(())
    }

    /// The `provider_meta` schema (empty unless overridden).
    fn meta_schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        let _ = diags;
        Some(Schema {
            version: 1,
            block: Block {
                version: 1,
                attributes: HashMap::new(),
                blocks: HashMap::new(),
                description: Description::plain(""),
                deprecated: false,
            },
        })
    }

    /// The managed resources, by type name without the provider prefix.
    fn get_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let _ = diags;
        Some(HashMap::new())
    }

    /// The data sources, by type name without the provider prefix.
    fn get_data_sources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let _ = diags;
        Some(HashMap::new())
    }

    /// The ephemeral resources (protocol 6.7, Terraform 1.10+), by type name without the
    /// provider prefix.
    fn get_ephemeral_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>> {
        let _ = diags;
        Some(HashMap::new())
    }
}

/// A managed resource with a typed state. `None` from a method means "no answer" and must come
/// with an error diagnostic (the server adds a generic one otherwise).
#[async_trait]
pub trait Resource: Send + Sync {
    /// The resource's value (configuration, plan and state share it).
    type State<'a>: Serialize + DeserializeOwned + Send;
    /// What the resource keeps beside the state, unseen by users.
    type PrivateState<'a>: Serialize + DeserializeOwned + Send;
    /// The `provider_meta` value.
    type ProviderMetaState<'a>: Serialize + DeserializeOwned + Send;

    /// The resource's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Check a configuration (values may be unknown).
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let _ = (diags, config);
        Some(())
    }

    /// Refresh: what exists now. `None` without an error: the resource is gone.
    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)>;

    /// Plan a creation.
    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)>;

    /// Plan an update; the paths returned force a replacement.
    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)>;

    /// Plan a deletion.
    async fn plan_destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>>;

    /// Create. `None`: nothing was created.
    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)>;

    /// Update in place.
    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)>;

    /// Delete.
    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()>;

    /// Import by id.
    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let _ = id;
        diags.root_error_short("Import is not supported");
        None
    }

    /// The resource identity (protocol 6.9): `Some(description)` gives the resource an
    /// identity of one string attribute `id`, its import id, described so. `None`: no identity.
    fn identity_description(&self) -> Option<String> {
        None
    }

    /// The import id of `state` (its identity's `id`); `None` while it is not known.
    fn identity<'a>(&self, state: &Self::State<'a>) -> Option<String> {
        let _ = state;
        None
    }

    /// Upgrade a state stored under an older schema `version` (JSON).
    async fn upgrade<'a>(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        prior_state: RawValue,
    ) -> Option<Self::State<'a>> {
        let _ = prior_state;
        diags.root_error(
            "Cannot upgrade the state",
            format!("State schema version {version} cannot be upgraded by this provider version."),
        );
        None
    }
}

/// A managed resource as the server sees it: encoded values in, encoded values out.
#[async_trait]
pub trait DynamicResource: Send + Sync {
    /// The resource's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    /// See [`Resource::validate`].
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// See [`Resource::read`]; `Some(None)` is "gone".
    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<Option<(RawValue, Vec<u8>)>>;
    /// See [`Resource::plan_create`].
    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: RawValue,
        config: RawValue,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)>;
    /// See [`Resource::plan_update`].
    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        proposed: RawValue,
        config: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>, Vec<AttributePath>)>;
    /// See [`Resource::plan_destroy`].
    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<Vec<u8>>;
    /// See [`Resource::create`].
    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: RawValue,
        config: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)>;
    /// See [`Resource::update`].
    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        planned: RawValue,
        config: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)>;
    /// See [`Resource::destroy`].
    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        private: Vec<u8>,
        meta: RawValue,
    ) -> Option<()>;
    /// See [`Resource::import`].
    async fn import(&self, diags: &mut Diagnostics, id: String) -> Option<(RawValue, Vec<u8>)>;
    /// See [`Resource::identity_description`].
    fn identity_description(&self) -> Option<String>;
    /// The identity `{ id }` of an encoded state: `Some(None)` when the state does not know
    /// its id yet, `None` when the state cannot be decoded.
    fn identity_of(&self, state: &RawValue) -> Option<Option<String>>;
    /// The stored JSON state of schema `version`, as a MessagePack value of the current schema:
    /// decoded through the typed state when the version is current, else [`Resource::upgrade`].
    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        current_version: i64,
        json: RawValue,
    ) -> Option<RawValue>;
}

const STATE: &str = "resource state";
const CONFIG: &str = "resource configuration";
const PLAN: &str = "planned state";
const PRIVATE: &str = "private state";
const META: &str = "provider_meta";

fn private<T: DeserializeOwned>(bytes: Vec<u8>, diags: &mut Diagnostics) -> Option<T> {
    RawValue::MessagePack(bytes).decode(PRIVATE, diags)
}

fn encode_private<T: Serialize>(v: &T, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    RawValue::encode(v, PRIVATE, diags).map(RawValue::into_bytes)
}

#[async_trait]
impl<T: Resource> DynamicResource for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        Resource::schema(self, diags)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.decode(CONFIG, diags)?;
        Resource::validate(self, diags, config).await
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<Option<(RawValue, Vec<u8>)>> {
        let state = state.decode(STATE, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        match Resource::read(self, diags, state, private_state, meta).await {
            Some((s, p)) => Some(Some((
                RawValue::encode(&s, STATE, diags)?,
                encode_private(&p, diags)?,
            ))),
            None => Some(None),
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: RawValue,
        config: RawValue,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        let proposed = proposed.decode(PLAN, diags)?;
        let config = config.decode(CONFIG, diags)?;
        let meta = meta.decode(META, diags)?;
        let (s, p) = Resource::plan_create(self, diags, proposed, config, meta).await?;
        Some((
            RawValue::encode(&s, PLAN, diags)?,
            encode_private(&p, diags)?,
        ))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        proposed: RawValue,
        config: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>, Vec<AttributePath>)> {
        let prior = prior.decode(STATE, diags)?;
        let proposed = proposed.decode(PLAN, diags)?;
        let config = config.decode(CONFIG, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        let (s, p, replace) =
            Resource::plan_update(self, diags, prior, proposed, config, private_state, meta)
                .await?;
        Some((
            RawValue::encode(&s, PLAN, diags)?,
            encode_private(&p, diags)?,
            replace,
        ))
    }

    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<Vec<u8>> {
        let prior = prior.decode(STATE, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        let p = Resource::plan_destroy(self, diags, prior, private_state, meta).await?;
        encode_private(&p, diags)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: RawValue,
        config: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        let planned = planned.decode(PLAN, diags)?;
        let config = config.decode(CONFIG, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        let (s, p) = Resource::create(self, diags, planned, config, private_state, meta).await?;
        Some((
            RawValue::encode(&s, STATE, diags)?,
            encode_private(&p, diags)?,
        ))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        planned: RawValue,
        config: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        let prior = prior.decode(STATE, diags)?;
        let planned = planned.decode(PLAN, diags)?;
        let config = config.decode(CONFIG, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        let (s, p) =
            Resource::update(self, diags, prior, planned, config, private_state, meta).await?;
        Some((
            RawValue::encode(&s, STATE, diags)?,
            encode_private(&p, diags)?,
        ))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: RawValue,
        private_bytes: Vec<u8>,
        meta: RawValue,
    ) -> Option<()> {
        let prior = prior.decode(STATE, diags)?;
        let private_state = private(private_bytes, diags)?;
        let meta = meta.decode(META, diags)?;
        Resource::destroy(self, diags, prior, private_state, meta).await
    }

    async fn import(&self, diags: &mut Diagnostics, id: String) -> Option<(RawValue, Vec<u8>)> {
        let (s, p) = Resource::import(self, diags, id).await?;
        Some((
            RawValue::encode(&s, STATE, diags)?,
            encode_private(&p, diags)?,
        ))
    }

    fn identity_description(&self) -> Option<String> {
        Resource::identity_description(self)
    }

    fn identity_of(&self, state: &RawValue) -> Option<Option<String>> {
        let mut scratch = Diagnostics::default();
        let state: T::State<'_> = state.decode(STATE, &mut scratch)?;
        Some(Resource::identity(self, &state))
    }

    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        current_version: i64,
        json: RawValue,
    ) -> Option<RawValue> {
        if version == current_version {
            let state: T::State<'_> = json.decode(STATE, diags)?;
            RawValue::encode(&state, STATE, diags)
        } else {
            let state = Resource::upgrade(self, diags, version, json).await?;
            RawValue::encode(&state, STATE, diags)
        }
    }
}

/// A data source with a typed state.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// The data source's value (configuration and result share it).
    type State<'a>: Serialize + DeserializeOwned + Send;
    /// The `provider_meta` value.
    type ProviderMetaState<'a>: Serialize + DeserializeOwned + Send;

    /// The data source's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Check a configuration (values may be unknown).
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let _ = (diags, config);
        Some(())
    }

    /// Read.
    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>>;
}

/// A data source as the server sees it.
#[async_trait]
pub trait DynamicDataSource: Send + Sync {
    /// The data source's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    /// See [`DataSource::validate`].
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// See [`DataSource::read`].
    async fn read(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        meta: RawValue,
    ) -> Option<RawValue>;
}

#[async_trait]
impl<T: DataSource> DynamicDataSource for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        DataSource::schema(self, diags)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.decode("data source configuration", diags)?;
        DataSource::validate(self, diags, config).await
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        meta: RawValue,
    ) -> Option<RawValue> {
        let config = config.decode("data source configuration", diags)?;
        let meta = meta.decode(META, diags)?;
        let state = DataSource::read(self, diags, config, meta).await?;
        RawValue::encode(&state, "data source state", diags)
    }
}

/// An ephemeral resource (protocol 6.7): opened for the length of a run, its result never
/// stored. This server's ephemeral resources hold no lease: nothing to renew, nothing to close.
#[async_trait]
pub trait EphemeralResource: Send + Sync {
    /// The ephemeral resource's value (configuration and result share it).
    type State<'a>: Serialize + DeserializeOwned + Send;

    /// The ephemeral resource's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Check a configuration (values may be unknown).
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let _ = (diags, config);
        Some(())
    }

    /// Open: the result for this run. `None` must come with an error diagnostic.
    async fn open<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
    ) -> Option<Self::State<'a>>;
}

/// An ephemeral resource as the server sees it.
#[async_trait]
pub trait DynamicEphemeralResource: Send + Sync {
    /// The ephemeral resource's schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    /// See [`EphemeralResource::validate`].
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// See [`EphemeralResource::open`].
    async fn open(&self, diags: &mut Diagnostics, config: RawValue) -> Option<RawValue>;
}

#[async_trait]
impl<T: EphemeralResource> DynamicEphemeralResource for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        EphemeralResource::schema(self, diags)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.decode("ephemeral resource configuration", diags)?;
        EphemeralResource::validate(self, diags, config).await
    }

    async fn open(&self, diags: &mut Diagnostics, config: RawValue) -> Option<RawValue> {
        let config = config.decode("ephemeral resource configuration", diags)?;
        let result = EphemeralResource::open(self, diags, config).await?;
        RawValue::encode(&result, "ephemeral resource result", diags)
    }
}

/// The provider as the server sees it.
#[async_trait]
pub(crate) trait DynamicProvider: Send + Sync + 'static {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    fn meta_schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    async fn configure(
        &self,
        diags: &mut Diagnostics,
        version: String,
        config: RawValue,
    ) -> Option<()>;
    fn get_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>>;
    fn get_data_sources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>>;
    fn get_ephemeral_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>>;
}

#[async_trait]
impl<T: Provider> DynamicProvider for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        Provider::schema(self, diags)
    }
    fn meta_schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        Provider::meta_schema(self, diags)
    }
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.decode("provider configuration", diags)?;
        Provider::validate(self, diags, config).await
    }
    async fn configure(
        &self,
        diags: &mut Diagnostics,
        version: String,
        config: RawValue,
    ) -> Option<()> {
        let config = config.decode("provider configuration", diags)?;
        Provider::configure(self, diags, version, config).await
    }
    fn get_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Provider::get_resources(self, diags)
    }
    fn get_data_sources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Provider::get_data_sources(self, diags)
    }
    fn get_ephemeral_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>> {
        Provider::get_ephemeral_resources(self, diags)
    }
}

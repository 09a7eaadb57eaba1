//! `blueprint_caller_identity`: who the provider's credentials belong to (STS GetCallerIdentity).

use std::sync::Arc;

use crate::tf::schema::Schema;
use crate::tf::{DataSource, Diagnostics};
use crate::tf::{Value, ValueEmpty};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::provider::ProviderState;
use crate::schema_builder::{block, Attr};

/// The data source's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CallerIdentityState {
    /// Same as `account_id`.
    pub id: Value<String>,
    /// AWS account id.
    pub account_id: Value<String>,
    /// ARN of the caller.
    pub arn: Value<String>,
    /// Unique id of the caller.
    pub user_id: Value<String>,
}

/// `blueprint_caller_identity`.
pub struct CallerIdentityDataSource {
    state: Arc<ProviderState>,
}

impl CallerIdentityDataSource {
    /// A data source reading through the provider's shared clients.
    pub fn new(state: Arc<ProviderState>) -> Self {
        Self { state }
    }
}

#[async_trait]
impl DataSource for CallerIdentityDataSource {
    type State<'a> = CallerIdentityState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "The account, ARN and user id of the credentials the provider uses.",
                [
                    ("id", Attr::string("The account id.").computed()),
                    ("account_id", Attr::string("AWS account id.").computed()),
                    ("arn", Attr::string("ARN of the caller.").computed()),
                    (
                        "user_id",
                        Attr::string("Unique id of the caller.").computed(),
                    ),
                ],
                [],
            ),
        })
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        _config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let clients = self.state.clients(diags)?;
        match clients.caller_identity().await {
            Ok(identity) => Some(CallerIdentityState {
                id: Value::Value(identity.account_id.clone()),
                account_id: Value::Value(identity.account_id),
                arn: Value::Value(identity.arn),
                user_id: Value::Value(identity.user_id),
            }),
            Err(err) => {
                diags.root_error("Reading the caller identity failed", err.to_string());
                None
            }
        }
    }
}

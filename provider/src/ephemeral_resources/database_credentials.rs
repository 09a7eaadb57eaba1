//! `blueprint_database_credentials`: the master credentials of a `blueprint_database` (or any
//! Aurora cluster or RDS instance) for the length of a run: the user name, host and port from
//! RDS, the password from the RDS-managed secret in Secrets Manager. With the write-only way
//! (`master_password_wo`) there is no secret: the password's source is the user's own, the
//! password is null and a warning says so.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::{error_code, error_text, AwsClients};
use crate::kinds::codes as code;
use crate::provider::ProviderState;
use crate::schema_builder::{block, Attr};
use crate::tf::schema::Schema;
use crate::tf::{AttributePath, Diagnostics, EphemeralResource, Value};

/// The ephemeral resource's value.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseCredentialsState {
    /// The cluster or instance identifier (`blueprint_database`'s `name`).
    pub database: Value<String>,
    /// The master user name.
    pub username: Value<String>,
    /// The master password (null with the write-only way).
    pub password: Value<String>,
    /// The writer endpoint's host name.
    pub host: Value<String>,
    /// The port.
    pub port: Value<i64>,
}

impl std::fmt::Debug for DatabaseCredentialsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseCredentialsState")
            .field("database", &self.database)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish()
    }
}

/// What RDS says of the database.
struct Found {
    username: Option<String>,
    host: Option<String>,
    port: Option<i64>,
    secret_arn: Option<String>,
}

/// `blueprint_database_credentials`.
pub struct DatabaseCredentials {
    state: Arc<ProviderState>,
}

impl DatabaseCredentials {
    /// An ephemeral resource reading through the provider's shared clients.
    pub fn new(state: Arc<ProviderState>) -> Self {
        Self { state }
    }
}

fn database_path() -> AttributePath {
    AttributePath::new("database")
}

async fn find(clients: &AwsClients, id: &str) -> Result<Option<Found>, String> {
    let rds = clients.rds();
    match rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
    {
        Ok(out) => {
            if let Some(c) = out.db_clusters().first() {
                return Ok(Some(Found {
                    username: c.master_username().map(str::to_string),
                    host: c.endpoint().map(str::to_string),
                    port: c.port().map(i64::from),
                    secret_arn: c
                        .master_user_secret()
                        .and_then(|s| s.secret_arn())
                        .map(str::to_string),
                }));
            }
        }
        Err(e) if error_code(&e).as_deref() == Some(code::rds::DB_CLUSTER_NOT_FOUND_FAULT) => {}
        Err(e) => return Err(format!("Reading DB cluster \"{id}\": {}", error_text(&e))),
    }
    match rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_instances().first().map(|i| Found {
            username: i.master_username().map(str::to_string),
            host: i.endpoint().and_then(|e| e.address()).map(str::to_string),
            port: i.endpoint().and_then(|e| e.port()).map(i64::from),
            secret_arn: i
                .master_user_secret()
                .and_then(|s| s.secret_arn())
                .map(str::to_string),
        })),
        Err(e) if error_code(&e).as_deref() == Some(code::rds::DB_INSTANCE_NOT_FOUND) => Ok(None),
        Err(e) => Err(format!("Reading DB instance \"{id}\": {}", error_text(&e))),
    }
}

/// The `username` and `password` of the managed secret's JSON.
#[derive(Deserialize)]
struct SecretJson {
    username: Option<String>,
    password: Option<String>,
}

async fn secret(clients: &AwsClients, arn: &str) -> Result<SecretJson, String> {
    let out = clients
        .secretsmanager()
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| format!("Reading secret \"{arn}\": {}", error_text(&e)))?;
    let text = out
        .secret_string()
        .ok_or_else(|| format!("Secret \"{arn}\" holds no text."))?;
    // The error never quotes the text: it is the password.
    serde_json::from_str(text).map_err(|_| {
        format!("Secret \"{arn}\" is not the JSON RDS writes (`username`, `password`).")
    })
}

#[async_trait]
impl EphemeralResource for DatabaseCredentials {
    type State<'a> = DatabaseCredentialsState;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "The master credentials of a `blueprint_database` for the length of a run, never stored in the plan or the state (Terraform 1.10+).",
                [
                    (
                        "database",
                        Attr::string("The cluster or instance identifier: `blueprint_database`'s `name` (or `id`).")
                            .required(),
                    ),
                    ("username", Attr::string("The master user name.").computed()),
                    (
                        "password",
                        Attr::string("The master password, from the RDS-managed secret; null when the database takes `master_password_wo` (its source is yours).")
                            .sensitive()
                            .computed(),
                    ),
                    ("host", Attr::string("The writer endpoint's host name.").computed()),
                    ("port", Attr::number("The port, 5432.").computed()),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(id) = &config.database {
            if let Err(e) = blueprint_declarations::composites::database::db_name(id) {
                diags.error(
                    "Invalid database",
                    e.replacen("name", "database", 1),
                    database_path(),
                );
            }
        }
        Some(())
    }

    async fn open<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
    ) -> Option<Self::State<'a>> {
        let id = match &config.database {
            Value::Value(id) => id.clone(),
            // Terraform opens an ephemeral resource only once its configuration is known.
            Value::Unknown => {
                return Some(DatabaseCredentialsState {
                    database: Value::Unknown,
                    username: Value::Unknown,
                    password: Value::Unknown,
                    host: Value::Unknown,
                    port: Value::Unknown,
                })
            }
            Value::Null => {
                diags.error(
                    "Missing database",
                    "`database` names the cluster or instance whose credentials to read.",
                    database_path(),
                );
                return None;
            }
        };
        self.validate(diags, config.clone()).await;
        if !diags.errors.is_empty() {
            return None;
        }
        let clients = self.state.clients(diags)?;
        let found = match find(&clients, &id).await {
            Ok(Some(f)) => f,
            Ok(None) => {
                diags.error(
                    "No such database",
                    format!("No Aurora cluster or RDS instance \"{id}\" exists in this region."),
                    database_path(),
                );
                return None;
            }
            Err(e) => {
                diags.root_error("Cannot read the database's credentials", e);
                return None;
            }
        };
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::Value);
        let mut username = found.username;
        let password = match &found.secret_arn {
            Some(arn) => match secret(&clients, arn).await {
                Ok(s) => {
                    if let Some(p) = &s.password {
                        crate::logging::redact_secret(p);
                    }
                    // RDS's own master user name is authoritative; the secret's is a fallback.
                    username = username.or(s.username);
                    s.password
                }
                Err(e) => {
                    diags.root_error("Cannot read the database's credentials", e);
                    return None;
                }
            },
            None => {
                diags.warning(
                    "No managed secret: the password is null",
                    format!("\"{id}\" has no RDS-managed secret: its password was given write-only (`master_password_wo`), so its source is yours (the ephemeral variable or resource that fed it). username, host and port are set; password is null."),
                    database_path(),
                );
                None
            }
        };
        Some(DatabaseCredentialsState {
            database: Value::Value(id),
            username: opt(username),
            password: opt(password),
            host: opt(found.host),
            port: found.port.map_or(Value::Null, Value::Value),
        })
    }
}

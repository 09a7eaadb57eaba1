//! Every RPC of the plugin protocol server, through the protocol client (the way Terraform
//! calls it), including malformed requests: each is answered, with an error diagnostic where the
//! request is wrong, never with a failed call or a dead plugin.

use std::time::Duration;

use blueprint_e2e::go_plugin;
use blueprint_e2e::health::{health_check_response::ServingStatus, HealthCheckRequest};
use blueprint_e2e::paths;
use blueprint_e2e::plugin_client::{decode_value, dynamic_value, path_text, PluginClient};
use blueprint_e2e::tfplugin6::*;
use serde_json::json;

fn error_texts(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

/// MessagePack that is not a value of any schema: a bare array where an object is expected.
fn garbage() -> Option<DynamicValue> {
    Some(DynamicValue {
        msgpack: vec![0x93, 0x01, 0x02, 0x03],
        json: Vec::new(),
    })
}

/// Bytes that are not MessagePack at all (a truncated map).
fn truncated() -> Option<DynamicValue> {
    Some(DynamicValue {
        msgpack: vec![0x82, 0xa1],
        json: Vec::new(),
    })
}

async fn launch() -> PluginClient {
    PluginClient::launch(&paths::provider_binary().unwrap())
        .await
        .unwrap()
}

/// After everything else, the plugin must still answer (no panic took it down).
async fn still_serving(plugin: &mut PluginClient) {
    let schema = plugin
        .client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("the plugin still answers")
        .into_inner();
    assert!(schema.resource_schemas.contains_key("blueprint_database"));
}

#[tokio::test]
async fn metadata_schema_functions_and_identity_schemas() {
    let mut plugin = launch().await;
    let meta = plugin
        .client
        .get_metadata(get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        error_texts(&meta.diagnostics).is_empty(),
        "{:?}",
        meta.diagnostics
    );
    let caps = meta.server_capabilities.unwrap();
    assert!(caps.plan_destroy);
    assert!(!caps.move_resource_state);
    let names: Vec<&str> = meta
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    for r in [
        "blueprint_database",
        "blueprint_network",
        "blueprint_state_backend",
    ] {
        assert!(names.contains(&r), "{r} missing from {names:?}");
    }
    assert!(meta
        .data_sources
        .iter()
        .any(|d| d.type_name == "blueprint_caller_identity"));

    let schema = plugin
        .client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(schema.resource_schemas.len(), meta.resources.len());
    // Types travel as Terraform's JSON type syntax.
    let db = schema.resource_schemas["blueprint_database"]
        .block
        .clone()
        .unwrap();
    for a in &db.attributes {
        let t: serde_json::Value = serde_json::from_slice(&a.r#type)
            .unwrap_or_else(|e| panic!("{}: type is not JSON: {e}", a.name));
        assert!(t.is_string() || t.is_array(), "{}: {t}", a.name);
    }
    assert!(schema.provider_meta.is_some());

    let functions = plugin
        .client
        .get_functions(get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(functions.functions.is_empty());
    assert!(functions.diagnostics.is_empty());

    let call = plugin
        .client
        .call_function(call_function::Request {
            name: "no_such_function".into(),
            arguments: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(call.result.is_none());
    assert!(call.error.unwrap().text.contains("no_such_function"));

    let identity = plugin
        .client
        .get_resource_identity_schemas(get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        identity.diagnostics.is_empty(),
        "{:?}",
        identity.diagnostics
    );
    // Every composite has an identity: its import id, one string attribute.
    assert_eq!(identity.identity_schemas.len(), meta.resources.len());
    for (name, s) in &identity.identity_schemas {
        assert_eq!(s.identity_attributes.len(), 1, "{name}");
        let id = &s.identity_attributes[0];
        assert_eq!(id.name, "id", "{name}");
        assert_eq!(id.r#type, b"\"string\"", "{name}");
        assert!(id.required_for_import, "{name}");
    }
    assert!(
        identity.identity_schemas["blueprint_state_backend"].identity_attributes[0]
            .description
            .contains("BUCKET[,TABLE]")
    );

    let upgraded = plugin
        .client
        .upgrade_resource_identity(upgrade_resource_identity::Request {
            type_name: "blueprint_database".into(),
            version: 0,
            raw_identity: b"{\"id\":\"x\"}".to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(upgraded.diagnostics.is_empty(), "{upgraded:?}");
    let data = upgraded.upgraded_identity.unwrap().identity_data.unwrap();
    assert_eq!(decode_value(&data).unwrap(), json!({"id": "x"}));
    for (version, raw) in [(7, &b"{\"id\":\"x\"}"[..]), (0, &b"{\"id\":"[..])] {
        let bad = plugin
            .client
            .upgrade_resource_identity(upgrade_resource_identity::Request {
                type_name: "blueprint_database".into(),
                version,
                raw_identity: raw.to_vec(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(error_texts(&bad.diagnostics).len(), 1, "{bad:?}");
        assert!(bad.upgraded_identity.is_none());
    }

    // The ephemeral resource: listed, and its schema keeps the password sensitive.
    assert!(meta
        .ephemeral_resources
        .iter()
        .any(|e| e.type_name == "blueprint_database_credentials"));
    let eph = schema.ephemeral_resource_schemas["blueprint_database_credentials"]
        .block
        .clone()
        .unwrap();
    let attr = |n: &str| {
        eph.attributes
            .iter()
            .find(|a| a.name == n)
            .cloned()
            .unwrap()
    };
    assert!(attr("database").required);
    assert!(attr("password").sensitive && attr("password").computed);
    assert!(attr("username").computed && attr("host").computed && attr("port").computed);
    plugin.shutdown().await;
}

#[tokio::test]
async fn malformed_values_get_a_diagnostic_on_every_rpc() {
    let mut plugin = launch().await;
    let ty = "blueprint_state_backend".to_string();
    for (what, config) in [("garbage", garbage()), ("truncated", truncated())] {
        let d = plugin
            .client
            .validate_resource_config(validate_resource_config::Request {
                type_name: ty.clone(),
                config: config.clone(),
                client_capabilities: None,
            })
            .await
            .unwrap()
            .into_inner()
            .diagnostics;
        assert_eq!(error_texts(&d).len(), 1, "{what}: {d:?}");

        let d = plugin
            .client
            .validate_provider_config(validate_provider_config::Request {
                config: config.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .diagnostics;
        assert_eq!(error_texts(&d).len(), 1, "{what}: {d:?}");

        let d = plugin
            .client
            .validate_data_resource_config(validate_data_resource_config::Request {
                type_name: "blueprint_caller_identity".into(),
                config: config.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .diagnostics;
        assert_eq!(error_texts(&d).len(), 1, "{what}: {d:?}");

        let r = plugin
            .client
            .read_resource(read_resource::Request {
                type_name: ty.clone(),
                current_state: config.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(error_texts(&r.diagnostics).len(), 1, "{what}: {r:?}");

        let p = plugin
            .client
            .plan_resource_change(plan_resource_change::Request {
                type_name: ty.clone(),
                prior_state: None,
                proposed_new_state: config.clone(),
                config: config.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!error_texts(&p.diagnostics).is_empty(), "{what}: {p:?}");

        let a = plugin
            .client
            .apply_resource_change(apply_resource_change::Request {
                type_name: ty.clone(),
                prior_state: None,
                planned_state: config.clone(),
                config: config.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!error_texts(&a.diagnostics).is_empty(), "{what}: {a:?}");

        let r = plugin
            .client
            .read_data_source(read_data_source::Request {
                type_name: "blueprint_caller_identity".into(),
                config: config.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!error_texts(&r.diagnostics).is_empty(), "{what}: {r:?}");
    }
    // The configuration never reached the provider: nothing half-configured.
    let c = plugin
        .client
        .configure_provider(configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: truncated(),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&c.diagnostics).len(), 1, "{c:?}");
    still_serving(&mut plugin).await;
    plugin.shutdown().await;
}

#[tokio::test]
async fn unknown_type_names_are_diagnostics() {
    let mut plugin = launch().await;
    let ty = "blueprint_nope".to_string();
    let d = plugin
        .client
        .validate_resource_config(validate_resource_config::Request {
            type_name: ty.clone(),
            config: dynamic_value(&json!({})).ok(),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner()
        .diagnostics;
    assert!(error_texts(&d)[0].contains("blueprint_nope"), "{d:?}");
    let i = plugin
        .client
        .import_resource_state(import_resource_state::Request {
            type_name: ty.clone(),
            id: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(i.imported_resources.is_empty());
    assert_eq!(error_texts(&i.diagnostics).len(), 1);
    let u = plugin
        .client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: ty.clone(),
            version: 1,
            raw_state: Some(RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&u.diagnostics).len(), 1);
    let v = plugin
        .client
        .validate_ephemeral_resource_config(validate_ephemeral_resource_config::Request {
            type_name: "blueprint_nope".into(),
            config: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&v.diagnostics).len(), 1);
    let o = plugin
        .client
        .open_ephemeral_resource(open_ephemeral_resource::Request {
            type_name: "blueprint_nope".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(o.result.is_none());
    assert_eq!(error_texts(&o.diagnostics).len(), 1);
    let r = plugin
        .client
        .renew_ephemeral_resource(renew_ephemeral_resource::Request {
            type_name: "blueprint_nope".into(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&r.diagnostics).len(), 1);
    let c = plugin
        .client
        .close_ephemeral_resource(close_ephemeral_resource::Request {
            type_name: "blueprint_nope".into(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&c.diagnostics).len(), 1);
    still_serving(&mut plugin).await;
    plugin.shutdown().await;
}

#[tokio::test]
async fn state_upgrade_reads_json_and_answers_message_pack() {
    let mut plugin = launch().await;
    let schema = plugin
        .client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let version = schema.resource_schemas["blueprint_state_backend"].version;
    let stored = json!({"bucket": "tf-state-x", "id": "tf-state-x", "unknown_old_attribute": 1});
    let u = plugin
        .client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: "blueprint_state_backend".into(),
            version,
            raw_state: Some(RawState {
                json: serde_json::to_vec(&stored).unwrap(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        error_texts(&u.diagnostics).is_empty(),
        "{:?}",
        u.diagnostics
    );
    let upgraded = u.upgraded_state.unwrap();
    assert!(!upgraded.msgpack.is_empty(), "answered as MessagePack");
    let value = decode_value(&upgraded).unwrap();
    assert_eq!(value["bucket"], "tf-state-x");
    assert!(value.get("unknown_old_attribute").is_none(), "{value}");

    // A flatmap (pre-0.12) state, and a version from the future, are refused with a reason.
    let u = plugin
        .client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: "blueprint_state_backend".into(),
            version,
            raw_state: Some(RawState {
                json: Vec::new(),
                flatmap: [("id".to_string(), "x".to_string())].into(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&u.diagnostics).len(), 1);
    let u = plugin
        .client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: "blueprint_state_backend".into(),
            version: version + 7,
            raw_state: Some(RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&u.diagnostics).len(), 1);
    plugin.shutdown().await;
}

#[tokio::test]
async fn read_and_plan_null_states_and_unsupported_moves() {
    let mut plugin = launch().await;
    let ty = "blueprint_state_backend".to_string();
    let null = DynamicValue {
        msgpack: vec![0xc0],
        json: Vec::new(),
    };
    // Reading a resource with no state: still none.
    let r = plugin
        .client
        .read_resource(read_resource::Request {
            type_name: ty.clone(),
            current_state: Some(null.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{r:?}");
    assert_eq!(r.new_state.unwrap().msgpack, vec![0xc0]);
    // Planning a destroy: planned null.
    let stored = json!({"bucket": "tf-state-x", "id": "tf-state-x"});
    let p = plugin
        .client
        .plan_resource_change(plan_resource_change::Request {
            type_name: ty.clone(),
            prior_state: dynamic_value(&stored).ok(),
            proposed_new_state: Some(null.clone()),
            config: Some(null.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&p.diagnostics).is_empty(), "{p:?}");
    assert_eq!(p.planned_state.unwrap().msgpack, vec![0xc0]);
    // Import with an empty id (an identity-only import) is explained.
    let i = plugin
        .client
        .import_resource_state(import_resource_state::Request {
            type_name: ty.clone(),
            id: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&i.diagnostics).len(), 1, "{i:?}");
    let m = plugin
        .client
        .move_resource_state(move_resource_state::Request {
            source_provider_address: "registry.terraform.io/hashicorp/aws".into(),
            source_type_name: "aws_s3_bucket".into(),
            target_type_name: ty.clone(),
            source_state: Some(RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(m.target_state.is_none());
    assert!(
        error_texts(&m.diagnostics)[0].contains("aws_s3_bucket"),
        "{m:?}"
    );
    plugin.shutdown().await;
}

#[tokio::test]
async fn health_stdio_stop_and_shutdown() {
    let mut plugin = launch().await;
    let h = plugin
        .health
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.status, ServingStatus::Serving as i32);
    let mut stdio = plugin.stdio.stream_stdio(()).await.unwrap().into_inner();

    // StopProvider answers and the plugin keeps serving.
    let s = plugin
        .client
        .stop_provider(stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.error, "");
    still_serving(&mut plugin).await;

    // Shutdown: answered, the stdio stream ends, the process exits successfully.
    plugin
        .controller
        .shutdown(go_plugin::Empty {})
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), stdio.message())
        .await
        .expect("the stdio stream ends at shutdown");
    assert!(!matches!(ended, Ok(Some(_))), "{ended:?}");
    let status = plugin
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("the plugin exits after Shutdown");
    assert!(status.success(), "{status:?}");
}

fn identity_value(id: serde_json::Value) -> Option<ResourceIdentityData> {
    Some(ResourceIdentityData {
        identity_data: dynamic_value(&json!({ "id": id })).ok(),
    })
}

fn identity_id(identity: &Option<ResourceIdentityData>) -> serde_json::Value {
    let data = identity
        .as_ref()
        .and_then(|i| i.identity_data.as_ref())
        .expect("an identity");
    decode_value(data).unwrap()["id"].clone()
}

/// Resource identity (protocol 6.9; the Terraform here stops at 1.11, so through the client):
/// import by identity gives the state and its identity back, read and plan answer the identity,
/// a malformed or empty identity is a diagnostic. The ephemeral resource's Open reads the
/// RDS-managed secret; a bad name, a missing database, garbage, Renew and Close are answered.
#[tokio::test]
async fn identity_import_read_plan_and_ephemeral_credentials_against_moto() {
    use blueprint_e2e::aws::AwsProbe;
    use blueprint_e2e::moto::MotoServer;
    use blueprint_provider::kinds::ownership::{owner, OWNER_TAG};

    let moto = MotoServer::start().unwrap();
    let endpoint = moto.endpoint();
    let probe = AwsProbe::new(&endpoint);
    probe
        .ecs()
        .create_cluster()
        .cluster_name("ident-cluster")
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key(OWNER_TAG)
                .value(owner("blueprint_cluster", "ident-cluster"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    probe
        .rds()
        .create_db_instance()
        .db_instance_identifier("eph-db")
        .engine("postgres")
        .db_instance_class("db.t4g.micro")
        .allocated_storage(20)
        .master_username("dbadmin")
        .manage_master_user_password(true)
        .storage_encrypted(true)
        .send()
        .await
        .unwrap();

    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let bin = paths::provider_binary().unwrap();
    let mut plugin = PluginClient::launch_with_env(&bin, &env).await.unwrap();
    let config = json!({"region": "us-east-1", "endpoints": [{
        "ecs": endpoint, "rds": endpoint, "secretsmanager": endpoint, "sts": endpoint,
        "ec2": endpoint, "logs": endpoint, "iam": endpoint,
    }]});
    let c = plugin
        .client
        .configure_provider(configure_provider::Request {
            terraform_version: "1.12.0".into(),
            config: dynamic_value(&config).ok(),
            client_capabilities: Some(ClientCapabilities {
                deferral_allowed: false,
                write_only_attributes_allowed: true,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&c.diagnostics).is_empty(), "{c:?}");

    // Import by identity alone.
    let ty = "blueprint_cluster".to_string();
    let i = plugin
        .client
        .import_resource_state(import_resource_state::Request {
            type_name: ty.clone(),
            id: String::new(),
            identity: identity_value(json!("ident-cluster")),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&i.diagnostics).is_empty(), "{i:?}");
    assert_eq!(i.imported_resources.len(), 1);
    let imported = &i.imported_resources[0];
    assert_eq!(identity_id(&imported.identity), "ident-cluster");
    let state = imported.state.clone();
    assert_eq!(
        decode_value(state.as_ref().unwrap()).unwrap()["id"],
        "ident-cluster"
    );
    // Import by id answers the same identity.
    let by_id = plugin
        .client
        .import_resource_state(import_resource_state::Request {
            type_name: ty.clone(),
            id: "ident-cluster".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        identity_id(&by_id.imported_resources[0].identity),
        "ident-cluster"
    );

    // Read answers the identity with the state.
    let r = plugin
        .client
        .read_resource(read_resource::Request {
            type_name: ty.clone(),
            current_state: state.clone(),
            provider_meta: dynamic_value(&serde_json::Value::Null).ok(),
            current_identity: identity_value(json!("ident-cluster")),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&r.diagnostics).is_empty(), "{r:?}");
    assert_eq!(identity_id(&r.new_identity), "ident-cluster");

    // A create's plan carries the identity the import id will have.
    let new_cluster = json!({"name": "planned-cluster", "profile": "dev"});
    let p = plugin
        .client
        .plan_resource_change(plan_resource_change::Request {
            type_name: ty.clone(),
            prior_state: dynamic_value(&serde_json::Value::Null).ok(),
            proposed_new_state: dynamic_value(&new_cluster).ok(),
            config: dynamic_value(&new_cluster).ok(),
            provider_meta: dynamic_value(&serde_json::Value::Null).ok(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&p.diagnostics).is_empty(), "{p:?}");
    assert!(p.planned_identity.is_some(), "{p:?}");

    // Malformed identities: a diagnostic each, nothing imported.
    for (what, identity) in [
        (
            "garbage",
            Some(ResourceIdentityData {
                identity_data: garbage(),
            }),
        ),
        (
            "truncated",
            Some(ResourceIdentityData {
                identity_data: truncated(),
            }),
        ),
        ("empty id", identity_value(json!(""))),
        ("no such cluster", identity_value(json!("no-such-cluster"))),
        ("nothing", None),
    ] {
        let bad = plugin
            .client
            .import_resource_state(import_resource_state::Request {
                type_name: ty.clone(),
                id: String::new(),
                identity,
                client_capabilities: None,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(bad.imported_resources.is_empty(), "{what}: {bad:?}");
        assert_eq!(error_texts(&bad.diagnostics).len(), 1, "{what}: {bad:?}");
    }

    // The ephemeral resource.
    let eph = "blueprint_database_credentials".to_string();
    let open = |config: Option<DynamicValue>| open_ephemeral_resource::Request {
        type_name: eph.clone(),
        config,
        client_capabilities: None,
    };
    let o = plugin
        .client
        .open_ephemeral_resource(open(dynamic_value(&json!({"database": "eph-db"})).ok()))
        .await
        .unwrap()
        .into_inner();
    assert!(error_texts(&o.diagnostics).is_empty(), "{o:?}");
    assert!(o.renew_at.is_none());
    let result = decode_value(o.result.as_ref().unwrap()).unwrap();
    assert_eq!(result["username"], "dbadmin", "{result}");
    assert_eq!(result["port"], 5432, "{result}");
    assert!(
        result["host"]
            .as_str()
            .is_some_and(|h| h.starts_with("eph-db")),
        "{result}"
    );
    assert!(
        result["password"].as_str().is_some_and(|p| !p.is_empty()),
        "{result}"
    );

    let v = plugin
        .client
        .validate_ephemeral_resource_config(validate_ephemeral_resource_config::Request {
            type_name: eph.clone(),
            config: dynamic_value(&json!({"database": "Bad_Name"})).ok(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(error_texts(&v.diagnostics).len(), 1, "{v:?}");
    let path = v.diagnostics[0].attribute.as_ref().map(path_text);
    assert_eq!(path.as_deref(), Some("database"), "{v:?}");
    for (what, config) in [
        (
            "missing",
            dynamic_value(&json!({"database": "no-such-db"})).ok(),
        ),
        ("garbage", garbage()),
        ("truncated", truncated()),
        (
            "null database",
            dynamic_value(&json!({"database": null})).ok(),
        ),
    ] {
        let bad = plugin
            .client
            .open_ephemeral_resource(open(config))
            .await
            .unwrap()
            .into_inner();
        assert!(bad.result.is_none(), "{what}: {bad:?}");
        assert_eq!(error_texts(&bad.diagnostics).len(), 1, "{what}: {bad:?}");
    }
    let r = plugin
        .client
        .renew_ephemeral_resource(renew_ephemeral_resource::Request {
            type_name: eph.clone(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{r:?}");
    let c = plugin
        .client
        .close_ephemeral_resource(close_ephemeral_resource::Request {
            type_name: eph.clone(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(c.diagnostics.is_empty(), "{c:?}");
    still_serving(&mut plugin).await;
    plugin.shutdown().await;
}

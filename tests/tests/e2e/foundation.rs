//! Foundation: the plugin binary, the protocol-6 client, and the real Terraform CLI end to end.

use std::time::Instant;

use blueprint_e2e::moto::MotoServer;
use blueprint_e2e::paths;
use blueprint_e2e::plugin_client::{decode_value, dynamic_value, path_text, PluginClient};
use blueprint_e2e::proxy::{Fault, FaultRule};
use blueprint_e2e::tf_versions;
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::tfplugin6::{
    configure_provider, diagnostic::Severity, get_provider_schema, read_data_source,
    validate_provider_config, Diagnostic,
};
use blueprint_e2e::Harness;
use serde_json::json;

fn errors(diags: &[Diagnostic]) -> Vec<(String, String)> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error as i32)
        .map(|d| {
            (
                d.attribute.as_ref().map(path_text).unwrap_or_default(),
                format!("{}: {}", d.summary, d.detail),
            )
        })
        .collect()
}

#[test]
fn plugin_run_from_a_shell_explains_itself_and_fails() {
    let bin = paths::provider_binary().unwrap();
    let out = std::process::Command::new(&bin)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert!(!out.status.success(), "exit status {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is a Terraform plugin"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "no handshake line may be printed: {:?}",
        out.stdout
    );
    let lines = stderr.lines().count();
    assert!(lines <= 3, "short explanation expected, got {lines} lines");
}

#[test]
fn terraform_is_the_pinned_1_0_3() {
    let tf = tf_versions::pinned().unwrap();
    let out = std::process::Command::new(&tf.path)
        .arg("version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Terraform v1.0.3"), "{text}");
    assert_eq!(tf.version, "1.0.3");
}

#[test]
fn every_terraform_on_the_machine_is_listed_once_the_pinned_one_first() {
    let all = tf_versions::terraforms().unwrap();
    assert_eq!(all[0].version, "1.0.3", "{all:?}");
    let mut versions: Vec<&str> = all.iter().map(|t| t.version.as_str()).collect();
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), all.len(), "a version listed twice: {all:?}");
    // Unless the list is given (BLUEPRINT_TERRAFORMS), a newer Terraform at the usual place
    // must be among them, not silently skipped.
    let system = std::path::Path::new("/usr/local/bin/terraform");
    if std::env::var_os("BLUEPRINT_TERRAFORMS").is_none() && system.is_file() {
        let v = tf_versions::version_of(system).unwrap();
        assert!(
            all.iter().any(|t| t.version == v),
            "/usr/local/bin/terraform ({v}) is missing from {all:?}"
        );
    }
}

#[tokio::test]
async fn protocol_client_handshake_and_schema() {
    let bin = paths::provider_binary().unwrap();
    let start = Instant::now();
    let mut plugin = PluginClient::launch(&bin).await.unwrap();
    assert_eq!(plugin.handshake.core_version, 1);
    assert_eq!(plugin.handshake.protocol_version, 6);
    assert!(
        !plugin.handshake.server_cert_der.is_empty(),
        "mTLS certificate expected"
    );
    let schema = plugin
        .client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let elapsed = start.elapsed();
    eprintln!(
        "launch to handshake {:?}; launch + handshake + schema {:?}; RSS {:?} KiB",
        plugin.launch_to_handshake,
        elapsed,
        plugin.rss_kib()
    );
    assert!(
        errors(&schema.diagnostics).is_empty(),
        "{:?}",
        schema.diagnostics
    );
    let provider = schema.provider.unwrap().block.unwrap();
    let attr = |name: &str| provider.attributes.iter().find(|a| a.name == name).cloned();
    for name in [
        "region",
        "profile",
        "shared_config_files",
        "shared_credentials_files",
        "access_key",
        "secret_key",
        "token",
        "s3_use_path_style",
        "skip_credentials_validation",
        "skip_requesting_account_id",
        "max_retries",
    ] {
        assert!(attr(name).is_some(), "provider attribute {name} missing");
    }
    for secret in ["access_key", "secret_key", "token"] {
        assert!(
            attr(secret).unwrap().sensitive,
            "{secret} must be sensitive"
        );
    }
    let blocks: Vec<&str> = provider
        .block_types
        .iter()
        .map(|b| b.type_name.as_str())
        .collect();
    for b in ["assume_role", "endpoints", "default_tags"] {
        assert!(blocks.contains(&b), "block {b} missing from {blocks:?}");
    }
    let endpoints = provider
        .block_types
        .iter()
        .find(|b| b.type_name == "endpoints")
        .and_then(|b| b.block.clone())
        .unwrap();
    let mut services: Vec<&str> = endpoints
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    services.sort();
    assert_eq!(
        services,
        [
            "acm",
            "applicationautoscaling",
            "dynamodb",
            "ec2",
            "ecs",
            "elbv2",
            "iam",
            "lambda",
            "logs",
            "rds",
            "s3",
            "secretsmanager",
            "sns",
            "sqs",
            "sts"
        ]
    );
    assert!(schema
        .data_source_schemas
        .contains_key("blueprint_caller_identity"));
    plugin.shutdown().await;
}

#[tokio::test]
async fn protocol_client_validate_reports_each_bad_value_on_its_path() {
    let bin = paths::provider_binary().unwrap();
    let mut plugin = PluginClient::launch(&bin).await.unwrap();
    let config = json!({
        "region": "moon-base",
        "max_retries": 500,
        "retry_mode": "eager",
        "endpoints": [{"s3": "localhost:4566", "sts": "http://127.0.0.1:1"}],
        "assume_role": [{"role_arn": "role/admin"}],
    });
    let resp = plugin
        .client
        .validate_provider_config(validate_provider_config::Request {
            config: Some(dynamic_value(&config).unwrap()),
        })
        .await
        .unwrap()
        .into_inner();
    let mut got = errors(&resp.diagnostics);
    got.sort();
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "assume_role[0].role_arn",
            "endpoints[0].s3",
            "max_retries",
            "region",
            "retry_mode"
        ],
        "{got:?}"
    );
    assert!(got.iter().any(|(_, m)| m.contains("moon-base")), "{got:?}");

    let good = json!({"region": "us-east-2", "endpoints": [{"s3": "http://127.0.0.1:4566"}]});
    let resp = plugin
        .client
        .validate_provider_config(validate_provider_config::Request {
            config: Some(dynamic_value(&good).unwrap()),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    plugin.shutdown().await;
}

#[tokio::test]
async fn protocol_client_configures_against_moto_and_reads_the_caller() {
    let moto = MotoServer::start().unwrap();
    let bin = paths::provider_binary().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let mut plugin = PluginClient::launch_with_env(&bin, &env).await.unwrap();
    let config = json!({"region": "us-east-1", "endpoints": [{"sts": moto.endpoint()}]});
    let resp = plugin
        .client
        .configure_provider(configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: Some(dynamic_value(&config).unwrap()),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let read = plugin
        .client
        .read_data_source(read_data_source::Request {
            type_name: "blueprint_caller_identity".into(),
            config: Some(dynamic_value(&json!({})).unwrap()),
            provider_meta: Some(dynamic_value(&serde_json::Value::Null).unwrap()),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let state = decode_value(read.state.as_ref().unwrap()).unwrap();
    assert_eq!(state["account_id"], "123456789012");
    assert_eq!(state["id"], "123456789012");
    assert!(
        state["arn"].as_str().unwrap().starts_with("arn:aws:"),
        "{state}"
    );
    plugin.shutdown().await;
}

#[tokio::test]
async fn protocol_client_configure_without_region_says_how_to_set_one() {
    let bin = paths::provider_binary().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", ""),
        ("AWS_DEFAULT_REGION", ""),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let mut plugin = PluginClient::launch_with_env(&bin, &env).await.unwrap();
    let resp = plugin
        .client
        .configure_provider(configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: Some(dynamic_value(&json!({"skip_credentials_validation": true})).unwrap()),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].1.contains("no AWS region"), "{errs:?}");
    assert!(errs[0].1.contains("AWS_REGION"), "{errs:?}");
    plugin.shutdown().await;
}

const CALLER_CONFIG: &str = r#"
data "blueprint_caller_identity" "me" {}

output "account_id" {
  value = data.blueprint_caller_identity.me.account_id
}

output "arn" {
  value = data.blueprint_caller_identity.me.arn
}
"#;

#[test]
fn terraform_init_schema_apply_plan_destroy_offline() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(CALLER_CONFIG).unwrap();
        let init = wd.init().unwrap();
        assert!(
            init.stdout
                .contains("Installing blueprint-iac/blueprint v0.1.0"),
            "{init}"
        );
        let lock = std::fs::read_to_string(wd.path().join(".terraform.lock.hcl")).unwrap();
        assert!(
            lock.contains("provider \"registry.terraform.io/blueprint-iac/blueprint\""),
            "{lock}"
        );
        assert!(
            lock.contains("\"h1:"),
            "lock file must carry a hash: {lock}"
        );

        let schema = wd
            .run(&["providers", "schema", "-json"])
            .unwrap()
            .ok()
            .unwrap();
        let schema: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
        let provider = &schema["provider_schemas"]["registry.terraform.io/blueprint-iac/blueprint"];
        assert_eq!(
            provider["provider"]["block"]["attributes"]["secret_key"]["sensitive"],
            true
        );
        assert!(provider["data_source_schemas"]["blueprint_caller_identity"].is_object());

        wd.apply().unwrap();
        let outputs = wd.outputs().unwrap();
        assert_eq!(outputs["account_id"]["value"], "123456789012");
        assert!(
            wd.plan_is_empty().unwrap(),
            "the plan right after apply must be empty"
        );
        wd.destroy().unwrap();
        let left = h.leftovers().unwrap();
        assert!(left.is_empty(), "{left:?}");
        Ok(())
    });
}

#[test]
fn terraform_shows_a_bad_provider_value_on_its_attribute() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir_with_provider("  max_retries = -3\n", CALLER_CONFIG)
            .unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = plan.all_output();
        assert!(text.contains("Invalid max_retries"), "{text}");
        assert!(
            text.contains("max_retries = -3"),
            "Terraform must point at the line: {text}"
        );
        Ok(())
    });
}

#[test]
fn fault_proxy_failures_surface_as_errors_and_clear_up() {
    let h = Harness::start_with_proxy().unwrap();
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", CALLER_CONFIG)
        .unwrap();
    wd.init().unwrap();
    h.proxy()
        .add_rule(FaultRule::always("GetCallerIdentity", Fault::ServerError));
    let failed = wd.try_apply().unwrap();
    assert_ne!(failed.code, 0, "{failed}");
    assert!(
        failed.all_output().contains("GetCallerIdentity") || failed.all_output().contains("STS"),
        "{failed}"
    );
    let injected = h
        .proxy()
        .requests()
        .iter()
        .filter(|r| r.action == "GetCallerIdentity" && r.fault == Some(Fault::ServerError))
        .count();
    assert_eq!(injected, 2, "one attempt plus max_retries = 1 retry");
    h.proxy().clear_rules();
    h.proxy().reset();
    h.proxy()
        .add_rule(FaultRule::first("GetCallerIdentity", Fault::DropConnection));
    wd.apply().unwrap();
    let actions: Vec<String> = h.proxy().requests().into_iter().map(|r| r.action).collect();
    assert!(
        actions.iter().filter(|a| *a == "GetCallerIdentity").count() >= 2,
        "{actions:?}"
    );
    wd.destroy().unwrap();
}

#[test]
fn moto_is_stopped_even_when_a_test_panics() {
    let port = std::sync::Mutex::new(0u16);
    let result = std::panic::catch_unwind(|| {
        let moto = MotoServer::start().unwrap();
        *port.lock().unwrap() = moto.port();
        panic!("test failure inside the harness");
    });
    assert!(result.is_err());
    let port = *port.lock().unwrap();
    assert_ne!(port, 0);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "moto must be gone after the panic"
    );
}

#[test]
fn caller_identity_example_applies_with_its_dynamic_endpoints_block() {
    for_each_terraform(|tf| {
        // The example's `endpoints` block is `dynamic` over a variable, so Terraform validates the
        // provider block while the block is still unknown: the plugin must accept that.
        let h = Harness::start()?.on(tf);
        let example = paths::workspace_root().join("terraform/examples/caller-identity/main.tf");
        let wd = h.empty_workdir().unwrap();
        wd.write("main.tf", &std::fs::read_to_string(example).unwrap())
            .unwrap();
        wd.init().unwrap();
        let var = format!("aws_endpoint={}", h.endpoint());
        wd.run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &var,
        ])
        .unwrap()
        .ok()
        .unwrap();
        assert_eq!(wd.outputs().unwrap()["account_id"]["value"], "123456789012");
        wd.run(&[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &var,
        ])
        .unwrap()
        .ok()
        .unwrap();
        Ok(())
    });
}

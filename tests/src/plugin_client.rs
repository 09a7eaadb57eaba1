//! A protocol-6 client that launches the plugin the way Terraform does.
//!
//! Terraform (go-plugin) starts the binary with the magic cookie, the protocol versions it
//! speaks and a fresh client certificate in the environment; the plugin answers with one
//! handshake line `CORE|PROTO|tcp|ADDR|grpc|BASE64_DER_SERVER_CERT` and then serves gRPC over
//! mutual TLS. The server certificate is pinned: the client accepts exactly the certificate
//! announced in the handshake, as go-plugin does.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine;
use blueprint_provider::protocol::tls::{self_signed, PinnedCert};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint, Uri};

use crate::go_plugin::grpc_controller_client::GrpcControllerClient;
use crate::go_plugin::grpc_stdio_client::GrpcStdioClient;
use crate::health::health_client::HealthClient;
use crate::tfplugin6::provider_client::ProviderClient;
use crate::tfplugin6::DynamicValue;

/// The handshake line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// go-plugin core protocol version (1).
    pub core_version: u32,
    /// Application protocol version (6).
    pub protocol_version: u32,
    /// `tcp` or `unix`.
    pub network: String,
    /// Address to dial.
    pub address: String,
    /// `grpc`.
    pub protocol: String,
    /// DER of the server certificate (empty if the plugin runs without TLS).
    pub server_cert_der: Vec<u8>,
}

impl Handshake {
    /// Parse `1|6|tcp|127.0.0.1:1234|grpc|BASE64`.
    pub fn parse(line: &str) -> Result<Self> {
        let parts: Vec<&str> = line.trim().split('|').collect();
        if parts.len() < 5 {
            bail!("malformed handshake line {line:?}");
        }
        let cert = match parts.get(5) {
            Some(c) if !c.is_empty() => base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(c.trim_end_matches('='))
                .context("server certificate in the handshake is not base64")?,
            _ => Vec::new(),
        };
        Ok(Self {
            core_version: parts[0].parse().context("core version")?,
            protocol_version: parts[1].parse().context("protocol version")?,
            network: parts[2].to_string(),
            address: parts[3].to_string(),
            protocol: parts[4].to_string(),
            server_cert_der: cert,
        })
    }
}

/// A running plugin and a connected client.
pub struct PluginClient {
    child: Child,
    /// The generated gRPC client.
    pub client: ProviderClient<Channel>,
    /// go-plugin's controller (Shutdown), on the same connection.
    pub controller: GrpcControllerClient<Channel>,
    /// go-plugin's stdio relay, on the same connection.
    pub stdio: GrpcStdioClient<Channel>,
    /// The gRPC health service, on the same connection.
    pub health: HealthClient<Channel>,
    /// The handshake the plugin printed.
    pub handshake: Handshake,
    /// Time from spawning the process to reading the handshake line.
    pub launch_to_handshake: Duration,
}

impl PluginClient {
    /// Launch `binary` as Terraform does and connect over mutual TLS.
    pub async fn launch(binary: &Path) -> Result<Self> {
        Self::launch_with_env(binary, &[]).await
    }

    /// Launch with extra environment variables.
    pub async fn launch_with_env(binary: &Path, env: &[(&str, &str)]) -> Result<Self> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        // Like go-plugin: a self-signed CA certificate as the client's identity.
        let client_id = self_signed(true)?;
        let start = Instant::now();
        let mut child = Command::new(binary)
            .env(
                "TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            )
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env("PLUGIN_CLIENT_CERT", &client_id.cert_pem)
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("launching {}", binary.display()))?;
        let stdout = child.stdout.take().context("plugin stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .context("no handshake line within 20 s")??
            .context("plugin closed stdout before its handshake")?;
        let launch_to_handshake = start.elapsed();
        // Keep draining stdout so the plugin never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let handshake = Handshake::parse(&line)?;
        if handshake.protocol_version != 6
            || handshake.network != "tcp"
            || handshake.protocol != "grpc"
        {
            bail!("unexpected handshake {line:?}");
        }
        let mut tls = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCert::new(
                handshake.server_cert_der.clone(),
                provider,
            )))
            .with_client_auth_cert(vec![client_id.cert_der], client_id.key)?;
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
        let address = handshake.address.clone();
        let connect = tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let address = address.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(&address).await?;
                let name = ServerName::try_from("localhost")
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        });
        let channel = Endpoint::from_static("http://localhost")
            .connect_timeout(Duration::from_secs(10))
            .connect_with_connector(connect)
            .await
            .context("connecting to the plugin over mTLS")?;
        Ok(Self {
            child,
            controller: GrpcControllerClient::new(channel.clone()),
            stdio: GrpcStdioClient::new(channel.clone()),
            health: HealthClient::new(channel.clone()),
            client: ProviderClient::new(channel),
            handshake,
            launch_to_handshake,
        })
    }

    /// Wait for the plugin process to exit (at most `limit`); its exit status, if it did.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .ok()?
            .ok()
    }

    /// Resident set size of the plugin process, in KiB (Linux `/proc`).
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
    }

    /// End the plugin as Terraform does: StopProvider, then GRPCController.Shutdown (kill if it
    /// lingers).
    pub async fn shutdown(mut self) {
        let _ = self
            .client
            .stop_provider(crate::tfplugin6::stop_provider::Request {})
            .await;
        let _ = self.controller.shutdown(crate::go_plugin::Empty {}).await;
        drop(self.client);
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Encode a JSON value as Terraform does (MessagePack).
pub fn dynamic_value(value: &serde_json::Value) -> Result<DynamicValue> {
    Ok(DynamicValue {
        msgpack: rmp_serde::to_vec_named(value)?,
        json: Vec::new(),
    })
}

/// Decode a MessagePack dynamic value into JSON (unknown values are not expected here).
pub fn decode_value(value: &DynamicValue) -> Result<serde_json::Value> {
    if !value.msgpack.is_empty() {
        Ok(rmp_serde::from_slice(&value.msgpack)?)
    } else if !value.json.is_empty() {
        Ok(serde_json::from_slice(&value.json)?)
    } else {
        Ok(serde_json::Value::Null)
    }
}

/// An attribute path as text, e.g. `endpoints[0].s3`.
pub fn path_text(path: &crate::tfplugin6::AttributePath) -> String {
    use crate::tfplugin6::attribute_path::step::Selector;
    let mut out = String::new();
    for step in &path.steps {
        match &step.selector {
            Some(Selector::AttributeName(n)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(n);
            }
            Some(Selector::ElementKeyString(k)) => out.push_str(&format!("[{k:?}]")),
            Some(Selector::ElementKeyInt(i)) => out.push_str(&format!("[{i}]")),
            None => {}
        }
    }
    out
}

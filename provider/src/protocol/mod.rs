//! Blueprint's own server for Terraform's plugin protocol 6 (6.9 definitions; 6.0 clients
//! such as Terraform 1.0 use the subset they know).
//!
//! - [`value`], [`attribute_path`], [`diagnostics`], [`schema`]: the types providers speak.
//! - [`codec`]: MessagePack/JSON values to and from typed states.
//! - [`traits`]: `Provider`, `Resource`, `DataSource` and their object-safe forms.
//! - [`server`]: the gRPC services (tfplugin6, go-plugin's controller and stdio, health).
//! - [`handshake`], [`tls`]: go-plugin's launch protocol and its pinned-certificate mTLS.
//! - [`write_only`]: write-only attributes (6.8) never leave the server in a plan or a state.
//!
//! Generated code comes from `proto/` through `build.rs` ([`proto`]).

pub mod attribute_path;
pub mod codec;
pub mod diagnostics;
pub mod handshake;
pub mod proto;
pub mod schema;
pub mod server;
pub mod tls;
pub mod traits;
pub mod value;
pub mod write_only;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use self::proto::{health as health_pb, plugin as plugin_pb, tfplugin6 as pb};

/// The plugin protocol version served (major; the minor is 6.9, see `proto/tfplugin6.proto`).
pub const PROTOCOL_VERSION: u32 = 6;

/// How long a Shutdown waits for connections to finish before the process ends anyway
/// (go-plugin kills the process 2 s after asking).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Serve `provider` as Terraform's plugin `name` until Terraform calls Shutdown: handshake on
/// stdout, then gRPC (over mTLS when Terraform passed its certificate). `stop` is cancelled on
/// StopProvider; it does not end the server.
pub async fn serve<P: traits::Provider>(
    name: &str,
    provider: P,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let get = |k: &str| std::env::var(k).ok();
    let tls = match get(tls::CLIENT_CERT_KEY) {
        Some(pem) if !pem.trim().is_empty() => Some(tls::ServerTls::for_client(&pem)?),
        _ => None,
    };
    let listener = handshake::listen(get).await?;
    let addr = listener.local_addr()?;
    tracing::debug!(
        offered = get(crate::plugin_env::PROTOCOL_VERSIONS_KEY).as_deref().unwrap_or(""),
        chosen = PROTOCOL_VERSION,
        mtls = tls.is_some(),
        %addr,
        "plugin handshake"
    );
    let shutdown = CancellationToken::new();
    let service = Arc::new(server::ProviderService::new(name, Box::new(provider), stop));
    let router = tonic::transport::Server::builder()
        .add_service(pb::provider_server::ProviderServer::from_arc(
            service.clone(),
        ))
        .add_service(
            plugin_pb::grpc_controller_server::GrpcControllerServer::new(server::Controller {
                shutdown: shutdown.clone(),
            }),
        )
        .add_service(plugin_pb::grpc_stdio_server::GrpcStdioServer::new(
            server::Stdio {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(health_pb::health_server::HealthServer::new(
            server::Health {
                shutdown: shutdown.clone(),
            },
        ));

    {
        let line = handshake::line(
            PROTOCOL_VERSION,
            addr,
            tls.as_ref().map(|t| t.cert_der.as_slice()),
        );
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }

    let signal = {
        let shutdown = shutdown.clone();
        async move { shutdown.cancelled().await }
    };
    let served = async {
        match tls {
            Some(tls) => {
                router
                    .serve_with_incoming_shutdown(tls_incoming(listener, tls.config), signal)
                    .await
            }
            None => {
                let incoming = futures::stream::unfold(listener, |l| async move {
                    let conn = l.accept().await.map(|(s, _)| s);
                    Some((conn, l))
                });
                router.serve_with_incoming_shutdown(incoming, signal).await
            }
        }
    };
    tokio::pin!(served);
    let result = tokio::select! {
        r = &mut served => r,
        // Shutdown asked: give connections a moment to finish, then end regardless.
        _ = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    };
    let negotiated = service.negotiated();
    tracing::debug!(?negotiated, "plugin server stopped");
    result.map_err(anyhow::Error::from)
}

/// Accept TCP connections and complete each TLS handshake in its own task, so a slow or
/// failing client never holds up the next one.
fn tls_incoming(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
) -> impl futures::Stream<
    Item = Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>, std::io::Error>,
> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("accepting a plugin connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match acceptor.accept(tcp).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Err(e) => tracing::warn!(%peer, "TLS handshake refused: {e}"),
                }
            });
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).boxed()
}

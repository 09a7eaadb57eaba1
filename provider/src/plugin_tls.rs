//! An mTLS front that lets Terraform's own client certificate in.
//!
//! go-plugin (Terraform's side) authenticates with a self-signed certificate marked as a CA,
//! and `tf-provider` hands it to rustls as the only trusted root; rustls-webpki then rejects it
//! as a "CA used as end entity" and every RPC fails with "connection closed". The front fixes
//! that around `tf-provider`, keeping both hops mutually authenticated:
//!
//! ```text
//! Terraform ──mTLS (Terraform's cert, pinned)──▶ front ──mTLS (a cert only this process has)──▶ tf-provider
//! ```
//!
//! [`Front::prepare`] swaps `PLUGIN_CLIENT_CERT` for a certificate this process generates and
//! captures stdout so that `tf-provider`'s handshake line (the inner address) is read here;
//! [`Front::run`] prints the real handshake line with the front's address and certificate, then
//! relays HTTP/2 requests between the two TLS sessions, one inner connection per outer one.
//!
//! The relay understands HTTP/2 (not gRPC messages) for one reason: **StopProvider**.
//! `tf-provider` answers it by shutting its gRPC server down (GOAWAY) while an
//! ApplyResourceChange may still be running, and the process then exits under it: Terraform
//! reports "Plugin did not respond", the partial state is lost and the children leak. The front
//! answers StopProvider itself and cancels the provider's stop token instead, so every wait and
//! retry ends early and every RPC in flight returns the state it has. The process ends when
//! Terraform says so (GRPCController.Shutdown, relayed) or, after a stop, when Terraform's
//! last connection closes.

use std::convert::Infallible;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{Either, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio_util::sync::CancellationToken;

/// Environment variable in which Terraform passes its client certificate (PEM).
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";

/// Why the front could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    /// The certificate in `PLUGIN_CLIENT_CERT` is not PEM.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating a certificate failed.
    #[error("generating a TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// TLS configuration failed.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// An OS call failed.
    #[error("{0}: {1}")]
    Io(&'static str, std::io::Error),
    /// The inner server's handshake line was not understood.
    #[error("unexpected handshake line from tf-provider: {0:?}")]
    Handshake(String),
}

/// Accepts exactly one certificate, compared byte for byte: go-plugin's trust model (the peer's
/// certificate is the only root) without the chain checks that reject a self-signed CA leaf.
#[derive(Debug)]
pub struct PinnedCert {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl PinnedCert {
    /// Pin `der`, checking signatures with `provider`'s algorithms.
    pub fn new(der: Vec<u8>, provider: Arc<CryptoProvider>) -> Self {
        Self { der, provider }
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if presented.as_ref() == self.der.as_slice() {
            Ok(())
        } else {
            Err(rustls::Error::General(
                "peer certificate is not the one announced in the plugin handshake".into(),
            ))
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|_| ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

impl ClientCertVerifier for PinnedCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|_| ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

/// A certificate and its key.
pub struct Identity {
    /// PEM of the certificate.
    pub cert_pem: String,
    /// DER of the certificate.
    pub cert_der: CertificateDer<'static>,
    /// PKCS#8 key.
    pub key: PrivateKeyDer<'static>,
}

/// A self-signed certificate for `localhost`. go-plugin expects the server's to be a CA (it adds
/// it to its root pool); a client certificate for rustls must not be one.
pub fn self_signed(ca: bool) -> Result<Identity, rcgen::Error> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    if ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
    }
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = params.self_signed(&key)?;
    Ok(Identity {
        cert_pem: cert.pem(),
        cert_der: CertificateDer::from(cert.der().to_vec()),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// The front, prepared before `tf-provider` starts.
pub struct Front {
    terraform_cert: Vec<u8>,
    inner_client: Identity,
    real_stdout: File,
    captured: File,
}

fn check_os(ret: libc::c_int, what: &'static str) -> Result<libc::c_int, FrontError> {
    if ret < 0 {
        Err(FrontError::Io(what, std::io::Error::last_os_error()))
    } else {
        Ok(ret)
    }
}

impl Front {
    /// When Terraform asked for mTLS, take its certificate, give `tf-provider` one of ours, and
    /// capture stdout. Call before any thread is started. `None`: serve as `tf-provider` does.
    pub fn prepare() -> Result<Option<Self>, FrontError> {
        let pem = match std::env::var(CLIENT_CERT_KEY) {
            Ok(p) if !p.trim().is_empty() => p,
            _ => return Ok(None),
        };
        let terraform_cert = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| FrontError::ClientCert(e.to_string()))?
            .as_ref()
            .to_vec();
        let inner_client = self_signed(false)?;
        // Single-threaded here: no other thread reads the environment concurrently.
        std::env::set_var(CLIENT_CERT_KEY, &inner_client.cert_pem);

        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: plain POSIX calls on descriptors this function owns; results are checked.
        let (real_stdout, captured) = unsafe {
            check_os(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), "pipe")?;
            let saved = check_os(libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3), "dup stdout")?;
            check_os(libc::dup2(fds[1], 1), "redirect stdout")?;
            libc::close(fds[1]);
            (
                File::from(OwnedFd::from_raw_fd(saved)),
                File::from(OwnedFd::from_raw_fd(fds[0])),
            )
        };
        Ok(Some(Self {
            terraform_cert,
            inner_client,
            real_stdout,
            captured,
        }))
    }

    /// Wait for `tf-provider`'s handshake, announce the front, and relay connections until
    /// `finished` is cancelled (the inner server ended) or, once `stop` is cancelled, until no
    /// connection is left. StopProvider cancels `stop` and is answered here, not relayed.
    pub async fn run(
        self,
        stop: CancellationToken,
        finished: CancellationToken,
    ) -> Result<(), FrontError> {
        let Front {
            terraform_cert,
            inner_client,
            mut real_stdout,
            captured,
        } = self;
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(captured).read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| FrontError::Io("reading the handshake", std::io::Error::other(e)))?
        .map_err(|e| FrontError::Io("reading the handshake", e))?;
        // Give stdout back: nothing else of tf-provider's should be swallowed.
        std::io::stdout().flush().ok();
        // SAFETY: duplicating a descriptor this process owns onto fd 1.
        unsafe {
            use std::os::fd::AsRawFd;
            check_os(libc::dup2(real_stdout.as_raw_fd(), 1), "restore stdout")?;
        }
        let parts: Vec<&str> = line.trim().split('|').collect();
        if parts.len() < 6 || parts[2] != "tcp" {
            return Err(FrontError::Handshake(line));
        }
        let inner_addr = parts[3].to_string();
        let inner_cert = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5].trim_end_matches('='))
            .map_err(|_| FrontError::Handshake(line.clone()))?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let front_id = self_signed(true)?;
        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(Arc::new(PinnedCert::new(terraform_cert, provider.clone())))
            .with_single_cert(vec![front_id.cert_der.clone()], front_id.key)?;
        server.alpn_protocols = vec![b"h2".to_vec()];
        let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCert::new(inner_cert, provider)))
            .with_client_auth_cert(vec![inner_client.cert_der], inner_client.key)?;
        client.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));

        let listener = bind_plugin_port().await?;
        let addr = listener
            .local_addr()
            .map_err(|e| FrontError::Io("local address", e))?;
        writeln!(
            real_stdout,
            "1|6|tcp|{addr}|grpc|{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(front_id.cert_der.as_ref())
        )
        .and_then(|_| real_stdout.flush())
        .map_err(|e| FrontError::Io("writing the handshake", e))?;

        let open = Connections::default();
        let mut served_any = false;
        loop {
            // After a stop, Terraform only finishes what is in flight and closes: when its
            // last connection is gone, nothing else will come.
            let stopped_and_idle = async {
                stop.cancelled().await;
                open.idle().await;
            };
            let tcp = tokio::select! {
                accepted = listener.accept() => {
                    accepted.map_err(|e| FrontError::Io("accept", e))?.0
                }
                _ = finished.cancelled() => break,
                _ = stopped_and_idle, if served_any => {
                    tracing::debug!("stopped and Terraform closed its connections: exiting");
                    break;
                }
            };
            served_any = true;
            let relay = Relay {
                acceptor: acceptor.clone(),
                connector: connector.clone(),
                inner_addr: inner_addr.clone(),
                stop: stop.clone(),
            };
            let guard = open.enter();
            tokio::spawn(async move {
                if let Err(err) = relay.serve(tcp).await {
                    tracing::debug!("plugin connection ended: {err}");
                }
                drop(guard);
            });
        }
        // Let the last answers (Shutdown's, an interrupted apply's) reach Terraform before the
        // process exits; Terraform closes its side right after.
        let _ = tokio::time::timeout(Duration::from_secs(2), open.idle()).await;
        Ok(())
    }
}

/// The gRPC method that `tf-provider` would answer by shutting its server down.
pub const STOP_PROVIDER_PATH: &str = "/tfplugin6.Provider/StopProvider";

/// Counts the relayed connections, to know when Terraform has closed them all.
#[derive(Clone)]
struct Connections {
    count: Arc<tokio::sync::watch::Sender<usize>>,
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            count: Arc::new(tokio::sync::watch::channel(0).0),
        }
    }
}

/// Held while a connection is open.
struct ConnectionGuard(Arc<tokio::sync::watch::Sender<usize>>);

impl Connections {
    fn enter(&self) -> ConnectionGuard {
        self.count.send_modify(|n| *n += 1);
        ConnectionGuard(self.count.clone())
    }

    async fn idle(&self) {
        let mut rx = self.count.subscribe();
        // The sender lives in `self`, so this only returns once the count is zero.
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// What a relayed response carries: `tf-provider`'s body, or the front's own answer.
type RelayBody = Either<
    Incoming,
    StreamBody<futures::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>>,
>;

/// One Terraform connection, relayed request by request to its own inner connection.
struct Relay {
    acceptor: tokio_rustls::TlsAcceptor,
    connector: tokio_rustls::TlsConnector,
    inner_addr: String,
    stop: CancellationToken,
}

impl Relay {
    async fn serve(self, tcp: tokio::net::TcpStream) -> Result<(), RelayError> {
        let outer = self.acceptor.accept(tcp).await?;
        let inner_tcp = tokio::net::TcpStream::connect(&self.inner_addr).await?;
        let name = ServerName::try_from("localhost")
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let inner = self.connector.connect(name, inner_tcp).await?;
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(inner))
                .await?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("inner plugin connection ended: {err}");
            }
        });
        let stop = self.stop;
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut sender = sender.clone();
            let stop = stop.clone();
            async move {
                if req.uri().path() == STOP_PROVIDER_PATH {
                    tracing::warn!("StopProvider: cancelling AWS waits and retries");
                    stop.cancel();
                    return Ok::<_, hyper::Error>(stop_provider_response());
                }
                let response = sender.send_request(req).await?;
                Ok(response.map(Either::Left))
            }
        });
        hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(outer), service)
            .await?;
        Ok(())
    }
}

/// The gRPC answer to StopProvider: an empty `StopProvider.Response` (no error) and status OK.
fn stop_provider_response() -> hyper::Response<RelayBody> {
    // gRPC framing: not compressed, a 0-byte message (every field of the response is empty).
    let message = Bytes::from_static(&[0, 0, 0, 0, 0]);
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    let frames = vec![Ok(Frame::data(message)), Ok(Frame::trailers(trailers))];
    let mut response = hyper::Response::new(Either::Right(StreamBody::new(futures::stream::iter(
        frames,
    ))));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    response
}

/// Why one relayed connection ended.
#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Http(#[from] hyper::Error),
}

async fn bind_plugin_port() -> Result<tokio::net::TcpListener, FrontError> {
    let min: u16 = std::env::var("PLUGIN_MIN_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let max: u16 = std::env::var("PLUGIN_MAX_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if min == 0 || max < min {
        return tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| FrontError::Io("bind", e));
    }
    let mut last = None;
    for port in min..=max {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(FrontError::Io(
        "no free port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT",
        last.unwrap_or_else(|| std::io::Error::other("empty port range")),
    ))
}

//! go-plugin's handshake: listen, then print the line Terraform reads from stdout,
//! `CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|grpc|SERVER-CERT`.

use std::net::SocketAddr;

use base64::Engine;
use tokio::net::TcpListener;

/// go-plugin's core protocol version.
pub const CORE_PROTOCOL_VERSION: u32 = 1;

/// The port range go-plugin asks plugins to listen in.
const MIN_PORT_KEY: &str = "PLUGIN_MIN_PORT";
const MAX_PORT_KEY: &str = "PLUGIN_MAX_PORT";

/// Listen on 127.0.0.1, in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when both are set (as go-plugin
/// servers do), else on any free port.
pub async fn listen(get: impl Fn(&str) -> Option<String>) -> std::io::Result<TcpListener> {
    let port = |k: &str| get(k).and_then(|v| v.trim().parse::<u16>().ok());
    if let (Some(min), Some(max)) = (port(MIN_PORT_KEY), port(MAX_PORT_KEY)) {
        let mut last = None;
        for p in min..=max {
            match TcpListener::bind(("127.0.0.1", p)).await {
                Ok(l) => return Ok(l),
                Err(e) => last = Some(e),
            }
        }
        if let Some(e) = last {
            return Err(e);
        }
    }
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// The handshake line (without newline). `server_cert` is the DER Terraform must pin; without
/// one (no `PLUGIN_CLIENT_CERT`) the connection is plain and the field is empty.
pub fn line(app_protocol: u32, addr: SocketAddr, server_cert: Option<&[u8]>) -> String {
    let cert = server_cert
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{app_protocol}|tcp|{addr}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_line_shape() {
        let addr: SocketAddr = "127.0.0.1:4242".parse().unwrap();
        assert_eq!(line(6, addr, None), "1|6|tcp|127.0.0.1:4242|grpc|");
        let l = line(6, addr, Some(&[1, 2, 3]));
        assert_eq!(l, "1|6|tcp|127.0.0.1:4242|grpc|AQID");
    }

    #[tokio::test]
    async fn listens_in_the_requested_range() {
        let l = listen(|k| match k {
            MIN_PORT_KEY => Some("0".into()),
            MAX_PORT_KEY => Some("0".into()),
            _ => None,
        })
        .await
        .unwrap();
        assert!(l.local_addr().unwrap().ip().is_loopback());
    }
}

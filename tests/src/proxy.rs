//! A fault-injecting HTTP proxy between the provider and moto.
//!
//! Every request is forwarded to the upstream and recorded with the AWS action it carries
//! (from `X-Amz-Target`, the query protocol's `Action=`, or S3's method and sub-resource).
//! Rules fail chosen requests with a 500, a throttling error or a dropped connection, so
//! tests can prove that a failure at any step leaves nothing behind, or hold a request for a
//! while before forwarding it, so that a test can interrupt an operation at a chosen step.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::oneshot;

/// How a matched request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with the protocol's internal-error body.
    ServerError,
    /// The protocol's throttling error.
    Throttle,
    /// Close the connection without answering.
    DropConnection,
    /// Not a failure: wait this long, then forward the request as usual.
    Delay(Duration),
}

/// Which requests a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The Nth request the proxy sees (1-based), counted from start or the last `reset`.
    Nth(usize),
    /// Requests carrying this AWS action, e.g. `CreateBucket` or `RunInstances`.
    Action(String),
}

/// A fault rule.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// What it matches.
    pub trigger: Trigger,
    /// What it does.
    pub fault: Fault,
    /// How many matching requests fail (`None`: every one).
    pub times: Option<usize>,
}

impl FaultRule {
    /// Fail only the first request of `action`.
    pub fn first(action: &str, fault: Fault) -> Self {
        Self {
            trigger: Trigger::Action(action.to_string()),
            fault,
            times: Some(1),
        }
    }
    /// Fail every request of `action` (retries included).
    pub fn always(action: &str, fault: Fault) -> Self {
        Self {
            trigger: Trigger::Action(action.to_string()),
            fault,
            times: None,
        }
    }
    /// Hold the first request of `action` for `delay` before forwarding it (it then succeeds).
    pub fn delay(action: &str, delay: Duration) -> Self {
        Self::first(action, Fault::Delay(delay))
    }
    /// Fail the Nth request.
    pub fn nth(n: usize, fault: Fault) -> Self {
        Self {
            trigger: Trigger::Nth(n),
            fault,
            times: Some(1),
        }
    }
}

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// AWS service from the SigV4 credential scope (`s3`, `ec2`...), if signed.
    pub service: String,
    /// AWS action, e.g. `CreateBucket`.
    pub action: String,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

#[derive(Default)]
struct State {
    rules: Vec<(FaultRule, usize)>,
    seen: usize,
    log: Vec<RequestRecord>,
}

/// The distinct actions of `requests` that change something (not Get/Describe/List/Head), in
/// the order first seen: the fault points of an operation.
pub fn mutating_actions(requests: &[RequestRecord]) -> Vec<String> {
    let mut points: Vec<String> = Vec::new();
    for r in requests {
        let read_only = ["Describe", "Get", "List", "Head"]
            .iter()
            .any(|p| r.action.starts_with(p));
        if !read_only && !points.contains(&r.action) {
            points.push(r.action.clone());
        }
    }
    points
}

/// A running proxy. Dropping it stops it.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl FaultProxy {
    /// Start a proxy in front of `upstream` (e.g. `http://127.0.0.1:5000`).
    pub fn start(upstream: &str) -> Result<Self> {
        let upstream: http::Uri = upstream.parse().context("upstream URL")?;
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, mut rx) = oneshot::channel::<()>();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                        return;
                    };
                    let client: Client<_, Full<Bytes>> =
                        Client::builder(TokioExecutor::new()).build_http();
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let state = thread_state.clone();
                                let client = client.clone();
                                let upstream = upstream.clone();
                                tokio::spawn(async move {
                                    let service = hyper::service::service_fn(move |req| {
                                        handle(req, state.clone(), client.clone(), upstream.clone())
                                    });
                                    let _ = hyper::server::conn::http1::Builder::new()
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                });
                            }
                        }
                    }
                });
            })?;
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The proxy's URL, to use as every endpoint override.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Add a rule; rules are tried in order and the first match applies.
    pub fn add_rule(&self, rule: FaultRule) {
        lock(&self.state).rules.push((rule, 0));
    }

    /// Remove every rule.
    pub fn clear_rules(&self) {
        lock(&self.state).rules.clear();
    }

    /// Forget the request log and restart the request count.
    pub fn reset(&self) {
        let mut s = lock(&self.state);
        s.log.clear();
        s.seen = 0;
    }

    /// Every request since the start or the last reset.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state).log.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type ProxyClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// The error that makes hyper close the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}
impl std::error::Error for Dropped {}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
    client: ProxyClient,
    upstream: http::Uri,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let service = signed_service(&parts.headers);
    let action = aws_action(&parts.method, &parts.uri, &parts.headers, &body);
    let json_protocol = parts.headers.contains_key("x-amz-target");
    let fault = {
        let mut s = lock(&state);
        s.seen += 1;
        let n = s.seen;
        let mut fault = None;
        for (rule, used) in s.rules.iter_mut() {
            let matches = match &rule.trigger {
                Trigger::Nth(k) => *k == n,
                Trigger::Action(a) => *a == action,
            };
            if matches && rule.times.is_none_or(|t| *used < t) {
                *used += 1;
                fault = Some(rule.fault);
                break;
            }
        }
        s.log.push(RequestRecord {
            service: service.clone(),
            action: action.clone(),
            fault,
        });
        fault
    };
    match fault {
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(f) => return Ok(fault_response(f, &service, json_protocol)),
        None => {}
    }
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri = format!(
        "{}://{}{}",
        upstream.scheme_str().unwrap_or("http"),
        upstream.authority().map(|a| a.as_str()).unwrap_or(""),
        path
    );
    let mut out = Request::builder().method(parts.method).uri(uri);
    for (k, v) in parts.headers.iter() {
        out = out.header(k, v);
    }
    let Ok(out) = out.body(Full::new(body)) else {
        return Err(Dropped);
    };
    let resp = client.request(out).await.map_err(|_| Dropped)?;
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

fn fault_response(fault: Fault, service: &str, json_protocol: bool) -> Response<Full<Bytes>> {
    let (status, code) = match (fault, json_protocol, service) {
        (Fault::ServerError, true, _) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
        (Fault::ServerError, false, "s3") => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
        (Fault::ServerError, false, _) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
        (Fault::Throttle, true, _) => (StatusCode::BAD_REQUEST, "ThrottlingException"),
        (Fault::Throttle, false, "s3") => (StatusCode::SERVICE_UNAVAILABLE, "SlowDown"),
        (Fault::Throttle, false, _) => (StatusCode::BAD_REQUEST, "Throttling"),
        (Fault::DropConnection | Fault::Delay(_), ..) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure")
        }
    };
    let message = "injected by the Blueprint fault proxy";
    let (content_type, body) = if json_protocol {
        (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
        )
    } else if service == "s3" {
        (
            "application/xml",
            format!("<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
        )
    } else if service == "ec2" {
        (
            "text/xml",
            format!("<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"),
        )
    } else {
        (
            "text/xml",
            format!("<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"),
        )
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    resp
}

/// The service named in a SigV4 `Authorization` header's credential scope.
pub fn signed_service(headers: &http::HeaderMap) -> String {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| {
            let scope = auth.split("Credential=").nth(1)?;
            let scope = scope.split([',', ' ']).next()?;
            scope.split('/').nth(3).map(str::to_string)
        })
        .unwrap_or_default()
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then_some(v)
    })
}

/// The AWS action a request carries.
pub fn aws_action(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    body: &[u8],
) -> String {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    let query = uri.query().unwrap_or("");
    if let Some(a) = query_param(query, "Action") {
        return a.to_string();
    }
    let is_form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        if let Some(a) = std::str::from_utf8(body)
            .ok()
            .and_then(|b| query_param(b, "Action"))
        {
            return a.to_string();
        }
    }
    s3_action(method, uri)
}

fn s3_action(method: &http::Method, uri: &http::Uri) -> String {
    let query = uri.query().unwrap_or("");
    let has = |k: &str| query_param(query, k).is_some();
    let segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let object = segments.len() > 1;
    let m = method.as_str();
    let sub = [
        ("versioning", "BucketVersioning"),
        ("encryption", "BucketEncryption"),
        ("publicAccessBlock", "PublicAccessBlock"),
        ("policy", "BucketPolicy"),
        ("tagging", "BucketTagging"),
        ("lifecycle", "BucketLifecycleConfiguration"),
        ("ownershipControls", "BucketOwnershipControls"),
        ("acl", "BucketAcl"),
        ("location", "BucketLocation"),
    ]
    .into_iter()
    .find(|(k, _)| has(k));
    if let Some((_, name)) = sub {
        let verb = match m {
            "PUT" => "Put",
            "DELETE" => "Delete",
            _ => "Get",
        };
        if object && name == "BucketTagging" {
            return format!("{verb}ObjectTagging");
        }
        return format!("{verb}{name}");
    }
    if has("versions") {
        return "ListObjectVersions".into();
    }
    if has("delete") && m == "POST" {
        return "DeleteObjects".into();
    }
    match (m, segments.len(), object) {
        ("GET", 0, _) => "ListBuckets".into(),
        ("PUT", 1, _) => "CreateBucket".into(),
        ("DELETE", 1, _) => "DeleteBucket".into(),
        ("HEAD", 1, _) => "HeadBucket".into(),
        ("GET", 1, _) => "ListObjects".into(),
        ("PUT", _, true) => "PutObject".into(),
        ("GET", _, true) => "GetObject".into(),
        ("HEAD", _, true) => "HeadObject".into(),
        ("DELETE", _, true) => "DeleteObject".into(),
        _ => format!("S3:{m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> String {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        aws_action(
            &method.parse().unwrap(),
            &uri.parse().unwrap(),
            &map,
            body.as_bytes(),
        )
    }

    #[test]
    fn actions_of_each_protocol() {
        assert_eq!(
            action(
                "POST",
                "/",
                &[("x-amz-target", "DynamoDB_20120810.CreateTable")],
                "{}"
            ),
            "CreateTable"
        );
        assert_eq!(
            action(
                "POST",
                "/",
                &[(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8"
                )],
                "Action=RunInstances&Version=2016-11-15"
            ),
            "RunInstances"
        );
        assert_eq!(action("PUT", "/bucket", &[], ""), "CreateBucket");
        assert_eq!(
            action("PUT", "/bucket?versioning", &[], ""),
            "PutBucketVersioning"
        );
        assert_eq!(
            action("GET", "/bucket?versioning", &[], ""),
            "GetBucketVersioning"
        );
        assert_eq!(action("POST", "/bucket?delete", &[], ""), "DeleteObjects");
        assert_eq!(action("PUT", "/bucket/key/x", &[], ""), "PutObject");
        assert_eq!(
            action("DELETE", "/bucket?publicAccessBlock", &[], ""),
            "DeletePublicAccessBlock"
        );
    }

    #[test]
    fn service_from_credential_scope() {
        let mut map = http::HeaderMap::new();
        map.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x",
            ),
        );
        assert_eq!(signed_service(&map), "s3");
    }
}

//! Logging to stderr, which Terraform collects into its own log when `TF_LOG` is set, with
//! credentials taken out of every line.
//!
//! The AWS SDK logs its `Credentials { access_key_id: "…", … }` at debug level (the secret key is
//! already redacted there, the access key id is not), and signed requests carry the access key id
//! in `Credential=…/`. Every formatted line goes through [`redact`] before it is written:
//!
//! - `access_key_id: "…"` and SigV4's `Credential=…/` lose their value;
//! - anything shaped like an AWS access key id (`AKIA…`, `ASIA…`) is replaced;
//! - the credentials the plugin was given (the `AWS_*` environment variables at startup, the
//!   provider block's `access_key`/`secret_key`/`token` at configure) are replaced wherever they
//!   appear, whatever their shape.
//!
//! When `PLUGIN_LOG_FILE` is set (a plugin-SDK convention), [`init`] writes that file at trace
//! level, through the same filter.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Mutex, OnceLock, RwLock};

use regex::Regex;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// What replaces a credential in a log line.
pub const REDACTED: &str = "** redacted **";

/// Secrets shorter than this are not replaced as plain text (a test key such as `testing` would
/// blank out every occurrence of the word); the shape patterns still apply to them.
const MIN_LITERAL_LEN: usize = 8;

struct Redactor {
    /// `access_key_id: "…"` (Debug of the SDK's credentials) and `Credential=…/` (SigV4).
    labelled: Regex,
    /// The shape of long-term (`AKIA`) and temporary (`ASIA`) access key ids.
    key_shape: Regex,
    /// Credentials the process knows, longest first.
    literals: RwLock<Vec<String>>,
}

fn redactor() -> &'static Redactor {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(|| Redactor {
        // Both patterns are literals checked by the unit tests below: they compile.
        labelled: Regex::new(
            r#"(?P<label>access_key_id: "|access_key_id=|Credential=)(?P<value>[^"/,\s]+)"#,
        )
        .unwrap_or_else(|_| unreachable!("constant pattern")),
        key_shape: Regex::new(r"\b(?:AKIA|ASIA)[A-Z0-9]{16,124}\b")
            .unwrap_or_else(|_| unreachable!("constant pattern")),
        literals: RwLock::new(Vec::new()),
    })
}

/// Replace `secret` wherever it appears in later log lines (an access key id, a secret key, a
/// session token). Values shorter than 8 characters are ignored.
pub fn redact_secret(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_LITERAL_LEN {
        return;
    }
    let r = redactor();
    let mut literals = match r.literals.write() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if !literals.iter().any(|l| l == secret) {
        literals.push(secret.to_string());
        literals.sort_by_key(|l| std::cmp::Reverse(l.len()));
    }
}

/// `line` with every credential replaced by [`REDACTED`].
pub fn redact(line: &str) -> Cow<'_, str> {
    let r = redactor();
    let mut out = Cow::Borrowed(line);
    {
        let literals = match r.literals.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        for secret in literals.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
    }
    if r.labelled.is_match(&out) {
        out = Cow::Owned(
            r.labelled
                .replace_all(&out, format!("${{label}}{REDACTED}"))
                .into_owned(),
        );
    }
    if r.key_shape.is_match(&out) {
        out = Cow::Owned(r.key_shape.replace_all(&out, REDACTED).into_owned());
    }
    out
}

/// Where the filtered lines go.
enum Sink {
    Stderr,
    File(Mutex<std::fs::File>),
}

/// A [`MakeWriter`] whose writers buffer one event and write it redacted when dropped
/// (`tracing-subscriber` formats an event fully, writes it, then drops the writer).
pub struct RedactingWriter {
    sink: &'static Sink,
}

/// The writer of one event.
pub struct EventWriter {
    sink: &'static Sink,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let clean = redact(&text);
        // A log line that cannot be written is dropped: logging must never fail an RPC.
        let _ = match self.sink {
            Sink::Stderr => std::io::stderr().lock().write_all(clean.as_bytes()),
            Sink::File(file) => match file.lock() {
                Ok(mut f) => f.write_all(clean.as_bytes()),
                Err(p) => p.into_inner().write_all(clean.as_bytes()),
            },
        };
    }
}

impl<'a> MakeWriter<'a> for RedactingWriter {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            sink: self.sink,
            buf: Vec::new(),
        }
    }
}

/// The level that `TF_LOG_PROVIDER` or `TF_LOG` asks for.
fn level_from(value: Option<String>) -> &'static str {
    value
        .map(|l| match l.to_ascii_uppercase().as_str() {
            "TRACE" | "JSON" => "trace",
            "DEBUG" => "debug",
            "INFO" => "info",
            "ERROR" => "error",
            _ => "warn",
        })
        .unwrap_or("warn")
}

/// Install the redacting subscriber, to stderr (level from `TF_LOG_PROVIDER` or `TF_LOG`) or to
/// `PLUGIN_LOG_FILE` (trace). Call before any thread is started: it removes `PLUGIN_LOG_FILE`
/// from the environment, so that child processes do not write the same file.
pub fn init() {
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        if let Ok(value) = std::env::var(key) {
            redact_secret(&value);
        }
    }
    let log_file = std::env::var_os("PLUGIN_LOG_FILE");
    let (level, sink) = match log_file {
        Some(path) => {
            // Single-threaded here: no other thread reads the environment concurrently.
            std::env::remove_var("PLUGIN_LOG_FILE");
            match std::fs::File::create(&path) {
                Ok(file) => ("trace", Sink::File(Mutex::new(file))),
                Err(err) => {
                    eprintln!(
                        "terraform-provider-blueprint: cannot write PLUGIN_LOG_FILE {}: {err}",
                        std::path::Path::new(&path).display()
                    );
                    ("warn", Sink::Stderr)
                }
            }
        }
        None => (
            level_from(
                std::env::var("TF_LOG_PROVIDER")
                    .or_else(|_| std::env::var("TF_LOG"))
                    .ok(),
            ),
            Sink::Stderr,
        ),
    };
    // The AWS SDK and the HTTP stack log payloads at trace level; cap them at debug so no body
    // (which may hold a secret) reaches Terraform's log.
    let filter = if level == "trace" {
        EnvFilter::new("trace,aws_smithy_runtime=debug,aws_smithy_http_client=debug,h2=debug,hyper=debug,hyper_util=debug,rustls=debug,tower_http=debug")
    } else {
        EnvFilter::new(level)
    };
    let sink: &'static Sink = Box::leak(Box::new(sink));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(RedactingWriter { sink })
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_credentials_lose_their_access_key_id() {
        let line = r#"DEBUG aws_config: loaded credentials credentials=Credentials { provider_name: "Environment", access_key_id: "EXAMPLEKEYID1", secret_access_key: "** redacted **", expires_after: "never" }"#;
        let clean = redact(line);
        assert!(!clean.contains("EXAMPLEKEYID1"), "{clean}");
        assert!(
            clean.contains(r#"access_key_id: "** redacted **", secret_access_key"#),
            "{clean}"
        );
        assert!(clean.contains(r#"provider_name: "Environment""#), "{clean}");
    }

    #[test]
    fn sigv4_scopes_and_key_shapes_are_redacted() {
        let line = "authorization: AWS4-HMAC-SHA256 Credential=SOMEKEY123/20261128/us-east-1/s3/aws4_request, SignedHeaders=host";
        let clean = redact(line);
        assert!(!clean.contains("SOMEKEY123"), "{clean}");
        assert!(
            clean.contains("Credential=** redacted **/20261128/us-east-1/s3"),
            "{clean}"
        );
        let clean = redact("key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A in text");
        assert_eq!(clean, "key ** redacted ** and ** redacted ** in text");
    }

    #[test]
    fn registered_secrets_are_replaced_anywhere() {
        redact_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        redact_secret("short");
        let clean = redact("secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; word short stays");
        assert_eq!(clean, "secret=** redacted **; word short stays");
    }

    #[test]
    fn ordinary_lines_are_untouched() {
        let line =
            "INFO blueprint: created security group sg-0123 for ml-api (role AROAEXAMPLEROLEID)";
        assert!(matches!(redact(line), Cow::Borrowed(_)));
    }

    #[test]
    fn event_writer_redacts_what_it_buffers() {
        redact_secret("registered-token-value-1234");
        let line = "token registered-token-value-1234 and access_key_id: \"XYZ\"\n";
        let dir = std::env::temp_dir().join(format!("blueprint-log-{}", std::process::id()));
        let file = std::fs::File::create(&dir).unwrap();
        let sink: &'static Sink = Box::leak(Box::new(Sink::File(Mutex::new(file))));
        let maker = RedactingWriter { sink };
        {
            let mut w = maker.make_writer();
            w.write_all(line.as_bytes()).unwrap();
        }
        let written = std::fs::read_to_string(&dir).unwrap();
        std::fs::remove_file(&dir).ok();
        assert_eq!(
            written,
            "token ** redacted ** and access_key_id: \"** redacted **\"\n"
        );
    }

    #[test]
    fn levels_follow_tf_log() {
        assert_eq!(level_from(Some("trace".into())), "trace");
        assert_eq!(level_from(Some("JSON".into())), "trace");
        assert_eq!(level_from(Some("debug".into())), "debug");
        assert_eq!(level_from(Some("off".into())), "warn");
        assert_eq!(level_from(None), "warn");
    }
}

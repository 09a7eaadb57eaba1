//! Hash functions (`md5`, `sha1`, `sha256`, `sha512`, `base64sha256`, `base64sha512`), their
//! file variants' digests, and `uuidv5`. (`bcrypt` and `uuid` are random: unknown.)

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::{at_most, str_arg, FnResult, Reason};
use crate::model::Value;

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The digest Terraform's hash function `name` gives for `bytes` (`md5`, `sha1`, `sha256`,
/// `sha512` in hex; `base64sha256`, `base64sha512` in base64); `None` for another name.
pub(crate) fn digest(name: &str, bytes: &[u8]) -> Option<String> {
    use md5::Digest as _;
    use sha2::Digest as _;
    Some(match name {
        "md5" => hex(&md5::Md5::digest(bytes)),
        "sha1" => hex(&sha1::Sha1::digest(bytes)),
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        "base64sha256" => B64.encode(sha2::Sha256::digest(bytes)),
        "base64sha512" => B64.encode(sha2::Sha512::digest(bytes)),
        _ => return None,
    })
}

/// The digest of a file's content for `filemd5`, `filesha256`, `filebase64sha512`...
pub(crate) fn file_digest(function: &str, bytes: &[u8]) -> Option<String> {
    digest(function.strip_prefix("file")?, bytes)
}

fn hashed(name: &str, args: &[Value]) -> FnResult {
    at_most(args, 1)?;
    let s = str_arg(args, 0)?;
    digest(name, s.as_bytes())
        .map(Value::String)
        .ok_or_else(|| Reason::new("unknown digest"))
}

pub(super) fn md5(args: Vec<Value>) -> FnResult {
    hashed("md5", &args)
}

pub(super) fn sha1(args: Vec<Value>) -> FnResult {
    hashed("sha1", &args)
}

pub(super) fn sha256(args: Vec<Value>) -> FnResult {
    hashed("sha256", &args)
}

pub(super) fn sha512(args: Vec<Value>) -> FnResult {
    hashed("sha512", &args)
}

pub(super) fn base64sha256(args: Vec<Value>) -> FnResult {
    hashed("base64sha256", &args)
}

pub(super) fn base64sha512(args: Vec<Value>) -> FnResult {
    hashed("base64sha512", &args)
}

/// `uuidv5(namespace, name)`: `dns`, `url`, `oid`, `x500` or a UUID as the namespace.
pub(super) fn uuidv5(args: Vec<Value>) -> FnResult {
    use sha1::Digest as _;
    at_most(&args, 2)?;
    let (ns, name) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|e| {
            Reason::new(format!(
                "uuidv5() doesn't support namespace {other:?} ({e})"
            ))
        })?,
    };
    let mut h = sha1::Sha1::new();
    h.update(namespace.as_bytes());
    h.update(name.as_bytes());
    let sum = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&sum[..16]);
    let id = uuid::Builder::from_sha1_bytes(bytes).into_uuid();
    Ok(Value::String(id.hyphenated().to_string()))
}

//! The value codec: a `DynamicValue` (MessagePack, or JSON for upgraded raw state) to and from a
//! typed value.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::diagnostics::Diagnostics;
use super::proto::tfplugin6 as pb;

/// A value as it came over the wire, not yet decoded.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RawValue {
    /// MessagePack (what Terraform sends for every value).
    MessagePack(Vec<u8>),
    /// JSON (stored state handed to UpgradeResourceState).
    Json(Vec<u8>),
}

const MSGPACK_NIL: u8 = 0xc0;

impl RawValue {
    /// The null value.
    pub fn null() -> Self {
        Self::MessagePack(vec![MSGPACK_NIL])
    }

    /// From the protocol message; absent is null. A message with JSON only is JSON.
    pub fn from_pb(v: Option<pb::DynamicValue>) -> Self {
        match v {
            Some(v) if v.msgpack.is_empty() && !v.json.is_empty() => Self::Json(v.json),
            Some(v) => Self::MessagePack(v.msgpack),
            None => Self::null(),
        }
    }

    /// Whether the value is null (an empty encoding is null too).
    pub fn is_null(&self) -> bool {
        match self {
            Self::MessagePack(b) => b.is_empty() || b.as_slice() == [MSGPACK_NIL],
            Self::Json(b) => {
                let t = String::from_utf8_lossy(b);
                t.trim().is_empty() || t.trim() == "null"
            }
        }
    }

    /// Decode into `T`; on failure an error diagnostic names `what` and `None` is returned.
    pub fn decode<T: DeserializeOwned>(&self, what: &str, diags: &mut Diagnostics) -> Option<T> {
        let result = match self {
            Self::MessagePack(b) if b.is_empty() => {
                rmp_serde::from_slice(&[MSGPACK_NIL]).map_err(|e| e.to_string())
            }
            Self::MessagePack(b) => rmp_serde::from_slice(b).map_err(|e| e.to_string()),
            Self::Json(b) if b.is_empty() => {
                serde_json::from_slice(b"null").map_err(|e| e.to_string())
            }
            Self::Json(b) => serde_json::from_slice(b).map_err(|e| e.to_string()),
        };
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                diags.root_error(
                    format!("Invalid {what}"),
                    format!(
                        "The {what} Terraform sent does not match the schema: {}",
                        without_quoted(&e)
                    ),
                );
                None
            }
        }
    }

    /// Encode `value` as MessagePack (objects as maps keyed by attribute name).
    pub fn encode<T: Serialize>(value: &T, what: &str, diags: &mut Diagnostics) -> Option<Self> {
        match rmp_serde::to_vec_named(value) {
            Ok(b) => Some(Self::MessagePack(b)),
            Err(e) => {
                diags.root_error(
                    format!("Cannot encode the {what}"),
                    without_quoted(&e.to_string()),
                );
                None
            }
        }
    }

    /// The bytes, as private state is stored (MessagePack only).
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Self::MessagePack(b) | Self::Json(b) => b,
        }
    }
}

impl From<RawValue> for pb::DynamicValue {
    fn from(v: RawValue) -> Self {
        match v {
            RawValue::MessagePack(msgpack) => pb::DynamicValue {
                msgpack,
                json: Vec::new(),
            },
            RawValue::Json(json) => pb::DynamicValue {
                msgpack: Vec::new(),
                json,
            },
        }
    }
}

/// A decoding error without the quoted values it may cite (`invalid type: string "…"`): what
/// Terraform sent may be a secret, and diagnostics end up in logs.
fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::value::Value;

    #[test]
    fn errors_do_not_quote_values() {
        let mut diags = Diagnostics::default();
        let raw = RawValue::Json(br#"{"a":"hunter2"}"#.to_vec());
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            a: Value<i64>,
        }
        assert!(raw.decode::<S>("state", &mut diags).is_none());
        let text = format!("{:?}", diags.errors);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("Invalid state"), "{text}");
    }

    #[test]
    fn empty_and_nil_are_null() {
        assert!(RawValue::MessagePack(vec![]).is_null());
        assert!(RawValue::null().is_null());
        assert!(RawValue::Json(b" null ".to_vec()).is_null());
        assert!(!RawValue::Json(b"{}".to_vec()).is_null());
    }
}

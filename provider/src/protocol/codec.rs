//! The value codec: a `DynamicValue` (MessagePack, or JSON for upgraded raw state) to and from a
//! typed value.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::attribute_path::AttributePath;
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
            Err(_) if self.fractions_refused::<T>(diags) => None,
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

    /// A fraction where the schema's number is an integer (`az_count = 2.5`): the decoder
    /// refuses it with a message that names no attribute. The fractional numbers that make
    /// the decoding fail (each one the value decodes without, the others' whole parts put in)
    /// get an error on their own attribute paths, saying they must be whole numbers; true when
    /// there was one.
    fn fractions_refused<T: DeserializeOwned>(&self, diags: &mut Diagnostics) -> bool {
        let Self::MessagePack(b) = self else {
            return false;
        };
        let Ok(generic) = rmpv::decode::read_value(&mut b.as_slice()) else {
            return false;
        };
        let mut found = Vec::new();
        fractions(&generic, &mut AttributePath::root(), &mut found);
        if found.is_empty() || found.len() > 64 {
            return false;
        }
        // The value with the fractions at `keep` left as they are, every other one whole.
        let decodes_keeping = |keep: Option<usize>| {
            let mut v = generic.clone();
            let mut index = 0;
            make_whole(&mut v, keep, &mut index);
            let mut bytes = Vec::new();
            rmpv::encode::write_value(&mut bytes, &v).is_ok()
                && rmp_serde::from_slice::<T>(&bytes).is_ok()
        };
        if !decodes_keeping(None) {
            // Something else is wrong: the decoder's own message.
            return false;
        }
        let culprits: Vec<_> = found
            .iter()
            .enumerate()
            .filter(|(i, _)| !decodes_keeping(Some(*i)))
            .map(|(_, f)| f)
            .collect();
        for (path, n) in &culprits {
            diags.error(
                "Invalid number",
                format!("{path}: must be a whole number, got {n}."),
                path.clone(),
            );
        }
        !culprits.is_empty()
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

/// The fractional numbers in `v`, with their paths (map entries of an object are its
/// attributes; a map attribute's keys come out as attribute steps, which Terraform shows the
/// same way).
fn fractions(v: &rmpv::Value, at: &mut AttributePath, out: &mut Vec<(AttributePath, f64)>) {
    match v {
        rmpv::Value::F64(n) if n.fract() != 0.0 => out.push((at.clone(), *n)),
        rmpv::Value::F32(n) if n.fract() != 0.0 => out.push((at.clone(), f64::from(*n))),
        rmpv::Value::Map(entries) => {
            for (k, item) in entries {
                let Some(name) = k.as_str() else { continue };
                at.add_attribute(name.to_string());
                fractions(item, at, out);
                at.steps.pop();
            }
        }
        rmpv::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.add_index(i64::try_from(i).unwrap_or(i64::MAX));
                fractions(item, at, out);
                at.steps.pop();
            }
        }
        _ => {}
    }
}

/// `v` with each fractional number made whole (its integer part) except the one numbered
/// `keep` (in the order [`fractions`] finds them).
fn make_whole(v: &mut rmpv::Value, keep: Option<usize>, index: &mut usize) {
    let fraction = match v {
        rmpv::Value::F64(n) if n.fract() != 0.0 => Some(*n),
        rmpv::Value::F32(n) if n.fract() != 0.0 => Some(f64::from(*n)),
        _ => None,
    };
    if let Some(n) = fraction {
        if keep != Some(*index) {
            // Saturating: a whole number stands in for the fraction, whatever its size.
            *v = rmpv::Value::from(n.trunc() as i64);
        }
        *index += 1;
        return;
    }
    match v {
        rmpv::Value::Map(entries) => {
            for (k, item) in entries {
                if k.as_str().is_some() {
                    make_whole(item, keep, index);
                }
            }
        }
        rmpv::Value::Array(items) => {
            for item in items {
                make_whole(item, keep, index);
            }
        }
        _ => {}
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

    /// Issue 21: `az_count = 2.5` (any fraction where the schema's number is an integer) is
    /// refused on its own attribute path, saying it must be a whole number, not with the
    /// decoder's message on the whole resource; a fraction where fractions are fine is not
    /// named.
    #[test]
    fn a_fraction_for_an_integer_is_refused_on_its_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Stage {
            memory_size: Value<i64>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            capacity: Value<f64>,
            az_count: Value<i64>,
            stage: Value<Vec<Value<Stage>>>,
        }
        let encode =
            |v: serde_json::Value| RawValue::MessagePack(rmp_serde::to_vec_named(&v).unwrap());
        let mut diags = Diagnostics::default();
        let raw = encode(serde_json::json!({"capacity": 0.5, "az_count": 2.5, "stage": []}));
        assert!(raw.decode::<S>("configuration", &mut diags).is_none());
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("az_count"),
            "{:?}",
            diags.errors
        );
        assert!(
            diags.errors[0]
                .detail
                .contains("must be a whole number, got 2.5"),
            "{:?}",
            diags.errors
        );

        let mut diags = Diagnostics::default();
        let raw = encode(serde_json::json!({
            "capacity": 1.5, "az_count": 2, "stage": [{"memory_size": 128}, {"memory_size": 512.25}]
        }));
        assert!(raw.decode::<S>("configuration", &mut diags).is_none());
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("stage")
                .index(1)
                .attribute("memory_size")
        );

        // Whole numbers and fractions where the type takes them decode.
        let mut diags = Diagnostics::default();
        let raw = encode(serde_json::json!({"capacity": 0.5, "az_count": 3, "stage": null}));
        assert!(raw.decode::<S>("configuration", &mut diags).is_some());
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn empty_and_nil_are_null() {
        assert!(RawValue::MessagePack(vec![]).is_null());
        assert!(RawValue::null().is_null());
        assert!(RawValue::Json(b" null ".to_vec()).is_null());
        assert!(!RawValue::Json(b"{}".to_vec()).is_null());
    }
}

//! Values in Terraform's own encoding (MessagePack, unknown as extension 0), so the skeleton
//! can read and change any composite's state generically, and paths into them.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value as Terraform encodes it.
pub type Generic = rmpv::Value;

/// Terraform's MessagePack extension type for unknown values.
const UNKNOWN_EXT: i8 = 0;

/// A typed state that did not survive the trip to Terraform's encoding or back: a bug in the
/// state type (never a user's doing), reported as such instead of a silent default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The typed state could not be encoded.
    #[error("encoding the state failed: {0}")]
    Encode(String),
    /// The generic value does not fit the typed state.
    #[error("decoding the state failed: {0}")]
    Decode(String),
}

/// Encode a typed state as Terraform would.
pub fn to_generic<T: Serialize>(state: &T) -> Result<Generic, ValueError> {
    let bytes = rmp_serde::to_vec_named(state).map_err(|e| ValueError::Encode(e.to_string()))?;
    rmpv::decode::read_value(&mut bytes.as_slice()).map_err(|e| ValueError::Encode(e.to_string()))
}

/// Decode a generic value into a typed state.
pub fn from_generic<T: DeserializeOwned>(value: &Generic) -> Result<T, ValueError> {
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, value).map_err(|e| ValueError::Decode(e.to_string()))?;
    rmp_serde::from_slice(&bytes).map_err(|e| ValueError::Decode(e.to_string()))
}

/// Whether the value is unknown (to be known after apply).
pub fn is_unknown(v: &Generic) -> bool {
    matches!(v, rmpv::Value::Ext(UNKNOWN_EXT, _))
}

/// Whether the value, or anything inside it, is unknown.
pub fn has_unknown(v: &Generic) -> bool {
    match v {
        rmpv::Value::Array(items) => items.iter().any(has_unknown),
        rmpv::Value::Map(entries) => entries.iter().any(|(_, v)| has_unknown(v)),
        other => is_unknown(other),
    }
}

/// The unknown value.
pub fn unknown() -> Generic {
    rmpv::Value::Ext(UNKNOWN_EXT, vec![0])
}

/// The field `name` of an object value.
pub fn field<'v>(v: &'v Generic, name: &str) -> Option<&'v Generic> {
    match v {
        rmpv::Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The field `name` of an object value, to change.
pub fn field_mut<'v>(v: &'v mut Generic, name: &str) -> Option<&'v mut Generic> {
    match v {
        rmpv::Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Replace every unknown inside `v` by null: what a failed operation returns for what it
/// did not get to make (Terraform refuses unknown values after apply).
pub fn null_unknowns(v: &mut Generic) {
    match v {
        rmpv::Value::Array(items) => items.iter_mut().for_each(null_unknowns),
        rmpv::Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| null_unknowns(v)),
        other if is_unknown(other) => *other = rmpv::Value::Nil,
        _ => {}
    }
}

/// A step in a path to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An attribute or object field.
    Attr(String),
    /// A list element.
    Index(usize),
    /// A map entry.
    Key(String),
}

/// A path from the resource's root to a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The path of a top-level attribute.
    pub fn attr(name: &str) -> Self {
        Path(vec![Step::Attr(name.to_string())])
    }
    /// This path, then `step`.
    pub fn then(&self, step: Step) -> Self {
        let mut p = self.clone();
        p.0.push(step);
        p
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Step::Attr(a) if i == 0 => write!(f, "{a}")?,
                Step::Attr(a) => write!(f, ".{a}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(k) => write!(f, "[\"{k}\"]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn paths_print_like_terraform() {
        let p = Path::attr("container")
            .then(Step::Attr("secrets".into()))
            .then(Step::Key("DB".into()));
        assert_eq!(p.to_string(), "container.secrets[\"DB\"]");
        assert_eq!(
            Path::attr("subnet_ids").then(Step::Index(2)).to_string(),
            "subnet_ids[2]"
        );
    }
}

//! `Value<T>`: a Terraform value that is known, null, or unknown (to be known after apply).
//!
//! It (de)serializes with serde so that typed states map onto Terraform's MessagePack objects:
//! a known value is `T`'s own encoding, null is MessagePack nil, and unknown is MessagePack
//! extension type 0. Terraform sends refined unknowns (a string known to start with a prefix, a
//! number within bounds) as extension type 12; the refinements are advice, so every extension
//! decodes as unknown here. Marks (sensitive, ephemeral) never reach a provider: Terraform keeps
//! them on its side.

use serde::de::{Deserializer, Error as _};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// A value that is known (`Value`), absent (`Null`) or not known until apply (`Unknown`).
/// Shaped like `Option`, with the same adapters where the code needs them.
#[derive(Copy, Clone, PartialEq, PartialOrd, Eq, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value<T> {
    /// Known and present.
    Value(T),
    /// Absent.
    #[default]
    Null,
    /// Known only after apply.
    #[serde(
        serialize_with = "unknown::serialize",
        deserialize_with = "unknown::deserialize"
    )]
    Unknown,
}

/// An object without attributes (private state, provider meta).
#[derive(
    Copy, Clone, PartialEq, PartialOrd, Eq, Ord, Debug, Hash, Default, Serialize, Deserialize,
)]
pub struct StructEmpty {}

/// A value that carries nothing (used where the protocol asks for a type and none is needed).
pub type ValueEmpty = Value<StructEmpty>;

/// MessagePack extension type Terraform uses for a wholly unknown value.
pub const UNKNOWN_EXT: i8 = 0;

/// MessagePack extension type for an unknown value with refinements (decoded as unknown).
pub const REFINED_UNKNOWN_EXT: i8 = 12;

mod unknown {
    use super::*;

    /// rmp-serde writes a newtype struct with this name as a MessagePack extension.
    const EXT_NAME: &str = "_ExtStruct";

    struct Payload;
    impl Serialize for Payload {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&[0])
        }
    }

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(EXT_NAME, &(UNKNOWN_EXT, Payload))
    }

    /// Any MessagePack extension (rmp-serde presents it as a newtype struct holding the type and
    /// the payload) is an unknown; anything else is not this variant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        struct Ext;
        impl<'de> serde::de::Visitor<'de> for Ext {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an unknown value (MessagePack extension)")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                let (tag, _payload): (i8, serde::de::IgnoredAny) = Deserialize::deserialize(d)?;
                if tag == UNKNOWN_EXT || tag == REFINED_UNKNOWN_EXT {
                    Ok(())
                } else {
                    Err(D::Error::custom(format!(
                        "MessagePack extension {tag} is not a Terraform unknown value"
                    )))
                }
            }
        }
        d.deserialize_newtype_struct(EXT_NAME, Ext)
    }
}

impl<T> Value<T> {
    /// Known and present.
    pub const fn is_value(&self) -> bool {
        matches!(self, Self::Value(_))
    }
    /// Null.
    pub const fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
    /// Unknown.
    pub const fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown)
    }
    /// Borrow the value.
    pub const fn as_ref(&self) -> Value<&T> {
        match self {
            Self::Value(v) => Value::Value(v),
            Self::Null => Value::Null,
            Self::Unknown => Value::Unknown,
        }
    }
    /// Borrow the value mutably.
    pub fn as_mut(&mut self) -> Value<&mut T> {
        match self {
            Self::Value(v) => Value::Value(v),
            Self::Null => Value::Null,
            Self::Unknown => Value::Unknown,
        }
    }
    /// The value when known (null and unknown are `None`).
    pub fn as_option(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }
    /// A reference to the value when known.
    pub fn as_ref_option(&self) -> Option<&T> {
        self.as_ref().as_option()
    }
    /// A mutable reference to the value when known.
    pub fn as_mut_option(&mut self) -> Option<&mut T> {
        self.as_mut().as_option()
    }
    /// Dereference the value when known (`&str` from `String`).
    pub fn as_deref_option(&self) -> Option<&T::Target>
    where
        T: std::ops::Deref,
    {
        self.as_ref_option().map(|v| v.deref())
    }
    /// Dereference the value, keeping null and unknown.
    pub fn as_deref(&self) -> Value<&T::Target>
    where
        T: std::ops::Deref,
    {
        self.as_ref().map(|v| v.deref())
    }
    /// Map a known value.
    pub fn map<U, F: FnOnce(T) -> U>(self, f: F) -> Value<U> {
        match self {
            Self::Value(v) => Value::Value(f(v)),
            Self::Null => Value::Null,
            Self::Unknown => Value::Unknown,
        }
    }
    /// Map a known value, or give `default`.
    pub fn map_or<U, F: FnOnce(T) -> U>(self, default: U, f: F) -> U {
        self.as_option().map_or(default, f)
    }
    /// Map a known value, or compute a default.
    pub fn map_or_else<U, D: FnOnce() -> U, F: FnOnce(T) -> U>(self, default: D, f: F) -> U {
        self.as_option().map_or_else(default, f)
    }
    /// Chain a computation that may itself be null or unknown.
    pub fn and_then<U, F: FnOnce(T) -> Value<U>>(self, f: F) -> Value<U> {
        match self {
            Self::Value(v) => f(v),
            Self::Null => Value::Null,
            Self::Unknown => Value::Unknown,
        }
    }
    /// Keep a known value only if `predicate` holds (otherwise null).
    pub fn filter<P: FnOnce(&T) -> bool>(self, predicate: P) -> Self {
        match self {
            Self::Value(v) if predicate(&v) => Self::Value(v),
            Self::Value(_) => Self::Null,
            other => other,
        }
    }
    /// This value when known, otherwise `other`.
    pub fn or(self, other: Self) -> Self {
        match self {
            Self::Value(v) => Self::Value(v),
            _ => other,
        }
    }
    /// This value when known, otherwise the one `f` gives.
    pub fn or_else<F: FnOnce() -> Self>(self, f: F) -> Self {
        match self {
            Self::Value(v) => Self::Value(v),
            _ => f(),
        }
    }
    /// The known value, or `default`.
    pub fn unwrap_or(self, default: T) -> T {
        self.as_option().unwrap_or(default)
    }
    /// The known value, or one `f` computes.
    pub fn unwrap_or_else<F: FnOnce() -> T>(self, f: F) -> T {
        self.as_option().unwrap_or_else(f)
    }
    /// The known value, or `T::default()`.
    pub fn unwrap_or_default(self) -> T
    where
        T: Default,
    {
        self.as_option().unwrap_or_default()
    }
    /// The known value, or `err`.
    pub fn ok_or<E>(self, err: E) -> Result<T, E> {
        self.as_option().ok_or(err)
    }
    /// The known value, or the error `f` gives.
    pub fn ok_or_else<E, F: FnOnce() -> E>(self, f: F) -> Result<T, E> {
        self.as_option().ok_or_else(f)
    }
    /// Take the value out, leaving null.
    pub fn take(&mut self) -> Self {
        std::mem::take(self)
    }
    /// Put a known value in, returning the old one.
    pub fn replace(&mut self, value: T) -> Self {
        std::mem::replace(self, Self::Value(value))
    }
    /// Iterate over the known value (zero or one item).
    pub fn iter(&self) -> std::option::IntoIter<&T> {
        self.as_ref_option().into_iter()
    }
    /// Iterate mutably over the known value (zero or one item).
    pub fn iter_mut(&mut self) -> std::option::IntoIter<&mut T> {
        self.as_mut_option().into_iter()
    }
}

impl<T: Clone> Value<&T> {
    /// Clone the borrowed value.
    pub fn cloned(self) -> Value<T> {
        self.map(Clone::clone)
    }
}

impl<T: Copy> Value<&T> {
    /// Copy the borrowed value.
    pub fn copied(self) -> Value<T> {
        self.map(|v| *v)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(v) => v.fmt(f),
            Self::Null => f.write_str("Null"),
            Self::Unknown => f.write_str("Unknown"),
        }
    }
}

impl<T> From<T> for Value<T> {
    fn from(v: T) -> Self {
        Self::Value(v)
    }
}

impl<T> From<Option<T>> for Value<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Self::Value)
    }
}

impl<T> IntoIterator for Value<T> {
    type Item = T;
    type IntoIter = std::option::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_option().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Value<T> {
    type Item = &'a T;
    type IntoIter = std::option::IntoIter<&'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Serde adapter: a nested block with at most one element, sent by Terraform as a list.
pub mod serde_as_vec {
    use super::Value;
    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    /// A list of zero or one element.
    pub fn serialize<T: Serialize, S: Serializer>(v: &Value<T>, s: S) -> Result<S::Ok, S::Error> {
        let items: Vec<&T> = v.iter().collect();
        items.serialize(s)
    }

    /// The list's only element, or null when empty.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Value<T>, D::Error> {
        let items: Vec<Value<T>> = Deserialize::deserialize(d)?;
        let mut items = items.into_iter();
        match (items.next(), items.next()) {
            (None, _) => Ok(Value::Null),
            (Some(v), None) => Ok(v),
            (Some(_), Some(_)) => Err(D::Error::custom("expected at most one block")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        a: Value<String>,
        b: Value<i64>,
        c: Value<Vec<Value<String>>>,
    }

    #[test]
    fn message_pack_round_trip_with_unknowns() {
        let s = S {
            a: Value::Value("x".into()),
            b: Value::Unknown,
            c: Value::Value(vec![Value::Null, Value::Unknown]),
        };
        let bytes = rmp_serde::to_vec_named(&s).unwrap();
        let generic = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        let b = generic
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some("b")))
            .map(|(_, v)| v.clone());
        assert!(
            matches!(b, Some(rmpv::Value::Ext(UNKNOWN_EXT, _))),
            "unknown must be MessagePack extension 0: {b:?}"
        );
        assert_eq!(rmp_serde::from_slice::<S>(&bytes).unwrap(), s);
    }

    #[test]
    fn refined_unknown_decodes_as_unknown_and_other_extensions_fail() {
        let encode = |tag: i8| {
            let v = rmpv::Value::Map(vec![
                ("a".into(), rmpv::Value::Ext(tag, vec![0x81, 0x01, 0xc3])),
                ("b".into(), rmpv::Value::Nil),
                ("c".into(), rmpv::Value::Nil),
            ]);
            let mut out = Vec::new();
            rmpv::encode::write_value(&mut out, &v).unwrap();
            out
        };
        let s: S = rmp_serde::from_slice(&encode(REFINED_UNKNOWN_EXT)).unwrap();
        assert_eq!(s.a, Value::Unknown);
        assert!(rmp_serde::from_slice::<S>(&encode(5)).is_err());
    }

    #[test]
    fn json_null_and_values() {
        let s: S = serde_json::from_str(r#"{"a":"x","b":null,"c":["y",null]}"#).unwrap();
        assert_eq!(s.a, Value::Value("x".into()));
        assert_eq!(s.b, Value::Null);
        assert_eq!(
            s.c,
            Value::Value(vec![Value::Value("y".into()), Value::Null])
        );
    }
}

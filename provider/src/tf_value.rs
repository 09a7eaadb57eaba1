//! Serde adapters and helpers for Terraform values that `tf-provider` does not cover.

use std::collections::BTreeMap;

use crate::tf::Value;

/// A list of strings as Terraform sends it.
pub type StringList = Value<Vec<Value<String>>>;
/// A map of strings as Terraform sends it.
pub type StringMap = Value<BTreeMap<String, Value<String>>>;

/// The string, when known and not null.
pub fn known(v: &Value<String>) -> Option<&str> {
    match v {
        Value::Value(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The known elements of a list of strings (null and unknown ones left out).
pub fn strings(v: &StringList) -> Vec<String> {
    v.as_ref_option()
        .map(|l| {
            l.iter()
                .filter_map(|s| s.as_ref_option().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The known entries of a map of strings (null and unknown values left out).
pub fn entries(v: &StringMap) -> BTreeMap<String, String> {
    v.as_ref_option()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// A known list of strings.
pub fn list(items: Vec<String>) -> StringList {
    Value::Value(items.into_iter().map(Value::Value).collect())
}

/// A known map of strings.
pub fn map(m: BTreeMap<String, String>) -> StringMap {
    Value::Value(m.into_iter().map(|(k, v)| (k, Value::Value(v))).collect())
}

/// A nested block with at most one element (`NestedBlock::Optional`), as `Value<T>`.
///
/// Terraform sends such a block as a list; while a `dynamic` block's `for_each` is unknown the
/// whole list is unknown. `tf-provider`'s `serde_as_vec` rejects that case, which makes a plain
/// `terraform plan` fail; this adapter maps it to `Value::Unknown`.
pub mod optional_block {
    use crate::tf::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialize as a list of zero or one element (or unknown).
    pub fn serialize<T, S>(value: &Value<T>, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        let as_list: Value<Vec<&T>> = match value {
            Value::Value(v) => Value::Value(vec![v]),
            Value::Null => Value::Value(Vec::new()),
            Value::Unknown => Value::Unknown,
        };
        as_list.serialize(serializer)
    }

    /// Deserialize from a list (first element), null, or unknown.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Value<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let list: Value<Vec<Value<T>>> = Deserialize::deserialize(deserializer)?;
        Ok(match list {
            Value::Value(items) => items.into_iter().next().unwrap_or(Value::Null),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::tf::Value;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Holder {
        #[serde(with = "super::optional_block")]
        block: Value<String>,
    }

    fn round_trip(v: Value<String>) -> Value<String> {
        let bytes = rmp_serde::to_vec_named(&Holder { block: v }).unwrap();
        rmp_serde::from_slice::<Holder>(&bytes).unwrap().block
    }

    #[test]
    fn unknown_null_and_value_survive() {
        assert_eq!(round_trip(Value::Unknown), Value::Unknown);
        assert_eq!(round_trip(Value::Null), Value::Null);
        assert_eq!(
            round_trip(Value::Value("x".into())),
            Value::Value("x".into())
        );
    }
}

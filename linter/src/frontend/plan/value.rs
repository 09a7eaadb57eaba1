//! Attribute values of a plan: raw JSON to [`Value`] in one pass, with the `after_unknown`
//! mask applied.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::Value;

/// A [`Value`] deserialized straight from JSON (no `serde_json::Value` in between).
struct Direct(Value);

impl<'de> Deserialize<'de> for Direct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DirectVisitor).map(Direct)
    }
}

struct DirectVisitor;

impl<'de> Visitor<'de> for DirectVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(DirectVisitor)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Direct(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, Direct(v))) = map.next_entry::<String, Direct>()? {
            out.insert(k, v);
        }
        Ok(Value::Map(out))
    }
}

/// Parses raw JSON into a [`Value`] (`null` for nothing).
pub fn parse(raw: Option<&RawValue>) -> Result<Value, serde_json::Error> {
    match raw {
        None => Ok(Value::Null),
        Some(r) => serde_json::from_str::<Direct>(r.get()).map(|d| d.0),
    }
}

/// Only the `id` and `arn` of an object (what references are matched against), skipping the
/// rest without building it; an empty map when there is neither.
pub fn ids(raw: Option<&RawValue>) -> Value {
    #[derive(serde::Deserialize)]
    struct Ids<'a> {
        #[serde(borrow, default)]
        id: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        arn: Option<std::borrow::Cow<'a, str>>,
    }
    let mut out = BTreeMap::new();
    if let Some(ids) = raw.and_then(|r| serde_json::from_str::<Ids<'_>>(r.get()).ok()) {
        for (k, v) in [("id", ids.id), ("arn", ids.arn)] {
            if let Some(v) = v {
                out.insert(k.to_string(), Value::String(v.into_owned()));
            }
        }
    }
    Value::Map(out)
}

/// Marks as [`Value::Unknown`] every place where `mask` (a plan's `after_unknown`, already
/// parsed) is `true`, as [`Value::from_plan_json`] does.
pub fn apply_unknown(value: &mut Value, mask: &Value) {
    match (value, mask) {
        (v, Value::Bool(true)) => *v = Value::Unknown,
        (Value::List(items), Value::List(marks)) if items.len() == marks.len() => {
            for (v, m) in items.iter_mut().zip(marks) {
                apply_unknown(v, m);
            }
        }
        // A set drops its unknown elements from `after` and keeps their `true` marks: put them
        // back where the marks say, the known elements in order around them.
        (Value::List(items), Value::List(marks)) => {
            let mut known = std::mem::take(items).into_iter();
            for m in marks {
                if m == &Value::Bool(true) {
                    items.push(Value::Unknown);
                } else if let Some(mut v) = known.next() {
                    apply_unknown(&mut v, m);
                    items.push(v);
                }
            }
            items.extend(known);
        }
        (Value::Map(fields), Value::Map(marks)) => {
            for (k, m) in marks {
                match fields.get_mut(k) {
                    Some(v) => apply_unknown(v, m),
                    // Attributes absent from `after` but unknown.
                    None if m == &Value::Bool(true) => {
                        fields.insert(k.clone(), Value::Unknown);
                    }
                    None => {}
                }
            }
        }
        (v @ Value::Null, Value::List(marks)) if marks.iter().any(has_unknown) => {
            let mut items = vec![Value::Null; marks.len()];
            for (item, m) in items.iter_mut().zip(marks) {
                apply_unknown(item, m);
            }
            *v = Value::List(items);
        }
        _ => {}
    }
}

fn has_unknown(mask: &Value) -> bool {
    match mask {
        Value::Bool(b) => *b,
        Value::List(l) => l.iter().any(has_unknown),
        Value::Map(m) => m.values().any(has_unknown),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).expect("raw")
    }

    #[test]
    fn matches_from_plan_json() {
        let after = r#"{"a":1,"b":[null,"x"],"c":{"d":true},"e":null}"#;
        let unknown = r#"{"b":[true,false],"c":{"d":false},"e":[true],"f":true}"#;
        let mut v = parse(Some(&raw(after))).expect("parses");
        apply_unknown(&mut v, &parse(Some(&raw(unknown))).expect("parses"));
        let expected = Value::from_plan_json(
            &serde_json::from_str(after).expect("json"),
            &serde_json::from_str(unknown).expect("json"),
        );
        assert_eq!(v, expected);
        assert_eq!(v.get("f"), &Value::Unknown);
        assert_eq!(v.get("e"), &Value::List(vec![Value::Unknown]));
    }

    #[test]
    fn set_with_unknown_elements() {
        // `security_groups = [aws_security_group.a.id, "sg-1"]` as a set: Terraform drops the
        // unknown element from `after`.
        let mut v = parse(Some(&raw(r#"{"s":["sg-1"]}"#))).expect("parses");
        apply_unknown(
            &mut v,
            &parse(Some(&raw(r#"{"s":[true,false]}"#))).expect("mask"),
        );
        assert_eq!(
            v.get("s"),
            &Value::List(vec![Value::Unknown, Value::String("sg-1".into())])
        );
    }
}

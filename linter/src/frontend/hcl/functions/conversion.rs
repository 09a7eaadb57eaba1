//! Type conversion functions: `tobool`, `tolist`, `tomap`, `tonumber`, `toset`, `tostring`,
//! and the sensitivity markers (`sensitive`, `nonsensitive`, `ephemeralasnull`: the linter
//! tracks neither sensitivity nor ephemerality, so they return their argument). `can` and
//! `try` need the evaluator (`eval.rs`).

use super::collection::as_set;
use super::{arg, at_most, kind, to_bool, to_num, FnResult, Reason};
use crate::model::Value;

pub(super) fn identity(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    Ok(arg(&args, 0)?.clone())
}

/// Elements converted to one type as Terraform unifies a tuple into a list: mixed primitive
/// kinds become strings; primitives mixed with collections are refused.
pub(super) fn unify<'a>(
    items: impl Iterator<Item = &'a Value> + Clone,
) -> Result<Vec<Value>, Reason> {
    let (mut strings, mut collections) = (false, false);
    let (mut numbers, mut bools) = (false, false);
    for v in items.clone() {
        match v {
            Value::String(_) => strings = true,
            Value::Number(_) => numbers = true,
            Value::Bool(_) => bools = true,
            Value::List(_) | Value::Map(_) => collections = true,
            _ => {}
        }
    }
    let others = u8::from(numbers) + u8::from(bools);
    let primitives = strings || others > 0;
    if primitives && collections {
        return Err(Reason::new(
            "all elements must have the same type (primitives and collections are mixed)",
        ));
    }
    if !strings && numbers && bools {
        return Err(Reason::new(
            "cannot convert a mix of numbers and bools to a single type",
        ));
    }
    let to_strings = strings && others > 0;
    Ok(items
        .map(|v| match v {
            Value::Number(_) | Value::Bool(_) if to_strings => {
                Value::String(v.to_template_string().unwrap_or_default())
            }
            other => other.clone(),
        })
        .collect())
}

pub(super) fn tobool(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => to_bool(v).map(Value::Bool),
    }
}

pub(super) fn tonumber(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v @ (Value::Number(_) | Value::String(_)) => to_num(v).map(Value::Number),
        other => Err(Reason::new(format!(
            "cannot convert {} to number",
            kind(other)
        ))),
    }
}

pub(super) fn tostring(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
            Ok(Value::String(v.to_template_string().unwrap_or_default()))
        }
        other => Err(Reason::new(format!(
            "cannot convert {} to string",
            kind(other)
        ))),
    }
}

pub(super) fn tolist(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::List(unify(l.iter())?)),
        other => Err(Reason::new(format!(
            "cannot convert {} to list",
            kind(other)
        ))),
    }
}

/// `toset(list)`: duplicates removed, in Terraform's set order (a list with unknown elements
/// keeps its order: where an unknown would sort is not known).
pub(super) fn toset(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        Value::List(l) => {
            let items = unify(l.iter())?;
            if items.iter().any(Value::contains_unknown) {
                return Ok(Value::List(items));
            }
            Ok(Value::List(as_set(items)))
        }
        other => Err(Reason::new(format!(
            "cannot convert {} to set",
            kind(other)
        ))),
    }
}

pub(super) fn tomap(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => {
            let values = unify(m.values())?;
            Ok(Value::Map(m.keys().cloned().zip(values).collect()))
        }
        other => Err(Reason::new(format!(
            "cannot convert {} to map",
            kind(other)
        ))),
    }
}

//! Collection functions: `alltrue` ... `zipmap`.

use std::collections::BTreeMap;

use super::conversion::unify;
use super::{
    arg, at_most, equal, int_arg, into_list, kind, to_bool, to_list, to_num, to_str, FnResult,
    Reason,
};
use crate::model::Value;

/// Largest list `range` makes, as Terraform.
const MAX_RANGE: usize = 1024;

/// Largest list `setproduct` makes (Terraform has no bound; the linter keeps memory in check).
const MAX_PRODUCT: usize = 100_000;

/// Elements deduplicated and ordered as Terraform orders a set: strings lexically, numbers by
/// value, anything else in first-seen order.
pub(super) fn as_set(mut items: Vec<Value>) -> Vec<Value> {
    if items.iter().all(|v| matches!(v, Value::String(_))) {
        items.sort_unstable_by(|a, b| a.as_str().cmp(&b.as_str()));
        items.dedup();
        return items;
    }
    if items.iter().all(|v| matches!(v, Value::Number(_))) {
        let num = |v: &Value| v.as_f64().unwrap_or(0.0);
        items.sort_unstable_by(|a, b| num(a).total_cmp(&num(b)));
        items.dedup_by(|a, b| num(a) == num(b));
        return items;
    }
    first_occurrences(items)
}

/// The first occurrence of each element, in order (strings through a hash set; other values
/// compared pairwise).
fn first_occurrences(items: Vec<Value>) -> Vec<Value> {
    let mut seen_strings = std::collections::HashSet::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        let new = match &v {
            Value::String(s) => seen_strings.insert(s.clone()),
            other => !out.iter().any(|o| equal(o, other)),
        };
        if new {
            out.push(v);
        }
    }
    out
}

fn truth(args: Vec<Value>, all: bool) -> FnResult {
    at_most(&args, 1)?;
    let mut unknown = false;
    for v in to_list(arg(&args, 0)?)? {
        if v.is_unknown() {
            unknown = true;
            continue;
        }
        if v.is_null() {
            return Err(Reason::new("the list must not contain null values"));
        }
        if to_bool(v)? != all {
            return Ok(Value::Bool(!all));
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(all)
    })
}

pub(super) fn alltrue(args: Vec<Value>) -> FnResult {
    truth(args, true)
}

pub(super) fn anytrue(args: Vec<Value>) -> FnResult {
    truth(args, false)
}

/// `chunklist(list, size)`; size 0 puts the whole list in one chunk.
pub(super) fn chunklist(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let size = int_arg(&args, 1)?;
    let l = to_list(arg(&args, 0)?)?;
    if size < 0 {
        return Err(Reason::new("the size argument must be positive"));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(l.to_vec())]));
    }
    Ok(Value::List(
        l.chunks(size as usize)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

/// `coalesce(...)`: the first argument that is neither null nor an empty string; an unknown
/// met first makes the result unknown. Arguments of mixed primitive kinds are strings.
pub(super) fn coalesce(args: Vec<Value>) -> FnResult {
    let mixed = args.iter().any(|a| matches!(a, Value::String(_)))
        && args
            .iter()
            .any(|a| matches!(a, Value::Number(_) | Value::Bool(_)));
    for a in args {
        if a.is_unknown() {
            return Ok(Value::Unknown);
        }
        if a.is_null() || a.as_str() == Some("") {
            continue;
        }
        return Ok(match (&a, mixed) {
            (Value::Number(_) | Value::Bool(_), true) => Value::String(to_str(&a)?),
            _ => a,
        });
    }
    Err(Reason::new("no non-null, non-empty-string arguments"))
}

/// `coalescelist(...)`: the first non-empty list.
pub(super) fn coalescelist(args: Vec<Value>) -> FnResult {
    if args.is_empty() {
        return Err(Reason::new("at least one argument is required"));
    }
    for a in args {
        match a {
            a if a.is_unknown() => return Ok(Value::Unknown),
            Value::Null => {}
            Value::List(l) if l.is_empty() => {}
            Value::List(l) => return Ok(Value::List(l)),
            other => {
                return Err(Reason::new(format!(
                    "arguments must be lists, got {}",
                    kind(&other)
                )))
            }
        }
    }
    Err(Reason::new("no non-null arguments"))
}

/// `compact(list)`: without null and empty-string elements.
pub(super) fn compact(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let l = to_list(arg(&args, 0)?)?;
    let mut out = Vec::with_capacity(l.len());
    for v in l {
        match v {
            v if v.is_unknown() => return Ok(Value::Unknown),
            Value::Null => {}
            v => {
                let s = to_str(v)?;
                if !s.is_empty() {
                    out.push(Value::String(s));
                }
            }
        }
    }
    Ok(Value::List(out))
}

/// `concat(list...)`: unknown elements are carried through.
pub(super) fn concat(args: Vec<Value>) -> FnResult {
    let mut out = Vec::new();
    for a in args {
        out.extend(into_list(a)?);
    }
    Ok(Value::List(out))
}

/// `contains(list, value)`.
pub(super) fn contains(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (l, v) = (arg(&args, 0)?, arg(&args, 1)?);
    if l.is_null() {
        return Err(Reason::new("argument must not be null"));
    }
    if v.contains_unknown() {
        return Ok(Value::Unknown);
    }
    let mut unknown = false;
    for e in to_list(l)? {
        if e.contains_unknown() {
            unknown = true;
        } else if equal(e, v) {
            return Ok(Value::Bool(true));
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

/// `distinct(list)`: first occurrences, in order.
pub(super) fn distinct(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let l = to_list(arg(&args, 0)?)?;
    if l.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    Ok(Value::List(first_occurrences(unify(l.iter())?)))
}

/// `element(list, index)`: the index wraps around the list.
pub(super) fn element(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let l = to_list(arg(&args, 0)?)?;
    let i = int_arg(&args, 1)?;
    if l.is_empty() {
        return Err(Reason::new(
            "cannot use element function with an empty list",
        ));
    }
    if i < 0 {
        return Err(Reason::new(
            "cannot use element function with a negative index",
        ));
    }
    Ok(l[(i as usize) % l.len()].clone())
}

/// `flatten(list)`: nested lists replaced by their elements, at any depth. An unknown
/// element may be a list, so it makes the result unknown.
pub(super) fn flatten(args: Vec<Value>) -> FnResult {
    fn flat(l: Vec<Value>, out: &mut Vec<Value>) -> bool {
        for v in l {
            match v {
                Value::List(inner) => {
                    if !flat(inner, out) {
                        return false;
                    }
                }
                v if v.is_unknown() => return false,
                v => out.push(v),
            }
        }
        true
    }
    at_most(&args, 1)?;
    let l = into_list(args.into_iter().next().unwrap_or_default())?;
    let mut out = Vec::new();
    Ok(if flat(l, &mut out) {
        Value::List(out)
    } else {
        Value::Unknown
    })
}

/// `index(list, value)`: the first index of `value`; absent is an error.
pub(super) fn index(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (l, v) = (arg(&args, 0)?, arg(&args, 1)?);
    if l.is_null() {
        return Err(Reason::new("argument must not be null"));
    }
    if v.contains_unknown() {
        return Ok(Value::Unknown);
    }
    for (i, e) in to_list(l)?.iter().enumerate() {
        if e.contains_unknown() {
            return Ok(Value::Unknown);
        }
        if equal(e, v) {
            return Ok(Value::Number(i as f64));
        }
    }
    Err(Reason::new("item not found"))
}

fn map_arg(v: &Value) -> Result<&BTreeMap<String, Value>, Reason> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(Reason::new(format!(
            "a map or object is required, got {}",
            kind(other)
        ))),
    }
}

/// `keys(map)`, in lexical order.
pub(super) fn keys(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let m = map_arg(arg(&args, 0)?)?;
    Ok(Value::List(
        m.keys().map(|k| Value::String(k.clone())).collect(),
    ))
}

/// `values(map)`, in the lexical order of the keys.
pub(super) fn values(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let m = map_arg(arg(&args, 0)?)?;
    Ok(Value::List(m.values().cloned().collect()))
}

/// `length(list | map | string)`.
pub(super) fn length(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    Ok(Value::Number(match arg(&args, 0)? {
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::String(s) => {
            use unicode_segmentation::UnicodeSegmentation as _;
            s.graphemes(true).count()
        }
        other => {
            return Err(Reason::new(format!(
                "a collection or string is required, got {}",
                kind(other)
            )))
        }
    } as f64))
}

/// `lookup(map, key, default)`: a missing key without a default is an error.
pub(super) fn lookup(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let (m, k) = (arg(&args, 0)?, arg(&args, 1)?);
    if m.is_null() || k.is_null() {
        return Err(Reason::new("argument must not be null"));
    }
    let key = to_str(k)?;
    match map_arg(m)?.get(&key) {
        Some(v) => Ok(v.clone()),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| Reason::new(format!("the given map has no key {key:?}"))),
    }
}

/// `matchkeys(values, keys, searchset)`: the values whose key (same index) is in searchset.
pub(super) fn matchkeys(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let vals = to_list(arg(&args, 0)?)?;
    let keys = to_list(arg(&args, 1)?)?;
    let search = to_list(arg(&args, 2)?)?;
    if vals.len() != keys.len() {
        return Err(Reason::new("length of keys and values should be equal"));
    }
    if keys.iter().chain(search).any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    Ok(Value::List(
        vals.iter()
            .zip(keys)
            .filter(|(_, k)| search.iter().any(|s| equal(k, s)))
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

/// `merge(map...)`: later keys win; null arguments are skipped.
pub(super) fn merge(args: Vec<Value>) -> FnResult {
    let mut out = BTreeMap::new();
    for a in args {
        match a {
            Value::Map(m) => out.extend(m),
            Value::Null => {}
            other => {
                return Err(Reason::new(format!(
                    "arguments must be maps or objects, got {}",
                    kind(&other)
                )))
            }
        }
    }
    Ok(Value::Map(out))
}

/// `one(list)`: null for no element, the element for one, an error for more.
pub(super) fn one(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        Value::Null => Err(Reason::new("argument must not be null")),
        v => match to_list(v)? {
            [] => Ok(Value::Null),
            [x] => Ok(x.clone()),
            _ => Err(Reason::new(
                "must be a list, set, or tuple value with either zero or one elements",
            )),
        },
    }
}

/// `range(end)`, `range(start, end)`, `range(start, end, step)`.
pub(super) fn range(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let nums = args.iter().map(to_num).collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if s <= e { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => return Err(Reason::new("expects one to three arguments")),
    };
    if step == 0.0 {
        return Err(Reason::new("step must not be zero"));
    }
    if (step > 0.0 && start > end) || (step < 0.0 && start < end) {
        return Err(Reason::new(
            "the step must go from start toward end (positive when start < end)",
        ));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= MAX_RANGE {
            return Err(Reason::new(format!(
                "more than {MAX_RANGE} values were generated"
            )));
        }
        out.push(Value::Number(x));
        x += step;
    }
    Ok(Value::List(out))
}

pub(super) fn reverse(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let mut l = into_list(args.into_iter().next().unwrap_or_default())?;
    l.reverse();
    Ok(Value::List(l))
}

/// The arguments as sets, or `None` when one holds an unknown.
fn sets(args: &[Value]) -> Result<Option<Vec<Vec<Value>>>, Reason> {
    if args.is_empty() {
        return Err(Reason::new("at least one set is required"));
    }
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let l = to_list(a)?;
        if l.iter().any(Value::contains_unknown) {
            return Ok(None);
        }
        out.push(l.to_vec());
    }
    // The sets' elements are unified together, as Terraform unifies the arguments' types.
    let lens: Vec<usize> = out.iter().map(Vec::len).collect();
    let mut all = unify(out.iter().flatten())?.into_iter();
    Ok(Some(
        lens.into_iter()
            .map(|n| all.by_ref().take(n).collect())
            .collect(),
    ))
}

pub(super) fn setintersection(args: Vec<Value>) -> FnResult {
    let Some(mut sets) = sets(&args)? else {
        return Ok(Value::Unknown);
    };
    let mut acc = sets.remove(0);
    for s in &sets {
        acc.retain(|v| s.iter().any(|o| equal(o, v)));
    }
    Ok(Value::List(as_set(acc)))
}

pub(super) fn setsubtract(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    arg(&args, 1)?;
    let Some(sets) = sets(&args)? else {
        return Ok(Value::Unknown);
    };
    let mut acc = sets[0].clone();
    acc.retain(|v| !sets[1].iter().any(|o| equal(o, v)));
    Ok(Value::List(as_set(acc)))
}

pub(super) fn setunion(args: Vec<Value>) -> FnResult {
    let Some(sets) = sets(&args)? else {
        return Ok(Value::Unknown);
    };
    Ok(Value::List(as_set(sets.into_iter().flatten().collect())))
}

/// `setproduct(list...)`: every combination, the first argument varying slowest. Unknown
/// elements are carried through.
pub(super) fn setproduct(args: Vec<Value>) -> FnResult {
    if args.len() < 2 {
        return Err(Reason::new("at least two arguments are required"));
    }
    let lists = args.iter().map(to_list).collect::<Result<Vec<_>, _>>()?;
    let total = lists
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
    match total {
        Some(0) => return Ok(Value::List(Vec::new())),
        Some(n) if n <= MAX_PRODUCT => {}
        _ => {
            return Err(Reason::new(format!(
                "the product has more than {MAX_PRODUCT} elements"
            )))
        }
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for l in &lists {
        let mut next = Vec::with_capacity(out.len() * l.len());
        for prefix in &out {
            for v in l.iter() {
                let mut p = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        out = next;
    }
    Ok(Value::List(out.into_iter().map(Value::List).collect()))
}

/// `slice(list, start, end)`: `end` exclusive.
pub(super) fn slice(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let l = to_list(arg(&args, 0)?)?;
    let (start, end) = (int_arg(&args, 1)?, int_arg(&args, 2)?);
    if start < 0 {
        return Err(Reason::new("start index must not be less than zero"));
    }
    if end > l.len() as i64 {
        return Err(Reason::new(
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(Reason::new(
            "start index must not be greater than end index",
        ));
    }
    Ok(Value::List(l[start as usize..end as usize].to_vec()))
}

/// `sort(list)`: the elements as strings, in lexical order.
pub(super) fn sort(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let l = to_list(arg(&args, 0)?)?;
    if l.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    let mut out = l.iter().map(to_str).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    Ok(Value::List(out.into_iter().map(Value::String).collect()))
}

/// `sum(list)`: an empty list is an error.
pub(super) fn sum(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let l = to_list(arg(&args, 0)?)?;
    if l.is_empty() {
        return Err(Reason::new("cannot sum an empty list"));
    }
    if l.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    let mut total = 0.0;
    for v in l {
        if v.is_null() {
            return Err(Reason::new(
                "argument must be list, set, or tuple of number values without nulls",
            ));
        }
        total += to_num(v)?;
    }
    Ok(Value::Number(total))
}

/// `transpose(map of lists of strings)`: each string becomes a key listing the keys it was
/// under.
pub(super) fn transpose(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let m = map_arg(arg(&args, 0)?)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, l) in m {
        if l.contains_unknown() {
            return Ok(Value::Unknown);
        }
        for v in to_list(l)? {
            out.entry(to_str(v)?)
                .or_default()
                .push(Value::String(k.clone()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

/// `zipmap(keys, values)`: lists of equal length.
pub(super) fn zipmap(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (k, v) = (to_list(arg(&args, 0)?)?, to_list(arg(&args, 1)?)?);
    if k.len() != v.len() {
        return Err(Reason::new(format!(
            "number of keys ({}) does not match number of values ({})",
            k.len(),
            v.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, v) in k.iter().zip(v) {
        if k.is_unknown() {
            return Ok(Value::Unknown);
        }
        out.insert(to_str(k)?, v.clone());
    }
    Ok(Value::Map(out))
}

//! The Terraform functions the evaluator knows. Anything else evaluates to `Unknown`.

use std::collections::BTreeMap;

use super::eval::{EvalError, EvalResult};
use crate::model::Value;

/// Calls function `name` on evaluated `args`.
pub fn call(name: &str, args: Vec<Value>) -> EvalResult {
    // Functions that cope with unknown arguments themselves.
    match name {
        "jsonencode" => {
            let a = one(&args)?;
            return Ok(Value::String(a.to_json().to_string()));
        }
        "sensitive" | "nonsensitive" => return one(&args).cloned(),
        "coalesce" => {
            for a in &args {
                if a.is_unknown() {
                    return Ok(Value::Unknown);
                }
                if !a.is_null() && a.as_str() != Some("") {
                    return Ok(a.clone());
                }
            }
            return Err(EvalError);
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match a {
                    Value::List(l) => out.extend(l),
                    Value::Unknown | Value::Reference(_) => return Ok(Value::Unknown),
                    _ => return Err(EvalError),
                }
            }
            return Ok(Value::List(out));
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for a in args {
                match a {
                    Value::Map(m) => out.extend(m),
                    Value::Null => {}
                    Value::Unknown | Value::Reference(_) => return Ok(Value::Unknown),
                    _ => return Err(EvalError),
                }
            }
            return Ok(Value::Map(out));
        }
        "tolist" | "toset" | "tomap" => {
            let a = one(&args)?;
            return Ok(match (name, a) {
                ("toset", Value::List(l)) => Value::List(dedup(l.clone())),
                (_, v) => v.clone(),
            });
        }
        "length" => {
            return Ok(match one(&args)? {
                Value::List(l) => Value::Number(l.len() as f64),
                Value::Map(m) => Value::Number(m.len() as f64),
                Value::String(s) => Value::Number(s.chars().count() as f64),
                Value::Unknown | Value::Reference(_) => Value::Unknown,
                _ => return Err(EvalError),
            })
        }
        "lookup" => {
            let (m, k) = (arg(&args, 0)?, arg(&args, 1)?);
            if m.is_unknown() || k.is_unknown() {
                return Ok(Value::Unknown);
            }
            let key = k.to_template_string().ok_or(EvalError)?;
            return match m {
                Value::Map(m) => match m.get(&key) {
                    Some(v) => Ok(v.clone()),
                    None => args.get(2).cloned().ok_or(EvalError),
                },
                _ => Err(EvalError),
            };
        }
        _ => {}
    }
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    Ok(match name {
        "jsondecode" => {
            let s = str_arg(&args, 0)?;
            let j: serde_json::Value = serde_json::from_str(s).map_err(|_| EvalError)?;
            Value::from_json(&j)
        }
        "format" => format(str_arg(&args, 0)?, &args[1..])?,
        "join" => {
            let sep = str_arg(&args, 0)?;
            let mut parts = Vec::new();
            for a in &args[1..] {
                for v in list_arg(a)? {
                    match v.to_template_string() {
                        Some(s) => parts.push(s),
                        None if v.is_unknown() => return Ok(Value::Unknown),
                        None => return Err(EvalError),
                    }
                }
            }
            Value::String(parts.join(sep))
        }
        "split" => {
            let (sep, s) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
            if sep.is_empty() {
                return Err(EvalError);
            }
            Value::List(s.split(sep).map(|p| Value::String(p.into())).collect())
        }
        "tostring" => match one(&args)? {
            Value::Null => Value::Null,
            v => Value::String(v.to_template_string().ok_or(EvalError)?),
        },
        "tonumber" => Value::Number(one(&args)?.as_f64().ok_or(EvalError)?),
        "tobool" => Value::Bool(one(&args)?.as_bool().ok_or(EvalError)?),
        "lower" => Value::String(str_arg(&args, 0)?.to_lowercase()),
        "upper" => Value::String(str_arg(&args, 0)?.to_uppercase()),
        "trimspace" => Value::String(str_arg(&args, 0)?.trim().to_string()),
        "replace" => {
            let (s, from, to) = (str_arg(&args, 0)?, str_arg(&args, 1)?, str_arg(&args, 2)?);
            if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
                return Ok(Value::Unknown); // regular expressions are not evaluated
            }
            Value::String(s.replace(from, to))
        }
        "startswith" => Value::Bool(str_arg(&args, 0)?.starts_with(str_arg(&args, 1)?)),
        "endswith" => Value::Bool(str_arg(&args, 0)?.ends_with(str_arg(&args, 1)?)),
        "contains" => Value::Bool(list_arg(arg(&args, 0)?)?.contains(arg(&args, 1)?)),
        "element" => {
            let l = list_arg(arg(&args, 0)?)?;
            let i = arg(&args, 1)?.as_i64().ok_or(EvalError)?;
            if l.is_empty() || i < 0 {
                return Err(EvalError);
            }
            l[(i as usize) % l.len()].clone()
        }
        "one" => {
            let l = list_arg(arg(&args, 0)?)?;
            match l.len() {
                0 => Value::Null,
                1 => l[0].clone(),
                _ => return Err(EvalError),
            }
        }
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.iter().for_each(|x| flat(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            flat(one(&args)?, &mut out);
            if out.iter().any(Value::is_unknown) {
                return Ok(Value::Unknown);
            }
            Value::List(out)
        }
        "distinct" => Value::List(dedup(list_arg(one(&args)?)?.to_vec())),
        "compact" => Value::List(
            list_arg(one(&args)?)?
                .iter()
                .filter(|v| !v.is_null() && v.as_str() != Some(""))
                .cloned()
                .collect(),
        ),
        "reverse" => Value::List(list_arg(one(&args)?)?.iter().rev().cloned().collect()),
        "sort" => {
            let mut l: Vec<String> = list_arg(one(&args)?)?
                .iter()
                .map(|v| v.to_template_string().ok_or(EvalError))
                .collect::<Result<_, _>>()?;
            l.sort();
            Value::List(l.into_iter().map(Value::String).collect())
        }
        "keys" => match one(&args)? {
            Value::Map(m) => Value::List(m.keys().map(|k| Value::String(k.clone())).collect()),
            _ => return Err(EvalError),
        },
        "values" => match one(&args)? {
            Value::Map(m) => Value::List(m.values().cloned().collect()),
            _ => return Err(EvalError),
        },
        "zipmap" => {
            let (k, v) = (list_arg(arg(&args, 0)?)?, list_arg(arg(&args, 1)?)?);
            let mut out = BTreeMap::new();
            for (k, v) in k.iter().zip(v) {
                out.insert(k.to_template_string().ok_or(EvalError)?, v.clone());
            }
            Value::Map(out)
        }
        "coalescelist" => args
            .iter()
            .find(|a| matches!(a, Value::List(l) if !l.is_empty()))
            .cloned()
            .unwrap_or(Value::List(Vec::new())),
        "min" | "max" => {
            let nums: Vec<f64> = args
                .iter()
                .map(|a| a.as_f64().ok_or(EvalError))
                .collect::<Result<_, _>>()?;
            let it = nums.into_iter();
            let r = if name == "min" {
                it.fold(f64::INFINITY, f64::min)
            } else {
                it.fold(f64::NEG_INFINITY, f64::max)
            };
            if r.is_finite() {
                Value::Number(r)
            } else {
                return Err(EvalError);
            }
        }
        "abs" => Value::Number(one(&args)?.as_f64().ok_or(EvalError)?.abs()),
        "range" => {
            let nums: Vec<f64> = args
                .iter()
                .map(|a| a.as_f64().ok_or(EvalError))
                .collect::<Result<_, _>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if s <= e { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return Err(EvalError),
            };
            if step == 0.0 {
                return Err(EvalError);
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
                if out.len() > 1024 {
                    return Ok(Value::Unknown);
                }
            }
            Value::List(out)
        }
        _ => Value::Unknown,
    })
}

fn arg(args: &[Value], i: usize) -> Result<&Value, EvalError> {
    args.get(i).ok_or(EvalError)
}

fn one(args: &[Value]) -> Result<&Value, EvalError> {
    arg(args, 0)
}

fn str_arg(args: &[Value], i: usize) -> Result<&str, EvalError> {
    arg(args, i)?.as_str().ok_or(EvalError)
}

fn list_arg(v: &Value) -> Result<&[Value], EvalError> {
    match v {
        Value::List(l) => Ok(l),
        _ => Err(EvalError),
    }
}

fn dedup(l: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(l.len());
    for v in l {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `format` with the common verbs: `%s %d %v %q %f %%`.
fn format(spec: &str, args: &[Value]) -> EvalResult {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags, width and precision.
        let mut verb = None;
        for n in chars.by_ref() {
            if n.is_ascii_alphabetic() || n == '%' {
                verb = Some(n);
                break;
            }
        }
        match verb {
            Some('%') => out.push('%'),
            Some('q') => {
                let v = it.next().ok_or(EvalError)?;
                out.push_str(&format!("{:?}", v.to_template_string().ok_or(EvalError)?));
            }
            Some(_) => {
                let v = it.next().ok_or(EvalError)?;
                out.push_str(&v.to_template_string().ok_or(EvalError)?);
            }
            None => return Err(EvalError),
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn common_functions() {
        assert_eq!(
            call("format", vec![s("%s-%d"), s("a"), Value::Number(3.0)]),
            Ok(s("a-3"))
        );
        assert_eq!(
            call("join", vec![s(","), Value::List(vec![s("a"), s("b")])]),
            Ok(s("a,b"))
        );
        assert_eq!(
            call("concat", vec![Value::List(vec![]), Value::Unknown]),
            Ok(Value::Unknown)
        );
        assert_eq!(call("nosuchfunction", vec![]), Ok(Value::Unknown));
        assert_eq!(
            call("jsondecode", vec![s("[1]")]),
            Ok(Value::List(vec![Value::Number(1.0)]))
        );
        assert_eq!(
            call("jsonencode", vec![Value::List(vec![s("*")])]),
            Ok(s("[\"*\"]"))
        );
        assert!(call("element", vec![Value::List(vec![]), Value::Number(0.0)]).is_err());
    }
}

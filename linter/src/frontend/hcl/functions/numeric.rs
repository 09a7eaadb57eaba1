//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`, `pow`, `signum`.

use super::{arg, at_most, int_arg, num_arg, str_arg, to_num, FnResult, Reason};
use crate::model::Value;

fn finite(n: f64) -> FnResult {
    if n.is_finite() {
        Ok(Value::Number(n))
    } else {
        Err(Reason::new("the result is not a finite number"))
    }
}

pub(super) fn abs(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    finite(num_arg(&args, 0)?.abs())
}

pub(super) fn ceil(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    finite(num_arg(&args, 0)?.ceil())
}

pub(super) fn floor(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    finite(num_arg(&args, 0)?.floor())
}

pub(super) fn log(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (x, base) = (num_arg(&args, 0)?, num_arg(&args, 1)?);
    finite(x.ln() / base.ln())
}

pub(super) fn pow(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    finite(num_arg(&args, 0)?.powf(num_arg(&args, 1)?))
}

pub(super) fn signum(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let n = num_arg(&args, 0)?;
    Ok(Value::Number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> FnResult {
    arg(args, 0).map_err(|_| Reason::new("must have at least one argument"))?;
    let mut acc: Option<f64> = None;
    for a in args {
        let n = to_num(a)?;
        acc = Some(acc.map_or(n, |m| pick(m, n)));
    }
    finite(acc.unwrap_or(f64::NAN))
}

pub(super) fn max(args: Vec<Value>) -> FnResult {
    extreme(&args, f64::max)
}

pub(super) fn min(args: Vec<Value>) -> FnResult {
    extreme(&args, f64::min)
}

/// `parseint(string, base)`: bases 2 to 62; digits are `0-9`, then `a-z`, then `A-Z` (letters
/// case-insensitive up to base 36), an optional sign first, as Go's `big.Int.SetString`.
pub(super) fn parseint(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (text, base) = (str_arg(&args, 0)?, int_arg(&args, 1)?);
    if !(2..=62).contains(&base) {
        return Err(Reason::new(format!(
            "base must be a whole number between 2 and 62 inclusive, got {base}"
        )));
    }
    let invalid = || Reason::new(format!("cannot parse {text:?} as a base {base} integer"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(invalid());
    }
    let base_f = base as f64;
    let mut n = 0.0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => return Err(invalid()),
        };
        if d >= base {
            return Err(invalid());
        }
        n = n * base_f + d as f64;
    }
    Ok(Value::Number(if negative { -n } else { n }))
}

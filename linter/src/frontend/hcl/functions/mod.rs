//! Terraform's built-in functions, evaluated with Terraform's semantics where the linter's
//! [`Value`] can carry them.
//!
//! [`CATALOGUE`] lists every function of Terraform 1.11's documentation and says how the linter
//! treats it: pure functions are implemented here (one module per documented family), a few
//! need the evaluator (`try`, `can`, the file functions, `templatestring`) and live in `eval.rs`,
//! and impure ones (`timestamp`, `uuid`, `bcrypt`, ...) are unknown by design. A unit test fails
//! when a pure function of the catalogue has no implementation.
//!
//! Conventions, as in Terraform (go-cty's function machinery):
//! - an unknown argument (or a reference) makes the result unknown, unless the function is
//!   defined on unknowns (`coalesce`, `concat`, `length`, `try`...); an unknown *element* of a
//!   collection is carried through by the functions that only move elements around
//!   (`concat`, `slice`, `setproduct`...) and makes the result unknown where its value matters;
//! - a null argument is refused ("must not be null") unless the function accepts null;
//! - strings, numbers and bools convert into each other where Terraform converts them;
//! - an argument Terraform refuses gives [`FnError`] with the reason, which the evaluator turns
//!   into [`EvalError`] (caught by `try`/`can`, otherwise "cannot evaluate": unknown).
//!
//! Known differences, from the linter's untyped [`Value`]: numbers are `f64` (Terraform's are
//! arbitrary precision), sets are lists (sorted as Terraform orders sets: strings and numbers by
//! value), there are no typed nulls, and strings count characters where Terraform counts
//! grapheme clusters (`length`, `substr`, `strrev` differ only on combining sequences).

mod catalogue;
mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod format;
mod network;
mod numeric;
mod string;
#[cfg(test)]
mod tests;

use std::fmt;

use super::eval::EvalError;
use crate::model::Value;

pub use catalogue::{Kind, CATALOGUE};
pub(crate) use crypto::file_digest;

/// Why a function call could not be evaluated: Terraform would refuse it (a bad argument),
/// or the linter cannot evaluate it (an encoding it does not know).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{function}(): {message}")]
pub struct FnError {
    /// The function called.
    pub function: String,
    /// What was wrong, in Terraform's words where possible.
    pub message: String,
}

impl From<FnError> for EvalError {
    fn from(_: FnError) -> EvalError {
        EvalError
    }
}

/// The reason of an [`FnError`] before the function's name is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason(pub String);

impl Reason {
    pub(crate) fn new(message: impl fmt::Display) -> Reason {
        Reason(message.to_string())
    }
}

/// What a function implementation returns.
pub(crate) type FnResult = Result<Value, Reason>;

/// How a function treats unknown and null arguments before its body runs.
#[derive(Clone, Copy)]
struct Builtin {
    body: fn(Vec<Value>) -> FnResult,
    /// The body copes with unknown arguments itself.
    unknowns: bool,
    /// The body copes with null arguments itself.
    nulls: bool,
}

const fn plain(body: fn(Vec<Value>) -> FnResult) -> Builtin {
    Builtin {
        body,
        unknowns: false,
        nulls: false,
    }
}

impl Builtin {
    const fn unknowns(mut self) -> Builtin {
        self.unknowns = true;
        self
    }
    const fn nulls(mut self) -> Builtin {
        self.nulls = true;
        self
    }
}

/// Calls function `name` on evaluated `args` (a final `...` argument already expanded).
/// A function the linter does not evaluate (impure, provider-defined, unknown) gives `Unknown`.
pub fn call(name: &str, args: Vec<Value>) -> Result<Value, FnError> {
    let Some(b) = builtin(name) else {
        return Ok(Value::Unknown);
    };
    if !b.unknowns && args.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    if !b.nulls && args.iter().any(Value::is_null) {
        return Err(FnError {
            function: name.to_string(),
            message: "argument must not be null".into(),
        });
    }
    (b.body)(args).map_err(|Reason(message)| FnError {
        function: name.to_string(),
        message,
    })
}

/// Why a call to `name` evaluates to unknown whatever its arguments, for a "could not evaluate"
/// note: an impure function, a pure one the linter does not evaluate, or a name that is not
/// one of Terraform's built-in functions. `None` for the functions that are evaluated.
/// Whether Terraform's `name` is impure (its value depends on when Terraform runs, or is
/// random), so an unknown result on known arguments is expected, not worth a note.
pub fn is_impure(name: &str) -> bool {
    CATALOGUE
        .iter()
        .any(|(n, k)| *n == name && matches!(k, Kind::Impure))
}

pub fn why_unknown(name: &str) -> Option<&'static str> {
    match CATALOGUE.iter().find(|(n, _)| *n == name) {
        Some((_, Kind::Impure)) => Some("its value depends on when Terraform runs, or is random"),
        Some((_, Kind::NotEvaluated(reason))) => Some(reason),
        Some((_, Kind::Pure | Kind::Evaluator)) => None,
        None => Some("it is not one of Terraform's built-in functions"),
    }
}

/// Whether this module implements `name` (the evaluator's own functions aside).
pub fn is_implemented(name: &str) -> bool {
    builtin(name).is_some()
}

fn builtin(name: &str) -> Option<Builtin> {
    use {
        collection as c, conversion as t, crypto as h, datetime as d, encoding as e, network as n,
        numeric as m, string as s,
    };
    Some(match name {
        // Numeric.
        "abs" => plain(m::abs),
        "ceil" => plain(m::ceil),
        "floor" => plain(m::floor),
        "log" => plain(m::log),
        "max" => plain(m::max),
        "min" => plain(m::min),
        "parseint" => plain(m::parseint),
        "pow" => plain(m::pow),
        "signum" => plain(m::signum),
        // String.
        "chomp" => plain(s::chomp),
        "endswith" => plain(s::endswith),
        "format" => plain(format::format).nulls(),
        "formatlist" => plain(format::formatlist).nulls(),
        "indent" => plain(s::indent),
        "join" => plain(s::join),
        "lower" => plain(s::lower),
        "regex" => plain(s::regex),
        "regexall" => plain(s::regexall),
        "replace" => plain(s::replace),
        "split" => plain(s::split),
        "startswith" => plain(s::startswith),
        "strcontains" => plain(s::strcontains),
        "strrev" => plain(s::strrev),
        "substr" => plain(s::substr),
        "title" => plain(s::title),
        "trim" => plain(s::trim),
        "trimprefix" => plain(s::trimprefix),
        "trimspace" => plain(s::trimspace),
        "trimsuffix" => plain(s::trimsuffix),
        "upper" => plain(s::upper),
        // Collection.
        "alltrue" => plain(c::alltrue),
        "anytrue" => plain(c::anytrue),
        "chunklist" => plain(c::chunklist),
        "coalesce" => plain(c::coalesce).unknowns().nulls(),
        "coalescelist" => plain(c::coalescelist).unknowns().nulls(),
        "compact" => plain(c::compact),
        "concat" => plain(c::concat),
        "contains" => plain(c::contains).nulls(),
        "distinct" => plain(c::distinct),
        "element" => plain(c::element),
        "flatten" => plain(c::flatten),
        "index" => plain(c::index).nulls(),
        "keys" => plain(c::keys),
        "length" => plain(c::length),
        "lookup" => plain(c::lookup).nulls(),
        "matchkeys" => plain(c::matchkeys),
        "merge" => plain(c::merge).nulls(),
        "one" => plain(c::one).nulls(),
        "range" => plain(c::range),
        "reverse" => plain(c::reverse),
        "setintersection" => plain(c::setintersection),
        "setproduct" => plain(c::setproduct),
        "setsubtract" => plain(c::setsubtract),
        "setunion" => plain(c::setunion),
        "slice" => plain(c::slice),
        "sort" => plain(c::sort),
        "sum" => plain(c::sum),
        "transpose" => plain(c::transpose),
        "values" => plain(c::values),
        "zipmap" => plain(c::zipmap),
        // Encoding.
        "base64decode" => plain(e::base64decode),
        "base64encode" => plain(e::base64encode),
        "base64gzip" => plain(e::base64gzip),
        "csvdecode" => plain(e::csvdecode),
        "jsondecode" => plain(e::jsondecode),
        "jsonencode" => plain(e::jsonencode).unknowns().nulls(),
        "textdecodebase64" => plain(e::textdecodebase64),
        "textencodebase64" => plain(e::textencodebase64),
        "urlencode" => plain(e::urlencode),
        "yamldecode" => plain(e::yamldecode),
        "yamlencode" => plain(e::yamlencode).nulls(),
        // Filesystem paths (the functions that read files are the evaluator's).
        "abspath" => plain(s::abspath),
        "basename" => plain(s::basename),
        "dirname" => plain(s::dirname),
        // Date and time.
        "formatdate" => plain(d::formatdate),
        "timeadd" => plain(d::timeadd),
        "timecmp" => plain(d::timecmp),
        // Hash and crypto.
        "base64sha256" => plain(h::base64sha256),
        "base64sha512" => plain(h::base64sha512),
        "md5" => plain(h::md5),
        "sha1" => plain(h::sha1),
        "sha256" => plain(h::sha256),
        "sha512" => plain(h::sha512),
        "uuidv5" => plain(h::uuidv5),
        // IP network.
        "cidrhost" => plain(n::cidrhost),
        "cidrnetmask" => plain(n::cidrnetmask),
        "cidrsubnet" => plain(n::cidrsubnet),
        "cidrsubnets" => plain(n::cidrsubnets),
        // Type conversion.
        "ephemeralasnull" => plain(t::identity).unknowns().nulls(),
        "nonsensitive" => plain(t::identity).unknowns().nulls(),
        "sensitive" => plain(t::identity).unknowns().nulls(),
        "tobool" => plain(t::tobool).nulls(),
        "tolist" => plain(t::tolist).nulls(),
        "tomap" => plain(t::tomap).nulls(),
        "tonumber" => plain(t::tonumber).nulls(),
        "toset" => plain(t::toset).nulls(),
        "tostring" => plain(t::tostring).nulls(),
        _ => return None,
    })
}

// ---- Argument helpers shared by the families. ----

/// Argument `i`, or an error naming how many the function takes.
pub(crate) fn arg(args: &[Value], i: usize) -> Result<&Value, Reason> {
    args.get(i)
        .ok_or_else(|| Reason::new(format!("expects at least {} argument(s)", i + 1)))
}

/// Refuses more than `n` arguments.
pub(crate) fn at_most(args: &[Value], n: usize) -> Result<(), Reason> {
    if args.len() > n {
        return Err(Reason::new(format!(
            "expects at most {n} argument(s), got {}",
            args.len()
        )));
    }
    Ok(())
}

/// `v` converted to a string as Terraform converts primitives (numbers, bools).
pub(crate) fn to_str(v: &Value) -> Result<String, Reason> {
    v.to_template_string()
        .ok_or_else(|| Reason::new(format!("a string is required, got {}", kind(v))))
}

/// Argument `i` as a string.
pub(crate) fn str_arg(args: &[Value], i: usize) -> Result<String, Reason> {
    to_str(arg(args, i)?)
}

/// `v` converted to a number (a numeric string converts, as in Terraform).
pub(crate) fn to_num(v: &Value) -> Result<f64, Reason> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| Reason::new(format!("cannot convert {s:?} to a number"))),
        other => Err(Reason::new(format!(
            "a number is required, got {}",
            kind(other)
        ))),
    }
}

/// Argument `i` as a number.
pub(crate) fn num_arg(args: &[Value], i: usize) -> Result<f64, Reason> {
    to_num(arg(args, i)?)
}

/// Argument `i` as a whole number.
pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, Reason> {
    let n = num_arg(args, i)?;
    if n.fract() != 0.0 || n.abs() > 9.0e15 {
        return Err(Reason::new(format!("a whole number is required, got {n}")));
    }
    Ok(n as i64)
}

/// `v` as a bool (`"true"`/`"false"` convert).
pub(crate) fn to_bool(v: &Value) -> Result<bool, Reason> {
    v.as_bool()
        .ok_or_else(|| Reason::new(format!("a bool is required, got {}", kind(v))))
}

/// `v` as a list (or tuple, or set).
pub(crate) fn to_list(v: &Value) -> Result<&[Value], Reason> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(Reason::new(format!(
            "a list is required, got {}",
            kind(other)
        ))),
    }
}

/// `v` moved out as a list.
pub(crate) fn into_list(v: Value) -> Result<Vec<Value>, Reason> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(Reason::new(format!(
            "a list is required, got {}",
            kind(&other)
        ))),
    }
}

/// A short name of `v`'s kind for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Unknown | Value::Reference(_) => "unknown value",
    }
}

/// Terraform's equality of two known values (numbers compare by value).
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && equal(va, vb))
        }
        _ => a == b,
    }
}

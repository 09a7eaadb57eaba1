//! String functions (`chomp` ... `upper`, `regex`, `regexall`) and the path functions that
//! only look at their argument (`abspath`, `basename`, `dirname`).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use super::{at_most, int_arg, str_arg, to_list, to_str, FnResult, Reason};
use crate::model::Value;

fn string(s: impl Into<String>) -> FnResult {
    Ok(Value::String(s.into()))
}

pub(super) fn chomp(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    string(str_arg(&args, 0)?.trim_end_matches(['\n', '\r']))
}

pub(super) fn endswith(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    Ok(Value::Bool(
        str_arg(&args, 0)?.ends_with(&str_arg(&args, 1)?),
    ))
}

pub(super) fn startswith(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    Ok(Value::Bool(
        str_arg(&args, 0)?.starts_with(&str_arg(&args, 1)?),
    ))
}

pub(super) fn strcontains(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    Ok(Value::Bool(
        str_arg(&args, 0)?.contains(&str_arg(&args, 1)?),
    ))
}

/// `indent(spaces, string)`: every line but the first gets `spaces` spaces.
pub(super) fn indent(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let n = int_arg(&args, 0)?;
    let pad = " ".repeat(usize::try_from(n).unwrap_or(0));
    string(str_arg(&args, 1)?.replace('\n', &format!("\n{pad}")))
}

/// `join(separator, list...)`.
pub(super) fn join(args: Vec<Value>) -> FnResult {
    let sep = str_arg(&args, 0)?;
    if args.len() < 2 {
        return Err(Reason::new("at least one list is required"));
    }
    let mut parts = Vec::new();
    for (li, a) in args[1..].iter().enumerate() {
        for (i, v) in to_list(a)?.iter().enumerate() {
            match v {
                v if v.is_unknown() => return Ok(Value::Unknown),
                Value::Null => {
                    return Err(Reason::new(format!(
                        "element {i} of list {li} is null; cannot concatenate null values"
                    )))
                }
                v => parts.push(to_str(v)?),
            }
        }
    }
    string(parts.join(&sep))
}

pub(super) fn lower(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    string(str_arg(&args, 0)?.to_lowercase())
}

pub(super) fn upper(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    string(str_arg(&args, 0)?.to_uppercase())
}

/// `title`: the first letter of each word upper-cased, words as Go's `strings.Title` finds them.
pub(super) fn title(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    string(out)
}

/// `strrev(string)`: grapheme clusters in reverse order.
pub(super) fn strrev(args: Vec<Value>) -> FnResult {
    use unicode_segmentation::UnicodeSegmentation as _;
    at_most(&args, 1)?;
    string(str_arg(&args, 0)?.graphemes(true).rev().collect::<String>())
}

/// `substr(string, offset, length)` in grapheme clusters: a negative offset counts from the
/// end, a negative length means "to the end"; an offset past the end gives "".
pub(super) fn substr(args: Vec<Value>) -> FnResult {
    use unicode_segmentation::UnicodeSegmentation as _;
    at_most(&args, 3)?;
    let s = str_arg(&args, 0)?;
    let (offset, length) = (int_arg(&args, 1)?, int_arg(&args, 2)?);
    let clusters: Vec<&str> = s.graphemes(true).collect();
    let total = clusters.len() as i64;
    let start = if offset < 0 {
        (total + offset).max(0)
    } else {
        offset
    };
    if start >= total {
        return string("");
    }
    let end = if length < 0 {
        total
    } else {
        (start + length).min(total)
    };
    string(clusters[start as usize..end as usize].concat())
}

pub(super) fn trim(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (s, cut) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    string(s.trim_matches(|c| cut.contains(c)))
}

pub(super) fn trimprefix(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (s, p) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    string(s.strip_prefix(p.as_str()).unwrap_or(&s))
}

pub(super) fn trimsuffix(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (s, p) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    string(s.strip_suffix(p.as_str()).unwrap_or(&s))
}

pub(super) fn trimspace(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    string(str_arg(&args, 0)?.trim())
}

/// `split(separator, string)`, as Go's `strings.Split` (an empty separator splits into
/// characters).
pub(super) fn split(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (sep, s) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str())
            .map(|p| Value::String(p.to_string()))
            .collect()
    };
    Ok(Value::List(parts))
}

/// `replace(string, substring, replacement)`; a substring in slashes is a regular expression
/// and the replacement may name its groups (`$1`, `${name}`), as in Terraform.
pub(super) fn replace(args: Vec<Value>) -> FnResult {
    at_most(&args, 3)?;
    let (s, from, to) = (str_arg(&args, 0)?, str_arg(&args, 1)?, str_arg(&args, 2)?);
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        let re = compiled(&from[1..from.len() - 1])?;
        return string(re.replace_all(&s, to.as_str()).into_owned());
    }
    string(s.replace(from.as_str(), &to))
}

thread_local! {
    /// Patterns compiled on this thread: `regex(...)` inside a `for` or over `count` instances
    /// is called with the same pattern again and again.
    static PATTERNS: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled (RE2 syntax, as Go's `regexp`), from the thread's cache when seen before.
fn compiled(pattern: &str) -> Result<Regex, Reason> {
    if let Some(re) = PATTERNS.with(|p| p.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re =
        Regex::new(pattern).map_err(|e| Reason::new(format!("invalid regular expression: {e}")))?;
    PATTERNS.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= 256 {
            p.clear();
        }
        p.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

/// The value of one match: the matched text without groups, a map of named groups, or a list
/// of numbered ones (an unmatched group is null).
fn captures_value(re: &Regex, caps: &regex::Captures<'_>) -> Result<Value, Reason> {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::String(m.as_str().to_string()))
    };
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(group(0));
    }
    let named = names.iter().filter(|n| n.is_some()).count();
    if named == 0 {
        return Ok(Value::List((1..=names.len()).map(group).collect()));
    }
    if named != names.len() {
        return Err(Reason::new(
            "invalid regular expression: cannot mix both named and unnamed capture groups",
        ));
    }
    let mut out = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(name) = name {
            out.insert((*name).to_string(), group(i + 1));
        }
    }
    Ok(Value::Map(out))
}

/// `regex(pattern, string)`: the first match; no match is an error.
pub(super) fn regex(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (pattern, s) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    let re = compiled(&pattern)?;
    match re.captures(&s) {
        Some(caps) => captures_value(&re, &caps),
        None => Err(Reason::new(
            "pattern did not match any part of the given string",
        )),
    }
}

/// `regexall(pattern, string)`: every match, possibly none.
pub(super) fn regexall(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (pattern, s) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    let re = compiled(&pattern)?;
    let mut out = Vec::new();
    for caps in re.captures_iter(&s) {
        out.push(captures_value(&re, &caps)?);
    }
    Ok(Value::List(out))
}

/// A slash-separated path made lexically shortest, as Go's `path.Clean`.
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// `abspath(path)`: an absolute path cleaned; a relative one depends on the directory
/// Terraform runs in and is unknown.
pub(super) fn abspath(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let p = str_arg(&args, 0)?;
    if !p.starts_with('/') {
        return Ok(Value::Unknown);
    }
    string(clean(&p))
}

/// `basename(path)`: the last element, as Go's `filepath.Base`.
pub(super) fn basename(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let p = str_arg(&args, 0)?;
    if p.is_empty() {
        return string(".");
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return string("/");
    }
    string(trimmed.rsplit('/').next().unwrap_or(trimmed))
}

/// `dirname(path)`: all but the last element, cleaned, as Go's `filepath.Dir`.
pub(super) fn dirname(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let p = str_arg(&args, 0)?;
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    string(clean(dir))
}

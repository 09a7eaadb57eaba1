//! Encoding functions: base64 (`base64decode`, `base64encode`, `base64gzip`,
//! `textdecodebase64`, `textencodebase64`), `csvdecode`, JSON, `urlencode` and YAML.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::{arg, at_most, kind, str_arg, FnResult, Reason};
use crate::model::{format_number, Value};

fn string(s: impl Into<String>) -> FnResult {
    Ok(Value::String(s.into()))
}

fn decode_b64(s: &str) -> Result<Vec<u8>, Reason> {
    B64.decode(s)
        .map_err(|e| Reason::new(format!("failed to decode base64 data: {e}")))
}

pub(super) fn base64encode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    string(B64.encode(str_arg(&args, 0)?))
}

/// `base64decode(string)`: the decoded bytes must be UTF-8.
pub(super) fn base64decode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let bytes = decode_b64(&str_arg(&args, 0)?)?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| Reason::new("the result of decoding the provided string is not valid UTF-8"))
}

/// `base64gzip(string)`: gzip-compressed, then base64 (the bytes differ from Go's compressor,
/// the decompressed content does not).
pub(super) fn base64gzip(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(s.as_bytes())
        .and_then(|()| gz.finish())
        .map(|bytes| Value::String(B64.encode(bytes)))
        .map_err(|e| Reason::new(format!("failed to compress: {e}")))
}

/// An IANA character set name as Terraform accepts it, for the encodings the linter knows.
#[derive(Clone, Copy)]
enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
}

fn charset(name: &str) -> Result<Charset, Reason> {
    Ok(match name.to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" | "CSUTF8" => Charset::Utf8,
        "UTF-16LE" | "CSUTF16LE" => Charset::Utf16Le,
        "UTF-16BE" | "CSUTF16BE" => Charset::Utf16Be,
        "ISO-8859-1" | "ISO-8859-1:1987" | "LATIN1" | "L1" | "ISO-IR-100" | "CSISOLATIN1"
        | "IBM819" | "CP819" => Charset::Latin1,
        "US-ASCII" | "ASCII" | "ANSI-X3.4-1968" | "CSASCII" | "US" => Charset::Ascii,
        _ => {
            return Err(Reason::new(format!(
                "the linter does not evaluate the {name:?} encoding (it knows UTF-8, UTF-16LE, UTF-16BE, ISO-8859-1 and US-ASCII)"
            )))
        }
    })
}

/// `textencodebase64(string, encoding)`.
pub(super) fn textencodebase64(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (s, cs) = (str_arg(&args, 0)?, charset(&str_arg(&args, 1)?)?);
    let bytes: Vec<u8> = match cs {
        Charset::Utf8 => s.into_bytes(),
        Charset::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Charset::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Charset::Latin1 | Charset::Ascii => {
            let max = if matches!(cs, Charset::Latin1) {
                0xFF
            } else {
                0x7F
            };
            s.chars()
                .map(|c| {
                    u8::try_from(u32::from(c))
                        .ok()
                        .filter(|b| u32::from(*b) <= max)
                        .ok_or_else(|| {
                            Reason::new(format!(
                                "the string cannot be encoded: {c:?} is not in the encoding"
                            ))
                        })
                })
                .collect::<Result<_, _>>()?
        }
    };
    string(B64.encode(bytes))
}

/// `textdecodebase64(string, encoding)`.
pub(super) fn textdecodebase64(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (s, cs) = (str_arg(&args, 0)?, charset(&str_arg(&args, 1)?)?);
    let bytes = decode_b64(&s)?;
    let invalid = || Reason::new("the decoded bytes are not valid in the given encoding");
    let text = match cs {
        Charset::Utf8 => String::from_utf8(bytes).map_err(|_| invalid())?,
        Charset::Utf16Le | Charset::Utf16Be => {
            if bytes.len() % 2 != 0 {
                return Err(invalid());
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| match cs {
                    Charset::Utf16Le => u16::from_le_bytes([p[0], p[1]]),
                    _ => u16::from_be_bytes([p[0], p[1]]),
                })
                .collect();
            String::from_utf16(&units).map_err(|_| invalid())?
        }
        Charset::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
        Charset::Ascii => {
            if !bytes.is_ascii() {
                return Err(invalid());
            }
            bytes.iter().map(|b| char::from(*b)).collect()
        }
    };
    string(text)
}

/// `csvdecode(string)`: the first line names the columns; every row is a map of strings.
pub(super) fn csvdecode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(s.as_bytes());
    let bad = |e: csv::Error| Reason::new(format!("invalid CSV: {e}"));
    let headers = rdr.headers().map_err(bad)?.clone();
    if headers.is_empty() {
        return Err(Reason::new("missing header line"));
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        let row: BTreeMap<String, Value> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
            .collect();
        rows.push(Value::Map(row));
    }
    Ok(Value::List(rows))
}

/// `jsondecode(string)`.
pub(super) fn jsondecode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let j: serde_json::Value =
        serde_json::from_str(&s).map_err(|e| Reason::new(format!("invalid JSON: {e}")))?;
    Ok(Value::from_json(&j))
}

/// `jsonencode(value)`. Unknown parts inside the value are kept readable on purpose (a
/// reference as its `"${address.attr}"` text, an unknown as `null`) so the rules can still
/// read a policy document that names another resource; a wholly unknown value is unknown.
pub(super) fn jsonencode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    match arg(&args, 0)? {
        v if v.is_unknown() => Ok(Value::Unknown),
        v => string(go_json_escape(v.to_json().to_string())),
    }
}

/// JSON text with `<`, `>`, `&`, U+2028 and U+2029 escaped, as Go's encoder (and so
/// Terraform's `jsonencode`) writes them. They can only occur inside strings.
fn go_json_escape(json: String) -> String {
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `urlencode(string)`: as Go's `url.QueryEscape` (space as `+`).
pub(super) fn urlencode(args: Vec<Value>) -> FnResult {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    const KEEP: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let encoded = s
        .split(' ')
        .map(|part| utf8_percent_encode(part, KEEP).to_string())
        .collect::<Vec<_>>()
        .join("+");
    string(encoded)
}

/// `yamldecode(string)`: exactly one YAML document, resolved as Terraform's go-cty-yaml
/// resolves it (see [`yaml_plain`]); mapping keys become strings; aliases are expanded.
pub(super) fn yamldecode(args: Vec<Value>) -> FnResult {
    use yaml_rust2::parser::{Event, Parser};
    enum Frame {
        Seq(usize, Vec<Value>),
        Map(usize, BTreeMap<String, Value>, Option<String>),
    }
    at_most(&args, 1)?;
    let s = str_arg(&args, 0)?;
    let mut parser = Parser::new_from_str(&s);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut docs: Vec<Value> = Vec::new();
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| Reason::new(format!("invalid YAML: {e}")))?;
        let (value, anchor) = match event {
            Event::StreamEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                (yaml_scalar_value(text, style, tag.as_ref())?, anchor)
            }
            Event::Alias(id) => (
                anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| Reason::new("YAML alias to an unknown or unfinished anchor"))?,
                0,
            ),
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(anchor, BTreeMap::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(anchor, items)) => (Value::List(items), anchor),
                Some(Frame::Map(anchor, map, _)) => (Value::Map(map), anchor),
                None => return Err(Reason::new("invalid YAML structure")),
            },
            _ => continue,
        };
        if anchor > 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => docs.push(value),
            Some(Frame::Seq(_, items)) => items.push(value),
            Some(Frame::Map(_, map, key)) => match key.take() {
                Some(k) => {
                    map.insert(k, value);
                }
                None => {
                    *key = Some(match value {
                        Value::Null => "null".into(),
                        v => v.to_template_string().ok_or_else(|| {
                            Reason::new(format!(
                                "line {}: mapping keys must be scalars",
                                mark.line()
                            ))
                        })?,
                    });
                }
            },
        }
    }
    match docs.len() {
        0 => Err(Reason::new("missing start of document")),
        1 => Ok(docs.remove(0)),
        _ => Err(Reason::new("unexpected extra content after value")),
    }
}

/// A scalar with its style and tag: quoted and block scalars are strings; plain ones are
/// resolved by [`yaml_plain`]; core-schema tags (`!!str`, `!!int`...) force the type.
fn yaml_scalar_value(
    text: String,
    style: yaml_rust2::scanner::TScalarStyle,
    tag: Option<&yaml_rust2::parser::Tag>,
) -> Result<Value, Reason> {
    use yaml_rust2::scanner::TScalarStyle;
    if let Some(tag) = tag {
        let core = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
        return match (core, tag.suffix.as_str()) {
            (true, "str") => Ok(Value::String(text)),
            (true, "int" | "float" | "bool" | "null") => {
                match (tag.suffix.as_str(), yaml_plain(&text)?) {
                    ("int" | "float", v @ Value::Number(_)) => Ok(v),
                    ("bool", v @ Value::Bool(_)) => Ok(v),
                    ("null", v @ Value::Null) => Ok(v),
                    _ => Err(Reason::new(format!(
                        "cannot decode {text:?} as !!{}",
                        tag.suffix
                    ))),
                }
            }
            _ => Err(Reason::new(format!(
                "unsupported YAML tag {}{}",
                tag.handle, tag.suffix
            ))),
        };
    }
    match style {
        TScalarStyle::Plain => yaml_plain(&text),
        _ => Ok(Value::String(text)),
    }
}

/// A plain scalar resolved as go-cty-yaml does (YAML 1.1 style): `~`/`null`/empty is null,
/// `yes`/`on`/`y` and `no`/`off`/`n` are bools, decimal (leading zeros included), `0x`, `0o`
/// and `0b` integers and decimal floats are numbers, anything else a string.
fn yaml_plain(text: &str) -> Result<Value, Reason> {
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(Reason::new(format!(
                "{text} cannot be represented as a number by the linter"
            )))
        }
        _ => {
            let plain = text.replace('_', "");
            let (negative, digits) = match plain.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
            };
            let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
                .iter()
                .find_map(|(p, r)| digits.strip_prefix(p).map(|d| (d, *r)));
            let number = match radix {
                Some((d, r)) if !d.is_empty() => u64::from_str_radix(d, r).ok().map(|n| n as f64),
                Some(_) => None,
                None if !digits.is_empty()
                    && digits.chars().all(|c| {
                        c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')
                    })
                    && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') =>
                {
                    digits.parse::<f64>().ok()
                }
                None => None,
            };
            match number {
                Some(n) if negative => Value::Number(-n),
                Some(n) => Value::Number(n),
                None => Value::String(text.to_string()),
            }
        }
    })
}

/// `yamlencode(value)`: block style, keys and strings double-quoted, multi-line strings as
/// literal blocks (`|`), as Terraform writes it.
pub(super) fn yamlencode(args: Vec<Value>) -> FnResult {
    at_most(&args, 1)?;
    let v = arg(&args, 0)?;
    if v.contains_unknown() {
        return Ok(Value::Unknown);
    }
    let mut out = String::new();
    if is_block(v) {
        yaml_block(v, 0, &mut out)?;
    } else {
        out.push_str(&yaml_scalar(v, 0)?);
        out.push('\n');
    }
    string(out)
}

fn yaml_quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A scalar, or an empty collection, in flow style; a multi-line string as a literal block
/// whose lines are indented by `indent + 2`.
fn yaml_scalar(v: &Value, indent: usize) -> Result<String, Reason> {
    Ok(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) if yaml_literal_ok(s) => {
            let body = s.strip_suffix('\n').unwrap_or(s);
            let chomp = if s.ends_with('\n') { "" } else { "-" };
            let marker = if s.starts_with(' ') { "2" } else { "" };
            let pad = " ".repeat(indent + 2);
            let mut out = format!("|{marker}{chomp}");
            for line in body.split('\n') {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
            }
            out
        }
        Value::String(s) => yaml_quote(s),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
        other => {
            return Err(Reason::new(format!(
                "cannot encode {} as YAML",
                kind(other)
            )))
        }
    })
}

/// Whether a string is written as a literal block: it has a line break, and nothing a literal
/// block cannot hold (control characters, trailing blanks, several final line breaks).
fn yaml_literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.ends_with("\n\n")
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && !s.split('\n').any(|l| l.ends_with([' ', '\t']))
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::List(l) if !l.is_empty()) || matches!(v, Value::Map(m) if !m.is_empty())
}

/// A non-empty list or map in block style, every line indented by `indent` spaces.
fn yaml_block(v: &Value, indent: usize, out: &mut String) -> Result<(), Reason> {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(m) => {
            for (k, v) in m {
                out.push_str(&pad);
                out.push_str(&yaml_quote(k));
                out.push(':');
                match v {
                    Value::Map(_) if is_block(v) => {
                        out.push('\n');
                        yaml_block(v, indent + 2, out)?;
                    }
                    Value::List(_) if is_block(v) => {
                        out.push('\n');
                        yaml_block(v, indent, out)?;
                    }
                    scalar => {
                        out.push(' ');
                        out.push_str(&yaml_scalar(scalar, indent)?);
                        out.push('\n');
                    }
                }
            }
        }
        Value::List(l) => {
            for item in l {
                out.push_str(&pad);
                out.push('-');
                if is_block(item) {
                    let mut inner = String::new();
                    yaml_block(item, indent + 2, &mut inner)?;
                    out.push(' ');
                    out.push_str(&inner[indent + 2..]);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(item, indent)?);
                    out.push('\n');
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(scalar, indent)?);
            out.push('\n');
        }
    }
    Ok(())
}

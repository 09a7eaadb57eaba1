//! A small JSON parser that keeps the byte span of every value and object key (serde_json
//! does not), for Terraform's JSON syntax (`.tf.json`, `.tfvars.json`).

use std::ops::Range;

/// Deepest nesting accepted (deeper input is an error, not a stack overflow).
const MAX_DEPTH: usize = 128;

/// A JSON value with its byte span in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    /// The value.
    pub value: Json,
    /// Its bytes in the source, quotes and brackets included.
    pub span: Range<usize>,
}

/// An object key with its byte span (quotes included).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The decoded key.
    pub name: String,
    /// Its bytes in the source.
    pub span: Range<usize>,
}

/// A JSON value; objects keep their members in source order (duplicates included).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A decoded string.
    String(String),
    /// An array.
    Array(Vec<Spanned>),
    /// An object's members in order.
    Object(Vec<(Key, Spanned)>),
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    /// Where the error is.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses one JSON document.
pub fn parse(src: &str) -> Result<Spanned, JsonError> {
    let mut p = Parser {
        src: src.as_bytes(),
        text: src,
        pos: 0,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(v)
}

/// Where the decoded text of the JSON string `raw` (quotes included, as [`Spanned::span`]
/// covers it) lies in `raw`: `(decoded, raw)` offset pairs at the start and after each escape,
/// the offsets between two pairs being in step. Empty when `raw` is not a quoted string.
pub fn string_offsets(raw: &str) -> Vec<(usize, usize)> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'"') {
        return Vec::new();
    }
    let mut out = vec![(0, 1)];
    let (mut decoded, mut i) = (0, 1);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => break,
            b'\\' => {
                let (raw_len, decoded_len) = match bytes.get(i + 1) {
                    Some(b'u') => {
                        let code = raw
                            .get(i + 2..i + 6)
                            .and_then(|h| u32::from_str_radix(h, 16).ok());
                        match code {
                            // A surrogate pair: two escapes, one 4-byte character.
                            Some(0xD800..=0xDBFF) => (12, 4),
                            Some(c) => (6, char::from_u32(c).map_or(1, char::len_utf8)),
                            None => (2, 1),
                        }
                    }
                    _ => (2, 1),
                };
                i += raw_len;
                decoded += decoded_len;
                out.push((decoded, i));
            }
            _ => {
                i += 1;
                decoded += 1;
            }
        }
    }
    out
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> JsonError {
        JsonError {
            offset: self.pos.min(self.src.len()),
            message: message.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.src.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Spanned, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        let start = self.pos;
        let value = match self.src.get(self.pos) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Json::String(self.string()?),
            Some(b't') => self.word("true", Json::Bool(true))?,
            Some(b'f') => self.word("false", Json::Bool(false))?,
            Some(b'n') => self.word("null", Json::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of input")),
        };
        Ok(Spanned {
            value,
            span: start..self.pos,
        })
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, JsonError> {
        if self.src[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            Ok(v)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        if !self.eat(b'0') && self.digits() == 0 {
            return Err(self.error("invalid number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.error("invalid number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(Json::Number(self.text[start..self.pos].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("invalid \\u escape"));
        }
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(&b) = self.src.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.src.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.src.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let c = char::from_u32(code)
                                .ok_or_else(|| self.error("invalid \\u escape"))?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.src.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let start = self.pos;
            let name = self.string()?;
            let key = Key {
                name,
                span: start..self.pos,
            };
            self.skip_ws();
            if !self.eat(b':') {
                return Err(self.error("expected `:`"));
            }
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_values() {
        let src = r#" {"a": [1, -2.5e3, "x\u00e9\ud83d\ude00"], "b": {"c": null}} "#;
        let v = parse(src).expect("parses");
        assert_eq!(&src[v.span.clone()], &src[1..src.len() - 1]);
        let Json::Object(m) = &v.value else {
            panic!("object")
        };
        assert_eq!(m[0].0.name, "a");
        assert_eq!(&src[m[0].0.span.clone()], "\"a\"");
        let Json::Array(items) = &m[0].1.value else {
            panic!("array")
        };
        assert_eq!(items[1].value, Json::Number("-2.5e3".into()));
        assert_eq!(items[2].value, Json::String("xé😀".into()));
        assert_eq!(&src[items[2].span.clone()], r#""x\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn string_offsets_step_over_escapes() {
        let raw = r#""a\"b\u00e9c\ud83d\ude00d\\""#;
        assert_eq!(
            string_offsets(raw),
            [(0, 1), (2, 4), (5, 11), (10, 24), (12, 27)]
        );
        let Json::String(decoded) = parse(raw).expect("parses").value else {
            panic!("string")
        };
        // Each pair is a character boundary of both texts, in step.
        for (d, r) in string_offsets(raw) {
            assert!(decoded.is_char_boundary(d) && raw.is_char_boundary(r));
        }
        assert!(string_offsets("1").is_empty());
    }

    #[test]
    fn errors_have_offsets() {
        for (src, offset) in [
            ("{\"a\" 1}", 5),
            ("[1,]", 3),
            ("\"abc", 4),
            ("01", 1),
            ("{} x", 3),
            ("\"\\ud800\"", 7),
            ("\"\\u+041\"", 3),
            ("", 0),
        ] {
            let e = parse(src).expect_err(src);
            assert_eq!(e.offset, offset, "{src}: {e}");
        }
        let deep = "[".repeat(MAX_DEPTH + 2);
        assert!(parse(&deep).is_err());
    }
}

//! Terraform's JSON syntax (`*.tf.json`, `*.tfvars.json`), read by translating it into native
//! HCL text that the rest of the front-end parses and evaluates as usual, with a [`SpanMap`]
//! from the generated text back to the JSON file so findings point into the JSON.
//!
//! As in Terraform: in configuration files, strings are templates (`"${var.x}"` is an
//! expression) except for labels, `variable` defaults, and module `source`/`version`; in
//! `.tfvars.json` every value is literal. Block bodies are written as attributes (a nested
//! block `"ingress": [{...}]` becomes a list of objects, the shape the rules read), except
//! `dynamic` blocks and a `terraform` block's `backend`. `provider`, `lifecycle`,
//! `provisioner` and `connection` are skipped, as are `"//"` comment members.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use super::json_syntax::{self, Json, Key, Spanned};
use super::loader::floor_char_boundary;
use crate::model::{LoadError, Resource};
use crate::source::{ByteSpan, SourceFile};

/// Maps byte offsets in the generated native text back to the JSON source.
#[derive(Debug, Default)]
pub struct SpanMap {
    starts: Vec<(usize, usize)>,
    ends: Vec<(usize, usize)>,
}

impl SpanMap {
    fn lookup(anchors: &[(usize, usize)], generated: usize) -> usize {
        let i = anchors.partition_point(|(g, _)| *g <= generated);
        match i.checked_sub(1).and_then(|i| anchors.get(i)) {
            Some((g, o)) => o + (generated - g),
            None => 0,
        }
    }

    /// The JSON range of a generated range: exact for whole values, keys, block headers and
    /// the expressions inside `${...}`; elsewhere (e.g. a parse error between two anchors) an
    /// estimate, always on character boundaries of `json`.
    pub fn range(&self, generated: Range<usize>, json: &str) -> Range<usize> {
        let start = floor_char_boundary(json, Self::lookup(&self.starts, generated.start));
        let end = Self::lookup(&self.ends, generated.end).max(start);
        start..floor_char_boundary(json, end)
    }
}

/// A JSON file and the map from its generated native text back to it.
#[derive(Debug)]
pub struct JsonOrigin {
    /// The JSON file as read.
    pub original: Arc<SourceFile>,
    /// Generated text offsets to JSON offsets.
    pub map: SpanMap,
}

impl JsonOrigin {
    /// Points `r`'s location, spans and source at the JSON file instead of the generated text.
    pub fn remap(&self, r: &mut Resource) {
        let json = self.original.source.as_str();
        if let Some(loc) = &r.location {
            let range = self.map.range(loc.start_byte..loc.end_byte, json);
            r.location = Some(self.original.location(range));
        }
        for (_, span) in &mut r.spans {
            let range = self.map.range(span.start as usize..span.end as usize, json);
            *span = ByteSpan::from(range);
        }
        r.source = Some(Arc::clone(&self.original));
    }

    /// The location in the JSON file of a range of the generated text.
    pub fn location(&self, generated: Range<usize>) -> crate::finding::SourceLocation {
        let range = self.map.range(generated, &self.original.source);
        self.original.location(range)
    }

    /// A parse error in the generated text, located in the JSON file.
    pub fn error(&self, generated: usize, message: String) -> LoadError {
        let range = self.map.range(generated..generated, &self.original.source);
        LoadError {
            location: self.original.location(range),
            message,
        }
    }
}

/// Whether a file name is in Terraform's JSON syntax.
pub fn is_json(display: &str) -> bool {
    display.ends_with(".json")
}

/// Translates a JSON file into native text: a configuration file, or a variables file when
/// `tfvars` is set. Errors are located in the JSON file.
pub fn translate(file: &Arc<SourceFile>, tfvars: bool) -> Result<(String, SpanMap), LoadError> {
    let located = |range: Range<usize>, message: String| LoadError {
        location: file.location(range),
        message,
    };
    let root = json_syntax::parse(&file.source)
        .map_err(|e| located(e.offset..e.offset, format!("parse error: {e}")))?;
    let Json::Object(members) = &root.value else {
        return Err(located(
            root.span.clone(),
            "parse error: a Terraform JSON file must hold one object".to_string(),
        ));
    };
    let mut w = Writer {
        src: &file.source,
        out: String::new(),
        map: SpanMap::default(),
    };
    for (key, value) in members {
        if tfvars {
            if is_identifier(&key.name) {
                w.attribute(key, value, Mode::Literal);
            }
        } else {
            w.top_level(key, value);
        }
    }
    Ok((w.out, w.map))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Strings are templates: `${...}` and `%{...}` are kept.
    Template,
    /// Strings are literal: `${` and `%{` are escaped.
    Literal,
}

struct Writer<'a> {
    /// The JSON text, to place template expressions precisely.
    src: &'a str,
    out: String,
    map: SpanMap,
}

/// The members of an object, or of every object in an array of objects (Terraform accepts
/// both wherever a block or a label level is expected).
fn members(v: &Spanned) -> Vec<&(Key, Spanned)> {
    match &v.value {
        Json::Object(m) => m.iter().collect(),
        Json::Array(items) => items.iter().flat_map(members).collect(),
        _ => Vec::new(),
    }
}

/// The bodies of a block: an object, or each object of an array.
fn bodies(v: &Spanned) -> Vec<&Spanned> {
    match &v.value {
        Json::Object(_) => vec![v],
        Json::Array(items) => items
            .iter()
            .filter(|i| matches!(i.value, Json::Object(_)))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl Writer<'_> {
    fn anchor_start(&mut self, json: usize) {
        self.map.starts.push((self.out.len(), json));
    }

    fn anchor_end(&mut self, json: usize) {
        self.map.ends.push((self.out.len(), json));
    }

    fn top_level(&mut self, key: &Key, value: &Spanned) {
        match key.name.as_str() {
            "resource" | "data" => {
                for (ty, by_name) in members(value) {
                    for (name, body) in members(by_name) {
                        for b in bodies(body) {
                            self.block(&key.name, &[ty, name], name, b, Body::Resource);
                        }
                    }
                }
            }
            "variable" | "output" | "module" => {
                let kind = match key.name.as_str() {
                    "variable" => Body::Variable,
                    "module" => Body::Module,
                    _ => Body::Plain,
                };
                for (name, body) in members(value) {
                    for b in bodies(body) {
                        self.block(&key.name, &[name], name, b, kind);
                    }
                }
            }
            "locals" => {
                for b in bodies(value) {
                    self.block("locals", &[], key, b, Body::Plain);
                }
            }
            "terraform" => {
                for b in bodies(value) {
                    self.block("terraform", &[], key, b, Body::Terraform);
                }
            }
            _ => {} // provider, moved, import, check, "//", ...
        }
    }

    /// `ident "label"... {` anchored on `anchor` (the innermost label's key), the body, `}`.
    fn block(&mut self, ident: &str, labels: &[&Key], anchor: &Key, body: &Spanned, kind: Body) {
        self.anchor_start(anchor.span.start);
        self.out.push_str(ident);
        for l in labels {
            self.out.push(' ');
            self.string(&l.name, Mode::Literal);
        }
        self.out.push_str(" {");
        self.anchor_end(anchor.span.end);
        self.out.push('\n');
        self.body(body, kind);
        self.out.push_str("}\n");
    }

    fn body(&mut self, body: &Spanned, kind: Body) {
        let Json::Object(members) = &body.value else {
            return;
        };
        for (key, value) in members {
            let name = key.name.as_str();
            match (kind, name) {
                (_, "//") => {}
                (Body::Resource, "lifecycle" | "provisioner" | "connection") => {}
                (Body::Resource | Body::Nested, "dynamic") => {
                    for (label, spec) in self::members(value) {
                        for b in bodies(spec) {
                            self.dynamic(label, b);
                        }
                    }
                }
                (Body::Terraform, "backend") => {
                    for (ty, b) in self::members(value) {
                        for b in bodies(b) {
                            self.block("backend", &[ty], ty, b, Body::Plain);
                        }
                    }
                }
                (Body::Terraform, _) => {}
                (Body::Variable, "default" | "description") => {
                    self.attribute(key, value, Mode::Literal)
                }
                (Body::Variable, _) => {}
                (Body::Module, "source" | "version") => self.attribute(key, value, Mode::Literal),
                (Body::Module, "providers") => {}
                _ if is_identifier(name) => self.attribute(key, value, Mode::Template),
                _ => {}
            }
        }
    }

    fn dynamic(&mut self, label: &Key, spec: &Spanned) {
        let Json::Object(members) = &spec.value else {
            return;
        };
        self.anchor_start(label.span.start);
        self.out.push_str("dynamic ");
        self.string(&label.name, Mode::Literal);
        self.out.push_str(" {");
        self.anchor_end(label.span.end);
        self.out.push('\n');
        for (key, value) in members {
            match key.name.as_str() {
                "for_each" | "labels" => self.attribute(key, value, Mode::Template),
                "iterator" => {
                    if let Json::String(s) = &value.value {
                        if is_identifier(s) {
                            let _ = writeln!(self.out, "iterator = {s}");
                        }
                    }
                }
                "content" => {
                    for b in bodies(value) {
                        self.block("content", &[], key, b, Body::Nested);
                    }
                }
                _ => {}
            }
        }
        self.out.push_str("}\n");
    }

    /// `name = value`, the name anchored on its JSON key (so that a parse error at an
    /// attribute points at its key).
    fn attribute(&mut self, key: &Key, value: &Spanned, mode: Mode) {
        self.anchor_start(key.span.start);
        self.out.push_str(&key.name);
        self.anchor_end(key.span.end);
        self.out.push_str(" = ");
        self.value(value, mode);
        self.out.push('\n');
    }

    fn value(&mut self, v: &Spanned, mode: Mode) {
        self.anchor_start(v.span.start);
        match &v.value {
            Json::Null => self.out.push_str("null"),
            Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => self.out.push_str(n),
            Json::String(s) => {
                let raw = self.src.get(v.span.clone()).unwrap_or_default();
                let offsets = json_syntax::string_offsets(raw)
                    .into_iter()
                    .map(|(decoded, raw)| (decoded, v.span.start + raw))
                    .collect::<Vec<_>>();
                self.string_at(s, mode, &offsets);
            }
            Json::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.value(item, mode);
                }
                self.out.push(']');
            }
            Json::Object(members) => {
                self.out.push('{');
                for (i, (k, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.anchor_start(k.span.start);
                    self.string(&k.name, mode);
                    self.anchor_end(k.span.end);
                    self.out.push_str(" = ");
                    self.value(item, mode);
                }
                self.out.push('}');
            }
        }
        self.anchor_end(v.span.end);
    }

    /// A quoted native string. Template mode keeps `${...}`/`%{...}` sequences verbatim (their
    /// insides are expressions, quotes included); literal mode escapes them.
    fn string(&mut self, s: &str, mode: Mode) {
        self.string_at(s, mode, &[]);
    }

    /// [`Self::string`], with `offsets` (`(decoded, json)` pairs, as from
    /// [`json_syntax::string_offsets`]) placing `s` in the JSON text: the expressions of its
    /// `${...}`/`%{...}` sequences are then mapped back to the JSON byte for byte, so findings
    /// on values inside a template point at the value, not at the whole string.
    fn string_at(&mut self, s: &str, mode: Mode, offsets: &[(usize, usize)]) {
        self.out.push('"');
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if mode == Mode::Template && (rest.starts_with("$${") || rest.starts_with("%%{")) {
                self.out.push_str(&rest[..3]);
                rest = &rest[3..];
                continue;
            }
            if rest.starts_with("${") || rest.starts_with("%{") {
                if mode == Mode::Template {
                    let end = interpolation_end(rest);
                    let at = s.len() - rest.len();
                    self.verbatim(&rest[..end], at, offsets);
                    rest = &rest[end..];
                } else {
                    self.out.push(c);
                    self.out.push_str(&rest[..2]);
                    rest = &rest[2..];
                }
                continue;
            }
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                }
                c => self.out.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
        self.out.push('"');
    }

    /// Copies `text`, which starts at byte `at` of a decoded JSON string placed by `offsets`,
    /// anchoring the copy to the JSON at its start and after each escape.
    fn verbatim(&mut self, text: &str, at: usize, offsets: &[(usize, usize)]) {
        if offsets.is_empty() {
            self.out.push_str(text);
            return;
        }
        let json_at = |d: usize| {
            let i = offsets.partition_point(|(decoded, _)| *decoded <= d);
            match i.checked_sub(1).and_then(|i| offsets.get(i)) {
                Some((decoded, json)) => json + (d - decoded),
                None => 0,
            }
        };
        let mut from = at;
        let cuts = offsets
            .iter()
            .map(|(decoded, _)| *decoded)
            .filter(|d| *d > at && *d < at + text.len());
        for cut in cuts.chain([at + text.len()]) {
            let Some(piece) = text.get(from - at..cut - at) else {
                continue;
            };
            let json = json_at(from);
            self.anchor_start(json);
            self.anchor_end(json);
            self.out.push_str(piece);
            from = cut;
        }
    }
}

/// The length of the `${...}` or `%{...}` sequence `s` starts with (braces balanced, quoted
/// strings inside skipped); all of `s` when it is not closed.
fn interpolation_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 1; // past `$`/`%`
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

#[derive(Clone, Copy, PartialEq)]
enum Body {
    Resource,
    Nested,
    Variable,
    Module,
    Terraform,
    Plain,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native(src: &str, tfvars: bool) -> String {
        let file = Arc::new(SourceFile::new("t.tf.json".into(), src.into()));
        translate(&file, tfvars).expect("translates").0
    }

    #[test]
    fn blocks_and_templates() {
        let out = native(
            r#"{"resource": {"aws_x": {"a": {"name": "n-${var.env}", "n": 2,
                "tags": {"k": "v"}, "lifecycle": {"x": 1},
                "q": "${lookup(var.m, \"k\")}", "lit": "$${x}"}}},
               "variable": {"env": {"default": "${not}", "type": "string"}},
               "//": "comment"}"#,
            false,
        );
        assert_eq!(
            out,
            "resource \"aws_x\" \"a\" {\nname = \"n-${var.env}\"\nn = 2\ntags = {\"k\" = \"v\"}\n\
             q = \"${lookup(var.m, \"k\")}\"\nlit = \"$${x}\"\n}\n\
             variable \"env\" {\ndefault = \"$${not}\"\n}\n"
        );
        hcl::edit::parser::parse_body(&out).expect("native text parses");
    }

    #[test]
    fn tfvars_are_literal() {
        let out = native(r#"{"a": "${x}", "b": [1, "q\"\n"], "//": 1}"#, true);
        assert_eq!(out, "a = \"$${x}\"\nb = [1, \"q\\\"\\n\"]\n");
    }

    #[test]
    fn span_map_points_into_the_json() {
        let src = r#"{"resource": {"aws_x": {"a": {"name": "n"}}}}"#;
        let file = Arc::new(SourceFile::new("t.tf.json".into(), src.into()));
        let (out, map) = translate(&file, false).expect("translates");
        let g = out.find("\"n\"").expect("value");
        assert_eq!(&src[map.range(g..g + 3, src)], "\"n\"");
        let header = 0..out.find('{').expect("brace") + 1;
        assert_eq!(&src[map.range(header, src)], "\"a\"");
        let name = out.find("name").expect("attribute");
        assert_eq!(&src[map.range(name..name + 4, src)], "\"name\"");
    }
}

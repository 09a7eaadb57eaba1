//! Human-readable output: each finding with its source snippet underlined and the fix.

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Buffer};

use super::visible::{escape, escape_with_offsets};
use crate::finding::{path_to_string, Severity};
use crate::LintReport;

/// Renders `report`; ANSI colours when `color`.
pub fn render(report: &LintReport, color: bool) -> String {
    // Snippets and messages show control characters escaped (a binary file named `.tf`);
    // `ids` maps each file to its id and to where its byte offsets moved.
    let mut files = SimpleFiles::new();
    let mut ids = std::collections::BTreeMap::new();
    for (name, f) in &report.files {
        let (text, offsets) = escape_with_offsets(&f.source);
        ids.insert(name.clone(), (files.add(escape(name), text), offsets));
    }
    let mut buf = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let config = term::Config::default();
    let mut plain = String::new();
    for e in &report.errors {
        let mut d = Diagnostic::error().with_message(escape(&e.message));
        if let Some((id, offsets)) = ids.get(&e.location.file) {
            let start = offsets.offset(e.location.start_byte);
            d = d.with_labels(vec![Label::primary(*id, start..start)]);
        } else {
            d = d.with_notes(vec![escape(&format!("at {}", e.location))]);
        }
        if term::emit(&mut buf, &config, &files, &d).is_err() {
            plain.push_str(&format!("error: {}: {}\n", e.location, e.message));
        }
    }
    for u in &report.unchecked {
        let mut d = Diagnostic::warning()
            .with_code("not-checked")
            .with_message(escape(&u.reason));
        if let Some((id, offsets)) = ids.get(&u.location.file) {
            let span = offsets.offset(u.location.start_byte)..offsets.offset(u.location.end_byte);
            d = d.with_labels(vec![Label::primary(*id, span)]);
        } else {
            d = d.with_notes(vec![escape(&format!("at {}", u.location))]);
        }
        if term::emit(&mut buf, &config, &files, &d).is_err() {
            plain.push_str(&format!(
                "warning[not-checked]: {}: {}\n",
                u.location, u.reason
            ));
        }
    }
    for f in &report.findings {
        let base = match f.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
            Severity::Info => Diagnostic::note(),
        };
        let target = escape(&if f.attribute_path.is_empty() {
            f.address.clone()
        } else {
            format!("{}.{}", f.address, path_to_string(&f.attribute_path))
        });
        let mut d = base
            .with_code(f.rule_id.clone())
            .with_message(escape(&f.message))
            .with_notes(vec![escape(&format!("fix: {}", f.fix))]);
        match f
            .location
            .as_ref()
            .and_then(|l| ids.get(&l.file).map(|id| (l, id)))
        {
            Some((l, (id, offsets))) => {
                let span = offsets.offset(l.start_byte)..offsets.offset(l.end_byte);
                d = d.with_labels(vec![Label::primary(*id, span).with_message(target)]);
            }
            None => {
                d.notes.insert(0, format!("in {target}"));
            }
        }
        if term::emit(&mut buf, &config, &files, &d).is_err() {
            plain.push_str(&format!("{}[{}]: {}\n", f.severity, f.rule_id, f.message));
        }
    }
    let mut out = String::from_utf8_lossy(buf.as_slice()).into_owned();
    out.push_str(&plain);
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "{} error(s), {} warning(s), {} note(s) in {} file(s), {} resource(s); {} load error(s); {} part(s) not checked\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        report.files.len(),
        report.resources,
        report.errors.len(),
        report.unchecked.len()
    ));
    if !report.unchecked.is_empty() {
        out.push_str(
            "incomplete: the parts above marked `not-checked` were read but not checked \
             (their findings are unknown)\n",
        );
    }
    out
}

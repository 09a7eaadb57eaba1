//! GitHub Actions workflow commands (`::error file=...,line=...::message`).

use crate::finding::{Severity, SourceLocation};
use crate::LintReport;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn props(loc: Option<&SourceLocation>, title: &str) -> String {
    let mut p = Vec::new();
    if let Some(l) = loc {
        // Relative to the workspace, as the annotation API expects (no `./`).
        let file = l.file.trim_start_matches("./");
        p.push(format!("file={}", escape_prop(file)));
        p.push(format!("line={}", l.line));
        p.push(format!("col={}", l.col));
        p.push(format!("endLine={}", l.end_line));
        if l.end_line == l.line {
            p.push(format!("endColumn={}", l.end_col));
        }
    }
    p.push(format!("title={}", escape_prop(title)));
    p.join(",")
}

/// Renders `report` as one workflow command per finding and parse error.
pub fn render(report: &LintReport) -> String {
    let mut out = String::new();
    for e in &report.errors {
        out.push_str(&format!(
            "::error {}::{}\n",
            props(Some(&e.location), "parse error"),
            escape_data(&e.message)
        ));
    }
    for u in &report.unchecked {
        out.push_str(&format!(
            "::warning {}::{}\n",
            props(Some(&u.location), "not checked"),
            escape_data(&format!("not checked: {}", u.reason))
        ));
    }
    for f in &report.findings {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{cmd} {}::{}\n",
            props(f.location.as_ref(), &f.rule_id),
            escape_data(&format!("{} ({}). Fix: {}", f.message, f.address, f.fix))
        ));
    }
    out
}

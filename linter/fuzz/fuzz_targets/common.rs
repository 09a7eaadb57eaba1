//! What every front-end fuzz target does with its input once named: load it, check that every
//! location lies inside it, run every rule, apply inline suppressions and render the text report
//! (source snippets included) and, when there are findings, the SARIF log. Any input gives
//! findings or a load error, never a panic.

use std::collections::BTreeMap;
use std::sync::Arc;

use blueprint_lint::frontend::hcl::load_str;
use blueprint_lint::source::SourceFile;
use blueprint_lint::{check_model, report, suppress, LintReport, Profile, SourceLocation};

fn check_location(loc: &SourceLocation, source: &str) {
    assert!(loc.start_byte <= loc.end_byte, "{loc:?}");
    assert!(loc.end_byte <= source.len(), "{loc:?}");
    assert!(
        source.is_char_boundary(loc.start_byte) && source.is_char_boundary(loc.end_byte),
        "{loc:?}"
    );
    assert!(loc.line >= 1 && loc.col >= 1, "{loc:?}");
}

pub fn run(name: &str, source: &str) {
    let model = load_str(name, source);
    for e in &model.errors {
        check_location(&e.location, source);
    }
    let findings = check_model(&model, Profile::Prod);
    for f in &findings {
        if let Some(loc) = &f.location {
            check_location(loc, source);
        }
    }
    let file = Arc::new(SourceFile::new(name.to_string(), source.to_string()));
    let files: BTreeMap<String, Arc<SourceFile>> = [(name.to_string(), file)].into();
    let findings = suppress::apply(findings, std::slice::from_ref(&model), &files, "2026-01-01");
    let report = LintReport {
        findings,
        errors: model.errors.clone(),
        files,
        ..Default::default()
    };
    let _ = report::text::render(&report, false);
    // The SARIF log's rule table is the same for every input: only worth its time with results.
    if !report.findings.is_empty() {
        let _ = report::sarif::render(&report);
    }
}

//! JSON output: `{"version", "findings": [...], "errors": [...], "unchecked": [...]}`
//! (`unchecked`: what was read but not checked, each with its `location` and `reason`).

use crate::LintReport;

/// Renders `report` as pretty JSON.
pub fn render(report: &LintReport) -> String {
    let doc = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "findings": report.findings,
        "errors": report.errors,
        "unchecked": report.unchecked,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

//! JUnit XML: one test case per rule and file; findings are failures.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::finding::path_to_string;
use crate::LintReport;

/// Renders `report` as JUnit XML.
pub fn render(report: &LintReport) -> String {
    let mut r = Report::new("blueprint-lint");
    let mut suite = TestSuite::new("blueprint-lint");
    for e in &report.errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(e.message.clone());
        status.set_description(e.location.to_string());
        let mut tc = TestCase::new(format!("parse {}", e.location.file), status);
        tc.set_classname(e.location.file.clone());
        suite.add_test_case(tc);
    }
    // What was read but not checked: skipped test cases.
    for u in &report.unchecked {
        let mut status = TestCaseStatus::skipped();
        status.set_message(u.reason.clone());
        status.set_description(u.location.to_string());
        let mut tc = TestCase::new(format!("not checked {}", u.location), status);
        tc.set_classname(u.location.file.clone());
        suite.add_test_case(tc);
    }
    for f in &report.findings {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(f.message.clone());
        status.set_type(f.severity.as_str());
        let at = f
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default();
        status.set_description(format!("{at}\n{}\nfix: {}", f.address, f.fix));
        let name = if f.attribute_path.is_empty() {
            format!("{} {}", f.rule_id, f.address)
        } else {
            format!(
                "{} {}.{}",
                f.rule_id,
                f.address,
                path_to_string(&f.attribute_path)
            )
        };
        let mut tc = TestCase::new(name, status);
        tc.set_classname(
            f.location
                .as_ref()
                .map(|l| l.file.clone())
                .unwrap_or_else(|| f.address.clone()),
        );
        suite.add_test_case(tc);
    }
    if report.findings.is_empty() && report.errors.is_empty() && report.unchecked.is_empty() {
        suite.add_test_case(TestCase::new("blueprint-lint", TestCaseStatus::success()));
    }
    r.add_test_suite(suite);
    r.to_string().unwrap_or_default()
}

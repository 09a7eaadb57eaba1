//! SARIF 2.1.0 output, built from serde_json values: every rule in `tool.driver.rules`, every
//! finding a `result`, every unparsed file a `toolExecutionNotification`.

use serde_json::{json, Value};

use crate::finding::{path_to_string, Severity, SourceLocation};
use crate::rules::registry;
use crate::LintReport;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file path as a SARIF `uri-reference`: `/` separators, `./` dropped, and every byte outside
/// RFC 3986's unreserved set (and `/`) percent-encoded, so spaces, `#`, `%` and non-ASCII
/// names stay valid.
fn uri(file: &str) -> String {
    let path = file.trim_start_matches("./").replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn physical(l: &SourceLocation) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&l.file) },
            "region": {
                "startLine": l.line,
                "startColumn": l.col,
                "endLine": l.end_line,
                "endColumn": l.end_col.max(1),
            }
        }
    })
}

/// Renders `report` as a SARIF 2.1.0 log.
pub fn render(report: &LintReport) -> String {
    let rules: Vec<Value> = registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": { "text": m.description },
                "fullDescription": { "text": format!("{} Seed {}: \"{}\"", m.description, m.seed.file, m.seed.quote) },
                "help": { "text": m.fix },
                "helpUri": format!("https://github.com/blueprint-iac/blueprint/blob/main/docs/rules/{}.md", m.id),
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": {
                    "checkov": m.checkov,
                    "trivy": m.trivy,
                    "prodOnly": m.prod_only,
                }
            })
        })
        .collect();
    let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut logical = f.address.clone();
            if !f.attribute_path.is_empty() {
                logical = format!("{logical}.{}", path_to_string(&f.attribute_path));
            }
            let mut loc = f
                .location
                .as_ref()
                .map(physical)
                .unwrap_or_else(|| json!({}));
            if !f.address.is_empty() {
                loc["logicalLocations"] =
                    json!([{ "fullyQualifiedName": logical, "kind": "resource" }]);
            }
            let mut r = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": { "text": format!("{} Fix: {}", f.message, f.fix) },
                "locations": [loc],
            });
            if let Some(i) = ids.iter().position(|id| *id == f.rule_id) {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": e.message },
                "locations": [physical(&e.location)],
            })
        })
        .collect();
    // What was read but not checked: a warning-level notification each.
    notifications.extend(report.unchecked.iter().map(|u| {
        json!({
            "level": "warning",
            "message": { "text": format!("not checked: {}", u.reason) },
            "locations": [physical(&u.location)],
        })
    }));
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "blueprint-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/blueprint-iac/blueprint",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("./a/main.tf"), "a/main.tf");
        assert_eq!(uri("a\\b c.tf"), "a/b%20c.tf");
        assert_eq!(uri("/x/caf\u{e9}#1%.tf"), "/x/caf%C3%A9%231%25.tf");
    }
}

//! Inline suppressions: `# blueprint:ignore=RULE_ID reason [exp:YYYY-MM-DD]` on the line of the
//! finding, or on the line(s) above the attribute or the resource block. Several ids may be
//! given separated by commas. An expired suppression no longer applies and is reported as
//! `suppression-expired`; one that matches nothing is reported as `suppression-unused`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::finding::{Finding, Severity};
use crate::model::Model;
use crate::source::SourceFile;

const MARKER: &str = "blueprint:ignore=";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// File (display path).
    pub file: String,
    /// Line of the comment (1-based).
    pub line: usize,
    /// Column of the marker (1-based).
    pub col: usize,
    /// First non-comment line at or after the comment: the line it applies to when alone.
    pub target_line: usize,
    /// Rule ids.
    pub rules: Vec<String>,
    /// Why.
    pub reason: String,
    /// Expiry date, `YYYY-MM-DD`.
    pub expires: Option<String>,
}

fn is_comment_only(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

/// Every suppression comment in `source`.
pub fn parse(file: &str, source: &str) -> Vec<Suppression> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..pos];
        if !(before.contains('#') || before.contains("//")) {
            continue;
        }
        let rest = &line[pos + MARKER.len()..];
        let mut words = rest.split_whitespace();
        let ids = words.next().unwrap_or("");
        let mut reason = Vec::new();
        let mut expires = None;
        for w in words {
            let w2 = w.trim_matches(|c| c == '[' || c == ']');
            if let Some(d) = w2.strip_prefix("exp:") {
                expires = Some(d.to_string());
            } else {
                reason.push(w);
            }
        }
        let target_line = if is_comment_only(line) {
            (i + 1..lines.len())
                .find(|&j| !is_comment_only(lines[j]) && !lines[j].trim().is_empty())
                .map(|j| j + 1)
                .unwrap_or(i + 1)
        } else {
            i + 1
        };
        out.push(Suppression {
            file: file.to_string(),
            line: i + 1,
            col: line[..pos].chars().count() + 1,
            target_line,
            rules: ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            reason: reason.join(" "),
            expires,
        });
    }
    out
}

/// Applies suppressions to `findings`; adds findings for expired and unused suppressions.
pub fn apply(
    findings: Vec<Finding>,
    roots: &[Model],
    files: &BTreeMap<String, Arc<SourceFile>>,
    today: &str,
) -> Vec<Finding> {
    let mut sups: Vec<(Suppression, bool)> = files
        .values()
        .flat_map(|f| parse(&f.display, &f.source))
        .map(|s| (s, false))
        .collect();
    let mut out = Vec::new();
    for f in findings {
        let Some(loc) = &f.location else {
            out.push(f);
            continue;
        };
        let block_line = roots
            .iter()
            .filter_map(|m| m.get(&f.address))
            .filter_map(|r| r.location.as_ref())
            .find(|l| l.file == loc.file)
            .map(|l| l.line);
        let mut suppressed = false;
        for (s, used) in sups.iter_mut() {
            if s.file != loc.file || !s.rules.iter().any(|r| r == &f.rule_id) {
                continue;
            }
            let here = s.line == loc.line
                || s.target_line == loc.line
                || Some(s.target_line) == block_line
                || Some(s.line) == block_line;
            if !here {
                continue;
            }
            *used = true;
            let expired = s.expires.as_deref().is_some_and(|e| e < today);
            if !expired {
                suppressed = true;
            }
        }
        if !suppressed {
            out.push(f);
        }
    }
    for (s, used) in sups {
        let expired = s.expires.as_deref().is_some_and(|e| e < today);
        let (rule_id, message) = if expired {
            (
                "suppression-expired",
                format!(
                    "suppression of `{}` expired on {}",
                    s.rules.join(","),
                    s.expires.clone().unwrap_or_default()
                ),
            )
        } else if !used {
            (
                "suppression-unused",
                format!("suppression of `{}` matches no finding", s.rules.join(",")),
            )
        } else {
            continue;
        };
        let location = files.get(&s.file).map(|f| {
            let offset = line_offset(&f.source, s.line) + byte_col(&f.source, s.line, s.col);
            f.location(offset..offset + MARKER.len())
        });
        out.push(Finding {
            rule_id: rule_id.to_string(),
            severity: Severity::Warning,
            message,
            fix: "Remove the comment, fix the finding, or renew the date with a reason."
                .to_string(),
            address: String::new(),
            attribute_path: Vec::new(),
            location,
        });
    }
    out
}

fn line_offset(src: &str, line: usize) -> usize {
    src.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

fn byte_col(src: &str, line: usize, col: usize) -> usize {
    src.lines()
        .nth(line.saturating_sub(1))
        .map(|l| {
            l.chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum()
        })
        .unwrap_or(0)
}

/// Today's UTC date as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments() {
        let s = parse(
            "f.tf",
            "# blueprint:ignore=sg-ssh-rdp-open,ec2-imdsv2 bastion [exp:2030-01-01]\n\nresource \"x\" \"y\" {}\n",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].rules, vec!["sg-ssh-rdp-open", "ec2-imdsv2"]);
        assert_eq!(s[0].reason, "bastion");
        assert_eq!(s[0].expires.as_deref(), Some("2030-01-01"));
        assert_eq!(s[0].target_line, 3);
        assert!(parse("f.tf", "x = \"blueprint:ignore=a\"\n").is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
    }
}

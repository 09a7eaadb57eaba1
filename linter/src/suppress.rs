//! Inline suppressions: `# blueprint:ignore=RULE_ID reason [exp:YYYY-MM-DD]` on the line of the
//! finding, or on the line(s) above the attribute or the resource block. Several ids may be
//! given separated by commas. An expired suppression no longer applies and is reported as
//! `suppression-expired`; one that matches nothing is reported as `suppression-unused`. An
//! expiry that is not a real `YYYY-MM-DD` date (`[exp:31/12/2020]`, `[exp:2026-02-30]`) is a
//! load error at its file and line, and the suppression does not apply.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::finding::{Finding, Severity};
use crate::model::{LoadError, Model};
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
    /// Expiry date as written (`YYYY-MM-DD` when valid, see [`Suppression::expiry`]).
    pub expires: Option<String>,
}

/// An expiry that is not a calendar date in `YYYY-MM-DD` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("suppression expiry `{0}` is not a date: write it as YYYY-MM-DD (e.g. 2026-12-31)")]
pub struct BadDate(pub String);

/// Parses a `YYYY-MM-DD` date; anything else (another order, a day the month does not have) is
/// an error.
pub fn parse_date(text: &str) -> Result<NaiveDate, BadDate> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(BadDate(text.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| BadDate(text.to_string()))
}

impl Suppression {
    /// The expiry date: `Ok(None)` when there is none, an error when it is not a real date.
    pub fn expiry(&self) -> Result<Option<NaiveDate>, BadDate> {
        self.expires.as_deref().map(parse_date).transpose()
    }
}

/// What applying suppressions gives: the findings left (with `suppression-expired` and
/// `suppression-unused` ones added) and the suppressions whose date is invalid, as errors.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings after suppression.
    pub findings: Vec<Finding>,
    /// One error per suppression comment with an invalid expiry date.
    pub errors: Vec<LoadError>,
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
/// Suppressions with an invalid date are dropped silently here: use [`apply_checked`] to get
/// them as errors.
pub fn apply(
    findings: Vec<Finding>,
    roots: &[Model],
    files: &BTreeMap<String, Arc<SourceFile>>,
    today: &str,
) -> Vec<Finding> {
    apply_checked(findings, roots, files, today).findings
}

/// Applies suppressions to `findings` as of `today` (`YYYY-MM-DD`; the system date when it is
/// not one); adds findings for expired and unused suppressions and returns an error for each
/// suppression whose expiry is not a real date (such a suppression suppresses nothing).
pub fn apply_checked(
    findings: Vec<Finding>,
    roots: &[Model],
    files: &BTreeMap<String, Arc<SourceFile>>,
    today: &str,
) -> Applied {
    let today = parse_date(today).unwrap_or_else(|_| today_date());
    let mut errors = Vec::new();
    let mut sups: Vec<(Suppression, bool, bool)> = Vec::new();
    for f in files.values() {
        for s in parse(&f.display, &f.source) {
            match s.expiry() {
                Ok(date) => {
                    let expired = date.is_some_and(|d| d < today);
                    sups.push((s, false, expired));
                }
                Err(e) => errors.push(LoadError {
                    location: marker_location(f, &s),
                    message: e.to_string(),
                }),
            }
        }
    }
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
        for (s, used, expired) in sups.iter_mut() {
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
            if !*expired {
                suppressed = true;
            }
        }
        if !suppressed {
            out.push(f);
        }
    }
    for (s, used, expired) in sups {
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
        let location = files.get(&s.file).map(|f| marker_location(f, &s));
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
    Applied {
        findings: out,
        errors,
    }
}

fn marker_location(f: &SourceFile, s: &Suppression) -> crate::finding::SourceLocation {
    let offset = line_offset(&f.source, s.line) + byte_col(&f.source, s.line, s.col);
    f.location(offset..offset + MARKER.len())
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
    today_date().format("%Y-%m-%d").to_string()
}

fn today_date() -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive()
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
        assert_eq!(
            parse_date("2024-02-29"),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).expect("leap day"))
        );
        for bad in [
            "31/12/2020",
            "2023-02-29",
            "2026-13-01",
            "2026-1-5",
            "20261231",
            "tomorrow",
            "",
        ] {
            assert_eq!(parse_date(bad), Err(BadDate(bad.to_string())), "{bad}");
        }
        assert_eq!(today().len(), 10);
        assert!(parse_date(&today()).is_ok());
    }
}

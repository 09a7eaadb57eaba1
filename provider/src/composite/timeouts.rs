//! The `timeouts { create update delete }` block and its durations in Go's syntax (`"10m"`,
//! `"1h30m"`, `"1.5h"`), as Terraform users write them for every provider.

use std::time::Duration;

use crate::tf::schema::NestedBlock;
use crate::tf::AttributePath;
use crate::tf::Value;
use serde::{Deserialize, Serialize};

use crate::schema_builder::{block, Attr};

/// Default create timeout.
pub const DEFAULT_CREATE: Duration = Duration::from_secs(20 * 60);
/// Default update timeout.
pub const DEFAULT_UPDATE: Duration = Duration::from_secs(20 * 60);
/// Default delete timeout.
pub const DEFAULT_DELETE: Duration = Duration::from_secs(20 * 60);
/// Default read (and import) timeout.
pub const DEFAULT_READ: Duration = Duration::from_secs(5 * 60);

/// The block as Terraform sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeoutsValue {
    /// Create timeout.
    pub create: Value<String>,
    /// Update timeout.
    pub update: Value<String>,
    /// Delete timeout.
    pub delete: Value<String>,
}

/// Resolved timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Create.
    pub create: Duration,
    /// Update.
    pub update: Duration,
    /// Delete.
    pub delete: Duration,
    /// Read.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            create: DEFAULT_CREATE,
            update: DEFAULT_UPDATE,
            delete: DEFAULT_DELETE,
            read: DEFAULT_READ,
        }
    }
}

/// The schema of the block.
pub fn schema_block() -> NestedBlock {
    NestedBlock::Optional(block(
        "How long each operation may take, in Go's duration syntax: `30s`, `10m`, `1h30m`, `1.5h` (at most `168h`).",
        [
            (
                "create",
                Attr::string("Create timeout (default 20m).").optional(),
            ),
            (
                "update",
                Attr::string("Update timeout (default 20m).").optional(),
            ),
            (
                "delete",
                Attr::string("Delete timeout (default 20m).").optional(),
            ),
        ],
        [],
    ))
}

/// The longest timeout a resource accepts: no AWS operation of a composite takes days, and a
/// longer value is almost always a typo (or an attempt to make the plugin wait forever).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why a timeout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not in Go's duration syntax.
    #[error("\"{0}\" is not a duration; write it as 30s, 10m, 1h30m or 1.5h (units: h, m, s, ms, us, ns)")]
    Syntax(String),
    /// Zero or negative: the operation would give up before it starts.
    #[error("\"{0}\" is not a usable timeout; it must be longer than zero")]
    NotPositive(String),
    /// Longer than [`MAX_TIMEOUT`].
    #[error("\"{0}\" is longer than the longest timeout accepted, 168h (7 days)")]
    TooLong(String),
}

/// Go's duration units (`time.ParseDuration`), which is what Terraform users write.
fn go_duration_parser() -> fundu::CustomDurationParser<'static> {
    use fundu::{CustomTimeUnit, TimeUnit};
    fundu::CustomDurationParser::builder()
        .time_units(&[
            CustomTimeUnit::with_default(TimeUnit::NanoSecond, &["ns"]),
            CustomTimeUnit::with_default(TimeUnit::MicroSecond, &["us", "\u{b5}s", "\u{3bc}s"]),
            CustomTimeUnit::with_default(TimeUnit::MilliSecond, &["ms"]),
            CustomTimeUnit::with_default(TimeUnit::Second, &["s"]),
            CustomTimeUnit::with_default(TimeUnit::Minute, &["m"]),
            CustomTimeUnit::with_default(TimeUnit::Hour, &["h"]),
        ])
        .disable_exponent()
        .disable_infinity()
        .allow_negative()
        .parse_multiple(None)
        .build()
}

/// Whether `text` has the shape Go accepts: an optional sign, then numbers (digits with at most
/// one `.`) each followed by a unit, with no spaces; or a lone `0`. fundu would also take a
/// unit-less number as seconds, spaces between parts and `1.5.5s`.
fn go_shape(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    if body == "0" {
        return true;
    }
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    let mut rest = body;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let digits = number.chars().filter(char::is_ascii_digit).count();
        let dots = number.len() - digits;
        if digits == 0 || dots > 1 || unit.is_empty() || unit.chars().any(char::is_whitespace) {
            return false;
        }
        rest = next;
    }
    true
}

/// Parse a duration as Go's `time.ParseDuration` does (`1h30m`, `1.5h`, `500ms`, `90s`, `0`),
/// overflow-safe, and check that it is a usable timeout: longer than zero and at most
/// [`MAX_TIMEOUT`]. Surrounding spaces are ignored; spaces inside are not Go syntax.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    let syntax = || DurationError::Syntax(text.to_string());
    if !go_shape(trimmed) {
        return Err(syntax());
    }
    use fundu::SaturatingInto;
    let parsed = go_duration_parser().parse(trimmed).map_err(|_| syntax())?;
    if parsed.is_negative() || parsed.is_zero() {
        return Err(DurationError::NotPositive(text.to_string()));
    }
    // Saturating at Duration::MAX on overflow, so "5000000000000000h" is simply too long.
    let duration: Duration = parsed.saturating_into();
    if duration > MAX_TIMEOUT {
        return Err(DurationError::TooLong(text.to_string()));
    }
    Ok(duration)
}

impl TimeoutsValue {
    /// Resolve with defaults.
    pub fn resolve(value: &Value<TimeoutsValue>) -> Timeouts {
        let mut t = Timeouts::default();
        if let Value::Value(v) = value {
            let get = |v: &Value<String>, d: Duration| match v {
                Value::Value(s) => parse_duration(s).unwrap_or(d),
                _ => d,
            };
            t.create = get(&v.create, t.create);
            t.update = get(&v.update, t.update);
            t.delete = get(&v.delete, t.delete);
        }
        t
    }

    /// Problems with the known values, on `timeouts[0].NAME`.
    pub fn validate(value: &Value<TimeoutsValue>) -> Vec<(AttributePath, String)> {
        let mut out = Vec::new();
        if let Value::Value(v) = value {
            for (name, field) in [
                ("create", &v.create),
                ("update", &v.update),
                ("delete", &v.delete),
            ] {
                if let Value::Value(s) = field {
                    if let Err(err) = parse_duration(s) {
                        out.push((
                            AttributePath::new("timeouts").index(0).attribute(name),
                            err.to_string(),
                        ));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Duration {
        parse_duration(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn go_syntax_is_accepted() {
        assert_eq!(ok("10m"), Duration::from_secs(600));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("45s"), Duration::from_secs(45));
        assert_eq!(ok("90s"), Duration::from_secs(90));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(
            ok("2h45m30.5s"),
            Duration::from_millis((2 * 3600 + 45 * 60 + 30) * 1000 + 500)
        );
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1.s"), Duration::from_secs(1));
        assert_eq!(ok("+5m"), Duration::from_secs(300));
        assert_eq!(ok("1500us"), Duration::from_micros(1500));
        assert_eq!(ok("1500\u{b5}s"), Duration::from_micros(1500));
        assert_eq!(ok("1500\u{3bc}s"), Duration::from_micros(1500));
        assert_eq!(ok("2000000ns"), Duration::from_millis(2));
        assert_eq!(ok("1m1m"), Duration::from_secs(120));
        assert_eq!(ok(" 20m "), Duration::from_secs(1200));
        assert_eq!(ok("168h"), MAX_TIMEOUT);
    }

    #[test]
    fn what_go_refuses_is_refused() {
        for text in [
            "",
            "10",
            "1h30",
            "ten minutes",
            "1 h",
            "1h 30m",
            "1d",
            "1e3s",
            "inf",
            "h",
            ".s",
            "1H",
            "1hh",
            "5 m",
            "\u{b5}s",
            "1\u{b5}",
            "m1",
            "1.5.5s",
            "--1s",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(DurationError::Syntax(text.to_string())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn zero_and_negative_are_not_timeouts() {
        for text in ["0", "0s", "-0", "-5m", "0.0000000001s"] {
            assert_eq!(
                parse_duration(text),
                Err(DurationError::NotPositive(text.to_string())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn huge_values_are_refused_without_overflow() {
        for text in [
            "168h1ns",
            "5000000000000000h",
            "2562048h",
            "99999999999999999999999999999999999999h",
            "18446744073709551615s1s",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(DurationError::TooLong(text.to_string())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn validate_points_at_the_bad_field_and_resolve_keeps_defaults() {
        let block = Value::Value(TimeoutsValue {
            create: Value::Value("5000000000000000h".into()),
            update: Value::Value("1.5h".into()),
            delete: Value::Value("500ms".into()),
        });
        let problems = TimeoutsValue::validate(&block);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].0,
            AttributePath::new("timeouts").index(0).attribute("create")
        );
        assert!(
            problems[0].1.contains("longest timeout"),
            "{}",
            problems[0].1
        );
        let t = TimeoutsValue::resolve(&block);
        assert_eq!(t.create, DEFAULT_CREATE);
        assert_eq!(t.update, Duration::from_secs(5400));
        assert_eq!(t.delete, Duration::from_millis(500));
        assert_eq!(t.read, DEFAULT_READ);
    }
}

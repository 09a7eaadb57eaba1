//! Date and time functions on RFC 3339 timestamps: `formatdate`, `timeadd`, `timecmp`
//! (`timestamp` and `plantimestamp` depend on when Terraform runs: unknown).

use chrono::{DateTime, Datelike as _, FixedOffset, SecondsFormat, TimeDelta, Timelike as _};

use super::{at_most, str_arg, FnResult, Reason};
use crate::model::Value;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// An RFC 3339 timestamp (`2018-01-02T23:12:01Z`), as Terraform requires it.
fn timestamp(s: &str) -> Result<DateTime<FixedOffset>, Reason> {
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') {
        return Err(Reason::new(format!(
            "{s:?} is not a valid RFC 3339 timestamp (like \"2006-01-02T15:04:05Z\")"
        )));
    }
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| Reason::new(format!("{s:?} is not a valid RFC 3339 timestamp: {e}")))
}

/// `+05:00` (with colon) or `+0500`.
fn offset(t: &DateTime<FixedOffset>, colon: bool) -> String {
    let secs = t.offset().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// `formatdate(spec, timestamp)`: runs of one letter are the sequences of Terraform's table;
/// text in single quotes is literal (`''` is a quote); other characters are copied.
pub(super) fn formatdate(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let (spec, ts) = (str_arg(&args, 0)?, str_arg(&args, 1)?);
    let t = timestamp(&ts)?;
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(Reason::new("unterminated literal '")),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(ch) => {
                        out.push(*ch);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while chars.get(j) == Some(&c) {
            j += 1;
        }
        let run: String = chars[i..j].iter().collect();
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let piece = match run.as_str() {
            "YYYY" => format!("{:04}", t.year()),
            "YY" => format!("{:02}", t.year().rem_euclid(100)),
            "MMMM" => MONTHS[t.month0() as usize].to_string(),
            "MMM" => MONTHS[t.month0() as usize][..3].to_string(),
            "MM" => format!("{:02}", t.month()),
            "M" => t.month().to_string(),
            "DD" => format!("{:02}", t.day()),
            "D" => t.day().to_string(),
            "EEEE" => DAYS[t.weekday().num_days_from_monday() as usize].to_string(),
            "EEE" => DAYS[t.weekday().num_days_from_monday() as usize][..3].to_string(),
            "hh" => format!("{:02}", t.hour()),
            "h" => t.hour().to_string(),
            "HH" => format!("{hour12:02}"),
            "H" => hour12.to_string(),
            "AA" => (if t.hour() < 12 { "AM" } else { "PM" }).to_string(),
            "aa" => (if t.hour() < 12 { "am" } else { "pm" }).to_string(),
            "mm" => format!("{:02}", t.minute()),
            "m" => t.minute().to_string(),
            "ss" => format!("{:02}", t.second()),
            "s" => t.second().to_string(),
            "ZZZZZ" => offset(&t, true),
            "ZZZZ" => offset(&t, false),
            "ZZZ" if t.offset().local_minus_utc() == 0 => "UTC".to_string(),
            "ZZZ" => offset(&t, false),
            "Z" if t.offset().local_minus_utc() == 0 => "Z".to_string(),
            "Z" => offset(&t, true),
            other => {
                return Err(Reason::new(format!(
                    "invalid date format verb {other:?}: letters must be quoted to appear literally"
                )))
            }
        };
        out.push_str(&piece);
        i = j;
    }
    Ok(Value::String(out))
}

/// A Go duration (`1h30m`, `-10m`, `1.5s`, `300ms`).
fn duration(s: &str) -> Result<TimeDelta, Reason> {
    let bad = || Reason::new(format!("invalid duration {s:?}"));
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(TimeDelta::zero());
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let n: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        nanos += n * scale;
    }
    if nanos > i64::MAX as f64 {
        return Err(bad());
    }
    let d = TimeDelta::nanoseconds(nanos.round() as i64);
    Ok(if negative { -d } else { d })
}

/// `timeadd(timestamp, duration)`: the result keeps the timestamp's offset.
pub(super) fn timeadd(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let t = timestamp(&str_arg(&args, 0)?)?;
    let d = duration(&str_arg(&args, 1)?)?;
    let r = t
        .checked_add_signed(d)
        .ok_or_else(|| Reason::new("the result is out of range"))?;
    Ok(Value::String(r.to_rfc3339_opts(SecondsFormat::Secs, true)))
}

/// `timecmp(a, b)`: -1, 0 or 1 as `a` is before, at or after `b`.
pub(super) fn timecmp(args: Vec<Value>) -> FnResult {
    at_most(&args, 2)?;
    let a = timestamp(&str_arg(&args, 0)?)?;
    let b = timestamp(&str_arg(&args, 1)?)?;
    Ok(Value::Number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

//! The `timeouts { create update delete }` block and Terraform-style durations (`"10m"`, `"1h30m"`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::schema::NestedBlock;
use tf_provider::value::Value;
use tf_provider::AttributePath;

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
        "How long each operation may take, as `30s`, `10m` or `1h30m`.",
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

/// Parse `1h30m`, `10m`, `45s`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += match c {
            'h' => n * 3600,
            'm' => n * 60,
            's' => n,
            _ => return None,
        };
    }
    if !number.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
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
                    if parse_duration(s).is_none() {
                        out.push((
                            AttributePath::new("timeouts").index(0).attribute(name),
                            format!("\"{s}\" is not a duration; write it as 30s, 10m or 1h30m"),
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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("ten minutes"), None);
        assert_eq!(parse_duration(""), None);
    }
}

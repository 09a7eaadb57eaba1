//! What a rule reports: [`Finding`], with its severity, attribute path and source location.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Severity of a finding, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational only.
    Info,
    /// A risk that the seed documents tolerate but flag.
    Warning,
    /// A violation of a rule the seed documents state.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!("unknown severity `{other}` (info, warning, error)")),
        }
    }
}

/// Sizing profile, after seed 001's table (`Dev` / `Prod` columns).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Development: the prod-only rules (backups, PITR, flow logs, MFA) are off.
    #[default]
    Dev,
    /// Production: every rule is on.
    Prod,
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dev" => Ok(Profile::Dev),
            "prod" => Ok(Profile::Prod),
            other => Err(format!("unknown profile `{other}` (dev, prod)")),
        }
    }
}

/// One step of an attribute path, e.g. `ssh_cidr_blocks[0]` is `[Attribute, Index]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStep {
    /// An attribute or nested block name.
    Attribute(String),
    /// A list element or nested block index.
    Index(usize),
    /// A map key.
    Key(String),
}

impl PathStep {
    /// Shorthand for [`PathStep::Attribute`].
    pub fn attr(name: &str) -> PathStep {
        PathStep::Attribute(name.to_string())
    }
}

/// Renders a path as `ingress[0].cidr_blocks[1]`.
pub fn path_to_string(path: &[PathStep]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            PathStep::Attribute(a) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(a);
            }
            PathStep::Index(i) => s.push_str(&format!("[{i}]")),
            PathStep::Key(k) => s.push_str(&format!("[{k:?}]")),
        }
    }
    s
}

/// A span in a source file; lines and columns are 1-based, `end_*` inclusive of the last line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceLocation {
    /// File path as given (relative to the linted path's parent when walking a tree).
    pub file: String,
    /// Start line (1-based).
    pub line: usize,
    /// Start column (1-based, in characters).
    pub col: usize,
    /// End line (1-based).
    pub end_line: usize,
    /// End column (1-based, exclusive).
    pub end_col: usize,
    /// Start byte offset in the file.
    pub start_byte: usize,
    /// End byte offset in the file (exclusive).
    pub end_byte: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One violation found by a rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id, e.g. `iam-no-wildcard`.
    pub rule_id: String,
    /// Severity (after config overrides).
    pub severity: Severity,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// Address of the resource, e.g. `aws_security_group.web`.
    pub address: String,
    /// Path of the offending attribute inside the resource (empty for the whole resource).
    pub attribute_path: Vec<PathStep>,
    /// Source location, when the model came from source.
    pub location: Option<SourceLocation>,
}

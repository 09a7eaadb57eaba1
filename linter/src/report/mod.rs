//! Output formats, one file each.

pub mod github;
pub mod json;
#[cfg(feature = "cli")]
pub mod junit;
pub mod sarif;
#[cfg(feature = "cli")]
pub mod text;
pub mod visible;

use std::str::FromStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Human-readable, with source snippets.
    Text,
    /// JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands.
    Github,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "junit" => Ok(Format::Junit),
            "github" => Ok(Format::Github),
            _ => Err(format!(
                "unknown format `{s}` (expected text, json, sarif, junit or github)"
            )),
        }
    }
}

//! Baselines for a pull-request gate: the findings a branch already had, so a run reports (and
//! fails on) only what a change introduces.
//!
//! A finding matches a baseline entry by rule id, resource address and a fingerprint of what
//! the finding says (the attribute path without list indexes, and the message), never by line
//! number: moving code or adding lines above it keeps old findings matched. Entries are
//! counted, so two identical old findings and a third new one report exactly the new one.
//! Findings from the HCL front-end and from a plan fingerprint the same.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::{Finding, PathStep};

/// Version of the baseline file format.
pub const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// Rule id.
    pub rule_id: String,
    /// Resource address (empty for findings about the configuration itself).
    pub address: String,
    /// [`fingerprint`] of the finding.
    pub fingerprint: String,
    /// The message when the baseline was written, for people reading the file; not matched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Entry {
    /// The entry for `f`.
    pub fn of(f: &Finding) -> Entry {
        Entry {
            rule_id: f.rule_id.clone(),
            address: f.address.clone(),
            fingerprint: fingerprint(f),
            message: f.message.clone(),
        }
    }

    fn key(&self) -> (String, String, String) {
        (
            self.rule_id.clone(),
            self.address.clone(),
            self.fingerprint.clone(),
        )
    }
}

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`VERSION`].
    pub version: u32,
    /// Accepted findings, sorted.
    pub findings: Vec<Entry>,
}

/// A baseline file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// I/O.
    #[error("baseline {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not a baseline.
    #[error("baseline {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A stable fingerprint of what `f` reports: SHA-256 of the rule id, the attribute path with
/// list indexes dropped (`ingress[].cidr_blocks[]`) and the message; 16 hex digits.
pub fn fingerprint(f: &Finding) -> String {
    let mut path = String::new();
    for step in &f.attribute_path {
        match step {
            PathStep::Attribute(a) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(a);
            }
            PathStep::Index(_) => path.push_str("[]"),
            PathStep::Key(k) => path.push_str(&format!("[{k:?}]")),
        }
    }
    let mut h = Sha256::new();
    for part in [f.rule_id.as_str(), path.as_str(), f.message.as_str()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Baseline {
    /// The baseline accepting every finding in `findings`.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings.iter().map(Entry::of).collect();
        entries.sort();
        Baseline {
            version: VERSION,
            findings: entries,
        }
    }

    /// Parses a baseline from JSON text.
    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        if b.version != VERSION {
            return Err(BaselineError::Invalid {
                path: path.to_string(),
                message: format!("unsupported version {} (expected {VERSION})", b.version),
            });
        }
        Ok(b)
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Baseline::parse(&text, &path.display().to_string())
    }

    /// Writes the baseline as pretty JSON (one entry per finding, sorted: diffs stay small).
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| BaselineError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        std::fs::write(path, text + "\n").map_err(|source| BaselineError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Splits `findings` into the new ones (returned) and the number matched by the baseline.
    pub fn filter(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let mut budget: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.findings {
            *budget.entry(e.key()).or_default() += 1;
        }
        let mut matched = 0;
        let mut fresh = Vec::new();
        for f in findings {
            match budget.get_mut(&Entry::of(&f).key()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    matched += 1;
                }
                _ => fresh.push(f),
            }
        }
        (fresh, matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn finding(address: &str, index: usize, message: &str) -> Finding {
        Finding {
            rule_id: "sg-ssh-rdp-open".into(),
            severity: Severity::Warning,
            message: message.into(),
            fix: String::new(),
            address: address.into(),
            attribute_path: vec![
                PathStep::attr("ingress"),
                PathStep::Index(index),
                PathStep::attr("cidr_blocks"),
                PathStep::Index(0),
            ],
            location: None,
        }
    }

    #[test]
    fn matches_without_lines_or_indexes_and_counts() {
        let old = finding("aws_security_group.a", 0, "SSH open");
        let b = Baseline::from_findings(std::slice::from_ref(&old));
        // Same finding after a block was inserted before it: still matched.
        let moved = finding("aws_security_group.a", 1, "SSH open");
        let (fresh, matched) = b.filter(vec![moved.clone(), moved.clone()]);
        assert_eq!((fresh.len(), matched), (1, 1));
        // Another resource, or another message: new.
        let (fresh, _) = b.filter(vec![finding("aws_security_group.b", 0, "SSH open")]);
        assert_eq!(fresh.len(), 1);
        let (fresh, _) = b.filter(vec![finding("aws_security_group.a", 0, "RDP open")]);
        assert_eq!(fresh.len(), 1);
        let text = serde_json::to_string(&b).expect("serializes");
        assert_eq!(Baseline::parse(&text, "b").expect("parses"), b);
        assert!(Baseline::parse("{\"version\": 9, \"findings\": []}", "b").is_err());
        assert!(Baseline::parse("[", "b").is_err());
    }
}

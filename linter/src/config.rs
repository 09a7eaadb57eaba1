//! `.blueprint-lint.toml`: which rules run, severity overrides, excluded paths.
//!
//! ```toml
//! profile = "prod"
//! min_severity = "warning"
//! exclude = ["legacy/**"]
//! [rules]
//! disable = ["ec2-imdsv2"]
//! # enable = ["iam-no-wildcard"]   # when set, only these run
//! [severity]
//! sg-ssh-rdp-open = "error"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::finding::{Finding, Profile, Severity};

/// Rule selection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSelection {
    /// When non-empty, only these rules run.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Rules that do not run.
    #[serde(default)]
    pub disable: Vec<String>,
}

/// The config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default profile (the CLI flag wins).
    pub profile: Option<Profile>,
    /// Default threshold (the CLI flag wins).
    pub min_severity: Option<Severity>,
    /// Glob patterns of paths not linted.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Enabled and disabled rules.
    #[serde(default)]
    pub rules: RuleSelection,
    /// Severity per rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

/// A config file that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not valid TOML or not the expected shape.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The `exclude` patterns compiled once into one matcher (`globset`): `*` and `?` stay within
/// a path component, `**` spans any number of them, and a pattern also excludes everything
/// under the directory it names (`legacy` excludes `legacy/main.tf`). A leading `./` is
/// ignored on both sides.
#[derive(Debug, Clone)]
pub struct Excludes {
    set: globset::GlobSet,
}

/// An `exclude` pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern `{pattern}`: {message}")]
pub struct GlobError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong with it.
    pub message: String,
}

impl Excludes {
    /// Compiles `patterns`; the first invalid one is an error.
    pub fn new(patterns: &[String]) -> Result<Excludes, GlobError> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let p = pattern.trim_start_matches("./");
            let dir = format!("{}/**", p.trim_end_matches('/'));
            for text in [p, dir.as_str()] {
                let glob = globset::GlobBuilder::new(text)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| GlobError {
                        pattern: pattern.clone(),
                        message: e.kind().to_string(),
                    })?;
                builder.add(glob);
            }
        }
        let set = builder.build().map_err(|e| GlobError {
            pattern: patterns.join(", "),
            message: e.to_string(),
        })?;
        Ok(Excludes { set })
    }

    /// Whether `path` (relative, `/`-separated) is excluded.
    pub fn is_match(&self, path: &str) -> bool {
        !self.set.is_empty() && self.set.is_match(path.trim_start_matches("./"))
    }
}

impl Config {
    /// Parses a config from TOML text; unknown rule ids are an error.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            message: e.message().to_string(),
        })?;
        let known = crate::rule_ids();
        let ids = cfg
            .rules
            .enable
            .iter()
            .chain(&cfg.rules.disable)
            .chain(cfg.severity.keys());
        for id in ids {
            if !known.contains(&id.as_str()) {
                return Err(ConfigError::Invalid {
                    path: path.to_string(),
                    message: format!("unknown rule `{id}`"),
                });
            }
        }
        Excludes::new(&cfg.exclude).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        Ok(cfg)
    }

    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Whether rule `id` runs.
    pub fn enabled(&self, id: &str) -> bool {
        (self.rules.enable.is_empty() || self.rules.enable.iter().any(|e| e == id))
            && !self.rules.disable.iter().any(|d| d == id)
    }

    /// Drops findings of disabled rules and applies severity overrides.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.enabled(&f.rule_id))
            .map(|mut f| {
                if let Some(s) = self.severity.get(&f.rule_id) {
                    f.severity = *s;
                }
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_unknown_rules() {
        let c = Config::parse(
            "profile = \"prod\"\nexclude = [\"x/**\"]\n[rules]\ndisable = [\"ec2-imdsv2\"]\n[severity]\nsg-ssh-rdp-open = \"error\"\n",
            "t",
        )
        .expect("valid");
        assert_eq!(c.profile, Some(Profile::Prod));
        assert!(!c.enabled("ec2-imdsv2"));
        assert!(c.enabled("iam-no-wildcard"));
        assert!(Config::parse("[rules]\ndisable = [\"nope\"]\n", "t").is_err());
        assert!(Config::parse("bogus = 1\n", "t").is_err());
        let bad = Config::parse("exclude = [\"a/[b\"]\n", "t").expect_err("invalid glob");
        assert!(bad.to_string().contains("a/[b"), "{bad}");
    }

    fn excludes(patterns: &[&str]) -> Excludes {
        let owned: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        Excludes::new(&owned).expect("valid globs")
    }

    #[test]
    fn exclude_globs() {
        let e = excludes(&["legacy/**"]);
        assert!(e.is_match("legacy/a/b.tf"));
        assert!(!e.is_match("src/legacy.tf"));
        assert!(excludes(&["**/*.tf"]).is_match("a/b/c.tf"));
        assert!(excludes(&["**/*.tf"]).is_match("main.tf"));
        assert!(excludes(&["*.tf"]).is_match("main.tf"));
        assert!(!excludes(&["*.tf"]).is_match("a/main.tf"));
        assert!(excludes(&["legacy"]).is_match("legacy/main.tf"));
        assert!(excludes(&["legacy/"]).is_match("legacy/main.tf"));
        assert!(!excludes(&["legacy"]).is_match("legacy2/main.tf"));
        assert!(excludes(&["./a/?.tf"]).is_match("./a/b.tf"));
        assert!(!excludes(&["a/?.tf"]).is_match("a/bb.tf"));
        assert!(!excludes(&["a?b"]).is_match("a/b"));
        assert!(excludes(&["**/bad/**"]).is_match("x/y/bad/main.tf"));
        assert!(!excludes(&[]).is_match("anything"));
    }

    /// The pattern that made the old backtracking matcher run for tens of seconds: globset
    /// compiles it to an automaton, so the answer (no match, since no component is `zz`) comes
    /// in linear time. A speed figure belongs in a bench; this checks the behaviour.
    #[test]
    fn pathological_exclude_glob() {
        let e = excludes(&["**/**/**/**/**/**/**/zz"]);
        let deep = format!("{}main.tf", "a/".repeat(40));
        assert!(!e.is_match(&deep));
        assert!(e.is_match(&format!("{}zz", "a/".repeat(40))));
        let long = "a".repeat(10_000);
        assert!(!e.is_match(&long));
    }
}

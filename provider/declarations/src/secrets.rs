//! Secrets in plain configuration, by name and by value: the one detector the composites'
//! checks and `blueprint-lint`'s plaintext-secret rules share.
//!
//! A plain value (an environment variable of a container, a function or a boot script) is a
//! secret when:
//! - **its value looks like a credential**, whatever its name, as secret scanners read them
//!   (see [`VALUE_KINDS`]): a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
//!   `github_pat_`), an AWS access key id (`AKIA`, `ASIA`...), a URL with a password
//!   (`postgres://user:password@host`), a private key (`-----BEGIN ... PRIVATE KEY-----`), a
//!   Slack token or webhook, a JWT, a Stripe, Google, OpenAI, Hugging Face or GitLab key;
//! - or **its name says so** ([`SECRET_WORDS`]: PASSWORD, SECRET, TOKEN, API_KEY...) and it has a
//!   value — unless the name says it holds a *reference* to a secret ([`REFERENCE_SUFFIXES`]:
//!   `DB_PASSWORD_ARN`, `DB_PASSWORD_PARAMETER`...), which is the recommended way;
//! - or its name is secret-ish ([`WEAK_WORDS`]: KEY, AUTH, PASS, PWD, CREDS, SALT, DSN...) and
//!   the value is random-looking: at least [`ENTROPY_MIN_LEN`] characters without spaces, two
//!   or more of lowercase, uppercase and digits, and at least [`ENTROPY_MIN_BITS`] bits of
//!   Shannon entropy per character.
//!
//! An empty value, or one that is an interpolation (`${...}`, `$(...)`, `$NAME`), is never a
//! secret: it is filled from elsewhere. The value itself is never printed by a finding.

use std::sync::OnceLock;

use regex::Regex;

/// Words that make a variable's name a secret's.
pub const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// Name endings that say the variable holds where a secret is, not the secret: its ARN, its
/// SSM parameter's name or its Secrets Manager id.
pub const REFERENCE_SUFFIXES: &[&str] = &[
    "_ARN",
    "_PARAMETER",
    "_PARAMETER_NAME",
    "_PARAM",
    "_SSM_PATH",
    "_SECRET_ID",
    "_SECRET_NAME",
];

/// Words that make a name secret-ish: a random-looking value under one is a secret.
pub const WEAK_WORDS: &[&str] = &[
    "KEY",
    "AUTH",
    "PASS",
    "PWD",
    "CREDS",
    "SALT",
    "SIGNATURE",
    "DSN",
    "CERT",
    "PRIVATE",
];

/// Shortest value the entropy test judges.
pub const ENTROPY_MIN_LEN: usize = 20;

/// Bits of Shannon entropy per character from which a value is random-looking.
pub const ENTROPY_MIN_BITS: f64 = 3.5;

/// What the value-based detector recognises, and how a finding names it.
pub const VALUE_KINDS: &[(&str, &str)] = &[
    (
        "a GitHub token",
        r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    ),
    (
        "an AWS access key id",
        r"\b(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b",
    ),
    (
        "a URL with a password",
        r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:[^\s/?#@$]+@",
    ),
    (
        "a private key",
        r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----",
    ),
    ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    (
        "a Slack webhook",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+",
    ),
    (
        "a JSON Web Token",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
    ("a Stripe secret key", r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("an OpenAI key", r"\bsk-(proj-)?[A-Za-z0-9_-]{32,}"),
    ("a Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
];

fn value_patterns() -> &'static [(&'static str, Regex)] {
    static P: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    P.get_or_init(|| {
        VALUE_KINDS
            .iter()
            .filter_map(|(kind, re)| Regex::new(re).ok().map(|r| (*kind, r)))
            .collect()
    })
}

/// Why a plain value is a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// The value is a credential of this kind (`"a GitHub token"`).
    Value(&'static str),
    /// The name contains this word of [`SECRET_WORDS`].
    Name(&'static str),
    /// The name contains this word of [`WEAK_WORDS`] and the value is random-looking.
    Random(&'static str),
}

impl Secret {
    /// Why, in words (never the value).
    pub fn reason(&self) -> String {
        match self {
            Secret::Value(kind) => format!("its value looks like {kind}"),
            Secret::Name(w) => format!("its name looks like a secret's ({w})"),
            Secret::Random(w) => {
                format!("its name ({w}) and its random-looking value look like a secret")
            }
        }
    }
}

/// The kind of credential `value` holds, when it holds one.
pub fn value_kind(value: &str) -> Option<&'static str> {
    value_patterns()
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(k, _)| *k)
}

/// Whether `name` says it holds a reference to a secret (`DB_PASSWORD_ARN`).
pub fn is_reference_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// The word of [`SECRET_WORDS`] in `name`, unless the name is a reference's.
pub fn secret_word(name: &str) -> Option<&'static str> {
    if is_reference_name(name) {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().copied().find(|w| upper.contains(w))
}

/// Whether `value` is filled from elsewhere (`${...}`, `$(...)`, `$NAME`) or empty.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || v.starts_with('$')
}

/// Whether `value` is random-looking (see the module docs).
pub fn is_random(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < ENTROPY_MIN_LEN || v.chars().any(char::is_whitespace) {
        return false;
    }
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = v.chars().count() as f64;
    let bits: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    bits >= ENTROPY_MIN_BITS
}

/// Whether the variable `name = value` is a plaintext secret, and why.
pub fn classify(name: &str, value: &str) -> Option<Secret> {
    if is_placeholder(value) {
        return None;
    }
    if let Some(kind) = value_kind(value) {
        return Some(Secret::Value(kind));
    }
    if let Some(w) = secret_word(name) {
        return Some(Secret::Name(w));
    }
    if is_reference_name(name) {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    let weak = WEAK_WORDS.iter().copied().find(|w| upper.contains(w))?;
    is_random(value).then_some(Secret::Random(weak))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_found_by_value_under_any_name() {
        let cases = [
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "a GitHub token"),
            ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "a GitHub token"),
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            ("ASIAY34FZKBOKMUTVV7A", "an AWS access key id"),
            ("postgres://app:s3cr3t@db.internal:5432/app", "a URL with a password"),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "a private key"),
            ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            (
                "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
                "a Slack webhook",
            ),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token",
            ),
            ("hf_abcdefghijklmnopqrstuvwxyzABCDEF", "a Hugging Face token"),
        ];
        for (value, kind) in cases {
            assert_eq!(
                classify("HARMLESS", value),
                Some(Secret::Value(kind)),
                "{value}"
            );
        }
    }

    #[test]
    fn names_references_and_placeholders() {
        assert_eq!(classify("DB_PASSWORD", "x"), Some(Secret::Name("PASSWORD")));
        assert_eq!(classify("api_token", "x"), Some(Secret::Name("TOKEN")));
        // A reference to a secret is the recommended way, and the name says so.
        assert_eq!(classify("DB_PASSWORD_PARAMETER", "/prod/db/password"), None);
        assert_eq!(
            classify(
                "DB_PASSWORD_ARN",
                "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbCdEf"
            ),
            None
        );
        // ... unless the value itself is a credential.
        assert_eq!(
            classify("DB_PASSWORD_ARN", "AKIAIOSFODNN7EXAMPLE"),
            Some(Secret::Value("an AWS access key id"))
        );
        assert_eq!(classify("DB_PASSWORD", ""), None);
        assert_eq!(classify("DB_PASSWORD", "${var.x}"), None);
        assert_eq!(classify("DB_PASSWORD", "$(fetch-secret)"), None);
        assert_eq!(classify("LOG_LEVEL", "info"), None);
        assert_eq!(classify("DATABASE_URL", "postgres://app@db:5432/app"), None);
        assert_eq!(
            classify("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db/app"),
            None
        );
    }

    #[test]
    fn random_values_under_secret_ish_names() {
        assert_eq!(
            classify("STRIPE_KEY", "q8Zr2LmP0xVb7TnY4kWs9HcD"),
            Some(Secret::Random("KEY"))
        );
        assert_eq!(classify("STRIPE_KEY", "not-a-secret-at-all"), None);
        assert_eq!(classify("CACHE_KEY_PREFIX", "users"), None);
        assert_eq!(classify("MODEL_VERSION", "q8Zr2LmP0xVb7TnY4kWs9HcD"), None);
        assert!(!is_random("aaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }
}

//! Which Terraform the backend block is written for, and how the state is locked.
//!
//! The S3 backend's settings changed twice since Terraform 1.0:
//!
//! | Terraform | endpoints | path style | locking |
//! | --- | --- | --- | --- |
//! | 1.0 – 1.5 | `endpoint`, `dynamodb_endpoint`, `sts_endpoint`, `iam_endpoint` | `force_path_style` | `dynamodb_table` |
//! | 1.6 – 1.9 | `endpoints = { s3, dynamodb, sts, iam }` | `use_path_style` | `dynamodb_table` |
//! | 1.10 | same | same | `use_lockfile` and/or `dynamodb_table` |
//! | 1.11 and newer | same | same | `use_lockfile`; `dynamodb_table` deprecated |

use std::fmt;

/// A Terraform version as `MAJOR.MINOR[.PATCH]` (a pre-release suffix is accepted and ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TfVersion {
    /// Major version (1).
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version (0 when not given).
    pub patch: u64,
}

impl TfVersion {
    /// The version everything falls back to: the oldest Terraform the provider supports.
    pub const OLDEST: TfVersion = TfVersion::new(1, 0, 0);
    /// `endpoints = {...}` and `use_path_style` replace the 1.0 names.
    pub const ENDPOINTS_BLOCK: TfVersion = TfVersion::new(1, 6, 0);
    /// `use_lockfile` (S3-native locking) appears.
    pub const LOCKFILE: TfVersion = TfVersion::new(1, 10, 0);

    /// `major.minor.patch`.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parse `1.11`, `1.11.4` or `1.11.0-beta1`; `Err` says what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = || {
            format!("terraform_version \"{text}\" must be a Terraform version such as \"1.11\" or \"1.5.7\" (MAJOR.MINOR[.PATCH]), 1.0 or newer.")
        };
        let core = text.split_once('-').map_or(text, |(core, _)| core);
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(wanted());
        }
        let mut numbers = [0u64; 3];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wanted());
            }
            *slot = part.parse().map_err(|_| wanted())?;
        }
        let v = TfVersion::new(numbers[0], numbers[1], numbers[2]);
        if v < TfVersion::OLDEST {
            return Err(wanted());
        }
        Ok(v)
    }

    /// Whether this version takes the `endpoints` object and `use_path_style`.
    pub fn has_endpoints_block(self) -> bool {
        self >= Self::ENDPOINTS_BLOCK
    }

    /// Whether this version's S3 backend can lock with a lock file in the bucket.
    pub fn has_lockfile(self) -> bool {
        self >= Self::LOCKFILE
    }

    /// The locking a new resource gets when `locking` is unset: the lock file where the version
    /// has it (no table to pay for, and 1.11 deprecates `dynamodb_table`), else the table.
    pub fn default_locking(self) -> Locking {
        if self.has_lockfile() {
            Locking::Lockfile
        } else {
            Locking::Dynamodb
        }
    }
}

impl fmt::Display for TfVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How Terraform locks the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locking {
    /// A `.tflock` object next to the state (S3 conditional writes; Terraform 1.10+).
    Lockfile,
    /// An item in the DynamoDB lock table.
    Dynamodb,
    /// Both: the migration path from the table to the lock file.
    Both,
}

impl Locking {
    /// The accepted spellings, for the declaration's check.
    pub const NAMES: &'static [&'static str] = &["lockfile", "dynamodb", "both"];

    /// From the attribute's value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lockfile" => Some(Locking::Lockfile),
            "dynamodb" => Some(Locking::Dynamodb),
            "both" => Some(Locking::Both),
            _ => None,
        }
    }

    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Locking::Lockfile => "lockfile",
            Locking::Dynamodb => "dynamodb",
            Locking::Both => "both",
        }
    }

    /// Whether the lock table exists.
    pub fn uses_table(self) -> bool {
        matches!(self, Locking::Dynamodb | Locking::Both)
    }

    /// Whether Terraform writes a lock file.
    pub fn uses_lockfile(self) -> bool {
        matches!(self, Locking::Lockfile | Locking::Both)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(TfVersion::parse("1.0"), Ok(TfVersion::new(1, 0, 0)));
        assert_eq!(TfVersion::parse("1.11.4"), Ok(TfVersion::new(1, 11, 4)));
        assert_eq!(
            TfVersion::parse("1.10.0-beta1"),
            Ok(TfVersion::new(1, 10, 0))
        );
        assert!(TfVersion::parse("1.9.9").unwrap() < TfVersion::LOCKFILE);
        assert!(TfVersion::parse("1.10").unwrap().has_lockfile());
        assert!(!TfVersion::parse("1.5.7").unwrap().has_endpoints_block());
        assert!(TfVersion::parse("1.6").unwrap().has_endpoints_block());
        for bad in [
            "", "1", "v1.6", "1.6.", "1..6", "0.15.5", "1.6.0.1", "latest", "1.x", " 1.6",
        ] {
            let err = TfVersion::parse(bad).unwrap_err();
            assert!(err.contains("MAJOR.MINOR"), "{bad}: {err}");
        }
    }

    #[test]
    fn default_locking_follows_the_version() {
        assert_eq!(TfVersion::OLDEST.default_locking(), Locking::Dynamodb);
        assert_eq!(TfVersion::new(1, 9, 8).default_locking(), Locking::Dynamodb);
        assert_eq!(
            TfVersion::new(1, 10, 0).default_locking(),
            Locking::Lockfile
        );
        for name in Locking::NAMES {
            assert_eq!(Locking::parse(name).map(Locking::as_str), Some(*name));
        }
        assert_eq!(Locking::parse("none"), None);
    }
}

//! S3 bucket and DynamoDB table naming rules, checked at plan time.

/// Why a bucket name is invalid, or `None` when it is valid (S3's general-purpose rules).
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Some(format!("must be 3 to 63 characters long, not {len}"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Some(format!(
            "may contain only lowercase letters, digits, '-' and '.', not {c:?}"
        ));
    }
    let first = name.chars().next().unwrap_or('-');
    let last = name.chars().last().unwrap_or('-');
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Some("must begin and end with a letter or a digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("must not contain '..', '.-' or '-.'".into());
    }
    let octets: Vec<&str> = name.split('.').collect();
    if octets.len() == 4 && octets.iter().all(|o| o.parse::<u8>().is_ok()) {
        return Some("must not look like an IP address".into());
    }
    reserved_bucket_affix(name)
}

/// Bucket name prefixes S3 reserves.
pub const RESERVED_BUCKET_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];

/// Bucket name suffixes S3 reserves (access point aliases, Object Lambda, directory and table
/// buckets, Multi-Region Access Points).
pub const RESERVED_BUCKET_SUFFIXES: &[&str] =
    &["-s3alias", "--ol-s3", "--x-s3", ".mrap", "--table-s3"];

/// Why a bucket name uses a prefix or suffix S3 reserves, or `None`. Composites that derive
/// bucket names (`NAME-SUFFIX`, `NAME-alb-logs-ACCOUNT`) check their parts with it.
pub fn reserved_bucket_affix(name: &str) -> Option<String> {
    if let Some(p) = RESERVED_BUCKET_PREFIXES
        .iter()
        .find(|p| name.starts_with(*p))
    {
        return Some(format!("must not start with {p:?} (reserved by S3)"));
    }
    RESERVED_BUCKET_SUFFIXES
        .iter()
        .find(|s| name.ends_with(*s))
        .map(|s| format!("must not end with {s:?} (reserved by S3)"))
}

/// Why a DynamoDB table name is invalid, or `None`.
pub fn table_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=255).contains(&len) {
        return Some(format!("must be 3 to 255 characters long, not {len}"));
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map(|c| format!("may contain only letters, digits, '_', '-' and '.', not {c:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["senas-tfstate", "my.state.bucket", "abc", "a1-b2"] {
            assert_eq!(bucket_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "ab",
            "Upper-Case",
            "under_score",
            "-leading",
            "trailing-",
            "double..dot",
            "192.168.1.1",
            "xn--punycode",
            "bucket-s3alias",
            "sthree-state",
            "state--ol-s3",
            "amzn-s3-demo-state",
            &"a".repeat(64),
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn table_names() {
        assert_eq!(table_name_problem("senas-tfstate-lock"), None);
        assert!(table_name_problem("no spaces").is_some());
        assert!(table_name_problem("ab").is_some());
    }
}

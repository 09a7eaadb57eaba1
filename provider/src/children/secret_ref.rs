//! References to secrets: the ARN of one Secrets Manager secret or one SSM parameter.

/// Whether `arn` names exactly one Secrets Manager secret or SSM parameter (no wildcard).
pub fn is_secret_reference(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && matches!(parts[2], "secretsmanager" | "ssm")
        && !parts[5].contains('*')
        && (parts[2] != "ssm" || parts[5].starts_with("parameter/"))
}

/// The error detail for a value that is not a secret reference.
pub fn not_a_reference(arn: &str) -> String {
    format!(
        "\"{arn}\" is not the ARN of one Secrets Manager secret or SSM parameter (no wildcards)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_secrets_and_parameters_only() {
        assert!(is_secret_reference(
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbC"
        ));
        assert!(is_secret_reference(
            "arn:aws:ssm:us-east-2:123456789012:parameter/app/db"
        ));
        assert!(!is_secret_reference(
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:*"
        ));
        assert!(!is_secret_reference(
            "arn:aws:ssm:us-east-2:123456789012:document/x"
        ));
        assert!(!is_secret_reference("hunter2"));
    }
}

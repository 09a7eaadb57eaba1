//! `backend-s3-encrypted-locked`: the `backend "s3"` block encrypts the state and locks it.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Mode;

/// The rule.
pub struct BackendS3EncryptedLocked;

static META: RuleMeta = RuleMeta {
    id: "backend-s3-encrypted-locked",
    title: "The S3 state backend is encrypted and locked",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "DynamoDB Table: aplicacion-senas-terraform-locks",
    },
    description: "The `backend \"s3\"` block sets `encrypt = true` and a lock (`dynamodb_table`, or `use_lockfile = true` with Terraform 1.10+).",
    fix: "Add `encrypt = true` and `use_lockfile = true` with `required_version = \">= 1.10\"` (or `dynamodb_table = \"<locks table>\"` for older Terraform).",
    checkov: &[],
    trivy: &[],
    checks: r##"A `terraform { backend "s3" { ... } }` block without `encrypt = true`, or without a lock. A lock is `dynamodb_table` (every version) or `use_lockfile = true` (S3 lock files, Terraform 1.10+; 1.11 deprecates `dynamodb_table`), the same version table `blueprint_state_backend` renders by. A block locked only by `use_lockfile` in a file whose `required_version` admits a Terraform older than 1.10 (`>= 1.5`, `~> 1.9`) is reported too: such a Terraform refuses the setting, so the state is not locked there. Seed 001 states both the encrypted state bucket and the lock table that "prevents concurrent modifications"."##,
    notes: r##"Checkov, Trivy, tflint and KICS do not read backend blocks. Only a `required_version` in the backend's own file is read; without one, `use_lockfile = true` counts as a lock."##,
    reads: &[],
    prod_only: false,
};

impl Rule for BackendS3EncryptedLocked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for b in ctx
            .model
            .resources
            .iter()
            .filter(|r| r.mode == Mode::Backend && r.resource_type == "s3")
        {
            let a = &b.attributes;
            let encrypt = a.get("encrypt");
            if encrypt.is_null() || encrypt.as_bool() == Some(false) {
                out.push(ctx.finding(
                    &META,
                    b,
                    crate::path!["encrypt"],
                    "state is stored without `encrypt = true`".to_string(),
                ));
            }
            let lockfile = a.get("use_lockfile").as_bool();
            if a.get("dynamodb_table").is_null()
                && lockfile != Some(true)
                && !a.get("use_lockfile").is_unknown()
            {
                out.push(
                    ctx.finding(
                        &META,
                        b,
                        crate::path!["dynamodb_table"],
                        "state is not locked: no `dynamodb_table` nor `use_lockfile = true`"
                            .to_string(),
                    ),
                );
            } else if a.get("dynamodb_table").is_null() && lockfile == Some(true) {
                let required = b
                    .source
                    .as_deref()
                    .and_then(|f| required_version(&f.source));
                if let Some(required) = required.filter(|r| admits_before_1_10(r)) {
                    out.push(ctx.finding(
                        &META,
                        b,
                        crate::path!["use_lockfile"],
                        format!(
                            "state is locked only by `use_lockfile`, which needs Terraform 1.10+, \
                             but `required_version = \"{required}\"` admits older versions"
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// The `required_version` of the `terraform` block in `source`, if the file parses and sets one.
fn required_version(source: &str) -> Option<String> {
    let body = hcl::parse(source).ok()?;
    body.blocks()
        .filter(|b| b.identifier() == "terraform")
        .flat_map(|b| b.body().attributes())
        .find(|a| a.key() == "required_version")
        .and_then(|a| match a.expr() {
            hcl::Expression::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// `MAJOR.MINOR` of a version in a constraint (`1.9.8` -> `(1, 9)`, a missing minor is 0).
fn major_minor(text: &str) -> Option<(u64, u64)> {
    let core = text.trim().trim_start_matches('v');
    let core = core.split_once('-').map_or(core, |(c, _)| c);
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

/// Whether a `required_version` constraint admits a Terraform older than 1.10: its lowest
/// admitted version (the highest lower bound among `>=`, `>`, `~>`, `=` and bare versions) is
/// below 1.10, or it sets no lower bound. A constraint that does not parse admits nothing known.
fn admits_before_1_10(constraint: &str) -> bool {
    let mut lowest: Option<(u64, u64)> = None;
    for part in constraint.split(',') {
        let part = part.trim();
        let (op, version) = match part.find(|c: char| c.is_ascii_digit() || c == 'v') {
            Some(i) => (part[..i].trim(), &part[i..]),
            None => return false,
        };
        let Some(v) = major_minor(version) else {
            return false;
        };
        let bound = match op {
            ">=" | ">" | "~>" | "=" | "" => v,
            "<" | "<=" | "!=" => continue,
            _ => return false,
        };
        lowest = Some(lowest.map_or(bound, |l| l.max(bound)));
    }
    lowest.is_none_or(|l| l < (1, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bounds_of_required_version() {
        for old in [
            ">= 1.5",
            "~> 1.9",
            "< 2.0",
            "1.9.8",
            ">= 1.0, < 2.0",
            ">1.9.9",
        ] {
            assert!(admits_before_1_10(old), "{old}");
        }
        for new in [
            ">= 1.10",
            "~> 1.11.0",
            ">= 1.5, >= 1.10",
            "= 1.11.4",
            ">= 2",
        ] {
            assert!(!admits_before_1_10(new), "{new}");
        }
        assert!(!admits_before_1_10("latest"));
    }

    #[test]
    fn required_version_is_read_from_the_terraform_block() {
        let src = "terraform {\n  required_version = \">= 1.5\"\n  backend \"s3\" {}\n}\n";
        assert_eq!(required_version(src).as_deref(), Some(">= 1.5"));
        assert_eq!(required_version("terraform {\n}\n"), None);
    }

    #[test]
    fn lock_file_only_with_an_older_required_version_fires() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../terraform/lint-fixtures/backend-s3-encrypted-locked/older-terraform");
        let report = crate::lint_paths(&[dir], &crate::LintOptions::default()).unwrap();
        let found: Vec<(String, String)> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == META.id)
            .map(|f| (crate::path_to_string(&f.attribute_path), f.message.clone()))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "use_lockfile");
        assert!(found[0].1.contains(">= 1.5"), "{found:?}");
    }
}

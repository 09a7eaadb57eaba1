//! `cognito-mfa` (prod): Cognito user pools require MFA.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct CognitoMfa;

static META: RuleMeta = RuleMeta {
    id: "cognito-mfa",
    title: "Cognito user pools require MFA",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "| **Cognito MFA** | Optional | ON |",
    },
    description: "With the prod profile, Cognito user pools set `mfa_configuration = \"ON\"` (the default is OFF).",
    fix: "Set `mfa_configuration = \"ON\"` and configure `software_token_mfa_configuration`.",
    checkov: &[],
    trivy: &[],
    checks: r##"With `--profile prod`: `aws_cognito_user_pool` whose `mfa_configuration` is not `ON` (the default is `OFF`; seed 001 allows `OPTIONAL` in dev only)."##,
    notes: r##"Trivy and Checkov have no Terraform rule for Cognito MFA."##,
    reads: &["aws_cognito_user_pool"],
    prod_only: true,
};

impl Rule for CognitoMfa {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_cognito_user_pool"]) {
            let v = r.attributes.get("mfa_configuration");
            let mode = match v {
                Value::Null => Some("OFF"),
                v => v.as_str(),
            };
            if let Some(m) = mode.filter(|m| !m.eq_ignore_ascii_case("ON")) {
                out.push(ctx.finding(
                    &META,
                    r,
                    crate::path!["mfa_configuration"],
                    format!("MFA is `{m}`; prod requires `ON`"),
                ));
            }
        }
        out
    }
}

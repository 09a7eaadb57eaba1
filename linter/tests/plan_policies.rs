//! A plan where policy documents were read during planning: their `json` is known and the
//! resources that use them hold the same string. A key policy's `Resource = "*"` (the key
//! itself) is not a finding; the same kind of statement in an identity policy is
//! (`terraform/plan-fixtures/features/key-policy.json`, hand-written after Terraform 1.5).

use std::path::PathBuf;

use blueprint_lint::{lint_plan, path_to_string, LintOptions, Profile};

#[test]
fn key_policies_are_resource_policies_in_plans_too() {
    let plan = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/plan-fixtures/features/key-policy.json");
    let opts = LintOptions {
        profile: Profile::Prod,
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let report = lint_plan(&plan, None, &opts).expect("lints");
    let iam: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "iam-no-wildcard")
        .map(|f| format!("{} {}", f.address, path_to_string(&f.attribute_path)))
        .collect();
    // The identity policy's string is the document's `json`: the plan front-end turns it back
    // into a reference to the document (as HCL has it), and the document is what is reported.
    assert_eq!(
        iam,
        ["data.aws_iam_policy_document.ops statement[0].resources[0]"]
    );
}

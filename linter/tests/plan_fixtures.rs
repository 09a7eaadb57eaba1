//! Every rule on a plan: `terraform/plan-fixtures/<rule>/fires.json` fires it and
//! `silent.json` does not, with the same findings the HCL front-end reports on the rule's
//! `terraform/lint-fixtures/<rule>/{bad,good}` configuration (from which the plans are
//! synthesized; `BLESS_PLAN_FIXTURES=1` rewrites them).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::frontend::plan::synth::{plan_json, SynthOptions};
use blueprint_lint::{
    lint_paths, lint_plan, path_to_string, rule_ids, Finding, LintOptions, Profile,
};

/// Rules that read the `backend` block, which plan JSON does not carry.
const BACKEND_RULES: &[&str] = &["backend-s3-encrypted-locked", "s3-state-versioning"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn opts() -> LintOptions {
    LintOptions {
        profile: Profile::Prod,
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    }
}

fn keys(findings: &[Finding], rule: &str) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| {
            (
                f.rule_id.clone(),
                f.address.clone(),
                path_to_string(&f.attribute_path),
            )
        })
        .collect()
}

/// The committed plan for `hcl`, checked to be what the synthesizer writes for it today.
fn fixture(hcl: &Path, plan: &Path) -> PathBuf {
    let loaded = load(&[hcl.to_path_buf()], &LoadOptions::default()).expect("loads");
    let model = loaded.roots.first().expect("a root module");
    let text = serde_json::to_string_pretty(&plan_json(model, &SynthOptions::default()))
        .expect("json")
        + "\n";
    if std::env::var_os("BLESS_PLAN_FIXTURES").is_some() {
        std::fs::create_dir_all(plan.parent().expect("parent")).expect("mkdir");
        std::fs::write(plan, &text).expect("writes");
    }
    let committed = std::fs::read_to_string(plan)
        .unwrap_or_else(|e| panic!("{}: {e} (BLESS_PLAN_FIXTURES=1 writes it)", plan.display()));
    assert_eq!(
        committed,
        text,
        "{} is stale: BLESS_PLAN_FIXTURES=1 rewrites it",
        plan.display()
    );
    plan.to_path_buf()
}

fn line(f: &Finding) -> String {
    let loc = f
        .location
        .as_ref()
        .map(|l| {
            let file = l.file.rsplit("lint-fixtures/").next().unwrap_or(&l.file);
            format!("{file}:{}", l.line)
        })
        .unwrap_or_else(|| "-".into());
    format!(
        "{loc} {} {} [{}]: {}",
        f.rule_id,
        f.address,
        path_to_string(&f.attribute_path),
        f.message
    )
}

#[test]
fn every_rule_fires_on_its_plan_and_only_there() {
    let mut rendered = Vec::new();
    for rule in rule_ids() {
        let dir = root().join("terraform/plan-fixtures").join(rule);
        for (kind, hcl_kind, fires) in [("fires", "bad", true), ("silent", "good", false)] {
            let hcl_dir = root()
                .join("terraform/lint-fixtures")
                .join(rule)
                .join(hcl_kind);
            let plan = fixture(&hcl_dir, &dir.join(format!("{kind}.json")));
            let hcl = lint_paths(std::slice::from_ref(&hcl_dir), &opts()).expect("HCL lints");
            let located = lint_plan(&plan, Some(&hcl_dir), &opts()).expect("plan lints");
            let bare = lint_plan(&plan, None, &opts()).expect("plan lints");
            assert_eq!(
                keys(&located.findings, rule),
                keys(&hcl.findings, rule),
                "{rule} {kind}: plan vs HCL"
            );
            // Plan JSON has no backend block: the rules that read it (the backend itself, and
            // which bucket holds state) see less without the configuration directory.
            if BACKEND_RULES.contains(&rule) {
                assert!(
                    keys(&bare.findings, rule).is_subset(&keys(&hcl.findings, rule)),
                    "{rule} {kind}: bare plan"
                );
            } else {
                assert_eq!(
                    keys(&bare.findings, rule),
                    keys(&hcl.findings, rule),
                    "{rule} {kind}: bare plan"
                );
            }
            let n = keys(&located.findings, rule).len();
            assert_eq!(n > 0, fires, "{rule} {kind}: {n} finding(s)");
            if fires {
                rendered.extend(
                    located
                        .findings
                        .iter()
                        .filter(|f| f.rule_id == rule)
                        .map(line),
                );
            }
        }
    }
    insta::assert_snapshot!("plan-fixtures", rendered.join("\n"));
}

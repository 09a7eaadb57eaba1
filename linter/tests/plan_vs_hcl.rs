//! The plan front-end reports what the HCL front-end reports, on every example in
//! `terraform/examples/` and on every rule's fixtures.
//!
//! The examples use `aws_*` resources, and the AWS provider is not available offline, so these
//! plans are synthesized from the HCL front-end's model (`frontend::plan::synth`: ids unknown
//! until apply, references recorded in `configuration` and routed through module inputs and
//! outputs as Terraform does). Plans from the real Terraform CLI are checked in
//! `tests/tests/e2e/plan_lint.rs` (the e2e crate) for the `blueprint_*` examples.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::frontend::plan::parse;
use blueprint_lint::frontend::plan::synth::{plan_json, SynthOptions};
use blueprint_lint::{
    lint_paths, lint_plan, path_to_string, Finding, LintOptions, Mode, Profile, Value,
};

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

type Key = (String, String, String);

fn keys(findings: &[Finding]) -> BTreeSet<Key> {
    findings
        .iter()
        .filter(|f| !f.rule_id.starts_with("suppression-"))
        .map(|f| {
            (
                f.rule_id.clone(),
                f.address.clone(),
                path_to_string(&f.attribute_path),
            )
        })
        .collect()
}

/// Writes the synthesized plan of the root module in `dir` to a temporary file.
fn synth(dir: &Path, version: &str) -> tempfile::NamedTempFile {
    let loaded = load(&[dir.to_path_buf()], &LoadOptions::default()).expect("loads");
    let model = loaded.roots.first().expect("one root module");
    let plan = plan_json(
        model,
        &SynthOptions {
            format_version: version.into(),
            ..SynthOptions::default()
        },
    );
    let file = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("temp file");
    std::fs::write(file.path(), serde_json::to_vec(&plan).expect("json")).expect("writes");
    file
}

fn compare(dir: &Path) -> usize {
    let hcl = lint_paths(&[dir.to_path_buf()], &opts()).expect("HCL lints");
    let hcl_keys = keys(&hcl.findings);
    for version in ["0.1", "1.0", "1.2"] {
        let plan = synth(dir, version);
        let located = lint_plan(plan.path(), Some(dir), &opts()).expect("plan lints");
        assert_eq!(
            keys(&located.findings),
            hcl_keys,
            "{}: plan (format {version}, --config-dir) vs HCL",
            dir.display()
        );
        // Same lines as the HCL front-end.
        let lines = |fs: &[Finding]| -> BTreeSet<(String, String, Option<usize>)> {
            fs.iter()
                .map(|f| {
                    (
                        f.rule_id.clone(),
                        f.address.clone(),
                        f.location.as_ref().map(|l| l.line),
                    )
                })
                .collect()
        };
        assert_eq!(
            lines(&located.findings),
            lines(&hcl.findings),
            "{}",
            dir.display()
        );
        // Without the configuration directory: the same, except the backend (not in plans).
        let bare = lint_plan(plan.path(), None, &opts()).expect("plan lints");
        let expected: BTreeSet<Key> = hcl_keys
            .iter()
            .filter(|k| !k.1.starts_with("terraform.backend."))
            .cloned()
            .collect();
        assert_eq!(
            keys(&bare.findings),
            expected,
            "{}: plan without --config-dir",
            dir.display()
        );
        assert!(bare.findings.iter().all(|f| f.location.is_none()));
    }
    hcl_keys.len()
}

#[test]
fn every_example_reports_the_same_findings() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("terraform/examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "{dirs:?}");
    let mut total = 0;
    for d in &dirs {
        let n = compare(d);
        eprintln!("{}: {n} finding(s) in both", d.display());
        total += n;
    }
    assert!(total > 10, "the examples should have findings to compare");
}

/// HCL's value with references to objects the model does not hold made unknown (the plan
/// cannot name what it does not contain), and references cut to their first attribute (the
/// synthesized configuration records the first instance's expressions, e.g. `names[0]` for
/// `names[count.index]`).
fn normalize(v: &Value, model: &blueprint_lint::Model) -> Value {
    match v {
        Value::Reference(r) if model.resolve(r).is_none() => Value::Unknown,
        Value::Reference(r) => Value::Reference(blueprint_lint::Reference {
            address: r.address.clone(),
            attribute: r.attribute.iter().take(1).cloned().collect(),
        }),
        Value::List(l) => Value::List(l.iter().map(|x| normalize(x, model)).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), normalize(x, model)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every resource of every example reads the same from the plan as from the HCL, references
/// included (they come back through `configuration`, across module inputs and outputs).
#[test]
fn every_example_reads_the_same_model() {
    let mut references = 0;
    let mut lost = 0;
    for d in std::fs::read_dir(root().join("terraform/examples")).expect("examples") {
        let dir = d.expect("entry").path();
        let loaded = load(std::slice::from_ref(&dir), &LoadOptions::default()).expect("loads");
        let hcl = &loaded.roots[0];
        let file = synth(&dir, "1.0");
        let bytes = std::fs::read(file.path()).expect("reads");
        let plan = parse(&bytes, "plan.json").expect("parses");
        for r in hcl.resources.iter().filter(|r| r.mode != Mode::Backend) {
            let p = plan
                .model
                .get(&r.address)
                .unwrap_or_else(|| panic!("{}: {} not in the plan", dir.display(), r.address));
            // A composite's plain resources are its expansion, read whole in both.
            if !blueprint_lint::rules::reads_type(&r.resource_type) && r.parent.is_none() {
                // No rule reads it: only what references are matched against is kept.
                match &p.attributes {
                    Value::Map(m) => assert!(
                        m.keys().all(|k| k == "id" || k == "arn"),
                        "{}: {:?}",
                        r.address,
                        m.keys()
                    ),
                    other => panic!("{}: {other:?}", r.address),
                }
                continue;
            }
            let expected = normalize(&r.attributes, hcl);
            let got = normalize(&p.attributes, &plan.model);
            lost += lost_references(&got, &expected).unwrap_or_else(|| {
                panic!(
                    "{}: {}\nplan: {got:?}\nHCL:  {expected:?}",
                    dir.display(),
                    r.address
                )
            });
            references += count_refs(&p.attributes);
        }
    }
    eprintln!("{references} references followed, {lost} not followable (per-instance values)");
    assert!(references > 20, "only {references} references compared");
}

/// `Some(n)` when `got` equals `expected` except for `n` references that the plan has as
/// unknown (they differ between `for_each` instances, so the configuration records them as
/// `each.value`, which cannot be followed); `None` when they differ otherwise.
fn lost_references(got: &Value, expected: &Value) -> Option<usize> {
    match (got, expected) {
        (Value::Unknown, Value::Reference(_)) => Some(1),
        (Value::List(a), Value::List(b)) if a.len() == b.len() => {
            a.iter().zip(b).map(|(x, y)| lost_references(x, y)).sum()
        }
        (Value::Map(a), Value::Map(b)) if a.len() == b.len() => {
            a.iter().map(|(k, x)| lost_references(x, b.get(k)?)).sum()
        }
        (a, b) if a == b => Some(0),
        _ => None,
    }
}

fn count_refs(v: &Value) -> usize {
    match v {
        Value::Reference(_) => 1,
        Value::List(l) => l.iter().map(count_refs).sum(),
        Value::Map(m) => m.values().map(count_refs).sum(),
        _ => 0,
    }
}

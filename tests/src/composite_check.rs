//! The generic end-to-end check every composite must pass, on one Terraform version:
//!
//! apply → the plan is empty → every child carries `tags_all` → `terraform state rm` and
//! `terraform import` of the documented id → the imported state equals the applied one
//! (import-verify, minus the attributes a case excludes, each with its reason) → the plan is
//! empty → `tags` changed: apply, the plan is empty, every child carries exactly the new
//! `tags_all` → each child deleted out of band in turn: the plan sees it, apply repairs it, the
//! child in state exists again, the next plan is empty (when one of those fails: destroy, check
//! nothing is left, apply afresh, so the next child's result is its own) → each declared setting
//! of a child changed out of band in turn ([`Case::drifts`]): the plan sees it, apply repairs
//! it (the change is gone from AWS), the next plan is empty → destroy → nothing tagged is left
//! → a foreign namesake of every named child (same name, no owner tag, made through the SDK):
//! each apply refuses a wave of them, naming each and the owner tag, and leaves each as it was;
//! none is adopted; destroy leaves them in place; without them the composite applies and
//! destroys clean.
//!
//! Steps known to fail on today's code are listed per case ([`Expected`]); the check asserts
//! that each of them still fails (and says so when one starts passing), so the list cannot rot.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use crate::aws::{AwsProbe, Tags};
use crate::composite_case::ChildRef;
use crate::harness::TEST_TAG_KEY;
use crate::moto::MotoOptions;
use crate::platform::Platform;
use crate::terraform::TfWorkdir;
use crate::tf_versions::TerraformBin;
use crate::Harness;

/// One step of the check; per child for the tag and out-of-band deletion steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The first `terraform apply` succeeds.
    Apply,
    /// The plan right after it is empty.
    PlanEmpty,
    /// Every child carries exactly `tags_all` after create.
    TagsAtCreate,
    /// `terraform import` of the documented id succeeds (after `terraform state rm`).
    Import,
    /// The imported state equals the applied one, attribute by attribute.
    ImportVerify,
    /// The plan after import is empty.
    PlanEmptyAfterImport,
    /// Changing `tags` applies.
    TagsApply,
    /// The plan after that apply is empty.
    TagsPlanEmpty,
    /// Every child carries exactly the new `tags_all` (removed keys gone).
    TagsUpdated,
    /// The child could be deleted out of band (a failure here is the test's, not the provider's).
    DisappearsDelete,
    /// The plan after the deletion differs from the plan before it.
    DisappearsPlan,
    /// `terraform apply` after the deletion succeeds.
    DisappearsRepair,
    /// The child the state names after the repair exists in AWS.
    DisappearsRecreated,
    /// The plan after the repair is empty.
    DisappearsConverged,
    /// After a repair that did not converge: destroy succeeds, leaves nothing, and a fresh
    /// apply succeeds (so the next child starts from a clean slate).
    DisappearsCleanup,
    /// The setting could be changed out of band (a failure here is the test's).
    DriftMake,
    /// The plan after the change is not empty.
    DriftPlan,
    /// `terraform apply` after the change succeeds.
    DriftRepair,
    /// The change is gone from AWS after that apply.
    DriftUndone,
    /// The plan after the repair is empty.
    DriftConverged,
    /// `terraform destroy` succeeds.
    Destroy,
    /// Nothing carrying the test's tag is left in moto.
    NothingLeft,
    /// A foreign namesake of the child could be made (a failure here is the test's).
    NamesakeMake,
    /// An apply with the namesake present is refused, naming it and saying how to import it.
    NamesakeRefused,
    /// The namesake exists after the refusal and the destroy, with only its own tags.
    NamesakeUntouched,
    /// With the namesakes removed, the composite applies and destroys leaving nothing.
    NamesakeCleanup,
}

impl Step {
    /// What the step checks, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Apply => "apply",
            Step::PlanEmpty => "plan is empty after apply",
            Step::TagsAtCreate => "child carries tags_all after create",
            Step::Import => "terraform import of the documented id",
            Step::ImportVerify => "imported state equals applied state",
            Step::PlanEmptyAfterImport => "plan is empty after import",
            Step::TagsApply => "apply of changed tags",
            Step::TagsPlanEmpty => "plan is empty after the tags change",
            Step::TagsUpdated => "child carries exactly the new tags_all",
            Step::DisappearsDelete => "out-of-band deletion (test setup)",
            Step::DisappearsPlan => "plan shows the out-of-band deletion",
            Step::DisappearsRepair => "apply repairs the out-of-band deletion",
            Step::DisappearsRecreated => "the repaired child exists in AWS",
            Step::DisappearsConverged => "plan is empty after the repair",
            Step::DisappearsCleanup => "destroy and a fresh apply after a failed repair",
            Step::DriftMake => "out-of-band change of a declared setting (test setup)",
            Step::DriftPlan => "plan shows the out-of-band change",
            Step::DriftRepair => "apply repairs the out-of-band change",
            Step::DriftUndone => "the out-of-band change is gone from AWS",
            Step::DriftConverged => "plan is empty after the drift repair",
            Step::Destroy => "destroy",
            Step::NothingLeft => "destroy leaves nothing in moto",
            Step::NamesakeMake => "a foreign namesake is made",
            Step::NamesakeRefused => "an apply with a foreign namesake present refuses it",
            Step::NamesakeUntouched => "the foreign namesake is left as it was",
            Step::NamesakeCleanup => "without the namesakes: apply, destroy, nothing left",
        }
    }
}

/// A step known to fail today. Matching is by step, child (`None` for steps without a child)
/// and Terraform version prefix (`None`: every version).
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    /// The step.
    pub step: Step,
    /// The child, for per-child steps.
    pub child: Option<&'static str>,
    /// A version prefix such as `"1.0"`, or `None` for every version.
    pub version: Option<&'static str>,
    /// Why it fails: the issue and bullet that describe it.
    pub why: &'static str,
}

impl Expected {
    fn matches(&self, step: Step, child: Option<&str>, version: &str) -> bool {
        self.step == step
            && self.child == child
            && self.version.is_none_or(|v| version.starts_with(v))
    }
}

/// A declared setting of one child, changed out of band by the generic check.
#[derive(Debug, Clone, Copy)]
pub struct Drift {
    /// The child, by its name in [`Case::children`].
    pub child: &'static str,
    /// Names the drift in messages and in [`Expected::child`] (`child/what`).
    pub what: &'static str,
    /// The change, which the probe makes by the child's kind.
    pub change: crate::aws::DriftChange,
}

/// What a case's configuration may use.
pub struct CaseEnv {
    /// The VPC, ALB and cluster, for cases that asked for them.
    pub platform: Option<Platform>,
}

/// One composite under the generic check.
pub struct Case {
    /// The resource type, e.g. `blueprint_ml_host`.
    pub type_name: &'static str,
    /// What tells this configuration apart from the type's other cases (`""` for the first),
    /// shown after the type in messages.
    pub variant: &'static str,
    /// Its children (see [`crate::composite_case::children`]).
    pub children: Vec<ChildRef>,
    /// moto's options (an ECS service needs running tasks to become stable).
    pub moto: MotoOptions,
    /// Whether the configuration needs the [`Platform`].
    pub needs_platform: bool,
    /// The configuration: one `resource "TYPE" "this"` block with `tags = TAGS`, where TAGS is
    /// the HCL map given.
    pub config: fn(&CaseEnv, &str) -> String,
    /// The documented import id, from the applied state's values.
    pub import_id: fn(&Value) -> Result<String>,
    /// Attributes import-verify does not compare, each with the reason.
    pub import_ignore: &'static [(&'static str, &'static str)],
    /// Tag keys a child may carry besides `tags_all`, each with the reason: an exact key, or a
    /// prefix when it ends with `:` (`blueprint:`).
    pub extra_tag_keys: &'static [(&'static str, &'static str)],
    /// Declared settings changed out of band, each in turn (see [`Drift`]).
    pub drifts: &'static [Drift],
    /// Steps known to fail today.
    pub expected_failures: &'static [Expected],
}

impl Case {
    /// The address of the case's resource.
    pub fn address(&self) -> String {
        format!("{}.this", self.type_name)
    }

    /// The type, and the variant when there is one, for messages.
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            self.type_name.to_string()
        } else {
            format!("{} ({})", self.type_name, self.variant)
        }
    }
}

/// The tags of the first apply.
pub const TAGS_BEFORE: &[(&str, &str)] = &[("team", "senas"), ("env", "test")];
/// The tags after the change: a value changed, a key removed, a key added.
pub const TAGS_AFTER: &[(&str, &str)] = &[("team", "platform"), ("owner", "ml")];

fn hcl_map(tags: &[(&str, &str)]) -> String {
    let mut s = String::from("{\n");
    for (k, v) in tags {
        let _ = writeln!(s, "    {k} = \"{v}\"");
    }
    s.push_str("  }");
    s
}

struct Outcome {
    step: Step,
    child: Option<String>,
    error: Option<String>,
}

/// Runs the steps of one case on one version and records each outcome.
struct Run<'a> {
    case: &'a Case,
    tf: &'static TerraformBin,
    outcomes: Vec<Outcome>,
    /// The children the first apply made whose kind can have a foreign namesake, with their ids.
    named: Vec<(ChildRef, String)>,
}

const DETAIL_LIMIT: usize = 6000;

fn clip(text: &str) -> String {
    if text.len() <= DETAIL_LIMIT {
        return text.to_string();
    }
    let mut end = DETAIL_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[... {} more bytes]", &text[..end], text.len() - end)
}

impl Run<'_> {
    fn record(&mut self, step: Step, child: Option<&str>, r: Result<()>) -> bool {
        let error = r.err().map(|e| clip(&format!("{e:#}")));
        let label = match child {
            Some(c) => format!("{} [{c}]", step.describe()),
            None => step.describe().to_string(),
        };
        eprintln!(
            "--- {} on Terraform {}: {label}: {}",
            self.case.label(),
            self.tf.version,
            if error.is_some() { "FAILED" } else { "ok" }
        );
        let passed = error.is_none();
        self.outcomes.push(Outcome {
            step,
            child: child.map(str::to_string),
            error,
        });
        passed
    }

    fn expected(&self, step: Step, child: Option<&str>) -> Option<&Expected> {
        self.case
            .expected_failures
            .iter()
            .find(|e| e.matches(step, child, &self.tf.version))
    }

    /// Every problem: unexpected failures, expected failures that passed or were not reached.
    fn problems(&self) -> Vec<String> {
        let head = |step: Step, child: Option<&str>| {
            format!(
                "{} on Terraform {}, step `{}`{}",
                self.case.label(),
                self.tf.version,
                step.describe(),
                child.map(|c| format!(", child `{c}`")).unwrap_or_default()
            )
        };
        let mut out = Vec::new();
        for o in &self.outcomes {
            let child = o.child.as_deref();
            match (&o.error, self.expected(o.step, child)) {
                (Some(e), None) => out.push(format!("{} FAILED:\n{e}", head(o.step, child))),
                (None, Some(x)) => out.push(format!(
                    "{} now PASSES but is listed in expected_failures ({}): remove the entry",
                    head(o.step, child),
                    x.why
                )),
                (Some(e), Some(x)) => eprintln!(
                    "--- expected failure ({}): {}:\n{e}",
                    x.why,
                    head(o.step, child)
                ),
                (None, None) => {}
            }
        }
        for x in self.case.expected_failures {
            if x.version.is_some_and(|v| !self.tf.version.starts_with(v)) {
                continue;
            }
            let reached = self
                .outcomes
                .iter()
                .any(|o| o.step == x.step && o.child.as_deref() == x.child);
            if !reached {
                out.push(format!(
                    "{} is listed in expected_failures ({}) but was not reached",
                    head(x.step, x.child),
                    x.why
                ));
            }
        }
        out
    }
}

/// The plan's exit code (0 empty, 2 changes), its text, and the composite's planned change
/// (`actions` and `before`) from `terraform show -json`.
struct PlanSeen {
    code: i32,
    text: String,
    change: Value,
}

fn plan(wd: &TfWorkdir, address: &str) -> Result<PlanSeen> {
    let run = wd.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-out=tfplan",
    ])?;
    if run.code != 0 && run.code != 2 {
        bail!("{run}");
    }
    let json = wd.show_json(Some("tfplan"))?;
    let change = json["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .map(|c| {
            serde_json::json!({
                "actions": c["change"]["actions"],
                "before": c["change"]["before"],
            })
        })
        .unwrap_or(Value::Null);
    let text = run
        .stdout
        .lines()
        .filter(|l| !l.contains(": Refreshing state...") && !l.contains(": Reading..."))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(PlanSeen {
        code: run.code,
        text: format!(
            "terraform plan (Terraform {}) exited {}:\n{}\n{}",
            run.version, run.code, text, run.stderr
        ),
        change,
    })
}

fn plan_is_empty(wd: &TfWorkdir, address: &str) -> Result<()> {
    let p = plan(wd, address)?;
    if p.code == 0 {
        Ok(())
    } else {
        bail!("the plan is not empty:\n{}", p.text)
    }
}

fn values(wd: &TfWorkdir, address: &str) -> Result<Value> {
    wd.state_values(address)?
        .ok_or_else(|| anyhow!("{address} is not in the state"))
}

/// Every attribute path where `a` and `b` differ, with both values, skipping `ignore`d
/// top-level attributes.
pub fn differences(a: &Value, b: &Value, ignore: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    diff_into("", a, b, &mut out);
    out.retain(|d| {
        let top = d.split(['.', '[', ':']).next().unwrap_or_default();
        !ignore.contains(&top)
    });
    out
}

fn diff_into(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_into(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff_into(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ if a != b => out.push(format!("{path}: applied {a} / imported {b}")),
        _ => {}
    }
}

fn tags_all(values: &Value) -> Result<Tags> {
    values["tags_all"]
        .as_object()
        .ok_or_else(|| anyhow!("tags_all is not a map: {}", values["tags_all"]))?
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_string()))
                .ok_or_else(|| anyhow!("tags_all.{k} is not a string"))
        })
        .collect()
}

fn extra_key(pattern: &str, key: &str) -> bool {
    if pattern.ends_with(':') {
        key.starts_with(pattern)
    } else {
        key == pattern
    }
}

/// Check that the child carries exactly `want` (keys under `extra` prefixes aside).
fn child_tags_match(
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    child: &ChildRef,
    id: &str,
    want: &Tags,
    extra: &[(&str, &str)],
) -> Result<()> {
    let seen = rt.block_on(h.probe().child_tags(child.kind, id))?;
    let mut wrong = Vec::new();
    for (label, tags) in seen {
        let tags: BTreeMap<_, _> = tags
            .into_iter()
            .filter(|(k, _)| !extra.iter().any(|(p, _)| extra_key(p, k)))
            .collect();
        if &tags != want {
            let missing: Vec<String> = want
                .iter()
                .filter(|(k, v)| tags.get(*k) != Some(*v))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let unwanted: Vec<String> = tags
                .iter()
                .filter(|(k, v)| want.get(*k) != Some(*v))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("lacks {missing:?}"));
            }
            if !unwanted.is_empty() {
                parts.push(format!("has stale or extra {unwanted:?}"));
            }
            wrong.push(format!("{label}: {} (tags_all {want:?})", parts.join(", ")));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        bail!("{}", wrong.join("\n"))
    }
}

fn tags_step(
    run: &mut Run<'_>,
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    wd: &TfWorkdir,
    step: Step,
) -> Result<()> {
    let address = run.case.address();
    let state = values(wd, &address)?;
    let want = tags_all(&state)?;
    let case = run.case;
    for child in &case.children {
        let r = child
            .id_in(&state)
            .and_then(|id| child_tags_match(rt, h, child, &id, &want, case.extra_tag_keys));
        run.record(step, Some(child.name), r);
    }
    Ok(())
}

fn import_step(run: &mut Run<'_>, wd: &TfWorkdir) -> Result<()> {
    let address = run.case.address();
    let applied = values(wd, &address)?;
    let id = (run.case.import_id)(&applied).context("computing the import id")?;
    let state_file = wd.path().join("terraform.tfstate");
    let saved = std::fs::read(&state_file).context("saving the state before the import")?;
    wd.state_rm(&address)?;
    let imported = wd.try_import(&address, &id).and_then(|r| r.ok());
    if !run.record(Step::Import, None, imported.map(|_| ())) {
        // Put the applied state back so the remaining steps (and destroy) still see everything.
        std::fs::write(&state_file, saved)?;
        return Ok(());
    }
    let now = values(wd, &address)?;
    let ignore: Vec<&str> = run.case.import_ignore.iter().map(|(a, _)| *a).collect();
    let diffs = differences(&applied, &now, &ignore);
    let verify = if diffs.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "import of {id:?} differs from the applied state:\n{}",
            diffs.join("\n")
        ))
    };
    run.record(Step::ImportVerify, None, verify);
    let r = plan_is_empty(wd, &address);
    run.record(Step::PlanEmptyAfterImport, None, r);
    Ok(())
}

fn disappears_step(
    run: &mut Run<'_>,
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    wd: &TfWorkdir,
    child: &ChildRef,
) -> Result<bool> {
    let address = run.case.address();
    let name = Some(child.name);
    let before = plan(wd, &address)?;
    let state = values(wd, &address)?;
    let deleted = child
        .id_in(&state)
        .and_then(|id| rt.block_on(h.probe().delete_child(child.kind, &id)));
    if !run.record(Step::DisappearsDelete, name, deleted) {
        return Ok(true);
    }
    let after = plan(wd, &address)?;
    let seen = if after.code == 0 {
        Err(anyhow!("the plan is empty:\n{}", after.text))
    } else if before.code == 2 && after.change == before.change {
        Err(anyhow!(
            "the plan is the same as before the deletion (which was not empty either):\n{}",
            after.text
        ))
    } else {
        Ok(())
    };
    run.record(Step::DisappearsPlan, name, seen);
    let applied = wd.try_apply().and_then(|r| r.ok());
    let repaired = run.record(Step::DisappearsRepair, name, applied.map(|_| ()));
    let recreated = values(wd, &address)
        .and_then(|v| child.id_in(&v))
        .and_then(|id| {
            if rt.block_on(h.probe().child_exists(child.kind, &id))? {
                Ok(())
            } else {
                Err(anyhow!(
                    "{} {id} named in the state does not exist",
                    child.kind
                ))
            }
        });
    let recreated = run.record(Step::DisappearsRecreated, name, recreated);
    let converged = plan_is_empty(wd, &address);
    let converged_ok = run.record(Step::DisappearsConverged, name, converged);
    if repaired && recreated && converged_ok {
        return Ok(true);
    }
    // Start the next child from a clean slate, so each child's result is its own.
    let cleanup = wd
        .try_destroy()
        .and_then(|r| r.ok())
        .and_then(|_| h.leftovers())
        .and_then(|left| {
            if left.is_empty() {
                Ok(())
            } else {
                Err(anyhow!("destroy left in moto: {left:?}"))
            }
        })
        .and_then(|_| wd.try_apply().and_then(|r| r.ok()).map(|_| ()));
    Ok(run.record(Step::DisappearsCleanup, name, cleanup))
}

/// One out-of-band change of a declared setting: made, seen by the plan, repaired by apply
/// (gone from AWS), and the next plan empty. `Ok(false)` when it did not converge: the next
/// drift would not start from a converged composite, so the caller stops there.
fn drift_step(
    run: &mut Run<'_>,
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    wd: &TfWorkdir,
    drift: &Drift,
) -> Result<bool> {
    let address = run.case.address();
    let label = format!("{}/{}", drift.child, drift.what);
    let name = Some(label.as_str());
    let Some(child) = run
        .case
        .children
        .iter()
        .find(|c| c.name == drift.child)
        .copied()
    else {
        bail!("drift {label}: no child named {} in the case", drift.child);
    };
    let state = values(wd, &address)?;
    let id = child.id_in(&state)?;
    let made = rt.block_on(
        h.probe()
            .drift_child(child.kind, &id, &drift.change, &state),
    );
    if !run.record(
        Step::DriftMake,
        name,
        made.with_context(|| drift.change.describe()),
    ) {
        return Ok(true);
    }
    let after = plan(wd, &address)?;
    let leaked = drift
        .change
        .secret()
        .filter(|v| after.text.contains(v) || after.change.to_string().contains(v));
    let seen = if after.code == 0 {
        Err(anyhow!(
            "{} on {id}: the plan is empty:\n{}",
            drift.change.describe(),
            after.text
        ))
    } else if let Some(v) = leaked {
        Err(anyhow!(
            "{} on {id}: the plan shows the value written out of band ({v:?}), which may be \
             a secret:\n{}",
            drift.change.describe(),
            after.text
        ))
    } else {
        Ok(())
    };
    run.record(Step::DriftPlan, name, seen);
    let applied = wd.try_apply().and_then(|r| r.ok()).map(|_| ());
    let repaired = run.record(Step::DriftRepair, name, applied);
    let state = values(wd, &address)?;
    let undone = child.id_in(&state).and_then(|id| {
        if rt.block_on(
            h.probe()
                .drift_present(child.kind, &id, &drift.change, &state),
        )? {
            Err(anyhow!(
                "{} on {id}: still there after apply",
                drift.change.describe()
            ))
        } else {
            Ok(())
        }
    });
    let undone = run.record(Step::DriftUndone, name, undone);
    let converged = plan_is_empty(wd, &address);
    let converged = run.record(Step::DriftConverged, name, converged);
    Ok(repaired && undone && converged)
}

/// Every step up to (not including) destroy.
fn steps(
    run: &mut Run<'_>,
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    wd: &TfWorkdir,
    env: &CaseEnv,
) -> Result<()> {
    let case = run.case;
    let address = case.address();
    let applied = wd.try_apply().and_then(|r| r.ok()).map(|_| ());
    if !run.record(Step::Apply, None, applied) {
        return Ok(());
    }
    let r = plan_is_empty(wd, &address);
    run.record(Step::PlanEmpty, None, r);
    let state = values(wd, &address)?;
    run.named = case
        .children
        .iter()
        .filter(|c| AwsProbe::namesake_kind(c.kind))
        .filter_map(|c| c.id_in(&state).ok().map(|id| (*c, id)))
        .filter(|(_, id)| !id.contains(','))
        .collect();
    tags_step(run, rt, h, wd, Step::TagsAtCreate)?;
    import_step(run, wd)?;

    h.rewrite(wd, &(case.config)(env, &hcl_map(TAGS_AFTER)))?;
    let applied = wd.try_apply().and_then(|r| r.ok()).map(|_| ());
    if run.record(Step::TagsApply, None, applied) {
        let r = plan_is_empty(wd, &address);
        run.record(Step::TagsPlanEmpty, None, r);
        tags_step(run, rt, h, wd, Step::TagsUpdated)?;
    }
    for child in &case.children {
        if !disappears_step(run, rt, h, wd, child)? {
            return Ok(());
        }
    }
    // Last, from a converged composite: each drift that passes leaves it as it found it.
    for drift in case.drifts {
        if !drift_step(run, rt, h, wd, drift)? {
            break;
        }
    }
    Ok(())
}

/// A foreign namesake of each named child (same name, no owner tag, made beforehand): each
/// apply is refused naming one wave's namesakes (the engine stops at the first wave that
/// fails); each refused one is checked untouched and removed so the next wave gets its turn.
/// A namesake still present when an apply succeeds was adopted, unless the composite made its
/// child under another name. Last, destroy leaves every namesake in place.
fn namesakes_step(
    run: &mut Run<'_>,
    rt: &tokio::runtime::Runtime,
    h: &Harness,
    wd: &TfWorkdir,
) -> Result<()> {
    let probe = h.probe();
    let mut pending: Vec<(ChildRef, String, String)> = Vec::new();
    for (child, id) in std::mem::take(&mut run.named) {
        match rt.block_on(probe.make_namesake(child.kind, &id)) {
            Ok(made) => {
                run.record(Step::NamesakeMake, Some(child.name), Ok(()));
                pending.push((child, id, made));
            }
            Err(e) => {
                run.record(Step::NamesakeMake, Some(child.name), Err(e));
            }
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    let address = run.case.address();
    let mut applied = false;
    let rounds = pending.len() + 1;
    for _ in 0..rounds {
        let out = wd.try_apply()?;
        if out.code == 0 {
            applied = true;
            break;
        }
        let text = format!("{}\n{}", out.stdout, out.stderr);
        let (named, rest): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|(c, id, _)| text.contains(namesake_name(c, id)));
        pending = rest;
        if named.is_empty() {
            run.record(
                Step::NamesakeRefused,
                None,
                Err(anyhow!(
                    "the apply failed without naming a namesake:\n{}",
                    clip(&text)
                )),
            );
            break;
        }
        for (child, _, made) in named {
            let says = if text.contains(blueprint_provider::kinds::ownership::OWNER_TAG) {
                Ok(())
            } else {
                Err(anyhow!(
                    "refused without naming the owner tag that would adopt it:\n{}",
                    clip(&text)
                ))
            };
            run.record(Step::NamesakeRefused, Some(child.name), says);
            let kept = rt.block_on(probe.namesake_untouched(child.kind, &made));
            run.record(Step::NamesakeUntouched, Some(child.name), kept);
            rt.block_on(probe.delete_child(child.kind, &made))?;
        }
    }
    // Present through a successful apply: adopted, unless the child now has another name.
    if applied {
        let state = values(wd, &address)?;
        for (child, id, _) in &pending {
            let r = match child.id_in(&state) {
                Err(e) => Err(e),
                Ok(now) if now == *id => Err(anyhow!(
                    "the apply succeeded with a foreign {} named {id} present",
                    child.kind
                )),
                Ok(_) => Ok(()),
            };
            run.record(Step::NamesakeRefused, Some(child.name), r);
        }
    }
    let destroyed = wd.try_destroy().and_then(|r| r.ok()).map(|_| ());
    for (child, _, made) in &pending {
        let kept = rt.block_on(probe.namesake_untouched(child.kind, made));
        run.record(Step::NamesakeUntouched, Some(child.name), kept);
        rt.block_on(probe.delete_child(child.kind, made))?;
    }
    let clean = destroyed.and_then(|_| {
        if !applied {
            bail!("an apply was still refused after the namesakes were removed");
        }
        let left = h.leftovers()?;
        if left.is_empty() {
            Ok(())
        } else {
            Err(anyhow!("left in moto: {left:?}"))
        }
    });
    run.record(Step::NamesakeCleanup, None, clean);
    Ok(())
}

/// How a refusal names the namesake of `child` with id `id`.
fn namesake_name<'a>(child: &ChildRef, id: &'a str) -> &'a str {
    match child.kind {
        "aws_iam_role" | "aws_iam_instance_profile" | "aws_ecs_cluster" | "aws_sqs_queue" => {
            id.rsplit('/').next().unwrap_or(id)
        }
        _ => id,
    }
}

/// Run the whole check of `case` on `tf`; `Err` lists every problem (unexpected failures,
/// expected failures that passed or were not reached), each naming the composite, the
/// Terraform version, the step and the child.
pub fn run_case(case: &Case, tf: &'static TerraformBin) -> Result<()> {
    let h = Harness::start_with(case.moto.clone(), false)?.on(tf);
    let platform = if case.needs_platform {
        Some(crate::platform::make_blocking(&h.probe())?)
    } else {
        None
    };
    let env = CaseEnv { platform };
    let rt = tokio::runtime::Runtime::new()?;
    let mut run = Run {
        case,
        tf,
        outcomes: Vec::new(),
        named: Vec::new(),
    };
    let wd = h.workdir(&(case.config)(&env, &hcl_map(TAGS_BEFORE)))?;
    wd.init()?;
    // An error here is the harness's (a state that cannot be read, moto gone): destroy anyway.
    let harness_error = steps(&mut run, &rt, &h, &wd, &env).err();
    let destroyed = wd.try_destroy().and_then(|r| r.ok()).map(|_| ());
    run.record(Step::Destroy, None, destroyed);
    let left = h.leftovers().and_then(|left| {
        // The harness's own platform (VPC, ALB group, listener) is not tagged: only what the
        // provider made carries the test's tag.
        if left.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(
                "left in moto with {TEST_TAG_KEY}={}: {left:?}",
                h.tag
            ))
        }
    });
    if run.record(Step::NothingLeft, None, left) {
        namesakes_step(&mut run, &rt, &h, &wd)?;
    }
    let mut problems = run.problems();
    if let Some(e) = harness_error {
        problems.insert(
            0,
            format!(
                "{} on Terraform {}: the check itself stopped: {e:#}",
                case.label(),
                tf.version
            ),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!(
            "{} problem(s):\n\n{}",
            problems.len(),
            problems.join("\n\n")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_every_path_and_skip_ignored_attributes() {
        let a =
            serde_json::json!({"id": "x", "rules": ["a", "b"], "m": {"k": 1}, "timeouts": null});
        let b = serde_json::json!({"id": "x", "rules": ["a", "c"], "m": {"k": 2, "j": 3}, "timeouts": {"create": "1m"}});
        let d = differences(&a, &b, &["timeouts"]);
        assert_eq!(
            d,
            [
                "m.j: applied null / imported 3",
                "m.k: applied 1 / imported 2",
                "rules[1]: applied \"b\" / imported \"c\"",
            ]
        );
        assert!(differences(&a, &a, &[]).is_empty());
    }

    #[test]
    fn expected_failures_match_by_step_child_and_version_prefix() {
        let x = Expected {
            step: Step::DisappearsConverged,
            child: Some("log_group"),
            version: Some("1.11"),
            why: "issue 15",
        };
        assert!(x.matches(Step::DisappearsConverged, Some("log_group"), "1.11.4"));
        assert!(!x.matches(Step::DisappearsConverged, Some("log_group"), "1.0.3"));
        assert!(!x.matches(Step::DisappearsConverged, Some("service"), "1.11.4"));
        assert!(!x.matches(Step::DisappearsRepair, Some("log_group"), "1.11.4"));
    }
}

//! Generates a large, realistic plan (`terraform show -json` format) and times the plan
//! front-end on it: parse into the model (references resolved), the rules, and the
//! `blueprint-lint plan` process end to end with its peak RSS.
//!
//! `cargo bench -p blueprint-lint --bench plan`; `BENCH_PLAN_MB` sets the size (default 100),
//! `BENCH_KEEP=1` keeps the file (its path is printed).
//!
//! The plan: every example in `terraform/examples/` (ECS, ALB, RDS, DynamoDB, S3, SQS, SNS,
//! IAM, EKS, EC2, `blueprint_*` composites), each in its own module, repeated under
//! `module.stack["NNNN"]` until the size is reached; attributes the AWS provider computes
//! (`arn`, `id`, `tags_all`, `timeouts`) added; one stack in two is existing infrastructure
//! being updated (`before` filled, the resources in `prior_state`), the others are created.
//! Synthesized with `frontend::plan::synth`, so the shape is Terraform's, not its provider
//! schemas.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::frontend::plan::synth::{plan_json, SynthOptions};
use blueprint_lint::{check_model, Model, Profile, Reference, Resource, Value};
use serde_json::Value as Json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn readdress(v: &mut Value, prefix: &str) {
    match v {
        Value::Reference(Reference { address, .. }) => *address = format!("{prefix}{address}"),
        Value::List(l) => l.iter_mut().for_each(|x| readdress(x, prefix)),
        Value::Map(m) => m.values_mut().for_each(|x| readdress(x, prefix)),
        _ => {}
    }
}

/// The examples' resources, each example under `module.<name>`, with provider-computed
/// attributes.
fn base() -> Vec<Resource> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("terraform/examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .replace('-', "_");
        let loaded = load(std::slice::from_ref(&dir), &LoadOptions::default()).expect("loads");
        let Some(model) = loaded.roots.into_iter().next() else {
            continue;
        };
        for mut r in model.resources {
            let prefix = format!("module.{name}.");
            r.address = format!("{prefix}{}", r.address);
            r.module_path.insert(0, name.clone());
            readdress(&mut r.attributes, &prefix);
            if let Value::Map(m) = &mut r.attributes {
                let tags: BTreeMap<String, Value> = [
                    ("project", "senas"),
                    ("environment", "prod"),
                    ("owner", "platform-team"),
                    ("cost_center", "cc-4711"),
                    ("managed_by", "terraform"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
                m.entry("tags".into()).or_insert(Value::Map(tags.clone()));
                m.insert("tags_all".into(), Value::Map(tags));
                m.entry("arn".into()).or_insert(Value::Unknown);
                m.entry("id".into()).or_insert(Value::Unknown);
                m.entry("timeouts".into()).or_insert(Value::Null);
            }
            out.push(r);
        }
    }
    out
}

fn stack(base: &[Resource], i: usize) -> Model {
    let step = format!("stack[\"{i:04}\"]");
    let prefix = format!("module.{step}.");
    Model::new(
        base.iter()
            .map(|r| {
                let mut r = r.clone();
                r.address = format!("{prefix}{}", r.address);
                r.module_path.insert(0, step.clone());
                readdress(&mut r.attributes, &prefix);
                r
            })
            .collect(),
    )
}

/// Known ids where the plan has unknowns: the state of existing infrastructure.
fn fill(after: &Json, unknown: &Json, id: &mut usize) -> Json {
    match (after, unknown) {
        (_, Json::Bool(true)) => {
            *id += 1;
            Json::String(format!("id-{:012x}", *id))
        }
        (Json::Object(a), Json::Object(u)) => {
            let mut o = a.clone();
            for (k, m) in u {
                let v = fill(a.get(k).unwrap_or(&Json::Null), m, id);
                o.insert(k.clone(), v);
            }
            Json::Object(o)
        }
        (Json::Array(a), Json::Array(u)) if a.len() == u.len() => {
            Json::Array(a.iter().zip(u).map(|(x, m)| fill(x, m, id)).collect())
        }
        (a, _) => a.clone(),
    }
}

struct Parts {
    planned: Vec<String>,
    changes: Vec<String>,
    prior: Vec<String>,
    config: String,
    resources: usize,
}

fn generate(path: &Path, target: usize) -> Parts {
    let base = base();
    let mut parts = Parts {
        planned: Vec::new(),
        changes: Vec::new(),
        prior: Vec::new(),
        config: String::new(),
        resources: 0,
    };
    let mut size = 0;
    let mut id = 0;
    let mut i = 0;
    while size < target {
        let model = stack(&base, i);
        let mut plan = plan_json(&model, &SynthOptions::default());
        if i == 0 {
            let mut calls = plan["configuration"]["root_module"]["module_calls"].clone();
            if let Some(Json::Object(c)) = calls.get_mut(format!("stack[\"{i:04}\"]")) {
                // One `module "stack"` block with for_each, as a real configuration has.
                c.insert(
                    "for_each_expression".into(),
                    serde_json::json!({"references": ["local.stacks"]}),
                );
            }
            let stack = calls
                .as_object()
                .and_then(|o| o.values().next().cloned())
                .unwrap_or_default();
            parts.config = serde_json::json!({
                "provider_config": {"aws": {"name": "aws"}},
                "root_module": { "module_calls": { "stack": stack } }
            })
            .to_string();
        }
        let existing = i % 2 == 1;
        if let Some(Json::Array(changes)) = plan.get_mut("resource_changes") {
            for c in changes.iter_mut() {
                if existing {
                    let after = fill(
                        &c["change"]["after"],
                        &c["change"]["after_unknown"],
                        &mut id,
                    );
                    c["change"]["before"] = after.clone();
                    c["change"]["after"] = after;
                    c["change"]["after_unknown"] = serde_json::json!({});
                    c["change"]["actions"] = serde_json::json!(["update"]);
                }
                let s = c.to_string();
                size += s.len();
                parts.changes.push(s);
                parts.resources += 1;
            }
            if existing {
                let prior: Vec<Json> = changes
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "address": c["address"], "mode": c["mode"], "type": c["type"],
                            "name": c["name"], "provider_name": c["provider_name"],
                            "schema_version": 0, "values": c["change"]["before"],
                            "sensitive_values": {},
                        })
                    })
                    .collect();
                let s = serde_json::json!({"address": format!("module.stack[\"{i:04}\"]"), "resources": prior}).to_string();
                size += s.len();
                parts.prior.push(s);
            }
        }
        for m in plan["planned_values"]["root_module"]["child_modules"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let s = m.to_string();
            size += s.len();
            parts.planned.push(s);
        }
        i += 1;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("creates"));
    for piece in [
        r#"{"format_version":"1.0","terraform_version":"1.0.3","variables":{},"planned_values":{"root_module":{"resources":[],"child_modules":["#,
        &parts.planned.join(","),
        r#"]}},"resource_changes":["#,
        &parts.changes.join(","),
        r#"],"prior_state":{"format_version":"1.0","terraform_version":"1.0.3","values":{"root_module":{"resources":[],"child_modules":["#,
        &parts.prior.join(","),
        r#"]}}},"configuration":"#,
        &parts.config,
        "}\n",
    ] {
        f.write_all(piece.as_bytes()).expect("writes");
    }
    f.flush().expect("flushes");
    parts
}

fn best<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        let e = t.elapsed();
        if e < best {
            best = e;
        }
        out = Some(v);
    }
    (best, out.expect("ran"))
}

fn main() {
    let mb: usize = std::env::var("BENCH_PLAN_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let path = std::env::temp_dir().join(format!("blueprint-lint-plan-{mb}mb.json"));
    let t = Instant::now();
    let parts = generate(&path, mb * 1_000_000);
    let bytes = std::fs::read(&path).expect("reads");
    let size = bytes.len() as f64 / 1e6;
    println!(
        "plan: {:.1} MB, {} resource changes, {} stacks, written in {:.1} s: {}",
        size,
        parts.resources,
        parts.planned.len(),
        t.elapsed().as_secs_f64(),
        path.display()
    );

    let (parse_time, plan) = best(3, || {
        blueprint_lint::frontend::plan::parse(&bytes, "bench").expect("parses")
    });
    let refs = count_refs(&plan.model);
    println!(
        "parse (JSON to model, references resolved): {:.3} s, {:.0} MB/s, {} resources, {} references followed",
        parse_time.as_secs_f64(),
        size / parse_time.as_secs_f64(),
        plan.model.resources.len(),
        refs
    );
    let (check_time, findings) = best(3, || check_model(&plan.model, Profile::Prod));
    println!(
        "rules: {:.3} s, {} findings",
        check_time.as_secs_f64(),
        findings.len()
    );
    drop(plan);
    drop(bytes);

    let p = path.display().to_string();
    let _ = run(&["plan", &p, "--format", "json"]); // warm the page cache
    let (wall, stats) = best(3, || {
        run(&[
            "plan",
            &p,
            "--format",
            "json",
            "--profile",
            "prod",
            "--stats",
        ])
    });
    println!(
        "process: `blueprint-lint plan` {:.3} s wall; {stats}",
        wall.as_secs_f64()
    );
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
}

fn count_refs(m: &Model) -> usize {
    fn n(v: &Value) -> usize {
        match v {
            Value::Reference(_) => 1,
            Value::List(l) => l.iter().map(n).sum(),
            Value::Map(m) => m.values().map(n).sum(),
            _ => 0,
        }
    }
    m.resources.iter().map(|r| n(&r.attributes)).sum()
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .output()
        .expect("blueprint-lint runs");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

//! A deterministic mutation pass over every fixture, native and JSON syntax (the
//! stable-toolchain counterpart of `linter/fuzz`): whatever the input, the front-end, the rules
//! and the reporters return, never panic.
//!
//! `FUZZ_SMOKE_ITERATIONS` (default 1500) and `FUZZ_SMOKE_SEED` make longer or different runs;
//! with `--nocapture` the counts are printed.

use std::path::{Path, PathBuf};

use blueprint_lint::frontend::hcl::load_str;
use blueprint_lint::{check_model, LintReport, Profile};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "${",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "\n",
    "=",
    "*",
    "count = ",
    "for_each = ",
    "dynamic \"ingress\" {",
    "content {",
    "var.",
    "local.",
    "module.",
    "each.value",
    "count.index",
    "[*]",
    "...",
    "? :",
    "jsonencode(",
    "jsondecode(",
    "<<EOT\n",
    "\nEOT\n",
    "%{ for x in y }",
    "0.0.0.0/0",
    "-1",
    "1e308",
    "null",
    "true",
    "aws_security_group.x.id",
    "try(",
    "merge(",
    // JSON syntax
    "\": ",
    ", ",
    "{\"resource\": ",
    "\"dynamic\": {",
    "\"${",
    "\\u00e9",
    "\\ud83d",
    "$${",
    "%{",
    "\"//\": ",
];

/// Every fixture and example file, with the name `load_str` should read it under.
fn fixtures(dir: &Path, out: &mut Vec<(&'static str, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            fixtures(&p, out);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let display = if name.ends_with(".tf") {
                "fuzz.tf"
            } else if name.ends_with(".tf.json") {
                "fuzz.tf.json"
            } else if name.ends_with(".tfvars.json") {
                "fuzz.tfvars.json"
            } else {
                continue;
            };
            if let Ok(s) = std::fs::read_to_string(&p) {
                out.push((display, s));
            }
        }
    }
}

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut s: Vec<u8> = src.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(5) {
            0 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                s.splice(at..at, t.bytes());
            }
            1 => {
                let end = (at + rng.below(40)).min(s.len());
                s.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(80)).min(s.len());
                let chunk: Vec<u8> = s[at..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, chunk);
            }
            3 => {
                if at < s.len() {
                    s[at] = (rng.next() & 0x7f) as u8;
                }
            }
            _ => s.truncate(at),
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn mutated_fixtures_never_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform");
    let mut corpus = Vec::new();
    fixtures(&root, &mut corpus);
    assert!(corpus.len() > 40, "fixtures found: {}", corpus.len());
    let json = corpus.iter().filter(|(d, _)| d.ends_with(".json")).count();
    assert!(json >= 4, "JSON fixtures found: {json}");
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let mut rng = Rng(env("FUZZ_SMOKE_SEED").unwrap_or(0x9E37_79B9_7F4A_7C15) | 1);
    let iterations = env("FUZZ_SMOKE_ITERATIONS").unwrap_or(1500) as usize;
    let (mut parsed, mut parsed_json, mut findings) = (0usize, 0usize, 0usize);
    let started = std::time::Instant::now();
    for i in 0..iterations {
        let (display, base) = &corpus[i % corpus.len()];
        let input = mutate(base, &mut rng);
        let model = load_str(display, &input);
        if model.errors.is_empty() {
            parsed += 1;
            if display.ends_with(".json") {
                parsed_json += 1;
            }
        }
        let report = LintReport {
            findings: check_model(&model, Profile::Prod),
            errors: model.errors.clone(),
            ..LintReport::default()
        };
        findings += report.findings.len();
        if i % 16 == 0 {
            let _ = blueprint_lint::report::sarif::render(&report);
            let _ = blueprint_lint::report::text::render(&report, false);
        }
    }
    eprintln!(
        "fuzz smoke: {iterations} inputs ({} corpus files, {json} JSON) in {:.1} s: {parsed} parsed \
         ({parsed_json} JSON), {} load errors, {findings} findings",
        corpus.len(),
        started.elapsed().as_secs_f64(),
        iterations - parsed,
    );
    assert!(parsed > 0, "some mutations still parse");
    assert!(
        iterations < 1000 || parsed_json > 0,
        "some JSON mutations still parse"
    );
}

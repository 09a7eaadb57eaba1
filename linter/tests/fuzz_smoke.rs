//! A deterministic mutation pass over every fixture (the stable-toolchain counterpart of
//! `linter/fuzz`): whatever the input, the front-end and the rules return, never panic.

use std::path::{Path, PathBuf};

use blueprint_lint::frontend::hcl::load_str;
use blueprint_lint::{check_model, Profile};

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
];

fn fixtures(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            fixtures(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf") {
            if let Ok(s) = std::fs::read_to_string(&p) {
                out.push(s);
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
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let iterations: usize = std::env::var("FUZZ_SMOKE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let mut parsed = 0;
    for i in 0..iterations {
        let base = &corpus[i % corpus.len()];
        let input = mutate(base, &mut rng);
        let model = load_str("fuzz.tf", &input);
        if model.errors.is_empty() {
            parsed += 1;
        }
        let _ = check_model(&model, Profile::Prod);
    }
    assert!(parsed > 0, "some mutations still parse");
}

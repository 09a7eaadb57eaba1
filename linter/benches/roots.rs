//! Real-repository shape: many example root modules that call the same local modules. Each
//! generated "repository" has a shared module at its top (`source = "../../"`: a rules map,
//! many variables, `count`/`for_each` resources and `dynamic` ingress blocks), wrapper modules
//! under `modules/` that call it with preset rules, and examples under `examples/` that call both.
//! Times the `blueprint-lint` binary on the whole corpus (MB/s, mean time per file, peak RSS) and
//! on one file. `cargo bench -p blueprint-lint --bench roots`; `BENCH_REPOS` (default 15: about
//! 300k lines), `BENCH_WRAPPERS` (default 40) and `BENCH_EXAMPLES` (default 60) set the shape,
//! `BENCH_KEEP=1` keeps the corpus in the temp dir.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

const RULES: usize = 300;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rule_name(i: usize) -> String {
    format!("svc-{}-tcp", 1000 + i)
}

/// The shared module at the top of a repository.
fn shared_files() -> Vec<(&'static str, String)> {
    let mut rules = String::from("variable \"rules\" {\n  description = \"Map of known security group rules (from_port, to_port, protocol, description)\"\n  type        = map(list(any))\n  default = {\n");
    for i in 0..RULES {
        let port = 1000 + i;
        let _ = writeln!(
            rules,
            "    {} = [{port}, {port}, \"tcp\", \"Service {i} on {port}\"]",
            rule_name(i)
        );
    }
    rules.push_str("    _ = [\"\", \"\", \"\", \"\"]\n  }\n}\n\n");
    let _ = writeln!(
        rules,
        "variable \"auto_groups\" {{\n  description = \"Preset groups of rules\"\n  type = map(map(list(string)))\n  default = {{"
    );
    for g in 0..40 {
        let _ = writeln!(
            rules,
            "    group-{g} = {{\n      ingress_rules     = [\"{}\", \"{}\"]\n      ingress_with_self = [\"all-all\"]\n      egress_rules      = [\"all-all\"]\n    }}",
            rule_name(g * 2),
            rule_name(g * 2 + 1)
        );
    }
    rules.push_str("  }\n}\n");

    let mut variables = String::new();
    for (name, ty, default) in [
        ("create", "bool", "true"),
        ("name", "string", "null"),
        ("description", "string", "\"Managed by Terraform\""),
        ("vpc_id", "string", "null"),
        ("ingress_rules", "list(string)", "[]"),
        ("ingress_cidr_blocks", "list(string)", "[]"),
        ("ingress_with_cidr_blocks", "list(map(string))", "[]"),
        (
            "ingress_with_source_security_group_id",
            "list(map(string))",
            "[]",
        ),
        ("egress_rules", "list(string)", "[]"),
        ("egress_cidr_blocks", "list(string)", "[\"0.0.0.0/0\"]"),
        ("tags", "map(string)", "{}"),
    ] {
        let _ = write!(
            variables,
            "variable \"{name}\" {{\n  description = \"The {name} setting of the group; see the module documentation for how it combines with the other settings.\"\n  type        = {ty}\n  default     = {default}\n}}\n\n"
        );
    }
    for i in 0..120 {
        let _ = write!(
            variables,
            "variable \"extra_{i}\" {{\n  description = \"Extra setting {i}, kept for compatibility with older callers of this module.\"\n  type        = string\n  default     = \"\"\n}}\n\n"
        );
    }

    let main = r#"locals {
  create = var.create
  this_sg_id = try(aws_security_group.this[0].id, "")
  rule_list = [for r in var.ingress_rules : r if contains(keys(var.rules), r)]
}

resource "aws_security_group" "this" {
  count       = local.create ? 1 : 0
  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = local.rule_list
    content {
      from_port   = var.rules[ingress.value][0]
      to_port     = var.rules[ingress.value][1]
      protocol    = var.rules[ingress.value][2]
      description = var.rules[ingress.value][3]
      cidr_blocks = var.ingress_cidr_blocks
    }
  }

  tags = merge({ "Name" = format("%s", var.name) }, var.tags)
}

resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
  for_each = local.create ? { for i, r in var.ingress_with_cidr_blocks : tostring(i) => r } : {}

  security_group_id = local.this_sg_id
  type              = "ingress"
  cidr_blocks       = split(",", lookup(each.value, "cidr_blocks", join(",", var.ingress_cidr_blocks)))
  description       = lookup(each.value, "description", "Ingress Rule")
  from_port         = lookup(each.value, "from_port", var.rules[lookup(each.value, "rule", "_")][0])
  to_port           = lookup(each.value, "to_port", var.rules[lookup(each.value, "rule", "_")][1])
  protocol          = lookup(each.value, "protocol", var.rules[lookup(each.value, "rule", "_")][2])
}

resource "aws_security_group_rule" "ingress_with_source_security_group_id" {
  count = local.create ? length(var.ingress_with_source_security_group_id) : 0

  security_group_id        = local.this_sg_id
  type                     = "ingress"
  source_security_group_id = var.ingress_with_source_security_group_id[count.index]["source_security_group_id"]
  from_port                = lookup(var.ingress_with_source_security_group_id[count.index], "from_port", 0)
  to_port                  = lookup(var.ingress_with_source_security_group_id[count.index], "to_port", 0)
  protocol                 = lookup(var.ingress_with_source_security_group_id[count.index], "protocol", "tcp")
}

resource "aws_security_group_rule" "egress_rules" {
  count = local.create ? length(var.egress_rules) : 0

  security_group_id = local.this_sg_id
  type              = "egress"
  cidr_blocks       = var.egress_cidr_blocks
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
}

output "security_group_id" {
  description = "The ID of the security group"
  value       = local.this_sg_id
}
"#
    .to_string();
    vec![
        ("rules.tf", rules),
        ("variables.tf", variables),
        ("main.tf", main),
    ]
}

/// `modules/wrapper-N/main.tf`: calls the shared module with two preset rules.
fn wrapper(n: usize) -> String {
    format!(
        r#"variable "name" {{
  type = string
}}

variable "vpc_id" {{
  type    = string
  default = null
}}

variable "ingress_cidr_blocks" {{
  type    = list(string)
  default = []
}}

module "sg" {{
  source = "../../"

  name                = var.name
  vpc_id              = var.vpc_id
  ingress_rules       = ["{a}", "{b}"]
  ingress_cidr_blocks = var.ingress_cidr_blocks
  egress_rules        = ["all-all"]
}}

output "security_group_id" {{
  value = module.sg.security_group_id
}}
"#,
        a = rule_name(n % RULES),
        b = rule_name((n * 7 + 3) % RULES),
    )
}

/// `examples/example-N/main.tf`: a VPC, the shared module over a `for_each`, two wrappers.
fn example(n: usize, wrappers: usize) -> String {
    let mut s = format!(
        r#"provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.{o}.0.0/16"
}}

locals {{
  tiers = {{
    web = {{ rules = ["{r0}", "{r1}"], cidr = "10.{o}.1.0/24" }}
    app = {{ rules = ["{r2}"], cidr = "10.{o}.2.0/24" }}
    db  = {{ rules = ["{r3}"], cidr = "10.{o}.3.0/24" }}
  }}
}}

module "tier" {{
  source   = "../../"
  for_each = local.tiers

  name                = "example-{n}-${{each.key}}"
  vpc_id              = aws_vpc.main.id
  ingress_rules       = each.value.rules
  ingress_cidr_blocks = [each.value.cidr]
  ingress_with_cidr_blocks = [
    {{ rule = "{r1}", cidr_blocks = "10.{o}.9.0/24" }},
    {{ from_port = 8080, to_port = 8090, protocol = "tcp", description = "app", cidr_blocks = "10.{o}.10.0/24" }},
  ]
  ingress_with_source_security_group_id = [
    {{ source_security_group_id = aws_vpc.main.default_security_group_id, from_port = 22, to_port = 22 }},
  ]
}}
"#,
        o = n % 250,
        r0 = rule_name(n % RULES),
        r1 = rule_name((n + 1) % RULES),
        r2 = rule_name((n + 2) % RULES),
        r3 = rule_name((n + 3) % RULES),
    );
    for k in 0..2 {
        let w = (n * 3 + k * 11) % wrappers.max(1);
        let _ = write!(
            s,
            r#"
module "preset_{k}" {{
  source = "../../modules/wrapper-{w}"

  name                = "example-{n}-preset-{k}"
  vpc_id              = aws_vpc.main.id
  ingress_cidr_blocks = ["10.{o}.{k}.0/24"]
}}
"#,
            o = n % 250,
        );
    }
    // Resources of the example itself, as real examples have (a few screens of them).
    for i in 0..12 {
        let _ = write!(
            s,
            r#"
resource "aws_security_group" "extra_{i}" {{
  name   = "example-{n}-extra-{i}"
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {{
    for_each = [443, 8443]
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["10.{o}.{i}.0/24"]
    }}
  }}

  tags = {{
    Name    = "example-{n}-extra-{i}"
    Example = "{n}"
  }}
}}
"#,
            o = n % 250,
        );
    }
    s.push_str(
        "\noutput \"tier_ids\" {\n  value = { for k, m in module.tier : k => m.security_group_id }\n}\n",
    );
    s
}

/// Writes the corpus; returns (files, lines, bytes).
fn generate(dir: &Path, repos: usize, wrappers: usize, examples: usize) -> (usize, usize, usize) {
    let _ = std::fs::remove_dir_all(dir);
    let (mut files, mut lines, mut bytes) = (0, 0, 0);
    let mut write = |path: &Path, text: &str| {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
        files += 1;
        lines += text.lines().count();
        bytes += text.len();
    };
    for r in 0..repos {
        let repo = dir.join(format!("repo-{r:02}"));
        for (name, text) in shared_files() {
            write(&repo.join(name), &text);
        }
        for w in 0..wrappers {
            write(
                &repo.join(format!("modules/wrapper-{w}/main.tf")),
                &wrapper(w),
            );
        }
        for e in 0..examples {
            write(
                &repo.join(format!("examples/example-{e}/main.tf")),
                &example(e, wrappers),
            );
        }
    }
    (files, lines, bytes)
}

/// User + system CPU time of this process's waited-for children, in seconds (`/proc` counts
/// in USER_HZ, 100 per second on Linux); 0 where `/proc` is not there.
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 after ')'.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(13) + tick(14)) / 100.0
}

fn run(args: &[&str]) -> (Duration, String, bool) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .output()
        .expect("blueprint-lint runs");
    let elapsed = started.elapsed();
    let stats = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("stats:"))
        .collect::<Vec<_>>()
        .join("\n");
    // 0 clean, 1 findings, 3 parts not checked; anything else (2: usage/IO, a crash) is not
    // a measurement.
    (elapsed, stats, matches!(out.status.code(), Some(0 | 1 | 3)))
}

fn main() {
    let repos = env_usize("BENCH_REPOS", 15);
    let wrappers = env_usize("BENCH_WRAPPERS", 40);
    let examples = env_usize("BENCH_EXAMPLES", 60);
    let dir = std::env::temp_dir().join("blueprint-lint-roots");
    let (files, lines, bytes) = generate(&dir, repos, wrappers, examples);
    let corpus = dir.display().to_string();
    println!(
        "corpus: {repos} repositories x ({wrappers} wrapper modules + {examples} example roots) \
         sharing one module each: {files} files, {lines} lines, {:.2} MB under {corpus}",
        bytes as f64 / 1e6
    );
    let _ = run(&["--format", "json", &corpus]); // warm the page cache
    let mut best: Option<(Duration, String, f64)> = None;
    let mut walls = Vec::new();
    for _ in 0..5 {
        let cpu_before = children_cpu();
        let (wall, stats, ok) = run(&["--format", "json", "--stats", &corpus]);
        let cpu = children_cpu() - cpu_before;
        assert!(ok, "blueprint-lint failed on the corpus");
        walls.push(wall);
        if best.as_ref().is_none_or(|b| wall < b.0) {
            best = Some((wall, stats, cpu));
        }
    }
    let median = common::median(&mut walls);
    println!(
        "process wall time (median of 5): {:.3} s: {:.1} MB/s",
        median.as_secs_f64(),
        bytes as f64 / 1e6 / median.as_secs_f64()
    );
    common::report_bound(&dir, median);
    if let Some((wall, stats, cpu)) = best {
        let secs = wall.as_secs_f64();
        println!("{stats}");
        println!(
            "process wall time (best of 5): {secs:.3} s: {:.1} MB/s, {:.2} ms per file",
            bytes as f64 / 1e6 / secs,
            secs * 1e3 / files as f64
        );
        // On a shared machine the wall time depends on the other load; CPU time much less.
        println!(
            "CPU time of that run (user + system, all threads): {cpu:.2} s: {:.1} MB per CPU-second",
            bytes as f64 / 1e6 / cpu.max(0.01)
        );
    }
    let one = dir
        .join("repo-00/examples/example-0/main.tf")
        .display()
        .to_string();
    let mut one_best = Duration::MAX;
    for _ in 0..10 {
        let (wall, _, ok) = run(&["--format", "json", &one]);
        assert!(ok, "blueprint-lint failed on one file");
        one_best = one_best.min(wall);
    }
    println!(
        "one file: {:.1} ms process wall time (best of 10)",
        one_best.as_secs_f64() * 1e3
    );
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

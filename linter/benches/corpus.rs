//! Generates a corpus of Terraform files (mixed resources, modules, variables, tfvars) and
//! times the `blueprint-lint` binary on it: files/s, MB/s, peak RSS, and the wall time of a
//! one-file run. `cargo bench -p blueprint-lint --bench corpus`; `BENCH_FILES` sets the size.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

const FILES_PER_ROOT: usize = 50;

fn file_body(root: usize, i: usize) -> String {
    let mut s = String::new();
    let n = root * FILES_PER_ROOT + i;
    let _ = write!(
        s,
        r#"
variable "cidr_{i}" {{
  type    = string
  default = "10.{a}.0.0/16"
}}

locals {{
  name_{i}  = "svc-{n}-${{var.env}}"
  ports_{i} = [22, 443, 8000 + {i}]
}}

resource "aws_security_group" "sg_{i}" {{
  name   = local.name_{i}
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {{
    for_each = local.ports_{i}
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ingress.value == 22 && {odd} ? ["0.0.0.0/0"] : [var.cidr_{i}]
    }}
  }}
}}

resource "aws_iam_role_policy" "p_{i}" {{
  name = "p-{n}"
  role = "role-{n}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${{aws_s3_bucket.b_{i}.arn}}/*" }},
      {{ Effect = "Allow", Action = {act}, Resource = "*" }},
    ]
  }})
}}

resource "aws_s3_bucket" "b_{i}" {{
  bucket = format("bucket-%s-%d", var.env, {n})
}}

resource "aws_db_instance" "db_{i}" {{
  count                       = {i} % 5 == 0 ? 1 : 0
  identifier                  = "db-{n}-${{count.index}}"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  storage_encrypted           = true
  manage_master_user_password = true
  publicly_accessible         = {odd}
}}

resource "aws_sqs_queue" "q_{i}" {{
  for_each = toset(["a", "b"])
  name     = "q-{n}-${{each.key}}"
}}
"#,
        a = i % 250,
        odd = if n % 2 == 1 { "true" } else { "false" },
        act = if n % 7 == 0 {
            r#"["sqs:*"]"#
        } else {
            r#"["ecr:GetAuthorizationToken"]"#
        },
    );
    s
}

fn generate(dir: &Path, files: usize) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    let roots = files.div_ceil(FILES_PER_ROOT);
    let mut written = 0;
    for r in 0..roots {
        let root = dir.join(format!("stack-{r:04}"));
        let module = root.join("modules/network");
        std::fs::create_dir_all(&module)?;
        std::fs::write(
            root.join("main.tf"),
            format!(
                "variable \"env\" {{\n  default = \"dev\"\n}}\n\nresource \"aws_vpc\" \"main\" {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n\nmodule \"network\" {{\n  source = \"./modules/network\"\n  name   = \"net-{r}\"\n  cidr   = aws_vpc.main.cidr_block\n}}\n"
            ),
        )?;
        std::fs::write(root.join("terraform.tfvars"), "env = \"prod\"\n")?;
        std::fs::write(
            module.join("main.tf"),
            "variable \"name\" {}\nvariable \"cidr\" {}\n\nresource \"aws_security_group\" \"db\" {\n  name = var.name\n  ingress {\n    from_port   = 5432\n    to_port     = 5432\n    protocol    = \"tcp\"\n    cidr_blocks = [var.cidr]\n  }\n}\n\noutput \"sg\" {\n  value = aws_security_group.db.id\n}\n",
        )?;
        written += 2;
        for i in 0..FILES_PER_ROOT.saturating_sub(2) {
            if written >= files {
                break;
            }
            std::fs::write(root.join(format!("svc_{i:02}.tf")), file_body(r, i))?;
            written += 1;
        }
    }
    Ok(())
}

fn run(args: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .output()
        .expect("blueprint-lint runs");
    let elapsed = started.elapsed();
    (
        elapsed,
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

fn main() {
    let files: usize = std::env::var("BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = std::env::temp_dir().join("blueprint-lint-corpus");
    generate(&dir, files).expect("corpus written");
    let corpus = dir.display().to_string();
    let _ = run(&["--format", "json", &corpus]); // warm the page cache
    let mut best: Option<(Duration, String)> = None;
    let mut walls = Vec::new();
    for _ in 0..5 {
        let r = run(&["--format", "json", "--stats", &corpus]);
        walls.push(r.0);
        if best.as_ref().is_none_or(|b| r.0 < b.0) {
            best = Some(r);
        }
    }
    let median = common::median(&mut walls);
    println!(
        "process wall time (median of 5): {:.3} s ({:.0} files/s)",
        median.as_secs_f64(),
        files as f64 / median.as_secs_f64()
    );
    common::report_bound(&dir, median);
    if let Some((wall, stats)) = best {
        println!("corpus: {files} files under {corpus}");
        println!("{stats}");
        println!(
            "process wall time: {:.3} s ({:.0} files/s)",
            wall.as_secs_f64(),
            files as f64 / wall.as_secs_f64()
        );
    }
    let one = dir
        .join("stack-0000")
        .join("svc_00.tf")
        .display()
        .to_string();
    let mut one_best = Duration::MAX;
    for _ in 0..10 {
        one_best = one_best.min(run(&["--format", "json", &one]).0);
    }
    println!(
        "one file: {:.1} ms process wall time (best of 10)",
        one_best.as_secs_f64() * 1e3
    );
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

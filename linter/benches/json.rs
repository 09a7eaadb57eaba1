//! `.tf.json` against the same configuration in native syntax: `BENCH_RESOURCES` (default
//! 40,000) security groups written (a) in one file and (b) one file each, as `.tf.json` and as
//! `.tf`. Times the `blueprint-lint` binary on each (median of 5) and prints the JSON/HCL ratio:
//! it should stay about constant as the count grows (the translation is linear).
//! `cargo bench -p blueprint-lint --bench json`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

fn resource_json(i: usize) -> String {
    format!(
        r#""sg_{i}": {{"name": "sg-{i}", "vpc_id": "${{aws_vpc.main.id}}", "ingress": [{{"from_port": {p}, "to_port": {p}, "protocol": "tcp", "cidr_blocks": ["10.{a}.0.0/16"]}}]}}"#,
        p = 1000 + i % 5000,
        a = i % 250
    )
}

fn resource_hcl(i: usize) -> String {
    format!(
        "resource \"aws_security_group\" \"sg_{i}\" {{\n  name   = \"sg-{i}\"\n  vpc_id = aws_vpc.main.id\n  ingress {{\n    from_port   = {p}\n    to_port     = {p}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.{a}.0.0/16\"]\n  }}\n}}\n",
        p = 1000 + i % 5000,
        a = i % 250
    )
}

const VPC_HCL: &str = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/8\"\n}\n";

fn generate(dir: &Path, n: usize) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    for d in ["json-one", "json-many", "hcl-one", "hcl-many"] {
        std::fs::create_dir_all(dir.join(d))?;
    }
    let body: Vec<String> = (0..n).map(resource_json).collect();
    std::fs::write(
        dir.join("json-one/main.tf.json"),
        format!(
            "{{\"resource\": {{\"aws_vpc\": {{\"main\": {{\"cidr_block\": \"10.0.0.0/8\"}}}}, \"aws_security_group\": {{\n{}\n}}}}}}\n",
            body.join(",\n")
        ),
    )?;
    let hcl: String = (0..n).map(resource_hcl).collect();
    std::fs::write(dir.join("hcl-one/main.tf"), format!("{VPC_HCL}{hcl}"))?;
    std::fs::write(dir.join("hcl-many/vpc.tf"), VPC_HCL)?;
    std::fs::write(
        dir.join("json-many/vpc.tf.json"),
        "{\"resource\": {\"aws_vpc\": {\"main\": {\"cidr_block\": \"10.0.0.0/8\"}}}}\n",
    )?;
    for (i, r) in body.iter().enumerate() {
        std::fs::write(
            dir.join(format!("json-many/sg_{i:06}.tf.json")),
            format!("{{\"resource\": {{\"aws_security_group\": {{{r}}}}}}}\n"),
        )?;
        std::fs::write(dir.join(format!("hcl-many/sg_{i:06}.tf")), resource_hcl(i))?;
    }
    Ok(())
}

fn median_run(path: &Path) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
            .args(["--format", "json"])
            .arg(path)
            .output()
            .expect("blueprint-lint runs");
        times.push(started.elapsed());
        assert!(
            matches!(out.status.code(), Some(0 | 1 | 3)),
            "blueprint-lint failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    common::median(&mut times)
}

fn main() {
    let n: usize = std::env::var("BENCH_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let dir = std::env::temp_dir().join("blueprint-lint-json");
    generate(&dir, n).expect("corpus written");
    println!("{n} security groups under {}", dir.display());
    for layout in ["one", "many"] {
        let json = median_run(&dir.join(format!("json-{layout}")));
        let hcl = median_run(&dir.join(format!("hcl-{layout}")));
        println!(
            "{layout} file{}: .tf.json {:.3} s, .tf {:.3} s (median of 5): JSON/HCL = {:.2}",
            if layout == "one" { "" } else { " per resource" },
            json.as_secs_f64(),
            hcl.as_secs_f64(),
            json.as_secs_f64() / hcl.as_secs_f64()
        );
        common::report_bound(&dir.join(format!("hcl-{layout}")), hcl);
    }
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Nothing dropped in silence: what the linter reads but cannot check (modules nested too deep,
//! instances past the limit, `file()` of a missing file, calls and expressions it cannot
//! evaluate) is a `not-checked` note with its file, line and reason, counted in the summary,
//! and the CLI exits 3 on an otherwise clean run; files reached through a symbolic link or with
//! a name that is not UTF-8 are linted; a module cycle is one error naming the chain.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blueprint_lint::{lint_paths, LintOptions, LintReport, Unchecked};

fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("writes");
    }
    dir
}

fn lint(dir: &Path) -> LintReport {
    let opts = LintOptions {
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    lint_paths(&[dir.to_path_buf()], &opts).expect("lints")
}

/// `file:line reason` of each note, the file relative to `dir`.
fn notes(dir: &Path, report: &LintReport) -> Vec<String> {
    report
        .unchecked
        .iter()
        .map(|u: &Unchecked| {
            let prefix = format!("{}/", dir.display());
            let file = u
                .location
                .file
                .strip_prefix(&prefix)
                .unwrap_or(&u.location.file);
            format!("{file}:{} {}", u.location.line, u.reason)
        })
        .collect()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

const OPEN_SSH: &str = r#"
resource "aws_security_group" "open" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn modules_nested_deeper_than_the_limit_are_noted() {
    let depth = 40;
    let mut files = vec![(
        "main.tf".to_string(),
        "module \"m\" {\n  source = \"./m0\"\n}\n".to_string(),
    )];
    let mut path = String::new();
    for i in 0..depth {
        path.push_str(&format!("m{i}/"));
        files.push((
            format!("{path}main.tf"),
            format!(
                "resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"b{i}\"\n}}\n\n{}",
                if i + 1 < depth {
                    format!("module \"m\" {{\n  source = \"./m{}\"\n}}\n", i + 1)
                } else {
                    String::new()
                }
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = write_tree(&refs);
    let report = lint(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The root and 32 nested modules are evaluated; the call in the 32nd is noted.
    assert_eq!(report.resources, 32);
    let got = notes(dir.path(), &report);
    let at = format!("{}main.tf:5", "m0/m1/m2/m3/m4/m5/m6/m7/m8/m9/m10/m11/m12/m13/m14/m15/m16/m17/m18/m19/m20/m21/m22/m23/m24/m25/m26/m27/m28/m29/m30/m31/");
    assert_eq!(
        got,
        [format!(
            "{at} module `m` not evaluated: nested deeper than 32 modules"
        )]
    );
}

#[test]
fn instances_past_the_limit_are_noted() {
    let list = |n: usize| -> String {
        let items: Vec<String> = (0..n).map(|i| format!("\"q{i}\"")).collect();
        format!("[{}]", items.join(", "))
    };
    let text = format!(
        r#"
resource "aws_s3_bucket" "many" {{
  count  = 2000
  bucket = "b-${{count.index}}"
}}

resource "aws_sqs_queue" "keyed" {{
  for_each = {{ for q in {} : q => q }}
  name     = each.key
}}

resource "aws_security_group" "rules" {{
  dynamic "ingress" {{
    for_each = {}
    content {{
      description = ingress.value
      protocol    = "tcp"
    }}
  }}
}}
"#,
        list(1500),
        list(1100)
    );
    let dir = write_tree(&[("main.tf", &text)]);
    let report = lint(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.resources, 1024 + 1024 + 1);
    assert_eq!(
        notes(dir.path(), &report),
        [
            "main.tf:2 only the first 1024 of 2000 instances are checked",
            "main.tf:7 only the first 1024 of 1500 instances are checked",
            "main.tf:13 only the first 1024 of 1100 `ingress` blocks are checked",
        ]
    );
}

#[test]
fn a_missing_file_and_calls_not_evaluated_are_noted() {
    let dir = write_tree(&[(
        "main.tf",
        r#"
resource "aws_iam_policy" "from_file" {
  name   = "p"
  policy = file("${path.module}/policies/missing.json")
}

resource "aws_iam_policy" "guarded" {
  name   = "q"
  policy = try(file("${path.module}/policies/missing.json"), "{}")
}

resource "aws_s3_bucket" "provider_function" {
  bucket = provider::aws::arn_parse("arn:aws:s3:::b").resource
}

locals {
  map = { a = 1 }
}

resource "aws_s3_bucket" "missing_key" {
  bucket = local.map.b
}
"#,
    )]);
    let report = lint(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let got = notes(dir.path(), &report);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(
        got[0].starts_with("main.tf:4 file(\"")
            && got[0].contains("missing.json\") not evaluated: cannot read the file"),
        "{got:#?}"
    );
    assert_eq!(
        got[1],
        "main.tf:13 provider function `provider::aws::arn_parse` not evaluated (the linter has no provider)"
    );
    assert!(
        got[2].starts_with("main.tf:21 expression not evaluated"),
        "{got:#?}"
    );
}

#[test]
fn expressions_nested_past_the_evaluator_limit_are_noted() {
    let n = 300;
    let locals: String = (0..n)
        .map(|i| format!("  l{i} = local.l{}\n", i + 1))
        .collect();
    let text = format!(
        "locals {{\n{locals}  l{n} = \"b\"\n}}\n\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = local.l0\n}}\n"
    );
    let dir = write_tree(&[("main.tf", &text)]);
    let report = lint(dir.path());
    let got = notes(dir.path(), &report);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("nested deeper than 128 levels"), "{got:#?}");
}

#[test]
fn symlinked_and_non_utf8_named_files_are_linted() {
    use std::os::unix::ffi::OsStrExt;
    let shared = write_tree(&[("ssh.tf", OPEN_SSH), ("module/main.tf", OPEN_SSH)]);
    let dir = write_tree(&[(
        "main.tf",
        "module \"linked\" {\n  source = \"./linked_module\"\n}\n",
    )]);
    std::os::unix::fs::symlink(shared.path().join("ssh.tf"), dir.path().join("ssh.tf"))
        .expect("links a file");
    std::os::unix::fs::symlink(
        shared.path().join("module"),
        dir.path().join("linked_module"),
    )
    .expect("links a directory");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.tf");
    std::fs::write(
        dir.path().join(name),
        OPEN_SSH.replace("\"open\"", "\"latin1_name\""),
    )
    .expect("writes");
    let report = lint(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mut addresses: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "sg-ssh-rdp-open")
        .map(|f| f.address.as_str())
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(
        addresses,
        [
            "aws_security_group.latin1_name",
            "aws_security_group.open",
            "module.linked.aws_security_group.open",
        ]
    );
}

#[test]
fn a_module_cycle_is_one_error_naming_the_chain() {
    let dir = write_tree(&[
        ("main.tf", "module \"a\" {\n  source = \"./a\"\n}\n"),
        (
            "a/main.tf",
            "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\nmodule \"b\" {\n  source = \"../b\"\n}\n",
        ),
        (
            "b/main.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n\nmodule \"a\" {\n  source = \"../a\"\n}\n",
        ),
    ]);
    let report = lint(dir.path());
    assert_eq!(report.resources, 2, "each module once");
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    let e = &report.errors[0];
    assert!(e.location.file.ends_with("b/main.tf"), "{e:?}");
    assert_eq!(e.location.line, 5);
    let d = dir.path().display();
    assert_eq!(
        e.message,
        format!(
            "module cycle: module.a ({d}/a) -> module.a.module.b ({d}/b) -> module.a.module.b.module.a ({d}/a) calls a module it is part of; not expanded"
        )
    );

    let itself = write_tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"x\" {\n  bucket = \"x\"\n}\n\nmodule \"again\" {\n  source = \"./\"\n}\n",
    )]);
    let report = lint(itself.path());
    assert_eq!(report.resources, 1);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    assert!(
        report.errors[0]
            .message
            .starts_with("module cycle: the root module"),
        "{}",
        report.errors[0].message
    );
}

#[test]
fn the_cli_tells_an_incomplete_run_from_a_clean_one() {
    let dir = write_tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = trimspace(file(\"missing.txt\"))\n}\n",
    )]);
    let path = dir.path().display().to_string();
    let o = run(&[&path]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("warning[not-checked]"), "{out}");
    assert!(out.contains("main.tf:2:"), "{out}");
    assert!(out.contains("; 1 part(s) not checked"), "{out}");
    assert_eq!(run(&["--allow-unchecked", &path]).status.code(), Some(0));
    let json = run(&["--format", "json", &path]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["unchecked"][0]["location"]["line"], 2);
    // A clean, complete run still exits 0.
    let clean = write_tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )]);
    let clean_path: PathBuf = clean.path().to_path_buf();
    assert_eq!(
        run(&[&clean_path.display().to_string()]).status.code(),
        Some(0)
    );
}

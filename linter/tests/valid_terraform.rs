//! Valid Terraform is read, not refused with the whole file dropped (a UTF-8 byte order mark,
//! a repeated object key, line breaks inside an object `for`, nesting deeper than 64 levels),
//! and what Terraform refuses is refused with a located parse error (an unquoted CIDR block).

use std::path::Path;

use blueprint_lint::{lint_paths, LintOptions, LoadError, Value};

/// Lints `text` as `main.tf` in a fresh directory: the report's errors and the value of
/// `attribute` of `aws_security_group.x` (`None`: no such resource).
fn lint_one(text: &[u8], attribute: &str) -> (Vec<LoadError>, Option<Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), text).expect("writes");
    lint_dir(dir.path(), attribute)
}

fn lint_dir(dir: &Path, attribute: &str) -> (Vec<LoadError>, Option<Value>) {
    let (roots, loaded) =
        blueprint_lint::frontend::hcl::load_with(&[dir.to_path_buf()], &Default::default(), |m| {
            m.get("aws_security_group.x")
                .map(|r| r.attributes.get(attribute).clone())
        })
        .expect("loads");
    (loaded.errors, roots.into_iter().flatten().next())
}

fn strings(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| Value::String(s.to_string())).collect())
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend_from_slice(b"resource \"aws_security_group\" \"x\" {\n  name = \"bom\"\n}\n");
    let (errors, name) = lint_one(&text, "name");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(name, Some(Value::String("bom".into())));
}

#[test]
fn a_repeated_object_key_keeps_the_last_value() {
    let text = r#"
resource "aws_security_group" "x" {
  tags = {
    Name = "first"
    Team = "a"
    Name = "last"
  }
}
"#;
    let (errors, tags) = lint_one(text.as_bytes(), "tags");
    assert!(errors.is_empty(), "{errors:?}");
    let tags = tags.expect("resource");
    assert_eq!(tags.get("Name"), &Value::String("last".into()));
    assert_eq!(tags.get("Team"), &Value::String("a".into()));
}

#[test]
fn line_breaks_inside_an_object_for() {
    let text = r#"
locals {
  rules = { ssh = { open = true, port = 22 }, web = { open = false, port = 443 } }
  cidrs = { for name, rule in local.rules : name => rule.open ?
    "0.0.0.0/0" :
    "10.0.0.0/8"
  }
  names = { for name, rule in
    local.rules : name =>
    upper(name) }
}

resource "aws_security_group" "x" {
  description = local.names["ssh"]
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [local.cidrs["ssh"], local.cidrs["web"]]
  }
}
"#;
    let (errors, ingress) = lint_one(text.as_bytes(), "ingress");
    assert!(errors.is_empty(), "{errors:?}");
    let ingress = ingress.expect("resource");
    let Value::List(blocks) = ingress else {
        panic!("ingress blocks: {ingress:?}")
    };
    assert_eq!(
        blocks[0].get("cidr_blocks"),
        &strings(&["0.0.0.0/0", "10.0.0.0/8"])
    );
}

#[test]
fn nesting_deeper_than_64_levels() {
    // 100 nested lists around the CIDR: `flatten` unwraps them.
    let depth = 100;
    let text = format!(
        "resource \"aws_security_group\" \"x\" {{\n  tags = {{ deep = {}\"0.0.0.0/0\"{} }}\n  name = \"deep\"\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    // On a thread with a rayon worker's stack, as the CLI loads files.
    let (errors, name) = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || lint_one(text.as_bytes(), "name"))
        .expect("spawns")
        .join()
        .expect("no stack overflow");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(name, Some(Value::String("deep".into())));
}

#[test]
fn nesting_beyond_the_limit_is_a_located_error() {
    let depth = 2000;
    let text = format!(
        "resource \"aws_security_group\" \"x\" {{\n  tags = {}1{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let (errors, _) = lint_one(text.as_bytes(), "tags");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.line, 2);
    assert!(
        errors[0].message.contains("nested deeper than 256 levels"),
        "{}",
        errors[0].message
    );
}

#[test]
fn an_unquoted_cidr_block_is_refused_at_its_line() {
    let text = r#"
resource "aws_security_group" "x" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [10.11.10.12/32]
  }
}
"#;
    let (errors, _) = lint_one(text.as_bytes(), "ingress");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.location.file.ends_with("main.tf"), "{e:?}");
    assert_eq!((e.location.line, e.location.col), (7, 20), "{e:?}");
    assert!(
        e.message.contains("`10.11.10.12/32`") && e.message.contains("\"10.11.10.12/32\""),
        "{}",
        e.message
    );
    // Through the whole lint: the file is reported, not linted as if it were clean.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), text).expect("writes");
    let report = lint_paths(&[dir.path().to_path_buf()], &LintOptions::default()).expect("lints");
    assert_eq!(report.errors.len(), 1);
}

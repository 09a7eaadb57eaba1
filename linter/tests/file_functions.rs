//! `file`, `filebase64`, `fileexists` and `templatefile` read files relative to `path.module`
//! and `path.root`, so policies and user data kept beside the configuration are evaluated.

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::Value;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp dir");
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    tmp
}

fn attr(tmp: &tempfile::TempDir, address: &str, name: &str) -> Value {
    let loaded = load(&[tmp.path().to_path_buf()], &LoadOptions::default()).expect("loads");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded
        .get(address)
        .unwrap_or_else(|| panic!("{address}"))
        .attributes
        .get(name)
        .clone()
}

const MAIN: &str = r#"
resource "aws_instance" "a" {
  user_data_base64 = filebase64("${path.module}/boot.sh")
  user_data        = templatefile("${path.root}/boot.tftpl", { names = ["a", "b"], port = 8000 })
  tags = {
    has_boot    = fileexists("${path.module}/boot.sh")
    has_missing = fileexists("${path.module}/missing.sh")
    plain       = file("boot.sh")
    missing     = file("${path.module}/missing.sh")
  }
}

module "child" {
  source = "./child"
}
"#;

const CHILD: &str = r#"
resource "aws_iam_policy" "p" {
  policy = file("${path.module}/policy.json")
}

resource "aws_iam_policy" "shared" {
  policy = file("${path.root}/boot.sh")
}
"#;

#[test]
fn file_functions_read_beside_the_module() {
    let tmp = tree(&[
        ("main.tf", MAIN),
        ("boot.sh", "#!/bin/sh\necho hi\n"),
        (
            "boot.tftpl",
            "#!/bin/sh\n%{ for n in names ~}\n  start ${n} on ${port}\n%{~ endfor }\n%{ if port > 1024 ~}\n  unprivileged\n%{ else }\n  root\n%{~ endif ~}\n\ndone ${ \"!\" ~}   \n",
        ),
        ("child/main.tf", CHILD),
        ("child/policy.json", "{\"Statement\": []}\n"),
    ]);
    assert_eq!(
        attr(&tmp, "aws_instance.a", "user_data_base64"),
        Value::String("IyEvYmluL3NoCmVjaG8gaGkK".into())
    );
    assert_eq!(
        attr(&tmp, "aws_instance.a", "user_data"),
        Value::String("#!/bin/sh\nstart a on 8000start b on 8000\nunprivileged\ndone !".into())
    );
    let tags = attr(&tmp, "aws_instance.a", "tags");
    assert_eq!(tags.get("has_boot"), &Value::Bool(true));
    assert_eq!(tags.get("has_missing"), &Value::Bool(false));
    // A bare relative path is relative to the root module, where Terraform runs.
    assert_eq!(
        tags.get("plain"),
        &Value::String("#!/bin/sh\necho hi\n".into())
    );
    // A file that cannot be read is unknown, never a guess.
    assert_eq!(tags.get("missing"), &Value::Unknown);
    // path.module in a child module is the child's directory; path.root stays the root's.
    assert_eq!(
        attr(&tmp, "module.child.aws_iam_policy.p", "policy"),
        Value::String("{\"Statement\": []}\n".into())
    );
    assert_eq!(
        attr(&tmp, "module.child.aws_iam_policy.shared", "policy"),
        Value::String("#!/bin/sh\necho hi\n".into())
    );
}

#[test]
fn a_template_keeps_references_as_placeholders() {
    let tmp = tree(&[
        (
            "main.tf",
            r#"
resource "aws_s3_bucket" "b" {}
resource "aws_iam_policy" "p" {
  policy = templatefile("${path.module}/p.tftpl", { arn = aws_s3_bucket.b.arn })
}
"#,
        ),
        ("p.tftpl", "{\"Resource\": \"${arn}/*\"}"),
    ]);
    assert_eq!(
        attr(&tmp, "aws_iam_policy.p", "policy"),
        Value::String("{\"Resource\": \"${aws_s3_bucket.b.arn}/*\"}".into())
    );
}

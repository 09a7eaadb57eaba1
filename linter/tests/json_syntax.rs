//! Terraform's JSON syntax: `.tf.json` configuration and `.tfvars.json` variables, mixed with
//! native files, with findings located in the JSON text.

use std::path::{Path, PathBuf};

use blueprint_lint::frontend::hcl::{load, load_str, LoadOptions};
use blueprint_lint::{
    check_model, lint_paths, path_to_string, LintOptions, LintReport, Profile, Value,
};

fn fixture(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/lint-fixtures/frontend")
        .join(p)
}

fn lint(path: &Path) -> LintReport {
    let opts = LintOptions {
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    lint_paths(&[path.to_path_buf()], &opts).expect("loads")
}

/// `rule address path` of every finding.
fn keys(r: &LintReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.rule_id,
                f.address,
                path_to_string(&f.attribute_path)
            )
        })
        .collect()
}

/// `rule address path @ file:line:col text-at-location` of every finding.
fn located(r: &LintReport, root: &Path) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            let loc = f.location.as_ref().expect("a location");
            let file = &r.files[&loc.file];
            let text = &file.source[loc.start_byte..loc.end_byte];
            let short = Path::new(&loc.file)
                .strip_prefix(root)
                .unwrap_or(Path::new(&loc.file))
                .display()
                .to_string();
            format!(
                "{} {} {} @ {short}:{}:{} {}",
                f.rule_id,
                f.address,
                path_to_string(&f.attribute_path),
                loc.line,
                loc.col,
                text.lines().next().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn json_and_native_twins_report_the_same_findings() {
    let json = lint(&fixture("json"));
    let native = lint(&fixture("json-native"));
    assert!(json.errors.is_empty(), "{:?}", json.errors);
    assert_eq!(keys(&json), keys(&native));
    assert_eq!(json.resources, native.resources);
    assert_eq!(json.findings.len(), 7);
}

#[test]
fn findings_point_into_the_json_text() {
    let root = fixture("json");
    let report = lint(&root);
    insta::assert_snapshot!("json-syntax-locations", located(&report, &root).join("\n"));
    // Every location of a JSON-file finding is inside the JSON file and starts on a JSON token.
    for f in &report.findings {
        let loc = f.location.as_ref().expect("a location");
        if loc.file.ends_with(".json") {
            let text = &report.files[&loc.file].source;
            assert!(loc.end_byte <= text.len() && loc.start_byte < loc.end_byte);
            // A value inside a `"${...}"` template is a string escaped in the JSON: `\"*\"`.
            let at = &text[loc.start_byte..];
            assert!(
                at.starts_with(['"', '[', '{']) || at.starts_with("\\\""),
                "{loc:?}"
            );
        }
    }
}

#[test]
fn a_json_syntax_error_is_located_and_the_rest_is_linted() {
    let report = lint(&fixture("json-broken"));
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert!(e.location.file.ends_with("broken.tf.json"), "{e:?}");
    assert_eq!((e.location.line, e.location.col), (4, 27));
    assert!(e.message.contains("expected a string key"), "{}", e.message);
    assert_eq!(
        keys(&report),
        ["sns-encrypted aws_sns_topic.a kms_master_key_id"]
    );
}

#[test]
fn tfvars_json_values_are_literal_and_load_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(
        d.join("main.tf"),
        r#"variable "cidr" {}
variable "note" { default = "" }
resource "aws_security_group" "s" {
  description = var.note
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"#,
    )
    .expect("write");
    std::fs::write(
        d.join("terraform.tfvars.json"),
        r#"{"cidr": "10.0.0.0/8", "note": "${not.a.reference}"}"#,
    )
    .expect("write");
    let loaded = load(&[d.to_path_buf()], &LoadOptions::default()).expect("loads");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let sg = loaded.get("aws_security_group.s").expect("resource");
    assert_eq!(
        sg.attributes.get("description"),
        &Value::String("${not.a.reference}".into())
    );
    assert_eq!(lint(d).findings.len(), 0);

    // *.auto.tfvars.json loads after terraform.tfvars.json.
    std::fs::write(d.join("z.auto.tfvars.json"), r#"{"cidr": "0.0.0.0/0"}"#).expect("write");
    assert_eq!(
        keys(&lint(d)),
        ["sg-ssh-rdp-open aws_security_group.s ingress[0].cidr_blocks[0]"]
    );

    // --var-file in JSON applies last.
    let vars = d.join("override.tfvars.json");
    std::fs::write(&vars, r#"{"cidr": "192.168.0.0/16"}"#).expect("write");
    let opts = LintOptions {
        load: LoadOptions {
            var_files: vec![vars],
            ..LoadOptions::default()
        },
        ..LintOptions::default()
    };
    let report = lint_paths(&[d.to_path_buf()], &opts).expect("loads");
    assert!(report.findings.is_empty(), "{:?}", keys(&report));
}

#[test]
fn load_str_reads_json_by_name() {
    let src = r#"{"resource": {"aws_sqs_queue": {"q": {"name": "q-${1 + 1}", "sqs_managed_sse_enabled": false, "//": "x"}}}}"#;
    let model = load_str("main.tf.json", src);
    assert!(model.errors.is_empty(), "{:?}", model.errors);
    let q = model.get("aws_sqs_queue.q").expect("resource");
    assert_eq!(q.attributes.get("name"), &Value::String("q-2".into()));
    assert_eq!(q.attributes.get("//"), &Value::Null);
    // The same text under a .tf name is not HCL.
    assert!(!load_str("main.tf", src).errors.is_empty());
}

/// `rule path @ line:col text` of every finding of one JSON file loaded with `load_str`.
fn located_in(name: &str, src: &str) -> Vec<String> {
    let model = load_str(name, src);
    assert!(model.errors.is_empty(), "{:?}", model.errors);
    check_model(&model, Profile::Prod)
        .iter()
        .map(|f| {
            let loc = f.location.as_ref().expect("a location");
            format!(
                "{} {} @ {}:{} {}",
                f.rule_id,
                path_to_string(&f.attribute_path),
                loc.line,
                loc.col,
                &src[loc.start_byte..loc.end_byte]
            )
        })
        .collect()
}

#[test]
fn values_inside_a_template_string_are_located_precisely() {
    // Escapes before and inside the template (`\u00e9`, `\n`, `\\`, `\/`, a surrogate pair)
    // shift the JSON offsets away from the generated native text's; the findings still point at
    // the value itself, not at the whole string.
    let src = r#"{"resource": {
  "aws_iam_policy": {"p": {
    "description": "caf\u00e9 \n \\ \ud83d\ude00",
    "policy": "caf\u00e9 ${jsonencode({Statement = [{Effect = \"Allow\", Action = \"s3:GetObject\", Resource = \"arn:aws:s3:::b\/k\"}, {Effect = \"Allow\",\n Action = [\"s3:GetObject\", \"\u0069am:*\"], Resource = \"*\"}]})}"
  }},
  "aws_security_group": {"s": {
    "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                 "cidr_blocks": "${[\"10.0.0.0/8\", \"0.0.0.0/0\"]}"}]
  }},
  "aws_sqs_queue": {"q": {"sqs_managed_sse_enabled": "${false}"}}
}}"#;
    // Only the string that is one `${...}` is an expression; `"café ${...}"` is a string.
    let model = load_str("main.tf.json", src);
    assert!(matches!(
        model
            .get("aws_iam_policy.p")
            .expect("policy")
            .attributes
            .get("policy"),
        Value::String(_) | Value::Unknown
    ));
    let located = located_in("main.tf.json", src);
    // "café ${...}" is not JSON: the IAM rule reports it (a note) on the whole attribute.
    assert!(
        located[0].starts_with("iam-no-wildcard policy @ 4:15 \"caf"),
        "{located:?}"
    );
    assert_eq!(
        located[1..],
        [
            r#"sg-ssh-rdp-open ingress[0].cidr_blocks[1] @ 8:53 \"0.0.0.0/0\""#,
            r#"sqs-encrypted sqs_managed_sse_enabled @ 10:54 "${false}""#,
        ]
    );

    let src = src.replace(r#""caf\u00e9 ${jsonencode"#, r#""${jsonencode"#);
    let found = located_in("main.tf.json", &src);
    assert_eq!(
        found[0], r#"iam-no-wildcard policy.Statement[1].Action[1] @ 4:177 \"\u0069am:*\""#,
        "{found:#?}"
    );
    assert_eq!(found.len(), 3, "{found:#?}");
}

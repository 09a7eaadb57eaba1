//! The HCL front-end on real trees: tfvars, locals, functions, count, for_each, dynamic blocks,
//! local modules, skipped `.terraform/`, and files that do not parse.

use std::path::PathBuf;

use blueprint_lint::frontend::hcl::{load, load_str, LoadOptions};
use blueprint_lint::{lint_paths, path_to_string, LintOptions, Profile, Value};

fn fixture(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/lint-fixtures/frontend")
        .join(p)
}

fn summary(opts: &LintOptions, path: &str) -> Vec<String> {
    let report = lint_paths(&[fixture(path)], opts).expect("loads");
    report
        .findings
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

#[test]
fn evaluates_the_tree() {
    let opts = LintOptions {
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let got = summary(&opts, "tree");
    insta::assert_snapshot!("frontend-tree", got.join("\n"));
    assert!(
        !got.iter().any(|f| f.contains("vendored")),
        ".terraform/ is skipped"
    );
}

#[test]
fn var_overrides_tfvars() {
    let opts = LintOptions {
        profile: Profile::Dev,
        load: LoadOptions {
            vars: vec![("ssh_cidr".into(), "192.168.0.0/16".into())],
            ..LoadOptions::default()
        },
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let got = summary(&opts, "tree");
    assert!(!got.iter().any(|f| f.contains("module.net")), "{got:?}");
}

#[test]
fn model_has_addresses_modules_and_references() {
    let loaded = load(&[fixture("tree")], &LoadOptions::default()).expect("loads");
    assert_eq!(loaded.roots.len(), 1, "modules/net is called, not a root");
    let m = &loaded.roots[0];
    let bastion = m
        .get("module.net.aws_security_group.bastion")
        .expect("module resource");
    assert_eq!(bastion.module_path, vec!["net".to_string()]);
    assert_eq!(
        bastion.attributes.get("name"),
        &Value::Unknown,
        "a template over a variable with no value is unknown"
    );
    let web1 = m.get("aws_security_group.web[1]").expect("count instance");
    assert_eq!(web1.attributes.get("name"), &Value::Unknown);
    assert!(m.get("aws_security_group.web[0]").is_some());
    assert!(m.get("aws_security_group.web[1]").is_some());
    assert!(m.get("aws_security_group.db[\"redis\"]").is_some());
    let from_module = m.get("aws_security_group.from_module").expect("exists");
    let sg = from_module.attributes.get("ingress").at(&[
        blueprint_lint::PathStep::Index(0),
        blueprint_lint::PathStep::attr("security_groups"),
        blueprint_lint::PathStep::Index(0),
    ]);
    let r = sg.as_reference().expect("module output stays a reference");
    assert_eq!(r.address, "module.net.aws_security_group.bastion");
    assert_eq!(
        m.resolve(r).map(|x| x.address.as_str()),
        Some("module.net.aws_security_group.bastion")
    );
}

#[test]
fn a_broken_file_is_reported_and_the_rest_linted() {
    let opts = LintOptions {
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let report = lint_paths(&[fixture("broken")], &opts).expect("loads");
    assert_eq!(report.errors.len(), 1);
    let e = &report.errors[0];
    assert!(e.location.file.ends_with("broken.tf"), "{e:?}");
    assert_eq!(e.location.line, 2, "{e:?}");
    assert!(report.findings.iter().any(|f| f.rule_id == "sns-encrypted"));
}

#[test]
fn unknowns_never_fire() {
    let m = load_str(
        "x.tf",
        r#"
variable "cidr" {}
variable "port" {}
resource "aws_security_group" "a" {
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
resource "aws_db_instance" "d" {
  storage_encrypted   = var.cidr
  publicly_accessible = var.port
  password            = var.cidr
  backup_retention_period = var.port
  deletion_protection     = var.port
  skip_final_snapshot     = var.port
}
"#,
    );
    let f = blueprint_lint::check_model(&m, Profile::Prod);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn garbage_never_panics() {
    for src in [
        "",
        "{",
        "resource",
        "resource \"a\" {",
        "x = [for",
        "x = ${",
        "x = 1 +",
        "a \"b\" \"c\" { d = e.f[g] }",
        "x = \"${\"",
        "locals { a = local.a }",
        "locals { a = local.b\n b = local.a }",
        "module \"m\" { source = \"./\" }",
        "resource \"aws_security_group\" \"x\" { count = -5 }",
        "resource \"aws_security_group\" \"x\" { count = 1e30 }",
        "x = range(1e12)",
        "x = element([], 0)",
        "x = 1 / 0",
        "x = [1][5]",
        "resource \"aws_iam_policy\" \"p\" { policy = \"{not json\" }",
    ] {
        let m = load_str("g.tf", src);
        let _ = blueprint_lint::check_model(&m, Profile::Prod);
    }
}

/// SSH and RDP opened to the world through Terraform's built-in functions (`cidrsubnet`,
/// `slice`, `index`, `setproduct`, `formatlist`, `floor`, `yamldecode`, `regex`,
/// `strcontains`...) are reported; the same shapes on a private range are not. Before the
/// functions were evaluated every one of these values was unknown and nothing was reported.
#[test]
fn open_ssh_built_through_functions_is_reported() {
    let opts = LintOptions {
        today: Some("2026-01-01".into()),
        ..LintOptions::default()
    };
    let mut got = summary(&opts, "functions");
    got.sort();
    assert_eq!(
        got,
        [
            "sg-ssh-rdp-open aws_security_group.product ingress[0].cidr_blocks[0]",
            "sg-ssh-rdp-open aws_security_group.product ingress[1].cidr_blocks[0]",
            "sg-ssh-rdp-open aws_security_group_rule.formatted cidr_blocks[0]",
            "sg-ssh-rdp-open aws_security_group_rule.parsed cidr_blocks[0]",
            "sg-ssh-rdp-open aws_vpc_security_group_ingress_rule.from_yaml[\"22\"] cidr_ipv4",
        ]
    );
}

//! The `blueprint-lint` binary: exit codes, formats, config, var flags.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../terraform/lint-fixtures")
        .join(p)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&[&fixture("sns-encrypted/good")]).status.code(),
        Some(0)
    );
    assert_eq!(run(&[&fixture("sns-encrypted/bad")]).status.code(), Some(1));
    assert_eq!(run(&["/nonexistent/blueprint"]).status.code(), Some(2));
    assert_eq!(run(&["--format", "yaml", "."]).status.code(), Some(2));
    assert_eq!(run(&["--var", "novalue", "."]).status.code(), Some(2));
    assert_eq!(run(&["--profile", "staging", "."]).status.code(), Some(2));
    // A file that does not parse fails the run, and the rest is still linted.
    let o = run(&["--format", "json", &fixture("frontend/broken")]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(j["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(j["findings"][0]["rule_id"], "sns-encrypted");
}

#[test]
fn min_severity_threshold() {
    let bad = fixture("ec2-imdsv2/bad");
    assert_eq!(run(&[&bad]).status.code(), Some(1));
    assert_eq!(
        run(&["--min-severity", "error", &bad]).status.code(),
        Some(0)
    );
}

#[test]
fn text_shows_snippet_and_fix() {
    let o = run(&["--color", "never", &fixture("sg-ssh-rdp-open/bad")]);
    let out = stdout(&o);
    assert!(
        out.contains("warning[sg-ssh-rdp-open]: SSH (22) open to `0.0.0.0/0`"),
        "{out}"
    );
    assert!(out.contains("cidr_blocks = [\"0.0.0.0/0\"]"), "{out}");
    assert!(out.contains("^^^^^^^^^^^"), "{out}");
    assert!(out.contains("fix: Restrict the source"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when not a tty");
}

#[test]
fn machine_formats() {
    let bad = fixture("alb-https/bad");
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--format", "sarif", &bad]))).expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), blueprint_lint::rule_ids().len());
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
    }

    let junit = stdout(&run(&["--format", "junit", &bad]));
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert_eq!(junit.matches("<failure").count(), 3, "{junit}");

    let gh = stdout(&run(&["--format", "github", &bad]));
    assert_eq!(gh.lines().count(), 3);
    assert!(gh
        .lines()
        .all(|l| l.starts_with("::error file=") && l.contains(",title=alb-https::")));

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--format", "json", &bad]))).expect("json");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(3));
}

#[test]
fn config_file_disables_and_overrides() {
    let dir = std::env::temp_dir().join(format!("blueprint-lint-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let cfg = dir.join("cfg.toml");
    std::fs::write(&cfg, "[rules]\ndisable = [\"sns-encrypted\"]\n").expect("write");
    let bad = fixture("sns-encrypted/bad");
    let cfg_s = cfg.display().to_string();
    assert_eq!(run(&["--config", &cfg_s, &bad]).status.code(), Some(0));
    std::fs::write(&cfg, "[severity]\nec2-imdsv2 = \"error\"\n").expect("write");
    let o = run(&[
        "--config",
        &cfg_s,
        "--min-severity",
        "error",
        &fixture("ec2-imdsv2/bad"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(&cfg, "[rules]\ndisable = [\"no-such-rule\"]\n").expect("write");
    assert_eq!(run(&["--config", &cfg_s, &bad]).status.code(), Some(2));
    std::fs::write(&cfg, "exclude = [\"**/bad/**\"]\n").expect("write");
    // Everything excluded: nothing is linted, which is a usage error unless allowed.
    let o = run(&["--config", &cfg_s, &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("excluded by the config"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        run(&["--config", &cfg_s, "--allow-empty", &bad])
            .status
            .code(),
        Some(0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn var_and_var_file_flags() {
    let tree = fixture("frontend/tree");
    let o = run(&["--format", "json", "--var", "ssh_cidr=10.1.0.0/16", &tree]);
    assert!(
        !stdout(&o).contains("module.net"),
        "--var wins over terraform.tfvars"
    );
    let dir = std::env::temp_dir().join(format!("blueprint-lint-vf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let vf = dir.join("x.tfvars");
    std::fs::write(&vf, "ssh_cidr = \"10.2.0.0/16\"\n").expect("write");
    let o = run(&[
        "--format",
        "json",
        "--var-file",
        &vf.display().to_string(),
        &tree,
    ]);
    assert!(
        !stdout(&o).contains("module.net"),
        "--var-file wins over terraform.tfvars"
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        run(&["--var-file", "/nonexistent.tfvars", &tree])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn list_rules() {
    let o = run(&["--list-rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), blueprint_lint::rule_ids().len());
}

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["plan", "--help"][..]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let out = stdout(&o);
        let codes = out.split("Exit codes:").nth(1).unwrap_or_default();
        for code in ["0  clean", "1  findings", "2  usage error"] {
            assert!(codes.contains(code), "{args:?} lacks `{code}`:\n{out}");
        }
        assert!(codes.contains("cannot be read"), "{out}");
    }
}

/// A binary file named `.tf`: the parse error's snippet shows its bytes escaped, never raw
/// (a NUL, a bell or an escape sequence reaching the terminal).
#[test]
fn a_binary_tf_file_is_shown_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("blob.tf"),
        b"\x7fELF\x02\x01\x01\x00\x00\x07\x07 = \x1b[2J\x1b[31m\xff\xfe\x00\n",
    )
    .expect("write");
    let o = run(&["--color", "never", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "a file that does not parse");
    let out = stdout(&o);
    let raw: Vec<u8> = o
        .stdout
        .iter()
        .copied()
        .filter(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f)
        .collect();
    assert!(raw.is_empty(), "raw control bytes {raw:?} in:\n{out}");
    assert!(out.contains("error: parse error"), "{out}");
    assert!(
        out.contains(r"\u{7f}ELF\u{2}\u{1}\u{1}\u{0}\u{0}\u{7}\u{7}"),
        "{out}"
    );
    assert!(out.contains(r"\u{1b}[2J\u{1b}[31m"), "{out}");
    // The caret still points at the byte the parser stopped at, moved with the escapes.
    let snippet = out
        .lines()
        .find(|l| l.contains("ELF"))
        .expect("snippet line");
    let caret = out
        .lines()
        .skip_while(|l| !l.contains("ELF"))
        .nth(1)
        .expect("caret line");
    let at = caret.find('^').expect("caret");
    assert!(snippet[at..].starts_with(r"\u{7f}"), "{snippet}\n{caret}");
}

#[test]
fn a_directory_without_terraform_files_is_a_usage_error_unless_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("README.md"), "# not Terraform\n").expect("write");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    let path = dir.path().display().to_string();
    let o = run(&[&path]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "no Terraform files (.tf, .tf.json, .tfvars, .tfvars.json) in {path}"
        )),
        "{err}"
    );
    assert!(err.contains("--allow-empty"), "{err}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let o = run(&["--allow-empty", "--format", "json", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(j["findings"].as_array().map(Vec::len), Some(0));
}

/// A file and a subdirectory that cannot be read: both reported, the readable rest linted,
/// exit 2 (I/O error). Root reads through `chmod 000`, so as root the linter runs as `nobody`
/// (a copy of the binary in a directory `nobody` can reach).
#[test]
fn unreadable_file_and_subdirectory_are_reported_and_the_rest_is_linted() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;

    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod")
    };
    let dir = tempfile::tempdir().expect("temp dir");
    mode(dir.path(), 0o755);
    let tree = dir.path().join("tree");
    for sub in ["ok", "locked"] {
        std::fs::create_dir_all(tree.join(sub)).expect("mkdir");
    }
    std::fs::copy(
        fixture("sns-encrypted/bad/main.tf"),
        tree.join("ok/main.tf"),
    )
    .expect("copy the fixture");
    std::fs::write(tree.join("locked/main.tf"), "locals {}\n").expect("write");
    std::fs::write(tree.join("secret.tf"), "locals {}\n").expect("write");
    mode(&tree.join("locked"), 0o000);
    mode(&tree.join("secret.tf"), 0o000);

    let bin = dir.path().join("blueprint-lint");
    std::fs::copy(env!("CARGO_BIN_EXE_blueprint-lint"), &bin).expect("copy the binary");
    mode(&bin, 0o755);
    let mut cmd = Command::new(&bin);
    cmd.args(["--color", "never", &tree.display().to_string()])
        .env("NO_COLOR", "1");
    let root = std::fs::metadata(dir.path()).expect("stat").uid() == 0;
    if root {
        cmd.uid(65534).gid(65534); // nobody: chmod 000 applies
    }
    let o = cmd.output().expect("runs");
    mode(&tree.join("locked"), 0o755); // so the temp dir can be removed
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(
        out.contains("error: cannot read directory: Permission denied"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}:1:1", tree.join("locked").display())),
        "{out}"
    );
    assert!(
        out.contains("error: cannot read file: Permission denied"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}:1:1", tree.join("secret.tf").display())),
        "{out}"
    );
    assert!(
        out.contains("error[sns-encrypted]"),
        "the rest is linted:\n{out}"
    );
}

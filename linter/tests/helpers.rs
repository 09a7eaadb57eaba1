//! The two helpers that used to be hand-written: `exclude` globs (now `globset`) and suppression
//! expiry dates (now real dates: a bad one is an error at its file and line).

use std::path::PathBuf;

use blueprint_lint::frontend::hcl::LoadOptions;
use blueprint_lint::{lint_paths, LintOptions};

fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp dir");
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    tmp
}

const TOPIC: &str = "resource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n";

fn lint(dir: &std::path::Path, exclude: &[&str], today: &str) -> blueprint_lint::LintReport {
    let opts = LintOptions {
        today: Some(today.into()),
        load: LoadOptions {
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            ..LoadOptions::default()
        },
        ..LintOptions::default()
    };
    lint_paths(&[PathBuf::from(dir)], &opts).expect("lints")
}

#[test]
fn a_suppression_with_a_date_in_another_order_is_an_error_and_suppresses_nothing() {
    let src =
        "# blueprint:ignore=sns-encrypted legacy topic [exp:31/12/2020]\n".to_string() + TOPIC;
    let tmp = write_tree(&[("main.tf", &src)]);
    let report = lint(tmp.path(), &[], "2026-01-01");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert!(e.location.file.ends_with("main.tf"), "{e:?}");
    assert_eq!((e.location.line, e.location.col), (1, 3));
    assert!(e.message.contains("31/12/2020"), "{}", e.message);
    assert!(e.message.contains("YYYY-MM-DD"), "{}", e.message);
    // The string comparison used to read "31/12/2020" > "2026-01-01" and suppress forever.
    let ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["sns-encrypted"]);
}

#[test]
fn a_day_the_month_does_not_have_is_an_error() {
    let src = "# blueprint:ignore=sns-encrypted x [exp:2026-02-30]\n".to_string() + TOPIC;
    let tmp = write_tree(&[("main.tf", &src)]);
    let report = lint(tmp.path(), &[], "2026-01-01");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].message.contains("2026-02-30"));
}

#[test]
fn valid_dates_compare_as_dates() {
    let src = "# blueprint:ignore=sns-encrypted x [exp:2026-03-01]\n".to_string() + TOPIC;
    let tmp = write_tree(&[("main.tf", &src)]);
    let before = lint(tmp.path(), &[], "2026-02-28");
    assert!(
        before.errors.is_empty() && before.findings.is_empty(),
        "{before:?}"
    );
    let on_the_day = lint(tmp.path(), &[], "2026-03-01");
    assert!(on_the_day.findings.is_empty(), "{on_the_day:?}");
    let after = lint(tmp.path(), &[], "2026-03-02");
    let ids: Vec<&str> = after.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["suppression-expired", "sns-encrypted"]);
}

#[test]
fn exclude_globs_skip_what_they_name() {
    let tmp = write_tree(&[
        ("live/main.tf", TOPIC),
        ("legacy/old/main.tf", TOPIC),
        ("modules/zz/main.tf", TOPIC),
    ]);
    let files = |exclude: &[&str]| {
        let mut f: Vec<String> = lint(tmp.path(), exclude, "2026-01-01")
            .findings
            .iter()
            .filter_map(|f| f.location.as_ref())
            .map(|l| {
                l.file
                    .rsplit_once(&*tmp.path().display().to_string())
                    .map(|(_, rest)| rest.trim_start_matches('/').to_string())
                    .unwrap_or_default()
            })
            .collect();
        f.sort();
        f
    };
    assert_eq!(files(&[]).len(), 3);
    assert_eq!(files(&["legacy"]), ["live/main.tf", "modules/zz/main.tf"]);
    assert_eq!(
        files(&["**/old/*.tf"]),
        ["live/main.tf", "modules/zz/main.tf"]
    );
    // The pattern that made the old matcher backtrack for tens of seconds.
    assert_eq!(
        files(&["**/**/**/**/**/**/**/zz"]),
        ["legacy/old/main.tf", "live/main.tf"]
    );
    assert_eq!(
        files(&["**/**/**/**/**/**/**/zz/**"]),
        ["legacy/old/main.tf", "live/main.tf"]
    );
}

#[test]
fn an_invalid_exclude_glob_is_an_error() {
    let tmp = write_tree(&[("main.tf", TOPIC)]);
    let opts = LintOptions {
        load: LoadOptions {
            exclude: vec!["a/[b".into()],
            ..LoadOptions::default()
        },
        ..LintOptions::default()
    };
    let err = lint_paths(&[tmp.path().to_path_buf()], &opts).expect_err("invalid glob");
    assert!(err.to_string().contains("a/[b"), "{err}");
}

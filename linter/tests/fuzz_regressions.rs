//! Inputs in the shapes that stress a recursive-descent front-end (deep nesting, long operator
//! and reference chains, values that double at each step, huge counts and ranges), and every
//! input the libFuzzer targets in `linter/fuzz` ever crashed on (`tests/fuzz-regressions/TARGET/`,
//! replayed as the target reads it). Each one gives findings or a located load error, never a
//! panic or a stack overflow, and in bounded time: on a thread with the 2 MiB stack of a rayon
//! worker (the CLI loads files on rayon's pool) and through `lint_paths` itself.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use blueprint_lint::frontend::hcl::load_str;
use blueprint_lint::{check_model, lint_paths, LintOptions, Profile, SourceLocation};

/// Generated pathological inputs: `(name, file name, text)`.
fn pathological() -> Vec<(&'static str, &'static str, String)> {
    let n = 5_000;
    let locals = |f: &dyn Fn(usize) -> String| {
        let mut s = String::from("locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n");
        for i in 0..40 {
            s.push_str(&format!("  a{} = {}\n", i + 1, f(i)));
        }
        s + "}\n"
    };
    vec![
        (
            "deep list",
            "t.tf",
            format!("a = {}{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "deep parens",
            "t.tf",
            format!("a = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "deep object",
            "t.tf",
            format!("a = {}1{}\n", "{a=".repeat(n), "}".repeat(n)),
        ),
        (
            "deep calls",
            "t.tf",
            format!("a = {}[]{}\n", "tolist(".repeat(n), ")".repeat(n)),
        ),
        (
            "deep conditional",
            "t.tf",
            format!("a = {}1{}\n", "true ? ".repeat(n), " : 2".repeat(n)),
        ),
        (
            "deep template",
            "t.tf",
            format!("a = \"{}x{}\"\n", "${\"".repeat(n), "\"}".repeat(n)),
        ),
        (
            "deep for",
            "t.tf",
            format!(
                "a = {}x{}\n",
                "[for x in [1] : ".repeat(n / 5),
                "]".repeat(n / 5)
            ),
        ),
        (
            "deep blocks",
            "t.tf",
            format!(
                "resource \"aws_s3_bucket\" \"b\" {{\n{}{}}}\n",
                "x {\n".repeat(n),
                "}\n".repeat(n)
            ),
        ),
        ("long sum", "t.tf", format!("a = 1{}\n", "+1".repeat(n * 4))),
        (
            "long unary",
            "t.tf",
            format!("a = {}true\n", "!".repeat(n * 4)),
        ),
        (
            "long attribute chain",
            "t.tf",
            format!("a = b{}\n", ".c".repeat(n * 4)),
        ),
        (
            "long index chain",
            "t.tf",
            format!("a = b{}\n", "[0]".repeat(n * 4)),
        ),
        (
            "long local chain",
            "t.tf",
            format!(
                "locals {{\n{}}}\nresource \"aws_s3_bucket\" \"b\" {{ bucket = local.l0 }}\n",
                (0..n)
                    .map(|i| format!("l{i} = local.l{}\n", i + 1))
                    .collect::<String>()
            ),
        ),
        (
            "doubling concat",
            "t.tf",
            locals(&|i| format!("concat(local.a{i}, local.a{i})")),
        ),
        (
            "doubling template",
            "t.tf",
            locals(&|i| format!("\"${{local.a{i}}}${{local.a{i}}}\"")),
        ),
        (
            "doubling join",
            "t.tf",
            locals(&|i| format!("join(local.a{i}, [local.a{i}, local.a{i}])")),
        ),
        (
            "huge count",
            "t.tf",
            "locals { r = range(1000000000) }\n\
             resource \"aws_s3_bucket\" \"b\" { count = length(local.r) }\n\
             resource \"aws_s3_bucket\" \"c\" { count = 1000000000 }\n"
                .to_string(),
        ),
        (
            "huge format width",
            "t.tf",
            "locals { a = format(\"%999999999d\", 1) }\n".to_string(),
        ),
        // hcl-edit reports an error at the end of input at the last byte, here inside `é`.
        (
            "error at the end of a character",
            "t.tf",
            "a = \"caf\u{e9}".to_string(),
        ),
        (
            "deep JSON",
            "t.tf.json",
            format!(
                "{{\"locals\": {{\"a\": {}1{}}}}}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "deep JSON template",
            "t.tf.json",
            format!(
                "{{\"locals\": {{\"a\": \"${{{}{}}}\"}}}}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
    ]
}

/// A location lies inside `text`, on character boundaries (as the fuzz targets check).
fn check_location(loc: &SourceLocation, text: &str) {
    assert!(
        loc.start_byte <= loc.end_byte && loc.end_byte <= text.len(),
        "{loc:?}"
    );
    assert!(
        text.is_char_boundary(loc.start_byte) && text.is_char_boundary(loc.end_byte),
        "{loc:?}"
    );
}

/// What the fuzz targets do with an input, on a thread with a rayon worker's stack.
fn replay(name: &str, file: &'static str, text: String) -> Duration {
    let started = Instant::now();
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let model = load_str(file, &text);
            for e in &model.errors {
                check_location(&e.location, &text);
            }
            let findings = check_model(&model, Profile::Prod);
            for loc in findings.iter().filter_map(|f| f.location.as_ref()) {
                check_location(loc, &text);
            }
            findings.len()
        })
        .expect("spawns");
    if worker.join().is_err() {
        panic!("{name}: panicked");
    }
    started.elapsed()
}

#[test]
fn pathological_inputs_load_or_fail_cleanly() {
    for (name, file, text) in pathological() {
        let took = replay(name, file, text);
        assert!(took < Duration::from_secs(20), "{name}: {took:?}");
    }
}

#[test]
fn pathological_inputs_through_lint_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, (_, file, text)) in pathological().into_iter().enumerate() {
        let sub = dir.path().join(format!("m{i}"));
        std::fs::create_dir(&sub).expect("mkdir");
        std::fs::write(sub.join(file), text).expect("write");
    }
    let report = lint_paths(&[dir.path().to_path_buf()], &LintOptions::default()).expect("lints");
    // Every error is located in its file.
    for e in &report.errors {
        let f = &report.files.get(&e.location.file);
        assert!(
            f.is_none_or(|f| e.location.end_byte <= f.source.len()),
            "{e:?}"
        );
    }
}

/// The inputs the libFuzzer targets crashed on, each named after the target that found it.
fn found_by_fuzzing() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut out = Vec::new();
    for target in ["frontend", "frontend_json"] {
        let Ok(rd) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        out.extend(files.into_iter().map(|p| (target.to_string(), p)));
    }
    out
}

#[test]
fn inputs_found_by_fuzzing_load_or_fail_cleanly() {
    for (target, path) in found_by_fuzzing() {
        let data = std::fs::read(&path).expect("reads");
        // As `fuzz/fuzz_targets/{frontend,frontend_json}.rs` name them.
        let (file, data): (&'static str, &[u8]) = match (target.as_str(), data.split_first()) {
            ("frontend_json", Some((&sel, rest))) if sel & 1 == 0 => ("fuzz.tf.json", rest),
            ("frontend_json", Some((_, rest))) => ("fuzz.tfvars.json", rest),
            _ if String::from_utf8_lossy(&data).trim_start().starts_with('{') => {
                ("fuzz.tf.json", &data[..])
            }
            _ => ("fuzz.tf", &data[..]),
        };
        let took = replay(
            &path.display().to_string(),
            file,
            String::from_utf8_lossy(data).into_owned(),
        );
        assert!(
            took < Duration::from_secs(20),
            "{}: {took:?}",
            path.display()
        );
    }
}

/// Found by `frontend_json`: a `#` inside `"${...}"` comments out the rest of the generated
/// line, and the parse error, at the start of the attribute in the generated text, was placed in
/// the JSON by extrapolating from the block's label, inside a replacement character. It now
/// points at the attribute's key.
#[test]
fn a_parse_error_in_a_json_template_points_at_the_attribute_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions/frontend_json/parse-error-offset-inside-a-character");
    let data = std::fs::read(path).expect("reads");
    let text = String::from_utf8_lossy(&data[1..]).into_owned();
    let model = load_str("main.tf.json", &text);
    assert_eq!(model.errors.len(), 1, "{:?}", model.errors);
    let loc = &model.errors[0].location;
    check_location(loc, &text);
    assert_eq!(&text[loc.start_byte..loc.start_byte + 6], "\"name\"");
    assert_eq!((loc.line, loc.col), (4, 33));
}

//! Any input gives findings or a load error, never a panic: parse (native or JSON syntax),
//! evaluate, run every rule and render every output format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    // Inputs that start like a JSON object go through the JSON-syntax front-end.
    let name = if source.trim_start().starts_with('{') {
        "fuzz.tf.json"
    } else {
        "fuzz.tf"
    };
    let model = blueprint_lint::frontend::hcl::load_str(name, &source);
    let findings = blueprint_lint::check_model(&model, blueprint_lint::Profile::Prod);
    let report = blueprint_lint::LintReport {
        findings,
        errors: model.errors.clone(),
        ..Default::default()
    };
    let _ = blueprint_lint::report::sarif::render(&report);
    let _ = blueprint_lint::report::text::render(&report, false);
});

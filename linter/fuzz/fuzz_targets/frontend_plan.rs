//! The plan front-end: any bytes as `terraform show -json` output. A plan that parses is
//! checked by every rule (prod profile); anything else must be a `PlanError`, never a panic.
#![no_main]

use blueprint_lint::{check_model, frontend::plan, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match plan::parse(data, "fuzz.plan.json") {
        Ok(loaded) => {
            let _ = check_model(&loaded.model, Profile::Prod);
        }
        Err(e) => {
            // Every error names the file.
            assert!(e.to_string().contains("fuzz.plan.json"), "{e}");
        }
    }
});

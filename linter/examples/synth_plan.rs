//! Writes to stdout the plan JSON that `terraform show -json` would print for creating
//! everything in the root module DIR (see `blueprint_lint::frontend::plan::synth`): for
//! configurations whose providers are not available offline. Not a real plan.
//!
//! `cargo run -p blueprint-lint --example synth_plan -- DIR [FORMAT_VERSION] > plan.json`

use std::path::PathBuf;
use std::process::ExitCode;

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::frontend::plan::synth::{plan_json, SynthOptions};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: synth_plan DIR [FORMAT_VERSION]");
        return ExitCode::from(2);
    };
    let mut opts = SynthOptions::default();
    if let Some(v) = args.next() {
        opts.format_version = v;
    }
    let loaded = match load(std::slice::from_ref(&dir), &LoadOptions::default()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("synth_plan: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(model) = loaded.roots.first() else {
        eprintln!("synth_plan: no root module in {}", dir.display());
        return ExitCode::from(2);
    };
    match serde_json::to_string_pretty(&plan_json(model, &opts)) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth_plan: {e}");
            ExitCode::from(2)
        }
    }
}

//! Writes `docs/rules/*.md` from each rule's metadata and fixtures
//! (`blueprint_lint::rules::docs::render`), and removes pages of rules that no longer exist.
//!
//! `cargo run -p blueprint-lint --example rule_docs [DOCS_DIR]` (default: the repository's
//! `docs/rules`).

use std::path::PathBuf;
use std::process::ExitCode;

use blueprint_lint::rules::docs;

fn main() -> ExitCode {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("docs/rules"));
    let pages = match docs::render(&repo.join("terraform/lint-fixtures")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rule_docs: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("rule_docs: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let names: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(&out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !names.contains(&name.as_str()) {
                if let Err(err) = std::fs::remove_file(e.path()) {
                    eprintln!("rule_docs: {}: {err}", e.path().display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    for p in &pages {
        let path = out.join(&p.name);
        if let Err(e) = std::fs::write(&path, &p.text) {
            eprintln!("rule_docs: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("rule_docs: {} pages in {}", pages.len(), out.display());
    ExitCode::SUCCESS
}

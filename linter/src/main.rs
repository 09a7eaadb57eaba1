//! `blueprint-lint` command line. Exit codes: 0 clean, 1 findings at or above the threshold
//! (or files that do not parse), 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use blueprint_lint::config::Config;
use blueprint_lint::frontend::hcl::LoadOptions;
use blueprint_lint::report::{self, Format};
use blueprint_lint::{lint_paths, LintOptions, Profile, Severity};
use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lints Terraform code against the Blueprint policy rules (no `terraform init`, no network).
#[derive(Debug, Parser)]
#[command(name = "blueprint-lint", version, about)]
struct Cli {
    /// Files or directories to lint (default: the current directory).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Sizing profile (seed 001's table): `prod` turns on the prod-only rules.
    #[arg(long, value_parser = parse_profile)]
    profile: Option<Profile>,
    /// Lowest severity that is reported and fails the run.
    #[arg(long, value_parser = parse_severity)]
    min_severity: Option<Severity>,
    /// Config file (default: `.blueprint-lint.toml` if it exists).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Variable file (tfvars), applied after the root module's own tfvars. Repeatable.
    #[arg(long = "var-file")]
    var_files: Vec<PathBuf>,
    /// Variable value `NAME=VALUE`. Repeatable.
    #[arg(long = "var", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// List the rules and exit.
    #[arg(long)]
    list_rules: bool,
    /// Print files/s, MB/s and peak RSS to stderr.
    #[arg(long)]
    stats: bool,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("blueprint-lint: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    if cli.list_rules {
        for r in blueprint_lint::rules::registry() {
            let m = r.meta();
            let prod = if m.prod_only { " (prod)" } else { "" };
            println!("{:<30} {:<8} {}{prod}", m.id, m.severity, m.description);
        }
        return Ok(0);
    }
    let config = match &cli.config {
        Some(p) => Config::load(p).map_err(|e| e.to_string())?,
        None => {
            let default = PathBuf::from(".blueprint-lint.toml");
            if default.is_file() {
                Config::load(&default).map_err(|e| e.to_string())?
            } else {
                Config::default()
            }
        }
    };
    let paths = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let profile = cli.profile.or(config.profile).unwrap_or_default();
    let min = cli
        .min_severity
        .or(config.min_severity)
        .unwrap_or(Severity::Info);
    let opts = LintOptions {
        profile,
        load: LoadOptions {
            var_files: cli.var_files.clone(),
            vars: cli.vars.clone(),
            exclude: config.exclude.clone(),
        },
        config,
        today: None,
    };
    let started = std::time::Instant::now();
    let mut report = lint_paths(&paths, &opts).map_err(|e| e.to_string())?;
    if cli.stats {
        print_stats(&report, started.elapsed());
    }
    report.findings.retain(|f| f.severity >= min);
    let color = match cli.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let out = match cli.format {
        Format::Text => report::text::render(&report, color),
        Format::Json => report::json::render(&report),
        Format::Sarif => report::sarif::render(&report),
        Format::Junit => report::junit::render(&report),
        Format::Github => report::github::render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.to_string());
        }
    }
    Ok(if report.findings.is_empty() && report.errors.is_empty() {
        0
    } else {
        1
    })
}

fn print_stats(report: &blueprint_lint::LintReport, elapsed: std::time::Duration) {
    let files = report.files.len();
    let bytes: usize = report.files.values().map(|f| f.source.len()).sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".to_string());
    eprintln!(
        "stats: {files} files, {:.2} MB, {} resources, {} findings in {:.3} s: {:.0} files/s, {:.1} MB/s, peak RSS {rss}",
        bytes as f64 / 1e6,
        report.resources,
        report.findings.len(),
        secs,
        files as f64 / secs,
        bytes as f64 / 1e6 / secs,
    );
}

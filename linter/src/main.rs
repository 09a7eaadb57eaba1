//! `blueprint-lint` command line. Exit codes: 0 clean, 1 findings at or above the threshold
//! (or files that do not parse, module cycles), 2 usage or I/O error, 3 no findings but part of
//! the input was not checked (unless `--allow-unchecked`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use blueprint_lint::baseline::Baseline;
use blueprint_lint::config::Config;
use blueprint_lint::frontend::hcl::LoadOptions;
use blueprint_lint::report::{self, Format};
use blueprint_lint::{lint_paths, lint_plan, LintOptions, LintReport, Profile, Severity};
use clap::{Args, Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lints Terraform code against the Blueprint policy rules (no `terraform init`, no network),
/// or checks a plan with the same rules (`blueprint-lint plan PLAN.json`).
#[derive(Debug, Parser)]
#[command(
    name = "blueprint-lint",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files or directories to lint (default: the current directory). A `.json` file that holds
    /// a plan (`terraform show -json` output) is checked as a plan.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    opts: Opts,
}

/// The exit codes, for `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  clean: no finding at or above --min-severity, and everything given was checked
  1  findings at or above --min-severity, or files that do not parse, or module cycles (the
     rest is still linted)
  2  usage error; no Terraform file found (unless --allow-empty); I/O error: a file or
     directory that cannot be read (reported, the rest is still linted), a missing path
  3  incomplete: no finding, but part of the input was read and not checked (listed as
     `not-checked` with file, line and reason, and counted in the summary line: an expression
     or function call that could not be evaluated, file() of a missing file, instances past
     the count/for_each limit, modules nested too deep); --allow-unchecked exits 0 instead";

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a plan: the output of `terraform show -json PLANFILE` (format 0.x and 1.x).
    #[command(after_help = EXIT_CODES)]
    Plan {
        /// The plan JSON file.
        plan: PathBuf,
        #[command(flatten)]
        opts: Opts,
    },
    /// Draw what the configuration builds: the internet, load balancers and listeners, compute
    /// and data stores, with security-group and listener edges; edges and nodes with findings
    /// carry the rule ids. PATH is a directory, a file or a plan JSON.
    Graph {
        /// Files, directories or a plan JSON (default: the current directory).
        paths: Vec<PathBuf>,
        /// Output format: mermaid (renders on GitHub), dot or json.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: blueprint_lint::graph::GraphFormat,
        /// Sizing profile of the rules whose findings are drawn.
        #[arg(long, value_parser = parse_profile)]
        profile: Option<Profile>,
        /// Variable file (tfvars). Repeatable.
        #[arg(long = "var-file")]
        var_files: Vec<PathBuf>,
        /// Variable value `NAME=VALUE`. Repeatable.
        #[arg(long = "var", value_parser = parse_var)]
        vars: Vec<(String, String)>,
    },
}

#[derive(Debug, Args)]
struct Opts {
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
    /// Plans: the root module directory the plan was made from, so findings point at HCL lines
    /// (else they name resource addresses).
    #[arg(long)]
    config_dir: Option<PathBuf>,
    /// Report only findings not in this baseline file (matched by rule, resource address and
    /// fingerprint, not by line).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write every current finding to the `--baseline` file and exit 0.
    #[arg(long, requires = "baseline")]
    write_baseline: bool,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// Exit 0 when the paths hold no Terraform file (`.tf`, `.tf.json`, `.tfvars`,
    /// `.tfvars.json`); without it that is a usage error (exit 2), usually a wrong directory.
    #[arg(long)]
    allow_empty: bool,
    /// Exit 0 rather than 3 when there is no finding but part of the input was not checked
    /// (the `not-checked` notes are still reported and counted).
    #[arg(long)]
    allow_unchecked: bool,
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
    let (plans, paths, opts) = match cli.command {
        Some(Command::Plan { plan, opts }) => (vec![plan], Vec::new(), opts),
        Some(Command::Graph {
            mut paths,
            format,
            profile,
            var_files,
            vars,
        }) => {
            if paths.is_empty() {
                paths.push(PathBuf::from("."));
            }
            let load = LoadOptions {
                var_files,
                vars,
                ..LoadOptions::default()
            };
            let (out, errors) =
                blueprint_lint::graph::output(&paths, &load, profile.unwrap_or_default(), format)
                    .map_err(|e| e.to_string())?;
            for e in &errors {
                eprintln!(
                    "blueprint-lint: {}:{}:{}: {}",
                    e.location.file, e.location.line, e.location.col, e.message
                );
            }
            print!("{out}");
            return Ok(u8::from(!errors.is_empty()));
        }
        None => {
            let (plans, mut paths): (Vec<PathBuf>, Vec<PathBuf>) =
                cli.paths.into_iter().partition(|p| is_plan_file(p));
            if paths.is_empty() && plans.is_empty() {
                paths.push(PathBuf::from("."));
            }
            (plans, paths, cli.opts)
        }
    };
    if opts.list_rules {
        for r in blueprint_lint::rules::registry() {
            let m = r.meta();
            let prod = if m.prod_only { " (prod)" } else { "" };
            println!("{:<30} {:<8} {}{prod}", m.id, m.severity, m.description);
        }
        return Ok(0);
    }
    let config = match &opts.config {
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
    let profile = opts.profile.or(config.profile).unwrap_or_default();
    let min = opts
        .min_severity
        .or(config.min_severity)
        .unwrap_or(Severity::Info);
    let lint_opts = LintOptions {
        profile,
        load: LoadOptions {
            var_files: opts.var_files.clone(),
            vars: opts.vars.clone(),
            exclude: config.exclude.clone(),
        },
        config,
        today: None,
    };
    let started = std::time::Instant::now();
    let mut report = LintReport::default();
    if !paths.is_empty() {
        report = lint_paths(&paths, &lint_opts).map_err(|e| e.to_string())?;
        if report.files.is_empty() && report.errors.is_empty() && !opts.allow_empty {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            let excluded = if lint_opts.load.exclude.is_empty() {
                ""
            } else {
                " (or all are excluded by the config's `exclude`)"
            };
            return Err(format!(
                "no Terraform files (.tf, .tf.json, .tfvars, .tfvars.json) in {}{excluded}; \
                 pass --allow-empty if that is expected",
                report::visible::escape(&shown.join(", "))
            ));
        }
    }
    let mut plan_bytes = 0;
    for plan in &plans {
        plan_bytes += std::fs::metadata(plan).map(|m| m.len()).unwrap_or(0);
        let r =
            lint_plan(plan, opts.config_dir.as_deref(), &lint_opts).map_err(|e| e.to_string())?;
        report.merge(r);
    }
    if opts.stats {
        print_stats(&report, plan_bytes, started.elapsed());
    }
    report.findings.retain(|f| f.severity >= min);
    if let Some(path) = &opts.baseline {
        if opts.write_baseline {
            Baseline::from_findings(&report.findings)
                .save(path)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "blueprint-lint: wrote {} finding(s) to {}",
                report.findings.len(),
                path.display()
            );
            return Ok(0);
        }
        let baseline = Baseline::load(path).map_err(|e| e.to_string())?;
        let (fresh, matched) = baseline.filter(std::mem::take(&mut report.findings));
        report.findings = fresh;
        if matched > 0 {
            report.notices.push(format!(
                "{matched} finding(s) in the baseline {} not reported",
                path.display()
            ));
        }
    }
    for n in &report.notices {
        eprintln!("blueprint-lint: note: {n}");
    }
    let color = match opts.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let out = match opts.format {
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
    // A file or directory that cannot be read is an I/O error (2), even though the rest was
    // linted and reported; a file that does not parse fails like a finding (1); a clean run
    // that checked less than it was given is incomplete (3).
    Ok(if report.errors.iter().any(|e| e.is_io()) {
        2
    } else if !(report.findings.is_empty() && report.errors.is_empty()) {
        1
    } else if !report.unchecked.is_empty() && !opts.allow_unchecked {
        3
    } else {
        0
    })
}

/// A `.json` file that is not Terraform configuration (`.tf.json`) or variables
/// (`.tfvars.json`): the only JSON the linter reads besides those is a plan, so it is read as
/// one (and is reported clearly if it is not).
fn is_plan_file(p: &std::path::Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".json")
        && !name.ends_with(".tf.json")
        && !name.ends_with(".tfvars.json")
        && p.is_file()
}

fn print_stats(report: &LintReport, plan_bytes: u64, elapsed: std::time::Duration) {
    let files = report.files.len();
    let bytes: usize =
        report.files.values().map(|f| f.source.len()).sum::<usize>() + plan_bytes as usize;
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

//! `blueprint-install [--binary PATH] [--mirror DIR] [--cli-config FILE]`: put the built plugin
//! into a filesystem mirror and write the Terraform CLI config that uses it.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: blueprint-install [--binary PATH] [--mirror DIR] [--cli-config FILE]

Puts the built terraform-provider-blueprint into a Terraform filesystem mirror and writes a CLI
config that takes blueprint-iac/* from it (then: export TF_CLI_CONFIG_FILE=FILE).

  --binary PATH       the plugin to install (default: the one built in $CARGO_TARGET_DIR)
  --mirror DIR        the mirror (default: .blueprint/mirror in the workspace)
  --cli-config FILE   the CLI config to write (default: .blueprint/terraform.rc)
  -h, --help          this help

Exit codes: 0 installed, 1 installing failed, 2 usage error or no plugin binary.";

fn main() -> ExitCode {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = blueprint_e2e::paths::workspace_root();
    let mut binary = None;
    let mut mirror = root.join(".blueprint/mirror");
    let mut cli_config = root.join(".blueprint/terraform.rc");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--binary", Some(v)) => binary = Some(PathBuf::from(v)),
            ("--mirror", Some(v)) => mirror = PathBuf::from(v),
            ("--cli-config", Some(v)) => cli_config = PathBuf::from(v),
            _ => {
                eprintln!("blueprint-install: unexpected `{arg}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let binary = match binary
        .map(Ok)
        .unwrap_or_else(blueprint_e2e::paths::provider_binary)
    {
        Ok(b) => b,
        Err(err) => {
            eprintln!("blueprint-install: {err:#}");
            return ExitCode::from(2);
        }
    };
    match blueprint_e2e::mirror::install(&binary, &mirror, &cli_config) {
        Ok(installed) => {
            println!("installed {}", installed.binary.display());
            println!(
                "export TF_CLI_CONFIG_FILE={}",
                installed.cli_config.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("blueprint-install: {err:#}");
            ExitCode::FAILURE
        }
    }
}

//! `blueprint-install [--binary PATH] [--mirror DIR] [--cli-config FILE]`: put the built plugin
//! into a filesystem mirror and write the Terraform CLI config that uses it.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
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
                eprintln!(
                    "usage: blueprint-install [--binary PATH] [--mirror DIR] [--cli-config FILE]"
                );
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

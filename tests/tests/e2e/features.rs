//! One compile of the dependencies for `cargo build` and `cargo test`: every package resolves the
//! same features whether dev-dependencies take part (`cargo test`) or not (`cargo build`). A
//! package whose features differ is compiled twice, once per command, and so is everything that
//! depends on it (that is how a dev-dependency turning on `serde_json/float_roundtrip` made every
//! AWS SDK crate compile twice on a clean clone).
//!
//! `cargo tree --workspace` is asked for the features of each package with normal and build
//! dependencies only, and with the default edges (dev-dependencies too); the two must agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Package (`name vX.Y.Z (source)`) to the feature lists it resolves to (a package built for
/// the host and for the target can appear with two).
type Features = BTreeMap<String, BTreeSet<String>>;

fn tree(edges: Option<&str>) -> Features {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace).args([
        "tree",
        "--workspace",
        "--offline",
        "--locked",
        "-f",
        "{p} {f}",
        "--prefix",
        "none",
    ]);
    if let Some(edges) = edges {
        cmd.args(["-e", edges]);
    }
    let o = cmd.output().expect("cargo tree runs");
    assert!(
        o.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    parse(&String::from_utf8_lossy(&o.stdout))
}

/// Reads `cargo tree -f '{p} {f}' --prefix none` output: `name vX (source) f1,f2` per line, with
/// ` (*)` after a package already shown.
fn parse(out: &str) -> Features {
    let mut features = Features::new();
    for line in out.lines() {
        let line = line.strip_suffix(" (*)").unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let (package, list) = line.rsplit_once(' ').unwrap_or((line, ""));
        features
            .entry(package.to_string())
            .or_default()
            .insert(list.to_string());
    }
    features
}

/// The packages of `build` whose features differ in `test`, described.
fn differences(build: &Features, test: &Features) -> Vec<String> {
    build
        .iter()
        .filter_map(|(package, features)| {
            let in_test = test.get(package).cloned().unwrap_or_default();
            (features != &in_test)
                .then(|| format!("{package}: build {features:?}, test {in_test:?}"))
        })
        .collect()
}

#[test]
fn the_parser_and_the_comparison_see_a_feature_difference() {
    let build =
        parse("serde_json v1.0.1 default,std\nhashbrown v0.15.0 \nquote v1.0.0 proc-macro (*)\n");
    assert_eq!(build["hashbrown v0.15.0"], BTreeSet::from([String::new()]));
    assert_eq!(
        build["quote v1.0.0"],
        BTreeSet::from(["proc-macro".to_string()])
    );
    let test = parse(
        "serde_json v1.0.1 default,float_roundtrip,std\nhashbrown v0.15.0 \nquote v1.0.0 proc-macro\njsonschema v0.61.0 \n",
    );
    assert_eq!(
        differences(&build, &test),
        [r#"serde_json v1.0.1: build {"default,std"}, test {"default,float_roundtrip,std"}"#]
    );
}

#[test]
fn build_and_test_resolve_the_same_features() {
    let build = tree(Some("normal,build"));
    let test = tree(None);
    assert!(
        build.keys().any(|p| p.starts_with("aws-sdk-ec2 ")),
        "the tree lists the SDK crates"
    );
    let diff = differences(&build, &test);
    assert!(
        diff.is_empty(),
        "these packages resolve different features in `cargo build` and `cargo test`, so they \
         (and everything depending on them) compile twice; turn the same features on in a normal \
         dependency (see provider/Cargo.toml):\n  {}",
        diff.join("\n  ")
    );
}

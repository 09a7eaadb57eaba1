//! The seed examples (`terraform/examples/seed-*`) use `hashicorp/aws`, which `terraform init`
//! cannot fetch offline: each says at the top of its main file that it is a lint example, and so
//! does the README's text about the examples.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the linter sits in the workspace")
        .to_path_buf()
}

fn seed_dirs() -> Vec<PathBuf> {
    let examples = workspace().join("terraform/examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("terraform/examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_seed_example_says_it_is_a_lint_example_on_hashicorp_aws() {
    let dirs = seed_dirs();
    assert_eq!(dirs.len(), 5, "{dirs:?}");
    for dir in dirs {
        let main = std::fs::read_to_string(dir.join("main.tf")).expect("main.tf");
        assert!(
            main.contains("source  = \"hashicorp/aws\""),
            "{}: the notice is about hashicorp/aws",
            dir.display()
        );
        let header: String = main
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for words in [
            "LINT EXAMPLE",
            "`hashicorp/aws`",
            "`terraform init`",
            "offline",
        ] {
            assert!(
                header.contains(words),
                "{}: the opening comment lacks `{words}`:\n{header}",
                dir.display()
            );
        }
    }
}

#[test]
fn the_readme_says_the_seed_examples_are_lint_examples() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let para = readme
        .split("\n\n")
        .find(|p| p.contains("terraform/examples/seed-*"))
        .expect("a paragraph about terraform/examples/seed-*");
    let flat = para.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "lint examples",
        "`hashicorp/aws`",
        "`terraform init` fails offline",
    ] {
        assert!(flat.contains(words), "lacks `{words}`: {flat}");
    }
}

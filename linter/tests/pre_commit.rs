//! The repository's `.pre-commit-hooks.yaml`, run by the real `pre-commit` the way a Terraform
//! repository would use it: `repo:` pointing at a git clone of this repository (a snapshot of the
//! working tree, uncommitted changes included), a risky file failing the commit, the fixed file
//! passing. Two hooks: `blueprint-lint` (builds from the clone once, then runs the built copy
//! without cargo) and `blueprint-lint-python` (the wheel, built here by `scripts/build-wheel.sh`
//! for manylinux2014, installed offline into a fresh venv and by pre-commit with no Rust
//! toolchain on PATH and no package index reachable).
//!
//! `pre-commit` comes from `BLUEPRINT_PRE_COMMIT`, else `<workspace>/.venv/bin/pre-commit`
//! (`scripts/setup.sh` installs it from `scripts/requirements.txt`). It is required: without it
//! the test fails and says how to install it.
//!
//! The snapshot lives at a fixed path and is committed with fixed dates, so an unchanged tree
//! gets the same `rev` and pre-commit (whose home is kept in `CARGO_TARGET_TMPDIR`) reuses its
//! clone and the linter it built there. A changed tree is a new `rev`: pre-commit clones it and
//! the hook rebuilds the linter (compiled dependencies are shared through
//! `BLUEPRINT_LINT_TARGET_DIR`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the linter crate sits in the workspace")
        .to_path_buf()
}

fn pre_commit() -> PathBuf {
    let path = match std::env::var_os("BLUEPRINT_PRE_COMMIT") {
        Some(p) => PathBuf::from(p),
        None => workspace().join(".venv/bin/pre-commit"),
    };
    assert!(
        path.is_file(),
        "pre-commit not found at {}: run `. scripts/setup.sh` (it installs scripts/requirements.txt \
         into .venv), or `pip install pre-commit` and set BLUEPRINT_PRE_COMMIT to its path",
        path.display()
    );
    path
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs git in `dir` with a fixed identity and fixed dates (so commits are reproducible).
fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=blueprint-test",
            "-c",
            "user.email=test@blueprint.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z")
        .output()
        .expect("git is installed");
    assert!(
        o.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        text(&o)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Copies the workspace's tracked and untracked-but-not-ignored files into `dest` and commits
/// them; returns the commit.
fn snapshot(dest: &Path) -> String {
    if dest.exists() {
        std::fs::remove_dir_all(dest).expect("remove the previous snapshot");
    }
    std::fs::create_dir_all(dest).expect("create the snapshot directory");
    let ws = workspace();
    let listed = git(
        &ws,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    for rel in listed.split('\0').filter(|s| !s.is_empty()) {
        let from = ws.join(rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).expect("create a snapshot directory");
        }
        std::fs::copy(&from, &to).expect("copy into the snapshot"); // keeps the mode bits
    }
    git(dest, &["init", "-q"]);
    git(dest, &["add", "-A"]);
    git(
        dest,
        &["commit", "-q", "-m", "snapshot of the working tree"],
    );
    git(dest, &["rev-parse", "HEAD"])
}

fn run_hook(pre_commit: &Path, repo: &Path, state: &Path) -> Output {
    Command::new(pre_commit)
        .current_dir(repo)
        .args(["run", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", state.join("home"))
        .env("BLUEPRINT_LINT_TARGET_DIR", state.join("target"))
        .output()
        .expect("pre-commit runs")
}

/// A PATH with no Rust toolchain on it (no `cargo`, no `rustc`): the system directories only.
fn path_without_rust() -> String {
    let path = "/usr/local/bin:/usr/bin:/bin";
    let o = Command::new("sh")
        .args(["-c", "command -v cargo || command -v rustc"])
        .env("PATH", path)
        .output()
        .expect("sh runs");
    assert!(
        !o.status.success(),
        "cargo or rustc is in {path}: {}",
        text(&o)
    );
    path.to_string()
}

/// A consumer repository using hook `id` of the clone at `url`/`rev`, with `file` staged.
fn consumer(url: &str, rev: &str, id: &str, file: (&str, &str)) -> tempfile::TempDir {
    let consumer = tempfile::tempdir().expect("temp dir");
    let repo = consumer.path();
    git(repo, &["init", "-q"]);
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!("repos:\n  - repo: {url}\n    rev: {rev}\n    hooks:\n      - id: {id}\n"),
    )
    .expect("write the config");
    std::fs::write(repo.join(file.0), file.1).expect("write the Terraform file");
    git(repo, &["add", "-A"]);
    consumer
}

const BAD: &str = r#"resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"#;

const GOOD: &str = r#"resource "aws_iam_policy" "reader" {
  name = "reader"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::media/*" }]
  })
}
"#;

#[test]
fn hook_from_a_clone_fails_on_a_wildcard_policy_and_passes_once_fixed() {
    let pre_commit = pre_commit();
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    let source = state.join("blueprint");
    let rev = snapshot(&source);

    let url = format!("file://{}", source.display());
    let consumer = consumer(&url, &rev, "blueprint-lint", ("iam.tf", BAD));
    let repo = consumer.path();

    let failed = run_hook(&pre_commit, repo, &state);
    let out = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "the hook must fail:\n{out}");
    assert!(
        out.contains("blueprint-lint....") && out.contains("Failed"),
        "{out}"
    );
    assert!(out.contains("error[iam-no-wildcard]"), "{out}");
    assert!(out.contains("./iam.tf:5:"), "{out}");

    std::fs::write(repo.join("iam.tf"), GOOD).expect("fix iam.tf");
    git(repo, &["add", "-A"]);
    let passed = run_hook(&pre_commit, repo, &state);
    let out = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "the hook must pass:\n{out}");
    assert!(
        out.contains("blueprint-lint....") && out.contains("Passed"),
        "{out}"
    );

    // Built once for this rev: later runs use the clone's copy and never call cargo, so they
    // work with no Rust toolchain on PATH.
    std::fs::write(repo.join("iam.tf"), BAD).expect("break iam.tf again");
    git(repo, &["add", "-A"]);
    let again = Command::new(&pre_commit)
        .current_dir(repo)
        .args(["run", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", state.join("home"))
        .env("BLUEPRINT_LINT_TARGET_DIR", state.join("target"))
        .env("PATH", path_without_rust())
        .output()
        .expect("pre-commit runs");
    let out = text(&again);
    assert_eq!(again.status.code(), Some(1), "{out}");
    assert!(out.contains("error[iam-no-wildcard]"), "{out}");
    assert!(!out.contains("cargo not found"), "{out}");
}

/// The project's venv, with maturin and ziglang (scripts/requirements.txt).
fn venv() -> PathBuf {
    let path = match std::env::var_os("BLUEPRINT_VENV") {
        Some(p) => PathBuf::from(p),
        None => workspace().join(".venv"),
    };
    assert!(
        path.join("bin/maturin").is_file(),
        "maturin not found in {}: run `. scripts/setup.sh` (scripts/requirements.txt pins it and \
         ziglang), or set BLUEPRINT_VENV to a venv holding both",
        path.display()
    );
    path
}

/// The highest `GLIBC_x.y` symbol version `binary` needs (`objdump -T`), as (x, y).
fn max_glibc(binary: &Path) -> (u32, u32) {
    let o = Command::new("objdump")
        .arg("-T")
        .arg(binary)
        .output()
        .expect("objdump (binutils) runs");
    assert!(o.status.success(), "objdump -T: {}", text(&o));
    let dump = String::from_utf8_lossy(&o.stdout);
    dump.split("GLIBC_")
        .skip(1)
        .filter_map(|rest| {
            let v: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
        .expect("the binary links glibc")
}

/// An index nothing listens on: a hook install that asked an index would fail naming it.
const DEAD_INDEX: &str = "http://127.0.0.1:9/simple";

const OPEN_SSH: &str = r#"resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn python_hook_installs_the_wheel_without_rust_fails_on_open_ssh_and_passes_once_fixed() {
    let pre_commit = pre_commit();
    let project_venv = venv();
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-python");
    let source = state.join("blueprint");
    let rev = snapshot(&source);

    // The wheel, built from the snapshot by scripts/build-wheel.sh (release, maturin with Zig,
    // manylinux2014).
    let wheels = state.join("wheels");
    if wheels.exists() {
        std::fs::remove_dir_all(&wheels).expect("remove old wheels");
    }
    let built = Command::new(source.join("scripts/build-wheel.sh"))
        .arg(&wheels)
        .env("BLUEPRINT_VENV", &project_venv)
        // Its own build directory: Zig links for an explicit target, so nothing is shared with
        // the script hook's build.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel-target"),
        )
        .output()
        .expect("build-wheel.sh runs");
    assert!(built.status.success(), "build-wheel.sh: {}", text(&built));
    let wheel = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
    let name = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        name.starts_with(&format!("blueprint_lint-{}-", env!("CARGO_PKG_VERSION")))
            && name.contains("manylinux2014_x86_64")
            && name.contains("manylinux_2_17_x86_64"),
        "not a manylinux2014 wheel: {}",
        wheel.display()
    );

    // Installed from the local file into a fresh venv, with no index and no Rust on PATH.
    let venv = tempfile::tempdir().expect("temp dir");
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path())
        .env("PATH", path_without_rust())
        .output()
        .expect("python3 runs");
    assert!(made.status.success(), "venv: {}", text(&made));
    let pip = Command::new(venv.path().join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .env("PATH", path_without_rust())
        .output()
        .expect("pip runs");
    assert!(pip.status.success(), "pip install: {}", text(&pip));
    let installed = venv.path().join("bin/blueprint-lint");
    let glibc = max_glibc(&installed);
    assert!(
        glibc <= (2, 17),
        "the wheel's binary needs GLIBC_{}.{}: above manylinux2014's 2.17",
        glibc.0,
        glibc.1
    );
    let version = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("the wheel's blueprint-lint runs");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("blueprint-lint {}", env!("CARGO_PKG_VERSION"))
    );

    // pre-commit installs the hook (`pip install .` of the clone's root pyproject.toml, whose
    // in-tree backend copies the binary out of the wheel named by BLUEPRINT_LINT_WHEELS) with no
    // Rust on PATH and no index: any index lookup would fail on the dead PIP_INDEX_URL.
    let url = format!("file://{}", source.display());
    let consumer = consumer(&url, &rev, "blueprint-lint-python", ("sg.tf", OPEN_SSH));
    let repo = consumer.path();
    let run_with = |home: &Path, wheels: Option<&Path>| {
        let mut cmd = Command::new(&pre_commit);
        cmd.current_dir(repo)
            .args(["run", "--all-files", "--color", "never"])
            .env("PRE_COMMIT_HOME", home)
            .env("PIP_INDEX_URL", DEAD_INDEX)
            .env_remove("PIP_FIND_LINKS")
            .env_remove("BLUEPRINT_LINT_WHEELS")
            .env("PATH", path_without_rust());
        if let Some(w) = wheels {
            cmd.env("BLUEPRINT_LINT_WHEELS", w);
        }
        cmd.output().expect("pre-commit runs")
    };

    // Without the wheel: a clear message, no index lookup.
    let home = tempfile::tempdir().expect("temp dir");
    let missing = run_with(home.path(), None);
    let out = text(&missing);
    assert_ne!(missing.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!(
            "blueprint-lint-python: the blueprint-lint {} wheel was not found",
            env!("CARGO_PKG_VERSION")
        )) && out.contains("BLUEPRINT_LINT_WHEELS"),
        "{out}"
    );
    // pip names the index it would use ("Looking in indexes: ..."); a lookup of a package
    // would fetch its page there and fail on the dead address.
    assert!(
        !out.contains("/simple/blueprint")
            && !out.contains("Retrying")
            && !out.contains("NewConnectionError")
            && !out.contains("No matching distribution"),
        "an index was asked: {out}"
    );

    let home = tempfile::tempdir().expect("temp dir");
    let run = || run_with(home.path(), Some(wheels.as_path()));
    let failed = run();
    let out = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "the hook must fail:\n{out}");
    assert!(
        out.contains("blueprint-lint....") && out.contains("Failed"),
        "{out}"
    );
    assert!(out.contains("warning[sg-ssh-rdp-open]"), "{out}");
    assert!(out.contains("./sg.tf:7:"), "{out}");

    std::fs::write(
        repo.join("sg.tf"),
        OPEN_SSH.replace("0.0.0.0/0", "10.20.0.0/16"),
    )
    .expect("fix sg.tf");
    git(repo, &["add", "-A"]);
    let passed = run();
    let out = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "the hook must pass:\n{out}");
    assert!(
        out.contains("blueprint-lint....") && out.contains("Passed"),
        "{out}"
    );
}
